"""The registry's state (SPEC §3): agencies, officials, procedures and calendar overrides, as of any time.

`RegistryState` answers "who was head of SXD on 2024-03-05?", "which mandate did STNMT have
then?", "was SKHDT merged yet?" from timelines ordered by claimed time (ties in log order), so
events recorded late still land where they belong. The `Registry` aggregate (`registry`) validates
each registry event against it before recording; the queries fold it from events filtered by
as-of / known-at.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from . import payloads as p
from .errors import InvalidState, UnknownReference

# A timeline entry: (claimed time, log sequence, value); kept sorted (insort), so the value in force
# at a moment is the last entry at or before it. Timelines are short (a handful of changes each).
Entry = tuple[datetime, int, Any]


def _as_of(timeline: list[Entry], moment: datetime) -> Any:
    """The value in force at `moment`: the last entry with claimed time <= moment."""
    found = None
    for at, _, value in timeline:
        if at > moment:
            break
        found = value
    return found


@dataclass
class Agency:
    code: str
    name: str
    name_en: str
    kind: str
    registered_at: datetime
    mandates: list[Entry] = field(default_factory=list)
    merged_at: datetime | None = None
    merged_into: str | None = None

    def exists_at(self, moment: datetime) -> bool:
        """Registered by `moment` and not yet merged away."""
        return self.registered_at <= moment and not self.is_merged_at(moment)

    def is_merged_at(self, moment: datetime) -> bool:
        return self.merged_at is not None and self.merged_at <= moment

    def mandate_at(self, moment: datetime) -> tuple[str, ...]:
        return tuple(_as_of(self.mandates, moment) or ())


@dataclass(frozen=True)
class Posting:
    """Where an official sits at some time."""

    agency: str
    role: str


@dataclass
class Official:
    id: str
    name: str
    appointed_at: datetime
    postings: list[Entry] = field(default_factory=list)
    departed_at: datetime | None = None

    def posting_at(self, moment: datetime) -> Posting | None:
        """Their agency and role at `moment`, or None before appointment or after departure."""
        if moment < self.appointed_at or (self.departed_at is not None and self.departed_at <= moment):
            return None
        posting: Posting | None = _as_of(self.postings, moment)
        return posting


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    processing_days: int
    focal_agency: str | None
    domains: tuple[str, ...]


class RegistryState:
    """Every registry fact with its claimed time; look-ups are answered as of a moment."""

    def __init__(self) -> None:
        self.agencies: dict[str, Agency] = {}
        self.officials: dict[str, Official] = {}
        self.procedures: dict[str, list[Entry]] = {}
        self.calendar: dict[date, tuple[bool, str]] = {}
        self._seq = 0

    def __deepcopy__(self, memo: dict[int, Any]) -> RegistryState:
        """A copy that events can be folded into without touching this one. Only what folding
        changes is copied: the dicts, each agency's and official's record and its timeline list.
        Timeline entries, postings, procedures and calendar entries are immutable and shared.
        (The generic deepcopy also rebuilt every datetime: a tenth of a registry append's time.)"""
        twin = RegistryState.__new__(RegistryState)
        twin.agencies = {code: replace(agency, mandates=list(agency.mandates))
                         for code, agency in self.agencies.items()}
        twin.officials = {key: replace(official, postings=list(official.postings))
                          for key, official in self.officials.items()}
        twin.procedures = {code: list(timeline) for code, timeline in self.procedures.items()}
        twin.calendar = dict(self.calendar)
        twin._seq = self._seq
        memo[id(self)] = twin
        return twin

    # --- folding events -------------------------------------------------------------------

    def apply(self, payload: p.Payload, at: datetime) -> None:
        """Fold one registry event (already validated) into the state; other events are ignored."""
        self._seq += 1
        change = _CHANGES.get(type(payload))
        if change is not None:
            change(self, payload, at, self._seq)

    # --- look-ups as of a moment -----------------------------------------------------------

    def agency_at(self, code: str, moment: datetime) -> Agency | None:
        """The agency if it exists (registered, not merged away) at `moment`."""
        agency = self.agencies.get(code)
        return agency if agency is not None and agency.exists_at(moment) else None

    def successor_at(self, code: str, moment: datetime) -> str:
        """Who holds `code`'s obligations at `moment`: follows merges made by then."""
        seen = {code}
        agency = self.agencies.get(code)
        while agency is not None and agency.is_merged_at(moment) and agency.merged_into not in seen:
            code = agency.merged_into or code
            seen.add(code)
            agency = self.agencies.get(code)
        return code

    def mandate_at(self, code: str, moment: datetime) -> tuple[str, ...]:
        agency = self.agencies.get(code)
        return agency.mandate_at(moment) if agency else ()

    def posting_at(self, official: str, moment: datetime) -> Posting | None:
        record = self.officials.get(official)
        return record.posting_at(moment) if record else None

    def procedure_at(self, code: str, moment: datetime) -> Procedure | None:
        procedure: Procedure | None = _as_of(self.procedures.get(code, []), moment)
        return procedure

    def calendar_overrides(self) -> dict[date, bool]:
        return {day: working for day, (working, _) in self.calendar.items()}

    # --- the acting official ---------------------------------------------------------------

    def actor_at(self, official: str, moment: datetime) -> Posting:
        """The acting official's posting at `moment`; refuses unknown, departed or merged-away."""
        record = self.officials.get(official)
        if record is None:
            raise UnknownReference(code="unknown_official", params={"official": repr(official)}, field="by")
        if record.departed_at is not None and record.departed_at <= moment:
            raise UnknownReference(
                code="official_departed_on", params={"official": repr(official), "departed": record.departed_at}, field="by"
            )
        posting = record.posting_at(moment)
        if posting is None:
            raise UnknownReference(
                code="official_not_yet_appointed", params={"official": repr(official), "at": moment}, field="by"
            )
        agency = self.agencies.get(posting.agency)
        if agency is not None and agency.is_merged_at(moment):
            raise InvalidState(
                code="official_agency_merged",
                params={
                    "official": repr(official),
                    "agency": posting.agency,
                    "into": agency.merged_into,
                    "merged": agency.merged_at if agency.merged_at else "?",
                },
                field="by",
            )
        return posting

    def require_agency(self, code: str, moment: datetime, field_name: str) -> Agency:
        agency = self.agency_at(code, moment)
        if agency is not None:
            return agency
        known = self.agencies.get(code)
        if known is None:
            raise UnknownReference(code="unknown_agency", params={"agency": repr(code)}, field=field_name)
        if known.is_merged_at(moment):
            raise InvalidState(
                code="agency_merged",
                params={"agency": repr(code), "into": known.merged_into, "at": moment},
                field=field_name,
            )
        raise UnknownReference(
            code="agency_not_yet_registered", params={"agency": repr(code), "at": moment}, field=field_name
        )




def _registered(state: RegistryState, f: p.AgencyRegistered, at: datetime, seq: int) -> None:
    agency = Agency(f.agency, f.name, f.name_en, f.kind, at)
    agency.mandates.append((at, seq, f.mandate))
    state.agencies[agency.code] = agency


def _mandate_changed(state: RegistryState, f: p.AgencyMandateChanged, at: datetime, seq: int) -> None:
    insort(state.agencies[f.agency].mandates, (at, seq, f.mandate))


def _merged(state: RegistryState, f: p.AgencyMerged, at: datetime, seq: int) -> None:
    agency = state.agencies[f.agency]
    agency.merged_at, agency.merged_into = at, f.into


def _appointed(state: RegistryState, f: p.OfficialAppointed, at: datetime, seq: int) -> None:
    official = Official(f.official, f.name, at)
    official.postings.append((at, seq, Posting(f.agency, f.role)))
    state.officials[official.id] = official


def _transferred(state: RegistryState, f: p.OfficialTransferred, at: datetime, seq: int) -> None:
    insort(state.officials[f.official].postings, (at, seq, Posting(f.agency, f.role)))


def _departed(state: RegistryState, f: p.OfficialDeparted, at: datetime, seq: int) -> None:
    state.officials[f.official].departed_at = at


def _defined(state: RegistryState, f: p.ProcedureDefined, at: datetime, seq: int) -> None:
    procedure = Procedure(f.procedure, f.name, f.processing_days, f.focal_agency, f.domains)
    insort(state.procedures.setdefault(procedure.code, []), (at, seq, procedure))


def _declared(state: RegistryState, f: p.CalendarDayDeclared, at: datetime, seq: int) -> None:
    state.calendar[f.date] = (f.working, f.reference)


_CHANGES: dict[type[p.Payload], Callable[[RegistryState, Any, datetime, int], None]] = {
    p.AgencyRegistered: _registered,
    p.AgencyMandateChanged: _mandate_changed,
    p.AgencyMerged: _merged,
    p.OfficialAppointed: _appointed,
    p.OfficialTransferred: _transferred,
    p.OfficialDeparted: _departed,
    p.ProcedureDefined: _defined,
    p.CalendarDayDeclared: _declared,
}
