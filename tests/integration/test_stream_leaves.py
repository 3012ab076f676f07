"""One stream's events are checked against their own sealed leaves only: the registry's first and
latest events span the whole log, and reading every leaf between them made each inspector's case
page (which folds the registry) read the whole tree once any registry event came late."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ledger import CorruptEvent, Ledger
from ledger.demo import DEFAULT_REGISTRY
from ledger.domain.registry import REGISTRY_ID
from tests.conftest import REPO
from tests.integration.test_integrity import raw_sql


def test_a_stream_reads_the_leaves_of_its_own_events_and_no_other(ledger: Ledger, monkeypatch: Any) -> None:
    registry = DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines()
    sample = (REPO / "examples" / "sample-cases.jsonl").read_text(encoding="utf-8").splitlines()
    assert not ledger.import_lines([*registry, *sample]).refused
    ledger.append({"type": "OfficialAppointed", "official": "sxd.late", "name": "Trần Văn Muộn", "agency": "SXD",
                   "role": "specialist", "at": "2024-11-01T08:00:00+07:00"}, source="web")
    read: list[int] = []
    recorder = ledger.log.recorder
    original = recorder.stored_leaves_at

    def counted(positions: Any) -> Any:
        leaves = original(positions)
        read.extend(position for position, _, _ in leaves)
        return leaves

    def whole_range(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a stream's leaves were read as a range of the log")

    monkeypatch.setattr(recorder, "stored_leaves_at", counted)
    monkeypatch.setattr(recorder, "stored_leaves", whole_range)
    state = ledger.registry_as_of()
    assert "sxd.late" in state.officials
    stream = [record.position for record in ledger.log.stream_records(REGISTRY_ID)]
    assert sorted(set(read)) == stream and len(stream) == len(registry) + 1
    assert ledger.event_count() - len(stream) == len(sample)  # the case events between were not read


def test_a_late_registry_event_altered_after_sealing_is_still_refused(ledger: Ledger) -> None:
    registry = DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines()
    assert not ledger.import_lines(registry).refused
    ledger.append(json.loads((REPO / "examples" / "sample-cases.jsonl").read_text(encoding="utf-8").splitlines()[0]), source="import")
    ledger.append({"type": "OfficialAppointed", "official": "sxd.late", "name": "Trần Văn Muộn", "agency": "SXD",
                   "role": "specialist", "at": "2024-11-01T08:00:00+07:00"}, source="web")
    late = ledger.event_count()
    with raw_sql(ledger) as sql:
        (state,) = sql("SELECT state FROM {table} WHERE {position} = %s", late)[0]
        sql("UPDATE {table} SET state = %s WHERE {position} = %s", bytes(state).replace(b"sxd.late", b"sxd.lade"), late)
    with pytest.raises(CorruptEvent, match="differ"):
        ledger.registry_as_of()
