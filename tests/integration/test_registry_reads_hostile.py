"""Hostile tests of the selective re-judging after registry events (`ledger.rules.reads`,
`Projections._refresh`/`_dependents`): whatever is appended or imported, in whatever order and
windows, the read models must equal a rebuild row for row; `verify --full` must notice altered
rows (registry_reads and the calendar span included); read models of an older version are dropped
and rebuilt on open."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import delete, insert, text, update

from ledger import Ledger
from ledger.demo import DEFAULT_REGISTRY, history_lines
from ledger.domain.errors import Refused
from ledger.projections import runner
from ledger.projections.tables import case_files, registry_reads
from tests.conftest import REPO

NOW = datetime(2025, 3, 14, 3, 0, tzinfo=UTC)
EARLY = "2024-01-05T08:00:00+07:00"
REGISTRY = [json.loads(line) for line in DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines()]
AGENCIES = [e["agency"] for e in REGISTRY if e["type"] == "AgencyRegistered"]
OFFICIALS = [e["official"] for e in REGISTRY if e["type"] == "OfficialAppointed"]
PROCEDURES = [e for e in REGISTRY if e["type"] == "ProcedureDefined"]
DOMAINS = sorted({d for e in REGISTRY if e["type"] == "AgencyRegistered" for d in e["mandate"]})


def _at(day: str, hour: int = 8) -> str:
    return f"{day}T{hour:02d}:00:00+07:00"


def _case_lines() -> list[str]:
    return [*history_lines(40, 7, NOW), *(REPO / "examples" / "sample-cases.jsonl").read_text(encoding="utf-8").splitlines()]


def _open_city(url: str) -> Ledger:
    ledger = Ledger(url, clock=lambda: NOW)
    assert not ledger.import_lines([*DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines(), *_case_lines()]).refused
    return ledger


@pytest.fixture
def city(store_url: str) -> Any:
    with _open_city(store_url) as ledger:
        yield ledger


def _diff(a: dict[str, list[Any]], b: dict[str, list[Any]]) -> dict[str, Any]:
    return {t: (sorted(set(a[t]) - set(b[t]), key=repr)[:3], sorted(set(b[t]) - set(a[t]), key=repr)[:3])
            for t in a if a[t] != b.get(t)}


def _matches_rebuild(ledger: Ledger) -> dict[str, list[Any]]:
    ledger.projections.catch_up()
    incremental = ledger.projections.table_rows()
    ledger.rebuild()
    rebuilt = ledger.projections.table_rows()
    assert incremental == rebuilt, _diff(incremental, rebuilt)
    return rebuilt


def _full_ok(ledger: Ledger) -> None:
    result = ledger.verify(full=True)
    assert result.ok, [str(p) for p in result.problems]


def _append_each(ledger: Ledger, events: list[dict[str, Any]]) -> None:
    """Append one by one (each its own window), the read models checked against the events after each."""
    for event in events:
        ledger.append(event, source="import")
        _full_ok(ledger)


def _case(ref: str, day: str, *, to: str = "STNMT", lead: str = "SXD", official: str = "sxd.nva") -> list[dict[str, Any]]:
    return [
        {"type": "CaseOpened", "case": ref, "procedure": "REAL_ESTATE_DIFFICULTY", "title": "T",
         "applicant": {"name": "A", "kind": "enterprise"}, "by": "vp.clerk", "at": _at(day, 9)},
        {"type": "LeadAssigned", "case": ref, "agency": lead, "official": official, "by": "vp.clerk", "at": _at(day, 10)},
        {"type": "ConsultationRequested", "case": ref, "consultation": "C1", "to": to, "question": "Q",
         "domains": ["land"], "due_days": 5, "by": official, "at": _at(day, 11)},
    ]


def _merge(agency: str, into: str, day: str) -> dict[str, Any]:
    return {"type": "AgencyMerged", "agency": agency, "into": into, "at": _at(day)}


def _day(day: str, working: bool, at: str = EARLY) -> dict[str, Any]:
    return {"type": "CalendarDayDeclared", "date": day, "working": working, "reference": f"QĐ {day}", "at": at}


CHAINS = {
    "forward": [_merge("STNMT", "SKHDT", "2024-04-01"), _merge("SKHDT", "SXD", "2024-08-01")],
    "later-link-first": [_merge("SKHDT", "SXD", "2024-08-01"), _merge("STNMT", "SKHDT", "2024-04-01")],
    "backdated-link-after": [_merge("SKHDT", "SXD", "2024-04-01"), _merge("STNMT", "SKHDT", "2024-02-01")],
    "before-every-consultation": [_merge("STNMT", "SXD", "2024-01-05"), _merge("SXD", "STC", "2024-01-06")],
    "cycle-then-remerge": [_merge("STNMT", "SKHDT", "2024-08-01"), _merge("SKHDT", "STNMT", "2024-04-01"),
                           _merge("STNMT", "SXD", "2024-02-01")],
}


@pytest.mark.parametrize("chain", CHAINS.values(), ids=CHAINS.keys())
def test_merge_chains_claimed_in_any_order(city: Ledger, chain: list[dict[str, Any]]) -> None:
    before = city.projections.table_rows()
    _append_each(city, chain)
    assert _matches_rebuild(city)["violation_rows"] != before["violation_rows"]  # the attack bites


def test_transfers_and_departure_between_two_acts_of_one_official(city: Ledger) -> None:
    # HCM-2024-0001: stnmt.ltb designated 03-06, answers on "land" 03-22; sxd.nva acts 03-05 … 04-02.
    before = city.projections.table_rows()
    _append_each(city, [
        {"type": "OfficialTransferred", "official": "stnmt.ltb", "agency": "SXD", "role": "specialist",
         "at": _at("2024-03-21")},
        {"type": "OfficialTransferred", "official": "sxd.nva", "agency": "STC", "role": "specialist",
         "at": _at("2024-03-20")},
        {"type": "OfficialTransferred", "official": "sxd.nva", "agency": "SXD", "role": "specialist",
         "at": _at("2024-03-28")},
        {"type": "OfficialDeparted", "official": "stnmt.ltb", "at": _at("2024-03-22", 12)},
        _merge("SXD", "SKHDT", "2024-03-29"),
    ])
    after = _matches_rebuild(city)
    assert {r for r in after["violation_rows"] if r[0] == "HCM-2024-0001"} != \
        {r for r in before["violation_rows"] if r[0] == "HCM-2024-0001"}


def test_procedure_redefinitions_with_new_focal_agency_and_its_merge(city: Ledger) -> None:
    base = next(e for e in PROCEDURES if e["procedure"] == "REAL_ESTATE_DIFFICULTY")
    fields = {k: v for k, v in base.items() if k not in ("id", "note")}
    before = city.projections.table_rows()
    _append_each(city, [
        {**fields, "focal_agency": "STC", "processing_days": 5, "at": EARLY},
        {**fields, "focal_agency": "SKHDT", "processing_days": 2, "at": _at("2024-03-04", 12)},
        _merge("SKHDT", "SXD", "2024-03-01"),
        {**fields, "focal_agency": None, "processing_days": 40, "at": _at("2024-06-01")},
    ])
    assert _matches_rebuild(city)["case_files"] != before["case_files"]


def _paused_case(ledger: Ledger) -> None:
    """A case paused since 2024-05-08 with an open consultation (due 5 working days after 05-07)
    and a broken promise (RESCHEDULE_MISSED is judged while paused)."""
    ledger.append([*_case("HCM-2024-7001", "2024-05-06"),
                   {"type": "SupplementRequested", "case": "HCM-2024-7001", "reason": "R", "by": "sxd.nva",
                    "at": _at("2024-05-08")},
                   {"type": "ApologyIssued", "case": "HCM-2024-7001", "reason": "R", "new_due": "2024-05-20",
                    "by": "sxd.head", "at": _at("2024-05-09")}], source="import")


def test_calendar_days_inside_pauses_due_windows_and_span_edges(city: Ledger) -> None:
    _paused_case(city)
    before = city.projections.table_rows()
    spans = {r[0]: (r[-2], r[-1]) for r in before["case_files"]}
    late = min((ref for ref in spans if spans[ref][0] > date(2024, 7, 1)), key=lambda ref: spans[ref])
    edges = [spans[late][0], spans[late][1], spans[late][1] + timedelta(days=1), spans["HCM-2024-7001"][1] + timedelta(days=1)]
    _append_each(city, [
        _day("2024-03-30", True),   # Saturday inside HCM-2024-0001's closed pause (03-25 → 04-01)
        _day("2024-03-09", True),   # Saturday inside its consultation's window (03-05, 10 working days)
        _day("2024-05-11", True),   # Saturday inside HCM-2024-7001's open pause and consultation window
        _day("2024-05-13", False),  # a Monday inside both
        *(_day(d.isoformat(), not city.calendar().is_working_day(d)) for d in edges),
        _day("2026-03-02", False),  # the next year, after every case's last computed day
        _merge("SXD", "STC", "2024-09-01"),  # the paused case's promise: judged against the lead's successor
        _day("2024-05-11", False, at=_at("2024-02-01")),  # the same day declared again, the other way
    ])
    after = _matches_rebuild(city)
    changed = {r[0] for r in set(after["case_files"]) ^ set(before["case_files"])}
    assert {"HCM-2024-0001", "HCM-2024-7001", late} <= changed


def test_registry_and_case_events_in_one_import_file_then_several_registry_events(city: Ledger) -> None:
    new = [
        {"type": "AgencyRegistered", "agency": "SNEW", "name": "Sở Mới", "name_en": "New", "kind": "department",
         "mandate": ["land"], "at": EARLY},
        {"type": "OfficialAppointed", "official": "snew.a", "name": "A", "agency": "SNEW", "role": "specialist",
         "at": EARLY},
        *_case("HCM-2024-7002", "2024-06-03", to="SNEW"),
        {"type": "ConsultationAnswered", "case": "HCM-2024-7002", "consultation": "C1", "position": "not_competent",
         "reasoning": "R", "domains": ["land"], "by": "snew.a", "at": _at("2024-06-20")},
        _day("2024-06-08", True),
        {"type": "AgencyMandateChanged", "agency": "SNEW", "mandate": ["science"], "at": _at("2024-06-10")},
    ]
    assert not city.import_lines([json.dumps(e, ensure_ascii=False) for e in new]).refused
    _full_ok(city)
    more = [
        {"type": "AgencyMandateChanged", "agency": "SNEW", "mandate": ["land", "housing"], "at": _at("2024-06-15")},
        {"type": "OfficialTransferred", "official": "snew.a", "agency": "STP", "role": "specialist", "at": _at("2024-06-19")},
        _merge("SNEW", "SXD", "2024-06-25"),
        _day("2024-06-05", False),
        {"type": "CaseResolved", "case": "HCM-2024-7002", "outcome": "answered", "by": "sxd.nva", "at": _at("2024-07-01")},
        {"type": "AgencyMandateChanged", "agency": "STNMT", "mandate": ["environment"], "at": EARLY},
    ]
    assert not city.import_lines([json.dumps(e, ensure_ascii=False) for e in more]).refused
    _matches_rebuild(city)


def test_an_official_named_before_appointment_then_a_backdated_transfer_and_a_mixed_append(city: Ledger) -> None:
    city.append(_case("HCM-2024-7003", "2024-07-01", to="STP"), source="import")
    designation = {"type": "ConsultationHandlerDesignated", "case": "HCM-2024-7003", "consultation": "C1",
                   "official": "stp.future", "by": "stp.head", "at": _at("2024-07-03", 14)}
    with pytest.raises(Refused):  # a handler not yet appointed is refused, so no case names one early
        city.append({**designation, "at": _at("2024-07-02")}, source="import")
    _append_each(city, [
        {"type": "OfficialAppointed", "official": "stp.future", "name": "F", "agency": "STP", "role": "specialist",
         "at": _at("2024-07-03")},
        designation,
        {"type": "ConsultationAnswered", "case": "HCM-2024-7003", "consultation": "C1", "position": "agree",
         "reasoning": "R", "domains": ["notary"], "by": "stp.future", "at": _at("2024-07-04")},
    ])
    before = city.projections.table_rows()
    _append_each(city, [
        {"type": "OfficialTransferred", "official": "stp.future", "agency": "SYT", "role": "specialist",
         "at": _at("2024-07-03", 12)},  # between the appointment and the designation: the answer is SYT's
        {"type": "OfficialDeparted", "official": "stp.future", "at": _at("2024-07-04", 12)},
    ])
    assert _matches_rebuild(city)["violation_rows"] != before["violation_rows"]
    city.append([{"type": "CaseResolved", "case": "HCM-2024-7003", "outcome": "answered", "by": "sxd.nva",
                  "at": _at("2024-07-08")},
                 {"type": "AgencyMandateChanged", "agency": "SYT", "mandate": ["health", "notary"], "at": EARLY}],
                source="import")  # one append, one window: a case event and a registry event
    _full_ok(city)
    _matches_rebuild(city)


def _random_registry_event(rng: random.Random, n: int) -> dict[str, Any]:
    at = (datetime(2024, 1, 2, 8, tzinfo=timezone(timedelta(hours=7)))
          + timedelta(minutes=rng.randrange(60 * 24 * 430))).isoformat()
    kind = rng.choice("mmdtxpcc")
    if kind == "m":
        agency, into = rng.sample(AGENCIES, 2)
        return {"type": "AgencyMerged", "agency": agency, "into": into, "at": at}
    if kind == "d":
        return {"type": "AgencyMandateChanged", "agency": rng.choice(AGENCIES), "mandate": rng.sample(DOMAINS, 2), "at": at}
    if kind == "t":
        return {"type": "OfficialTransferred", "official": rng.choice(OFFICIALS), "agency": rng.choice(AGENCIES),
                "role": "specialist", "at": at}
    if kind == "x":
        return {"type": "OfficialDeparted", "official": rng.choice(OFFICIALS), "at": at}
    if kind == "p":
        base = rng.choice(PROCEDURES)
        return {"type": "ProcedureDefined", "procedure": base["procedure"], "name": base["name"], "at": at,
                "processing_days": rng.randint(1, 40), "focal_agency": rng.choice([*AGENCIES, None]),
                "domains": rng.sample(DOMAINS, 1)}
    return _day((date(2024, 1, 1) + timedelta(days=rng.randrange(560))).isoformat(), rng.random() < 0.5, at)


def _import_valid(ledger: Ledger, lines: list[str]) -> None:
    """Import what the ledger accepts of `lines` (a registry change can make later case lines invalid)."""
    for _ in range(4):
        refused = {number for number, _ in ledger.import_lines(lines, dry_run=True).refused}
        lines = [line for number, line in enumerate(lines, 1) if number not in refused]
    assert not ledger.import_lines(lines).refused


def _interleaved_log(ledger: Ledger, seed: int, chunks: int) -> None:
    """The registry, then the cases in chunks of 40 lines with random registry events (claimed
    anywhere in 2024–25) mixed into each chunk's import file."""
    rng = random.Random(seed)
    assert not ledger.import_lines(DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines()).refused
    lines = _case_lines()
    for index in range(chunks):
        chunk = lines[index * 40 : (index + 1) * 40]
        for n in range(rng.randint(1, 3)):
            chunk.insert(rng.randint(0, len(chunk)), json.dumps(_random_registry_event(rng, n), ensure_ascii=False))
        _import_valid(ledger, chunk)
        _full_ok(ledger)


@pytest.mark.parametrize("seed", [1, 2])
def test_random_registry_events_mixed_into_the_case_imports(store_url: str, seed: int) -> None:
    with Ledger(store_url, clock=lambda: NOW) as ledger:
        _interleaved_log(ledger, seed, 8)
        _matches_rebuild(ledger)


def test_catch_up_in_small_windows_over_interleaved_registry_events(sqlite_url: str, monkeypatch: Any) -> None:
    with Ledger(sqlite_url, clock=lambda: NOW) as ledger:
        _interleaved_log(ledger, 3, 8)
        ledger.rebuild()
        rebuilt = ledger.projections.table_rows()
        ledger.projections.view.reset()
        monkeypatch.setattr(runner, "WINDOW", 7)
        ledger.projections.catch_up(batch_size=5)  # ~100 windows, each a few registry and case events
        assert ledger.projections.table_rows() == rebuilt


def test_two_ledgers_on_one_sqlite_file_append_registry_and_case_events(sqlite_url: str) -> None:
    _open_city(sqlite_url).close()
    with Ledger(sqlite_url, clock=lambda: NOW) as registrar, Ledger(sqlite_url, clock=lambda: NOW) as clerk:
        registrar.projections.table_rows()  # each has folded (and cached) the registry
        for i in range(6):
            day = (date(2024, 5, 6) + timedelta(days=7 * i)).isoformat()
            clerk.append(_case(f"HCM-2024-71{i:02d}", day), source="import")
            registrar.append(_day((date(2024, 5, 11) + timedelta(days=7 * i)).isoformat(), True), source="import")
            clerk.append({"type": "AgencyMandateChanged", "agency": "STNMT", "mandate": ["land"] if i % 2 else ["x"],
                          "at": EARLY}, source="import")
            registrar.append(_case(f"HCM-2024-72{i:02d}", day, to="SKHDT"), source="import")
        threads = [threading.Thread(target=lambda: [registrar.append(_day(f"2024-10-{d:02d}", d % 2 == 0), source="import")
                                                    for d in range(1, 15)]),
                   threading.Thread(target=lambda: [clerk.append(_case(f"HCM-2024-73{d:02d}", f"2024-10-{d:02d}"),
                                                                 source="import") for d in range(1, 15)])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        clerk.projections.catch_up()
        _full_ok(registrar)
        _matches_rebuild(clerk)


def _engine(ledger: Ledger) -> Any:
    return ledger.projections.view.datastore.engine  # the store's own connections (PostgreSQL: its schema)


def _old_store(url: str, statements: list[str]) -> None:
    with _open_city(url) as ledger, _engine(ledger).begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


OLD_VERSIONS = {
    "predecessor": ["ALTER TABLE case_files DROP COLUMN calendar_from", "ALTER TABLE case_files DROP COLUMN calendar_to",
                    "DROP TABLE registry_reads"],
    "no-calendar-span": ["ALTER TABLE case_files DROP COLUMN calendar_from", "ALTER TABLE case_files DROP COLUMN calendar_to"],
    "no-calendar-to": ["ALTER TABLE case_files DROP COLUMN calendar_to"],
    "no-registry-reads-table": ["DROP TABLE registry_reads"],
}


@pytest.mark.parametrize("statements", OLD_VERSIONS.values(), ids=OLD_VERSIONS.keys())
def test_read_models_of_an_older_version_are_rebuilt_on_open(store_url: str, statements: list[str]) -> None:
    _old_store(store_url, statements)
    with Ledger(store_url, clock=lambda: NOW) as ledger:
        ledger.projections.catch_up()
        opened = ledger.projections.table_rows()
        _full_ok(ledger)
        ledger.append(_merge("STNMT", "SXD", "2024-01-05"), source="import")  # re-judges the cases read from it
        ledger.append(_day("2024-03-30", True), source="import")
        incremental = ledger.projections.table_rows()
        ledger.rebuild()
        assert ledger.projections.table_rows() == incremental, _diff(incremental, ledger.projections.table_rows())
        assert opened["registry_reads"], "the new table is empty: the old case rows were kept"


def _tamper_span(column: str, shift: int) -> Callable[[Any], None]:
    def tamper(session: Any) -> None:
        row = session.execute(case_files.select().where(case_files.c.case_ref == "HCM-2024-0001")).one()
        value = None if shift == 0 else getattr(row, column) + timedelta(days=shift)
        session.execute(update(case_files).where(case_files.c.case_ref == "HCM-2024-0001").values({column: value}))
    return tamper


TAMPERING: dict[str, tuple[Callable[[Any], None], str]] = {
    "calendar_from-earlier": (_tamper_span("calendar_from", -1), "case_files"),
    "calendar_to-later": (_tamper_span("calendar_to", 400), "case_files"),
    "calendar_to-null": (_tamper_span("calendar_to", 0), "case_files"),
    "read-added": (lambda s: s.execute(insert(registry_reads).values(case_ref="HCM-2024-0001", read="agency:SYT")),
                   "registry_reads"),
    "read-of-no-case": (lambda s: s.execute(insert(registry_reads).values(case_ref="HCM-9999-0001", read="agency:SXD")),
                        "registry_reads"),
    "read-renamed": (lambda s: s.execute(update(registry_reads).where(registry_reads.c.read == "official:stnmt.ltb")
                                         .values(read="official:stnmt.ltbx")), "registry_reads"),
    "reads-of-a-case-removed": (lambda s: s.execute(delete(registry_reads).where(
        registry_reads.c.case_ref == "HCM-2024-0001")), "registry_reads"),
}


@pytest.mark.parametrize("tamper, table", TAMPERING.values(), ids=TAMPERING.keys())
def test_verify_full_notices_altered_reads_and_spans(city: Ledger, tamper: Callable[[Any], None], table: str) -> None:
    _full_ok(city)
    with city.projections.view.transaction(commit=True) as session:
        tamper(session)
    problems = [str(p) for p in city.verify(full=True).problems]
    assert any(table in p for p in problems), problems
