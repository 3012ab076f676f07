"""Typed events changed no stored byte (issue 10): an export written before them restores, verifies and
exports back line for line, and every report says what it said then.

The files were made by commit 1f122bc, the last before typed events (see tests/data/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main
from tests.conftest import REPO

DATA = REPO / "tests" / "data"
#: The public key that signed `every-type.export-1f122bc.jsonl` (its private half was discarded).
EVERY_TYPE_KEY = "ZRw6CesP+9K6phewTOYw3YoC+fYNiVfeRCBOdRL+4jQ="
AS_OF = "2024-12-31"


def ledger(db: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def restored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LEDGER_KEY_FILE", str(tmp_path / "key"))
    db = tmp_path / "restored.db"
    ledger(db, "restore", "--trusted-key", EVERY_TYPE_KEY, str(DATA / "every-type.export-1f122bc.jsonl"))
    return db


def test_an_export_made_before_typed_events_restores_and_verifies_in_full(restored: Path) -> None:
    said = ledger(restored, "verify", "--full")
    assert "ledger intact: 39 events" in said


def test_it_exports_back_the_same_lines_byte_for_byte(restored: Path, tmp_path: Path) -> None:
    out = tmp_path / "again.jsonl"
    ledger(restored, "export", "-o", str(out))
    before = (DATA / "every-type.export-1f122bc.jsonl").read_text(encoding="utf-8").splitlines()
    after = out.read_text(encoding="utf-8").splitlines()
    # Every event line is the same; the closing checkpoint is this instance's own signature.
    assert after[:-1] == before[:-1] and len(before) == 40


@pytest.mark.parametrize("report, args", [
    ("violations", ("violations", "--as-of", AS_OF, "--format", "json")),
    ("delays", ("delays", "--as-of", AS_OF, "--format", "json")),
    ("scorecard", ("scorecard", "--from", "2024-01-01", "--to", AS_OF, "--format", "json")),
])
def test_every_report_says_what_it_said_before(restored: Path, report: str, args: tuple[str, ...]) -> None:
    assert ledger(restored, *args) == (DATA / f"every-type.{report}-1f122bc.json").read_text(encoding="utf-8")


def test_a_case_history_reads_as_it_did(restored: Path) -> None:
    expected = (DATA / "every-type.history-1f122bc.txt").read_text(encoding="utf-8")
    assert ledger(restored, "history", "HS-1", "--as-of", AS_OF) == expected


def test_the_same_lines_imported_afresh_give_the_same_violations(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_KEY_FILE", str(tmp_path / "key"))
    db = tmp_path / "fresh.db"
    ledger(db, "import", str(DATA / "every-type.jsonl"))
    expected = (DATA / "every-type.violations-1f122bc.json").read_text(encoding="utf-8")
    assert ledger(db, "violations", "--as-of", AS_OF, "--format", "json") == expected
