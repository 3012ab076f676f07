"""Vietnamese working days (SPEC §2): the `holidays` package's VN calendar plus ledger overrides.

`wd(a, b]` counts the working days d with a < d <= b; `add_wd(d, n)` is the n-th working day
strictly after d. Both are answered from a per-year table of working-day ordinals with `bisect`,
so judging 100,000 cases never walks the calendar day by day.

`CalendarDayDeclared` events (each citing its official notice) override the package: a declared
date is working or not exactly as declared, whatever the package says.

The package is imported when a calendar is first made, and only its VN calendar is loaded
(`_vn_holidays`): asking it by country code imports its ~250 countries first, most of the
start-up of a one-case command such as `ledger history`.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
from bisect import bisect_right
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from holidays import HolidayBase

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

#: How far the calendar reaches; a date outside raises rather than silently miscounting. Inputs
#: are bounded to 2000–2099 and time limits to 3,650 working days, so every computed date fits.
FIRST_YEAR = 2000
LAST_YEAR = 2199


def local_date(moment: datetime) -> date:
    """The local (Asia/Ho_Chi_Minh) date of an aware timestamp."""
    if moment.tzinfo is None:
        raise ValueError("a naive timestamp has no local date")
    return moment.astimezone(LOCAL_TZ).date()


#: The module of the package's VN calendar, and the lock that loads it once per process.
_VN_MODULE = "holidays.countries.vietnam"
_VN_LOCK = threading.Lock()


def _holidays_version() -> str:
    import holidays

    return str(holidays.__version__)


def _vn_holidays(**options: Any) -> HolidayBase:
    """The package's VN calendar, as `holidays.country_holidays("VN", **options)` makes it (the
    same class, `holidays.countries.vietnam.VN`, with the same arguments), without importing the
    package's other countries: `holidays.countries` imports every country module on import, so
    the VN module is loaded alone, from its own file, under its own name. Were it ever not
    loadable that way, the package's own `country_holidays` answers."""
    import holidays

    module = sys.modules.get(_VN_MODULE)
    if module is None and "holidays.countries" not in sys.modules:
        with _VN_LOCK:
            module = sys.modules.get(_VN_MODULE) or _load_vn_module()
    if module is None or not hasattr(module, "VN"):
        return holidays.country_holidays("VN", **options)
    arguments: dict[str, Any] = {"years": None, "subdiv": None, "expand": True, "observed": True, "prov": None,
                                 "state": None, "language": None, "categories": None, **options}
    return module.VN(**arguments)


def _load_vn_module() -> Any:
    """`holidays.countries.vietnam` executed from its file and registered under its name, so
    that a later `import holidays.countries` (or `holidays.VN`) reuses it; None if that cannot be
    done."""
    import importlib.machinery
    import importlib.resources
    import importlib.util

    folder = str(importlib.resources.files("holidays").joinpath("countries"))
    spec = importlib.machinery.PathFinder.find_spec(_VN_MODULE, [folder])
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception:
        return None
    # Registered once whole, so that no other thread ever finds it half made.
    return sys.modules.setdefault(_VN_MODULE, module)


class WorkingCalendar:
    """Working days of the Vietnamese public sector, with ledger overrides layered on top."""

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._overrides: dict[date, bool] = dict(overrides or {})
        self._vn = _vn_holidays()
        # year -> sorted ordinals of that year's working days
        self._years: dict[int, list[int]] = {}

    @property
    def overrides(self) -> dict[date, bool]:
        return dict(self._overrides)

    @cached_property
    def version(self) -> str:
        """A content hash naming this calendar: the package version and every override."""
        version = _holidays_version()
        payload = {
            "holidays": version,
            "overrides": {d.isoformat(): w for d, w in sorted(self._overrides.items())},
        }
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        return f"vn-{version}-{digest[:12]}"

    def is_working_day(self, day: date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        return bool(self._vn.is_working_day(day))

    def holiday_names(self, year: int, language: str = "vi") -> dict[date, str]:
        """The package's named days of `year` in `language` ("vi" or "en"): holidays and swapped days
        off; make-up working Saturdays are named "" (the package gives them no name)."""
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError(f"the calendar covers {FIRST_YEAR}–{LAST_YEAR}, not {year}")
        named = _vn_holidays(years=year, language="vi" if language == "vi" else "en_US")
        names = {day: str(name) for day, name in named.items()}
        for day in named.weekend_workdays:
            if day.year == year:
                names.setdefault(day, "")
        return names

    def _year(self, year: int) -> list[int]:
        table = self._years.get(year)
        if table is None:
            if not FIRST_YEAR <= year <= LAST_YEAR:
                raise ValueError(f"the calendar covers {FIRST_YEAR}–{LAST_YEAR}, not {year}")
            day, end = date(year, 1, 1), date(year, 12, 31)
            table = []
            while day <= end:
                if self.is_working_day(day):
                    table.append(day.toordinal())
                day += timedelta(days=1)
            self._years[year] = table
        return table

    def wd(self, a: date, b: date) -> int:
        """`wd(a, b]`: working days d with a < d <= b; 0 when b <= a."""
        if b <= a:
            return 0
        if a.year == b.year:
            table = self._year(a.year)
            return bisect_right(table, b.toordinal()) - bisect_right(table, a.toordinal())
        count = len(self._year(a.year)) - bisect_right(self._year(a.year), a.toordinal())
        for year in range(a.year + 1, b.year):
            count += len(self._year(year))
        return count + bisect_right(self._year(b.year), b.toordinal())

    def add_wd(self, day: date, n: int) -> date:
        """The n-th working day strictly after `day` (n >= 1)."""
        if n < 1:
            raise ValueError("add_wd counts at least one working day")
        year = day.year
        table = self._year(year)
        index = bisect_right(table, day.toordinal()) + n - 1
        while index >= len(table):
            index -= len(table)
            year += 1
            table = self._year(year)
        return date.fromordinal(table[index])

    def last_working_day_before(self, day: date) -> date:
        """The last working day strictly before `day`."""
        candidate = day - timedelta(days=1)
        while not self.is_working_day(candidate):
            candidate -= timedelta(days=1)
        return candidate

    def days_late(self, due: date, act: date) -> int:
        """How many working days an act on `act` is late against `due` (0 when on time)."""
        return self.wd(due, act)
