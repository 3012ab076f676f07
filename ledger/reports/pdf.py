"""A report as a PDF a department can file: landscape A4, in Vietnamese with English beside it.

Page one says what the report is (title, the period or the date it is judged as of, the known-at
time, the filters), what it was computed at (the signed checkpoint's size, root and key, the
rulebook and calendar versions) and what it adds up to (its rows, the totals of its counted
columns, and for violations the count and days of each rule); then how to verify it. The rows
follow in a table whose heading is repeated on each page; every page's foot names the report and
its checkpoint and says "Trang X/Y". Text is drawn in DejaVu Sans from the matplotlib package,
normalised to NFC; a character the font has no glyph for is printed as "�", and then the facts
about the report say so (see fonts.py). The file is dated by its checkpoint, so the same report
gives the same bytes."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ..rules import RULEBOOK, RULES
from .file_columns import export_columns
from .fonts import FONT_FAMILY, MISSING_GLYPHS_NOTE, FontGlyphs, font_files, nfc
from .formats import Column
from .labels import (
    COLUMN_LABELS,
    Fact,
    checkpoint_facts,
    parameter_facts,
    report_title,
    verification_note,
)
from .pdf_table import Grid, GridColumn, Typesetter, fit_widths

__all__ = ["report_pdf"]

MARGIN = 10.0  # millimetres on every side
BODY_SIZE = 7.0  # points: the rows table
FACT_SIZE = 8.0  # points: the facts on page one
PADDING = 1.2  # millimetres inside each cell
KEEP_WITH_HEADING = 30.0  # millimetres a section heading needs below it to stay on its page
#: A column never grows wider than this (millimetres) when the page has room to spare.
WIDEST_COLUMN = 110.0
NO_ROWS = "Không có dòng nào. / No rows."
#: Among the facts about a report in which a character the font lacks was printed as "�".
GLYPH_FACT = Fact("Ký tự ngoài phông chữ", "Characters outside the font", MISSING_GLYPHS_NOTE)
#: Where fpdf2 writes the page count once it is known: control characters, which no ledger text
#: may hold, so a value that reads "{nb}" (fpdf2's default) is printed as it is. Three of them
#: keep room for three digits.
PAGE_COUNT = "\x02\x02\x02"
#: A paragraph ends at the left margin of the next line (fpdf2's default stays to its right).
_NEXT_LINE: dict[str, Any] = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}


class _Document(FontGlyphs, FPDF):
    """A4 landscape pages whose foot names the report and numbers the page; every text goes
    through `fonts.drawable()` (`FontGlyphs`)."""

    def __init__(self, foot: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.foot = foot
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 4)
        self.alias_nb_pages(PAGE_COUNT)
        for style, path in font_files().items():
            self.add_font(FONT_FAMILY, style, str(path))

    def footer(self) -> None:
        self.set_y(-MARGIN - 2)
        self.set_font(FONT_FAMILY, "", 7)
        self.set_text_color(90)
        self.cell(0, 4, self.foot, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 4, f"Trang {self.page_no()}/{PAGE_COUNT}", align="R")  # the alias is kept as it is
        self.set_text_color(0)


def report_pdf(data: dict[str, Any]) -> bytes:
    """The report `data` (rows as the CSV has them) as the bytes of a PDF. The facts on page one
    say when a character the font lacks was printed as "�"; that is known once every row is drawn,
    so such a report is drawn a second time, with the note (most reports are drawn once)."""
    pdf = _draw(data, glyph_note=False)
    if pdf.glyphs_replaced:
        pdf.discard()
        pdf = _draw(data, glyph_note=True)
    return bytes(pdf.output())


def _draw(data: dict[str, Any], *, glyph_note: bool) -> _Document:
    title_vi, title_en = report_title(data)
    checkpoint = data["checkpoint"]
    pdf = _Document(nfc(f"{title_vi} · {data['report']} · điểm chốt / checkpoint {checkpoint['size']}"
                        f" · {checkpoint['root'][:16]}…"))
    pdf.set_title(nfc(title_vi))
    pdf.set_subject(title_en)
    pdf.set_author("Procedure Ledger")
    pdf.set_creator("Procedure Ledger")
    pdf.set_lang("vi")
    pdf.set_creation_date(datetime.fromisoformat(checkpoint["time"]))
    pdf.add_page()
    _title(pdf, title_vi, title_en)
    columns = export_columns(data, "pdf")
    _section(pdf, "Thông tin báo cáo / About this report")
    glyphs = [GLYPH_FACT] if glyph_note else []
    _facts(pdf, [*parameter_facts(data), *checkpoint_facts(data), *glyphs])
    _section(pdf, "Tổng hợp / Totals")
    _facts(pdf, _totals(data, columns))
    if data["report"] == "violations" and data["rows"]:
        _by_rule(pdf, data["rows"])
    _note(pdf, verification_note(data))
    _section(pdf, "Chi tiết / Rows")
    _rows(pdf, columns, data["rows"])
    return pdf


def _title(pdf: FPDF, vi: str, en: str) -> None:
    pdf.set_font(FONT_FAMILY, "B", 14)
    pdf.multi_cell(0, 7, nfc(vi).upper(), align="C", **_NEXT_LINE)
    pdf.set_font(FONT_FAMILY, "I", 10)
    pdf.multi_cell(0, 5, nfc(en), align="C", **_NEXT_LINE)
    pdf.ln(3)


def _section(pdf: FPDF, heading: str) -> None:
    """A section's heading, on the next page if the first lines under it would not fit here."""
    if pdf.get_y() + KEEP_WITH_HEADING > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font(FONT_FAMILY, "B", 10)
    pdf.multi_cell(0, 6, nfc(heading), **_NEXT_LINE)


def _note(pdf: FPDF, note: tuple[str, str]) -> None:
    pdf.ln(2)
    pdf.set_font(FONT_FAMILY, "I", FACT_SIZE)
    for text in note:
        pdf.multi_cell(0, 4, nfc(text), **_NEXT_LINE)


def _facts(pdf: FPDF, facts: list[Fact]) -> None:
    """Facts as a three-column table without heading: Vietnamese, English, value."""
    grid = Grid(Typesetter(pdf, FONT_FAMILY, FACT_SIZE),
                [GridColumn((), 60), GridColumn((), 50), GridColumn((), pdf.epw - 110)])
    for fact in facts:
        grid.row([nfc(fact.vi), nfc(fact.en), nfc(fact.value)])


def _totals(data: dict[str, Any], columns: tuple[Column, ...]) -> list[Fact]:
    """The row count and the sum of each counted column (for delays, the days of delay)."""
    rows = data["rows"]
    facts = [Fact("Số dòng", "Rows", len(rows))]
    for column in columns:
        if column.total:
            label = COLUMN_LABELS.get(column.title, column.title)
            facts.append(Fact(f"Tổng: {label}", f"Total {column.title}",
                              sum(column.get(row) or 0 for row in rows)))
    return facts


def _by_rule(pdf: FPDF, rows: list[dict[str, Any]]) -> None:
    """How many violations of each rule, and their days late, in the rulebook's order."""
    counts = Counter(row["rule"] for row in rows)
    days: Counter[str] = Counter()
    for row in rows:
        days[row["rule"]] += row["days_late"] or 0
    grid = Grid(Typesetter(pdf, FONT_FAMILY, FACT_SIZE), [
        GridColumn(("Quy tắc", "rule"), 55), GridColumn(("Tên quy tắc", "title"), 125),
        GridColumn(("Số vi phạm", "violations"), 25, numeric=True),
        GridColumn(("Số ngày trễ", "days_late"), 25, numeric=True),
    ])
    pdf.ln(2)
    grid.heading()
    for rule in RULES:
        if counts[rule.code]:
            grid.row([rule.code, nfc(RULEBOOK[rule.code].title_vi), str(counts[rule.code]), str(days[rule.code])])
    grid.row(["Tổng / Total", "", str(len(rows)), str(sum(days.values()))], bold=True)


def _cell(value: Any) -> str:
    """A value as the table shows it: codes and dates as they are, lists and mappings spelt out."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, dict):
        return ", ".join(f"{key} {count}" for key, count in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return nfc(value)


def _rows(pdf: FPDF, columns: tuple[Column, ...], rows: list[dict[str, Any]]) -> None:
    """The rows under a heading (Vietnamese name, then the field name), ending with the totals."""
    headings = [(COLUMN_LABELS.get(column.title, column.title), column.title) for column in columns]
    cells = [[_cell(column.get(row)) for column in columns] for row in rows]
    totals = [str(sum(column.get(row) or 0 for row in rows)) if column.total else "" for column in columns]
    totals[0] = totals[0] or "Tổng / Total"
    typesetter = Typesetter(pdf, FONT_FAMILY, BODY_SIZE)
    widths = _widths(typesetter, headings, cells, totals, pdf.epw)
    grid = Grid(typesetter, [GridColumn(h, w, numeric=c.numeric) for h, w, c in zip(headings, widths, columns,
                                                                                    strict=True)], padding=PADDING)
    grid.heading()
    if not rows:
        pdf.set_font(FONT_FAMILY, "I", FACT_SIZE)
        pdf.ln(2)
        pdf.multi_cell(0, 5, NO_ROWS, **_NEXT_LINE)
        return
    for line in cells:
        grid.row(line)
    grid.row(totals, bold=True)


def _widths(typesetter: Typesetter, headings: list[tuple[str, str]], cells: list[list[str]], totals: list[str],
            available: float) -> list[float]:
    """Each column as wide as its longest line (at most WIDEST_COLUMN), fitted to the page; a
    heading wraps rather than take room a message needs (see `fit_widths`). Headings and totals
    are measured in bold, as they are drawn."""
    natural, relaxed, narrowest = [], [], []
    for index, heading in enumerate(headings):
        word = max(typesetter.natural_width(text, "B")[1] for text in heading)
        piece = max(typesetter.narrowest(text, "B") for text in heading)
        measured = [typesetter.natural_width(line[index]) for line in cells]
        measured.append(typesetter.natural_width(totals[index], "B"))
        longest = min(WIDEST_COLUMN, max(line for line, _ in measured))
        natural.append(max(word, longest) + 2 * PADDING)
        relaxed.append(max(piece, longest) + 2 * PADDING)
        narrowest.append(max([piece, *(word for _, word in measured)]) + 2 * PADDING)
    return fit_widths(natural, relaxed, narrowest, available)
