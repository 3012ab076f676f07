"""The rulebook over a real store: projections, rebuilds, as-of / known-at, findings (both stores)."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest

from ledger import Ledger
from ledger.demo import generate
from ledger.rules import VIOLATION_KEYS, judge, visible
from tests.builders import answer, event, lead, lines, opened, registry_lines, request
from tests.conftest import EXAMPLES, REPO

WORKED = EXAMPLES / "national-day-2024.jsonl"


def imported(ledger: Ledger, *objs: dict) -> None:
    report = ledger.import_lines(lines(*objs))
    assert report.refused == []


def only(rule: str, violations: list) -> list:
    return [v for v in violations if v.rule == rule]


def worked_example(ledger: Ledger) -> None:
    report = ledger.import_lines(WORKED.read_text(encoding="utf-8").splitlines())
    assert report.refused == []


def test_the_worked_example_gives_exactly_its_expected_violations(ledger):
    worked_example(ledger)
    expected = json.loads((EXAMPLES / "national-day-2024.expected.json").read_text(encoding="utf-8"))
    got = [v.as_dict() for v in ledger.violations(as_of=date(2024, 9, 30))]
    assert [{k: v[k] for k in expected[0]} for v in got] == expected
    assert all(tuple(v) == VIOLATION_KEYS for v in got)


def test_the_maintained_table_gives_the_same_report_as_judging_every_fact(ledger, clock):
    worked_example(ledger)
    maintained = [v.as_dict() for v in ledger.violations()]
    judged = [v.as_dict() for v in visible(judge(ledger.records(), ledger.today()))]
    assert maintained == judged and maintained


def test_open_items_grow_late_from_their_stored_due_dates_as_days_pass(ledger, clock):
    imported(ledger, *registry_lines(), opened(), lead(), request(due_days=5))
    clock.now = datetime(2024, 3, 12, 3, 0, tzinfo=timezone.utc)  # due 12/3: not late yet
    assert [v.rule for v in ledger.violations()] == []
    clock.now = datetime(2024, 3, 15, 3, 0, tzinfo=timezone.utc)
    late = ledger.violations()  # the case itself is due 25/3
    assert [(v.rule, v.days_late, v.status, v.deemed_consent) for v in late] == [("LATE_RESPONSE", 3, "open", True)]


def test_as_of_a_date_before_an_answer_judges_the_consultation_still_open(ledger):
    imported(ledger, *registry_lines(), opened(), lead(), request(due_days=5), answer(at="2024-03-20T10:00:00+07:00"))
    before = only("LATE_RESPONSE", ledger.violations(as_of=date(2024, 3, 14)))
    after = only("LATE_RESPONSE", ledger.violations(as_of=date(2024, 3, 29)))
    assert [(v.rule, v.status, v.days_late, v.deemed_consent) for v in before] == [("LATE_RESPONSE", "open", 2, True)]
    assert [(v.rule, v.status, v.days_late, v.deemed_consent) for v in after] == [("LATE_RESPONSE", "closed", 6, False)]


def test_known_at_a_time_before_a_late_answer_was_recorded_hides_it(ledger, clock):
    imported(ledger, *registry_lines(), opened(), lead(), request(due_days=5))
    recorded_before_answer = clock.now
    clock.advance(hours=1)
    imported(ledger, answer(at="2024-03-20T10:00:00+07:00"))
    then = only("LATE_RESPONSE", ledger.violations(as_of=date(2024, 3, 29), known_at=recorded_before_answer))
    now = only("LATE_RESPONSE", ledger.violations(as_of=date(2024, 3, 29)))
    assert [(v.status, v.deemed_consent) for v in then] == [("open", True)]
    assert [(v.status, v.deemed_consent) for v in now] == [("closed", False)]


def test_a_dismissed_finding_removes_a_violation_from_the_default_report(ledger, clock):
    imported(ledger, *registry_lines(), opened(), lead(), request(due_days=5), answer(at="2024-03-20T10:00:00+07:00"))
    late = only("LATE_RESPONSE", ledger.violations(as_of=date(2024, 3, 29)))[0]
    imported(ledger, event("FindingRecorded", rule="LATE_RESPONSE", decision="dismissed", consultation="C1",
                           evidence=late.evidence[0], by="tttp.insp", at="2024-04-01T09:00:00+07:00"))
    assert only("LATE_RESPONSE", ledger.violations(as_of=date(2024, 4, 2))) == []
    shown = only("LATE_RESPONSE", ledger.violations(as_of=date(2024, 4, 2), include_dismissed=True))
    assert [(v.rule, v.finding) for v in shown] == [("LATE_RESPONSE", "dismissed")]
    assert [v.finding for v in only("LATE_RESPONSE", ledger.violations(include_dismissed=True))] == ["dismissed"]


def test_a_confirmed_finding_is_shown_on_its_violation(ledger):
    imported(ledger, *registry_lines(), opened(), lead(), request(due_days=5), answer(at="2024-03-20T10:00:00+07:00"),
             event("FindingRecorded", rule="LATE_RESPONSE", decision="confirmed", consultation="C1",
                   by="tttp.insp", at="2024-04-01T09:00:00+07:00"))
    assert [v.finding for v in only("LATE_RESPONSE", ledger.violations(as_of=date(2024, 4, 2)))] == ["confirmed"]


def test_a_finding_without_a_consultation_does_not_touch_consultation_violations(ledger):
    imported(ledger, *registry_lines(), opened(), lead(), request(due_days=5), answer(at="2024-03-20T10:00:00+07:00"),
             event("FindingRecorded", rule="LATE_RESPONSE", decision="dismissed",
                   by="tttp.insp", at="2024-04-01T09:00:00+07:00"))
    assert [v.finding for v in only("LATE_RESPONSE", ledger.violations(as_of=date(2024, 4, 2)))] == [None]


def test_a_rebuild_reproduces_the_read_models_row_for_row(store_url, clock):
    with Ledger(store_url, clock=clock) as ledger:
        clock.now = datetime(2025, 3, 14, 3, 0, tzinfo=timezone.utc)
        generate(ledger, cases=60, seed=11)
        clock.advance(days=2)
        sample = (REPO / "examples" / "sample-cases.jsonl").read_text(encoding="utf-8").splitlines()
        assert ledger.import_lines(sample).refused == []
        incremental = ledger.projections.table_rows()
        assert len(incremental["facts"]) == ledger.event_count()
        assert ledger.rebuild() == ledger.event_count()
        assert ledger.projections.table_rows() == incremental


def test_the_maintained_report_equals_judging_the_facts_on_a_demo_year(sqlite_ledger, clock):
    clock.now = datetime(2025, 6, 2, 3, 0, tzinfo=timezone.utc)
    generate(sqlite_ledger, cases=150, seed=5)
    maintained = [v.as_dict() for v in sqlite_ledger.violations(include_dismissed=True)]
    judged = [v.as_dict() for v in judge(sqlite_ledger.records(), sqlite_ledger.today())]
    assert maintained == judged
    assert {v["status"] for v in maintained} == {"open", "closed"}


def test_delays_sum_the_lateness_rules_and_sort_by_days(ledger):
    worked_example(ledger)
    assert ledger.delays(as_of=date(2024, 9, 30)) == [
        {"agency": "SXD", "days": 4, "by_rule": {"CASE_OVERDUE": 4}, "cases": ["HCM-2024-0901"]},
        {"agency": "STNMT", "days": 2, "by_rule": {"LATE_RESPONSE": 2}, "cases": ["HCM-2024-0901"]},
        {"agency": "VP", "days": 1, "by_rule": {"NO_LEAD": 1}, "cases": ["HCM-2024-0901"]},
    ]
    by_official = ledger.delays(as_of=date(2024, 9, 30), by_official=True)
    assert [(r["agency"], r["official"], r["days"]) for r in by_official] == [
        ("SXD", "sxd.nva", 4), ("STNMT", "stnmt.ltb", 2), ("VP", None, 1)]


def test_the_scorecard_counts_cases_for_the_lead_and_consultations_for_the_consulted(ledger):
    worked_example(ledger)
    rows = ledger.scorecard(date(2024, 9, 1), date(2024, 9, 30))
    assert [r["agency"] for r in rows] == ["SCT", "STNMT", "SXD"]
    sxd = rows[2]
    assert sxd == {
        "agency": "SXD", "cases": 1, "cases_on_time": 0, "cases_late": 1, "cases_overdue_open": 0,
        "on_time_rate": 0.0, "score_766": 0.0, "consultations": 0, "answered_on_time": 0, "answered_late": 0,
        "unanswered_overdue": 0, "violations": {"CASE_OVERDUE": 1},
    }
    assert rows[1]["answered_late"] == 1 and rows[1]["violations"] == {"LATE_RESPONSE": 1}
    assert rows[0]["answered_on_time"] == 1


def test_the_scorecard_counts_an_open_case_on_time_until_its_due_date(ledger):
    imported(ledger, *registry_lines(), opened(), lead())
    on_time = ledger.scorecard(date(2024, 3, 1), date(2024, 3, 25))
    late = ledger.scorecard(date(2024, 3, 1), date(2024, 3, 27))
    assert (on_time[0]["cases_on_time"], on_time[0]["score_766"]) == (1, 20.0)
    assert (late[0]["cases_overdue_open"], late[0]["score_766"], late[0]["on_time_rate"]) == (1, 0.0, 0.0)


def test_the_scorecard_refuses_a_period_that_ends_before_it_starts(ledger):
    from ledger import InvalidField

    with pytest.raises(InvalidField, match="ends before it starts"):
        ledger.scorecard(date(2024, 3, 2), date(2024, 3, 1))


def test_judging_the_day_before_the_due_date_finds_nothing_late(ledger):
    imported(ledger, *registry_lines(), opened(), lead())
    assert ledger.violations(as_of=date(2024, 3, 25)) == []
    assert [v.rule for v in ledger.violations(as_of=date(2024, 3, 26))] == ["CASE_OVERDUE", "APOLOGY_MISSING"]


def test_a_recorded_late_answer_is_late_recording_only_when_it_came_through_the_web(ledger, clock):
    imported(ledger, *registry_lines(), opened(), lead(), request(due_days=5))
    clock.now = datetime(2024, 3, 15, 3, 0, tzinfo=timezone.utc)
    ledger.append(answer(at="2024-03-12T10:00:00+07:00"), source="web")
    late = [v for v in ledger.violations(as_of=date(2024, 3, 15)) if v.rule == "LATE_RECORDING"]
    assert [(v.official, v.agency, v.days_late, v.due) for v in late] == [("stnmt.ltb", "STNMT", 2, date(2024, 3, 13))]


# --- SPEC §12 (2026-12-01): the rulebook's reading of claimed-time order ---------------------------


def test_the_finding_claimed_latest_wins_in_the_maintained_table_and_in_any_judgement(ledger):
    imported(ledger, *registry_lines(), opened(), lead(at="2024-03-07T09:00:00+07:00"),
             event("FindingRecorded", rule="NO_LEAD", decision="confirmed", by="tttp.insp",
                   at="2024-03-14T09:00:00+07:00"),
             event("FindingRecorded", rule="NO_LEAD", decision="dismissed", by="tttp.insp",
                   at="2024-03-13T09:00:00+07:00"))
    judged = only("NO_LEAD", ledger.violations(as_of=date(2024, 3, 15), include_dismissed=True))
    maintained = only("NO_LEAD", ledger.violations(include_dismissed=True))
    assert [v.finding for v in judged] == [v.finding for v in maintained] == ["confirmed"]
    before_the_confirmation = only("NO_LEAD", ledger.violations(as_of=date(2024, 3, 13), include_dismissed=True))
    assert [v.finding for v in before_the_confirmation] == ["dismissed"]


def test_a_promise_missed_during_a_pause_falls_on_the_lead_after_d_in_both_reports(ledger, clock):
    imported(ledger, *registry_lines(), opened(), lead(),
             event("ApologyIssued", reason="Chậm", new_due="2024-03-15", by="sxd.head", at="2024-03-12T09:00:00+07:00"),
             event("SupplementRequested", reason="Bổ sung", by="sxd.nva", at="2024-03-14T09:00:00+07:00"),
             lead(official="sxd.head", reason="Giám đốc trực tiếp chỉ đạo", at="2024-03-19T09:00:00+07:00"))
    as_of = only("RESCHEDULE_MISSED", ledger.violations(as_of=date(2024, 3, 22)))
    assert [(v.official, v.due, v.days_late, v.status) for v in as_of] == [
        ("sxd.head", date(2024, 3, 15), 5, "open")]
    maintained = [v.as_dict() for v in ledger.violations()]
    judged = [v.as_dict() for v in visible(judge(ledger.records(), ledger.today()))]
    assert maintained == judged
    assert [v["official"] for v in maintained if v["rule"] == "RESCHEDULE_MISSED"] == ["sxd.head"]


def test_a_second_supplement_request_while_one_is_open_is_recorded_and_judged(ledger):
    imported(ledger, *registry_lines(), opened(), lead(),
             event("SupplementRequested", reason="Bổ sung", by="sxd.nva", at="2024-03-06T09:00:00+07:00"),
             event("SupplementRequested", reason="Bổ sung lần hai", by="sxd.nva", at="2024-03-08T09:00:00+07:00"),
             event("SupplementReceived", by="sxd.nva", at="2024-03-14T09:00:00+07:00"))
    found = ledger.violations(as_of=date(2024, 4, 3))
    assert [(v.rule, v.official) for v in only("REPEATED_SUPPLEMENT_REQUEST", found)] == [
        ("REPEATED_SUPPLEMENT_REQUEST", "sxd.nva")]
    assert [(v.due, v.days_late) for v in only("CASE_OVERDUE", found)] == [(date(2024, 4, 2), 1)]
    report = ledger.import_lines(lines(event("SupplementReceived", by="sxd.nva", at="2024-03-15T09:00:00+07:00")))
    assert [reason for _, reason, *_ in report.refused] == ["no supplement request is open in this case"]


def test_todays_report_names_the_same_lead_as_judging_as_of_today_while_a_pause_is_open(ledger, clock):
    """A pause opened after D0 and a reassignment made today: the stored rows were judged on another
    day; the default report must still agree with judging as of today."""
    clock.now = datetime(2024, 4, 3, 10, 0, tzinfo=timezone.utc)
    imported(ledger, *registry_lines(), opened(), lead(),
             event("ApologyIssued", reason="Chậm", new_due="2024-03-22", by="sxd.head", at="2024-03-20T09:00:00+07:00"),
             event("SupplementRequested", reason="Bổ sung", by="sxd.nva", at="2024-03-27T09:00:00+07:00"),
             lead(official="sxd.head", reason="Giám đốc trực tiếp chỉ đạo", at="2024-04-03T09:00:00+07:00"))
    maintained = [v.as_dict() for v in ledger.violations()]
    judged = [v.as_dict() for v in visible(judge(ledger.records(), ledger.today()))]
    assert maintained == judged
    assert [v["official"] for v in maintained if v["rule"] == "RESCHEDULE_MISSED"] == ["sxd.nva"]
