"""The `Ledger`: commands that append events and queries that return plain data.

One `Ledger` per process (the web app keeps it in `app.extensions`). Commands validate through a
`Batch` and save once; queries read stored events into `EventRecord`s and fold them with pure
functions. As-of (business time) and known-at (ledger time) filter the records before folding,
registry included, so a question about the past sees the registry as it was then.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import Environment, EnvType
from sqlalchemy import create_engine, text

from . import tables
from .batch import Batch, Outcome
from .calendar import LOCAL_TZ, WorkingCalendar
from .domain.case import case_id
from .domain.casefile import fold_case, history_steps
from .decoding import check_nothing_after, check_sealed, decode_event, decode_record, select_notifications
from .domain.errors import (
    ConcurrentAppend,
    CorruptEvent,
    InvalidField,
    LedgerError,
    NoLedger,
    Refused,
    StoreError,
    UnknownReference,
)
from .domain.events import LedgerAggregate
from .domain.records import EventRecord, filter_records
from .domain.registry import REGISTRY_ID, RegistryState
from .domain.schema import parse_event
from .domain.values import parse_timestamp
from .integrity.keys import SigningKey, b64
from .interchange import dumps, read_lines, to_line
from .integrity.checkpoint import Checkpoint, check_export_checkpoint, signed
from .integrity.merkle import EMPTY_ROOT, root_of
from .integrity.merkle import raw_leaf as leaf_of
from .integrity.proofs import build_proof, raw_event_dict
from .integrity.seal import stored_leaf
from .integrity.trust import trusted_keys as anchored_keys
from .integrity.watermark import Watermark
from .integrity.reports import calendar_version_of, compute_rows, shaped_rows, verify_report
from .integrity.reports import envelope as report_envelope
from .integrity.verify import Verification
from .integrity.verify import verify as verify_ledger
from .accounts import Accounts
from .projections import Projections
from .queries import Queries
from .rules import RULEBOOK, Violation, judge, scoring, visible
from .rules.engine import judge_agencies, judgement_for, sort_violations
from .recorders import LedgerRecorder
from .store import StoreConfig, ledger_exists

Clock = Callable[[], datetime]

#: The ledger_meta entry naming the instance's public signing key (base64).
INSTANCE_KEY = "instance_public_key"

#: The `type` of an export's closing line: the signed checkpoint over the lines before it.
CHECKPOINT_LINE = "LedgerCheckpoint"

#: A conflicting append is retried this many times, with jittered exponential backoff from
#: RETRY_DELAY seconds up to RETRY_DELAY_MAX: 8 concurrent writers on one registry all succeed.
RETRIES = 12
RETRY_DELAY = 0.02
RETRY_DELAY_MAX = 1.0

# An arbitrary, fixed advisory-lock key ("ledger" in ASCII) taken while a store's tables are made.
_CREATION_LOCK = 0x6C6564676572


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class LedgerApplication(Application[UUID]):
    """The eventsourcing application holding every event (table `stored_events` / `ledger_events`)."""

    name = "Ledger"
    log_section_size = 1000

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Configuration comes from the store URL only, never from stray environment variables.
        return Environment(name, dict(env or {}))


@dataclass
class ImportReport:
    """The outcome of an all-or-nothing import: refused lines, or what was appended."""

    refused: list[tuple[int, str]] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    lines: int = 0
    dry_run: bool = False

    @property
    def appended(self) -> int:
        return sum(1 for o in self.outcomes if not o.duplicate)

    @property
    def skipped(self) -> int:
        return sum(1 for o in self.outcomes if o.duplicate)


class BatchRefused(Refused):
    """Some events of an all-or-nothing batch were refused; `errors` lists (index, message, field)."""

    def __init__(self, errors: list[tuple[int, str, str | None]], refusals: list[tuple[int, Refused]] | None = None) -> None:
        super().__init__("; ".join(f"#{i}: {message}" for i, message, _ in errors))
        self.errors = errors
        #: The refusals themselves, with their codes and parameters (for a reply in the user's language).
        self.refusals = refusals or []


@dataclass(frozen=True)
class CaseAsSeen:
    """One case's events visible as of a date and known at a time (log order), the registry and
    calendar as of then, and how many of its events those bounds hide."""

    records: list[EventRecord]
    registry: RegistryState
    calendar: WorkingCalendar
    hidden: int


class Ledger:
    """The public facade over one store."""

    def __init__(
        self,
        url: str | None = None,
        *,
        clock: Clock | None = None,
        key_file: str | Path | None = None,
        create: bool = True,
    ) -> None:
        """Open the store at `url`; with `create` False a missing store is refused (`NoLedger`)
        rather than made, so a mistyped address is never an empty, intact ledger."""
        self.config = StoreConfig.from_url(url)
        self.clock: Clock = clock or utc_now
        if not create and not ledger_exists(self.config):
            raise NoLedger(f"no ledger at {self.config.display_url()} (create one with `ledger init`)")
        if self.config.kind == "sqlite":
            Path(self.config.sqlite_path or "ledger.db").absolute().parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(self.config.sqlalchemy_url())
        try:
            with self._creation_lock():
                self.app = LedgerApplication(env=self.config.es_env())
                tables.create_all(self.engine)
        except Exception as error:  # the drivers raise errors of many kinds; all mean "cannot open"
            self.engine.dispose()
            raise StoreError(f"cannot open the store {self.config.display_url()}: {error}") from error
        self.recorder = cast(LedgerRecorder, self.app.recorder)
        self.key_path = Path(key_file or os.environ.get("LEDGER_KEY_FILE") or self.config.default_key_file())
        self.key_warning: str | None = None
        #: The key file's public key (base64), whether or not this process signs with it.
        self.key_file_public: str | None = None
        try:
            with self._creation_lock():
                self.signer = self._signing_key(create)
                self.recorder.signer = self.signer
                self.recorder.clock = self.clock
                # What this key signed for this store, remembered beside the key file (outside the store).
                self.watermark = Watermark(self.key_path, self._address()) if self.key_file_public else None
                self.recorder.watermark = self.watermark if self.signer is not None else None
                self.projections = Projections(self)
                self.queries = Queries(
                    lambda: self.projections.view.transaction(commit=False), self.registry_as_of,
                    lambda refs: self.projections.facts(cases=refs), self.clock, self.today,
                )
                self.accounts = Accounts(self.engine, self.queries.official_exists)
        except LedgerError:
            self.app.close()
            self.engine.dispose()
            raise
        except Exception as error:
            self.app.close()
            self.engine.dispose()
            raise StoreError(f"cannot open the read models of {self.config.display_url()}: {error}") from error

    def _address(self) -> str:
        """The store's identity for its high-water mark: the resolved file for SQLite; for
        PostgreSQL the server's own word (its cluster id, or address and port), the database and
        schema, so `localhost` and `127.0.0.1` are one store."""
        if self.config.kind == "sqlite":
            return self.config.address()
        schema = self.config.schema or "public"
        with self.engine.connect() as connection:
            try:
                server = str(connection.execute(text("SELECT system_identifier FROM pg_control_system()")).scalar())
            except Exception:  # noqa: BLE001 - a role without the right to read it
                connection.rollback()
                row = connection.execute(text("SELECT inet_server_addr(), inet_server_port()")).one()
                server = f"{row[0]}:{row[1]}"
            database = connection.execute(text("SELECT current_database()")).scalar()
        return f"postgresql://{server}/{database}?schema={schema}"

    def _signing_key(self, create: bool) -> SigningKey | None:
        """The instance key: made with a new store and recorded in it, so that every process signs
        with the same key; a process without it, or with another, works but does not sign."""
        recorded = tables.get_meta(self.engine, INSTANCE_KEY)
        if self.key_path.exists():
            key = SigningKey.load(self.key_path)
            self.key_file_public = b64(key.public_bytes)
        elif create and recorded is None and self.event_count() == 0:
            key = SigningKey.create(self.key_path)
            self.key_file_public = b64(key.public_bytes)
        else:
            return None
        mine = b64(key.public_bytes)
        if recorded is None:
            recorded = tables.claim_meta(self.engine, INSTANCE_KEY, mine)
        if recorded != mine:
            self.key_warning = (
                f"the key at {self.key_path} (id {key.id}) is not this ledger's signing key; this process will not sign"
            )
            return None
        return key

    def trusted_keys(self, extra: Iterable[str] = ()) -> dict[str, str]:
        """Public keys whose checkpoints count, and why each is trusted: the key file's and those the
        operator names (`extra`, LEDGER_TRUSTED_KEYS); never what the store says of itself."""
        return anchored_keys(self.key_file_public, extra)

    def signing_keys(self) -> dict[str, int]:
        """The keys that signed this store's checkpoints (base64), with how many each signed."""
        counts: dict[str, int] = {}
        for checkpoint in self.recorder.stored_checkpoints():
            counts[checkpoint.public_key] = counts.get(checkpoint.public_key, 0) + 1
        return counts

    @contextmanager
    def _creation_lock(self) -> Iterator[None]:
        """Serialise table creation between processes starting at once: PostgreSQL's
        CREATE OR REPLACE FUNCTION (the library's) is not safe to run concurrently."""
        if self.config.kind != "postgres":
            yield
            return
        with self.engine.connect() as connection:
            if self.config.schema:
                connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.config.schema}"'))
                connection.commit()
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _CREATION_LOCK})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _CREATION_LOCK})

    def close(self) -> None:
        self.projections.close()
        self.app.close()
        self.engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- loading aggregates -------------------------------------------------------------------

    def load(self, aggregate_id: UUID, cls: type[LedgerAggregate]) -> LedgerAggregate:
        """The aggregate as it stands, or an empty one if it has no events yet."""
        try:
            return cast(LedgerAggregate, self.app.repository.get(aggregate_id))
        except AggregateNotFoundError:
            return cls.shell(aggregate_id, self.clock())
        except Exception:  # a stored event of this aggregate is damaged: name it
            self.stream_records(aggregate_id)
            raise

    def locate(self, originator_id: UUID, version: int) -> tuple[int, datetime] | None:
        """(position, recorded time) of one stored event."""
        positions = self.recorder.positions_of(originator_id)
        if version not in positions:
            return None
        raw = next(r for r in self.recorder.select_events_raw(originator_id) if r.version == version)
        stored = StoredEvent(UUID(raw.originator_id), raw.version, raw.topic, raw.state)
        return positions[version], decode_event(self.app.mapper, stored, raw.position).timestamp

    # --- commands -----------------------------------------------------------------------------

    def batch(self) -> Batch:
        return Batch(self, clock=self.clock)

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
            return batch.commit()

        outcomes = self._retrying(attempt)
        self.projections.catch_up()
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
        self.projections.catch_up()
        stored = list(self.projections.facts(cases=[envelope.case]))
        others = list(self.projections.facts(non_case_only=True))
        last = max((r.position for r in [*stored, *others]), default=0)
        staged = [EventRecord.from_event(event, last + i) for i, event in enumerate(batch.staged, start=1)]
        new_ids = {record.event for record in staged}
        found = judge([*others, *stored, *staged], self.today())
        return [v for v in found if v.case == envelope.case and new_ids & set(v.evidence)]

    def _retrying(self, attempt: Callable[[], Any]) -> Any:
        """Run `attempt` (validate against the ledger as it stands, then save) until no other
        writer got in first; each try re-reads everything, so a retry is always safe."""
        delay = RETRY_DELAY
        for tries in range(1, RETRIES + 1):
            try:
                return attempt()
            except ConcurrentAppend as conflict:
                if tries == RETRIES:
                    raise ConcurrentAppend(
                        f"{conflict} (gave up after {RETRIES} tries; nothing was appended, and retrying is safe)"
                    ) from None
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, RETRY_DELAY_MAX)
        raise AssertionError("unreachable")

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

        `progress(n)` is called as lines are validated, `project_progress(n)` as the read models
        take in the appended events (n at a time), for progress bars."""
        parsed = list(read_lines(lines))

        def attempt() -> ImportReport:
            report = ImportReport(lines=len(parsed), dry_run=dry_run)
            batch = self.batch()
            envelopes = []
            for line in parsed:
                if line.error is not None:
                    report.refused.append((line.number, line.error))
                    continue
                if line.obj.get("type") == CHECKPOINT_LINE:
                    continue  # an export's closing checkpoint is not an event
                try:
                    envelopes.append((line.number, parse_event(line.obj)))
                except Refused as refusal:
                    report.refused.append((line.number, str(refusal)))
            batch.prefetch_keys([e.key for _, e in envelopes if e.key is not None])
            for count, (number, envelope) in enumerate(envelopes, start=1):
                try:
                    batch.add(envelope, source=source, line=number)
                except Refused as refusal:
                    report.refused.append((number, str(refusal)))
                if progress is not None and count % 1000 == 0:
                    progress(1000)
            report.refused.sort()
            if report.refused or dry_run:
                report.outcomes = batch.outcomes
                return report
            report.outcomes = batch.commit()
            return report

        report: ImportReport = self._retrying(attempt)
        if report.outcomes and not (report.refused or dry_run):
            self.projections.catch_up(progress=project_progress)
        return report

    def restore_lines(self, lines: Iterable[str], *, trusted_key: str | None = None) -> ImportReport:
        """Load an export into an empty store, keeping recorded times, sources and event ids.

        The export's closing signed checkpoint must verify, and the events must rebuild its root
        exactly, before anything is saved. The signature must be a trusted key's: `trusted_key`
        (base64) when given, else the key file's or one listed in LEDGER_TRUSTED_KEYS."""
        if self.event_count():
            raise StoreError("restore needs an empty store; this one already holds events")
        report = ImportReport()
        batch = self.batch()
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
        if not report.refused:
            leaves = [
                stored_leaf(s.topic, s.originator_id, s.originator_version, s.state)
                for s in (self.app.mapper.to_stored_event(e) for e in batch.staged)
            ]
            trusted = ({trusted_key: "named with --trusted-key"} if trusted_key is not None
                       else self.trusted_keys())
            problem = check_export_checkpoint(leaves, checkpoint, trusted)
            if problem:
                report.refused.append((report.lines, problem))
        if not report.refused:
            report.outcomes = batch.commit()
            assert checkpoint is not None
            # This instance vouches for what it verified, with its own key; the export's checkpoint
            # is kept as provenance.
            tables.set_meta(self.engine, "restored_from", checkpoint.dumps())
            self.projections.catch_up()
        return report

    # --- integrity ----------------------------------------------------------------------------

    def verify(self, *, full: bool = False, trusted_keys: Iterable[str] = ()) -> Verification:
        """SPEC §10: recompute the tree from the stored events and check everything against it,
        trusting only the key file's key and the keys named (never the store's own word)."""
        return verify_ledger(self, full=full, trusted=self.trusted_keys(trusted_keys))

    def head_checkpoint(self) -> Checkpoint:
        """A signed checkpoint over the whole log as it stands (the read models caught up first).

        With the key, every append was signed when it was made; events a keyless writer appended
        are signed now if the stored tree still agrees with the last checkpoint. Without the key,
        only an existing checkpoint at the head will do: we never sign or vouch for less."""
        self.projections.catch_up()
        head = self.recorder.tree_head()
        if head.size == 0 and self.recorder.max_notification_id():
            raise CorruptEvent(None, "the store holds events but its tree head (ledger_tree) is gone")
        if head.size == 0 and self.signer is not None:
            return signed(0, EMPTY_ROOT, self.clock().astimezone().isoformat(), self.signer)
        latest = self.recorder.latest_checkpoint()
        if latest is not None and latest.size == head.size and latest.signature_ok():
            return latest
        if self.signer is None:
            raise StoreError(f"the last events are not under a signed checkpoint and this process has no key at"
                             f" {self.key_path} to sign one; run this where the instance key is")
        raise StoreError("the stored tree no longer agrees with the last signed checkpoint: this process will not"
                         " sign over it; run `ledger verify`")

    def prove(self, case: str) -> dict[str, Any]:
        """An inclusion proof of each of the case's events under a checkpoint signed now."""
        records = {r.position: r for r in self.stream_records(case_id(case))}
        if not records:
            raise UnknownReference(code="unknown_case", params={"case": repr(case)}, field="case")
        checkpoint = self.head_checkpoint()
        raws = list(self.recorder.raw_events())
        leaves = [(raw.position, leaf_of(raw)) for raw in raws]
        self._check_covers(checkpoint, leaves)
        events = [{**raw_event_dict(raw, records[raw.position]), "position": raw.position}
                  for raw in raws if raw.position in records]
        return build_proof(case, checkpoint, leaves, events)

    def report(self, kind: str, parameters: dict[str, Any], fmt: str = "json") -> dict[str, Any]:
        """A verifiable report: computed from exactly the events under a checkpoint signed now. A
        filter named twice (`--rule R --rule R`) is written once, as verification expects."""
        parameters = {k: list(dict.fromkeys(v)) if k in ("rules", "agencies") and isinstance(v, list) else v
                      for k, v in parameters.items()}
        checkpoint = self.head_checkpoint()
        records = list(self.projections.facts(limit=checkpoint.size))
        rows = shaped_rows(kind, compute_rows(kind, records, parameters), fmt)
        return report_envelope(kind, parameters, checkpoint, calendar_version_of(records), rows)

    def verify_report(self, text: str, trusted_keys: Iterable[str] = ()) -> tuple[bool, list[str]]:
        """Check a report's checkpoint (signed by a trusted key) against this ledger, and recompute
        every row."""
        return verify_report(self, text, trusted_keys)

    def _check_nothing_deleted(self) -> None:
        """As many events in the log as were sealed (a case's last event deleted leaves no gap in its
        stream); the head is read twice so that a concurrent append is not taken for damage."""
        for _ in range(3):
            before = self.recorder.tree_head().size
            count = self.recorder.count_events()
            if self.recorder.tree_head().size == before:
                if count != before:
                    raise CorruptEvent(None, f"the log holds {count} events but {before} were sealed: events were"
                                             " deleted or inserted outside the ledger (`ledger verify` names where)")
                return

    def _check_covers(self, checkpoint: Checkpoint, leaves: list[tuple[int, bytes]]) -> None:
        """The checkpoint must be the root of the log's first `size` events and their sealed leaves:
        nothing goes out under a checkpoint that does not cover it."""
        sealed = self.recorder.stored_leaves()
        for (position, leaf), (sealed_position, _, sealed_leaf) in zip(leaves, sealed, strict=False):
            if position != sealed_position or leaf.hex() != sealed_leaf:
                raise CorruptEvent(min(position, sealed_position), "the log differs here from what was sealed")
        if len(sealed) != len(leaves) or len(leaves) < checkpoint.size:
            raise CorruptEvent(None, f"the log holds {len(leaves)} events, {len(sealed)} were sealed and the"
                                     f" checkpoint covers {checkpoint.size}")
        if root_of(leaf for _, leaf in leaves[: checkpoint.size]).hex() != checkpoint.root:
            raise CorruptEvent(None, f"the events do not match the checkpoint at size {checkpoint.size}")

    def export_lines(self) -> Iterator[str]:
        """The whole ledger as JSON Lines, closed by a checkpoint signed now over exactly those events
        (checked against the events themselves before a line is written)."""
        checkpoint = self.head_checkpoint()
        self._check_covers(checkpoint, [(raw.position, leaf_of(raw)) for raw in self.recorder.raw_events()])
        for count, record in enumerate(self.records(), start=1):
            if count > checkpoint.size:
                break
            yield dumps(to_line(record))
        yield dumps({"type": CHECKPOINT_LINE, **checkpoint.as_dict()})

    # --- queries ------------------------------------------------------------------------------

    def calendar_version(self) -> str:
        return self.calendar().version

    def calendar(self) -> WorkingCalendar:
        """The working calendar with every declared override."""
        return WorkingCalendar(self.registry_as_of().calendar_overrides())

    def has_cases(self) -> bool:
        self.projections.catch_up()
        return self.projections.case_count() > 0

    def today(self) -> date:
        return self.clock().astimezone(LOCAL_TZ).date()

    def violations(
        self, *, as_of: date | None = None, known_at: datetime | None = None, include_dismissed: bool = False
    ) -> list[Violation]:
        """SPEC §6. As of today and known now, from the maintained table (open items' lateness
        computed from their stored due dates); any other question, by judging the stored facts
        visible then."""
        self.projections.catch_up()
        today = self.today()
        if known_at is None and (as_of is None or as_of == today):
            found = self._current_violations(today)
        else:
            as_of = as_of or today
            found = judge(self.projections.facts(as_of=as_of, known_at=known_at), as_of)
        return list(visible(found, include_dismissed=include_dismissed))

    def delays(self, *, as_of: date | None = None, by_official: bool = False) -> list[dict[str, Any]]:
        """SPEC §7 delay ledger: working days of delay per agency (or agency and official)."""
        return scoring.delays(self.violations(as_of=as_of), by_official=by_official)

    def scorecard(
        self, start: date, end: date, *, by_official: bool = False, known_at: datetime | None = None
    ) -> list[dict[str, Any]]:
        """SPEC §7 scorecard over [start, end], judged as of `end` (Decision 766 on-time rate)."""
        if end < start:
            raise InvalidField(code="period_reversed", params={}, field="to")
        self.projections.catch_up()
        records = list(self.projections.facts(as_of=end, known_at=known_at))
        return scoring.scorecard_from_records(records, start, end, by_official=by_official)

    def rebuild(self, *, progress: Callable[[int], None] | None = None) -> int:
        """Drop every read model and rebuild it from the events."""
        return self.projections.rebuild(progress=progress)

    def _current_violations(self, today: date) -> list[Violation]:
        others = list(self.projections.facts(non_case_only=True))
        judgement = judgement_for(others, today)
        found = judge_agencies(others, judgement)
        # A case with an open pause is judged with its due date moving day by day (the pause counts
        # up to today), and who answers for it can change with that date: judge those cases now,
        # from their facts, rather than read rows stored on another day.
        paused = set(self.projections.paused_cases())
        if paused:
            records = sorted([*others, *self.projections.facts(cases=sorted(paused))], key=lambda r: r.position)
            found.extend(v for v in judge(records, today) if v.case in paused)
        for violation in self.projections.open_and_closed_violations():
            if violation.case in paused:
                continue
            if violation.status == "open":
                assert violation.late_after is not None
                days = judgement.calendar.wd(violation.late_after, today)
                if days < 1:
                    continue
                violation = replace(violation, days_late=days if RULEBOOK[violation.rule].measures_lateness else None)
            found.append(violation)
        return sort_violations(found)

    def event_count(self) -> int:
        """How many events the log holds: the sealed tree's size, written in the same transaction as
        the events (the last position is no count: PostgreSQL's sequence leaves gaps on rollback)."""
        size = self.recorder.tree_head().size
        if size == 0 and self.recorder.max_notification_id():
            return sum(1 for _ in self.recorder.raw_events())  # a store made before sealing
        return size

    def records(self, *, start: int = 1, batch_size: int = 1000) -> Iterator[EventRecord]:
        """Every stored event in log order."""
        position = start - 1
        while True:
            notifications = select_notifications(self.recorder, position, batch_size)
            if not notifications:
                check_nothing_after(self.recorder, position)
                return
            check_sealed(self.recorder, notifications, after=position)
            for notification in notifications:
                yield decode_record(self.app.mapper, notification)
            position = notifications[-1].id

    def stream_records(self, aggregate_id: UUID) -> list[EventRecord]:
        """One aggregate's events, in log order."""
        raws = self.recorder.select_events_raw(aggregate_id)
        if not raws:
            return []
        sealed = {p: leaf for p, _, leaf in self.recorder.stored_leaves(after=min(r.position for r in raws) - 1,
                                                                           upto=max(r.position for r in raws))}
        records = []
        for expected, raw in enumerate(raws, start=1):
            if raw.version != expected:
                raise CorruptEvent(raw.position, f"event {expected} of this stream is missing (deleted outside the ledger?)")
            if sealed.get(raw.position) != leaf_of(raw).hex():
                raise CorruptEvent(raw.position, "the stored event's bytes differ from those sealed when it was appended")
            stored = StoredEvent(UUID(raw.originator_id), raw.version, raw.topic, raw.state)
            records.append(EventRecord.from_event(decode_event(self.app.mapper, stored, raw.position), raw.position))
        return records

    def registry_as_of(self, as_of: date | None = None, known_at: datetime | None = None) -> RegistryState:
        """The registry folded from its events visible at as-of / known-at."""
        state = RegistryState()
        for record in filter_records(self.stream_records(REGISTRY_ID), as_of, known_at):
            state.apply(record.type, record.at, record.fields)
        return state

    def case_as_seen(self, case: str, as_of: date, known_at: datetime | None = None) -> CaseAsSeen:
        """One case's sealed events visible as of A and known at T, with the registry and calendar
        as of then: what the history, the replay and the control slip are built from. Refuses an
        unknown case, and a log with events deleted."""
        all_records = self.stream_records(case_id(case))
        if not all_records:
            raise UnknownReference(code="unknown_case", params={"case": repr(case)}, field="case")
        self._check_nothing_deleted()
        records = filter_records(all_records, as_of, known_at)
        registry = self.registry_as_of(as_of, known_at)
        return CaseAsSeen(records, registry, WorkingCalendar(registry.calendar_overrides()),
                          hidden=len(all_records) - len(records))

    def history(
        self, case: str, *, as_of: date | None = None, known_at: datetime | None = None
    ) -> dict[str, Any]:
        """A case's events with both times and the state after each, as plain data."""
        as_of = as_of or self.clock().astimezone(LOCAL_TZ).date()
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
                {**_record_dict(step["record"]), "out_of_order": step["out_of_order"], "state": step["state"]}
                for step in steps
            ],
            "hidden": seen.hidden,
            "state": final,
        }


def _record_dict(record: EventRecord) -> dict[str, Any]:
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
