"""The store contract, run against SQLite and PostgreSQL alike (the `store_url` fixture)."""

from __future__ import annotations

import threading

import pytest

from ledger import BatchRefused, ConcurrentAppend, Ledger, parse_event
from ledger.interchange import dumps, to_line
from tests.builders import answer, event, lead, lines, opened, registry_lines, request


def seed(ledger: Ledger) -> None:
    report = ledger.import_lines(lines(*registry_lines()))
    assert not report.refused, report.refused


def test_appended_events_read_back_with_both_times_in_log_order(ledger, clock):
    seed(ledger)
    outcomes = ledger.append([opened(), lead()], source="web")
    assert [o.position for o in outcomes] == [12, 13]
    records = list(ledger.records())
    assert len(records) == 13
    case_opened = records[11]
    assert (case_opened.type, case_opened.case, case_opened.by, case_opened.actor_agency) == (
        "CaseOpened", "HCM-1", "vp.clerk", "VP")
    assert case_opened.at.isoformat() == "2024-03-04T09:00:00+07:00"
    assert case_opened.recorded == clock.now
    assert case_opened.source == "web"
    assert case_opened.event == outcomes[0].event


def test_every_event_gets_its_own_ledger_event_id(ledger):
    seed(ledger)
    ids = [record.event for record in ledger.records()]
    assert len(set(ids)) == len(ids)


def test_a_batch_with_a_refused_event_appends_nothing(ledger):
    seed(ledger)
    with pytest.raises(BatchRefused) as refusal:
        ledger.append([opened(), lead(official="nobody")], source="api")
    assert refusal.value.errors[0][0] == 1 and "nobody" in refusal.value.errors[0][1]
    assert ledger.event_count() == 11


def test_an_import_with_one_bad_line_appends_nothing_and_names_every_bad_line(ledger):
    seed(ledger)
    report = ledger.import_lines(lines(opened(), lead(agency="NOPE"), request(), answer(by="ghost")) + ["{not json"])
    assert [number for number, _ in report.refused] == [2, 3, 4, 5]
    assert "unknown agency 'NOPE'" in report.refused[0][1]
    assert "has no lead" in report.refused[1][1]  # line 2 was refused, so line 3 sees no lead
    assert ledger.event_count() == 11


def test_reimporting_a_file_with_ids_appends_nothing(ledger):
    seed(ledger)
    file = lines(opened(id="a-1"), lead(id="a-2"), request(id="a-3"))
    first = ledger.import_lines(file)
    second = ledger.import_lines(file)
    assert (first.appended, second.appended, second.skipped) == (3, 0, 3)
    assert ledger.event_count() == 14


def test_an_id_reused_for_different_content_is_refused(ledger):
    seed(ledger)
    ledger.import_lines(lines(opened(id="a-1")))
    report = ledger.import_lines(lines(opened(id="a-1", title="Khác")))
    assert report.refused == [(1, "id 'a-1' is already in the ledger for a different event")]


def test_a_retried_request_returns_the_original_result(ledger, clock):
    seed(ledger)
    first = ledger.append(opened(id="req-1"), source="api")[0]
    clock.advance(minutes=1)
    again = ledger.append(opened(id="req-1"), source="api")[0]
    assert again.duplicate and (again.event, again.position, again.recorded) == (
        first.event, first.position, first.recorded)
    assert ledger.event_count() == 12


def test_concurrent_conflicting_saves_raise_a_domain_error(ledger):
    seed(ledger)
    ledger.append(opened(), source="web")
    first, second = ledger.batch(), ledger.batch()
    first.add(parse_event(lead()), source="web")
    second.add(parse_event(lead(official="sxd.head")), source="web")
    first.commit()
    with pytest.raises(ConcurrentAppend, match="nothing was appended"):
        second.commit()
    assert [r.fields.get("official") for r in ledger.records()][-1] == "sxd.nva"


def test_the_same_new_id_in_two_batches_at_once_is_appended_once(ledger):
    seed(ledger)
    first, second = ledger.batch(), ledger.batch()
    first.add(parse_event(event("CaseOpened", case="A", procedure="REAL_ESTATE_DIFFICULTY", title="t",
                                by="vp.clerk", id="same")), source="api")
    second.add(parse_event(event("CaseOpened", case="B", procedure="REAL_ESTATE_DIFFICULTY", title="t",
                                 by="vp.clerk", id="same")), source="api")
    first.commit()
    with pytest.raises(ConcurrentAppend):
        second.commit()
    assert ledger.event_count() == 12


def test_parallel_appends_to_one_case_never_duplicate_or_lose_an_event(store_url, clock):
    with Ledger(store_url, clock=clock) as setup:
        seed(setup)
        setup.append([opened(), lead()], source="web")
    errors: list[Exception] = []

    def worker(n: int) -> None:
        with Ledger(store_url, clock=clock) as mine:
            try:
                mine.append(event("CoordinatorAssigned", agency="STNMT", part=f"phần {n}", by="vp.clerk",
                                  at="2024-03-05T08:00:00+07:00", id=f"coord-{n}"), source="web")
                mine.append(event("CoordinatorAssigned", agency="STNMT", part=f"phần {n}", by="vp.clerk",
                                  at="2024-03-05T08:00:00+07:00", id=f"coord-{n}"), source="web")
            except Exception as error:  # noqa: BLE001 - collected and asserted below
                errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with Ledger(store_url, clock=clock) as check:
        parts = [r.fields["part"] for r in check.records() if r.type == "CoordinatorAssigned"]
    appended_ok = 4 - sum(isinstance(e, ConcurrentAppend) for e in errors)
    assert not [e for e in errors if not isinstance(e, ConcurrentAppend)]
    assert len(parts) == len(set(parts)) == appended_ok


def test_export_then_restore_gives_back_the_same_ledger(ledger, store_url, clock, tmp_path):
    seed(ledger)
    ledger.append([opened(id="x-1"), lead()], source="web")
    clock.advance(days=3)
    ledger.append([request(), answer(id="x-4"), request(consultation="C2"), {k: v for k, v in answer(consultation="C2").items() if k != "position"}], source="api")
    exported = list(ledger.export_lines())
    target_url = f"sqlite:///{tmp_path / 'restored.db'}"
    with Ledger(target_url, clock=clock) as restored:
        report = restored.restore_lines(exported)
        assert not report.refused, report.refused
        assert [dumps(to_line(r)) for r in restored.records()] == exported[:-1]
        answered = [r for r in restored.records() if r.type == "ConsultationAnswered"]
        assert answered[0].fields["position"] == "agree"  # not overwritten by the log position
        for known_at in (None, clock.now.replace(day=clock.now.day - 2)):
            assert restored.history("HCM-1", known_at=known_at) == ledger.history("HCM-1", known_at=known_at)
        again = restored.import_lines(lines(opened(id="x-1")))
        assert again.skipped == 1 and again.appended == 0


def test_restore_refuses_a_store_that_is_not_empty(ledger):
    seed(ledger)
    from ledger import StoreError

    with pytest.raises(StoreError, match="empty store"):
        ledger.restore_lines([])


def test_restore_refuses_an_export_with_a_line_missing(ledger, tmp_path, clock):
    seed(ledger)
    ledger.append([opened(), lead(), request()], source="web")
    exported = list(ledger.export_lines())
    del exported[12]
    with Ledger(f"sqlite:///{tmp_path / 'r.db'}", clock=clock) as restored:
        report = restored.restore_lines(exported)
        assert report.refused and "does not fall at its place" in report.refused[0][1]
        assert restored.event_count() == 0


def test_a_long_import_reports_its_progress(sqlite_ledger):
    seed(sqlite_ledger)
    coordinators = [
        {"type": "CoordinatorAssigned", "case": "HCM-1", "agency": "STNMT", "part": f"phần {n}", "by": "vp.clerk",
         "at": "2024-03-05T08:00:00+07:00"} for n in range(2500)
    ]
    seen: list[int] = []
    report = sqlite_ledger.import_lines(lines(opened(), *coordinators), progress=seen.append)
    assert report.appended == 2501 and sum(seen) == 2000
