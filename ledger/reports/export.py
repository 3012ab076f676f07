"""A verifiable report (`Ledger.report`'s envelope) as the bytes of a file: JSON, CSV (UTF-8 with a
BOM, so Excel reads Vietnamese), XLSX or PDF. One place chooses the format, so the CLI, the pages
and the API export the same files.

XLSX and PDF files are for reading and filing: they carry the report's checkpoint and versions,
but what `ledger verify-report` checks is the JSON (or CSV) of the same filters. Their rows are
those of the CSV (`Ledger.report(kind, parameters, "xlsx")`: delay rows keep their cases)."""

from __future__ import annotations

from typing import Any

from .file_columns import export_columns

__all__ = ["export_columns", "EXPORT_FORMATS", "BINARY_FORMATS", "export_report", "export_media_type", "export_file_name"]

EXPORT_FORMATS = ("json", "csv", "xlsx", "pdf")
#: The formats that are no text: never written to a terminal.
BINARY_FORMATS = ("xlsx", "pdf")

_MEDIA = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def export_report(data: dict[str, Any], fmt: str) -> bytes:
    """The report `data` (with rows shaped for `fmt`) as a file's bytes."""
    from .verifiable import render_report

    if fmt == "json":
        return render_report(data, "json").encode("utf-8")
    if fmt == "csv":
        return render_report(data, "csv").encode("utf-8-sig")
    if fmt == "xlsx":
        from .xlsx import report_xlsx

        return report_xlsx(data)
    if fmt == "pdf":
        from .pdf import report_pdf

        return report_pdf(data)
    raise ValueError(f"unknown export format {fmt!r} (one of {', '.join(EXPORT_FORMATS)})")


def export_media_type(fmt: str) -> str:
    return _MEDIA[fmt]


def export_file_name(data: dict[str, Any], fmt: str) -> str:
    """`violations_2026-12-07_at-17708.xlsx`: the kind, the judged date and the checkpoint size."""
    parameters = data.get("parameters", {})
    day = parameters.get("as_of") or f"{parameters.get('from')}_{parameters.get('to')}"
    return f"{data['report']}_{day}_at-{data['checkpoint']['size']}.{fmt}"
