"""Render rows of plain data as a text table, CSV or JSON.

Each report names its columns once; CSV and JSON show every one of them under its title. The
text table is for a terminal: it shows a chosen subset under short headings, at most
`TABLE_WIDTH` columns wide, and ends with a totals line. Widths are display widths (text is
NFC-normalised, combining marks take no column and wide East Asian characters two), so
Vietnamese stays aligned. A column too wide for the line is cut with an ellipsis or wrapped
within its width, and a long message is printed on its own indented line under its row.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from operator import itemgetter
from typing import Any, Literal

#: The text table fits a terminal this many columns wide.
TABLE_WIDTH = 100
GAP = "  "
INDENT = "  "
ELLIPSIS = "…"

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


@lru_cache(maxsize=8192)
def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns `text` takes on a terminal: combining marks none, wide (CJK) characters two."""
    return sum(_char_width(char) for char in text)


def _pad(text: str, width: int, *, right: bool = False) -> str:
    space = " " * max(0, width - display_width(text))
    return space + text if right else text + space


def _cut(text: str, width: int) -> tuple[str, str]:
    """The longest head of `text` at most `width` columns wide (keeping combining marks on their
    letter), and the rest."""
    used = 0
    for index, char in enumerate(text):
        used += _char_width(char)
        if used > width:
            return text[:index], text[index:]
    return text, ""


def truncate(text: str, width: int) -> str:
    """`text` cut to `width` columns, ending in an ellipsis when something was cut."""
    if display_width(text) <= width:
        return text
    head, _ = _cut(text, max(0, width - display_width(ELLIPSIS)))
    return head.rstrip() + ELLIPSIS


def _pieces(atom: str, width: int) -> list[str]:
    """An unbreakable piece of text split, if it must be, into parts at most `width` wide."""
    if display_width(atom) <= width:
        return [atom]
    if " " in atom:
        return [piece for word in atom.split() for piece in _pieces(word, width)]
    parts = []
    while atom:
        head, atom = _cut(atom, max(1, width))
        if not head:  # a single character wider than the column
            head, atom = atom[:1], atom[1:]
        parts.append(head)
    return parts


def wrap(atoms: Sequence[str], width: int) -> list[str]:
    """Lines at most `width` columns wide, filled greedily with `atoms` joined by spaces."""
    lines: list[str] = []
    current = ""
    for atom in atoms:
        for piece in _pieces(atom, width):
            candidate = f"{current} {piece}" if current else piece
            if display_width(candidate) <= width:
                current = candidate
            else:
                lines.append(current)
                current = piece
    lines.append(current)
    return lines


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return unicodedata.normalize("NFC", str(value))


def _cell(value: Any) -> str:
    """A value as one line of table text: NFC, with line breaks and other controls as spaces."""
    text = unicodedata.normalize("NFC", _text(value))
    if text.isprintable():
        return text
    return "".join(" " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char for char in text)


def _atoms(value: Any) -> list[str]:
    """Where a value may be broken across lines: after each item of a list or mapping (so that
    "CASE_OVERDUE 4" stays together), otherwise between words."""
    text = _cell(value)
    if isinstance(value, dict | list | tuple):
        items = text.split(", ")
        return [f"{item}," for item in items[:-1]] + items[-1:]
    return text.split()


def csv_value(value: Any) -> Any:
    """A value as the CSV writes it: nothing for None, a list joined by spaces, a mapping as JSON."""
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


def _fit(columns: Sequence[Column], natural: Sequence[int], width: int) -> list[int]:
    """Column widths making a line at most `width` wide if they can: wrapped columns give way
    first, then cut ones, a column at a time, always the one with the most to spare."""
    widths = list(natural)
    floors = [
        max(column.min_width, display_width(column.heading), 1) if column.fit in ("truncate", "wrap") else w
        for column, w in zip(columns, widths, strict=True)
    ]
    overflow = sum(widths) + len(GAP) * (len(widths) - 1) - width
    for fits in ("wrap", "truncate"):
        while overflow > 0:
            spare = {i: widths[i] - floors[i] for i, column in enumerate(columns) if column.fit == fits}
            roomiest = max(spare, key=spare.__getitem__, default=None)  # the first, if several tie
            if roomiest is None or spare[roomiest] <= 0:
                break
            widths[roomiest] -= 1
            overflow -= 1
    return widths


def _group_line(columns: Sequence[Column], widths: Sequence[int]) -> str:
    """The spanning headings: each group's name centred over its columns."""
    parts: list[str] = []
    index = 0
    while index < len(columns):
        group = columns[index].group
        end = index + 1
        while group is not None and end < len(columns) and columns[end].group == group:
            end += 1
        span = sum(widths[index:end]) + len(GAP) * (end - index - 1)
        if group is None:
            parts.append(" " * span)
        else:
            name = truncate(group, span)
            dashes = span - display_width(name) - 2
            parts.append(f"{'-' * (dashes // 2)} {name} {'-' * (dashes - dashes // 2)}" if dashes > 0 else
                         _pad(name, span))
        index = end
    return GAP.join(parts).rstrip()


def table(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[Column],
    footer: Sequence[str] = (),
    *,
    width: int = TABLE_WIDTH,
) -> str:
    inline = [c for c in columns if c.fit != "below"]
    below = [c for c in columns if c.fit == "below"]
    values = [[c.get(row) for c in inline] for row in rows]
    body = [[_cell(value) for value in row] for row in values]
    totals = ["total" if i == 0 else "" for i in range(len(inline))]
    for i, column in enumerate(inline):
        if column.total:
            totals[i] = str(sum(column.get(row) or 0 for row in rows))
    header = [c.heading for c in inline]
    natural = [max(display_width(cell) for cell in col) for col in zip(header, *body, totals, strict=True)]
    widths = _fit(inline, natural, width)

    def line(cells: Sequence[str]) -> str:
        parts = [
            _pad(cell, w, right=column.numeric)
            for cell, w, column in zip(cells, widths, inline, strict=True)
        ]
        return GAP.join(parts).rstrip()

    def row_lines(raw: Sequence[Any], cells: Sequence[str]) -> list[str]:
        stacked: list[list[str]] = []
        for value, cell, w, column in zip(raw, cells, widths, inline, strict=True):
            if column.fit == "wrap" and display_width(cell) > w:
                stacked.append(wrap(_atoms(value), w))
            elif display_width(cell) > w:
                stacked.append([truncate(cell, w)])
            else:
                stacked.append([cell])
        height = max(len(lines) for lines in stacked)
        return [line([lines[k] if k < len(lines) else "" for lines in stacked]) for k in range(height)]

    def detail_lines(row: dict[str, Any]) -> list[str]:
        out: list[str] = []
        for column in below:
            value = column.get(row)
            if value is not None and _cell(value).strip():
                atoms = _atoms(value)
                prefix = [f"{column.heading}:"] if column.heading else []
                out.extend(INDENT + text for text in wrap(prefix + atoms, width - display_width(INDENT)))
        return out

    rule = GAP.join("-" * w for w in widths)
    lines = []
    if any(c.group for c in inline):
        lines.append(_group_line(inline, widths))
    lines.extend([line(header), rule])
    for row, raw, cells in zip(rows, values, body, strict=True):
        lines.extend(row_lines(raw, cells))
        lines.extend(detail_lines(row))
    lines.extend([rule, line(totals), f"{len(rows)} row(s)"])
    lines.extend(footer)
    return "\n".join(lines)


#: What a spreadsheet takes for the start of a formula (OWASP "CSV injection", and `|` for DDE): a
#: text cell that starts with one of these is written with a leading apostrophe, which Excel and
#: LibreOffice show as text and never run. Case references, titles and ids are chosen by the
#: agencies. A cell that itself starts with an apostrophe gets one too, so `=1` and `'=1` stay apart.
FORMULA_STARTS = ("=", "+", "-", "@", "|", "'", "\t", "\r")


def inert(value: Any) -> Any:
    """A CSV cell that no spreadsheet will run: text starting like a formula gets a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[Column]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.title for c in columns])
    for row in rows:
        writer.writerow([inert(csv_value(c.get(row))) for c in columns])
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
    return table(rows, TABLES.get(report, REPORTS[report]), footer)
