"""The parts of a case file (`casefile.CaseFile`): its consultations, its lead, coordinators,
apologies, resolution and findings, as dates and small typed records (never ISO strings)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .records import EventRecord


@dataclass
class ConsultationFile:
    consultation: str
    to: str
    requested_by: str | None
    requested_on: date
    due: date
    request: EventRecord
    status: str = "open"  # open | answered | withdrawn
    handler: str | None = None
    answered_by: str | None = None
    answered_on: date | None = None
    position: Any = None
    withdrawn_on: date | None = None
    answer: EventRecord | None = None
    designation: EventRecord | None = None
    withdrawal: EventRecord | None = None

    @property
    def closed_at(self) -> datetime | None:
        """When it stopped being open: its answer or its withdrawal (claimed time)."""
        closing = self.answer or self.withdrawal
        return closing.at if closing else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "consultation": self.consultation,
            "to": self.to,
            "requested_by": self.requested_by,
            "requested_on": self.requested_on.isoformat(),
            "due": self.due.isoformat(),
            "status": self.status,
            "handler": self.handler,
            "answered_by": self.answered_by,
            "answered_on": self.answered_on.isoformat() if self.answered_on else None,
            "position": self.position,
        }


@dataclass(frozen=True)
class LeadHeld:
    """The lead unit and lead official last assigned, and the date they were."""

    agency: str
    official: str
    assigned_on: date


@dataclass(frozen=True)
class Coordinator:
    agency: str
    part: str
    official: str | None


@dataclass(frozen=True)
class Apology:
    on: date
    by: str | None
    new_due: date


@dataclass(frozen=True)
class Resolution:
    outcome: str
    on: date
    by: str | None


@dataclass(frozen=True)
class Finding:
    rule: str
    decision: str
    by: str | None
