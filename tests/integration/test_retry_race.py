"""A client's retry racing its original request (same `id`, same content) is answered as a
duplicate of the original, never refused as if it were a new event (found by the reliability
suite under load: the retry saw the consultation already answered). The racing request comes from
another `Ledger` on the same store, as from another worker process: writes of one process wait
for each other (`EventLog.writing`)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from ledger import BatchRefused, Ledger
from ledger.batch import Batch
from ledger.demo import DEFAULT_REGISTRY


def _opened_with_a_consultation(ledger: Ledger) -> dict[str, Any]:
    ledger.import_lines(DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines())
    at = (ledger.clock() - timedelta(days=3)).isoformat()
    ledger.append([
        {"type": "CaseOpened", "case": "R-1", "procedure": "REAL_ESTATE_DIFFICULTY", "title": "t", "at": at,
         "by": "vp.clerk"},
        {"type": "LeadAssigned", "case": "R-1", "agency": "SXD", "official": "sxd.nva", "at": at, "by": "vp.clerk"},
        {"type": "ConsultationRequested", "case": "R-1", "consultation": "C1", "to": "STC", "question": "?",
         "at": at, "by": "sxd.nva"},
    ], source="api")
    return {"type": "ConsultationAnswered", "case": "R-1", "consultation": "C1", "position": "agree",
            "reasoning": "ok", "at": (ledger.clock() - timedelta(minutes=1)).isoformat(), "id": "retry-me"}


def test_a_retry_whose_original_commits_while_it_is_being_checked_is_a_duplicate(
        ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    answer = _opened_with_a_consultation(ledger)
    looked_up, go = threading.Event(), threading.Event()
    original = Batch._aggregate_for

    def paused(self: Batch, envelope: Any) -> Any:
        # The retry has looked its id up (not there yet); the original commits before it reads the case.
        if threading.current_thread().name == "retry" and not go.is_set():
            looked_up.set()
            go.wait(10)
        return original(self, envelope)

    monkeypatch.setattr(Batch, "_aggregate_for", paused)
    result: dict[str, Any] = {}

    def retry() -> None:
        try:
            with Ledger(ledger.config.url, clock=ledger.clock) as other_process:
                result["retry"] = other_process.append(answer, source="api", actor="stc.pttt")[0]
        except BatchRefused as refused:
            result["retry"] = refused

    thread = threading.Thread(target=retry, name="retry")
    thread.start()
    assert looked_up.wait(10)
    first = ledger.append(answer, source="api", actor="stc.pttt")[0]
    go.set()
    thread.join(20)

    again = result["retry"]
    assert not isinstance(again, BatchRefused), f"the retry was refused: {again}"
    assert again.duplicate and again.event == first.event and not first.duplicate
    assert sum(1 for r in ledger.records() if r.key == "retry-me") == 1


def test_a_racing_request_reusing_the_id_for_other_content_is_a_key_conflict(
        ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    answer = _opened_with_a_consultation(ledger)
    other = {**answer, "reasoning": "something else"}
    looked_up, go = threading.Event(), threading.Event()
    original = Batch._aggregate_for

    def paused(self: Batch, envelope: Any) -> Any:
        if threading.current_thread().name == "rival" and not go.is_set():
            looked_up.set()
            go.wait(10)
        return original(self, envelope)

    monkeypatch.setattr(Batch, "_aggregate_for", paused)
    result: dict[str, Any] = {}

    def rival() -> None:
        try:
            with Ledger(ledger.config.url, clock=ledger.clock) as other_process:
                result["rival"] = other_process.append(other, source="api", actor="stc.pttt")
        except BatchRefused as refused:
            result["rival"] = refused

    thread = threading.Thread(target=rival, name="rival")
    thread.start()
    assert looked_up.wait(10)
    ledger.append(answer, source="api", actor="stc.pttt")
    go.set()
    thread.join(20)

    refused = result["rival"]
    assert isinstance(refused, BatchRefused)
    assert [r.code for _, r in refused.refusals] == ["key_in_ledger"]
