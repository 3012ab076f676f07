"""A tamper-evident ledger (SPEC §10): every alteration is caught, naming the first bad position."""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ledger import Ledger
from ledger.cli import main
from ledger.integrity.proofs import check_proof
from tests.conftest import EXAMPLES

WORKED = (EXAMPLES / "national-day-2024.jsonl").read_text(encoding="utf-8").splitlines()


@pytest.fixture
def filled(store_url: str, clock) -> Iterator[Ledger]:
    """The worked example, appended in four imports: four checkpoints, signed as they were made."""
    with Ledger(store_url, clock=clock) as ledger:
        for start in (0, 5, 10, 15):
            assert ledger.import_lines(WORKED[start : start + 5] if start < 15 else WORKED[15:]).refused == []
        yield ledger


@contextmanager
def raw_sql(ledger: Ledger) -> Iterator[Callable[..., Any]]:
    """A connection of an attacker with file or superuser access, triggers dropped first."""
    if ledger.config.kind == "sqlite":
        connection = sqlite3.connect(ledger.config.sqlite_path or "", isolation_level=None)
        for name in ("stored_events_no_update", "stored_events_no_delete"):
            connection.execute(f"DROP TRIGGER IF EXISTS {name}")
        table, position = "stored_events", "rowid"
        try:
            yield lambda sql, *args: connection.execute(
                sql.format(table=table, position=position).replace("%s", "?"), args).fetchall()
        finally:
            connection.close()
    else:
        import psycopg

        schema = ledger.config.schema
        pg = ledger.config.pg
        with psycopg.connect(host=pg["POSTGRES_HOST"], port=pg["POSTGRES_PORT"], user=pg["POSTGRES_USER"],
                             password=pg["POSTGRES_PASSWORD"], dbname=pg["POSTGRES_DBNAME"], autocommit=True) as c:
            c.execute(f'DROP TRIGGER IF EXISTS ledger_events_append_only ON "{schema}".ledger_events')
            table, position = f'"{schema}".ledger_events', "notification_id"

            def run(sql: str, *args: Any) -> Any:
                cursor = c.execute(sql.format(table=table, position=position), args)
                return cursor.fetchall() if cursor.description else []

            yield run


def drop_checkpoint_triggers(connection: Any, ledger: Ledger) -> None:
    from sqlalchemy import text

    if ledger.config.kind == "sqlite":
        for name in ("checkpoints_no_update", "checkpoints_no_delete"):
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
    else:
        connection.execute(text("DROP TRIGGER IF EXISTS checkpoints_append_only ON checkpoints"))


def test_an_intact_ledger_verifies(filled):
    result = filled.verify(full=True)
    assert result.ok, result.problems
    assert (result.events, result.checkpoints, result.signed, result.tracked) == (18, 4, 18, 18)


def test_update_and_delete_on_the_events_table_fail_at_the_database(filled):
    if filled.config.kind == "sqlite":
        connection = sqlite3.connect(filled.config.sqlite_path or "")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            connection.execute("UPDATE stored_events SET topic = 'x'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            connection.execute("DELETE FROM stored_events")
        connection.close()
    else:
        import psycopg

        pg = filled.config.pg
        with psycopg.connect(host=pg["POSTGRES_HOST"], user=pg["POSTGRES_USER"], password=pg["POSTGRES_PASSWORD"],
                             dbname=pg["POSTGRES_DBNAME"], autocommit=True) as c:
            for sql in ("UPDATE {}.ledger_events SET topic = 'x'", "DELETE FROM {}.ledger_events",
                        "TRUNCATE {}.ledger_events"):
                with pytest.raises(psycopg.Error, match="append-only"):
                    c.execute(sql.format(f'"{filled.config.schema}"'))
    assert filled.verify().ok


def test_one_changed_byte_is_found_at_its_position(filled):
    with raw_sql(filled) as sql:
        (state,) = sql("SELECT state FROM {table} WHERE {position} = %s", 14)[0]
        altered = bytes(state).replace(b"real_estate", b"real_estatf") or bytes(state)
        altered = altered if altered != bytes(state) else bytes([state[0] ^ 1]) + bytes(state[1:])
        sql("UPDATE {table} SET state = %s WHERE {position} = %s", altered, 14)
    result = filled.verify()
    assert not result.ok and result.first.position == 14


def test_a_deleted_event_is_found(filled):
    with raw_sql(filled) as sql:
        sql("DELETE FROM {table} WHERE {position} = %s", 9)
    result = filled.verify()
    assert not result.ok and result.first.position == 9


def test_two_swapped_events_are_found_at_the_first(filled):
    with raw_sql(filled) as sql:
        rows = {p: r for p, *r in sql("SELECT {position}, originator_id, originator_version, topic, state FROM {table}"
                                      " WHERE {position} IN (12, 15)")}
        for target, source in ((12, 15), (15, 12)):
            sql("UPDATE {table} SET topic = %s, state = %s WHERE {position} = %s", rows[source][2], rows[source][3],
                target)
    result = filled.verify()
    assert not result.ok and result.first.position == 12


def test_an_altered_checkpoint_signature_is_found(filled):
    from sqlalchemy import text

    with filled.engine.begin() as connection:
        drop_checkpoint_triggers(connection, filled)
        signature = connection.execute(text("SELECT signature FROM checkpoints WHERE size = 10")).scalar()
        forged = ("A" if signature[0] != "A" else "B") + signature[1:]
        connection.execute(text("UPDATE checkpoints SET signature = :s WHERE size = 10"), {"s": forged})
    result = filled.verify()
    assert not result.ok and "size 10 has an invalid signature" in str(result.problems[0])


def test_a_deleted_projection_row_is_found(filled):
    from sqlalchemy import text

    with filled.engine.begin() as connection:
        connection.execute(text("DELETE FROM facts WHERE position = 16"))
    result = filled.verify()
    assert not result.ok and result.first.position == 16


def test_a_deleted_violation_row_is_found_by_a_full_verify(filled):
    from sqlalchemy import text

    with filled.engine.begin() as connection:
        connection.execute(text("DELETE FROM violation_rows WHERE rule = 'LATE_RESPONSE'"))
    assert filled.verify().ok  # the log and the tree are intact…
    result = filled.verify(full=True)
    assert not result.ok and "violation_rows" in str(result.problems[0])


@pytest.mark.parametrize("change,table", [
    ("UPDATE facts SET note = 'đã sửa' WHERE position = 10", "facts"),
    ("UPDATE case_files SET title = 'đã sửa'", "case_files"),
    ("UPDATE consultation_files SET due = answered_on WHERE answered_on IS NOT NULL", "consultation_files"),
    ("INSERT INTO violation_rows (case_ref, rule, agency, status, deemed_consent, evidence, act_on, details)"
     " VALUES ('HCM-NONE', 'NO_LEAD', 'SXD', 'open', false, '[]', '2024-03-01', '{}')", "violation_rows"),
])
def test_a_changed_or_added_read_model_row_is_found_by_a_full_verify(filled, change, table):
    from sqlalchemy import text

    with filled.engine.begin() as connection:
        connection.execute(text(change))
    assert filled.verify().ok
    result = filled.verify(full=True)
    assert not result.ok and [str(p) for p in result.problems] == [
        f"ledger: the {table} table differs from the events (rows changed?)"]


def test_tracking_moved_forward_past_unconsumed_events_is_found(filled):
    from sqlalchemy import text

    with filled.engine.begin() as connection:
        connection.execute(text("DELETE FROM facts WHERE position > 15"))
    result = filled.verify()
    assert not result.ok and result.first.position == 16


def test_the_cli_exits_1_naming_the_first_bad_position(filled, tmp_path):
    with raw_sql(filled) as sql:
        sql("DELETE FROM {table} WHERE {position} = %s", 7)
    result = CliRunner().invoke(main, ["--db", filled.config.url, "verify"], catch_exceptions=False)
    assert result.exit_code == 1 and "first bad position 7" in result.stderr


def test_a_thousand_random_single_byte_corruptions_are_each_detected(sqlite_url, clock):
    rng = random.Random(20241)
    with Ledger(sqlite_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED).refused == []
        with raw_sql(ledger) as sql:
            rows = {p: list(r) for p, *r in sql("SELECT rowid, originator_id, originator_version, topic, state"
                                                " FROM stored_events")}
            for _ in range(1000):
                position = rng.choice(list(rows))
                originator, version, topic, state = rows[position]
                column = rng.choice(["originator_id", "topic", "state", "state", "state"])
                if column == "state":
                    index = rng.randrange(len(state))
                    value: Any = state[:index] + bytes([state[index] ^ rng.randrange(1, 256)]) + state[index + 1:]
                else:
                    text_value = originator if column == "originator_id" else topic
                    index = rng.randrange(len(text_value))
                    replacement = rng.choice([c for c in "0123456789abcdefxyz:._" if c != text_value[index]])
                    value = text_value[:index] + replacement + text_value[index + 1:]
                sql(f"UPDATE {{table}} SET {column} = %s WHERE rowid = %s", value, position)
                result = ledger.verify()
                assert not result.ok and result.first.position == position, (position, column)
                original = {"originator_id": originator, "topic": topic, "state": state}[column]
                sql(f"UPDATE {{table}} SET {column} = %s WHERE rowid = %s", original, position)
        assert ledger.verify().ok


def test_a_report_edited_after_export_fails_and_an_untouched_one_passes(filled, tmp_path):
    parameters = {"as_of": "2024-09-30", "known_at": None, "rules": [], "agencies": [], "include_dismissed": False}
    report = filled.report("violations", parameters)
    text = json.dumps(report, ensure_ascii=False)
    ok, lines = filled.verify_report(text)
    assert ok, lines
    report["rows"][2]["days_late"] = 1
    ok, lines = filled.verify_report(json.dumps(report, ensure_ascii=False))
    assert not ok and "row 3 differs" in lines[-1]


def test_a_csv_report_edited_after_export_fails(filled, tmp_path):
    out = tmp_path / "delays.csv"
    runner = CliRunner()
    result = runner.invoke(main, ["--db", filled.config.url, "delays", "--as-of", "2024-09-30", "--format", "csv",
                                  "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0
    passed = runner.invoke(main, ["--db", filled.config.url, "verify-report", str(out)], catch_exceptions=False)
    assert passed.exit_code == 0 and "all 3 rows recomputed and confirmed" in passed.output
    out.write_text(out.read_text(encoding="utf-8").replace("SXD,4,", "SXD,3,"), encoding="utf-8")
    failed = runner.invoke(main, ["--db", filled.config.url, "verify-report", str(out)], catch_exceptions=False)
    assert failed.exit_code == 1 and "CSV line 3 differs" in failed.output


def test_a_report_is_refused_by_a_ledger_that_changed_under_it(filled, tmp_path):
    report = filled.report("delays", {"as_of": "2024-09-30", "by": "agency"})
    with raw_sql(filled) as sql:
        sql("DELETE FROM {table} WHERE {position} = %s", 3)
    ok, lines = filled.verify_report(json.dumps(report))
    assert not ok and "does not match this ledger" in lines[-1]


def test_restore_checks_the_exports_signed_checkpoint(filled, tmp_path, clock):
    exported = list(filled.export_lines())
    edited = [line.replace("Nguyễn Văn An", "Nguyễn Văn Ân") for line in exported]
    assert edited != exported
    with Ledger(f"sqlite:///{tmp_path / 'a.db'}", clock=clock) as target:
        assert "do not match its signed checkpoint" in target.restore_lines(edited).refused[-1][1]
        assert "no signed checkpoint" in target.restore_lines(exported[:-1]).refused[-1][1]
        checkpoint = json.loads(exported[-1])
        wrong_key = target.restore_lines(exported, trusted_key="AAAA" + checkpoint["public_key"][4:]).refused
        assert "not by a trusted key" in wrong_key[-1][1]
        assert target.event_count() == 0
        assert target.restore_lines(exported, trusted_key=checkpoint["public_key"]).refused == []
        assert target.verify(full=True).ok


def test_an_inclusion_proof_checks_without_the_database_and_fails_when_edited(filled):
    proof = filled.prove("HCM-2024-0901")
    assert len(proof["events"]) == 8
    trusted = {filled.key_file_public or "": "this ledger's key"}
    assert check_proof(proof, trusted=trusted).ok
    proof["events"][3]["state"] = proof["events"][4]["state"]
    result = check_proof(proof, trusted=trusted)
    assert not result.ok and any("NOT PROVED" in line for line in result.lines)


def test_a_proof_under_a_forged_checkpoint_fails(filled):
    proof = filled.prove("HCM-2024-0901")
    proof["checkpoint"]["size"] += 1
    assert not check_proof(proof, trusted={filled.key_file_public or "": "this ledger's key"}).ok


def test_the_cli_proves_and_checks_a_case(filled, tmp_path):
    out = tmp_path / "proof.json"
    runner = CliRunner()
    assert runner.invoke(main, ["--db", filled.config.url, "prove", "HCM-2024-0901", "-o", str(out)]).exit_code == 0
    checked = runner.invoke(main, ["check-proof", str(out)], catch_exceptions=False)
    assert checked.exit_code == 0 and checked.output.count(": included") == 8


def test_key_show_prints_the_public_key(filled, key_file):
    result = CliRunner().invoke(main, ["--db", filled.config.url, "key", "show"], catch_exceptions=False)
    assert result.exit_code == 0 and str(key_file) in result.output and "public key (Ed25519, base64)" in result.output
    assert Path(key_file).stat().st_mode & 0o077 == 0  # readable by its owner only


def test_a_tracking_record_moved_forward_is_found(filled):
    from sqlalchemy import text

    from ledger import parse_event
    from tests.builders import lines as as_lines

    batch = filled.batch()  # appended, but the read models are not told
    for line in as_lines({"type": "AgencyMandateChanged", "agency": "SCT", "mandate": ["industry"],
                          "at": "2024-10-01T08:00:00+07:00"}):
        batch.add(parse_event(json.loads(line)), source="import")
    batch.commit()
    with filled.engine.begin() as connection:
        connection.execute(text("UPDATE ledger_views_tracking SET notification_id = :p"), {"p": 19})
    result = filled.verify()
    assert not result.ok and result.first.position == 19
