"""Concurrency and load: sixteen agencies' systems answer consultations on the same cases at once,
through the JSON API served by gunicorn, while some of them drop the connection in the middle of
a request and retry it with the same `id`.

The store is seeded with `ledger init` and `ledger import`: CASES cases led by SXD, each
consulting the eight agencies of CONSULTED. Each agency has two officials, each with a token and a
client thread of its own. All sixteen walk the cases in the same order, so at any moment they are
appending to the same few cases (the ledger's optimistic concurrency is retried under them). On its
half of the cases an official designates itself handler and answers; on some of the other half
it sends a rival answer to the same consultation (exactly one answer may win). Some requests are
first dropped by the client, after the whole request or halfway through the body, then retried
with the same bytes; some acknowledged answers are sent again (a retry whose first reply was
lost in the network), and some acknowledged ids are reused for other content (a 409).

Afterwards the journal of every request and reply is checked against the ledger by `id`, the read
models against a clean rebuild, and the whole store with `ledger verify --full`.

A second scenario isolates the race behind "a retry with the same `id` gets the original result":
each of TWINS answers is sent twice, the second copy a few milliseconds after the first, both in
flight at once.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from ledger import Ledger
from tests.reliability.harness import (
    Children,
    Clients,
    Gunicorn,
    Journal,
    LedgerWorker,
    Sent,
    audit,
    children,
    create_tokens,
    deliver,
    init_store,
    local_time,
    log_end,
    pick_fault,
    run_ledger,
    service_env,
)

#: The consulted agencies and their two specialists each: sixteen clients.
CONSULTED = {
    "STC": ("stc.pttt", "stc.dch"),
    "STNMT": ("stnmt.ltb", "stnmt.dtn"),
    "SKHDT": ("skhdt.vgh", "skhdt.dttt"),
    "STP": ("stp.nhl", "stp.tbc"),
    "SCT": ("sct.pmq", "sct.lht"),
    "SGTVT": ("sgtvt.nvt", "sgtvt.btl"),
    "SQHKT": ("sqhkt.hnm", "sqhkt.vttx"),
    "SNV": ("snv.cmn", "snv.atna"),
}
CASES = 32
#: Load stops being offered after this many seconds (what was started is finished).
LOAD_SECONDS = 12.0
#: Share of answers sent again after they were acknowledged, and of acknowledged ids reused.
RESEND_AFTER_ACK = 0.15
REUSE_ID = 0.08


def seed_events() -> list[dict[str, Any]]:
    """CASES cases opened 20 days ago and led by SXD, each consulting every agency of CONSULTED
    10 days ago (half of them due in 1 working day, so their answers are late: violations)."""
    opened, requested = local_time(days=-20), local_time(days=-10)
    events: list[dict[str, Any]] = []
    for number in range(CASES):
        case = f"REL-{number:03d}"
        events.append({"type": "CaseOpened", "case": case, "procedure": "REAL_ESTATE_DIFFICULTY",
                       "title": f"Vướng mắc dự án {number}", "by": "vp.clerk", "at": opened, "id": f"seed:{case}:open"})
        events.append({"type": "LeadAssigned", "case": case, "agency": "SXD", "official": "sxd.nva", "by": "vp.clerk",
                       "at": opened, "id": f"seed:{case}:lead"})
        for index, agency in enumerate(CONSULTED):
            events.append({"type": "ConsultationRequested", "case": case, "consultation": f"C-{agency}", "to": agency,
                           "question": f"Ý kiến của {agency}?", "by": "sxd.nva", "at": requested,
                           "id": f"seed:{case}:C-{agency}", **({"due_days": 1} if index % 2 == 0 else {})})
    return events


def agency_client(port: int, token: str, official: str, agency: str, parity: int, journal: Journal,
                  stop_at: float, answered_at: str, seed: int) -> None:
    """One official's system: for each case in turn, designate itself and answer (its half), or
    send a rival answer (every third case of the other half)."""
    rng = random.Random(seed)

    def send(sent: Sent) -> Any:
        return deliver(port, token, journal.add(sent), journal, fault=pick_fault(rng), rng=rng)

    for number in range(CASES):
        if time.monotonic() > stop_at:
            return
        case, consultation = f"REL-{number:03d}", f"C-{agency}"
        common = {"case": case, "consultation": consultation, "at": answered_at}
        if number % 2 == parity:
            key = f"des:{case}:{agency}:{official}"
            send(Sent(key, {"type": "ConsultationHandlerDesignated", **common, "official": official, "id": key},
                      official))
            key = f"ans:{case}:{agency}"
            answer = Sent(key, {"type": "ConsultationAnswered", **common, "position": "agree",
                                "reasoning": f"{official}: đồng ý về {case}", "id": key}, official)
            reply = send(answer)
            if reply is not None and reply.ok and rng.random() < RESEND_AFTER_ACK:
                deliver(port, token, answer, journal, rng=rng)  # its first reply "lost": sent again as it was
            if reply is not None and reply.ok and rng.random() < REUSE_ID:
                reuse = {**answer.obj, "reasoning": f"{official}: nội dung khác, cùng id"}
                deliver(port, token, journal.add(Sent(key, reuse, official, reuse=True)), journal, rng=rng)
        elif number % 3 == 0:
            key = f"rival:{case}:{agency}:{official}"
            send(Sent(key, {"type": "ConsultationAnswered", **common, "position": "disagree",
                            "reasoning": f"{official}: ý kiến khác", "id": key}, official))


def refusal_codes(journal: Journal) -> Counter[str]:
    codes: Counter[str] = Counter()
    for reply in journal.replies():
        if reply.status == 400 and isinstance(reply.body, dict):
            codes.update(str(e.get("code")) for e in reply.body.get("errors", []))
    return codes


def answers_per_consultation(ledger: Ledger) -> Counter[tuple[str, str]]:
    return Counter((str(r.case), str(r.fields["consultation"])) for r in ledger.records()
                   if r.type == "ConsultationAnswered")


def run_load(store_url: str, workers: int, with_worker: bool, tmp_path: Path) -> tuple[Journal, dict[str, Any]]:
    env = service_env(store_url)
    seeded = init_store(store_url, env, seed_events(), tmp_path)
    officials = [(agency, parity, official)
                 for agency, pair in CONSULTED.items() for parity, official in enumerate(pair)]
    tokens = create_tokens(store_url, [official for _, _, official in officials])
    journal = Journal()
    figures: dict[str, Any] = {"seeded_events": seeded, "gunicorn_workers": workers, "ledger_worker": with_worker}
    started: Children
    with children() as started:
        if with_worker:
            started.start(LedgerWorker(store_url, tmp_path / "worker.log", env)).wait_started()
        web = started.start(Gunicorn(store_url, workers, tmp_path / "gunicorn.log", env))
        web.wait_ready()
        clients = Clients()
        began = time.monotonic()
        answered_at = local_time(minutes=-5)
        for index, (agency, parity, official) in enumerate(officials):
            clients.start(agency_client, web.port, tokens[official], official, agency, parity, journal,
                          began + LOAD_SECONDS, answered_at, 1000 + index)
        clients.join(timeout=LOAD_SECONDS + 150)
        figures["load_seconds"] = round(time.monotonic() - began, 1)
        figures["gunicorn_alive_after_load"] = web.alive()
    figures["server_errors_logged"] = web.errors_logged()
    return journal, figures


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_sixteen_agencies_answering_at_once_lose_nothing_duplicate_nothing_and_never_get_a_500(
    store: str, request: pytest.FixtureRequest, tmp_path: Path, report: Any
) -> None:
    """Under sixteen concurrent clients (2 gunicorn workers on SQLite; 4 and a `ledger worker` on
    PostgreSQL): every acknowledged event is in the ledger exactly once and under the event id and
    position its 2xx named; no event is there whose every attempt went unacknowledged; a retry with
    the same `id` never duplicates and answers with the original's result; an `id` reused for other
    content is a 409 and the ledger keeps the first content; a conflict is a 409 or retried inside,
    never a 500; one answer per consultation at most; the read models equal a clean rebuild; and
    `ledger verify --full` passes."""
    store_url = str(request.getfixturevalue("sqlite_url" if store == "sqlite" else "postgres_url"))
    workers = 2 if store == "sqlite" else 4
    journal, figures = run_load(store_url, workers, store == "postgres", tmp_path)

    with Ledger(store_url, create=False) as ledger:
        checked = audit(journal, ledger)
        events, position, end = ledger.event_count(), ledger.projections.position(), log_end(ledger)
        answers = answers_per_consultation(ledger)
        incremental = ledger.projections.table_rows()
        ledger.rebuild()
        rebuilt = ledger.projections.table_rows()
    verified = run_ledger(store_url, "verify", "--full", env=service_env(store_url))

    counts = journal.counts()
    originals = journal.originals()
    lost_then_acked = sum(1 for s in originals if any(r.outcome == "hung_up" for r in s.replies) and s.acknowledged)
    answered = {(s.obj["case"], s.obj["consultation"]) for s in originals
                if s.obj["type"] == "ConsultationAnswered" and s.acknowledged}
    codes = refusal_codes(journal)
    figures.update(counts, found=checked.found, events_in_ledger=events, read_model_position=position, log_end=end,
                   hung_up_then_acknowledged=lost_then_acked, refusal_codes=dict(codes),
                   consultations_answered=len(answers), verify_full_exit=verified.returncode,
                   errors=sum(counts[k] for k in ("status_500", "status_503", "other_5xx", "transport_errors")))
    report(f"load-{store}", figures)
    journal.dump(tmp_path / "journal.json")

    def told(keys: list[str]) -> dict[str, list[str]]:
        return {key: journal.describe(key) for key in keys[:10]}

    # What was exercised: sixteen requests really were open at once, and every fault happened.
    assert journal.max_in_flight >= 12, figures
    assert counts["hung_up_by_client"] > 0 and counts["cut_mid_body_by_client"] > 0 and counts["id_reuse_sent"] > 0
    assert lost_then_acked > 0 and counts["duplicate_acks"] > 0, "no reply lost and then retried: nothing was proved"
    # Never a server error, never a dropped connection the client did not drop itself.
    assert counts["status_500"] == 0 and counts["status_503"] == 0 and counts["other_5xx"] == 0, \
        (counts["statuses"], figures["server_errors_logged"])
    assert counts["transport_errors"] == 0, [r.error for r in journal.replies() if r.outcome == "transport"][:5]
    # Only the answers the domain refuses (a consultation already answered) are 400s; 409s only as said.
    assert set(counts["statuses"]) <= {"201", "400", "409"}, counts["statuses"]
    assert set(codes) <= {"consultation_answered"}, codes
    unresolved = [s.key for s in originals if s.final is not None and s.final.status == 409]
    assert unresolved == [], f"a conflict with other writers was never resolved by a retry: {unresolved[:10]}"
    # The journal against the ledger.
    assert checked.lost == [], f"acknowledged but not in the ledger: {told(checked.lost)}"
    assert checked.duplicated == [], f"in the ledger more than once: {told(checked.duplicated)}"
    assert checked.unacknowledged_present == [], f"never acknowledged, yet in: {told(checked.unacknowledged_present)}"
    assert checked.misreported == [], f"a 2xx named another event or position: {told(checked.misreported)}"
    assert checked.reuse_not_refused == [], f"id reused for other content, no 409: {told(checked.reuse_not_refused)}"
    assert events == figures["seeded_events"] + checked.found, "the ledger holds events no client acknowledged"
    # One answer per consultation; every consultation whose answer was acknowledged has one.
    assert max(answers.values(), default=0) == 1, [k for k, n in answers.items() if n > 1]
    assert set(answers) == answered
    # The read models took in every event, exactly as a clean rebuild does, and the store verifies.
    assert position == end
    assert incremental == rebuilt
    assert verified.returncode == 0, verified.stdout + verified.stderr


# --- a retry racing its original ---------------------------------------------------------------------

#: Consultations each answered by two copies of one request, the second a few milliseconds later.
TWINS = 72
#: Twin streams at once, on two gunicorn workers.
TWIN_STREAMS = 2


def twin_events() -> list[dict[str, Any]]:
    """TWINS cases led by SXD, each consulting STC."""
    at, requested = local_time(days=-3), local_time(days=-2)
    events: list[dict[str, Any]] = []
    for number in range(TWINS):
        case = f"TWIN-{number:03d}"
        events += [
            {"type": "CaseOpened", "case": case, "procedure": "REAL_ESTATE_DIFFICULTY", "title": "Hồ sơ", "at": at,
             "by": "vp.clerk"},
            {"type": "LeadAssigned", "case": case, "agency": "SXD", "official": "sxd.nva", "at": at, "by": "vp.clerk"},
            {"type": "ConsultationRequested", "case": case, "consultation": "C1", "to": "STC", "question": "Ý kiến?",
             "at": requested, "by": "sxd.nva"},
        ]
    return events


def twin_client(port: int, token: str, numbers: range, journal: Journal, answered_at: str) -> None:
    """For each consultation: the answer, and the same request again on another connection
    `(number % 20) * 2` ms later (a client that gave up waiting and retried while the first copy
    was still being handled)."""
    for number in numbers:
        key = f"twin:{number:03d}"
        sent = journal.add(Sent(key, {"type": "ConsultationAnswered", "case": f"TWIN-{number:03d}",
                                      "consultation": "C1", "position": "agree", "reasoning": "Đồng ý.",
                                      "at": answered_at, "id": key}, "stc.pttt"))
        copies = Clients()
        copies.start(deliver, port, token, sent, journal)
        time.sleep((number % 20) * 0.002)
        copies.start(deliver, port, token, sent, journal)
        copies.join(timeout=120)


@pytest.mark.postgres
def test_a_retry_racing_its_original_gets_the_original_result_and_is_never_refused(
    postgres_url: str, tmp_path: Path, report: Any
) -> None:
    """SPEC §11: a client that lost a response retries with the same `id` and gets the original
    result. Here each of TWINS answers is sent twice, the copy 0 to 38 ms after the original, both
    still in flight together (2 gunicorn workers on PostgreSQL): both copies are 201 naming the
    same event and position, exactly one of them not a duplicate, and the ledger holds each answer
    once. A copy refused (400: the consultation is already answered, by its own original) would
    tell the client its event was not recorded when it was."""
    env = service_env(postgres_url)
    init_store(postgres_url, env, twin_events(), tmp_path)
    token = create_tokens(postgres_url, ["stc.pttt"])["stc.pttt"]
    journal = Journal()
    with children() as started:
        web = started.start(Gunicorn(postgres_url, 2, tmp_path / "gunicorn.log", env))
        web.wait_ready()
        streams = Clients()
        answered_at = local_time(minutes=-1)
        for stream in range(TWIN_STREAMS):
            streams.start(twin_client, web.port, token, range(stream, TWINS, TWIN_STREAMS), journal, answered_at)
        streams.join(timeout=300)
    with Ledger(postgres_url, create=False) as ledger:
        checked = audit(journal, ledger)
    outcomes = Counter(tuple(sorted(journal.describe(s.key))) for s in journal.sent)
    refused = [s.key for s in journal.sent if any(r.status == 400 for r in s.replies)]
    counts = journal.counts()
    figures = {"twins": TWINS, **{k: counts[k] for k in ("requests", "acknowledged", "duplicate_acks", "refused_400",
                                                          "status_500", "transport_errors", "statuses")},
               "server_errors_logged": web.errors_logged(),
               "found": checked.found, "retry_refused_though_recorded": len(refused),
               "pair_outcomes": {" + ".join(k): n for k, n in outcomes.items()}}
    report("twin-retries-postgres", figures)
    journal.dump(tmp_path / "journal.json")

    told = {key: journal.describe(key) for key in refused[:5]}
    assert refused == [], f"{len(refused)} of {TWINS} retries were refused though their original was recorded: {told}"
    assert set(outcomes) == {("201", "201 (duplicate)")}, outcomes
    assert checked.lost == [] and checked.duplicated == [] and checked.misreported == []
    assert checked.found == TWINS
