"""A registry event appended after the cases re-judges only the cases whose judgement read what it
changes (`ledger.rules.reads`), and leaves the read models exactly as a rebuild makes them — for
every registry event type, claimed before the cases (recorded late), on both stores."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest

from ledger import Ledger
from ledger.demo import DEFAULT_REGISTRY, history_lines
from ledger.projections import rows
from tests.conftest import REPO

EARLY = "2024-01-05T08:00:00+07:00"  # after the registry (2023), before the first case
NOW = datetime(2025, 3, 14, 3, 0, tzinfo=timezone.utc)
CASE_TABLES = ("case_files", "consultation_files", "violation_rows", "registry_reads")


def _procedure(code: str, **changes: Any) -> dict[str, Any]:
    for line in DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if event["type"] == "ProcedureDefined" and event["procedure"] == code:
            return {**{k: v for k, v in event.items() if k not in ("id", "note")}, **changes}
    raise LookupError(code)


#: (registry event, what it must do to the cases' rows): "nothing" (no case read the entry: none is
#: judged again), "same" (the cases that read it are judged again, to the same rows), "changes"
#: (some case's rows change). Each reaches back before the cases.
CHANGES: list[tuple[dict[str, Any], str]] = [
    ({"type": "OfficialAppointed", "official": "sxd.new", "name": "Nguyễn Văn Mới", "agency": "SXD",
      "role": "specialist", "at": EARLY}, "nothing"),
    ({"type": "AgencyRegistered", "agency": "SNEW", "name": "Sở Mới", "name_en": "New Department",
      "kind": "department", "mandate": ["science"], "at": EARLY}, "nothing"),
    ({"type": "CalendarDayDeclared", "date": "2024-06-12", "working": False, "reference": "Quyết định 1",
      "at": EARLY}, "changes"),
    ({"type": "AgencyMandateChanged", "agency": "STTTT", "mandate": ["communications"], "at": EARLY}, "changes"),
    # stnmt.ltb answered on "land" (examples/sample-cases.jsonl): from SXD, that is outside its mandate.
    ({"type": "OfficialTransferred", "official": "stnmt.ltb", "agency": "SXD", "role": "specialist",
      "at": EARLY}, "changes"),
    ({"type": "AgencyMerged", "agency": "SCT", "into": "SKHDT", "at": "2024-07-01T08:00:00+07:00"}, "changes"),
    (_procedure("JUDICIAL_RECORD", processing_days=3, at=EARLY), "changes"),
    ({"type": "OfficialDeparted", "official": "sct.lht", "at": "2024-12-01T08:00:00+07:00"}, "same"),
]


def _case_tables(ledger: Ledger) -> dict[str, Any]:
    return {name: rows for name, rows in ledger.projections.table_rows().items() if name in CASE_TABLES}


@pytest.fixture
def city(store_url: str) -> Any:
    with Ledger(store_url, clock=lambda: NOW) as ledger:
        lines = [*DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines(), *history_lines(40, 7, NOW),
                 *(REPO / "examples" / "sample-cases.jsonl").read_text(encoding="utf-8").splitlines()]
        assert not ledger.import_lines(lines, source="import").refused
        yield ledger


@pytest.mark.parametrize("change, effect", CHANGES, ids=[c["type"] for c, _ in CHANGES])
def test_a_registry_event_redoes_only_the_cases_that_read_what_it_changes(city: Ledger, change: dict[str, Any],
                                                                         effect: str, monkeypatch: Any) -> None:
    folded: list[str] = []
    original = rows.case_rows

    def counted(ref: str, *args: Any, **kwargs: Any) -> Any:
        folded.append(ref)
        return original(ref, *args, **kwargs)

    monkeypatch.setattr(rows, "case_rows", counted)
    cases = city.projections.case_count()
    before = _case_tables(city)
    city.append(change, source="web")
    after = _case_tables(city)

    assert len(folded) < cases / 3  # not every case: the 40 span a year
    changed = {name for name in CASE_TABLES if after[name] != before[name]}
    assert bool(changed - {"registry_reads"}) == (effect == "changes"), changed
    assert (folded == []) == (effect == "nothing"), folded
    redone = {row[0] for name in CASE_TABLES for row in set(after[name]) ^ set(before[name])}
    assert redone <= set(folded)  # a row changed only where its case was judged again

    city.rebuild()
    assert _case_tables(city) == after


def test_the_changes_one_after_another_leave_what_a_rebuild_gives(city: Ledger) -> None:
    for change, _ in CHANGES:
        city.append(change, source="web")
    incremental = city.projections.table_rows()
    assert city.verify(full=True).ok  # verify --full recomputes every case's rows, registry reads included
    city.rebuild()
    assert city.projections.table_rows() == incremental


def test_verify_full_notices_a_registry_read_removed_from_the_read_models(city: Ledger) -> None:
    from sqlalchemy import delete

    from ledger.projections.tables import registry_reads

    with city.projections.view.transaction(commit=True) as session:
        session.execute(delete(registry_reads).where(registry_reads.c.read == "official:stnmt.ltb"))
    problems = [str(p) for p in city.verify(full=True).problems]
    assert any("registry_reads" in p for p in problems), problems
