"""The hardening issue's holes, each pinned: trust anchored outside the store, no laundering
command, damaged events named and never emptying the read models, proofs that bind what they
show, no ledger conjured from a mistyped address, valid writers that win under contention."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ledger import Ledger
from ledger.cli import main
from ledger.integrity.keys import SigningKey, b64
from tests.builders import lines, opened, registry_lines
from tests.conftest import EXAMPLES
from tests.integration.test_integrity import raw_sql

WORKED = (EXAMPLES / "national-day-2024.jsonl").read_text(encoding="utf-8").splitlines()


def cli(url: str, *args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, ["--db", url, *args], env=env, input=stdin, catch_exceptions=False)


def write(path: Path, content: list[str]) -> str:
    path.write_text("\n".join(content) + "\n", encoding="utf-8")
    return str(path)


def shift_claimed_time(ledger: Ledger, position: int, days: int) -> None:
    """An attacker with the database's password rewrites one event's claimed time."""
    with raw_sql(ledger) as sql:
        (state,) = sql("SELECT state FROM {table} WHERE {position} = %s", position)[0]
        body = json.loads(bytes(state))
        moved = datetime.fromisoformat(body["at"]["_data_"]) - timedelta(days=days)
        body["at"]["_data_"] = moved.isoformat()
        sql("UPDATE {table} SET state = %s WHERE {position} = %s", json.dumps(body).encode(), position)


# --- 1. trust is anchored outside the store --------------------------------------------------------


def test_a_store_signed_by_another_key_is_not_intact_even_when_that_key_is_named_for_another(
        store_url, clock, tmp_path):
    """F's database under A's key file: every checkpoint is F's, which nobody here vouches for."""
    f_key, a_key = tmp_path / "f.key", tmp_path / "a.key"
    with Ledger(store_url, clock=clock, key_file=f_key) as f:
        assert f.import_lines(WORKED).refused == []
    a_public = b64(SigningKey.create(a_key).public_bytes)
    as_a = {"LEDGER_KEY_FILE": str(a_key)}
    for extra in ([], ["--trusted-key", a_public]):
        result = cli(store_url, "verify", *extra, env=as_a)
        assert result.exit_code == 1 and "NOT intact" in result.stderr
        f_id = SigningKey.load(f_key).id
        assert f"signed by key {f_id}, which is not trusted" in result.stderr
        assert f"{SigningKey.load(a_key).id} (the local key file)" in result.stderr
    shown = cli(store_url, "key", "show", env=as_a)
    assert shown.exit_code == 1 and "NOT the key this store was signed with" in shown.stderr
    f_public = b64(SigningKey.load(f_key).public_bytes)
    assert cli(store_url, "verify", "--trusted-key", f_public, env=as_a).exit_code == 0
    trusted = tmp_path / "trusted.txt"
    trusted.write_text(f"# the city's instance key\n{f_public}\n", encoding="utf-8")
    assert cli(store_url, "verify", env={**as_a, "LEDGER_TRUSTED_KEYS": str(trusted)}).exit_code == 0


def test_with_no_trusted_key_at_all_verify_cannot_say_intact(sqlite_url, clock, tmp_path):
    with Ledger(sqlite_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED).refused == []
    result = cli(sqlite_url, "verify", env={"LEDGER_KEY_FILE": str(tmp_path / "absent.key")})
    assert result.exit_code == 1 and "no trusted key" in result.stderr


def test_a_malformed_trusted_key_is_bad_input(sqlite_url, clock):
    with Ledger(sqlite_url, clock=clock) as ledger:
        ledger.import_lines(WORKED)
    result = cli(sqlite_url, "verify", "--trusted-key", "not-a-key")
    assert result.exit_code == 2 and "not a base64 public key" in result.stderr


# --- 2. no command launders tampering ------------------------------------------------------------


def test_no_sequence_of_commands_turns_a_tampered_store_into_an_intact_one(store_url, clock, tmp_path):
    """Two lines, an export, eleven more; the last event's claimed time moved three days earlier."""
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:2]).refused == []
        list(ledger.export_lines())
        assert ledger.import_lines(WORKED[2:13]).refused == []
        before = [r for r in ledger.projections.facts() if r.position == 13]
        shift_claimed_time(ledger, 13, days=3)
    assert cli(store_url, "verify").exit_code == 1
    rebuilt = cli(store_url, "rebuild")
    assert rebuilt.exit_code == 1 and "position 13" in rebuilt.stderr and "Traceback" not in rebuilt.output
    for command in (["worker", "--once"], ["import", write(tmp_path / "more.jsonl", WORKED[13:14])],
                    ["export", "-o", str(tmp_path / "out.jsonl")], ["rebuild"]):
        cli(store_url, *command)
        for check in (["verify"], ["verify", "--full"]):
            result = cli(store_url, *check)
            assert result.exit_code == 1 and "position 13" in result.stderr, (command, check, result.output)
    with Ledger(store_url, clock=clock) as ledger:  # the read models were never rebuilt from the forgery
        assert [r for r in ledger.projections.facts() if r.position == 13] == before
    exported = cli(store_url, "export")
    assert exported.exit_code == 1 and "position 13" in exported.stderr


def test_a_writer_without_the_key_leaves_events_reported_unsigned_until_the_key_holder_signs(
        sqlite_url, clock, tmp_path):
    with Ledger(sqlite_url, clock=clock) as owner:
        assert owner.import_lines(lines(*registry_lines())).refused == []
        trusted = owner.key_file_public
    assert trusted is not None
    with Ledger(sqlite_url, clock=clock, key_file=tmp_path / "none.key") as keyless:
        assert keyless.import_lines(lines(opened())).refused == []
    result = cli(sqlite_url, "verify", "--trusted-key", trusted, env={"LEDGER_KEY_FILE": str(tmp_path / "none.key")})
    assert result.exit_code == 0 and "1 later event(s) are NOT yet under a signed checkpoint" in result.output
    strict = cli(sqlite_url, "verify", "--strict", "--trusted-key", trusted,
                 env={"LEDGER_KEY_FILE": str(tmp_path / "none.key")})
    assert strict.exit_code == 1
    assert cli(sqlite_url, "worker", "--once").exit_code == 0  # where the key is: signs what it can vouch for
    assert cli(sqlite_url, "verify", "--strict").exit_code == 0


def test_a_keyless_writers_forged_event_is_never_signed_by_the_key_holder(sqlite_url, clock, tmp_path):
    with Ledger(sqlite_url, clock=clock) as owner:
        assert owner.import_lines(lines(*registry_lines())).refused == []
    with Ledger(sqlite_url, clock=clock, key_file=tmp_path / "none.key") as keyless:
        assert keyless.import_lines(lines(opened())).refused == []
        position = keyless.event_count()
        shift_claimed_time(keyless, position, days=3)  # altered while nothing vouched for it yet
    with Ledger(sqlite_url, clock=clock) as owner:
        signed_before = len(owner.recorder.stored_checkpoints())
        assert owner.recorder.sign_pending() is None
        assert len(owner.recorder.stored_checkpoints()) == signed_before
        result = owner.verify()
        assert not result.ok and result.first is not None and result.first.position == position


# --- 3. a damaged event is named, and the read models stay ---------------------------------------


def test_an_event_that_no_longer_reads_back_is_named_by_every_command_and_the_read_models_stay(store_url, clock):
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED).refused == []
        before = ledger.projections.table_rows()
        with raw_sql(ledger) as sql:
            sql("UPDATE {table} SET state = %s WHERE {position} = %s", b"\x00not json at all", 12)
    for command in (["rebuild"], ["verify"], ["verify", "--full"], ["export"], ["history", "HCM-2024-0901"]):
        result = cli(store_url, *command)
        assert result.exit_code == 1, (command, result.output)
        assert "position 12" in result.stderr and "Traceback" not in result.output, command
    violations = cli(store_url, "violations", "--format", "json")
    assert violations.exit_code == 0 and "Traceback" not in violations.output
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.projections.table_rows() == before


# --- 4. proofs bind what they show ---------------------------------------------------------------


@pytest.mark.parametrize("field, value", [
    ("type", "CaseResolved"), ("at", "2024-01-01T00:00:00+07:00"), ("recorded", "2024-01-01T00:00:00+00:00"),
    ("event", "00000000-0000-0000-0000-000000000000"), ("case", "HCM-OTHER"), ("position", 999),
])
def test_a_proof_with_any_shown_field_edited_is_not_proved(sqlite_url, clock, tmp_path, field, value):
    from ledger.integrity.proofs import check_proof

    with Ledger(sqlite_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED).refused == []
        proof = ledger.prove("HCM-2024-0901")
        trusted = {ledger.key_file_public or "": "this ledger's key"}
    assert check_proof(proof, trusted=trusted).ok
    edited = json.loads(json.dumps(proof))
    if field == "case":
        edited["case"] = value
    else:
        edited["events"][2][field] = value
    result = check_proof(edited, trusted=trusted)
    assert not result.ok and any("NOT PROVED" in line for line in result.lines)
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(edited), encoding="utf-8")
    assert CliRunner().invoke(main, ["check-proof", str(path)]).exit_code == 1


# --- 6. a mistyped address is never an empty, intact ledger -------------------------------------


READING_COMMANDS = (["verify"], ["violations"], ["delays"], ["scorecard", "--from", "2024-01-01", "--to",
                    "2024-12-31"], ["history", "HCM-1"], ["export"], ["key", "show"], ["prove", "HCM-1"],
                    ["rebuild"], ["worker", "--once"])


@pytest.mark.parametrize("command", READING_COMMANDS, ids=lambda c: c[0])
def test_a_command_that_only_reads_refuses_a_store_that_does_not_exist(tmp_path, command):
    missing = tmp_path / "no" / "such" / "dir" / "x.db"
    key = tmp_path / "key" / "ledger.key"
    result = cli(f"sqlite:///{missing}", *command, env={"LEDGER_KEY_FILE": str(key)})
    assert result.exit_code == 2 and f"no ledger at sqlite:///{missing}" in result.stderr
    assert not (tmp_path / "no").exists() and not key.exists()


@pytest.mark.postgres
def test_a_command_that_only_reads_refuses_a_postgresql_schema_that_does_not_exist(postgres_url):
    result = cli(postgres_url, "verify")
    assert result.exit_code == 2 and "no ledger at" in result.stderr and ":ledger@" not in result.stderr
    assert cli(postgres_url, "init", "--bare").exit_code == 0
    assert cli(postgres_url, "verify").exit_code == 0


def test_init_creates_the_store_that_the_readers_then_open(tmp_path):
    url = f"sqlite:///{tmp_path / 'new' / 'x.db'}"
    assert cli(url, "init", "--bare").exit_code == 0
    assert cli(url, "verify").exit_code == 0


# --- 7. valid writers win under contention -------------------------------------------------------


STARTER = "import sys, time; t = float(sys.argv[1]); time.sleep(max(0.0, t - time.time()));" \
          " from ledger.cli import main; main(sys.argv[2:])"


def test_eight_concurrent_imports_of_registry_events_all_succeed(store_url, clock, tmp_path, key_file):
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(lines(*registry_lines())).refused == []
        start_count = ledger.event_count()
    files = []
    for n in range(8):
        event = {"type": "AgencyRegistered", "agency": f"X{n}", "name": f"Cơ quan {n}", "name_en": f"Agency {n}",
                 "kind": "other", "mandate": ["coordination"], "at": "2024-01-03T08:00:00+07:00", "id": f"x-{n}"}
        files.append(write(tmp_path / f"x{n}.jsonl", lines(event)))
    go = f"{time.time() + 4:.3f}"
    env = {"LEDGER_KEY_FILE": str(key_file), "PATH": "/usr/bin:/bin"}
    writers = [subprocess.Popen([sys.executable, "-c", STARTER, go, "--db", store_url, "import", path],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
               for path in files]
    outcomes = []
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        outcomes.append((writer.returncode, err))
    assert [code for code, _ in outcomes] == [0] * 8, outcomes
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.event_count() == start_count + 8 == sum(1 for _ in ledger.records())
        assert sorted(r.key for r in ledger.records() if r.key) == [f"x-{n}" for n in range(8)]
        assert ledger.verify().ok


def test_a_conflict_that_outlasts_every_retry_exits_3_and_says_retrying_is_safe(sqlite_url, clock, monkeypatch):
    from ledger import writing
    from ledger.batch import Batch
    from ledger.domain.errors import ConcurrentAppend

    with Ledger(sqlite_url, clock=clock) as ledger:
        ledger.import_lines(lines(*registry_lines()))

    def always_conflicts(self: Batch) -> Any:
        raise ConcurrentAppend("another writer changed the same case or registry at the same time")

    monkeypatch.setattr(Batch, "commit", always_conflicts)
    monkeypatch.setattr(writing, "RETRY_DELAY", 0.0)
    result = CliRunner().invoke(main, ["--db", sqlite_url, "import", "-"], input="\n".join(lines(opened())) + "\n")
    assert result.exit_code == 3 and "retrying is safe" in result.stderr and "nothing was appended" in result.stderr


# --- 9. what a newcomer saw ----------------------------------------------------------------------


def test_verify_says_when_the_read_models_are_behind_the_log(sqlite_url, clock):
    from ledger import parse_event

    with Ledger(sqlite_url, clock=clock) as ledger:
        ledger.import_lines(lines(*registry_lines()))
        batch = ledger.batch()  # appended, then the process was killed before the read models caught up
        batch.add(parse_event(opened()), source="import")
        batch.commit()
    result = cli(sqlite_url, "verify")
    assert result.exit_code == 0 and "the read models are behind the log" in result.output


def test_the_worker_says_what_it_caught_up_and_when_it_idles(sqlite_url, clock):
    with Ledger(sqlite_url, clock=clock) as ledger:
        ledger.import_lines(lines(*registry_lines()))
    result = cli(sqlite_url, "worker", "--once")
    assert result.exit_code == 0 and "read models at position" in result.output and "up to date" in result.output


def test_prove_says_where_it_wrote(sqlite_url, clock, tmp_path):
    with Ledger(sqlite_url, clock=clock) as ledger:
        ledger.import_lines(WORKED)
    out = tmp_path / "p.json"
    result = cli(sqlite_url, "prove", "HCM-2024-0901", "-o", str(out))
    assert result.exit_code == 0 and f"written to {out}" in result.stderr and out.exists()


@pytest.mark.parametrize("option, value", [("--agency", "ZZZ"), ("--rule", "NO_SUCH_RULE")])
def test_an_unknown_agency_or_rule_filter_is_refused(sqlite_url, clock, option, value):
    with Ledger(sqlite_url, clock=clock) as ledger:
        ledger.import_lines(WORKED)
    result = cli(sqlite_url, "violations", option, value)
    assert result.exit_code == 2 and value in result.output


@pytest.mark.postgres
def test_init_on_postgresql_never_prints_the_password(postgres_url):
    result = cli(postgres_url, "init", "--bare")
    assert result.exit_code == 0 and "ledger:ledger@" not in result.output and "***" in result.output


# --- 11. PostgreSQL takes a large import ---------------------------------------------------------


@pytest.mark.postgres
def test_postgresql_imports_fifty_thousand_events_in_one_all_or_nothing_import(postgres_url, clock):
    cases = []
    for n in range(25_000):
        cases.append(opened(case=f"HCM-{n:05d}", id=f"o-{n}"))
        cases.append({"type": "LeadAssigned", "case": f"HCM-{n:05d}", "agency": "SXD", "official": "sxd.nva",
                      "by": "vp.clerk", "at": "2024-03-04T15:00:00+07:00", "id": f"l-{n}"})
    with Ledger(postgres_url, clock=clock) as ledger:
        assert ledger.import_lines(lines(*registry_lines())).refused == []
        report = ledger.import_lines(lines(*cases))
        assert report.refused == [] and report.appended == 50_000
        assert ledger.event_count() == 50_000 + len(registry_lines())
        assert ledger.verify().ok


def test_a_report_whose_checkpoint_no_trusted_key_signed_is_not_verified(sqlite_url, clock, tmp_path):
    signer = tmp_path / "f.key"
    with Ledger(sqlite_url, clock=clock, key_file=signer) as ledger:
        assert ledger.import_lines(WORKED).refused == []
        report = ledger.report("delays", {"as_of": "2024-09-30", "by": "agency"})
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    elsewhere = {"LEDGER_KEY_FILE": str(tmp_path / "absent.key")}
    refused = cli(sqlite_url, "verify-report", str(path), env=elsewhere)
    assert refused.exit_code == 1 and "which is not trusted" in refused.output
    public = b64(SigningKey.load(signer).public_bytes)
    accepted = cli(sqlite_url, "verify-report", str(path), "--trusted-key", public, env=elsewhere)
    assert accepted.exit_code == 0 and "rows recomputed and confirmed" in accepted.output


def reseal(path: str) -> None:
    """The attacker's tool: make leaves and tree head agree with whatever the events now hold."""
    import sqlite3

    from ledger.integrity.merkle import Frontier, raw_leaf
    from ledger.store import RawEvent

    connection = sqlite3.connect(path, isolation_level=None)
    for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        connection.execute(f'DROP TRIGGER "{name}"')
    connection.execute("DELETE FROM ledger_leaves")
    tree = Frontier()
    rows = connection.execute("SELECT rowid, originator_id, originator_version, topic, state FROM stored_events"
                              " ORDER BY rowid").fetchall()
    for row in rows:
        leaf = raw_leaf(RawEvent(row[0], str(row[1]), row[2], row[3], bytes(row[4])))
        connection.execute("INSERT INTO ledger_leaves VALUES (?, ?, ?)", (row[0], tree.size, leaf.hex()))
        tree.append(leaf)
    connection.execute("UPDATE ledger_tree SET size = ?, position = ?, frontier = ?, root = ?",
                       (tree.size, rows[-1][0], json.dumps([n.hex() for n in tree.nodes]), tree.root().hex()))
    connection.close()


def test_a_signed_event_altered_resealed_and_its_checkpoints_deleted_is_never_signed_again(sqlite_url, clock, tmp_path):
    with Ledger(sqlite_url, clock=clock) as ledger:
        for start in (0, 5, 10):
            assert ledger.import_lines(WORKED[start : start + 5] if start < 10 else WORKED[10:]).refused == []
        shift_claimed_time(ledger, 8, days=3)
        path = ledger.config.sqlite_path or ""
    reseal(path)
    import sqlite3

    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("DELETE FROM checkpoints WHERE size > 5")  # only the checkpoint before the altered event
    connection.close()
    for command in (["worker", "--once"], ["import", write(tmp_path / "w.jsonl", [WORKED[0]])], ["rebuild"],
                    ["export", "-o", str(tmp_path / "x.jsonl")]):
        cli(sqlite_url, *command)
        result = cli(sqlite_url, "verify", "--full", "--strict")
        assert result.exit_code == 1 and "no longer holds that checkpoint" in result.stderr, command
    with Ledger(sqlite_url, clock=clock) as ledger:
        assert [c.size for c in ledger.recorder.stored_checkpoints()] == [5]


def test_restore_refuses_an_export_resigned_with_a_key_nobody_trusts(sqlite_url, clock, tmp_path):
    """The forger's checkpoint is valid for the lines (their true root), but nobody named its key."""
    from ledger.integrity.checkpoint import Checkpoint, signed

    with Ledger(sqlite_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED).refused == []
        exported = list(ledger.export_lines())
    genuine = Checkpoint.from_dict({k: v for k, v in json.loads(exported[-1]).items() if k != "type"})
    forger = SigningKey.create(tmp_path / "forger.key")
    forged = signed(genuine.size, bytes.fromhex(genuine.root), genuine.time, forger)
    path = write(tmp_path / "forged.jsonl", [*exported[:-1], json.dumps({"type": "LedgerCheckpoint", **forged.as_dict()})])
    target = f"sqlite:///{tmp_path / 'target.db'}"
    trusted_file = tmp_path / "trusted.txt"
    trusted_file.write_text(genuine.public_key + "\n", encoding="utf-8")
    elsewhere = {"LEDGER_KEY_FILE": str(tmp_path / "target.key"), "LEDGER_TRUSTED_KEYS": str(trusted_file)}
    result = cli(target, "restore", path, env=elsewhere)
    assert result.exit_code == 2 and "not by a trusted key" in result.stderr
    with Ledger(target, clock=clock, key_file=tmp_path / "target.key") as restored:
        assert restored.event_count() == 0
    assert cli(target, "restore", write(tmp_path / "genuine.jsonl", exported), env=elsewhere).exit_code == 0


def test_a_proof_from_another_ledger_or_with_a_duplicated_key_is_not_proved(sqlite_url, clock, tmp_path):
    with Ledger(sqlite_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED).refused == []
        proof = ledger.prove("HCM-2024-0901")
    other = f"sqlite:///{tmp_path / 'other.db'}"
    with Ledger(other, clock=clock, key_file=tmp_path / "other.key") as forger:
        assert forger.import_lines(WORKED).refused == []
        forged = forger.prove("HCM-2024-0901")
    here = {"LEDGER_KEY_FILE": os.environ["LEDGER_KEY_FILE"]}
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(forged), encoding="utf-8")
    result = CliRunner().invoke(main, ["check-proof", str(path)], env=here)
    assert result.exit_code == 1 and "which is not trusted" in result.output and ": included" not in result.output
    genuine = tmp_path / "genuine.json"
    genuine.write_text(json.dumps(proof), encoding="utf-8")
    assert CliRunner().invoke(main, ["check-proof", str(genuine)], env=here).exit_code == 0
    text = json.dumps(proof)
    real_at = proof["events"][0]["at"]
    duplicated = text.replace(f'"at": "{real_at}"', f'"at": "2024-01-01T00:00:00+07:00", "at": "{real_at}"', 1)
    path.write_text(duplicated, encoding="utf-8")
    refused = CliRunner().invoke(main, ["check-proof", str(path)], env=here)
    assert refused.exit_code == 2 and "duplicate key" in refused.output


def test_a_report_row_with_true_for_one_or_a_duplicated_key_is_not_confirmed(sqlite_url, clock, tmp_path):
    with Ledger(sqlite_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED).refused == []
        report = ledger.report("delays", {"as_of": "2024-09-30", "by": "agency"})
    row = next(r for r in report["rows"] if r["days"] == 1)
    row["days"] = True
    path = tmp_path / "r.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    assert cli(sqlite_url, "verify-report", str(path)).exit_code == 1
    row["days"] = 1
    text = json.dumps(report).replace('"days": 1', '"days": 40, "days": 1', 1)
    path.write_text(text, encoding="utf-8")
    result = cli(sqlite_url, "verify-report", str(path))
    assert result.exit_code == 1 and "duplicate key" in result.output


TAMPERINGS = {
    "state stored as text": "UPDATE stored_events SET state = CAST(state AS TEXT) WHERE rowid = 12",
    "state NULL": "UPDATE stored_events SET state = NULL WHERE rowid = 12",
    "topic of another event class": "UPDATE stored_events SET topic = 'ledger.domain.case:CaseResolved' WHERE rowid = 12",
    "aggregate id not an id": "UPDATE stored_events SET originator_id = 'zzz' WHERE rowid = 12",
    "version not a number": "UPDATE stored_events SET originator_version = 'x' WHERE rowid = 12",
    "an event in the middle deleted": "DELETE FROM stored_events WHERE rowid = 12",
    "the last event deleted": "DELETE FROM stored_events WHERE rowid = 18",
    "tree head junk": "UPDATE ledger_tree SET frontier = 'junk'",
    "tree head deleted": "DELETE FROM ledger_tree",
}


@pytest.mark.parametrize("tampering", TAMPERINGS, ids=list(TAMPERINGS))
def test_every_command_on_a_tampered_store_names_the_damage_and_never_prints_a_traceback(sqlite_url, clock, tampering):
    import sqlite3

    with Ledger(sqlite_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED).refused == []
        path = ledger.config.sqlite_path or ""
    connection = sqlite3.connect(path, isolation_level=None)
    for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        connection.execute(f'DROP TRIGGER "{name}"')
    connection.execute(TAMPERINGS[tampering])
    connection.close()
    runner = CliRunner()
    outcomes = {}
    for command in (["verify"], ["verify", "--full"], ["export"], ["rebuild"], ["history", "HCM-2024-0901"],
                    ["prove", "HCM-2024-0901"], ["violations", "--format", "json"], ["worker", "--once"]):
        result = runner.invoke(main, ["--db", sqlite_url, *command])
        assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), (
            command, result.exception)
        assert "Traceback" not in result.output, command
        outcomes[command[0] + (" --full" if "--full" in command else "")] = result.exit_code
    assert outcomes["verify"] == outcomes["verify --full"] == outcomes["export"] == outcomes["rebuild"] == 1, outcomes
    if tampering != "the last event deleted":  # position 18 is not an event of HCM-2024-0901
        assert outcomes["prove"] == 1, outcomes


def _tamper_reseal_and_drop_newer(ledger: Ledger, keep: int) -> str:
    import sqlite3

    shift_claimed_time(ledger, 8, days=3)
    path = ledger.config.sqlite_path or ""
    reseal(path)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("DELETE FROM checkpoints WHERE size > ?", (keep,))
    connection.close()
    return path


def test_a_checkpoint_row_with_a_junk_signature_never_vouches_for_altered_history(sqlite_url, clock, tmp_path):
    import sqlite3

    with Ledger(sqlite_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:5]).refused == []
        assert ledger.import_lines(WORKED[5:10]).refused == []
        public = ledger.key_file_public
        path = _tamper_reseal_and_drop_newer(ledger, keep=5)
        head = ledger.recorder.tree_head()
    connection = sqlite3.connect(path, isolation_level=None)  # a row anyone could write: the key is public
    connection.execute("INSERT INTO checkpoints VALUES (?, ?, ?, ?, ?)",
                       (head.size, head.root().hex(), "2024-12-02T10:00:00+07:00", public, "A" * 88))
    connection.close()
    cli(sqlite_url, "import", write(tmp_path / "more.jsonl", WORKED[10:12]))
    result = cli(sqlite_url, "verify", "--full", "--strict")
    assert result.exit_code == 1
    with Ledger(sqlite_url, clock=clock) as ledger:  # the key holder signed nothing over the forgery
        assert [c.size for c in ledger.recorder.stored_checkpoints() if c.signature_ok()] == [5]


def test_the_same_store_through_a_symlinked_path_is_still_the_same_store(clock, tmp_path, key_file):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    canonical, linked = f"sqlite:///{real / 'l.db'}", f"sqlite:///{tmp_path / 'link' / 'l.db'}"
    with Ledger(canonical, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:5]).refused == []
        assert ledger.import_lines(WORKED[5:10]).refused == []
        _tamper_reseal_and_drop_newer(ledger, keep=5)
    for url in (canonical, linked, f"sqlite:///{real / '..' / 'real' / 'l.db'}"):
        assert cli(url, "worker", "--once").exit_code == 0
        result = cli(url, "verify", "--full", "--strict")
        assert result.exit_code == 1 and "no longer holds that checkpoint" in result.stderr, url


def test_a_damaged_or_missing_high_water_mark_is_reported_and_nothing_is_signed_over_it(sqlite_url, clock, key_file):
    with Ledger(sqlite_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:5]).refused == []
        assert ledger.import_lines(WORKED[5:10]).refused == []
        mark = ledger.watermark.path if ledger.watermark else None
    assert mark is not None and mark.exists()
    mark.write_text(mark.read_text(encoding="utf-8")[:20], encoding="utf-8")
    result = cli(sqlite_url, "verify")
    assert result.exit_code == 1 and "is damaged" in result.stderr
    with Ledger(sqlite_url, clock=clock) as ledger:
        before = len(ledger.recorder.stored_checkpoints())
        assert ledger.import_lines(WORKED[10:12]).refused == []
        assert len(ledger.recorder.stored_checkpoints()) == before
    mark.unlink()
    result = cli(sqlite_url, "verify")
    assert result.exit_code == 1 and "has no entry for it" in result.stderr


def test_a_report_carrying_fields_it_does_not_prove_is_not_confirmed(sqlite_url, clock, tmp_path):
    with Ledger(sqlite_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED).refused == []
        report = ledger.report("delays", {"as_of": "2024-09-30", "by": "agency"})
    path = tmp_path / "r.json"
    for edit in ({"summary": "every agency on time"}, {"parameters": {**report["parameters"], "note": "only SXD"}}):
        path.write_text(json.dumps({**report, **edit}), encoding="utf-8")
        result = cli(sqlite_url, "verify-report", str(path))
        assert result.exit_code == 1 and "does not prove" in result.output, edit


def test_a_proof_entry_of_the_wrong_shape_is_not_proved_and_does_not_crash(sqlite_url, clock, tmp_path):
    with Ledger(sqlite_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED).refused == []
        proof = ledger.prove("HCM-2024-0901")
    for name in ("topic", "originator_id"):
        edited = json.loads(json.dumps(proof))
        edited["events"][0][name] = 5
        path = tmp_path / "p.json"
        path.write_text(json.dumps(edited), encoding="utf-8")
        result = CliRunner().invoke(main, ["check-proof", str(path)])
        assert result.exit_code == 1 and "NOT PROVED" in result.output and result.exception is None or \
            isinstance(result.exception, SystemExit), name


def test_history_refuses_a_case_whose_last_event_was_deleted(store_url, clock):
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED).refused == []
        with raw_sql(ledger) as sql:
            sql("DELETE FROM {table} WHERE {position} = %s", 18)  # the case's CaseResolved
    result = cli(store_url, "history", "HCM-2024-0901")
    assert result.exit_code == 1 and "deleted or inserted" in result.stderr and "Traceback" not in result.output
