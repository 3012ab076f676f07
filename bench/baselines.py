"""The baselines every figure of a run is compared with, measured in the same run on the same rows.

`python bench/baselines.py --store URL --events N --workdir DIR [--library-url URL]` prints one JSON
object:

- `raw_sqlite3`: the first N stored-event rows of the benchmark's store (originator_id,
  originator_version, topic, state: exactly the bytes the ledger stored), inserted with the
  standard library's `sqlite3` into a fresh SQLite file holding the library's own application
  table (`stored_events`, primary key (originator_id, originator_version), with rowid), WAL
  journal as the library sets it, in ONE transaction (`executemany`, then COMMIT).
- `raw_postgres` (PostgreSQL stores only): the same rows with `psycopg`, into a fresh schema's copy
  of the library's PostgreSQL table (`notification_id bigserial`), one transaction (`executemany`).
- `library_save`: the eventsourcing library's own `Application.save` on the same kind of store
  (`eventsourcing.sqlite` on a fresh file, or `eventsourcing.postgres` in a fresh schema), N events
  1,000 per save. The aggregate is trivial (`Entry`: four string fields, one of them a payload
  padded so that its stored state is as long on average as the ledger's), ten events per
  aggregate (a creation and nine `Noted` events), like a case. Only the `save` calls are timed;
  the aggregates of each save are made just before it, so memory stays bounded.

Each is given as seconds and events/s; nothing of the ledger is imported except to read its rows.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

PER_SAVE = 1000
EVENTS_PER_AGGREGATE = 10


class Entry(Aggregate):
    """A trivial aggregate: a case-like record with a few fields."""

    @event("Recorded")
    def __init__(self, case_ref: str, agency: str, kind: str, payload: str) -> None:
        self.case_ref = case_ref
        self.agency = agency
        self.kind = kind
        self.payload = payload
        self.notes = 0

    @event("Noted")
    def note(self, kind: str, payload: str) -> None:
        self.kind = kind
        self.payload = payload
        self.notes += 1


class BaselineApp(Application[UUID]):
    name = "Baseline"


# --- the ledger's rows --------------------------------------------------------------------------


def ledger_rows(store: str, events: int) -> list[tuple[str, int, str, bytes]]:
    """The first `events` rows of the ledger's events table, in log order."""
    from sqlalchemy.engine import make_url

    if store.startswith("sqlite:///"):
        path = store[len("sqlite:///"):]
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = con.execute("SELECT originator_id, originator_version, topic, state FROM stored_events"
                               " ORDER BY rowid LIMIT ?", (events,)).fetchall()
        finally:
            con.close()
        return [(str(r[0]), int(r[1]), str(r[2]), bytes(r[3])) for r in rows]
    import psycopg

    url = make_url(store)
    schema = url.query.get("schema") or "public"
    with psycopg.connect(_conninfo(store)) as pg:
        found = pg.execute(f'SELECT originator_id, originator_version, topic, state FROM "{schema}".ledger_events'
                           " ORDER BY notification_id LIMIT %s", (events,)).fetchall()
    return [(UUID(str(r[0])).hex, int(r[1]), str(r[2]), bytes(r[3])) for r in found]


def _conninfo(url_text: str) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(url_text)
    return (f"host={url.host or '127.0.0.1'} port={url.port or 5432} user={url.username}"
            f" password={url.password or ''} dbname={url.database}")


# --- raw inserts ---------------------------------------------------------------------------------


def raw_sqlite3(rows: list[tuple[str, int, str, bytes]], workdir: Path) -> dict[str, Any]:
    path = workdir / "baseline-raw.db"
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, topic TEXT,"
                    " state BLOB, PRIMARY KEY (originator_id, originator_version))")
        started = time.perf_counter()
        con.execute("BEGIN")
        con.executemany("INSERT INTO stored_events VALUES (?,?,?,?)", rows)
        con.execute("COMMIT")
        seconds = time.perf_counter() - started
    finally:
        con.close()
    for leftover in workdir.glob("baseline-raw.db*"):
        leftover.unlink()
    return _rate(len(rows), seconds, "one transaction, executemany, WAL")


def raw_postgres(rows: list[tuple[str, int, str, bytes]], base_url: str) -> dict[str, Any]:
    import psycopg

    schema = f"bench_raw_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_conninfo(base_url), autocommit=True) as con:
        con.execute(f'CREATE SCHEMA "{schema}"')
        try:
            con.execute(f'CREATE TABLE "{schema}".stored_events (originator_id uuid NOT NULL, originator_version'
                        " bigint NOT NULL, topic text, state bytea, notification_id bigserial,"
                        " PRIMARY KEY (originator_id, originator_version))")
            params = [(UUID(r[0]), r[1], r[2], r[3]) for r in rows]
            started = time.perf_counter()
            with con.transaction(), con.cursor() as cur:
                cur.executemany(f'INSERT INTO "{schema}".stored_events (originator_id, originator_version,'
                                " topic, state) VALUES (%s, %s, %s, %s)", params)
            seconds = time.perf_counter() - started
        finally:
            con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    return _rate(len(rows), seconds, "one transaction, executemany")


# --- the library's Application.save -------------------------------------------------------------


def library_save(events: int, state_bytes: int, kind: str, workdir: Path, base_url: str | None) -> dict[str, Any]:
    schema = None
    if kind == "sqlite":
        env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(workdir / "baseline-app.db")}
    else:
        from sqlalchemy.engine import make_url

        assert base_url is not None
        url = make_url(base_url)
        schema = f"bench_lib_{uuid.uuid4().hex[:10]}"
        import psycopg

        with psycopg.connect(_conninfo(base_url), autocommit=True) as con:
            con.execute(f'CREATE SCHEMA "{schema}"')
        env = {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": str(url.database),
               "POSTGRES_HOST": url.host or "127.0.0.1", "POSTGRES_PORT": str(url.port or 5432),
               "POSTGRES_USER": str(url.username), "POSTGRES_PASSWORD": str(url.password or ""),
               "POSTGRES_SCHEMA": schema}
    app = BaselineApp(env=env)
    try:
        # Pad the payload so the stored state is as long, on average, as the ledger's.
        probe = Entry("HCM-2025-00001", "SXD", "CaseOpened", "")
        bare = len(app.mapper.to_stored_event(probe.collect_events()[0]).state)
        payload = "x" * max(0, state_bytes - bare)
        seconds = 0.0
        saved = 0
        number = 0
        while saved < events:
            chunk: list[Entry] = []
            pending = 0
            target = min(PER_SAVE, events - saved)
            while pending < target:
                here = min(EVENTS_PER_AGGREGATE, target - pending)
                number += 1
                entry = Entry(f"HCM-2025-{number:06d}", "SXD", "CaseOpened", payload)
                for _ in range(here - 1):
                    entry.note("ConsultationRequested", payload)
                chunk.append(entry)
                pending += here
            started = time.perf_counter()
            app.save(*chunk)
            seconds += time.perf_counter() - started
            saved += pending
        stored = app.recorder.max_notification_id()
        assert stored == events, (stored, events)
        mean_state = len(app.mapper.to_stored_event(Entry("HCM-2025-00002", "SXD", "CaseOpened", payload)
                                                     .collect_events()[0]).state)
    finally:
        app.close()
        if schema is not None:
            import psycopg

            with psycopg.connect(_conninfo(base_url or ""), autocommit=True) as con:
                con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        for leftover in workdir.glob("baseline-app.db*"):
            leftover.unlink()
    result = _rate(events, seconds, f"Application.save, {PER_SAVE} events per save, {EVENTS_PER_AGGREGATE} events"
                                    f" per aggregate, {'eventsourcing.sqlite' if kind == 'sqlite' else 'eventsourcing.postgres'}")
    result["state_bytes"] = mean_state
    return result


def _rate(events: int, seconds: float, how: str) -> dict[str, Any]:
    return {"events": events, "seconds": round(seconds, 4), "events_per_s": round(events / seconds, 1) if seconds else None,
            "how": how}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="the benchmark store's URL (its rows are re-inserted)")
    parser.add_argument("--events", type=int, required=True)
    parser.add_argument("--workdir", type=Path, required=True)
    args = parser.parse_args()
    rows = ledger_rows(args.store, args.events)
    state_bytes = round(sum(len(r[3]) for r in rows) / max(1, len(rows)))
    kind = "sqlite" if args.store.startswith("sqlite:") else "postgres"
    result: dict[str, Any] = {"rows": len(rows), "mean_state_bytes": state_bytes,
                              "raw_sqlite3": raw_sqlite3(rows, args.workdir)}
    if kind == "postgres":
        result["raw_postgres"] = raw_postgres(rows, args.store)
    del rows
    result["library_save"] = library_save(args.events, state_bytes, kind, args.workdir,
                                          args.store if kind == "postgres" else None)
    print(json.dumps(result))


if __name__ == "__main__":
    os.environ.pop("PERSISTENCE_MODULE", None)
    main()
