"""`ledger worker` outlives a database that goes away: it says so, waits, and carries on (found
by the reliability suite: a PostgreSQL restart used to end it with exit 1, and nothing restarted
it). `--once` still fails loudly."""

from __future__ import annotations

import time
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy.exc import OperationalError

from ledger import Ledger
from ledger.cli import main
from ledger.projections import Projections


class Stop(Exception):
    pass


def test_the_worker_waits_out_a_store_failure_and_then_catches_up(tmp_path: Any, monkeypatch: pytest.MonkeyPatch):
    url = f"sqlite:///{tmp_path / 'l.db'}"
    Ledger(url).close()
    real = Projections.catch_up
    calls: list[str] = []

    def flaky(self: Projections, **kwargs: Any) -> int:
        calls.append("catch_up")
        if len(calls) == 1:
            raise OperationalError("SELECT 1", None, Exception("terminating connection due to administrator command"))
        return real(self, **kwargs)

    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:  # the pause after the failure, then the first ordinary poll: enough
            raise Stop

    monkeypatch.setattr(Projections, "catch_up", flaky)
    monkeypatch.setattr(time, "sleep", sleep)
    result = CliRunner().invoke(main, ["--db", url, "worker", "--interval", "0.5"])
    assert isinstance(result.exception, Stop), result.output
    assert "the store failed: " in result.stderr and "terminating connection" in result.stderr
    assert "trying again in 0.5 s" in result.stderr
    assert "up to date" in result.stdout
    assert calls == ["catch_up", "catch_up"] and sleeps == [0.5, 0.5]


def test_with_once_a_store_failure_still_ends_the_worker_with_a_message(tmp_path: Any, monkeypatch: pytest.MonkeyPatch):
    url = f"sqlite:///{tmp_path / 'l.db'}"
    Ledger(url).close()

    def failing(self: Projections, **kwargs: Any) -> int:
        raise OperationalError("SELECT 1", None, Exception("the database system is shutting down"))

    monkeypatch.setattr(Projections, "catch_up", failing)
    result = CliRunner().invoke(main, ["--db", url, "worker", "--once"])
    assert result.exit_code != 0 and "the database system is shutting down" in result.stderr
