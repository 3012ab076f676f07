"""What a `ledger` command imports before it answers: a one-case `ledger history` loads neither the
web server, nor the report writers, nor the holidays package's other countries, nor the facade's
replay and dashboard (bench/README.md: "one-case history ≤ 0.5 s", most of it start-up). These
are structural checks of what is imported, never timings."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from importlib import import_module
from pathlib import Path

import click
import holidays
from click.testing import CliRunner

import ledger
from ledger.cli import main
from tests.conftest import EXAMPLES

#: Modules a one-case history has no use for (the web server and framework, the report files'
#: writers, the charts, the holidays of every other country, the inspectors' replay, the dashboard).
NOT_FOR_HISTORY = ("flask", "werkzeug", "web", "openpyxl", "xlsxwriter", "fpdf", "matplotlib",
                   "holidays.countries", "ledger.replay", "ledger.dashboard", "ledger.publications", "psycopg",
                   "eventsourcing.postgres")

PROBE = """
import json, sys
from ledger.cli import main
try:
    main(sys.argv[1:], prog_name="ledger")
except SystemExit as stop:
    code = stop.code
print(json.dumps({"code": code, "loaded": sorted(m for m in %r if m in sys.modules)}), file=sys.stderr)
"""


def _probe(*args: str) -> tuple[dict, str]:
    result = subprocess.run([sys.executable, "-c", PROBE % (NOT_FOR_HISTORY,), *args], capture_output=True, text=True,
                            check=True)
    return json.loads(result.stderr.strip().splitlines()[-1]), result.stdout


def test_a_one_case_history_imports_neither_the_web_nor_the_report_writers_nor_other_countries(tmp_path: Path):
    db = f"sqlite:///{tmp_path / 'x.db'}"
    CliRunner().invoke(main, ["--db", db, "init", "--bare"], catch_exceptions=False)
    CliRunner().invoke(main, ["--db", db, "import", str(EXAMPLES / "national-day-2024.jsonl")], catch_exceptions=False)
    expected = CliRunner().invoke(main, ["--db", db, "history", "HCM-2024-0901", "--as-of", "2024-09-30",
                                         "--format", "json"], catch_exceptions=False)
    found, output = _probe("--db", db, "history", "HCM-2024-0901", "--as-of", "2024-09-30", "--format", "json")
    assert found == {"code": 0, "loaded": []}
    assert json.loads(output) == json.loads(expected.output)


def test_the_web_applications_serve_command_is_listed_and_loaded_only_when_asked_for():
    found, output = _probe("--help")
    assert found["code"] == 0 and "serve" in output.split("Commands:")[1]
    ctx = click.Context(main)
    serve = main.get_command(ctx, "serve")
    assert isinstance(serve, click.Command) and serve.callback is not None and "--port" in serve.get_help(ctx)
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0 and "--host" in result.output


def test_the_facades_lazily_loaded_modules_export_exactly_their_own_names():
    for attribute, (path, names) in ledger._LAZY_MODULES.items():
        module = import_module(f"ledger.{path}")
        assert sorted(names) == sorted(module.__all__), f"ledger._LAZY_MODULES[{attribute!r}] != ledger.{path}.__all__"
        assert getattr(ledger, attribute) is module
        for name in names:
            assert name in ledger.__all__ and getattr(ledger, name) is getattr(module, name)
    assert len(ledger.__all__) == len(set(ledger.__all__))


def test_the_calendar_is_the_holidays_packages_vn_calendar_without_loading_every_country():
    probe = ("import sys, json; from datetime import date; from ledger.calendar import WorkingCalendar;"
             " c = WorkingCalendar(); tables = [c.wd(date(y, 1, 1), date(y, 12, 31)) for y in range(2000, 2100)];"
             " names = {str(d): n for d, n in c.holiday_names(2025).items()};"
             " print(json.dumps([type(c._vn).__module__, type(c._vn).__name__, 'holidays.countries' in sys.modules,"
             " tables, names, c.version]))")
    mine = json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout)
    assert mine[:3] == ["holidays.countries.vietnam", "VN", False]

    vn = holidays.country_holidays("VN")
    assert mine[3] == [_working_days_after_new_year(vn, year) for year in range(2000, 2100)]
    named = holidays.country_holidays("VN", years=2025, language="vi")
    assert {str(d): str(n) for d, n in named.items()} == {d: n for d, n in mine[4].items() if n}
    assert mine[5].startswith(f"vn-{holidays.__version__}-")


def _working_days_after_new_year(vn: holidays.HolidayBase, year: int) -> int:
    """The package's own count of wd(1 January, 31 December]."""
    day, count = date(year, 1, 2), 0
    while day.year == year:
        count += bool(vn.is_working_day(day))
        day += timedelta(days=1)
    return count
