"""The frozen data of a replayed case: its steps, the state and violations after one of them,
its findings (see the package's docstring for what each means)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

class StepOutOfRange(ValueError):
    """The step asked for is not one of the case's steps (1 .. `last`)."""

    def __init__(self, step: int, last: int) -> None:
        super().__init__(f"step {step} is not between 1 and {last}")
        self.step, self.last = step, last


@dataclass(frozen=True)
class StepViolation:
    """A violation as it stands after one step, and since when it has."""

    rule: str
    title_vi: str
    title_en: str
    consultation: str | None
    agency: str
    official: str | None
    due: date | None
    days_late: int | None
    status: str
    deemed_consent: bool
    finding: str | None
    evidence: tuple[str, ...]  # ledger event ids (the timeline's anchors)
    message_vi: str
    message_en: str
    since: int  # the step after which it (last) appeared
    new: bool  # it appeared at this very step


@dataclass(frozen=True)
class ConsultationState:
    consultation: str
    to: str
    requested_by: str | None
    requested_on: date
    due: date
    status: str  # open | answered | withdrawn
    handler: str | None
    answered_by: str | None
    answered_on: date | None
    position: Any


@dataclass(frozen=True)
class StepState:
    """The case after a step, judged on that step's day."""

    status: str  # open | paused | resolved
    opened_on: date | None
    lead_agency: str | None
    lead_official: str | None
    lead_since: date | None
    coordinators: tuple[tuple[str, str, str | None], ...]  # (agency, part, official)
    initial_due: date | None
    due: date | None  # D, moved by the pauses (an open one counted up to the day judged on)
    paused_since: date | None
    supplement_requests: int
    apologies: tuple[tuple[date, date], ...]  # (issued on, new appointment)
    outcome: str | None
    resolved_on: date | None
    consultations: tuple[ConsultationState, ...]


@dataclass(frozen=True)
class ReplayStep:
    number: int  # 1-based, log order
    position: int  # the ledger's log position
    event: str  # the ledger event id
    type: str
    at: datetime  # claimed
    recorded: datetime
    claimed_on: date
    recorded_on: date
    by: str | None
    agency: str | None  # the actor's agency as of the claimed time
    source: str  # web | api | import
    key: str | None  # the client's idempotency id
    note: str | None
    fields: dict[str, Any]
    gap: int | None  # working days since the previous step's claimed date (negative: earlier); None first
    out_of_order: bool  # claims a time earlier than an event recorded before it
    late_recording: int | None  # LATE_RECORDING days, for web/API events recorded late
    judged_on: date  # d(k): the day the state after this step is judged on
    appeared: tuple[str, ...]  # rules of the violations new at this step
    cleared: tuple[str, ...]  # rules of the violations gone at this step


@dataclass(frozen=True)
class FindingItem:
    """An inspector's ruling recorded in the case."""

    step: int
    event: str
    rule: str
    decision: str
    consultation: str | None
    evidence: str | None
    by: str | None
    at: datetime
    note: str | None


@dataclass(frozen=True)
class Replay:
    case: str
    title: str | None
    procedure: str | None
    procedure_name: str | None
    applicant: str | None
    as_of: date
    known_at: datetime | None
    calendar: str  # the calendar version judged with
    rulebook: str
    steps: tuple[ReplayStep, ...]
    hidden: int  # events of the case left out by as-of / known-at
    selected: int  # 1 .. end
    judged_on: date
    state: StepState | None  # None when no event is visible
    violations: tuple[StepViolation, ...]  # after the selected step
    cleared: tuple[StepViolation, ...]  # present after the step before, gone after this one
    findings: tuple[FindingItem, ...]
    agency_names: dict[str, tuple[str, str]] = field(default_factory=dict)  # code → (vi, en)
    official_names: dict[str, str] = field(default_factory=dict)

    @property
    def end(self) -> int:
        """The last step: the case as of the as-of date, after every visible event."""
        return len(self.steps) + 1

    @property
    def at_end(self) -> bool:
        return self.selected == self.end

    @property
    def step(self) -> ReplayStep | None:
        """The selected event (None for the as-of step)."""
        return None if self.at_end else self.steps[self.selected - 1]
