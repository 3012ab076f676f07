"""Render rows of plain data as a text table, CSV or JSON.

Each report names its columns once; the text table aligns them (Vietnamese kept intact: text is
NFC-normalised so each letter is one column wide) and ends with a totals line.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any


@dataclass(frozen=True)
class Column:
    title: str
    get: Callable[[dict[str, Any]], Any]
    total: bool = False  # summed in the totals line
    numeric: bool = False


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return unicodedata.normalize("NFC", str(value))


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    return value


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


def report_columns(name: str) -> tuple[Column, ...]:
    return REPORTS[name]


def table(rows: Sequence[dict[str, Any]], columns: Sequence[Column], footer: Sequence[str] = ()) -> str:
    header = [c.title for c in columns]
    body = [[_text(c.get(row)) for c in columns] for row in rows]
    totals = ["total" if i == 0 else "" for i in range(len(columns))]
    for i, column in enumerate(columns):
        if column.total:
            totals[i] = str(sum(column.get(row) or 0 for row in rows))
    widths = [max(len(cell) for cell in col) for col in zip(header, *body, totals, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(width) if column.numeric else cell.ljust(width)
            for cell, width, column in zip(cells, widths, columns, strict=True)
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    lines = [line(header), rule, *(line(cells) for cells in body), rule, line(totals)]
    lines.append(f"{len(rows)} row(s)")
    lines.extend(footer)
    return "\n".join(lines)


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[Column]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.title for c in columns])
    for row in rows:
        writer.writerow([_csv_value(c.get(row)) for c in columns])
    return out.getvalue()


def render(
    rows: Sequence[dict[str, Any]],
    fmt: str,
    report: str,
    *,
    json_rows: Sequence[dict[str, Any]] | None = None,
    footer: Sequence[str] = (),
) -> str:
    """`json_rows` are what JSON prints when they differ from the rows the other formats show."""
    if fmt == "json":
        return json.dumps(list(json_rows if json_rows is not None else rows), ensure_ascii=False, indent=2)
    if fmt == "csv":
        key = f"{report}_csv" if f"{report}_csv" in REPORTS else report
        return to_csv(rows, REPORTS[key])
    return table(rows, REPORTS[report], footer)
