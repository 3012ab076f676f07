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

The slip's data and words are in `slip_model.py`, its PDF in `slip_pdf.py`; every name they had
here is still importable from here.
"""

from __future__ import annotations

from datetime import date, datetime

from ..calendar import WorkingCalendar, local_date
from ..domain import payloads as p
from ..domain.casefile import CaseFile
from ..domain.records import EventRecord
from ..domain.registry import RegistryState
from ..rules.recording import late_recording
from ..rules.rulebook import RULEBOOK
from ..rules.violation import Judgement
from .slip_model import (
    APPLICANT,
    NOTE_LENGTH,
    OUTCOMES,
    POSITIONS,
    RESULTS,
    ControlSlip,
    SlipParty,
    SlipRow,
    _day,
    _result,
    _short,
)
from .slip_pdf import FORM_REFERENCE, LABEL_WIDTH, TITLE, USED_STYLES, render_slip

__all__ = [
    "APPLICANT",
    "FORM_REFERENCE",
    "LABEL_WIDTH",
    "NOTE_LENGTH",
    "OUTCOMES",
    "POSITIONS",
    "RESULTS",
    "TITLE",
    "USED_STYLES",
    "ControlSlip",
    "SlipParty",
    "SlipRow",
    "build_slip",
    "render_slip",
]

#: One hand-over: (giver, receiver, note, the step's time limit), or None for an event that is none.
HandOver = tuple[SlipParty, SlipParty, str, date | None] | None


def build_slip(case: str, records: list[EventRecord], registry: RegistryState, calendar: WorkingCalendar,
               as_of: date, known_at: datetime | None, made_at: datetime, *, hidden: int = 0) -> ControlSlip:
    """The slip of one case from its records (already filtered by as-of / known-at, log order)."""
    casefile = CaseFile(calendar, registry)
    for record in records:
        casefile.apply(record)
    builder = _SlipBuilder(casefile, registry, calendar, as_of)
    rows = builder.rows(records)
    return builder.slip(case, rows, known_at, made_at, hidden)


class _Names:
    """Units and people as the registry names them."""

    def __init__(self, registry: RegistryState) -> None:
        self.registry = registry

    def agency_name(self, code: str | None) -> str:
        agency = self.registry.agencies.get(code or "")
        return agency.name if agency else (code or "—")

    def person(self, official: str | None) -> str | None:
        known = self.registry.officials.get(official or "")
        return known.name if known else official

    def party(self, official: str | None, at: datetime, agency: str | None = None) -> SlipParty:
        if agency is None and official:
            posting = self.registry.posting_at(official, at)
            agency = posting.agency if posting else None
        return SlipParty(agency, self.agency_name(agency), official, self.person(official))


class _SlipBuilder:
    """The slip of one folded case file: its rows (one per hand-over, in claimed-time order, the
    lead in force followed from row to row) and its header."""

    def __init__(self, casefile: CaseFile, registry: RegistryState, calendar: WorkingCalendar, as_of: date) -> None:
        self.casefile, self.calendar, self.as_of = casefile, calendar, as_of
        self.names = _Names(registry)
        self.j = Judgement(as_of, registry, calendar)
        opened = casefile.opened.payload if casefile.opened else None
        applicant = opened.applicant if isinstance(opened, p.CaseOpened) else None
        self.applicant_name = applicant.name if applicant else None
        self.applicant = SlipParty(None, self.applicant_name or APPLICANT, None, self.applicant_name)
        judged_on = casefile.resolved_on or as_of
        self.due = casefile.due(judged_on) if casefile.opened else None
        self.lead_limit = (
            calendar.add_wd(casefile.opened_on, RULEBOOK["NO_LEAD"].parameters["lead_within_working_days"])
            if casefile.opened_on else None)
        self.apology_limit = calendar.last_working_day_before(self.due) if self.due else None
        self.lead: tuple[str, str] | None = None
        self.first_lead = True

    def rows(self, records: list[EventRecord]) -> list[SlipRow]:
        rows: list[SlipRow] = []
        for record in sorted(records, key=lambda r: (r.at, r.position)):
            step = self.hand_over(record)
            if step is None:
                continue  # findings are rulings, not hand-overs
            giver, receiver, note, limit = step
            late = next(iter(late_recording([record], self.j)), None)
            if late is not None:
                note += f" [ghi sổ muộn {late.days_late} ngày làm việc, ngày {_day(local_date(record.recorded))}]"
            result, days = _result(self.calendar, limit, record.claimed_date)
            rows.append(SlipRow(len(rows) + 1, record.event, record.type, record.at, giver, receiver, limit, result,
                                days, _short(note)))
        return rows

    def hand_over(self, record: EventRecord) -> HandOver:
        """Who handed the dossier to whom, why, and by when it was due (None: not a hand-over)."""
        actor, at = self.names.party(record.by, record.at), record.at
        match record.payload:
            case p.CaseOpened():
                return self.applicant, actor, "Tiếp nhận hồ sơ", None
            case p.LeadAssigned() as f:
                return self.lead_step(f, at, actor)
            case p.CoordinatorAssigned() as f:
                return actor, self.names.party(f.official, at, f.agency), f"Phối hợp: {f.part}", None
            case p.SupplementRequested() as f:
                return actor, self.applicant, f"Yêu cầu bổ sung, hoàn thiện hồ sơ (tạm dừng): {f.reason}", None
            case p.SupplementReceived():
                return self.applicant, actor, "Nhận hồ sơ bổ sung (tiếp tục giải quyết)", None
            case p.ApologyIssued() as f:
                note = f"Phiếu xin lỗi và hẹn lại ngày trả kết quả: {_day(f.new_due)}"
                return actor, self.applicant, note, self.apology_limit
            case p.CaseResolved() as f:
                return actor, self.applicant, f"Trả kết quả: {OUTCOMES.get(f.outcome, f.outcome)}", self.due
        return self.consultation_step(record.payload, at, actor)

    def lead_step(self, f: p.LeadAssigned, at: datetime, actor: SlipParty) -> HandOver:
        receiver = self.names.party(f.official, at, f.agency)
        note = "Giao chủ trì giải quyết" if self.first_lead else f"Giao lại chủ trì: {f.reason or ''}"
        limit = self.lead_limit if self.first_lead else None
        self.lead, self.first_lead = (f.agency, f.official), False
        return actor, receiver, note, limit

    def consultation_step(self, payload: p.Payload, at: datetime, actor: SlipParty) -> HandOver:
        consultation = self.casefile.consultations.get(p.consultation_named(payload) or "")
        match payload:
            case p.ConsultationHandlerDesignated() as f:
                return actor, self.names.party(f.official, at), f"Phân công xử lý {f.consultation}", None
            case p.ConsultationRequested() as f:
                asked_due = f" (hạn trả lời {_day(consultation.due)})" if consultation else ""
                note = f"Xin ý kiến {f.consultation}{asked_due}: {f.question}"
                return actor, self.names.party(None, at, f.to), note, None
            case p.ConsultationAnswered() as f:
                position = POSITIONS.get(f.position if isinstance(f.position, str) else "", "Không nêu rõ quan điểm")
                limit = consultation.due if consultation else None
                return actor, self.lead_party(actor), f"Trả lời {f.consultation}: {position}", limit
            case p.ConsultationWithdrawn() as f:  # back to the consulted agency
                receiver = self.names.party(None, at, consultation.to if consultation else None)
                return actor, receiver, f"Rút văn bản xin ý kiến {f.consultation}: {f.reason}", None
        return None  # findings are rulings, not hand-overs

    def lead_party(self, actor: SlipParty) -> SlipParty:
        """The lead then in force (the actor when there is none yet)."""
        if self.lead is None:
            return actor
        agency, official = self.lead
        return SlipParty(agency, self.names.agency_name(agency), official, self.names.person(official))

    def overall(self, status: str) -> tuple[str | None, int | None]:
        """The whole dossier's result: resolved ahead, on time or late; open and past its due date."""
        casefile, calendar, due, as_of = self.casefile, self.calendar, self.due, self.as_of
        if casefile.resolution is not None:
            return _result(calendar, due, casefile.resolution.claimed_date)
        if due is not None and status == "open":
            return ("late", calendar.wd(due, as_of)) if calendar.wd(due, as_of) >= 1 else (None, None)
        return None, None

    def slip(self, case: str, rows: list[SlipRow], known_at: datetime | None, made_at: datetime,
             hidden: int) -> ControlSlip:
        casefile, names = self.casefile, self.names
        status = casefile.status() if casefile.opened else "none"
        result, days_late = self.overall(status)
        opened = casefile.opened
        procedure = names.registry.procedure_at(casefile.procedure or "", opened.at) if opened else None
        coordinating = [c.to for c in casefile.consultations.values()] + [c.agency for c in casefile.coordinators]
        handling = None
        if casefile.lead:
            handling = f"{names.agency_name(casefile.lead.agency)} ({names.person(casefile.lead.official)})"
        first_apology = min(casefile.apology_records, key=lambda r: (r.at, r.position), default=None)
        promised = first_apology.payload if first_apology else None
        return ControlSlip(
            case=case, title=casefile.title, procedure=casefile.procedure,
            procedure_name=procedure.name if procedure else None, applicant=self.applicant_name,
            received_at=opened.at if opened else None,
            receiving_agency=names.agency_name(casefile.opener_agency) if opened else None,
            appointment=casefile.initial_due, due=self.due,
            new_appointment=promised.new_due if isinstance(promised, p.ApologyIssued) else None,
            handling=handling, coordinating=tuple(dict.fromkeys(names.agency_name(c) for c in coordinating)),
            status=status, resolved_at=casefile.resolution.at if casefile.resolution else None,
            outcome=casefile.resolved.outcome if casefile.resolved else None,
            result=result, days_late=days_late, rows=tuple(rows), as_of=self.as_of, known_at=known_at,
            made_at=made_at, calendar=self.calendar.version, hidden=hidden,
        )
