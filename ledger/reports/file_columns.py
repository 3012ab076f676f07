"""Which columns a report file shows (XLSX: every column of the CSV; PDF: the printed table's),
apart from the code that writes each format, which both use it."""

from __future__ import annotations

from typing import Any

from .formats import REPORTS, Column


def export_columns(data: dict[str, Any], fmt: str) -> tuple[Column, ...]:
    """The columns a file shows. A spreadsheet has every column of the CSV, under the same titles
    and in the same order, so a filter or a formula works on either; a PDF has the columns of the
    printed table (counts rather than case lists, the Vietnamese message only), which fit the
    width of a landscape page."""
    from .verifiable import report_name

    name = report_name(data["report"], data["parameters"])
    if fmt == "pdf":
        return REPORTS[name]
    return REPORTS.get(f"{name}_csv", REPORTS[name])
