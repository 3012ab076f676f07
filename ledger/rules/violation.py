"""A violation (SPEC §6) and the context every rule judges in."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any

from ..calendar import LOCAL_TZ, WorkingCalendar
from ..domain.records import EventRecord
from ..domain.registry import RegistryState
from .rulebook import RULEBOOK

#: The lateness of an open item judged on no particular day (read models store its due date instead).
UNBOUNDED = 10**9

#: The keys of a violation in JSON, exactly (SPEC §6).
VIOLATION_KEYS = (
    "rule",
    "case",
    "consultation",
    "agency",
    "official",
    "due",
    "days_late",
    "status",
    "deemed_consent",
    "finding",
    "clause",
    "evidence",
    "message_vi",
    "message_en",
)


@dataclass(frozen=True)
class Judgement:
    """What a judgement depends on besides the events: the as-of date, registry and calendar."""

    # None: judged on no particular day, as the read models do: every open obligation is kept
    # open (late by UNBOUNDED) with its due date, and the report computes its lateness on the
    # day it is asked. Dates are bounded at input (schema) so this never leaves the calendar.
    as_of: date | None
    registry: RegistryState
    calendar: WorkingCalendar

    def successor_on(self, agency: str, day: date) -> str:
        """Who holds `agency`'s obligation due on `day`: its successor if merged by then."""
        return self.registry.successor_at(agency, datetime.combine(day, time.max, tzinfo=LOCAL_TZ))

    def agency_of(self, record: EventRecord) -> str:
        """The acting official's agency as of the act, by the registry being judged with (SPEC §4:
        "their agency is taken from the registry as of `at`"), so a transfer recorded late but
        claimed earlier moves the blame; the agency recorded at append time is the fallback."""
        posting = self.registry.posting_at(record.by, record.at) if record.by else None
        return posting.agency if posting else (record.actor_agency or "")

    def late_by(self, due: date, day: date | None) -> int:
        """Working days late on `day`; judged on no particular day, an open item counts as late."""
        if day is None:
            return UNBOUNDED
        return self.calendar.wd(due, day)


@dataclass(frozen=True, kw_only=True)
class Violation:
    rule: str
    case: str | None = None
    consultation: str | None = None
    agency: str
    official: str | None = None
    due: date | None = None
    days_late: int | None = None
    status: str = "closed"  # open | closed
    evidence: tuple[str, ...]
    act_on: date  # the claimed date of the act (or obligation) behind it, for scorecard periods
    deemed_consent: bool = False
    finding: str | None = None
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    # For an open violation: the date after which it is late (the due date, except for
    # APOLOGY_MISSING, which is open while the case is overdue against D).
    trigger: date | None = None

    @property
    def late_after(self) -> date | None:
        return self.trigger or self.due

    def with_finding(self, decision: str | None) -> Violation:
        return replace(self, finding=decision)

    def as_dict(self) -> dict[str, Any]:
        rule = RULEBOOK[self.rule]
        values = {
            "case": self.case,
            "consultation": self.consultation,
            "agency": self.agency,
            "official": self.official,
            "due": self.due.isoformat() if self.due else None,
            "days": self.days_late,
            **self.details,
        }
        return {
            "rule": self.rule,
            "case": self.case,
            "consultation": self.consultation,
            "agency": self.agency,
            "official": self.official,
            "due": self.due.isoformat() if self.due else None,
            "days_late": self.days_late,
            "status": self.status,
            "deemed_consent": self.deemed_consent,
            "finding": self.finding,
            "clause": rule.clause,
            "evidence": list(self.evidence),
            "message_vi": rule.message_vi.format_map(_Lenient(values)),
            "message_en": rule.message_en.format_map(_Lenient(values)),
        }


class _Lenient(dict[str, Any]):
    """Formats a message even when a detail is missing, rather than failing a report."""

    def __missing__(self, key: str) -> str:
        return "?"
