"""The `Ledger`: the facade over one store, and the only place that knows how its parts fit.

One `Ledger` per process (the web app keeps it in `app.extensions`). Opening a store builds the
event log port (`eventlog`), the read models (`projections`), the commands (`writing`), the
answers (`reading`), what the ledger vouches for (`attestation`) and the logins (`accounts`);
each part receives only the ports it needs (the log, a clock, a signer), never the facade. The
facade catches the read models up before every answer, so a process reads its own writes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

from . import tables
from .accounts import Accounts
from .attestation import Attestor
from .batch import Batch, Outcome
from .bulkwork import bulk_work
from .calendar import WorkingCalendar
from .domain.errors import LedgerError, NoLedger, StoreError
from .domain.records import EventRecord
from .domain.registry import RegistryState
from .eventlog import Clock, EventLog, LedgerApplication
from .recorders import ddl_version, utc_now
from .integrity.checkpoint import Checkpoint
from .integrity.instance import instance_key
from .reports.verifiable import calendar_version_of, compute_rows, shaped_rows, verify_report
from .reports.verifiable import envelope as report_envelope
from .integrity.trust import trusted_keys as anchored_keys
from .verification import Subject, Verification
from .verification import verify as verify_ledger
from .integrity.watermark import Watermark
from .projections import Projections
from .queries import Queries
from .reading import CaseAsSeen, Reader
from .rules import Violation, scoring
from .store import StoreConfig, creation_lock, ledger_exists, store_address
from .writing import BatchRefused, ImportReport, Writer

#: The `ledger_meta` key naming the event store's DDL as last made (PostgreSQL).
_DDL_KEY = "store_ddl"

__all__ = ["BatchRefused", "CaseAsSeen", "Clock", "ImportReport", "Ledger", "utc_now"]


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
        self.engine = create_engine(self.config.sqlalchemy_url(), pool_pre_ping=self.config.kind == "postgres")
        try:
            with creation_lock(self.config, self.engine):
                env = self.config.es_env()
                # A PostgreSQL store whose tables this version already made is opened without DDL,
                # which would wait for a running import's lock (`recorders.ddl_version`).
                made = self.config.kind == "postgres" and tables.meta_if_any(self.engine, _DDL_KEY) == ddl_version()
                if made:
                    env["CREATE_TABLE"] = "n"
                app = LedgerApplication(env=env)
                tables.create_all(self.engine)
                if self.config.kind == "postgres" and not made:
                    tables.set_meta(self.engine, _DDL_KEY, ddl_version())
        except Exception as error:  # the drivers raise errors of many kinds; all mean "cannot open"
            self.engine.dispose()
            raise StoreError(f"cannot open the store {self.config.display_url()}: {error}") from error
        self.app = app
        self.log = EventLog(app, self.clock)
        self.recorder = self.log.recorder
        self.key_path = Path(key_file or os.environ.get("LEDGER_KEY_FILE") or self.config.default_key_file())
        try:
            with creation_lock(self.config, self.engine):
                self._open_parts(create)
        except LedgerError:
            self.app.close()
            self.engine.dispose()
            raise
        except Exception as error:
            self.app.close()
            self.engine.dispose()
            raise StoreError(f"cannot open the read models of {self.config.display_url()}: {error}") from error

    def _open_parts(self, create: bool) -> None:
        key = instance_key(self.engine, self.key_path, create=create, empty=self.log.event_count() == 0)
        self.signer = key.signer
        #: The key file's public key (base64), whether or not this process signs with it.
        self.key_file_public = key.file_public
        self.key_warning = key.warning
        self.recorder.signer = self.signer
        self.recorder.clock = self.clock
        # What this key signed for this store, remembered beside the key file (outside the store).
        self.watermark = (Watermark(self.key_path, store_address(self.config, self.engine))
                          if self.key_file_public else None)
        self.recorder.watermark = self.watermark if self.signer is not None else None
        self.projections = Projections(self.log, self.config.sqlalchemy_url())
        self._reader = Reader(self.log, self.projections, self.clock)
        self._writer = Writer(self.log, self.projections, self.clock, self.today)
        self._attestor = Attestor(self.log, self.signer, self.clock, self.key_path)
        self.queries = Queries(
            # The pages' and the API's look-ups (every API request checks its token's official):
            # the registry every append validates against, not folded again from the log.
            lambda: self.projections.view.transaction(commit=False), self._reader.current_registry,
            lambda refs: self.projections.facts(cases=refs), self.clock, self.today,
        )
        self.accounts = Accounts(self.engine, self.queries.official_exists)

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

    def close(self) -> None:
        self.projections.close()
        self.app.close()
        self.engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- commands -----------------------------------------------------------------------------

    def batch(self) -> Batch:
        return self._writer.batch()

    def append(
        self, objs: dict[str, Any] | list[dict[str, Any]], *, source: str, actor: str | None = None
    ) -> list[Outcome]:
        """Append one event or a list of them, all or nothing (web forms and the API)."""
        return self._writer.append(objs, source=source, actor=actor)

    def preview(self, obj: dict[str, Any], *, source: str, actor: str | None = None) -> list[Violation]:
        """The violations one event would add to its case if appended now, judged as of today;
        nothing is written. Raises `Refused` as `append` would."""
        return self._writer.preview(obj, source=source, actor=actor)

    def import_lines(self, lines: Iterable[str], *, dry_run: bool = False, source: str = "import",
                     progress: Callable[[int], None] | None = None,
                     project_progress: Callable[[int], None] | None = None) -> ImportReport:
        """SPEC §8: validate every line in file order; append nothing if any is refused."""
        return self._writer.import_lines(lines, dry_run=dry_run, source=source, progress=progress,
                                         project_progress=project_progress)

    def restore_lines(self, lines: Iterable[str], *, trusted_key: str | None = None) -> ImportReport:
        """Load an export into an empty store, keeping recorded times, sources and event ids; its
        checkpoint must be signed by `trusted_key` (base64) when given, else by a trusted key."""
        trusted = {trusted_key: "named with --trusted-key"} if trusted_key is not None else self.trusted_keys()
        with bulk_work():
            return self._writer.restore_lines(
                lines, trusted=trusted, remember=lambda c: tables.set_meta(self.engine, "restored_from", c.dumps()))

    def rebuild(self, *, progress: Callable[[int], None] | None = None) -> int:
        """Drop every read model and rebuild it from the events."""
        with bulk_work():
            return self.projections.rebuild(progress=progress)

    # --- integrity ----------------------------------------------------------------------------

    def verify(self, *, full: bool = False, trusted_keys: Iterable[str] = ()) -> Verification:
        """SPEC §10: recompute the tree from the stored events and check everything against it,
        trusting only the key file's key and the keys named (never the store's own word)."""
        subject = Subject(self.log, self.projections, self.watermark, self.key_file_public)
        return verify_ledger(subject, full=full, trusted=self.trusted_keys(trusted_keys))

    def head_checkpoint(self) -> Checkpoint:
        """A signed checkpoint over the whole log as it stands (the read models caught up first)."""
        self.projections.catch_up()
        return self._attestor.head_checkpoint()

    def prove(self, case: str) -> dict[str, Any]:
        """An inclusion proof of each of the case's events under a checkpoint signed now."""
        self.projections.catch_up()
        return self._attestor.prove(case)

    def export_lines(self) -> Iterator[str]:
        """The whole ledger as JSON Lines, closed by a checkpoint signed now over those events."""
        self.projections.catch_up()
        return self._attestor.export_lines()

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
        return verify_report(self.log, text, self.trusted_keys(trusted_keys))

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
        return self._reader.today()

    def violations(
        self, *, as_of: date | None = None, known_at: datetime | None = None, include_dismissed: bool = False
    ) -> list[Violation]:
        """SPEC §6: the violations as of a date, known at a time (today and now by default)."""
        self.projections.catch_up()
        return self._reader.violations(as_of=as_of, known_at=known_at, include_dismissed=include_dismissed)

    def delays(self, *, as_of: date | None = None, by_official: bool = False) -> list[dict[str, Any]]:
        """SPEC §7 delay ledger: working days of delay per agency (or agency and official)."""
        return scoring.delays(self.violations(as_of=as_of), by_official=by_official)

    def scorecard(
        self, start: date, end: date, *, by_official: bool = False, known_at: datetime | None = None,
        violations: list[Violation] | None = None,
    ) -> list[dict[str, Any]]:
        """SPEC §7 scorecard over [start, end], judged as of `end` (Decision 766 on-time rate).
        `violations`: `violations(as_of=end, known_at=known_at)`, when the caller already has them."""
        self.projections.catch_up()
        return self._reader.scorecard(start, end, by_official=by_official, known_at=known_at, violations=violations)

    def event_count(self) -> int:
        """How many events the log holds (the sealed tree's size)."""
        return self.log.event_count()

    def records(self, *, start: int = 1, batch_size: int = 1000) -> Iterator[EventRecord]:
        """Every stored event in log order."""
        return self.log.records(start=start, batch_size=batch_size)

    def registry_as_of(self, as_of: date | None = None, known_at: datetime | None = None) -> RegistryState:
        """The registry folded from its events visible at as-of / known-at."""
        return self._reader.registry_as_of(as_of, known_at)

    def case_as_seen(self, case: str, as_of: date, known_at: datetime | None = None) -> CaseAsSeen:
        """One case's sealed events visible as of A and known at T, with the registry and calendar
        as of then: what the history, the replay and the control slip are built from."""
        return self._reader.case_as_seen(case, as_of, known_at)

    def history(self, case: str, *, as_of: date | None = None, known_at: datetime | None = None) -> dict[str, Any]:
        """A case's events with both times and the state after each, as plain data."""
        return self._reader.history(case, as_of=as_of, known_at=known_at)
