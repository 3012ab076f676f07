"""`ledger violations | delays | scorecard | rules | rebuild | demo` as an oversight body uses them."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger import Ledger, parse_event
from ledger.cli import main
from ledger.demo import generate
from ledger.rules import RULES, VIOLATION_KEYS
from ledger.rules.document import rulebook_markdown
from tests.conftest import EXAMPLES, REPO


@pytest.fixture
def run(tmp_path: Path):
    db = f"sqlite:///{tmp_path / 'x.db'}"

    def invoke(*args: str):
        return CliRunner().invoke(main, ["--db", db, *args], catch_exceptions=False)

    invoke("import", str(EXAMPLES / "national-day-2024.jsonl"))
    return invoke


def test_violations_as_json_are_exactly_the_spec_objects_of_the_worked_example(run):
    result = run("violations", "--as-of", "2024-09-30", "--format", "json")
    rows = json.loads(result.output)
    expected = json.loads((EXAMPLES / "national-day-2024.expected.json").read_text(encoding="utf-8"))
    assert [{k: row[k] for k in expected[0]} for row in rows] == expected
    assert all(list(row) == list(VIOLATION_KEYS) for row in rows)


def test_violations_filter_by_rule_and_agency(run):
    rows = json.loads(run("violations", "--as-of", "2024-09-30", "--format", "json", "--rule", "LATE_RESPONSE",
                          "--rule", "NO_LEAD", "--agency", "VP").output)
    assert [(r["rule"], r["agency"]) for r in rows] == [("NO_LEAD", "VP")]


def test_an_unknown_rule_is_bad_input(run):
    result = run("violations", "--rule", "LATE")
    assert result.exit_code == 2 and "unknown rule LATE" in result.output


def test_the_violations_table_is_aligned_keeps_vietnamese_and_ends_with_totals(run):
    text = run("violations", "--as-of", "2024-09-30").output
    lines = text.splitlines()
    assert lines[0].startswith("rule") and "message_vi" in lines[0]
    assert "Hồ sơ HCM-2024-0901: hạn 2024-09-18, trễ 4 ngày làm việc." in text
    assert lines[-3].startswith("total") and lines[-3].split()[-1] == "7"
    assert lines[-2] == "4 row(s)" and lines[-1].startswith("rulebook rules-")


def test_violations_as_csv_have_a_header_and_one_row_each(run, tmp_path):
    out = tmp_path / "v.csv"
    run("violations", "--as-of", "2024-09-30", "--format", "csv", "-o", str(out))
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# procedure-ledger report {")  # the checkpoint and versions it was computed at
    assert lines[1].startswith("rule,case,consultation,agency,official,due,days_late")
    assert len(lines) == 6
    printed = run("violations", "--as-of", "2024-09-30", "--format", "csv").output.splitlines()
    assert printed == lines[1:]


def test_delays_as_json_have_exactly_the_spec_keys_sorted_by_days(run):
    rows = json.loads(run("delays", "--as-of", "2024-09-30", "--format", "json").output)
    assert rows == [
        {"agency": "SXD", "days": 4, "by_rule": {"CASE_OVERDUE": 4}},
        {"agency": "STNMT", "days": 2, "by_rule": {"LATE_RESPONSE": 2}},
        {"agency": "VP", "days": 1, "by_rule": {"NO_LEAD": 1}},
    ]
    by_official = json.loads(run("delays", "--as-of", "2024-09-30", "--by", "official", "--format", "json").output)
    assert list(by_official[2]) == ["agency", "official", "days", "by_rule"] and by_official[2]["official"] is None


def test_the_scorecard_as_json_has_exactly_the_spec_keys(run):
    rows = json.loads(run("scorecard", "--from", "2024-08-01", "--to", "2024-09-30", "--format", "json").output)
    assert [r["agency"] for r in rows] == ["SCT", "STNMT", "SXD"]
    assert set(rows[0]) == {"agency", "cases", "cases_on_time", "cases_late", "cases_overdue_open", "on_time_rate",
                            "score_766", "consultations", "answered_on_time", "answered_late", "unanswered_overdue",
                            "violations"}
    by_official = json.loads(run("scorecard", "--from", "2024-08-01", "--to", "2024-09-30", "--by", "official",
                                 "--format", "json").output)
    assert ("SXD", "sxd.nva") in [(r["agency"], r["official"]) for r in by_official]


def test_rules_prints_every_rule_with_its_clause(run):
    text = run("rules").output
    assert all(rule.code in text for rule in RULES)
    data = json.loads(run("rules", "--format", "json").output)
    assert len(data["rules"]) == 15 and data["rules"][4]["parameters"]["default_consultation_working_days"] == 15


def test_docs_rules_md_is_generated_from_the_rulebook_and_not_stale():
    written = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert written == rulebook_markdown(), "docs/rules.md is stale: ledger rules --format markdown > docs/rules.md"


def test_rebuild_reports_how_many_events_it_replayed(run):
    result = run("rebuild")
    assert result.exit_code == 0 and "from 18 events" in result.output


def test_the_demo_makes_every_rule_fire_on_two_thousand_cases(tmp_path):
    result = CliRunner().invoke(main, ["--db", f"sqlite:///{tmp_path / 'demo.db'}", "demo", "--cases", "2000",
                                       "--seed", "3"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("violations (all): "))
    fired = dict(item.rsplit(" ", 1) for item in line.split(": ", 1)[1].split(", "))
    assert set(fired) == {rule.code for rule in RULES}
    with Ledger(f"sqlite:///{tmp_path / 'demo.db'}") as ledger:
        events = ledger.event_count()
        assert 8 * 2000 <= events <= 12 * 2000  # about ten events per case
        sources = Counter(r.source for r in ledger.records())
        assert sources["web"] > 0 and sources["import"] > sources["web"] * 100


def test_the_demo_refuses_a_store_that_already_holds_cases(run):
    result = run("demo", "--cases", "5")
    assert result.exit_code == 2 and "fresh store" in result.output


def test_the_same_seed_gives_the_same_ledger(tmp_path):
    exports = []
    for name in ("a", "b"):
        moment = datetime(2025, 5, 20, 4, 0, tzinfo=timezone.utc)
        with Ledger(f"sqlite:///{tmp_path / name}.db", clock=lambda moment=moment: moment) as ledger:
            generate(ledger, cases=120, seed=42)
            exports.append([json.dumps(record.fields, sort_keys=True) + record.event + record.at.isoformat()
                            for record in ledger.records()])
    assert exports[0] == exports[1] and len(exports[0]) > 500


def test_the_worker_applies_events_another_process_appended(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    with Ledger(url) as writer:
        batch = writer.batch()  # a batch commits without catching the read models up
        for line in (EXAMPLES / "national-day-2024.jsonl").read_text(encoding="utf-8").splitlines():
            batch.add(parse_event(json.loads(line)), source="import")
        batch.commit()
        assert writer.projections.position() == 0
    result = CliRunner().invoke(main, ["--db", url, "worker", "--once"], catch_exceptions=False)
    assert result.exit_code == 0 and "caught up 18 event(s): read models at position 18" in result.output


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_demo_generates_only_valid_history_whatever_the_seed(tmp_path, seed):
    with Ledger(f"sqlite:///{tmp_path / 'd.db'}") as ledger:
        summary = generate(ledger, cases=300, seed=seed)  # raises if any generated event is refused
        assert summary["cases"] >= 300 and ledger.verify().ok
