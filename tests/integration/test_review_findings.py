"""Regressions found in review: each test names the SPEC sentence it holds the code to."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, timezone

import pytest
from click.testing import CliRunner

from ledger import InvalidField, Ledger, UnknownReference
from ledger.cli import main
from tests.builders import answer, event, lead, lines, opened, registry_lines, request
from tests.unit.desk import Desk


def imported(ledger: Ledger, *objs: dict) -> None:
    report = ledger.import_lines(lines(*objs))
    assert report.refused == []


# §4 "Refused, with a clear error and nothing appended" — dates the calendar cannot judge.

def test_a_due_date_centuries_away_is_refused(clock):
    with pytest.raises(InvalidField, match="outside the dates the ledger accepts"):
        Desk(clock).add(opened(due="2205-03-25"))


def test_a_time_limit_of_decades_is_refused(clock):
    desk = Desk(clock)
    desk.add(opened())
    desk.add(lead())
    with pytest.raises(InvalidField, match="from 1 to 3650"):
        desk.add(request(due_days=30000))


def test_an_over_long_case_reference_is_refused(clock):
    with pytest.raises(InvalidField, match="longer than 200 characters"):
        Desk(clock).add(opened(case="X" * 254))


def test_refer_to_must_name_an_agency_that_existed_when_answering(clock):
    desk = Desk(clock)
    desk.add({"type": "AgencyRegistered", "agency": "SNEW", "name": "Sở mới", "name_en": "New", "kind": "department",
              "mandate": ["land"], "at": "2024-06-01T08:00:00+07:00"})
    desk.add(opened())
    desk.add(lead())
    desk.add(request())
    with pytest.raises(UnknownReference, match="did not exist yet"):
        desk.add(answer(position="not_competent", refer_to="SNEW"))


def test_a_far_as_of_date_is_bad_input_not_a_crash(tmp_path):
    result = CliRunner().invoke(main, ["--db", f"sqlite:///{tmp_path / 'x.db'}", "violations", "--as-of", "2101-01-02"])
    assert result.exit_code == 2 and "outside the dates the ledger accepts" in result.output


def test_a_file_that_is_not_utf8_is_bad_input(tmp_path):
    bad = tmp_path / "latin1.jsonl"
    bad.write_bytes('{"type":"CaseOpened","title":"Vướng mắc"}\n'.encode("utf-16"))
    result = CliRunner().invoke(main, ["--db", f"sqlite:///{tmp_path / 'x.db'}", "import", str(bad)])
    assert result.exit_code == 2 and "is not UTF-8 text" in result.output


# §1/§9: several processes share one store; each judgement uses the registry as it is.

def test_a_registry_change_made_by_another_process_is_seen_by_this_one(sqlite_url, clock):
    with Ledger(sqlite_url, clock=clock) as a, Ledger(sqlite_url, clock=clock) as b:
        imported(a, *registry_lines(), opened(), lead(), request(domains=["housing"]))
        assert [v.rule for v in a.violations(as_of=date(2024, 3, 6))] == ["UNRELATED_CONSULTATION"]
        imported(b, {"type": "AgencyMandateChanged", "agency": "STNMT", "mandate": ["land", "environment", "housing"],
                     "at": "2024-01-03T08:00:00+07:00"})
        imported(a, answer())
        assert [v.rule for v in a.violations()] == [v.rule for v in a.violations(as_of=a.today(), known_at=clock.now)]
        assert "UNRELATED_CONSULTATION" not in [v.rule for v in a.violations()]


# §4 "their agency is taken from the registry as of at".

def test_blame_follows_a_transfer_recorded_late_but_claimed_before_the_act(ledger):
    imported(ledger, *registry_lines(), opened())
    before = ledger.violations(as_of=date(2024, 3, 8))
    imported(ledger, {"type": "OfficialTransferred", "official": "vp.clerk", "agency": "SXD", "role": "clerk",
                      "at": "2024-03-01T08:00:00+07:00"})
    after = ledger.violations(as_of=date(2024, 3, 8))
    assert [(v.rule, v.agency) for v in before if v.rule == "NO_LEAD"] == [("NO_LEAD", "VP")]
    assert [(v.rule, v.agency) for v in after if v.rule == "NO_LEAD"] == [("NO_LEAD", "SXD")]


# §3 "every judgement uses the registry as it was at the claimed time of the act being judged".

def test_the_focal_point_is_the_one_in_force_when_the_lead_is_assigned(ledger):
    imported(ledger, *registry_lines(), opened(),
             {"type": "ProcedureDefined", "procedure": "REAL_ESTATE_DIFFICULTY", "name": "x", "processing_days": 15,
              "focal_agency": "STNMT", "domains": ["real_estate"], "at": "2024-03-04T12:00:00+07:00"},
             lead(agency="STNMT", official="stnmt.ltb"))
    assert "WRONG_FOCAL_POINT" not in [v.rule for v in ledger.violations(as_of=date(2024, 3, 5))]


# §6 RESCHEDULE_MISSED: "resolved late against the new_due of its first apology, or is open past it".

def test_a_broken_promise_stays_a_violation_while_the_applicant_completes_the_dossier(ledger):
    imported(ledger, *registry_lines(), opened(), lead(),
             event("ApologyIssued", reason="Chậm", new_due="2024-03-28", by="sxd.head", at="2024-03-22T09:00:00+07:00"),
             event("SupplementRequested", reason="Bổ sung", by="sxd.nva", at="2024-04-03T09:00:00+07:00"))
    missed = [v for v in ledger.violations(as_of=date(2024, 4, 30)) if v.rule == "RESCHEDULE_MISSED"]
    assert [(v.due, v.days_late, v.status) for v in missed] == [(date(2024, 3, 28), 20, "open")]


# §7 "an agency merged on or before D2 is folded into its successor" — its violations too.

def test_the_scorecard_folds_a_merged_agencys_violations_into_its_successor(ledger):
    imported(ledger, *registry_lines(), opened(), lead(), request(due_days=10),
             {"type": "AgencyRegistered", "agency": "SNMT", "name": "Sở NN&MT", "name_en": "DAE", "kind": "department",
              "mandate": ["land", "environment", "agriculture"], "at": "2024-04-01T08:00:00+07:00"},
             {"type": "AgencyMerged", "agency": "STNMT", "into": "SNMT", "at": "2024-04-10T00:00:00+07:00"})
    rows = {r["agency"]: r for r in ledger.scorecard(date(2024, 3, 1), date(2024, 4, 30))}
    assert "STNMT" not in rows
    assert rows["SNMT"]["unanswered_overdue"] == 1 and rows["SNMT"]["violations"] == {"LATE_RESPONSE": 1}


# §7 delays JSON: `{"agency", "official" (only with --by official), "days", "by_rule"}` — in reports too.

def test_a_delays_report_in_json_has_exactly_the_spec_keys(ledger, tmp_path):
    imported(ledger, *registry_lines(), opened(), lead(at="2024-03-07T09:00:00+07:00"))
    out = tmp_path / "delays.json"
    result = CliRunner().invoke(main, ["--db", ledger.config.url, "delays", "--as-of", "2024-03-08", "--format",
                                       "json", "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0
    rows = json.loads(out.read_text(encoding="utf-8"))["rows"]
    assert rows == [{"agency": "VP", "days": 2, "by_rule": {"NO_LEAD": 2}}]
    assert ledger.verify_report(out.read_text(encoding="utf-8"))[0]


def test_a_report_with_malformed_parameters_fails_cleanly(ledger):
    imported(ledger, *registry_lines(), opened())
    report = ledger.report("violations", {"as_of": "2024-03-08", "known_at": None, "rules": [], "agencies": [],
                                          "include_dismissed": False})
    report["parameters"] = {"as_of": "2024-13-40"}
    ok, lines_out = ledger.verify_report(json.dumps(report))
    assert not ok and "malformed" in lines_out[-1]


# §10 "signed checkpoints … signed by the instance's key".

def test_checkpoints_cannot_be_changed_or_deleted_at_the_database(sqlite_url, clock):
    with Ledger(sqlite_url, clock=clock) as ledger:
        imported(ledger, *registry_lines())
        connection = sqlite3.connect(ledger.config.sqlite_path or "")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            connection.execute("DELETE FROM checkpoints")
        connection.close()


def test_checkpoints_re_signed_with_another_key_are_not_trusted(sqlite_url, clock, tmp_path):
    from ledger.integrity.checkpoint import signed
    from ledger.integrity.keys import SigningKey
    from ledger.integrity.merkle import root_of

    with Ledger(sqlite_url, clock=clock) as ledger:
        imported(ledger, *registry_lines())
        leaves = ledger.recorder.stored_leaves()
        impostor = SigningKey.create(tmp_path / "impostor.key")
        forged = signed(len(leaves) - 1, root_of(bytes.fromhex(h) for _, _, h in leaves[:-1]),
                        "2024-01-01T00:00:00+00:00", impostor)
        connection = sqlite3.connect(ledger.config.sqlite_path or "", isolation_level=None)
        connection.execute("INSERT INTO checkpoints VALUES (?, ?, ?, ?, ?)",
                           (forged.size, forged.root, forged.time, forged.public_key, forged.signature))
        connection.close()
        result = ledger.verify()
        assert not result.ok and "which is not trusted" in str(result.problems[0])
        assert ledger.verify(trusted_keys=[forged.public_key]).ok


def test_deleted_checkpoints_are_caught_where_the_key_is_and_reported_unsigned_elsewhere(sqlite_url, clock, tmp_path):
    with Ledger(sqlite_url, clock=clock) as ledger:
        imported(ledger, *registry_lines())
        public = ledger.key_file_public
        connection = sqlite3.connect(ledger.config.sqlite_path or "", isolation_level=None)
        connection.execute("DROP TRIGGER checkpoints_no_delete")
        connection.execute("DELETE FROM checkpoints")
        connection.close()
        events = ledger.event_count()
        result = ledger.verify()  # the key's host remembers what it signed, outside the store
        assert not result.ok and "no longer holds that checkpoint" in str(result.problems[0])
        imported(ledger, opened())  # and it will not sign over history it cannot vouch for
        assert ledger.recorder.stored_checkpoints() == []
    assert public is not None
    with Ledger(sqlite_url, clock=clock, key_file=tmp_path / "elsewhere.key") as elsewhere:
        result = elsewhere.verify(trusted_keys=[public])  # a host that only names the key: unsigned, said so
        assert result.ok and (result.signed, result.unsigned) == (0, events + 1)


def test_a_process_without_the_key_does_not_sign_and_another_key_is_not_adopted(sqlite_url, clock, tmp_path):
    with Ledger(sqlite_url, clock=clock) as first:
        imported(first, *registry_lines())
        owner = first.signer
        assert owner is not None
    with Ledger(sqlite_url, clock=clock, key_file=tmp_path / "missing.key") as keyless:
        assert keyless.signer is None and not (tmp_path / "missing.key").exists()
    from ledger.integrity.keys import SigningKey

    SigningKey.create(tmp_path / "other.key")
    with Ledger(sqlite_url, clock=clock, key_file=tmp_path / "other.key") as other:
        assert other.signer is None and "not this ledger's signing key" in (other.key_warning or "")


def test_a_row_written_into_the_log_with_a_backdated_recorded_time_is_found(sqlite_url, clock):
    with Ledger(sqlite_url, clock=clock) as ledger:
        imported(ledger, *registry_lines())
        clock.now = datetime(2024, 12, 20, 3, 0, tzinfo=timezone.utc)
        imported(ledger, opened())
        connection = sqlite3.connect(ledger.config.sqlite_path or "", isolation_level=None)
        originator, version, topic, state = connection.execute(
            "SELECT originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid DESC LIMIT 1"
        ).fetchone()
        backdated = state.replace(b"2024-12-20T03:00:00+00:00", b"2024-12-02T03:00:00+00:00")
        connection.execute("INSERT INTO stored_events VALUES (?, ?, ?, ?)", (originator, version + 1, topic, backdated))
        position = connection.execute("SELECT max(rowid) FROM stored_events").fetchone()[0]
        connection.close()
        result = ledger.verify()
        assert not result.ok and result.first.position == position and "out of order" in str(result.first)


def test_a_restored_store_signs_what_it_verified_with_its_own_key(sqlite_url, clock, tmp_path):
    with Ledger(sqlite_url, clock=clock) as source:
        imported(source, *registry_lines())
        exported = list(source.export_lines())
        source_key = source.key_file_public
    with Ledger(f"sqlite:///{tmp_path / 'r.db'}", clock=clock, key_file=tmp_path / "r.key") as restored:
        refused = restored.restore_lines(exported).refused  # signed by another instance's key: not trusted
        assert "not by a trusted key" in refused[-1][1] and restored.event_count() == 0
        assert restored.restore_lines(exported, trusted_key=source_key).refused == []
        assert restored.verify().ok
        assert [c.public_key for c in restored.recorder.stored_checkpoints()] == [restored.key_file_public]

