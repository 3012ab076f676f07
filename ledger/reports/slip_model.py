"""The control slip as plain frozen data (`ControlSlip`, one `SlipRow` per hand-over), and the
words and dates it is written in (see `ledger/reports/slip.py` for what the form holds)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..calendar import WorkingCalendar

APPLICANT = "Tổ chức, cá nhân nộp hồ sơ"
RESULTS = {"ahead": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}
POSITIONS = {"agree": "Đồng ý", "disagree": "Không đồng ý", "conditional": "Đồng ý có điều kiện",
             "not_competent": "Không thuộc thẩm quyền"}
OUTCOMES = {"approved": "Chấp thuận", "rejected": "Không chấp thuận", "answered": "Đã trả lời",
            "stopped": "Dừng giải quyết"}
NOTE_LENGTH = 110


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
