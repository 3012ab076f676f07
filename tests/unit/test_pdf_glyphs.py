"""Characters DejaVu Sans has no glyph for (ledger/reports/fonts.py): Chinese, Devanagari, the
mathematical letters. fpdf2 used to drop them from the page, logging a warning only, so a reader
could not tell text was missing; each is now printed as "�" and the PDF says so. Here: the text
function itself, and the control slip (the report files are in test_report_files.py)."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from datetime import datetime

import pytest
from pypdf import PdfReader

from ledger import LOCAL_TZ, MISSING_GLYPHS_NOTE, REPLACEMENT, Ledger, control_slip, control_slip_pdf, drawable, nfc
from ledger.reports import fonts
from tests.builders import lines, registry_lines
from tests.conftest import FakeClock
from tests.unit.test_replay import CASE, imported, lead, opened, resolved

NOTE = "Ký tự phông chữ không có được in là � / characters the font lacks are printed as �"


# --- the text ------------------------------------------------------------------------------------


def test_each_character_the_font_lacks_becomes_one_replacement_mark() -> None:
    assert REPLACEMENT == "\N{REPLACEMENT CHARACTER}" and MISSING_GLYPHS_NOTE == NOTE
    assert drawable("中文-案件-1") == "��-��-1"
    assert drawable("C१") == "C�"
    assert drawable("𝔘 và 𝔙") == "� và �"  # outside the Basic Multilingual Plane: one mark each
    assert drawable("Sở Tài nguyên và Môi trường") == "Sở Tài nguyên và Môi trường"
    assert drawable("\x02") == "�"  # a control character has no glyph either


def test_vietnamese_is_composed_and_newlines_and_spaces_are_kept() -> None:
    decomposed = nfc("Hồ sơ đã trả").replace("ồ", "o\u0302\u0300")
    assert drawable(decomposed) == "Hồ sơ đã trả"
    assert drawable("một\nhai") == "một\nhai"
    assert drawable("a\tb\u3000c\r\nd") == "a b c \nd"  # spaces the font lacks stay spaces, not "�"
    assert drawable(None) == "" and drawable(42) == "42"


def test_each_style_is_checked_against_its_own_font_file() -> None:
    sans_serif_a = "\N{MATHEMATICAL SANS-SERIF CAPITAL A}"  # in DejaVu Sans, not in its bold file
    assert drawable(sans_serif_a) == sans_serif_a
    assert drawable(sans_serif_a, "B") == REPLACEMENT
    assert drawable("中", "I") == drawable("中", "B") == REPLACEMENT


def test_each_font_file_is_read_once_whatever_the_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "_UNCOVERED", {})
    read: list[str] = []
    real = fonts.font_files

    def counted() -> dict:
        read.append("files")
        return real()

    monkeypatch.setattr(fonts, "font_files", counted)
    barrier = threading.Barrier(8)
    results: list[str] = []

    def draw() -> None:
        barrier.wait()
        results.append(drawable("中文 Hồ sơ", "B"))

    threads = [threading.Thread(target=draw) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["�� Hồ sơ"] * 8
    assert read == ["files"]


# --- the control slip ------------------------------------------------------------------------------


@pytest.fixture
def ledger(sqlite_ledger: Ledger, clock: FakeClock) -> Iterator[Ledger]:
    """The small registry of tests/builders.py, recorded on 2024-01-02."""
    clock.now = datetime(2024, 1, 2, 9, 0, tzinfo=LOCAL_TZ)
    report = sqlite_ledger.import_lines(lines(*registry_lines()))
    assert not report.refused, report.refused
    clock.now = datetime(2024, 12, 2, 10, 0, tzinfo=LOCAL_TZ)
    yield sqlite_ledger


def slip_pages(ledger: Ledger) -> list[str]:
    body = control_slip_pdf(control_slip(ledger, CASE))
    return [page.extract_text() for page in PdfReader(io.BytesIO(body)).pages]


def test_the_slip_prints_what_the_font_lacks_as_a_mark_and_says_so_in_its_foot(
    ledger: Ledger, caplog: pytest.LogCaptureFixture
) -> None:
    applicant = {"name": "Công ty 中文 Sài Gòn", "kind": "enterprise"}
    imported(ledger, {**opened(), "title": "Dự án 中文 𝔘 Thủ Thiêm", "applicant": applicant}, lead(),
             resolved("2024-03-25"))
    slip = control_slip(ledger, CASE)
    assert slip.applicant == "Công ty 中文 Sài Gòn"  # the slip's data keeps every character

    with caplog.at_level("WARNING"):
        pages = slip_pages(ledger)

    text = " ".join(" ".join(pages).split())
    assert "Trích yếu: Dự án �� � Thủ Thiêm" in text
    assert "Người nộp hồ sơ: Công ty �� Sài Gòn" in text
    assert "Giao: Công ty �� Sài Gòn" in text  # in the table of hand-overs too
    assert "中" not in text and "Công ty Sài Gòn" not in text  # nothing dropped silently
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text and "Đúng hạn" in text
    for page in pages:
        assert NOTE in " ".join(page.split())
    assert [r.getMessage() for r in caplog.records if "glyph" in r.getMessage()] == []


def test_a_slip_whose_every_character_has_a_glyph_says_nothing_about_the_font(ledger: Ledger) -> None:
    imported(ledger, opened(), lead())
    text = "\n".join(slip_pages(ledger))
    assert "Người nộp hồ sơ: Công ty CP Địa ốc Sông Sài Gòn" in text
    assert "�" not in text and "characters the font lacks" not in text


def test_a_case_reference_the_font_cannot_draw_is_marked_in_the_slips_heading_and_foot(
    ledger: Ledger, caplog: pytest.LogCaptureFixture
) -> None:
    case = "中文-案件-1"
    imported(ledger, opened(case=case), lead(case=case))
    with caplog.at_level("WARNING"):
        body = control_slip_pdf(control_slip(ledger, case))
    reader = PdfReader(io.BytesIO(body))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Mã hồ sơ: ��-��-1" in text  # drawn in bold
    assert "Hồ sơ ��-��-1 · Trang 1/1" in text  # the foot
    assert reader.metadata.title.endswith(case)  # the metadata, which no font draws, keeps it
    assert [r.getMessage() for r in caplog.records if "glyph" in r.getMessage()] == []
