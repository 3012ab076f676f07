"""The control slip printed as an A4 PDF (portrait, DejaVu Sans, text in NFC): the form's header,
its facts, one table row per hand-over, the dossier's status and where the figures come from."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from typing import Any

from ..calendar import LOCAL_TZ
from .fonts import FONT_FAMILY, MISSING_GLYPHS_NOTE, FontGlyphs, font_files, nfc
from .slip_model import OUTCOMES, RESULTS, ControlSlip, _day

TITLE = "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"
FORM_REFERENCE = "Mẫu số 05, Thông tư 01/2018/TT-VPCP (Mẫu số 06, Thông tư 03/2025/TT-VPCP)"
USED_STYLES = ("", "B")
LABEL_WIDTH = 64  # mm, the header's labels


def _moment(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone(LOCAL_TZ)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d/%m/%Y}"


def _result_text(result: str | None, days: int | None) -> str:
    if result is None:
        return ""
    text = RESULTS[result]
    return f"{text} {days} ngày làm việc" if result == "late" and days else text


def render_slip(slip: ControlSlip) -> bytes:
    """The slip as an A4 PDF (portrait, DejaVu Sans, text in NFC). A character the font has no
    glyph for is printed as "�" (fonts.py), and then every page's foot says so; that is known once
    the whole slip is drawn, so such a slip is drawn a second time, with the note."""
    pdf = _draw_slip(slip, glyph_note=False)
    if pdf.glyphs_replaced:
        pdf.discard()
        pdf = _draw_slip(slip, glyph_note=True)
    buffer = BytesIO()
    pdf.output(buffer)
    return buffer.getvalue()


def _draw_slip(slip: ControlSlip, *, glyph_note: bool) -> FontGlyphs:
    """The slip drawn on an fpdf2 document whose every text goes through `fonts.drawable()`."""
    pdf = _document(slip, glyph_note=glyph_note)
    _draw_heading(pdf, slip)
    _draw_facts(pdf, slip)
    _draw_rows(pdf, slip)
    _draw_status(pdf, slip)
    return pdf


def _document(slip: ControlSlip, *, glyph_note: bool) -> FontGlyphs:
    """A new A4 document with its first page, each page's foot naming the case (and, with
    `glyph_note`, saying that a character could not be printed)."""
    from fpdf import FPDF

    class Slip(FontGlyphs, FPDF):
        def footer(self) -> None:
            self.set_y(-11)
            self.set_font(FONT_FAMILY, "", 7)
            if glyph_note:
                self.cell(0, 4, MISSING_GLYPHS_NOTE, align="L")
                self.set_x(self.l_margin)
            self.cell(0, 4, nfc(f"Hồ sơ {slip.case} · Trang {self.page_no()}/{{nb}}"), align="R")

    pdf = Slip(orientation="P", unit="mm", format="A4")
    pdf.set_title(nfc(f"{TITLE} {slip.case}"))
    pdf.set_author(nfc("Sổ cái thủ tục hành chính"))
    pdf.set_creation_date(slip.made_at)
    for style, path in font_files().items():
        if style in USED_STYLES:  # each font file parsed costs tens of milliseconds
            pdf.add_font(FONT_FAMILY, style, str(path))
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(True, margin=14)
    pdf.alias_nb_pages()
    pdf.add_page()
    return pdf


def _draw_heading(pdf: Any, slip: ControlSlip) -> None:
    """The form's reference, the two header blocks (the unit; the national motto), the title."""
    half = pdf.epw / 2
    pdf.set_font(FONT_FAMILY, "", 7)
    pdf.cell(0, 3.5, nfc(FORM_REFERENCE), align="R", new_x="LMARGIN", new_y="NEXT")
    top = pdf.get_y()
    pdf.set_font(FONT_FAMILY, "", 9)
    pdf.multi_cell(half, 4.5, nfc("ỦY BAN NHÂN DÂN\nTHÀNH PHỐ HỒ CHÍ MINH"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "B", 9)
    pdf.multi_cell(half, 4.5, nfc((slip.receiving_agency or "").upper()), align="C", new_x="LMARGIN", new_y="NEXT")
    left_bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + half, top)
    pdf.multi_cell(half, 4.5, nfc("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "B", 9.5)
    pdf.multi_cell(half, 4.5, nfc("Độc lập - Tự do - Hạnh phúc"), align="C", new_x="LEFT", new_y="NEXT")
    line_y = pdf.get_y() + 0.5
    pdf.line(pdf.l_margin + half + half / 2 - 24, line_y, pdf.l_margin + half + half / 2 + 24, line_y)
    pdf.set_y(max(left_bottom, line_y) + 5)

    pdf.set_font(FONT_FAMILY, "B", 13)
    pdf.cell(0, 7, nfc(TITLE), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "B", 10)
    pdf.cell(0, 5.5, nfc(f"Mã hồ sơ: {slip.case}"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "", 8)
    pdf.cell(0, 4.5, nfc("(Kèm theo Giấy tiếp nhận hồ sơ và hẹn trả kết quả)"), align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _facts(slip: ControlSlip) -> list[tuple[str, str]]:
    """The header's labelled facts about the dossier."""
    appointment = _day(slip.appointment)
    if slip.due and slip.due != slip.appointment:
        appointment += f" (điều chỉnh do tạm dừng bổ sung hồ sơ: {_day(slip.due)})"
    if slip.new_appointment:
        appointment += f"; hẹn lại: {_day(slip.new_appointment)}"
    procedure = slip.procedure_name or slip.procedure or "—"
    if slip.procedure_name and slip.procedure:
        procedure += f" ({slip.procedure})"
    return [
        ("Tên thủ tục", procedure),
        ("Trích yếu", slip.title or "—"),
        ("Người nộp hồ sơ", slip.applicant or "—"),
        ("Thời gian nhận hồ sơ", _moment(slip.received_at)),
        ("Hẹn trả kết quả", appointment),
        ("Cơ quan (bộ phận) giải quyết hồ sơ", slip.handling or "chưa giao chủ trì"),
        ("Cơ quan phối hợp giải quyết hồ sơ", ", ".join(slip.coordinating) or "—"),
    ]


def _draw_facts(pdf: Any, slip: ControlSlip) -> None:
    width = pdf.epw
    for label, value in _facts(slip):
        pdf.set_font(FONT_FAMILY, "B", 8.5)
        pdf.cell(LABEL_WIDTH, 4.6, nfc(f"{label}:"))
        pdf.set_font(FONT_FAMILY, "", 8.5)
        pdf.multi_cell(width - LABEL_WIDTH, 4.6, nfc(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _draw_rows(pdf: Any, slip: ControlSlip) -> None:
    """The table of hand-overs, under the form's four headings."""
    from fpdf.fonts import FontFace

    pdf.set_font(FONT_FAMILY, "", 7.5)
    heading = FontFace(family=FONT_FAMILY, emphasis="BOLD", size_pt=7.5, fill_color=(235, 238, 242))
    with pdf.table(col_widths=(58, 52, 30, 46), line_height=3.5, headings_style=heading, text_align="LEFT",
                   padding=(1.2, 1.2), v_align="TOP") as table:
        head = table.row()
        for text in ("TÊN CƠ QUAN", "THỜI GIAN GIAO, NHẬN HỒ SƠ",
                     "KẾT QUẢ GIẢI QUYẾT HỒ SƠ (Trước hạn/đúng hạn/quá hạn)", "GHI CHÚ"):
            head.cell(nfc(text), align="CENTER")
        for row in slip.rows:
            cells = table.row()
            cells.cell(nfc(f"{row.number}. Giao: {row.giver.agency_name}\nNhận: {row.receiver.agency_name}"))
            cells.cell(nfc(f"{_moment(row.at)}\nNgười giao: {row.giver.person or '—'}\n"
                           f"Người nhận: {row.receiver.person or '—'}"))
            result = _result_text(row.result, row.days_late)
            if row.due is not None:
                result += f"\n(hạn {_day(row.due)})"
            cells.cell(nfc(result))
            cells.cell(nfc(row.note))
        if not slip.rows:
            empty = table.row()
            empty.cell(nfc("Chưa có sự kiện nào của hồ sơ tính đến thời điểm trích xuất."), colspan=4)


def _draw_status(pdf: Any, slip: ControlSlip) -> None:
    """The dossier's status, then where and when the slip's figures come from."""
    width = pdf.epw
    pdf.ln(1)
    pdf.set_font(FONT_FAMILY, "B", 8.5)
    pdf.multi_cell(width, 4.6, nfc(f"Tình trạng hồ sơ: {_status_text(slip)}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "", 7)
    known = _moment(slip.known_at) if slip.known_at else "thời điểm trích xuất"
    provenance = (f"Trích xuất từ Sổ cái thủ tục hành chính lúc {_moment(slip.made_at)}; tính đến ngày "
                  f"{_day(slip.as_of)}, theo dữ liệu ghi nhận đến {known}; lịch làm việc {slip.calendar}.")
    if slip.hidden:
        provenance += f" {slip.hidden} sự kiện sau thời điểm trên không được tính."
    pdf.multi_cell(width, 3.6, nfc(provenance), new_x="LMARGIN", new_y="NEXT")


def _status_text(slip: ControlSlip) -> str:
    if slip.status == "resolved":
        result = _result_text(slip.result, slip.days_late)
        outcome = OUTCOMES.get(slip.outcome or "", slip.outcome or "")
        return f"Đã trả kết quả {_moment(slip.resolved_at)} ({outcome}); {result.lower()} so với hạn {_day(slip.due)}."
    if slip.status == "paused":
        return f"Đang tạm dừng chờ bổ sung hồ sơ; hạn hiện tại {_day(slip.due)}."
    if slip.status == "open":
        text = f"Đang giải quyết; hạn {_day(slip.due)}"
        if slip.result == "late":
            text += f", quá hạn {slip.days_late} ngày làm việc tính đến ngày {_day(slip.as_of)}"
        return text + "."
    return "Chưa có sự kiện nào được ghi nhận."
