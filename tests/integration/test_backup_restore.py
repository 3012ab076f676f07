"""Backups and restores give back the same ledger (docs/operations.md).

- `ledger export` then `ledger restore` into an empty store, on SQLite and on PostgreSQL: the same
  events (ids and recorded times), violations, delays, scorecards and known-at answers, and
  `ledger verify --full` passes on the restored store (which signs with its own key). Logins and
  tokens are not in an export: they are made again.
- SQLite online backup (Python's `sqlite3` backup API, and the `sqlite3` shell's `.backup`) of a
  store that is open and has just been written: the copy opens, gives the same answers, and
  `ledger verify --full` passes where a backup is checked (with the public key named, without the
  signing key); put back in place of the store it copies, it verifies on the signing host itself.
  Copying the main file alone while the store is open loses what is still in the write-ahead log.
- PostgreSQL `pg_dump -Fc -n SCHEMA`: restored with `pg_restore` into a fresh database (created and
  dropped here), it opens, `ledger verify --full` passes and it reports the same violations; restored
  in place of the schema it copies, it verifies on the signing host.

The store is a synthetic year (`ledger.demo.generate`), then two days later a case resolved and a
finding recorded, so that "known at" the day between gives other answers than "known now".
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ledger import LOCAL_TZ, Ledger
from ledger.cli import main
from ledger.demo import generate
from tests.conftest import POSTGRES_ENV, FakeClock

CASES = 30
SEED = 7
START, END = date(2024, 1, 1), date(2024, 11, 30)


def cli(url: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["--db", url, *args], env=env, catch_exceptions=False)


@dataclasses.dataclass
class Filled:
    url: str
    known_at: datetime  # after the synthetic year was recorded, before the later events
    later_case: str  # the case resolved after `known_at`


def fill(url: str, clock: FakeClock) -> Filled:
    """A synthetic year; two days later, a case resolved late and a violation dismissed."""
    with Ledger(url, clock=clock) as ledger:
        generate(ledger, cases=CASES, seed=SEED)
        ledger.accounts.add_login("backup-clerk", "sxd.clerk", "mật khẩu đủ dài 1", "official")
        known_at = clock() + timedelta(days=1)
        clock.advance(days=2)
        opened = [r.case for r in ledger.records() if r.type == "CaseOpened" and r.case]
        summary = next(s for s in map(ledger.queries.case, opened)
                       if s is not None and s.status != "resolved" and s.lead_official)
        open_case = summary.case
        at = (clock() - timedelta(hours=1)).astimezone(LOCAL_TZ).isoformat()
        ledger.append({"type": "CaseResolved", "case": open_case, "outcome": "approved", "at": at,
                       "by": summary.lead_official}, source="api")
        dismissed = next(v for v in ledger.violations() if v.rule == "LATE_RESPONSE" and v.consultation)
        ledger.append({"type": "FindingRecorded", "case": dismissed.case, "rule": dismissed.rule,
                       "consultation": dismissed.consultation, "decision": "dismissed", "at": at,
                       "by": "tttp.insp1", "note": "đã xác minh"}, source="web")
    return Filled(url, known_at, open_case)


def answers(ledger: Ledger, filled: Filled) -> dict[str, Any]:
    """What the ledger answers: the questions of SPEC §6, §7 and §9, now and known at a past moment."""
    today = ledger.today()

    def rows(found: list[Any]) -> list[str]:
        return sorted(repr(v) for v in found)  # a Violation's repr holds every one of its fields

    def history(known_at: datetime | None) -> list[dict[str, Any]]:
        events = ledger.history(filled.later_case, known_at=known_at)["events"]
        return [{k: v for k, v in e.items() if k != "position"} for e in events]  # positions may be renumbered

    return {
        "events": [(r.event, r.type, r.case, r.at, r.recorded, r.by, r.source, r.key) for r in ledger.records()],
        "violations": rows(ledger.violations(include_dismissed=True)),
        "violations shown": rows(ledger.violations()),
        "violations known at": rows(ledger.violations(as_of=today, known_at=filled.known_at,
                                                      include_dismissed=True)),
        "violations as of": rows(ledger.violations(as_of=date(2024, 6, 30))),
        "delays": ledger.delays(),
        "delays by official": ledger.delays(by_official=True),
        "scorecard": ledger.scorecard(START, END),
        "scorecard by official": ledger.scorecard(START, END, by_official=True),
        "scorecard known at": ledger.scorecard(START, today, known_at=filled.known_at),
        "history": history(None),
        "history known at": history(filled.known_at),
    }


def public_key(url: str) -> str:
    shown = cli(url, "key", "show")
    assert shown.exit_code == 0, shown.output
    line = next(line for line in shown.stdout.splitlines() if line.startswith("public key (Ed25519, base64): "))
    return line.split(": ", 1)[1].strip()


def verify_as_a_backup(url: str, public: str, tmp_path: Path) -> Result:
    """`ledger verify --full` where a copy is checked: the public key named, no signing key at hand."""
    env = {"LEDGER_KEY_FILE": str(tmp_path / "no-key-here" / "ledger.key")}
    return cli(url, "verify", "--full", "--trusted-key", public, env=env)


@pytest.fixture
def filled(store_url: str, clock: FakeClock) -> Filled:
    return fill(store_url, clock)


@pytest.fixture
def empty_store_url(store_url: str, tmp_path: Path) -> Iterator[str]:
    """Another store of the same kind, empty (for PostgreSQL, a schema of its own, dropped after)."""
    if store_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    base = store_url.split("?")[0]
    yield f"{base}?schema={schema}"
    _psql(base, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_export_then_restore_into_an_empty_store_gives_the_same_answers(
        filled: Filled, empty_store_url: str, clock: FakeClock, tmp_path: Path) -> None:
    export = tmp_path / "ledger.jsonl"
    exported = cli(filled.url, "export", "-o", str(export))
    assert exported.exit_code == 0, exported.output
    restored = cli(empty_store_url, "restore", str(export))
    assert restored.exit_code == 0, restored.output

    with Ledger(filled.url, clock=clock) as source, Ledger(empty_store_url, clock=clock) as copy:
        before, after = answers(source, filled), answers(copy, filled)
        assert source.accounts.list_logins() and copy.accounts.list_logins() == []  # logins are not exported
    assert f"restored {len(before['events'])} events" in restored.stdout
    assert before["violations known at"] != before["violations"]  # the known-at question is a real one
    assert before["history known at"] != before["history"]
    assert len(before["violations"]) > 20
    for question in before:
        assert after[question] == before[question], question
    verified = cli(empty_store_url, "verify", "--full")
    assert verified.exit_code == 0, verified.output
    assert "ledger intact" in verified.stdout


# --- SQLite: online backups ---------------------------------------------------------------------------


def sqlite_file(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def test_an_sqlite_online_backup_of_an_open_store_opens_verifies_and_answers_the_same(
        sqlite_url: str, clock: FakeClock, tmp_path: Path) -> None:
    filled = fill(sqlite_url, clock)
    live = sqlite_file(sqlite_url)
    with Ledger(sqlite_url, clock=clock) as ledger:  # open, and written to just now: the WAL holds it
        ledger.append({"type": "CalendarDayDeclared", "date": "2024-12-28", "working": True,
                       "reference": "Thông báo 1/2024", "at": clock().isoformat()}, source="api")
        expected = answers(ledger, filled)
        by_api, by_shell = tmp_path / "by-api.db", tmp_path / "by-shell.db"
        with sqlite3.connect(live) as source, sqlite3.connect(by_api) as target:
            source.backup(target)  # Python's online backup API: a consistent copy, WAL included
        source.close()
        target.close()
        if shutil.which("sqlite3"):
            done = subprocess.run(["sqlite3", str(live), f".backup '{by_shell}'"], capture_output=True, text=True,
                                  timeout=60)
            assert done.returncode == 0, done.stderr
        copies = [by_api, *([by_shell] if by_shell.exists() else [])]
    public = public_key(sqlite_url)
    for copy in copies:
        url = f"sqlite:///{copy}"
        verified = verify_as_a_backup(url, public, tmp_path)
        assert verified.exit_code == 0, (copy.name, verified.output)
        assert f"ledger intact: {len(expected['events'])} events" in verified.stdout
        with Ledger(url, clock=clock, key_file=tmp_path / "no-key-here" / "ledger.key") as opened:
            assert answers(opened, filled) == expected, copy.name
    # The disaster drill: the store is lost; its last backup is put back where it was.
    for suffix in ("", "-wal", "-shm"):
        Path(f"{live}{suffix}").unlink(missing_ok=True)
    shutil.copy(by_api, live)
    on_host = cli(sqlite_url, "verify", "--full")  # the signing host: its key file and high-water mark
    assert on_host.exit_code == 0, on_host.output


def test_copying_only_the_main_file_of_an_open_store_misses_what_the_wal_still_holds(
        sqlite_url: str, clock: FakeClock, tmp_path: Path) -> None:
    """Why docs/operations.md says `.backup`, never `cp ledger.db`, while the service runs."""
    live = sqlite_file(sqlite_url)
    with Ledger(sqlite_url, clock=clock) as ledger:
        # A reader in the middle of a query, as a running service has: no checkpoint can copy into
        # the main file what was written after its snapshot, so the year stays in the WAL.
        reader = sqlite3.connect(live)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM sqlite_master").fetchone()
        try:
            generate(ledger, cases=5, seed=SEED)
            assert Path(f"{live}-wal").stat().st_size > 0
            naive = tmp_path / "naive.db"
            shutil.copy(live, naive)
            events = ledger.event_count()
        finally:
            reader.close()
    with sqlite3.connect(naive) as copy:
        try:
            found = copy.execute("SELECT count(*) FROM ledger_events").fetchone()[0]
        except sqlite3.DatabaseError:
            found = None  # not even the tables: they were still in the WAL
    copy.close()
    assert found != events


# --- PostgreSQL: pg_dump / pg_restore -----------------------------------------------------------------


def _pg_env() -> tuple[dict[str, str], str, str]:
    """(the environment for the PostgreSQL clients, the server's base URL, the database name)."""
    from sqlalchemy.engine import make_url

    base = os.environ.get(POSTGRES_ENV, "")
    parsed = make_url(base)
    env = {**os.environ, "PGHOST": parsed.host or "127.0.0.1", "PGPORT": str(parsed.port or 5432),
           "PGUSER": parsed.username or "", "PGPASSWORD": parsed.password or ""}
    return env, base.split("?")[0], parsed.database or ""


def _client(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        message = f"{name} is not on PATH: install the PostgreSQL 15 client (postgresql-client-15)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def _psql(base_url: str, sql: str, database: str | None = None) -> str:
    env, _base, default = _pg_env()
    done = subprocess.run([_client("psql"), "-v", "ON_ERROR_STOP=1", "-X", "-Atq", "-d", database or default,
                           "-c", sql], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """A database created for the test and dropped after it (its connections ended first)."""
    name = f"ledger_restore_{uuid.uuid4().hex[:10]}"
    _psql("", f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        _psql("", f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        _psql("", f'DROP DATABASE IF EXISTS "{name}"')


@pytest.mark.postgres
def test_a_pg_dump_restored_into_a_fresh_database_verifies_and_reports_the_same_violations(
        postgres_url: str, clock: FakeClock, tmp_path: Path, fresh_database: str) -> None:
    filled = fill(postgres_url, clock)
    schema = postgres_url.split("schema=")[1]
    env, base, database = _pg_env()
    with Ledger(postgres_url, clock=clock) as ledger:
        expected = answers(ledger, filled)
    public = public_key(postgres_url)
    dump = tmp_path / "ledger.dump"
    dumped = subprocess.run([_client("pg_dump"), "-Fc", "-n", schema, "-f", str(dump), database], env=env,
                            capture_output=True, text=True, timeout=300)
    assert dumped.returncode == 0, dumped.stderr

    restored = subprocess.run([_client("pg_restore"), "--no-owner", "--exit-on-error", "-d", fresh_database,
                               str(dump)], env=env, capture_output=True, text=True, timeout=300)
    assert restored.returncode == 0, restored.stderr
    copy_url = f"{base.rsplit('/', 1)[0]}/{fresh_database}?schema={schema}"
    verified = verify_as_a_backup(copy_url, public, tmp_path)
    assert verified.exit_code == 0, verified.output
    assert f"ledger intact: {len(expected['events'])} events" in verified.stdout
    with Ledger(copy_url, clock=clock, key_file=tmp_path / "no-key-here" / "ledger.key") as copy:
        got = answers(copy, filled)
        copy.engine.dispose()
    assert got["violations"] == expected["violations"]
    assert got == expected

    # The disaster drill: the schema is lost; the dump is restored in its place.
    _psql(base, f'DROP SCHEMA "{schema}" CASCADE')
    back = subprocess.run([_client("pg_restore"), "--no-owner", "--exit-on-error", "-d", database, str(dump)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert back.returncode == 0, back.stderr
    on_host = cli(postgres_url, "verify", "--full")  # the signing host: its key file and high-water mark
    assert on_host.exit_code == 0, on_host.output
    with Ledger(postgres_url, clock=clock) as ledger:
        assert answers(ledger, filled) == expected
