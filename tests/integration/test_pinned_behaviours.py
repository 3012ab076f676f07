"""Behaviours no test pinned before (defect 13): each test here killed a hand-made mutant that survived the suite.

1. WORK_PROGRAMME_LATE, SPEC §6: an agency owes its year's programme unless it is "merged by 31 January". "By"
   includes the day itself, as in §3, where the successor answers "when the merge's local date is on or before
   the due date". An agency merged ON 31 January owes nothing; one merged on 1 February owes it. The date is the
   merge's local date in Asia/Ho_Chi_Minh.
2. REDUNDANT_CONSULTATION, SPEC §6 and §4: an earlier request is still open unless it was answered or withdrawn
   before the new request. Equal claimed times are ordered by log order. So an answer or withdrawal claimed at
   the very instant of the new request, and earlier in the log, closed it. One later in the log did not.
3. `ledger restore`, SPEC §8 and §10: an export whose checkpoint signature is corrupt is refused (exit 2, nothing
   written), even though its size and root match its events.
4. `ledger verify`, SPEC §10: a stored checkpoint whose root differs from the true root only in its last hex digit
   is reported. The whole root is compared, not a prefix. The forged checkpoint is re-signed with the instance's
   own key, so the root comparison alone can catch it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization

from ledger import Ledger
from ledger.cli import main
from ledger.integrity.checkpoint import Checkpoint
from ledger.integrity.keys import b64
from tests.builders import answer, lead, lines, opened, registry_lines, request
from tests.conftest import EXAMPLES, FakeClock

# --- 1. a work programme and a merge on 31 January -------------------------------------------------------------


def merged_department(merged_at: str) -> list[dict[str, Any]]:
    """The small registry (registered 2 January 2024, so the first programme owed is 2025's) and a department
    SGTVT merged into SXD at `merged_at`."""
    return [
        *registry_lines(),
        {"type": "AgencyRegistered", "agency": "SGTVT", "name": "Sở Giao thông vận tải", "name_en": "Transport",
         "kind": "department", "mandate": ["transport"], "at": "2024-01-02T08:00:00+07:00"},
        {"type": "AgencyMerged", "agency": "SGTVT", "into": "SXD", "at": merged_at},
    ]


def programme_violations(sqlite_url: str, merged_at: str, agency: str = "SGTVT") -> list[Any]:
    clock = FakeClock(datetime(2025, 3, 3, 3, 0, tzinfo=timezone.utc))
    with Ledger(sqlite_url, clock=clock) as ledger:
        assert ledger.import_lines(lines(*merged_department(merged_at))).refused == []
        return [v for v in ledger.violations(as_of=date(2025, 3, 3))
                if v.rule == "WORK_PROGRAMME_LATE" and v.agency == agency]


@pytest.mark.parametrize("merged_at", ["2025-01-31T08:00:00+07:00", "2025-01-31T23:59:00+07:00"])
def test_an_agency_merged_on_31_january_owes_no_programme_for_that_year(sqlite_url, merged_at):
    assert programme_violations(sqlite_url, merged_at) == []


@pytest.mark.parametrize("merged_at", ["2025-02-01T08:00:00+07:00",
                                       "2025-01-31T18:00:00+00:00"])  # 1 February, 01:00 in Ho Chi Minh City
def test_an_agency_merged_on_1_february_still_owed_that_years_programme(sqlite_url, merged_at):
    (violation,) = programme_violations(sqlite_url, merged_at)
    assert (violation.due, violation.details["year"], violation.official) == (date(2025, 1, 31), 2025, None)
    assert violation.days_late is not None and violation.days_late >= 1


def test_the_agencies_not_merged_owe_the_programme_whatever_the_merge(sqlite_url):
    """The control: the same judgement does find the other departments' missing 2025 programmes."""
    assert len(programme_violations(sqlite_url, "2025-01-31T08:00:00+07:00", agency="SXD")) == 1


# --- 2. a consultation asked again at the instant the earlier one closed ---------------------------------------

T = "2024-03-06T10:00:00+07:00"


def redundant(ledger: Ledger, *events: dict[str, Any]) -> list[Any]:
    base = [*registry_lines(), opened(), lead(), request()]
    assert ledger.import_lines(lines(*base, *events)).refused == []
    return [v for v in ledger.violations(as_of=date(2024, 3, 29)) if v.rule == "REDUNDANT_CONSULTATION"]


def again(**fields: Any) -> dict[str, Any]:
    return request(consultation="C2", at=T, **fields)


def withdrawn(**fields: Any) -> dict[str, Any]:
    return {"type": "ConsultationWithdrawn", "case": "HCM-1", "consultation": "C1", "reason": "Không cần nữa",
            "by": "sxd.nva", "at": T, **fields}


def test_asked_again_at_the_instant_the_earlier_one_was_answered_earlier_in_the_log_is_not_redundant(sqlite_ledger):
    assert redundant(sqlite_ledger, answer(at=T), again()) == []


def test_asked_again_at_the_instant_the_earlier_one_was_withdrawn_earlier_in_the_log_is_not_redundant(sqlite_ledger):
    assert redundant(sqlite_ledger, withdrawn(), again()) == []


def test_asked_again_a_minute_before_the_answer_is_redundant(sqlite_ledger):
    (violation,) = redundant(sqlite_ledger, again(), answer(at="2024-03-06T10:01:00+07:00"))
    assert (violation.consultation, violation.agency, violation.official) == ("C2", "SXD", "sxd.nva")


def test_an_answer_claimed_at_the_same_instant_but_later_in_the_log_did_not_close_it(sqlite_ledger):
    """Equal claimed times in log order: the new request came first, so the earlier one was still open."""
    (violation,) = redundant(sqlite_ledger, again(), answer(at=T))
    assert violation.consultation == "C2"


# --- 3 and 4. integrity: a corrupt export signature, a checkpoint root wrong in its last digit ---------------

WORKED = (EXAMPLES / "national-day-2024.jsonl").read_text(encoding="utf-8").splitlines()


@pytest.fixture
def filled(sqlite_url: str, clock) -> Iterator[Ledger]:
    with Ledger(sqlite_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED).refused == []
        assert ledger.verify().ok
        yield ledger


def cli(db: str, *args: str):
    return CliRunner().invoke(main, ["--db", db, *args], catch_exceptions=False)


def flip_base64(text: str) -> str:
    """The same length and still valid base64, but one different character."""
    return ("B" if text[0] == "A" else "A") + text[1:]


def test_restore_refuses_an_export_whose_checkpoint_signature_is_corrupt(filled, tmp_path: Path):
    exported = list(filled.export_lines())
    checkpoint = json.loads(exported[-1])
    assert checkpoint["type"] == "LedgerCheckpoint" and checkpoint["size"] == len(exported) - 1
    forged = [*exported[:-1], json.dumps({**checkpoint, "signature": flip_base64(checkpoint["signature"])})]
    bad = tmp_path / "forged.jsonl"
    bad.write_text("\n".join(forged) + "\n", encoding="utf-8")
    target = f"sqlite:///{tmp_path / 'target.db'}"
    result = cli(target, "restore", str(bad))
    assert result.exit_code == 2 and "signature" in result.stderr
    with Ledger(target) as restored:
        assert restored.event_count() == 0  # nothing written
    good = tmp_path / "export.jsonl"  # the control: the same events with the genuine signature restore
    good.write_text("\n".join(exported) + "\n", encoding="utf-8")
    assert cli(target, "restore", str(good)).exit_code == 0


def test_verify_reports_a_checkpoint_whose_root_differs_only_in_its_last_hex_digit(filled, key_file: Path):
    connection = sqlite3.connect(filled.config.sqlite_path or "", isolation_level=None)
    try:
        triggers = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'checkpoints'").fetchall()
        for (name,) in triggers:
            connection.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        size, root, at, public_key, signature = connection.execute(
            "SELECT size, root, time, public_key, signature FROM checkpoints ORDER BY size DESC LIMIT 1").fetchone()
        wrong = root[:-1] + ("0" if root[-1] != "0" else "1")
        private = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        resigned = b64(private.sign(replace(Checkpoint(size, root, at, public_key, signature), root=wrong).message()))
        connection.execute("UPDATE checkpoints SET root = ?, signature = ? WHERE size = ?", (wrong, resigned, size))
    finally:
        connection.close()
    forged = Checkpoint(size, wrong, at, public_key, resigned)
    assert forged.signature_ok() and forged.root != root and forged.root[:-1] == root[:-1]
    assert filled.verify().ok is False
    verified = cli(filled.config.url, "verify")
    assert verified.exit_code == 1 and "NOT intact" in verified.stderr
