"""The text tables of `ledger violations | delays | scorecard` fit a 100-column terminal and say
yes/no, on the worked example and on the demo year; `ledger demo`'s generator reports progress
without changing what it makes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger import Ledger
from ledger.cli import main
from ledger.demo import generate, progress_length
from ledger.reports.formats import TABLE_WIDTH, display_width
from tests.conftest import EXAMPLES

WORKED_EXAMPLE_TABLES = [
    ("violations", "--as-of", "2024-09-30"),
    ("violations", "--as-of", "2024-09-30", "--include-dismissed"),
    ("delays", "--as-of", "2024-09-30"),
    ("delays", "--as-of", "2024-09-30", "--by", "official"),
    ("scorecard", "--from", "2024-08-01", "--to", "2024-09-30"),
    ("scorecard", "--from", "2024-08-01", "--to", "2024-09-30", "--by", "official"),
]
DEMO_CASES, DEMO_SEED = 2000, 2024  # what `ledger demo` makes by default


def assert_fits(text: str) -> list[str]:
    lines = text.splitlines()
    too_wide = [(display_width(line), line) for line in lines if display_width(line) > TABLE_WIDTH]
    assert too_wide == []
    assert "True" not in text and "False" not in text
    assert lines[-3].startswith("total") and lines[-2].endswith(" row(s)") and lines[-1].startswith("rulebook ")
    return lines


@pytest.fixture
def worked_example(tmp_path: Path):
    db = f"sqlite:///{tmp_path / 'x.db'}"

    def invoke(*args: str):
        result = CliRunner().invoke(main, ["--db", db, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    invoke("import", str(EXAMPLES / "national-day-2024.jsonl"))
    return invoke


@pytest.mark.parametrize("args", WORKED_EXAMPLE_TABLES, ids=" ".join)
def test_every_table_of_the_worked_example_fits_100_columns_and_says_no_rather_than_false(worked_example, args):
    assert_fits(worked_example(*args))


def test_the_worked_examples_violations_show_every_message_whole_and_deemed_consent_as_no(worked_example):
    lines = assert_fits(worked_example("violations", "--as-of", "2024-09-30"))
    expected = json.loads(worked_example("violations", "--as-of", "2024-09-30", "--format", "json"))
    rows = [line for line in lines if line.startswith(tuple(v["rule"] for v in expected))]
    assert len(rows) == len(expected) and all(row.split()[6] == "no" for row in rows)
    for violation, row in zip(expected, rows, strict=True):
        assert row.split()[:4] == [violation["rule"], violation["case"], violation["agency"],
                                   violation["official"] or "—"]
        assert lines[lines.index(row) + 1] == "  " + violation["message_vi"]


def test_the_json_and_csv_forms_are_untouched(worked_example):
    rows = json.loads(worked_example("violations", "--as-of", "2024-09-30", "--format", "json"))
    assert {row["deemed_consent"] for row in rows} == {False}
    csv_lines = worked_example("violations", "--as-of", "2024-09-30", "--format", "csv").splitlines()
    assert csv_lines[0] == ("rule,case,consultation,agency,official,due,days_late,status,deemed_consent,finding,"
                            "message_vi,clause,evidence,message_en")
    assert all(",False," in line for line in csv_lines[1:])
    scorecard = worked_example("scorecard", "--from", "2024-08-01", "--to", "2024-09-30", "--format", "csv")
    assert scorecard.splitlines()[0] == ("agency,cases,cases_on_time,cases_late,cases_overdue_open,on_time_rate,"
                                         "score_766,consultations,answered_on_time,answered_late,"
                                         "unanswered_overdue,violations")


@pytest.fixture(scope="module")
def demo_year(tmp_path_factory: pytest.TempPathFactory):
    """The default demo year, made once, with the progress it reported."""
    folder = tmp_path_factory.mktemp("demo")
    key = str(folder / "keys" / "ledger.key")
    url = f"sqlite:///{folder / 'demo.db'}"
    steps: list[int] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LEDGER_KEY_FILE", key)
        with Ledger(url) as ledger:
            summary = generate(ledger, cases=DEMO_CASES, seed=DEMO_SEED, progress=steps.append)
            today = ledger.today()

    def invoke(*args: str) -> str:
        result = CliRunner().invoke(main, ["--db", url, *args], env={"LEDGER_KEY_FILE": key}, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    return invoke, summary, steps, today


def test_the_demo_years_violations_fit_100_columns(demo_year):
    invoke, summary, _, _ = demo_year
    lines = assert_fits(invoke("violations", "--include-dismissed"))
    assert int(lines[-2].split()[0]) >= len(summary["violations"]) * 5  # every rule fires, most often
    assert {line.split()[6] for line in lines[2:-3] if line[:1].isalpha()} == {"yes", "no"}


@pytest.mark.parametrize("args", [("delays",), ("delays", "--by", "official"), ("scorecard",),
                                  ("scorecard", "--by", "official")], ids=" ".join)
def test_the_demo_years_delays_and_scorecards_fit_100_columns(demo_year, args):
    invoke, _, _, today = demo_year
    if args[0] == "scorecard":
        args = (*args, "--from", (today - timedelta(days=365)).isoformat(), "--to", today.isoformat())
    assert_fits(invoke(*args))


def test_the_demo_reports_exactly_its_announced_progress(demo_year):
    _, _, steps, _ = demo_year
    assert sum(steps) == progress_length(DEMO_CASES) and min(steps) >= 1 and len(steps) > 100


def test_progress_changes_nothing_the_demo_makes(tmp_path):
    moment = datetime(2025, 5, 20, 4, 0, tzinfo=timezone.utc)
    made, reported = [], []
    for name, progress in (("quiet", None), ("shown", reported.append)):
        with Ledger(f"sqlite:///{tmp_path / name}.db", clock=lambda moment=moment: moment) as ledger:
            summary = generate(ledger, cases=120, seed=42, progress=progress)
            made.append((summary, [json.dumps(r.fields, sort_keys=True) + r.event + r.at.isoformat()
                                   for r in ledger.records()]))
    assert made[0] == made[1] and sum(reported) == progress_length(120)
