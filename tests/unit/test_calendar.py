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
