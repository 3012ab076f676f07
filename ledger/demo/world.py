"""What the demo generator knows of its world: the default registry (`Registry`), the days and
times of the demo year (`Year`), one case's planned events (`Plan`), and the procedures' shares."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time
from importlib import resources
from typing import Any

from ..calendar import LOCAL_TZ, WorkingCalendar

# Share of cases per procedure, and the agency that leads it when it has no focal point.
PROCEDURES: dict[str, tuple[float, str]] = {
    "BUSINESS_REGISTRATION": (0.22, "SKHDT"),
    "JUDICIAL_RECORD": (0.14, "STP"),
    "CONSTRUCTION_PERMIT": (0.15, "SXD"),
    "LAND_ALLOCATION": (0.10, "STNMT"),
    "PLANNING_INFORMATION": (0.08, "SQHKT"),
    "REAL_ESTATE_DIFFICULTY": (0.09, "SXD"),
    "SOE_PETITION": (0.06, "STC"),
    "INVESTMENT_POLICY": (0.07, "SKHDT"),
    "ENVIRONMENTAL_PERMIT": (0.06, "STNMT"),
    "EQUITISATION_PLAN": (0.03, "BDMDN"),
}
CONSULTATION_COUNTS = (0, 1, 2, 3, 4, 5)
CONSULTATION_WEIGHTS = (8, 22, 27, 22, 13, 8)
INSPECTOR = "tttp.insp1"
DEFAULT_REGISTRY = resources.files("ledger").joinpath("data", "hcmc_registry.jsonl")


@dataclass
class Registry:
    """What the generator needs to know of the default registry."""

    kinds: dict[str, str] = field(default_factory=dict)
    mandates: dict[str, list[str]] = field(default_factory=dict)
    staff: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    procedures: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def default(cls) -> Registry:
        registry = cls()
        text = DEFAULT_REGISTRY.read_text(encoding="utf-8")
        for line in text.splitlines():
            obj = json.loads(line)
            if obj["type"] == "AgencyRegistered":
                registry.kinds[obj["agency"]] = obj["kind"]
                registry.mandates[obj["agency"]] = obj["mandate"]
            elif obj["type"] == "OfficialAppointed":
                registry.staff.setdefault((obj["agency"], obj["role"]), []).append(obj["official"])
            elif obj["type"] == "ProcedureDefined":
                registry.procedures[obj["procedure"]] = obj
        return registry

    def one(self, rng: random.Random, agency: str, *roles: str) -> str:
        people = [p for role in roles for p in self.staff.get((agency, role), [])]
        return rng.choice(people)


class Year:
    """Working days and times of the demo year."""

    def __init__(self, today: date, calendar: WorkingCalendar) -> None:
        self.today = today
        self.calendar = calendar

    def at(self, day: date, rng: random.Random, *, earliest: int = 8) -> datetime:
        minutes = rng.randrange(earliest * 60, 17 * 60)
        return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=LOCAL_TZ)

    def after(self, day: date, working_days: int) -> date:
        return self.calendar.add_wd(day, working_days) if working_days > 0 else day


@dataclass
class Plan:
    """One case's events, in the order they happened."""

    events: list[dict[str, Any]] = field(default_factory=list)

    def add(self, when: datetime, obj: dict[str, Any]) -> None:
        self.events.append({**obj, "at": when.isoformat()})
        self.latest = max(getattr(self, "latest", when), when)


def default_calendar() -> WorkingCalendar:
    """The calendar a ledger holding just the default registry works with (`Ledger.calendar()`):
    the holidays, with the days the registry declares working or not."""
    overrides: dict[date, bool] = {}
    for line in DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines():
        obj = json.loads(line)
        if obj["type"] == "CalendarDayDeclared":
            overrides[date.fromisoformat(obj["date"])] = bool(obj["working"])
    return WorkingCalendar(overrides)
