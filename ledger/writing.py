"""Appending to the ledger: web and API appends, previews, all-or-nothing imports and restores.

Every write validates through a `Batch` against the ledger as it stands and saves once; a
conflicting writer makes the whole attempt run again from a fresh read (`retrying`), so a retry is
always safe. After a save the read models are caught up, so the writer reads its own write.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from contextlib import closing, nullcontext
from datetime import date
from typing import Any

from .batch import Batch, Outcome
from .bulkwork import bulk_work
from .domain.errors import ConcurrentAppend, InvalidField, Refused, StoreError
from .domain.records import EventRecord
from .domain.schema import parse_event
from .domain.values import parse_timestamp
from .eventlog import Clock, EventLog
from .importing import CHECKPOINT_LINE, ImportReport, Replayable, import_stream
from .integrity.checkpoint import Checkpoint, check_export_checkpoint
from .integrity.seal import stored_leaf
from .interchange import read_lines
from .projections import Projections
from .rules import Violation, judge
from .stream_guard import StreamGuard

#: A conflicting append is retried this many times, with jittered exponential backoff from
#: RETRY_DELAY seconds up to RETRY_DELAY_MAX: 8 concurrent writers on one registry all succeed.
RETRIES = 12
RETRY_DELAY = 0.02
RETRY_DELAY_MAX = 1.0


class BatchRefused(Refused):
    """Some events of an all-or-nothing batch were refused; `errors` lists (index, message, field)."""

    def __init__(self, errors: list[tuple[int, str, str | None]], refusals: list[tuple[int, Refused]] | None = None) -> None:
        super().__init__("; ".join(f"#{i}: {message}" for i, message, _ in errors))
        self.errors = errors
        #: The refusals themselves, with their codes and parameters (for a reply in the user's language).
        self.refusals = refusals or []


def retrying(attempt: Callable[[], Any], *, again: Callable[[], bool] | None = None) -> Any:
    """Run `attempt` (validate against the ledger as it stands, then save) until no other
    writer got in first; each try re-reads everything, so a retry is always safe. `again`: may
    the attempt be run again (an import whose input can no longer be replayed may not)?"""
    delay = RETRY_DELAY
    for tries in range(1, RETRIES + 1):
        try:
            return attempt()
        except ConcurrentAppend as conflict:
            if again is not None and not again():
                raise ConcurrentAppend(
                    f"{conflict} (the input cannot be read again; nothing was appended, and retrying is safe)"
                ) from None
            if tries == RETRIES:
                raise ConcurrentAppend(
                    f"{conflict} (gave up after {RETRIES} tries; nothing was appended, and retrying is safe)"
                ) from None
            time.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, RETRY_DELAY_MAX)
    raise AssertionError("unreachable")


class Writer:
    """The commands of one store: what may be appended, and appending it."""

    def __init__(self, log: EventLog, projections: Projections, clock: Clock, today: Callable[[], date]) -> None:
        self._log = log
        self._projections = projections
        self._clock = clock
        self._today = today
        self._guard = StreamGuard(log, projections)

    def batch(self) -> Batch:
        return Batch(self._log, clock=self._clock, check_stream=self._guard)

    def append(
        self, objs: dict[str, Any] | list[dict[str, Any]], *, source: str, actor: str | None = None
    ) -> list[Outcome]:
        """Append one event or a list of them, all or nothing (web forms and the API)."""
        items = objs if isinstance(objs, list) else [objs]

        def attempt() -> list[Outcome]:
            batch = self.batch()
            errors: list[tuple[int, str, str | None]] = []
            refusals: list[tuple[int, Refused]] = []
            for index, obj in enumerate(items):
                try:
                    batch.add(parse_event(obj, actor=actor), source=source)
                except Refused as refusal:
                    errors.append((index, str(refusal), refusal.field))
                    refusals.append((index, refusal))
            if errors:
                raise BatchRefused(errors, refusals)
            outcomes = batch.commit()
            saved.update(batch.saved)
            return outcomes

        saved: dict[int, EventRecord] = {}
        with self._log.writing():
            outcomes = retrying(attempt)
        self._projections.catch_up(saved=saved)
        return outcomes

    def preview(self, obj: dict[str, Any], *, source: str, actor: str | None = None) -> list[Violation]:
        """The violations one event would add to its case if appended now, judged as of today;
        nothing is written. Raises `Refused` as `append` would (the web warns before an answer the
        rulebook would judge evasive)."""
        batch = self.batch()
        envelope = parse_event(obj, actor=actor)
        outcome = batch.add(envelope, source=source)
        if outcome.duplicate or envelope.case is None:
            return []
        self._projections.catch_up()
        stored = list(self._projections.facts(cases=[envelope.case]))
        others = list(self._projections.facts(non_case_only=True))
        last = max((r.position for r in [*stored, *others]), default=0)
        staged = [EventRecord.from_event(event, last + i) for i, event in enumerate(batch.staged, start=1)]
        new_ids = {record.event for record in staged}
        found = judge([*others, *stored, *staged], self._today())
        return [v for v in found if v.case == envelope.case and new_ids & set(v.evidence)]

    def import_lines(
        self,
        lines: Iterable[str],
        *,
        dry_run: bool = False,
        source: str = "import",
        progress: Callable[[int], None] | None = None,
        project_progress: Callable[[int], None] | None = None,
    ) -> ImportReport:
        """SPEC §8: validate every line in file order; append nothing if any is refused.

        Streamed in chunks into one transaction (`ledger.importing`), so memory does not grow
        with the file. `progress(n)` is called as lines are validated, `project_progress(n)` as
        the read models take in the appended events (n at a time), for progress bars."""
        replayable = Replayable(lines)

        def attempt() -> tuple[ImportReport, dict[int, EventRecord]]:
            return import_stream(self._log, self._clock, replayable, dry_run=dry_run, source=source,
                                 progress=progress, check_stream=self._guard,
                                 intake=None if dry_run else self._projections.intake(project_progress))

        with bulk_work(), closing(replayable):
            with nullcontext() if dry_run else self._log.writing():
                report, saved = retrying(attempt, again=lambda: replayable.replayable)
            if (report.appended or report.skipped) and not (report.refused or dry_run):
                # Read models behind the log take in other writers' events too: the import's
                # progress counts its own events, no more.
                self._projections.catch_up(progress=_at_most(project_progress, report.appended), saved=saved)
        return report

    def restore_lines(self, lines: Iterable[str], *, trusted: dict[str, str],
                      remember: Callable[[Checkpoint], None]) -> ImportReport:
        """Load an export into an empty store, keeping recorded times, sources and event ids.

        The export's closing signed checkpoint must verify, and the events must rebuild its root
        exactly, before anything is saved. The signature must be one of the `trusted` keys'.
        `remember(checkpoint)` keeps the export's checkpoint as provenance once it is saved."""
        if self._log.event_count():
            raise StoreError("restore needs an empty store; this one already holds events")
        report = ImportReport()
        batch = self.batch()
        checkpoint = _stage_export(batch, lines, report)
        if not report.refused:
            leaves = [
                stored_leaf(s.topic, s.originator_id, s.originator_version, s.state)
                for s in (self._log.mapper.to_stored_event(e) for e in batch.staged)
            ]
            problem = check_export_checkpoint(leaves, checkpoint, trusted)
            if problem:
                report.refused.append((report.lines, problem))
        if not report.refused:
            with self._log.writing():
                report.outcomes = batch.commit()
            assert checkpoint is not None
            # This instance vouches for what it verified, with its own key; the export's checkpoint
            # is kept as provenance.
            remember(checkpoint)
            self._projections.catch_up()
        return report


def _stage_export(batch: Batch, lines: Iterable[str], report: ImportReport) -> Checkpoint | None:
    """Stage an export's events in `batch` (each under the event id it had), noting refused lines
    in `report`; returns its closing checkpoint line, if any."""
    checkpoint: Checkpoint | None = None
    for line in read_lines(lines):
        report.lines += 1
        if line.error is not None:
            report.refused.append((line.number, line.error))
            continue
        obj = line.obj
        if obj.get("type") == CHECKPOINT_LINE:
            try:
                checkpoint = Checkpoint.from_dict({k: v for k, v in obj.items() if k != "type"})
            except ValueError as error:
                report.refused.append((line.number, str(error)))
            continue
        try:
            for name in ("recorded", "source", "event"):
                if not isinstance(obj.get(name), str):
                    raise InvalidField(code="export_field_missing", params={"name": name}, field=name)
            if obj["source"] not in ("web", "api", "import"):
                raise InvalidField(code="unknown_source", params={"source": repr(obj["source"])}, field="source")
            recorded = parse_timestamp(obj["recorded"], "recorded")
            batch.add(parse_event(obj), source=obj["source"], recorded=recorded, expected_event=obj["event"],
                      line=line.number)
        except Refused as refusal:
            report.refused.append((line.number, str(refusal)))
    return checkpoint


def _at_most(progress: Callable[[int], None] | None, limit: int) -> Callable[[int], None] | None:
    """`progress`, reporting no more than `limit` in all."""
    if progress is None:
        return None
    left = limit

    def report(n: int) -> None:
        nonlocal left
        step = min(n, left)
        left -= step
        if step:
            progress(step)

    return report
