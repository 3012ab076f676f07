"""The official public-sector calendar of 2024–2026, as the ledger sees it (SPEC §2, defect 12).

The ledger counts working days with the `holidays` package's VN calendar plus the
`CalendarDayDeclared` events of its registry. The default registry ships a declaration wherever the
package differs from the Government's notices for civil servants. These tests pin every
non-working weekday and every working Saturday of 2024, 2025 and 2026 as the calendar sees them
with the shipped declarations. A package upgrade or a registry edit that moves any of them fails
here, and the change has to be checked against the notices first.

Sources (notice numbers as cited in the press and on provincial portals, see ledger/data/README.md):
- 2024: Tết and 2/9: Công văn 8662/VPCP-KGVX (03/11/2023) and Thông báo 5015/TB-LĐTBXH
  (22/11/2023); 30/4–1/5: Công văn 2450/VPCP-KGVX (12/04/2024), which swaps Mon 29/4 for Sat 4/5.
- 2025: Công văn 8726/VPCP-KGVX (26/11/2024) and Thông báo 6150/TB-BLĐTBXH: Tết 25/1–2/2,
  30/4–4/5 (Fri 2/5 swapped for Sat 26/4), 2/9 from 30/8 to 2/9.
- 2026: New Year: Công văn 12729/VPCP-KGVX (25/12/2025), which swaps Fri 2/1 for Sat 10/1 (the
  package has neither, hence the two declarations). Tết and 2/9: Công văn 9859/VPCP-KGVX (13/10/2025)
  and Thông báo 9441/TB-BNV (16/10/2025): Tết 14/2–22/2 (weekdays 16–20/2 off); 2/9 from 29/8 to 2/9,
  Mon 31/8 swapped for Sat 22/8. Hùng Kings' Day falls on Sunday 26/4 and is taken on Monday 27/4
  (Labour Code 2019, Art. 111(3): a holiday on the weekly rest day is taken on the next working day);
  30/4 and 1/5 fall on Thursday and Friday, with no swap (thanhnien.vn, 23/02/2026).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger import Ledger
from ledger.calendar import WorkingCalendar
from ledger.cli import main
from ledger.domain.registry import RegistryState
from ledger.domain.schema import parse_event
from tests.conftest import FakeClock

DEFAULT_REGISTRY = resources.files("ledger").joinpath("data", "hcmc_registry.jsonl")


def shipped_lines() -> list[dict]:
    return [json.loads(line) for line in DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines()]


def shipped_calendar() -> WorkingCalendar:
    """The calendar the default registry gives: its lines folded the way the ledger folds them."""
    state = RegistryState()
    for obj in shipped_lines():
        event = parse_event(obj)
        state.apply(event.payload, event.at)
    return WorkingCalendar(state.calendar_overrides())


def d(text: str) -> date:
    return date.fromisoformat(text)


OFFICIAL_DAYS_OFF_ON_WEEKDAYS = {
    2024: [
        "2024-01-01",  # Tết Dương lịch
        "2024-02-08", "2024-02-09", "2024-02-12", "2024-02-13", "2024-02-14",  # Tết Giáp Thìn, 8–14/2
        "2024-04-18",  # Giỗ Tổ Hùng Vương
        "2024-04-29",  # swapped day off (2450/VPCP-KGVX), worked on Sat 4/5
        "2024-04-30", "2024-05-01",
        "2024-09-02", "2024-09-03",  # Quốc khánh, 31/8–3/9
    ],
    2025: [
        "2025-01-01",
        "2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31",  # Tết Ất Tỵ, 25/1–2/2
        "2025-04-07",  # Giỗ Tổ Hùng Vương
        "2025-04-30", "2025-05-01",
        "2025-05-02",  # swapped day off, worked on Sat 26/4
        "2025-09-01", "2025-09-02",  # Quốc khánh, 30/8–2/9
    ],
    2026: [
        "2026-01-01",
        "2026-01-02",  # swapped day off (12729/VPCP-KGVX), worked on Sat 10/1: declared in the registry
        "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20",  # Tết Bính Ngọ, 14–22/2
        "2026-04-27",  # Giỗ Tổ Hùng Vương (Sun 26/4) taken on the Monday
        "2026-04-30", "2026-05-01",
        "2026-08-31",  # swapped day off (9859/VPCP-KGVX), worked on Sat 22/8
        "2026-09-01", "2026-09-02",  # Quốc khánh, 29/8–2/9
        # Ngày Văn hóa Việt Nam: the package's, citing Resolution 80-NQ/TW. Not found in any notice or in
        # an amended Labour Code Art. 112, so not declared either way. Pinned so a decision is deliberate.
        "2026-11-24",
    ],
}

OFFICIAL_WORKING_SATURDAYS = {
    2024: ["2024-05-04"],
    2025: ["2025-04-26"],
    2026: ["2026-01-10", "2026-08-22"],
}


def non_working_weekdays(calendar: WorkingCalendar, year: int) -> list[str]:
    days = (date(year, 1, 1) + timedelta(days=n) for n in range(366))
    return [day.isoformat() for day in days
            if day.year == year and day.weekday() < 5 and not calendar.is_working_day(day)]


def working_weekend_days(calendar: WorkingCalendar, year: int) -> list[str]:
    days = (date(year, 1, 1) + timedelta(days=n) for n in range(366))
    return [day.isoformat() for day in days
            if day.year == year and day.weekday() >= 5 and calendar.is_working_day(day)]


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_the_official_days_off_on_weekdays_are_exactly_the_notices(year):
    assert non_working_weekdays(shipped_calendar(), year) == OFFICIAL_DAYS_OFF_ON_WEEKDAYS[year]


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_the_official_working_saturdays_are_exactly_the_notices(year):
    assert working_weekend_days(shipped_calendar(), year) == OFFICIAL_WORKING_SATURDAYS[year]


def test_2024_and_2025_need_no_declaration_the_package_matches_the_notices():
    package = WorkingCalendar()
    for year in (2024, 2025):
        assert non_working_weekdays(package, year) == OFFICIAL_DAYS_OFF_ON_WEEKDAYS[year]
        assert working_weekend_days(package, year) == OFFICIAL_WORKING_SATURDAYS[year]


def test_the_package_alone_misses_the_new_year_2026_swap():
    package = WorkingCalendar()
    assert package.is_working_day(d("2026-01-02")) and not package.is_working_day(d("2026-01-10"))


def test_every_shipped_declaration_corrects_the_package_and_cites_its_notice():
    package = WorkingCalendar()
    declared = [obj for obj in shipped_lines() if obj["type"] == "CalendarDayDeclared"]
    assert {(obj["date"], obj["working"]) for obj in declared} == {("2026-01-02", False), ("2026-01-10", True)}
    for obj in declared:
        assert package.is_working_day(d(obj["date"])) is not obj["working"]  # a declaration the package needs
        assert "12729/VPCP-KGVX" in obj["reference"]
        assert obj["id"] == f"hcm-reg-calendar-{obj['date']}"


def test_five_working_days_after_new_years_eve_2025_end_on_9_january_2026():
    assert shipped_calendar().add_wd(d("2025-12-31"), 5) == d("2026-01-09")  # 5, 6, 7, 8, 9 January
    assert WorkingCalendar().add_wd(d("2025-12-31"), 5) == d("2026-01-08")  # the package alone: one day short


def test_the_make_up_saturday_of_10_january_2026_counts():
    assert shipped_calendar().wd(d("2026-01-09"), d("2026-01-12")) == 2  # Sat 10 and Mon 12


# --- through the product: `ledger init`'s default registry, a case, the judged due date --------------------

CASE = [
    {"type": "CaseOpened", "case": "HCM-2025-1231", "procedure": "REAL_ESTATE_DIFFICULTY",
     "title": "Vướng mắc pháp lý dự án", "by": "vp.clerk", "at": "2025-12-31T08:30:00+07:00"},
    {"type": "LeadAssigned", "case": "HCM-2025-1231", "agency": "SXD", "official": "sxd.nva", "by": "vp.clerk",
     "at": "2025-12-31T09:00:00+07:00"},
    {"type": "ConsultationRequested", "case": "HCM-2025-1231", "consultation": "C1", "to": "STNMT",
     "question": "Ý kiến về nguồn gốc đất", "domains": ["land"], "due_days": 5, "by": "sxd.nva",
     "at": "2025-12-31T10:00:00+07:00"},
]


def late_responses(ledger: Ledger, as_of: str) -> list:
    return [v for v in ledger.violations(as_of=d(as_of)) if v.rule == "LATE_RESPONSE"]


def test_a_consultation_asked_on_31_december_2025_with_five_days_is_due_9_january_2026(tmp_path):
    clock = FakeClock(datetime(2026, 1, 20, 3, 0, tzinfo=timezone.utc))
    with Ledger(f"sqlite:///{tmp_path / 'ledger.db'}", clock=clock) as ledger:
        registry = ledger.import_lines(DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines())  # as `init` does
        assert not registry.refused and registry.appended == len(shipped_lines())
        assert ledger.calendar().overrides == {d("2026-01-02"): False, d("2026-01-10"): True}
        report = ledger.import_lines([json.dumps(obj, ensure_ascii=False) for obj in CASE])
        assert not report.refused
        state = ledger.history("HCM-2025-1231", as_of=d("2026-01-09"))["state"]
        assert [c["due"] for c in state["consultations"]] == ["2026-01-09"]
        assert late_responses(ledger, "2026-01-09") == []  # on its due date: not late (the package alone: late)
        (late,) = late_responses(ledger, "2026-01-10")  # the make-up Saturday is a working day
        assert (late.due, late.days_late) == (d("2026-01-09"), 1)
        (late,) = late_responses(ledger, "2026-01-12")
        assert (late.due, late.days_late) == (d("2026-01-09"), 2)  # Sat 10 and Mon 12


def test_ledger_init_ships_the_swap_and_the_cli_judges_by_it(tmp_path):
    db = f"sqlite:///{tmp_path / 'x.db'}"
    case = tmp_path / "case.jsonl"
    case.write_text("\n".join(json.dumps(obj, ensure_ascii=False) for obj in CASE) + "\n", encoding="utf-8")

    def run(*args: str):
        return CliRunner().invoke(main, ["--db", db, *args], catch_exceptions=False)

    assert run("init").exit_code == 0
    assert run("import", str(case)).exit_code == 0
    result = run("violations", "--as-of", "2026-01-12", "--rule", "LATE_RESPONSE", "--format", "json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert (row["consultation"], row["due"], row["days_late"]) == ("C1", "2026-01-09", 2)
    assert json.loads(run("violations", "--as-of", "2026-01-09", "--rule", "LATE_RESPONSE",
                          "--format", "json").output) == []


def test_the_shipped_declarations_are_what_an_operator_would_import(tmp_path: Path):
    """Declaring a notice's days is an ordinary `ledger import` of CalendarDayDeclared lines."""
    db = f"sqlite:///{tmp_path / 'y.db'}"
    notice = tmp_path / "notice.jsonl"
    notice.write_text(json.dumps({"type": "CalendarDayDeclared", "date": "2026-12-31", "working": False,
                                  "reference": "Công văn số …/VPCP-KGVX (ví dụ)",
                                  "at": "2026-11-20T08:00:00+07:00", "id": "cal-2026-12-31"},
                                 ensure_ascii=False) + "\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(main, ["--db", db, "init", "--bare"]).exit_code == 0
    result = runner.invoke(main, ["--db", db, "import", str(notice)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with Ledger(db) as ledger:
        assert ledger.calendar().overrides == {d("2026-12-31"): False}
