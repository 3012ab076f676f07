"""Render rows of plain data as a text table, CSV or JSON.

Each report names its columns once; CSV and JSON show every one of them under its title. The
text table is for a terminal: it shows a chosen subset under short headings, at most
`TABLE_WIDTH` columns wide, and ends with a totals line. Widths are display widths (text is
NFC-normalised, combining marks take no column and wide East Asian characters two), so
Vietnamese stays aligned. A column too wide for the line is cut with an ellipsis or wrapped
within its width, and a long message is printed on its own indented line under its row.

The pieces live beside this module: `widths` (display widths, cutting and wrapping text),
`columns` (each report's columns and text-table columns), `text_table` (the table itself); every
name they had here is still importable from here.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from .columns import (
    DELAY_BY_OFFICIAL_COLUMNS,
    DELAY_BY_OFFICIAL_TABLE,
    DELAY_CASE_LIST,
    DELAY_COLUMNS,
    DELAY_TABLE,
    REPORTS,
    SCORECARD_BY_OFFICIAL_COLUMNS,
    SCORECARD_BY_OFFICIAL_TABLE,
    SCORECARD_COLUMNS,
    SCORECARD_TABLE,
    TABLES,
    VIOLATION_COLUMNS,
    VIOLATION_CSV_EXTRA,
    VIOLATION_TABLE,
    Column,
    Fit,
    report_columns,
)
from .text_table import GAP, INDENT, TABLE_WIDTH, table
from .widths import ELLIPSIS, display_width, truncate, wrap

__all__ = [
    "DELAY_BY_OFFICIAL_COLUMNS",
    "DELAY_BY_OFFICIAL_TABLE",
    "DELAY_CASE_LIST",
    "DELAY_COLUMNS",
    "DELAY_TABLE",
    "ELLIPSIS",
    "FORMULA_STARTS",
    "GAP",
    "INDENT",
    "REPORTS",
    "SCORECARD_BY_OFFICIAL_COLUMNS",
    "SCORECARD_BY_OFFICIAL_TABLE",
    "SCORECARD_COLUMNS",
    "SCORECARD_TABLE",
    "TABLES",
    "TABLE_WIDTH",
    "VIOLATION_COLUMNS",
    "VIOLATION_CSV_EXTRA",
    "VIOLATION_TABLE",
    "Column",
    "Fit",
    "csv_value",
    "display_width",
    "inert",
    "render",
    "report_columns",
    "table",
    "to_csv",
    "truncate",
    "wrap",
]


def csv_value(value: Any) -> Any:
    """A value as the CSV writes it: nothing for None, a list joined by spaces, a mapping as JSON."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    return value


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
