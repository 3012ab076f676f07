"""The control slip of a case: "Phiếu kiểm soát quá trình giải quyết hồ sơ", the form the one-stop
rules require for every dossier (Decree 61/2018/NĐ-CP; Circular 01/2018/TT-VPCP, Mẫu số 05, now
Mẫu số 06 of Circular 03/2025/TT-VPCP), filled from the ledger and printed as an A4 PDF.

The form's header (dossier code, procedure, applicant, time received, appointment, the unit that
handles it and those that coordinate), then one row per hand-over, in claimed-time order (equal
times in log order): TÊN CƠ QUAN (Giao: the unit handing over; Nhận: the unit receiving), THỜI
GIAN GIAO, NHẬN HỒ SƠ (the claimed time, and who handed over and who received), KẾT QUẢ GIẢI QUYẾT
HỒ SƠ (Trước hạn / Đúng hạn / Quá hạn, for the steps that have a time limit) and GHI CHÚ.

Which events are hand-overs, and their time limits (SPEC §5):

- `CaseOpened`: the applicant hands the dossier to the receiving unit (the opener's agency);
- `LeadAssigned`: to the lead; the first assignment is due `add_wd(S, 1)`;
- `CoordinatorAssigned`, `ConsultationRequested` (to the consulted agency), its handler's
  designation (within that agency), `ConsultationWithdrawn` (back to the consulted agency);
- `ConsultationAnswered`: the consulted agency hands its answer back to the lead then in force,
  due on the consultation's due date;
- `SupplementRequested` / `SupplementReceived`: to and from the applicant;
- `ApologyIssued`: to the applicant, due by the last working day before D;
- `CaseResolved`: the result handed to the applicant, due on D (moved by the pauses).

A step done before its due date is "Trước hạn", on it (or on a non-working day right after it)
"Đúng hạn", later "Quá hạn" by `wd(due, date]` working days. Findings are not hand-overs and are
left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from typing import Any

from ..calendar import LOCAL_TZ, WorkingCalendar, local_date
from ..domain.casefile import CaseFile
from ..domain.records import EventRecord
from ..domain.registry import RegistryState
from ..rules.recording import late_recording
from ..rules.rulebook import RULEBOOK
from ..rules.violation import Judgement
from .fonts import FONT_FAMILY, MISSING_GLYPHS_NOTE, FontGlyphs, font_files, nfc

TITLE = "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"
FORM_REFERENCE = "Mẫu số 05, Thông tư 01/2018/TT-VPCP (Mẫu số 06, Thông tư 03/2025/TT-VPCP)"
APPLICANT = "Tổ chức, cá nhân nộp hồ sơ"
RESULTS = {"ahead": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}
POSITIONS = {"agree": "Đồng ý", "disagree": "Không đồng ý", "conditional": "Đồng ý có điều kiện",
             "not_competent": "Không thuộc thẩm quyền"}
OUTCOMES = {"approved": "Chấp thuận", "rejected": "Không chấp thuận", "answered": "Đã trả lời",
            "stopped": "Dừng giải quyết"}
NOTE_LENGTH = 110
USED_STYLES = ("", "B")
LABEL_WIDTH = 64  # mm, the header's labels


@dataclass(frozen=True)
class SlipParty:
    """One side of a hand-over: a unit (None: the applicant) and the person acting for it."""

    agency: str | None
    agency_name: str
    official: str | None
    person: str | None


@dataclass(frozen=True)
class SlipRow:
    number: int
    event: str
    type: str
    at: datetime  # claimed
    giver: SlipParty
    receiver: SlipParty
    due: date | None  # the step's time limit, when it has one
    result: str | None  # ahead | on_time | late
    days_late: int | None
    note: str


@dataclass(frozen=True)
class ControlSlip:
    case: str
    title: str | None
    procedure: str | None
    procedure_name: str | None
    applicant: str | None
    received_at: datetime | None
    receiving_agency: str | None  # its name
    appointment: date | None  # the first appointment (D0)
    due: date | None  # D, moved by the pauses
    new_appointment: date | None  # the first apology's new date
    handling: str | None  # the lead unit (and official) now
    coordinating: tuple[str, ...]  # consulted and coordinating units
    status: str  # open | paused | resolved | none
    resolved_at: datetime | None
    outcome: str | None
    result: str | None  # for the whole dossier: ahead | on_time | late (resolved), or late (open past D)
    days_late: int | None
    rows: tuple[SlipRow, ...]
    as_of: date
    known_at: datetime | None
    made_at: datetime
    calendar: str
    hidden: int


def _result(calendar: WorkingCalendar, due: date | None, day: date) -> tuple[str | None, int | None]:
    if due is None:
        return None, None
    if day < due:
        return "ahead", None
    late = calendar.wd(due, day)
    return ("late", late) if late >= 1 else ("on_time", None)


def _short(text: Any, length: int = NOTE_LENGTH) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _day(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else "—"


def build_slip(case: str, records: list[EventRecord], registry: RegistryState, calendar: WorkingCalendar,
               as_of: date, known_at: datetime | None, made_at: datetime, *, hidden: int = 0) -> ControlSlip:
    """The slip of one case from its records (already filtered by as-of / known-at, log order)."""
    casefile = CaseFile(calendar, registry)
    for record in records:
        casefile.apply(record)
    j = Judgement(as_of, registry, calendar)

    def agency_name(code: str | None) -> str:
        agency = registry.agencies.get(code or "")
        return agency.name if agency else (code or "—")

    def person(official: str | None) -> str | None:
        known = registry.officials.get(official or "")
        return known.name if known else official

    def party(official: str | None, at: datetime, agency: str | None = None) -> SlipParty:
        if agency is None and official:
            posting = registry.posting_at(official, at)
            agency = posting.agency if posting else None
        return SlipParty(agency, agency_name(agency), official, person(official))

    applicant_obj = casefile.opened.fields.get("applicant") if casefile.opened else None
    applicant_name = applicant_obj.get("name") if isinstance(applicant_obj, dict) else None
    applicant = SlipParty(None, applicant_name or APPLICANT, None, applicant_name)
    judged_on = casefile.resolved_on or as_of
    due = casefile.due(judged_on) if casefile.opened else None
    lead_limit = (calendar.add_wd(casefile.opened_on, RULEBOOK["NO_LEAD"].parameters["lead_within_working_days"])
                  if casefile.opened_on else None)
    apology_limit = calendar.last_working_day_before(due) if due else None

    rows: list[SlipRow] = []
    lead: tuple[str, str] | None = None
    first_lead = True
    for record in sorted(records, key=lambda r: (r.at, r.position)):
        f, kind, at = record.fields, record.type, record.at
        actor = party(record.by, at)
        limit: date | None = None
        lead_party = SlipParty(lead[0], agency_name(lead[0]), lead[1], person(lead[1])) if lead else actor
        if kind == "CaseOpened":
            giver, receiver, note = applicant, actor, "Tiếp nhận hồ sơ"
        elif kind == "LeadAssigned":
            giver, receiver = actor, party(f["official"], at, f["agency"])
            note = "Giao chủ trì giải quyết" if first_lead else f"Giao lại chủ trì: {f.get('reason') or ''}"
            limit = lead_limit if first_lead else None
            lead, first_lead = (f["agency"], f["official"]), False
        elif kind == "CoordinatorAssigned":
            giver, receiver = actor, party(f.get("official"), at, f["agency"])
            note = f"Phối hợp: {f['part']}"
        elif kind == "ConsultationRequested":
            consultation = casefile.consultations.get(f["consultation"])
            giver, receiver = actor, party(None, at, f["to"])
            asked_due = f" (hạn trả lời {_day(consultation.due)})" if consultation else ""
            note = f"Xin ý kiến {f['consultation']}{asked_due}: {f['question']}"
        elif kind == "ConsultationHandlerDesignated":
            giver, receiver = actor, party(f["official"], at)
            note = f"Phân công xử lý {f['consultation']}"
        elif kind == "ConsultationAnswered":
            consultation = casefile.consultations.get(f["consultation"])
            giver, receiver = actor, lead_party
            limit = consultation.due if consultation else None
            position = POSITIONS.get(f.get("position") or "", "Không nêu rõ quan điểm")
            note = f"Trả lời {f['consultation']}: {position}"
        elif kind == "ConsultationWithdrawn":
            consultation = casefile.consultations.get(f["consultation"])
            giver, receiver = actor, party(None, at, consultation.to if consultation else None)
            note = f"Rút văn bản xin ý kiến {f['consultation']}: {f['reason']}"
        elif kind == "SupplementRequested":
            giver, receiver = actor, applicant
            note = f"Yêu cầu bổ sung, hoàn thiện hồ sơ (tạm dừng): {f['reason']}"
        elif kind == "SupplementReceived":
            giver, receiver, note = applicant, actor, "Nhận hồ sơ bổ sung (tiếp tục giải quyết)"
        elif kind == "ApologyIssued":
            giver, receiver, limit = actor, applicant, apology_limit
            note = f"Phiếu xin lỗi và hẹn lại ngày trả kết quả: {_day(date.fromisoformat(f['new_due']))}"
        elif kind == "CaseResolved":
            giver, receiver, limit = actor, applicant, due
            note = f"Trả kết quả: {OUTCOMES.get(f['outcome'], f['outcome'])}"
        else:
            continue  # findings are rulings, not hand-overs
        late = next(iter(late_recording([record], j)), None)
        if late is not None:
            note += f" [ghi sổ muộn {late.days_late} ngày làm việc, ngày {_day(local_date(record.recorded))}]"
        result, days = _result(calendar, limit, record.claimed_date)
        rows.append(SlipRow(len(rows) + 1, record.event, kind, at, giver, receiver, limit, result, days, _short(note)))

    status = casefile.status() if casefile.opened else "none"
    if casefile.resolution is not None:
        overall = _result(calendar, due, casefile.resolution.claimed_date)
    elif due is not None and status == "open":
        overall = ("late", calendar.wd(due, as_of)) if calendar.wd(due, as_of) >= 1 else (None, None)
    else:
        overall = (None, None)
    procedure = registry.procedure_at(casefile.procedure or "", casefile.opened.at) if casefile.opened else None
    coordinating = [c.to for c in casefile.consultations.values()] + [c["agency"] for c in casefile.coordinators]
    handling = None
    if casefile.lead:
        handling = f"{agency_name(casefile.lead['agency'])} ({person(casefile.lead['official'])})"
    first_apology = min(casefile.apology_records, key=lambda r: (r.at, r.position), default=None)
    return ControlSlip(
        case=case, title=casefile.title, procedure=casefile.procedure,
        procedure_name=procedure.name if procedure else None, applicant=applicant_name,
        received_at=casefile.opened.at if casefile.opened else None,
        receiving_agency=agency_name(casefile.opener_agency) if casefile.opened else None,
        appointment=casefile.initial_due, due=due,
        new_appointment=date.fromisoformat(first_apology.fields["new_due"]) if first_apology else None,
        handling=handling, coordinating=tuple(dict.fromkeys(agency_name(c) for c in coordinating)),
        status=status, resolved_at=casefile.resolution.at if casefile.resolution else None,
        outcome=casefile.resolved["outcome"] if casefile.resolved else None,
        result=overall[0], days_late=overall[1], rows=tuple(rows), as_of=as_of, known_at=known_at,
        made_at=made_at, calendar=calendar.version, hidden=hidden,
    )


# --- the PDF -----------------------------------------------------------------------------------


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
    from fpdf import FPDF
    from fpdf.fonts import FontFace

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
    width = pdf.epw
    half = width / 2

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

    appointment = _day(slip.appointment)
    if slip.due and slip.due != slip.appointment:
        appointment += f" (điều chỉnh do tạm dừng bổ sung hồ sơ: {_day(slip.due)})"
    if slip.new_appointment:
        appointment += f"; hẹn lại: {_day(slip.new_appointment)}"
    procedure = slip.procedure_name or slip.procedure or "—"
    if slip.procedure_name and slip.procedure:
        procedure += f" ({slip.procedure})"
    facts = [
        ("Tên thủ tục", procedure),
        ("Trích yếu", slip.title or "—"),
        ("Người nộp hồ sơ", slip.applicant or "—"),
        ("Thời gian nhận hồ sơ", _moment(slip.received_at)),
        ("Hẹn trả kết quả", appointment),
        ("Cơ quan (bộ phận) giải quyết hồ sơ", slip.handling or "chưa giao chủ trì"),
        ("Cơ quan phối hợp giải quyết hồ sơ", ", ".join(slip.coordinating) or "—"),
    ]
    for label, value in facts:
        pdf.set_font(FONT_FAMILY, "B", 8.5)
        pdf.cell(LABEL_WIDTH, 4.6, nfc(f"{label}:"))
        pdf.set_font(FONT_FAMILY, "", 8.5)
        pdf.multi_cell(width - LABEL_WIDTH, 4.6, nfc(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

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
    return pdf


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
