"""`ledger import`, streamed: every line validated in file order, all of them appended in ONE
transaction or none, with memory bounded by a chunk rather than by the file.

The lines are read, parsed and validated CHUNK events at a time through one `Batch`, which keeps
between chunks only what validates the events after them: the aggregates' validation state and
the ids seen (with their content digests, to tell a repeat from a conflict). As soon as a chunk
is validated, and no line so far was refused, it is written into one open transaction
(`EventLog.appending`: events, ids, leaves) and dropped from memory. Once a line is refused
nothing more is written, but every line is still validated so that every refused line is
reported; at the end the transaction commits (nothing refused, not a dry run) or rolls back, so
the import stays all or nothing. A dry run never writes, and never takes the write lock.

Concurrency: the first write takes the store's write lock and holds it until the end (see
`ledger.recorders.streaming`), so another writer can only conflict with the first chunk, whose
reads came before the lock. The lines read before the first write are kept (`Replayable`): one
chunk, unless the file starts with ids already in the ledger (all kept until something new is
written: a chunk in memory, the rest in a temporary file), so a conflict at the first write runs
the whole attempt again from a fresh read, as every other write does (`writing.retrying`); the
input, which may be standard input, is never read twice. (Holding the lock from the first write
was chosen over spooling the whole input to a temporary file: no second copy of a large new file
on disk, and no retry that re-validates it all.)
Other writers wait for the import (up to the stores' 30 s lock timeout, then a retryable error).

The positions, recorded times, event ids, leaves and the one signed checkpoint are those of a
single append of the same events: the order of the log is the file's.

The read models take each written chunk in within the same transaction, from the records the
import just built (`ledger.projections.intake`): the facts as the chunk is written, the touched
cases' rows and the tracked position just before the commit. So they commit or roll back with the
events, and nothing is decoded again from the log. Where the read models were behind the log when
the import began, the catch-up after the commit takes the events in instead, as it takes any
other writer's.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import IO, Any, Protocol

from .batch import Batch, Outcome, StreamChecks
from .bulkwork import collect_young
from .domain.errors import Refused
from .domain.records import EventRecord
from .domain.schema import parse_event
from .eventlog import Clock, EventLog
from .interchange import read_lines
from .interchange.lines import Line

#: The `type` of an export's closing line: the signed checkpoint over the lines before it.
CHECKPOINT_LINE = "LedgerCheckpoint"

#: Lines validated (and then written) at a time: the import's memory is about this many events'.
CHUNK = 5000
#: When the catch-up takes an import in (no intake): up to this many saved events are handed to it
#: as records (no decoding); the rest is read back from the log, in its own bounded windows.
FEED_LIMIT = 20_000


@dataclass
class ImportReport:
    """The outcome of an all-or-nothing import: refused lines, or what was appended."""

    refused: list[tuple[int, str]] = field(default_factory=list)
    #: One outcome per event (a restore); a streamed import only counts them (`appended`, `skipped`).
    outcomes: list[Outcome] = field(default_factory=list)
    lines: int = 0
    dry_run: bool = False
    new: int = 0
    duplicates: int = 0

    @property
    def appended(self) -> int:
        """Events appended (a dry run: that would be); none when a line was refused (all or nothing)."""
        if self.refused:
            return 0
        return self.new + sum(1 for o in self.outcomes if not o.duplicate)

    @property
    def skipped(self) -> int:
        return self.duplicates + sum(1 for o in self.outcomes if o.duplicate)


class Replayable:
    """An input read once, whose lines are kept until `release` (the first chunk is written, or
    nothing will be): until then `lines()` can start again from the first line. The first CHUNK
    kept lines are held in memory, the rest in a temporary file (a file whose first part is
    already in the ledger — yesterday's file grown by today's lines — is kept until its new tail),
    so memory stays bounded by a chunk."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._source = iter(lines)
        self._kept: list[str] = []
        self._spill: IO[bytes] | None = None
        self._spilled = 0
        self._released = False
        self._read = False

    @property
    def replayable(self) -> bool:
        return not self._released

    def release(self) -> None:
        self._released = True

    def close(self) -> None:
        """Drop the kept lines (the import is over, whatever its outcome)."""
        if self._spill is not None:
            self._spill.close()  # a temporary file: deleted as it is closed
        self._kept, self._spill, self._spilled = [], None, 0

    def lines(self) -> Iterator[str]:
        if self._released and self._read:
            raise RuntimeError("the input was read past its first chunk and cannot be read again")
        return self._replay()

    def _replay(self) -> Iterator[str]:
        self._read = True
        index, offset = 0, 0
        while True:
            if index < len(self._kept):
                line = self._kept[index]
            elif index < len(self._kept) + self._spilled:
                line, offset = self._unspill(offset)
            elif self._released:
                self.close()
                yield from self._source
                return
            else:
                next_line = next(self._source, None)
                if next_line is None:
                    return
                line = next_line
                self._keep(line)
            index += 1
            yield line

    def _keep(self, line: str) -> None:
        if len(self._kept) < CHUNK:
            self._kept.append(line)
            return
        if self._spill is None:
            self._spill = tempfile.TemporaryFile()  # noqa: SIM115 - closed when released or dropped
        data = line.encode("utf-8", "surrogatepass")
        self._spill.seek(0, io.SEEK_END)
        self._spill.write(len(data).to_bytes(8, "big") + data)
        self._spilled += 1

    def _unspill(self, offset: int) -> tuple[str, int]:
        """The kept line at `offset` of the temporary file, and the offset of the next."""
        assert self._spill is not None
        self._spill.seek(offset)
        size = int.from_bytes(self._spill.read(8), "big")
        return self._spill.read(size).decode("utf-8", "surrogatepass"), offset + 8 + size


class ReadModelIntake(Protocol):
    """The read models taking the import's events in inside its transaction
    (`ledger.projections.intake.Intake`)."""

    #: It would not take the events in (the read models were behind the log): the catch-up will.
    declined: bool

    def take(self, lent: tuple[Any, str, int] | None, records: Mapping[int, EventRecord]) -> bool:
        """Take in one written chunk through the lent connection; False: declined, for good."""

    def finish(self) -> None:
        """Complete the read models, just before the commit."""

    def close(self, *, committed: bool = False) -> None: ...


def import_stream(log: EventLog, clock: Clock, lines: Replayable, *, dry_run: bool, source: str,
                  progress: Callable[[int], None] | None, check_stream: StreamChecks | None = None,
                  intake: ReadModelIntake | None = None) -> tuple[ImportReport, dict[int, EventRecord]]:
    """One attempt: validate every line, write chunk by chunk, commit or roll back. Returns the
    report and, unless `intake` took them in within the transaction, the first FEED_LIMIT saved
    events as records (for the catch-up)."""
    report = ImportReport(dry_run=dry_run)
    saved: dict[int, EventRecord] = {}
    steps = _Progress(progress)
    parsed = read_lines(lines.lines())
    if dry_run:
        lines.release()  # nothing is written, so nothing can conflict: nothing to replay
    committed = False
    try:
        with log.appending() as into:
            batch = Batch(log, clock=clock, into=into, check_stream=check_stream)
            while chunk := list(islice(parsed, CHUNK)):
                _validate(batch, chunk, report, source, steps)
                outcomes, batch.outcomes = batch.outcomes, []
                report.new += sum(1 for o in outcomes if not o.duplicate)
                report.duplicates += sum(1 for o in outcomes if o.duplicate)
                if report.refused or dry_run:
                    lines.release()
                    batch.discard()
                else:
                    batch.keep_saved = (intake is not None and not intake.declined) or len(saved) < FEED_LIMIT
                    batch.commit()  # into the open transaction; a conflict here is the first write's
                    if batch.saved:  # the write lock is held from now on: no conflict can follow
                        lines.release()
                    taken = intake is not None and not intake.declined and intake.take(into.lend(), batch.saved)
                    if not taken and len(saved) < FEED_LIMIT:
                        saved.update(batch.saved)
                    batch.saved = {}
                del chunk, outcomes
                collect_young()
            report.refused.sort()
            if not (report.refused or dry_run):
                if intake is not None:
                    intake.finish()
                into.commit()
                committed = True
    finally:
        if intake is not None:
            intake.close(committed=committed)
    return report, saved if committed else {}


def _validate(batch: Batch, chunk: list[Line], report: ImportReport, source: str, progress: _Progress) -> None:
    """Parse and stage one chunk's lines, noting every refused line in `report`."""
    report.lines += len(chunk)
    envelopes = []
    for line in chunk:
        if line.error is not None:
            report.refused.append((line.number, line.error))
            continue
        if line.obj.get("type") == CHECKPOINT_LINE:
            continue  # an export's closing checkpoint is not an event
        try:
            envelopes.append((line.number, parse_event(line.obj)))
        except Refused as refusal:
            report.refused.append((line.number, str(refusal)))
    batch.prefetch([e for _, e in envelopes])
    for number, envelope in envelopes:
        try:
            batch.add(envelope, source=source, line=number)
        except Refused as refusal:
            report.refused.append((number, str(refusal)))
        progress.step()


class _Progress:
    """`progress(1000)` after every thousand events validated (across chunks)."""

    def __init__(self, callback: Callable[[int], None] | None) -> None:
        self._callback = callback
        self._count = 0

    def step(self) -> None:
        self._count += 1
        if self._callback is not None and self._count % 1000 == 0:
            self._callback(1000)
