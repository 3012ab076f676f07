"""The `ledger` command as a clerk or an inspector uses it (SPEC §9)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main
from tests.builders import lead, lines, opened, registry_lines, request
from tests.conftest import EXAMPLES, REPO


@pytest.fixture
def run(tmp_path: Path):
    db = f"sqlite:///{tmp_path / 'x.db'}"

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(main, ["--db", db, *args], input=input, catch_exceptions=False)

    return invoke


def event_lines(export: str) -> list[dict]:
    """An export's events, without its closing checkpoint."""
    rows = [json.loads(line) for line in export.splitlines()]
    assert rows and rows[-1]["type"] == "LedgerCheckpoint"
    return rows[:-1]


def write(tmp_path: Path, name: str, content: list[str]) -> str:
    path = tmp_path / name
    path.write_text("\n".join(content) + "\n", encoding="utf-8")
    return str(path)


def test_init_loads_the_default_ho_chi_minh_city_registry_once(run):
    from ledger.demo import DEFAULT_REGISTRY

    events = sum(1 for line in DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines() if line.strip())
    first = run("init")
    assert first.exit_code == 0 and f"{events} events appended" in first.output
    again = run("init")
    assert again.exit_code == 0 and f"0 events appended, {events} already present" in again.output


def test_init_bare_creates_an_empty_store(run):
    result = run("init", "--bare")
    assert result.exit_code == 0 and "(0 events)" in result.output


def test_importing_a_good_file_appends_every_line(run, tmp_path):
    run("init", "--bare")
    result = run("import", str(EXAMPLES / "national-day-2024.jsonl"))
    assert result.exit_code == 0, result.output
    assert "18 line(s) read: appended 18, skipped 0" in result.output


def test_importing_the_same_file_twice_appends_nothing_the_second_time(run):
    run("init", "--bare")
    run("import", str(EXAMPLES / "national-day-2024.jsonl"))
    result = run("import", str(EXAMPLES / "national-day-2024.jsonl"))
    assert "appended 0, skipped 18" in result.output
    export = run("export").output.splitlines()
    assert len(export) == 19 and json.loads(export[-1])["type"] == "LedgerCheckpoint"


def test_a_file_with_refused_lines_exits_2_names_every_bad_line_and_appends_nothing(run, tmp_path):
    run("init", "--bare")
    bad = write(tmp_path, "bad.jsonl", lines(*registry_lines(), opened(at="2024-03-04T09:00:00"), lead(),
                                                 request(by="ghost")) + ["not json"])
    result = run("import", bad)
    assert result.exit_code == 2
    assert "line 12: 'at' has no UTC offset" in result.stderr
    assert "line 13: unknown case 'HCM-1'" in result.stderr
    assert "line 14: unknown official 'ghost'" in result.stderr
    assert "line 15: not valid JSON" in result.stderr
    assert "4 line(s) refused; nothing was appended" in result.stderr
    assert event_lines(run("export").output) == []


def test_import_reads_standard_input_and_dry_run_appends_nothing(run):
    run("init", "--bare")
    content = (EXAMPLES / "national-day-2024.jsonl").read_text(encoding="utf-8")
    dry = run("import", "--dry-run", "-", input=content)
    assert dry.exit_code == 0 and "would append 18" in dry.output
    assert event_lines(run("export").output) == []
    assert "appended 18" in run("import", "-", input=content).output


def test_a_missing_file_is_bad_input(run, tmp_path):
    result = run("import", str(tmp_path / "missing.jsonl"))
    assert result.exit_code == 2 and "cannot read" in result.output


def test_export_writes_each_event_with_recorded_position_source_and_event_id(run, tmp_path):
    run("init", "--bare")
    run("import", str(EXAMPLES / "national-day-2024.jsonl"))
    out = tmp_path / "export.jsonl"
    assert run("export", "-o", str(out)).exit_code == 0
    rows = event_lines(out.read_text(encoding="utf-8"))
    assert len(rows) == 18
    assert rows[10]["type"] == "CaseOpened" and rows[10]["position"] == 11 and rows[10]["source"] == "import"
    assert {"recorded", "event", "log_position"} <= rows[10].keys()
    answered = [r for r in rows if r["type"] == "ConsultationAnswered"]
    assert answered[0]["position"] == "not_competent" and answered[0]["log_position"] == 15


def test_restore_loads_an_export_into_an_empty_store(run, tmp_path):
    run("init", "--bare")
    run("import", str(EXAMPLES / "national-day-2024.jsonl"))
    out = tmp_path / "export.jsonl"
    run("export", "-o", str(out))
    other = f"sqlite:///{tmp_path / 'other.db'}"
    restored = CliRunner().invoke(main, ["--db", other, "restore", str(out)], catch_exceptions=False)
    assert restored.exit_code == 0 and "restored 18 events" in restored.output
    again = CliRunner().invoke(main, ["--db", other, "export"], catch_exceptions=False)
    assert event_lines(again.output) == event_lines(out.read_text(encoding="utf-8"))
    refused = CliRunner().invoke(main, ["--db", other, "restore", str(out)], catch_exceptions=False)
    assert refused.exit_code == 2 and "empty store" in refused.stderr


def test_history_shows_claimed_and_recorded_times_and_the_state_after_each_event(run):
    run("init", "--bare")
    run("import", str(EXAMPLES / "national-day-2024.jsonl"))
    result = run("history", "HCM-2024-0901", "--as-of", "2024-09-30")
    assert result.exit_code == 0
    text = result.output
    assert "2024-08-26 09:00 +07:00" in text  # claimed
    assert "CaseOpened by vp.clerk (VP) [import]" in text
    assert "→ status open · no lead · due 2024-09-18" in text
    assert "C1→STNMT due 2024-09-09 answered on 2024-09-11" in text
    assert "resolved answered on 2024-09-24" in text


def test_history_as_of_a_date_hides_later_events(run):
    run("init", "--bare")
    run("import", str(EXAMPLES / "national-day-2024.jsonl"))
    result = run("history", "HCM-2024-0901", "--as-of", "2024-09-05", "--format", "json")
    history = json.loads(result.output)
    assert [e["type"] for e in history["events"]][-1] == "ConsultationAnswered"
    assert history["hidden"] == 3
    assert history["state"]["consultations"][0]["status"] == "open"


def test_history_known_at_a_time_before_the_import_shows_nothing_yet(run):
    run("init", "--bare")
    run("import", str(EXAMPLES / "national-day-2024.jsonl"))
    result = run("history", "HCM-2024-0901", "--as-of", "2024-09-30", "--known-at", "2020-01-01", "--format", "json")
    history = json.loads(result.output)
    assert history["events"] == [] and history["hidden"] == 8


def test_history_of_an_unknown_case_is_bad_input(run):
    run("init", "--bare")
    result = run("history", "NOPE")
    assert result.exit_code == 2 and "unknown case 'NOPE'" in result.stderr


def test_a_bad_as_of_date_is_bad_input(run):
    result = run("history", "X", "--as-of", "30/09/2024")
    assert result.exit_code == 2 and "not a date" in result.output


def test_the_readme_sample_imports_onto_the_default_registry(run):
    run("init")
    result = run("import", str(REPO / "examples" / "sample-cases.jsonl"))
    assert result.exit_code == 0, result.stderr
    history = run("history", "HCM-2024-0001", "--as-of", "2024-12-31")
    assert "SupplementRequested by sxd.nva (SXD)" in history.output
    assert "resolved answered on 2024-04-02" in history.output


def test_a_bad_database_url_is_bad_input(tmp_path):
    result = CliRunner().invoke(main, ["--db", "mysql://x/y", "init"], catch_exceptions=False)
    assert result.exit_code == 2 and "unsupported database" in result.stderr


@pytest.mark.postgres
def test_the_same_commands_work_on_postgresql(postgres_url, tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["--db", postgres_url, "init", "--bare"]).exit_code == 0
    imported = runner.invoke(main, ["--db", postgres_url, "import", str(EXAMPLES / "national-day-2024.jsonl")])
    assert "appended 18" in imported.output
    history = runner.invoke(main, ["--db", postgres_url, "history", "HCM-2024-0901", "--as-of", "2024-09-30"])
    assert "C1→STNMT due 2024-09-09 answered on 2024-09-11" in history.output
