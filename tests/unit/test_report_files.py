"""Report files for oversight bodies (ledger/reports/xlsx.py, pdf.py): a spreadsheet with the CSV's
columns, typed, and a sheet that identifies the report; a PDF a department can file, with every
row, its checkpoint and versions, numbered pages and Vietnamese drawn right.

Each file is read back as its reader would: the spreadsheet with openpyxl, the PDF's text with
pypdf. The helpers at the top are used by the CLI and API tests too."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from datetime import datetime
from typing import Any

import openpyxl
import pytest
from pypdf import PdfReader

from ledger import Ledger, export_report, render_report
from ledger.integrity.checkpoint import Checkpoint
from ledger.reports.pdf_table import fit_widths
from tests.conftest import EXAMPLES

VIOLATIONS = {"as_of": "2024-09-30", "known_at": None, "rules": [], "agencies": [], "include_dismissed": False}
DELAYS = {"as_of": "2024-09-30", "by": "agency"}
SCORECARD = {"from": "2024-01-01", "to": "2024-12-31", "by": "agency", "known_at": None}
PARAMETERS = {"violations": VIOLATIONS, "delays": DELAYS, "scorecard": SCORECARD}
#: Spreadsheet cells that hold a list (joined by spaces) or a mapping (JSON), as the CSV does.
LISTS, MAPPINGS = {"evidence", "cases"}, {"by_rule", "violations"}


# --- reading the files back ---------------------------------------------------------------------


def xlsx_sheet(body: bytes, index: int = 0) -> Any:
    return openpyxl.load_workbook(io.BytesIO(body)).worksheets[index]


def xlsx_rows(body: bytes) -> tuple[list[str], list[dict[str, Any]]]:
    """The rows sheet's header and its rows as {title: cell value}."""
    values = list(xlsx_sheet(body).iter_rows(values_only=True))
    header = [str(title) for title in values[0]]
    return header, [dict(zip(header, row, strict=True)) for row in values[1:]]


def as_json(row: dict[str, Any]) -> dict[str, Any]:
    """A spreadsheet row in the values of the JSON report: dates as ISO text, lists and mappings
    read back from their CSV text."""
    out = {}
    for title, value in row.items():
        if isinstance(value, datetime):
            value = value.date().isoformat()
        elif title in LISTS and isinstance(value, str):  # a scorecard's `cases` is a count
            value = value.split()
        elif title in MAPPINGS:
            value = json.loads(value)
        out[title] = value
    return out


def pdf_pages(body: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(body)).pages]


def csv_header(data: dict[str, Any]) -> list[str]:
    """The column titles of the report's CSV (its second line, after the metadata)."""
    return next(csv.reader(io.StringIO(render_report(data, "csv").splitlines()[1])))


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def example(sqlite_ledger: Ledger) -> Ledger:
    """The worked example of the specification: four violations as of 2024-09-30."""
    lines = (EXAMPLES / "national-day-2024.jsonl").read_text(encoding="utf-8").splitlines()
    assert sqlite_ledger.import_lines(lines).refused == []
    return sqlite_ledger


@pytest.fixture
def violations(example: Ledger) -> dict[str, Any]:
    return example.report("violations", VIOLATIONS, "xlsx")


def with_rows(data: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {**data, "rows": rows}


def numbered(row: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """`count` copies of a violation, each of a case of its own."""
    return [{**row, "case": f"HCM-2024-{n:04d}"} for n in range(1, count + 1)]


# --- the spreadsheet ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind, by", [("violations", None), ("delays", "agency"), ("delays", "official"),
                                      ("scorecard", "agency"), ("scorecard", "official")])
def test_the_spreadsheet_has_the_columns_of_the_csv_under_the_same_titles(example: Ledger, kind: str,
                                                                           by: str | None) -> None:
    parameters = PARAMETERS[kind] | ({"by": by} if by else {})
    data = example.report(kind, parameters, "xlsx")
    header, rows = xlsx_rows(export_report(data, "xlsx"))
    assert header == csv_header(data)
    assert len(rows) == len(data["rows"]) > 0


def test_the_spreadsheet_rows_are_the_reports_rows_with_typed_cells(violations: dict[str, Any]) -> None:
    body = export_report(violations, "xlsx")
    _, rows = xlsx_rows(body)
    assert [as_json(row) for row in rows] == violations["rows"]
    overdue = next(row for row in rows if row["rule"] == "CASE_OVERDUE")
    assert overdue["due"] == datetime(2024, 9, 18)  # an Excel date, not text
    assert overdue["days_late"] == 4 and type(overdue["days_late"]) is int
    assert overdue["deemed_consent"] is False
    assert overdue["finding"] is None and overdue["consultation"] is None  # empty, as in the CSV
    assert overdue["message_vi"] == "Hồ sơ HCM-2024-0901: hạn 2024-09-18, trễ 4 ngày làm việc."
    sheet = xlsx_sheet(body)
    due = next(cell for cell in sheet["F"] if isinstance(cell.value, datetime))
    assert due.is_date and due.number_format == "yyyy-mm-dd"


def test_the_spreadsheet_header_is_frozen_and_filtered(violations: dict[str, Any]) -> None:
    sheet = xlsx_sheet(export_report(violations, "xlsx"))
    assert sheet.title == "Vi phạm"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:N{len(violations['rows']) + 1}"
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABKL"}
    assert widths["A"] > widths["B"] > 8 and widths["K"] <= 61  # a long message is kept within reason


def test_the_verification_sheet_identifies_the_report_by_its_checkpoint_rulebook_and_calendar(
    violations: dict[str, Any]
) -> None:
    sheet = xlsx_sheet(export_report(violations, "xlsx"), 1)
    assert sheet.title == "Kiểm chứng"
    facts = {row[1]: row[2] for row in sheet.iter_rows(values_only=True) if row[1]}
    checkpoint = violations["checkpoint"]
    assert facts["Report"] == "violations" and facts["As of"] == "2024-09-30"
    assert facts["Checkpoint size (events)"] == checkpoint["size"] == 18
    assert facts["Merkle root"] == checkpoint["root"]
    assert facts["Signed at"] == checkpoint["time"]
    assert facts["Public key"] == checkpoint["public_key"] and facts["Signature"] == checkpoint["signature"]
    assert facts["Signing key id"] == Checkpoint.from_dict(checkpoint).key_id
    assert facts["Rulebook version"] == violations["rulebook"]
    assert facts["Calendar version"] == violations["calendar"]
    assert facts["Rows"] == 4
    assert json.loads(facts["The report without its rows (JSON)"]) == {
        k: v for k, v in violations.items() if k != "rows"}
    note = facts["Verification"]
    assert "ledger violations --as-of 2024-09-30 --format json -o violations.json" in note
    assert "ledger verify-report violations.json" in note


def test_text_that_looks_like_a_formula_stays_text(violations: dict[str, Any]) -> None:
    formula = '=HYPERLINK("http://example.invalid","bấm vào đây")'
    row = {**violations["rows"][0], "message_vi": formula}
    sheet = xlsx_sheet(export_report(with_rows(violations, [row]), "xlsx"))
    cell = sheet["K2"]
    assert cell.value == formula and cell.data_type == "s"


def test_a_scorecard_rate_is_a_number_shown_as_a_percentage(example: Ledger) -> None:
    data = example.report("scorecard", SCORECARD, "xlsx")
    sheet = xlsx_sheet(export_report(data, "xlsx"))
    sxd = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == "SXD")
    rate = sxd[5]
    assert rate.value == 0 and rate.data_type == "n" and rate.number_format == "0.0%"


def test_an_empty_report_gives_a_spreadsheet_with_its_header_only(violations: dict[str, Any]) -> None:
    body = export_report(with_rows(violations, []), "xlsx")
    header, rows = xlsx_rows(body)
    assert header == csv_header(violations) and rows == []
    assert xlsx_sheet(body).auto_filter.ref == "A1:N1"


# --- the PDF ------------------------------------------------------------------------------------


def test_the_pdf_names_the_report_its_filters_checkpoint_and_versions(violations: dict[str, Any]) -> None:
    first = pdf_pages(export_report(violations, "pdf"))[0]
    checkpoint = violations["checkpoint"]
    assert "BÁO CÁO VI PHẠM KỶ LUẬT, KỶ CƯƠNG HÀNH CHÍNH" in first
    assert "Violations of administrative discipline" in first
    assert "Tính đến ngày As of 2024-09-30" in first
    assert "Quy tắc Rules tất cả / all" in first
    assert f"Checkpoint size (events) {checkpoint['size']}" in first
    assert f"Merkle root {checkpoint['root']}" in first
    assert f"Signing key id {Checkpoint.from_dict(checkpoint).key_id}" in first
    assert f"Rulebook version {violations['rulebook']}" in first
    assert f"Calendar version {violations['calendar']}" in first


def test_the_pdf_lists_every_row_with_its_case_and_rule_and_adds_them_up(violations: dict[str, Any]) -> None:
    text = "\n".join(pdf_pages(export_report(violations, "pdf")))
    lines = text.splitlines()
    for row in violations["rows"]:
        assert any(line.startswith(f"{row['rule']} {row['case']} ") for line in lines), row["rule"]
    assert "Số dòng Rows 4" in text and "Tổng: Số ngày trễ Total days_late 7" in text
    assert "CASE_OVERDUE Hồ sơ giải quyết trễ hạn 1 4" in text  # the count and days of each rule
    assert "Tổng / Total 4 7" in text and "Tổng / Total 7" in text
    assert "Hồ sơ HCM-2024-0901: hạn 2024-09-18, trễ 4 ngày làm việc." in text


def test_every_page_is_numbered_and_repeats_the_heading_of_the_rows(violations: dict[str, Any]) -> None:
    rows = numbered(violations["rows"][3], 300)
    pages = pdf_pages(export_report(with_rows(violations, rows), "pdf"))
    assert len(pages) >= 5
    for number, page in enumerate(pages, start=1):
        assert page.rstrip().endswith(f"Trang {number}/{len(pages)}")
    for page in pages[2:]:
        assert page.startswith("Quy tắc\nrule\nHồ sơ\ncase")
    text = "\n".join(pages)
    assert all(f"CASE_OVERDUE {row['case']} " in text for row in rows)


def test_vietnamese_is_drawn_composed_even_when_given_decomposed(violations: dict[str, Any]) -> None:
    composed = "Hồ sơ đã chuyển Sở Xây dựng, Sở Tài nguyên và Môi trường trả lời chậm."
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    row = {**violations["rows"][0], "message_vi": decomposed}
    text = "\n".join(pdf_pages(export_report(with_rows(violations, [row]), "pdf")))
    assert composed in text
    assert unicodedata.normalize("NFC", text) == text


def test_a_row_taller_than_a_page_continues_on_the_next(violations: dict[str, Any]) -> None:
    words = [f"đoạn{n}" for n in range(2500)]
    row = {**violations["rows"][0], "message_vi": " ".join(words)}
    pages = pdf_pages(export_report(with_rows(violations, [row]), "pdf"))
    assert len(pages) >= 3
    text = " ".join(" ".join(pages).split())
    assert "đoạn0 " in text and "đoạn2499" in text
    assert text.index("đoạn1234") < text.index("đoạn2499")


def test_text_that_reads_like_fpdfs_page_count_alias_is_printed_as_it_is(violations: dict[str, Any]) -> None:
    data = {**violations, "parameters": {**violations["parameters"], "agencies": ["SXD{nb}"]},
            "rows": [{**violations["rows"][0], "case": "HCM-{nb}", "message_vi": "Trang {nb}"}]}
    pages = pdf_pages(export_report(data, "pdf"))
    text = "\n".join(pages)
    assert "--agency SXD{nb} --format json" in text  # in a paragraph
    assert "HCM-{nb}" in text and "Trang {nb}" in text  # in the table
    assert all(page.rstrip().endswith(f"Trang {n}/{len(pages)}") for n, page in enumerate(pages, start=1))


def test_an_empty_report_gives_a_pdf_that_says_there_are_no_rows(violations: dict[str, Any]) -> None:
    pages = pdf_pages(export_report(with_rows(violations, []), "pdf"))
    assert len(pages) == 1
    assert "Không có dòng nào. / No rows." in pages[0] and "Số dòng Rows 0" in pages[0]
    assert pages[0].rstrip().endswith("Trang 1/1")


@pytest.mark.parametrize("kind", ["delays", "scorecard"])
def test_delays_and_scorecards_print_their_rows_and_totals(example: Ledger, kind: str) -> None:
    data = example.report(kind, PARAMETERS[kind], "pdf")
    text = "\n".join(pdf_pages(export_report(data, "pdf")))
    assert all(f"\n{row['agency']} " in text for row in data["rows"])
    if kind == "delays":
        assert "SỔ THEO DÕI CHẬM TRỄ THEO CƠ QUAN" in text and "Tổng: Số ngày chậm Total days 7" in text
    else:
        assert "ĐÚNG HẠN THEO QUYẾT ĐỊNH 766/QĐ-TTG" in text and "Tổng: Hồ sơ Total cases 1" in text


# --- both -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_the_same_report_always_gives_the_same_bytes(violations: dict[str, Any], fmt: str) -> None:
    first = export_report(violations, fmt)
    assert export_report(json.loads(json.dumps(violations)), fmt) == first
    assert export_report(with_rows(violations, violations["rows"][:1]), fmt) != first


def test_the_pdf_is_dated_by_its_checkpoint(violations: dict[str, Any]) -> None:
    reader = PdfReader(io.BytesIO(export_report(violations, "pdf")))
    signed = datetime.fromisoformat(violations["checkpoint"]["time"])
    assert reader.metadata.creation_date == signed.replace(microsecond=0)
    assert reader.metadata.title == "Báo cáo vi phạm kỷ luật, kỷ cương hành chính"


# --- fitting the columns of a page --------------------------------------------------------------


def test_columns_keep_their_natural_widths_when_the_page_has_room_and_share_what_is_left() -> None:
    assert fit_widths([10, 30], [5, 30], [5, 20], 80) == [20, 60]


def test_headings_wrap_before_any_cell_does() -> None:
    widths = fit_widths([30, 100], [10, 100], [10, 20], 120)
    assert widths == [20, 100]


def test_the_widest_column_gives_way_first_down_to_its_longest_word() -> None:
    widths = fit_widths([30, 200], [30, 200], [10, 20], 130)
    assert widths == pytest.approx([30, 100])
    assert fit_widths([30, 200], [30, 200], [10, 20], 25) == pytest.approx([25 / 3, 50 / 3])



# --- characters the font has no glyph for -------------------------------------------------------


def test_characters_the_font_lacks_are_printed_as_a_replacement_mark_and_the_pdf_says_so(
    violations: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """DejaVu Sans has no Chinese and no Devanagari: fpdf2 used to drop them, logging a warning
    only, so `中文-案件-1` printed as `--1`. Each is now "�", and page one says why."""
    row = {**violations["rows"][0], "case": "中文-案件-1", "consultation": "C१",
           "message_vi": "Hồ sơ 中文-案件-1: Sở Tài nguyên và Môi trường trả lời chậm."}
    with caplog.at_level("WARNING"):
        pages = pdf_pages(export_report(with_rows(violations, [row]), "pdf"))
    text = "\n".join(pages)
    assert f"{row['rule']} ��-��-1 C� " in text
    assert "Hồ sơ ��-��-1: Sở Tài nguyên và Môi trường trả lời chậm." in " ".join(text.split())
    assert "--1" not in text.replace("��-��-1", "")
    assert "Ký tự phông chữ không có được in là � / characters the font lacks are printed as �" in pages[0]
    assert "BÁO CÁO VI PHẠM KỶ LUẬT, KỶ CƯƠNG HÀNH CHÍNH" in pages[0]  # Vietnamese still drawn whole
    assert [r.getMessage() for r in caplog.records if "glyph" in r.getMessage()] == []


def test_a_pdf_whose_every_character_has_a_glyph_has_no_such_note(violations: dict[str, Any]) -> None:
    text = "\n".join(pdf_pages(export_report(violations, "pdf")))
    assert "�" not in text and "characters the font lacks" not in text
