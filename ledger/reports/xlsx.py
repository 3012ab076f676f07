"""A report as an Excel workbook: its rows on the first sheet, the facts that identify it on a
second ("Kiểm chứng").

The rows sheet has the columns of the report's CSV, under the same titles, but typed: a due date
is an Excel date, a count a number, a yes/no a boolean, so sorting and filtering work as a reader
expects. Lists and mappings are written as the CSV writes them (ids joined by spaces, mappings as
JSON). Text is always written as text, never as a formula, whatever it starts with. The workbook
is streamed row by row (XlsxWriter's `constant_memory`) and dated by its checkpoint, so the same
report always gives the same bytes."""

from __future__ import annotations

import io
from datetime import date, datetime, timezone
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from .file_columns import export_columns
from .formats import Column, csv_value, display_width
from .labels import COLUMN_LABELS, checkpoint_facts, metadata_json, parameter_facts, report_title, verification_note

__all__ = ["report_xlsx"]

#: kind → the rows sheet's name (at most 31 characters, as Excel allows).
SHEETS = {"violations": "Vi phạm", "delays": "Chậm trễ", "scorecard": "Bảng điểm 766"}
CHECK_SHEET = "Kiểm chứng"
#: Columns whose ISO text is a calendar date.
DATE_COLUMNS = {"due"}
#: Number formats of the columns that are fractions (the rest are whole numbers).
NUMBER_FORMATS = {"on_time_rate": "0.0%", "score_766": "0.00"}
#: Column widths, in characters: wide enough for codes and dates, narrow enough that a long
#: message does not push the others off the screen.
MIN_WIDTH, MAX_WIDTH = 8, 60
#: Excel's longest cell text.
MAX_CELL = 32767


def report_xlsx(data: dict[str, Any]) -> bytes:
    """The report `data` (rows as the CSV has them) as the bytes of an .xlsx file."""
    buffer = io.BytesIO()
    title_vi, title_en = report_title(data)
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    workbook.set_properties({
        "title": title_vi,
        "subject": title_en,
        "author": "Procedure Ledger",
        "comments": verification_note(data)[1],
        "created": _signed_at(data),
    })
    styles = _Styles(workbook)
    _rows_sheet(workbook.add_worksheet(SHEETS[data["report"]]), data, styles)
    _check_sheet(workbook.add_worksheet(CHECK_SHEET), data, styles)
    workbook.close()
    return buffer.getvalue()


class _Styles:
    """The workbook's cell formats, made once (each `add_format` is a new style in the file)."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.header = workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "bottom": 1, "text_wrap": True,
                                           "valign": "top"})
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.numbers = {name: workbook.add_format({"num_format": fmt}) for name, fmt in NUMBER_FORMATS.items()}
        self.title = workbook.add_format({"bold": True, "font_size": 13})
        self.subtitle = workbook.add_format({"italic": True})
        self.section = workbook.add_format({"bold": True, "bg_color": "#D9E1F2"})
        self.wrapped = workbook.add_format({"text_wrap": True, "valign": "top"})


def _signed_at(data: dict[str, Any]) -> datetime:
    """The checkpoint's signing time, as the naive UTC time XlsxWriter dates a workbook with."""
    moment = datetime.fromisoformat(data["checkpoint"]["time"])
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def _fitted(text: str) -> str:
    """Text within Excel's limit; a longer list (a delay ledger's cases, for an agency that held
    thousands) ends in an ellipsis, so the cut shows, rather than being cut silently."""
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _write(sheet: Worksheet, row: int, col: int, column: Column, value: Any, styles: _Styles) -> None:
    """One typed cell: None stays empty, as in the CSV."""
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value, styles.numbers.get(column.title))
    elif column.title in DATE_COLUMNS and isinstance(value, str):
        sheet.write_datetime(row, col, date.fromisoformat(value), styles.date)
    else:
        sheet.write_string(row, col, _fitted(str(csv_value(value))))


def _width(column: Column, rows: list[dict[str, Any]]) -> int:
    """The column's width in characters: its longest cell, within MIN_WIDTH and MAX_WIDTH."""
    longest = max((display_width(str(csv_value(column.get(row)))) for row in rows), default=0)
    return max(MIN_WIDTH, min(MAX_WIDTH, max(longest, display_width(column.title)) + 2))


def _rows_sheet(sheet: Worksheet, data: dict[str, Any], styles: _Styles) -> None:
    columns = export_columns(data, "xlsx")
    rows = data["rows"]
    for col, column in enumerate(columns):
        # Widths are set before any row is written: `constant_memory` writes each row as it goes.
        sheet.set_column(col, col, _width(column, rows))
    for col, column in enumerate(columns):
        sheet.write_string(0, col, column.title, styles.header)
    for number, row in enumerate(rows, start=1):
        for col, column in enumerate(columns):
            _write(sheet, number, col, column, column.get(row), styles)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(rows), len(columns) - 1)


def _check_sheet(sheet: Worksheet, data: dict[str, Any], styles: _Styles) -> None:
    """What identifies the report, one fact a line (Vietnamese, English, value); then how to
    verify it, and the columns' Vietnamese names."""
    title_vi, title_en = report_title(data)
    note_vi, note_en = verification_note(data)
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 1, 28)
    sheet.set_column(2, 2, 100)
    sheet.write_string(0, 0, title_vi, styles.title)
    sheet.write_string(1, 0, title_en, styles.subtitle)
    line = 3
    sheet.write_string(line, 0, "Mục", styles.header)
    sheet.write_string(line, 1, "Item", styles.header)
    sheet.write_string(line, 2, "Giá trị / Value", styles.header)
    facts = [("Loại báo cáo", "Report", data["report"])]
    facts += [(f.vi, f.en, f.value) for f in parameter_facts(data)]
    facts += [(f.vi, f.en, f.value) for f in checkpoint_facts(data)]
    facts += [("Số dòng", "Rows", len(data["rows"])),
              ("Báo cáo không kèm các dòng (JSON)", "The report without its rows (JSON)", metadata_json(data)),
              ("Kiểm chứng", "Verification", note_vi),
              ("", "", note_en)]
    for vi, en, value in facts:
        line += 1
        sheet.write_string(line, 0, vi)
        sheet.write_string(line, 1, en)
        if isinstance(value, int):
            sheet.write_number(line, 2, value)
        else:
            sheet.write_string(line, 2, value, styles.wrapped)
    line += 2
    sheet.write_string(line, 0, "Cột", styles.section)
    sheet.write_string(line, 1, "Column", styles.section)
    sheet.write_blank(line, 2, None, styles.section)
    for column in export_columns(data, "xlsx"):
        line += 1
        sheet.write_string(line, 0, COLUMN_LABELS.get(column.title, column.title))
        sheet.write_string(line, 1, column.title)
