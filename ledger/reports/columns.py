"""The columns of each report: CSV and JSON show every one of them under its title; the text
table (`TABLES`) a chosen subset under short headings, each fitted as its `fit` says."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from operator import itemgetter
from typing import Any, Literal

#: How a table cell that is too wide is shown: in full (the other columns give way), cut with an
#: ellipsis, wrapped onto more lines within the column, or on its own indented line below the row.
Fit = Literal["keep", "truncate", "wrap", "below"]


@dataclass(frozen=True)
class Column:
    title: str
    get: Callable[[dict[str, Any]], Any]
    total: bool = False  # summed in the totals line
    numeric: bool = False
    # How the text table shows it (CSV and JSON always use the title and the whole value):
    label: str | None = None  # the heading, when not the title; "" puts no prefix on a `below` line
    group: str | None = None  # a heading spanning this and the neighbouring columns of the same group
    fit: Fit = "keep"
    min_width: int = 0  # a "truncate" or "wrap" column is never made narrower than this (or its heading)

    @property
    def heading(self) -> str:
        return self.title if self.label is None else self.label


VIOLATION_COLUMNS = (
    Column("rule", lambda r: r["rule"]),
    Column("case", lambda r: r["case"]),
    Column("consultation", lambda r: r["consultation"]),
    Column("agency", lambda r: r["agency"]),
    Column("official", lambda r: r["official"]),
    Column("due", lambda r: r["due"]),
    Column("days_late", lambda r: r["days_late"], total=True, numeric=True),
    Column("status", lambda r: r["status"]),
    Column("deemed_consent", lambda r: r["deemed_consent"]),
    Column("finding", lambda r: r["finding"]),
    Column("message_vi", lambda r: r["message_vi"]),
)
VIOLATION_CSV_EXTRA = (
    Column("clause", lambda r: r["clause"]),
    Column("evidence", lambda r: r["evidence"]),
    Column("message_en", lambda r: r["message_en"]),
)

DELAY_COLUMNS = (
    Column("agency", lambda r: r["agency"]),
    Column("days", lambda r: r["days"], total=True, numeric=True),
    Column("by_rule", lambda r: r["by_rule"]),
    Column("cases", lambda r: len(r["cases"]), total=True, numeric=True),
)
DELAY_CASE_LIST = Column("cases", lambda r: r["cases"])
DELAY_BY_OFFICIAL_COLUMNS = (DELAY_COLUMNS[0], Column("official", lambda r: r["official"]), *DELAY_COLUMNS[1:])


def _counted(name: str) -> Column:
    return Column(name, itemgetter(name), total=True, numeric=True)


SCORECARD_COLUMNS = (
    Column("agency", itemgetter("agency")),
    *(_counted(name) for name in ("cases", "cases_on_time", "cases_late", "cases_overdue_open")),
    Column("on_time_rate", itemgetter("on_time_rate"), numeric=True),
    Column("score_766", itemgetter("score_766"), numeric=True),
    *(_counted(name) for name in ("consultations", "answered_on_time", "answered_late", "unanswered_overdue")),
    Column("violations", itemgetter("violations")),
)
SCORECARD_BY_OFFICIAL_COLUMNS = (
    SCORECARD_COLUMNS[0], Column("official", lambda r: r["official"]), *SCORECARD_COLUMNS[1:]
)

REPORTS: dict[str, tuple[Column, ...]] = {
    "violations": VIOLATION_COLUMNS,
    "violations_csv": VIOLATION_COLUMNS + VIOLATION_CSV_EXTRA,
    "delays": DELAY_COLUMNS,
    "delays_csv": (*DELAY_COLUMNS[:-1], DELAY_CASE_LIST),
    "delays_by_official": DELAY_BY_OFFICIAL_COLUMNS,
    "delays_by_official_csv": (*DELAY_BY_OFFICIAL_COLUMNS[:-1], DELAY_CASE_LIST),
    "scorecard": SCORECARD_COLUMNS,
    "scorecard_by_official": SCORECARD_BY_OFFICIAL_COLUMNS,
}


def _named(columns: Sequence[Column]) -> dict[str, Column]:
    return {column.title: column for column in columns}


# The text tables: what a person at a terminal needs, in at most TABLE_WIDTH columns. The
# violation's message (which names its consultation and due date) goes on a line of its own.
_V = _named(VIOLATION_COLUMNS)
VIOLATION_TABLE = (
    replace(_V["rule"], label="rule / message_vi", fit="truncate", min_width=23),  # cut last, if ever
    replace(_V["case"], fit="truncate", min_width=14),
    replace(_V["agency"], fit="truncate", min_width=5),
    replace(_V["official"], fit="truncate", min_width=8),
    replace(_V["days_late"], label="late"),
    _V["status"],
    replace(_V["deemed_consent"], label="deemed"),
    _V["finding"],
    replace(_V["message_vi"], label="", fit="below"),
)

_D = _named(DELAY_BY_OFFICIAL_COLUMNS)
_DELAY_AGENCY = replace(_D["agency"], fit="truncate", min_width=5)
_DELAY_OFFICIAL = replace(_D["official"], fit="truncate", min_width=8)
_DELAY_NUMBERS = (_D["days"], _D["cases"], replace(_D["by_rule"], fit="wrap", min_width=30))
DELAY_TABLE = (_DELAY_AGENCY, *_DELAY_NUMBERS)
DELAY_BY_OFFICIAL_TABLE = (_DELAY_AGENCY, _DELAY_OFFICIAL, *_DELAY_NUMBERS)

_S = _named(SCORECARD_BY_OFFICIAL_COLUMNS)
_SCORECARD_NUMBERS = (
    replace(_S["cases"], label="all", group="cases"),
    replace(_S["cases_on_time"], label="on time", group="cases"),
    replace(_S["cases_late"], label="late", group="cases"),
    replace(_S["cases_overdue_open"], label="overdue", group="cases"),
    replace(_S["on_time_rate"], label="rate", group="cases"),
    replace(_S["score_766"], label="score"),
    replace(_S["consultations"], label="all", group="consultations"),
    replace(_S["answered_on_time"], label="on time", group="consultations"),
    replace(_S["answered_late"], label="late", group="consultations"),
    replace(_S["unanswered_overdue"], label="unanswered", group="consultations"),
    replace(_S["violations"], fit="below"),
)
_SCORECARD_AGENCY = replace(_S["agency"], fit="truncate", min_width=5)
SCORECARD_TABLE = (_SCORECARD_AGENCY, *_SCORECARD_NUMBERS)
SCORECARD_BY_OFFICIAL_TABLE = (_SCORECARD_AGENCY, replace(_S["official"], fit="truncate", min_width=8),
                               *_SCORECARD_NUMBERS)

TABLES: dict[str, tuple[Column, ...]] = {
    "violations": VIOLATION_TABLE,
    "delays": DELAY_TABLE,
    "delays_by_official": DELAY_BY_OFFICIAL_TABLE,
    "scorecard": SCORECARD_TABLE,
    "scorecard_by_official": SCORECARD_BY_OFFICIAL_TABLE,
}


def report_columns(name: str) -> tuple[Column, ...]:
    return REPORTS[name]
