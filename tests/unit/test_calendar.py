"""Working days (SPEC §2): the package's VN calendar, ledger overrides, wd and add_wd."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import holidays
import pytest

from ledger.calendar import WorkingCalendar, local_date

cal = WorkingCalendar()


def test_adding_ten_working_days_skips_tet_2024():
    assert cal.add_wd(date(2024, 2, 5), 10) == date(2024, 2, 26)


def test_adding_five_working_days_counts_the_make_up_saturday():
    assert cal.add_wd(date(2024, 4, 25), 5) == date(2024, 5, 6)


@pytest.mark.parametrize("day", [date(2024, 2, d) for d in range(8, 15)])
def test_every_day_of_tet_2024_is_a_day_off(day):
    assert not cal.is_working_day(day)


def test_the_swapped_day_off_of_29_april_2024_is_not_a_working_day():
    assert not cal.is_working_day(date(2024, 4, 29))


def test_the_make_up_saturday_of_4_may_2024_is_a_working_day():
    assert cal.is_working_day(date(2024, 5, 4))


def test_an_ordinary_saturday_is_not_a_working_day():
    assert not cal.is_working_day(date(2024, 5, 11))


def test_wd_counts_days_after_a_up_to_and_including_b():
    assert cal.wd(date(2024, 3, 4), date(2024, 3, 8)) == 4  # Tue..Fri


def test_wd_is_zero_when_b_is_not_after_a():
    assert cal.wd(date(2024, 3, 8), date(2024, 3, 8)) == 0
    assert cal.wd(date(2024, 3, 8), date(2024, 3, 1)) == 0


def test_an_act_on_the_saturday_after_a_friday_due_date_is_not_late():
    assert cal.wd(date(2024, 3, 8), date(2024, 3, 9)) == 0
    assert cal.wd(date(2024, 3, 8), date(2024, 3, 11)) == 1


def test_wd_across_new_year_counts_both_years():
    assert cal.wd(date(2023, 12, 29), date(2024, 1, 3)) == 2  # 1 Jan is a holiday


def test_add_wd_across_a_year_end():
    assert cal.add_wd(date(2023, 12, 29), 1) == date(2024, 1, 2)


def test_wd_and_add_wd_agree_with_the_holidays_package_over_two_years():
    vn = holidays.country_holidays("VN")
    start = date(2024, 1, 1)
    for offset in range(0, 730, 7):
        a = start + timedelta(days=offset)
        b = a + timedelta(days=40)
        assert cal.wd(a, b) == vn.get_working_days_count(a + timedelta(days=1), b)
        assert cal.add_wd(a, 12) == vn.get_nth_working_day(a, 12)


def test_a_declared_working_day_overrides_the_package():
    declared = WorkingCalendar({date(2024, 5, 11): True, date(2024, 3, 8): False})
    assert declared.is_working_day(date(2024, 5, 11))
    assert not declared.is_working_day(date(2024, 3, 8))
    assert declared.add_wd(date(2024, 3, 7), 1) == date(2024, 3, 11)


def test_overrides_change_the_calendar_version():
    assert WorkingCalendar().version != WorkingCalendar({date(2024, 5, 11): True}).version
    assert WorkingCalendar().version == WorkingCalendar().version


def test_the_local_date_is_taken_in_ho_chi_minh_city():
    late_evening_utc = datetime(2024, 3, 4, 18, 30, tzinfo=timezone.utc)  # 01:30 on the 5th in HCMC
    assert local_date(late_evening_utc) == date(2024, 3, 5)


def test_the_last_working_day_before_a_monday_is_the_friday():
    assert cal.last_working_day_before(date(2024, 9, 9)) == date(2024, 9, 6)


# --- pinned after a mutation run of ledger/calendar.py (scripts/mutate): each test below killed a survivor.
# Each builds its own calendar: the module's `cal` keeps the year tables an earlier test built.

def test_the_last_day_of_a_year_counts():
    fresh = WorkingCalendar()
    assert fresh.wd(date(2024, 12, 30), date(2024, 12, 31)) == 1  # Tue 31 December 2024 is a working day
    assert WorkingCalendar().add_wd(date(2024, 12, 30), 1) == date(2024, 12, 31)


def test_a_first_of_january_declared_working_counts():
    declared = WorkingCalendar({date(2025, 1, 1): True})
    assert declared.add_wd(date(2024, 12, 31), 1) == date(2025, 1, 1)
    assert declared.wd(date(2024, 12, 31), date(2025, 1, 2)) == 2


def test_wd_over_several_year_ends_counts_every_whole_year_between():
    vn = holidays.country_holidays("VN")
    fresh = WorkingCalendar()
    a, b = date(2023, 12, 29), date(2026, 1, 5)
    assert fresh.wd(a, b) == vn.get_working_days_count(a + timedelta(days=1), b) == 503
    whole = [fresh.wd(date(y - 1, 12, 31), date(y, 12, 31)) for y in (2024, 2025)]
    assert fresh.wd(a, b) == fresh.wd(a, date(2023, 12, 31)) + sum(whole) + fresh.wd(date(2025, 12, 31), b)


@pytest.mark.parametrize("year", [2000, 2199])
def test_the_calendar_covers_2000_to_2199_inclusive(year):
    assert WorkingCalendar().wd(date(year, 1, 1), date(year, 1, 10)) >= 5


@pytest.mark.parametrize("year", [1999, 2200])
def test_a_date_outside_the_calendar_is_refused_not_miscounted(year):
    with pytest.raises(ValueError, match=f"^the calendar covers 2000–2199, not {year}$"):
        WorkingCalendar().wd(date(year, 1, 1), date(year, 1, 10))


def test_add_wd_refuses_less_than_one_working_day():
    with pytest.raises(ValueError, match="^add_wd counts at least one working day$"):
        WorkingCalendar().add_wd(date(2024, 3, 4), 0)


def test_a_naive_timestamp_has_no_local_date():
    with pytest.raises(ValueError, match="^a naive timestamp has no local date$"):
        local_date(datetime(2024, 3, 4, 9, 0))
