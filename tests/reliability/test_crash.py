"""Crash safety: processes killed with SIGKILL in the middle of a stream of appends, PostgreSQL
restarted under load, two `ledger worker`s racing on one schema.

A stream is eight client threads, each walking case after case through a short life (opened, lead
assigned, a consultation requested, answered), every event with an `id`, each sent until it is
acknowledged (the same bytes again after a dropped connection or a 5xx). What a killed process
was doing is rolled back or committed whole: the journal of replies is checked against the ledger
by `id`, the read models against a clean rebuild, the signatures with `ledger verify --full --strict`.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from ledger import Ledger
from tests.reliability.harness import (
    Clients,
    Gunicorn,
    Journal,
    LedgerWorker,
    Reply,
    Sent,
    append_without_catching_up,
    audit,
    children,
    create_tokens,
    deliver,
    get,
    init_store,
    local_time,
    log_end,
    run_ledger,
    service_env,
    wait_until,
)

#: (lead official, its agency, consulted official, its agency): one stream client each.
PAIRS = [
    ("sxd.nva", "SXD", "stc.pttt", "STC"),
    ("sxd.ttb", "SXD", "stnmt.ltb", "STNMT"),
    ("stc.dch", "STC", "skhdt.vgh", "SKHDT"),
    ("stnmt.dtn", "STNMT", "stp.nhl", "STP"),
    ("skhdt.dttt", "SKHDT", "sct.pmq", "SCT"),
    ("stp.tbc", "STP", "sgtvt.nvt", "SGTVT"),
    ("sct.lht", "SCT", "sqhkt.hnm", "SQHKT"),
    ("sgtvt.btl", "SGTVT", "snv.cmn", "SNV"),
]


def case_life(case: str, pair: tuple[str, str, str, str]) -> list[tuple[str, dict[str, Any]]]:
    """(acting official, event with its `id`) of one case's short life; the answer is late (due in
    1 working day)."""
    lead, lead_agency, consulted, consulted_agency = pair
    opened, answered = local_time(days=-6), local_time(minutes=-1)
    steps: list[tuple[str, dict[str, Any]]] = [
        (lead, {"type": "CaseOpened", "case": case, "procedure": "REAL_ESTATE_DIFFICULTY", "title": f"Hồ sơ {case}",
                "at": opened}),
        (lead, {"type": "LeadAssigned", "case": case, "agency": lead_agency, "official": lead, "at": opened}),
        (lead, {"type": "ConsultationRequested", "case": case, "consultation": "C1", "to": consulted_agency,
                "question": "Ý kiến?", "due_days": 1, "at": opened}),
        (consulted, {"type": "ConsultationAnswered", "case": case, "consultation": "C1", "position": "agree",
                     "reasoning": "Đồng ý.", "at": answered}),
    ]
    return [(who, {**obj, "id": f"{case}:{obj['type']}"}) for who, obj in steps]


def quiet_events(prefix: str, count: int) -> list[dict[str, Any]]:
    """`count` case lives (4 events each) with their actors, for an append that no web process sees."""
    events = []
    for number in range(count):
        for official, obj in case_life(f"{prefix}-{number:04d}", PAIRS[number % len(PAIRS)]):
            events.append({**obj, "by": official})
    return events


def stream_client(port: int, tokens: dict[str, str], pair: tuple[str, str, str, str], index: int, journal: Journal,
                  stop: threading.Event, patience: float) -> None:
    """Case after case until `stop`; each event sent until acknowledged (for `patience` seconds)."""
    rng = random.Random(index)
    number = 0
    while not stop.is_set():
        for official, obj in case_life(f"S{index}-{number:04d}", pair):
            if stop.is_set():
                return
            sent = journal.add(Sent(obj["id"], obj, official))
            reply = deliver(port, tokens[official], sent, journal, patience=patience, rng=rng)
            if reply is None or not reply.ok:
                return  # the journal keeps it: the test names it
        number += 1


def start_stream(web: Gunicorn, tokens: dict[str, str], journal: Journal, stop: threading.Event,
                 patience: float = 20) -> Clients:
    clients = Clients()
    for index, pair in enumerate(PAIRS):
        clients.start(stream_client, web.port, tokens, pair, index, journal, stop, patience)
    return clients


def officials() -> list[str]:
    return sorted({p[0] for p in PAIRS} | {p[2] for p in PAIRS})


def latest_checkpoint_size(store_url: str) -> int:
    with Ledger(store_url, create=False) as probe:
        latest = probe.recorder.latest_checkpoint()
        return latest.size if latest is not None else 0


def read_models_at_end(store_url: str) -> bool:
    with Ledger(store_url, create=False) as probe:
        return probe.projections.position() == log_end(probe)


def unanswered(journal: Journal) -> list[str]:
    """Ids whose last attempt was not acknowledged (the stream sends each until it is)."""
    return [s.key for s in journal.originals() if not (s.replies and s.replies[-1].ok)]


# --- a web worker and the ledger worker killed mid-stream ---------------------------------------------


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_web_worker_and_the_ledger_worker_killed_mid_stream_lose_no_acknowledged_event(
    store: str, request: pytest.FixtureRequest, tmp_path: Path, report: Any
) -> None:
    """SIGKILL to a gunicorn worker (twice, never the master) and to the `ledger worker` (while the
    read models are behind a quiet batch of appends) in the middle of a stream: the master replaces
    its workers, every acknowledged event is in the ledger exactly once and no unacknowledged one,
    every event the clients retried was acknowledged in the end, the restarted `ledger worker`
    brings the read models to the end of the log with exactly the rows of a clean rebuild, and
    signed checkpoints carry on past the restart up to the whole log."""
    store_url = str(request.getfixturevalue("sqlite_url" if store == "sqlite" else "postgres_url"))
    workers = 2 if store == "sqlite" else 4
    env = service_env(store_url)
    seeded = init_store(store_url, env, [], tmp_path)
    tokens = create_tokens(store_url, officials())
    journal, stop = Journal(), threading.Event()
    figures: dict[str, Any] = {"gunicorn_workers": workers, "seeded_events": seeded}
    worker_log = tmp_path / "worker.log"
    with children() as started:
        worker = started.start(LedgerWorker(store_url, worker_log, env))
        worker.wait_started()
        web = started.start(Gunicorn(store_url, workers, tmp_path / "gunicorn.log", env))
        web.wait_ready()
        began = time.monotonic()
        clients = start_stream(web, tokens, journal, stop)
        try:
            time.sleep(2.0)
            signed_before = latest_checkpoint_size(store_url)
            in_flight = [journal.in_flight]
            killed = [web.kill_worker()]
            with Ledger(store_url, create=False) as writer:  # the worker has work: a batch no web process took in
                quiet = append_without_catching_up(writer, quiet_events("Q1", 50))
                behind_at_kill = writer.projections.position() < log_end(writer)
            in_flight.append(journal.in_flight)
            worker.kill()
            time.sleep(0.5)
            restarted = started.start(LedgerWorker(store_url, worker_log, env, name="ledger worker (restarted)"))
            restarted.wait_started()
            signed_at_restart = latest_checkpoint_size(store_url)
            time.sleep(1.5)
            in_flight.append(journal.in_flight)
            killed.append(web.kill_worker(web.worker_pids()[-1]))
            time.sleep(2.0)
        finally:
            stop.set()
            clients.join(timeout=180)
        figures["stream_seconds"] = round(time.monotonic() - began, 1)
        with Ledger(store_url, create=False) as writer:  # only the restarted worker can take this one in
            quiet += append_without_catching_up(writer, quiet_events("Q2", 25))
        caught_up = wait_until(lambda: read_models_at_end(store_url), timeout=30, interval=0.2)
        restarted_alive, master_alive, web_workers = restarted.alive(), web.alive(), web.worker_pids()
        signed_at_end = latest_checkpoint_size(store_url)

    with Ledger(store_url, create=False) as ledger:
        checked = audit(journal, ledger)
        events = ledger.event_count()
        incremental = ledger.projections.table_rows()
        ledger.rebuild()
        rebuilt = ledger.projections.table_rows()
    verified = run_ledger(store_url, "verify", "--full", "--strict", env=env)
    counts = journal.counts()
    figures.update(counts, found=checked.found, quiet_appended=quiet, events_in_ledger=events,
                   crashes_survived={"gunicorn_worker_sigkill": len(killed), "ledger_worker_sigkill": 1},
                   requests_in_flight_at_kills=in_flight, read_models_behind_when_worker_killed=behind_at_kill,
                   checkpoint_sizes={"before_kills": signed_before, "at_worker_restart": signed_at_restart,
                                     "at_end": signed_at_end},
                   errors=counts["status_500"] + counts["status_503"] + counts["other_5xx"],
                   server_errors_logged=web.errors_logged(), verify_full_strict_exit=verified.returncode)
    report(f"crash-{store}", figures)

    assert master_alive and len(web_workers) == workers and not set(killed) & set(web_workers)
    assert behind_at_kill, "the ledger worker was killed with nothing to do: nothing was proved"
    assert counts["status_500"] == 0 and counts["other_5xx"] == 0, (counts["statuses"], figures["server_errors_logged"])
    assert unanswered(journal) == [], f"never acknowledged in the end: {unanswered(journal)[:10]}"
    assert checked.lost == [] and checked.duplicated == [] and checked.misreported == []
    assert checked.unacknowledged_present == []
    assert events == seeded + checked.found + quiet
    assert restarted_alive and caught_up, worker_log.read_text(errors="replace")[-2000:]
    assert incremental == rebuilt
    assert signed_before <= signed_at_restart < signed_at_end == events
    assert verified.returncode == 0, verified.stdout + verified.stderr


# --- PostgreSQL restarted under load ---------------------------------------------------------------------


def postgres_cluster(store_url: str) -> tuple[str, str]:
    """(version, name) of the local cluster listening on the URL's port (`pg_lsclusters`)."""
    from sqlalchemy.engine import make_url

    port = str(make_url(store_url).port or 5432)
    if shutil.which("pg_ctlcluster") is None or shutil.which("pg_lsclusters") is None or os.geteuid() != 0:
        message = "restarting the local PostgreSQL cluster needs root and pg_ctlcluster (Debian's postgresql-common)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    listing = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True).stdout
    for line in listing.splitlines():
        version, name, cluster_port = line.split()[:3]
        if cluster_port == port:
            return version, name
    pytest.fail(f"no local PostgreSQL cluster listens on port {port}: {listing}")


def postgres_accepts(store_url: str) -> bool:
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(store_url)
    try:
        psycopg.connect(host=url.host, port=url.port or 5432, user=url.username, password=url.password,
                        dbname=url.database, connect_timeout=2).close()
    except psycopg.OperationalError:
        return False
    return True


def health_prober(port: int, replies: list[Reply], stop: threading.Event) -> None:
    while not stop.is_set():
        replies.append(get(port, "/healthz", timeout=60))
        time.sleep(0.1)


@pytest.mark.postgres
def test_after_a_postgresql_restart_under_load_the_service_recovers_by_itself_and_never_answers_500(
    restartable_postgres_url: str, tmp_path: Path, report: Any
) -> None:
    """PostgreSQL is restarted once (`pg_ctlcluster … restart`) while eight clients append through
    four gunicorn workers and a `ledger worker` runs. Nothing is restarted by hand: within a bounded
    time every request succeeds again, and from then on only 2xx come back; during the outage the
    service may answer 503, never 500; every event is acknowledged in the end, exactly once, and
    the read models equal a clean rebuild."""
    store_url = restartable_postgres_url
    version, cluster = postgres_cluster(store_url)
    env = service_env(store_url)
    seeded = init_store(store_url, env, [], tmp_path)
    tokens = create_tokens(store_url, officials())
    journal, stop, probes_stop = Journal(), threading.Event(), threading.Event()
    health: list[Reply] = []
    figures: dict[str, Any] = {"gunicorn_workers": 4, "seeded_events": seeded, "cluster": f"{version}/{cluster}"}
    with children() as started:
        worker = started.start(LedgerWorker(store_url, tmp_path / "worker.log", env))
        worker.wait_started()
        web = started.start(Gunicorn(store_url, 4, tmp_path / "gunicorn.log", env))
        web.wait_ready()
        clients = start_stream(web, tokens, journal, stop, patience=45)
        prober = Clients()
        prober.start(health_prober, web.port, health, probes_stop)
        try:
            time.sleep(2.0)
            down = time.monotonic()
            restart = subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "restart"],
                                     capture_output=True, text=True, timeout=120, check=False)
            restarted = time.monotonic()
            assert restart.returncode == 0, restart.stdout + restart.stderr
            assert wait_until(lambda: postgres_accepts(store_url), timeout=60, interval=0.1)
            up = time.monotonic()
            time.sleep(5.0)
        finally:
            stop.set()
            probes_stop.set()
            clients.join(timeout=240)
            prober.join(timeout=120)
        # After the recovery: a burst of reads and writes, each answered 2xx.
        final = [get(web.port, "/healthz") for _ in range(20)]
        after_journal = Journal()
        for number in range(3):
            for official, obj in case_life(f"AFTER-{number}", PAIRS[number]):
                deliver(web.port, tokens[official], after_journal.add(Sent(obj["id"], obj, official)), after_journal,
                        patience=0)
        worker_alive = worker.alive()
        worker_exit = None if worker_alive or worker.process is None else worker.process.returncode
        caught_up = wait_until(lambda: read_models_at_end(store_url), timeout=30, interval=0.2)

    with Ledger(store_url, create=False) as ledger:
        checked = audit(journal, ledger)
        incremental = ledger.projections.table_rows()
        ledger.rebuild()
        rebuilt = ledger.projections.table_rows()
    verified = run_ledger(store_url, "verify", "--full", "--strict", env=env)

    replies = journal.replies() + health
    failures = [r for r in replies if not r.ok]
    last_failure = max((r.at for r in failures), default=down)
    after_up = [r for r in replies if r.at > up]
    first_success = min((r.at for r in after_up if r.ok), default=None)
    counts = journal.counts()
    health_statuses = sorted({r.status or r.outcome for r in health}, key=str)
    figures.update(counts, found=checked.found, restart_seconds=round(restarted - down, 2),
                   postgres_back_after_s=round(up - down, 2),
                   first_success_after_back_s=None if first_success is None else round(first_success - up, 2),
                   recovered_after_back_s=round(max(0.0, last_failure - up), 2),
                   failures_during_outage={str(k): v for k, v in
                                           sorted(_statuses(r for r in failures).items())},
                   health_statuses=[str(s) for s in health_statuses], health_probes=len(health),
                   final_probe_statuses=sorted({str(r.status or r.outcome) for r in final}),
                   after_recovery_statuses=after_journal.counts()["statuses"],
                   status_500_on_appends=counts["status_500"],
                   status_500_on_healthz=sum(1 for r in health if r.status == 500),
                   ledger_worker_alive_after_restart=worker_alive, ledger_worker_exit=worker_exit,
                   read_models_caught_up=caught_up,
                   errors=len(failures), verify_full_strict_exit=verified.returncode,
                   server_errors_logged=web.errors_logged(4))
    report("postgres-restart", figures)

    five_hundreds = [r for r in replies if r.status == 500]
    promises = {
        "requests succeed again once PostgreSQL is back": first_success is not None,
        "no request fails more than 15 s after PostgreSQL is back": last_failure - up <= 15.0,
        "after the recovery every read and write answers 2xx":
            all(r.ok for r in final) and set(after_journal.statuses()) == {201},
        "no answer is a 500, during the outage or after": five_hundreds == [],
        "during the outage the only failures are 503s": {r.status for r in failures} <= {503},
        "every event is acknowledged in the end": unanswered(journal) == [],
        "every acknowledged event is in the ledger exactly once, and no other":
            not (checked.lost or checked.duplicated or checked.unacknowledged_present or checked.misreported),
        "the read models equal a clean rebuild": incremental == rebuilt,
        "`ledger verify --full --strict` passes": verified.returncode == 0,
        "the `ledger worker` survives the restart": worker_alive,
        "the read models are at the end of the log": caught_up,
    }
    broken = [promise for promise, held in promises.items() if not held]
    assert broken == [], (
        f"{figures}\nfirst 500: {five_hundreds[0].body if five_hundreds else None}\nworker log:\n"
        + (tmp_path / "worker.log").read_text(errors="replace")[-800:])


def _statuses(replies: Any) -> dict[str, int]:
    found: dict[str, int] = {}
    for reply in replies:
        name = str(reply.status or reply.outcome)
        found[name] = found.get(name, 0) + 1
    return found


# --- two ledger workers on one schema ------------------------------------------------------------------


def caught_up_counts(log: str) -> int:
    return sum(int(n) for n in re.findall(r"caught up (\d+) event", log))


@pytest.mark.postgres
def test_two_ledger_workers_on_one_schema_apply_every_event_once_and_one_carries_on_when_the_other_is_killed(
    postgres_url: str, tmp_path: Path, report: Any
) -> None:
    """Two `ledger worker`s poll one PostgreSQL schema while batches are appended that no web
    process takes in. One is killed (SIGKILL) while the read models are behind; the other takes in
    everything, including a batch appended after the kill. Every position of the log is in the
    read models exactly once, their rows equal a clean rebuild, and the workers' own tallies
    apply no event twice."""
    env = service_env(postgres_url)
    seeded = init_store(postgres_url, env, [], tmp_path)
    with children() as started:
        first = started.start(LedgerWorker(postgres_url, tmp_path / "worker-a.log", env, interval=0.05,
                                           name="worker A"))
        second = started.start(LedgerWorker(postgres_url, tmp_path / "worker-b.log", env, interval=0.05,
                                            name="worker B"))
        first.wait_started()
        second.wait_started()
        with Ledger(postgres_url, create=False) as writer:
            appended = append_without_catching_up(writer, quiet_events("W1", 3000))
            # Both workers poll every 0.05 s: they are on it now, and 12,000 events take them far
            # longer than the append's own bookkeeping after its commit and this pause (4,000 no
            # longer did once catch-ups got faster); a catch-up is one transaction: killed in it,
            # A's work is rolled back.
            time.sleep(0.03)
            behind_at_kill = writer.projections.position() < log_end(writer)
            first.kill()
            offset = len(second.log_path.read_text(errors="replace"))
            appended += append_without_catching_up(writer, quiet_events("W2", 100))
            caught_up = wait_until(lambda: writer.projections.position() == log_end(writer), timeout=30, interval=0.1)
            survivor_alive = second.alive()
    log_a = first.log_path.read_text(errors="replace")
    log_b = second.log_path.read_text(errors="replace")

    with Ledger(postgres_url, create=False) as ledger:
        log_positions = [r.position for r in ledger.records()]
        incremental = ledger.projections.table_rows()
        ledger.rebuild()
        rebuilt = ledger.projections.table_rows()
    fact_positions = [row[0] for row in incremental["facts"]]
    verified = run_ledger(postgres_url, "verify", "--full", env=env)
    figures = {"appended_without_catch_up": appended, "seeded_events": seeded,
               "applied_by_a": caught_up_counts(log_a), "applied_by_b": caught_up_counts(log_b),
               "applied_by_b_after_kill": caught_up_counts(log_b[offset:]),
               "read_models_behind_when_a_killed": behind_at_kill, "b_alive": survivor_alive,
               "facts": len(fact_positions), "log_events": len(log_positions),
               "verify_full_exit": verified.returncode}
    report("two-workers-postgres", figures)

    assert behind_at_kill, "worker A was killed with nothing left to do: nothing was proved"
    assert survivor_alive and caught_up, log_b[-2000:]
    assert figures["applied_by_b_after_kill"] >= 400, "worker B did not carry on after A was killed"
    assert sorted(fact_positions) == sorted(log_positions) and len(set(fact_positions)) == len(fact_positions)
    assert figures["applied_by_a"] + figures["applied_by_b"] <= appended
    assert incremental == rebuilt
    assert verified.returncode == 0, verified.stdout + verified.stderr
