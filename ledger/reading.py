"""The ledger's answers (SPEC §6–§7): violations, delays, scorecards, the registry and a case as
seen at a date — from the read models and the sealed log, as plain frozen data. Nothing here
writes; the read models are caught up by the facade before it asks.

As-of (business time) and known-at (ledger time) filter the records before folding, registry
included, so a question about the past sees the registry as it was then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from .calendar import LOCAL_TZ, WorkingCalendar
from .decoding import check_taken
from .domain.case import case_id
from .domain.casefile import fold_case, history_steps
from .domain.errors import InvalidField, UnknownReference
from .domain.records import EventRecord, filter_records
from .domain.registry import REGISTRY_ID, Registry, RegistryState
from .eventlog import EventLog
from .projections import Projections
from .rules import RULEBOOK, Violation, judge, scoring, visible
from .rules.engine import judge_agencies, judge_grouped, judgement_for, sort_violations
from .rules.violation import Judgement
from .stream_guard import StreamGuard


@dataclass(frozen=True)
class CaseAsSeen:
    """One case's events visible as of a date and known at a time (log order), the registry and
    calendar as of then, and how many of its events those bounds hide."""

    records: list[EventRecord]
    registry: RegistryState
    calendar: WorkingCalendar
    hidden: int


class Reader:
    """Answers over one store's log and read models, judged on the clock's today."""

    def __init__(self, log: EventLog, projections: Projections, clock: Callable[[], datetime]) -> None:
        self._log = log
        self._projections = projections
        self._clock = clock
        self._guard = StreamGuard(log, projections)

    def today(self) -> date:
        return self._clock().astimezone(LOCAL_TZ).date()

    def violations(self, *, as_of: date | None, known_at: datetime | None, include_dismissed: bool) -> list[Violation]:
        """As of today and known now, from the maintained table (open items' lateness computed
        from their stored due dates); any other question, by judging the stored facts visible then."""
        today = self.today()
        if known_at is None and (as_of is None or as_of == today):
            found = self._current_violations(today)
        else:
            as_of = as_of or today
            # One case at a time (the registry's and agencies' events first): memory holds a case,
            # not every fact visible then.
            others = list(self._projections.facts(as_of=as_of, known_at=known_at, non_case_only=True))
            found = judge_grouped(others, self._projections.case_facts(as_of=as_of, known_at=known_at), as_of)
        return list(visible(found, include_dismissed=include_dismissed))

    def scorecard(self, start: date, end: date, *, by_official: bool, known_at: datetime | None,
                  violations: list[Violation] | None = None) -> list[dict[str, Any]]:
        """SPEC §7 scorecard over [start, end], judged as of `end` (Decision 766 on-time rate).
        As of today and known now, the cases come from the case tables (`projections.scores`);
        `violations`: those as of `end` and known now, when the caller has them at hand."""
        if end < start:
            raise InvalidField(code="period_reversed", params={}, field="to")
        stored = self._projections.stored_scores(end) if known_at is None and end == self.today() else None
        if stored is None:
            records = list(self._projections.facts(as_of=end, known_at=known_at))
            return scoring.scorecard_from_records(records, start, end, by_official=by_official, violations=violations)
        cases, refold = stored
        judgement = judgement_for(list(self._projections.facts(as_of=end, non_case_only=True)), end)
        if refold:
            cases += scoring.scored_cases(self._projections.facts(as_of=end, cases=sorted(refold)), judgement, end)
        counted: list[tuple[str, str | None, str, int]] = []
        if violations is None:
            violations, counted = self._scorecard_violations(end, start)
        return scoring.scorecard(cases, violations, judgement, start, end, by_official=by_official, counted=counted)

    def _scorecard_violations(self, today: date, start: date) -> tuple[list[Violation], list[tuple[str, str | None,
                                                                                                  str, int]]]:
        """What a scorecard of [start, today] counts of today's violations: the stored closed ones
        dated in the period already counted by the database, by (agency, official, rule) — reading
        each of them was a third of a scorecard at 1M events — and every other one as
        `violations()` gives it (judged now, or stored open and late by today)."""
        found, paused, judgement = self._judged_now(today)
        found.extend(self._stored(self._projections.open_and_closed_violations(open_only=True), paused, judgement,
                                  today))
        counted = self._projections.closed_violation_counts(start, today, sorted(paused))
        return list(visible(found)), counted

    def _current_violations(self, today: date) -> list[Violation]:
        found, paused, judgement = self._judged_now(today)
        found.extend(self._stored(self._projections.open_and_closed_violations(), paused, judgement, today))
        return sort_violations(found)

    def _judged_now(self, today: date) -> tuple[list[Violation], set[str], Judgement]:
        """The violations judged from the facts today: the agencies' (work programmes), and those of
        the cases whose supplement pause is open (also returned). Such a case is judged with its due
        date moving day by day (the pause counts up to today), and who answers for it can change
        with that date: judged now, from its facts, rather than read from rows stored on another day."""
        others = list(self._projections.facts(non_case_only=True))
        judgement = judgement_for(others, today)
        found = judge_agencies(others, judgement)
        paused = set(self._projections.paused_cases())
        if paused:
            records = sorted([*others, *self._projections.facts(cases=sorted(paused))], key=lambda r: r.position)
            found.extend(v for v in judge(records, today) if v.case in paused)
        return found, paused, judgement

    @staticmethod
    def _stored(violations: Iterable[Violation], paused: set[str], judgement: Judgement,
                today: date) -> Iterator[Violation]:
        """The stored case violations as of today: a paused case's left out (judged now instead), an
        open one only once late by today, with its days counted to today."""
        for violation in violations:
            if violation.case in paused:
                continue
            if violation.status == "open":
                assert violation.late_after is not None
                days = judgement.calendar.wd(violation.late_after, today)
                if days < 1:
                    continue
                violation = replace(violation, days_late=days if RULEBOOK[violation.rule].measures_lateness else None)
            yield violation

    def current_registry(self) -> RegistryState:
        """The registry as it stands (every registry event): the state every append validates
        against, shared read-only between them and re-read only when a registry event was added
        (by any process). `registry_as_of()` gives the same, folded afresh from the sealed log.
        Refuses a registry stream that is not the one the read models took in (`check_taken`)."""
        registry = self._log.shared(REGISTRY_ID, Registry, lambda _: self._guard.loaded(None, REGISTRY_ID))
        assert isinstance(registry, Registry)
        return registry.state

    def registry_as_of(self, as_of: date | None = None, known_at: datetime | None = None) -> RegistryState:
        """The registry folded from its events visible at as-of / known-at. Refuses a log with events
        deleted: the registry's last event deleted leaves no gap in its stream."""
        self._log.check_nothing_deleted()
        return self._registry_folded(as_of, known_at)

    def _registry_folded(self, as_of: date | None, known_at: datetime | None) -> RegistryState:
        """Refuses a registry stream that is not the one the read models took in (its last event
        moved to another aggregate id leaves no gap in it)."""
        taken = self._projections.stream_positions("registry")  # first: a later append is then in the log too
        records = self._log.stream_records(REGISTRY_ID)
        check_taken([record.position for record in records], *taken)
        state = RegistryState()
        for record in filter_records(records, as_of, known_at):
            state.apply(record.payload, record.at)
        return state

    def case_as_seen(self, case: str, as_of: date, known_at: datetime | None = None) -> CaseAsSeen:
        """One case's sealed events visible as of A and known at T, with the registry and calendar
        as of then. Refuses an unknown case, a log with events deleted, and a stream that is not the
        one the read models took in (see `check_taken`)."""
        taken = self._projections.case_positions(case)  # first: a later append is then in the log too
        all_records = self._log.stream_records(case_id(case))
        if not all_records:
            raise UnknownReference(code="unknown_case", params={"case": repr(case)}, field="case")
        self._log.check_nothing_deleted()
        check_taken([record.position for record in all_records], *taken)
        records = filter_records(all_records, as_of, known_at)
        registry = self._registry_folded(as_of, known_at)  # nothing deleted: checked just above
        return CaseAsSeen(records, registry, WorkingCalendar(registry.calendar_overrides()),
                          hidden=len(all_records) - len(records))

    def history(self, case: str, *, as_of: date | None, known_at: datetime | None) -> dict[str, Any]:
        """A case's events with both times and the state after each, as plain data."""
        as_of = as_of or self.today()
        seen = self.case_as_seen(case, as_of, known_at)
        records, registry, calendar = seen.records, seen.registry, seen.calendar
        steps = history_steps(records, registry, calendar)
        final = fold_case(records, registry, calendar).snapshot(as_of) if records else None
        return {
            "case": case,
            "as_of": as_of.isoformat(),
            "known_at": known_at.isoformat() if known_at else None,
            "calendar": calendar.version,
            "events": [
                {**record_dict(step["record"]), "out_of_order": step["out_of_order"], "state": step["state"]}
                for step in steps
            ],
            "hidden": seen.hidden,
            "state": final,
        }


def record_dict(record: EventRecord) -> dict[str, Any]:
    return {
        "position": record.position,
        "event": record.event,
        "type": record.type,
        "at": record.at.isoformat(),
        "recorded": record.recorded.isoformat(),
        "by": record.by,
        "agency": record.actor_agency,
        "source": record.source,
        "id": record.key,
        "note": record.note,
        "fields": dict(record.fields),
    }
