"""An append's few events are taken into the read models by the small-window path (each case's
rows computed before the first write, `Projections._take_small`); events appended one at a time —
registry events (the full path) among them — must leave the read models a rebuild gives, row for
row, on both stores."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from ledger import Ledger
from ledger.demo import DEFAULT_REGISTRY
from ledger.projections import runner
from tests.conftest import REPO


def test_events_appended_one_at_a_time_give_the_read_models_a_rebuild_gives(store_url: str, clock: Any,
                                                                           monkeypatch: Any) -> None:
    taken: list[bool] = []
    original = runner.Projections._take_small

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        window = original(self, *args, **kwargs)
        taken.append(window is not None)
        return window

    monkeypatch.setattr(runner.Projections, "_take_small", counted)
    clock.now = datetime(2025, 3, 14, 3, 0, tzinfo=timezone.utc)
    with Ledger(store_url, clock=clock) as ledger:
        registry = DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines()
        sample = (REPO / "examples" / "sample-cases.jsonl").read_text(encoding="utf-8").splitlines()
        for line in [*registry, *sample]:
            ledger.append(json.loads(line), source="import")
        assert True in taken and False in taken  # both paths were taken
        incremental = ledger.projections.table_rows()
        assert len(incremental["facts"]) == ledger.event_count()
        assert sum(len(incremental[t]) for t in ("case_files", "consultation_files", "violation_rows")) > 10
        assert ledger.rebuild() == ledger.event_count()
        assert ledger.projections.table_rows() == incremental
