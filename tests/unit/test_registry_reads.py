"""What judging a case reads of the registry and the calendar (`ledger.rules.reads`), and what each
registry event changes: the two halves a registry event's selective re-judging is matched on."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from ledger.calendar import LOCAL_TZ, WorkingCalendar
from ledger.domain import payloads as p
from ledger.domain.registry import RegistryState
from ledger.rules.reads import ReadCalendar, ReadRegistry, Reads, changed_by

T0 = datetime(2024, 1, 2, 8, 0, tzinfo=LOCAL_TZ)
LATER = datetime(2024, 6, 3, 8, 0, tzinfo=LOCAL_TZ)


def _state() -> RegistryState:
    state = RegistryState()
    for code in ("SXD", "SCT", "SKHDT"):
        state.apply(p.AgencyRegistered(agency=code, name=code, name_en=code, kind="department", mandate=("trade",)), T0)
    state.apply(p.AgencyMerged(agency="SCT", into="SKHDT"), LATER)
    state.apply(p.OfficialAppointed(official="sxd.a", name="A", agency="SXD", role="specialist"), T0)
    return state


def test_every_registry_entry_asked_about_is_noted_found_or_not() -> None:
    reads = Reads()
    registry = ReadRegistry(_state(), reads)
    assert registry.posting_at("sxd.a", LATER) is not None
    assert registry.posting_at("nobody.yet", LATER) is None
    assert registry.procedure_at("NO_SUCH", LATER) is None
    assert registry.mandate_at("SXD", LATER) == ("trade",)
    assert registry.agency_at("SNEW", LATER) is None
    assert reads.keys == {"official:sxd.a", "official:nobody.yet", "procedure:NO_SUCH", "agency:SXD", "agency:SNEW"}


def test_a_successor_notes_every_agency_on_the_merge_chain() -> None:
    reads = Reads()
    assert ReadRegistry(_state(), reads).successor_at("SCT", LATER) == "SKHDT"
    assert reads.keys == {"agency:SCT", "agency:SKHDT"}


def test_the_registrys_tables_cannot_be_read_around_the_notes() -> None:
    registry = ReadRegistry(_state(), Reads())
    with pytest.raises(AttributeError):
        registry.agencies  # noqa: B018 - reading it is the point
    with pytest.raises(AttributeError):
        registry.calendar_overrides()


def test_the_calendar_notes_the_span_of_days_every_computation_covered() -> None:
    base = WorkingCalendar()
    for ask, first, last in [
        (lambda c: c.wd(date(2024, 3, 1), date(2024, 3, 20)), date(2024, 3, 1), date(2024, 3, 20)),
        (lambda c: c.wd(date(2024, 3, 20), date(2024, 3, 1)), date(2024, 3, 1), date(2024, 3, 20)),
        (lambda c: c.add_wd(date(2024, 3, 1), 10), date(2024, 3, 1), base.add_wd(date(2024, 3, 1), 10)),
        (lambda c: c.last_working_day_before(date(2024, 3, 4)), date(2024, 3, 1), date(2024, 3, 4)),
        (lambda c: c.is_working_day(date(2024, 3, 9)), date(2024, 3, 9), date(2024, 3, 9)),
        (lambda c: c.days_late(date(2024, 3, 1), date(2024, 3, 5)), date(2024, 3, 1), date(2024, 3, 5)),
    ]:
        reads = Reads()
        calendar = ReadCalendar(base, reads)
        assert ask(calendar) == ask(base)  # the same answers as the calendar it wraps
        assert (reads.first_day, reads.last_day) == (first, last)


def test_the_span_grows_to_cover_every_computation() -> None:
    reads = Reads()
    calendar = ReadCalendar(WorkingCalendar(), reads)
    calendar.wd(date(2024, 5, 1), date(2024, 5, 10))
    calendar.wd(date(2024, 4, 1), date(2024, 4, 3))
    calendar.add_wd(date(2024, 6, 1), 1)
    assert (reads.first_day, reads.last_day) == (date(2024, 4, 1), date(2024, 6, 3))


@pytest.mark.parametrize("payload, keys, day", [
    (p.AgencyRegistered(agency="S", name="S", name_en="S", kind="department", mandate=("x",)), {"agency:S"}, None),
    (p.AgencyMandateChanged(agency="S", mandate=("x",)), {"agency:S"}, None),
    (p.AgencyMerged(agency="S", into="T"), {"agency:S", "agency:T"}, None),
    (p.OfficialAppointed(official="o", name="O", agency="S", role="clerk"), {"official:o"}, None),
    (p.OfficialTransferred(official="o", agency="T", role="clerk"), {"official:o"}, None),
    (p.OfficialDeparted(official="o"), {"official:o"}, None),
    (p.ProcedureDefined(procedure="P", name="P", processing_days=5, focal_agency=None, domains=("x",)),
     {"procedure:P"}, None),
    (p.CalendarDayDeclared(date=date(2024, 6, 12), working=False, reference="QĐ"), set(), date(2024, 6, 12)),
])
def test_each_registry_event_names_what_it_changes(payload: p.Payload, keys: set[str], day: date | None) -> None:
    assert changed_by(payload) == (keys, day)


def test_a_case_event_is_no_registry_change() -> None:
    with pytest.raises(ValueError):
        changed_by(p.CaseResolved(outcome="approved"))
