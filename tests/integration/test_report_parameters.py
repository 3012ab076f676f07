"""A report verifies only when every parameter is present, of its exact type and in the one form the
ledger writes: otherwise a report could say one thing and prove another (SPEC §10)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from ledger import Ledger, render_report
from tests.conftest import EXAMPLES, FakeClock

VIOLATIONS = {"as_of": "2024-09-30", "known_at": None, "rules": [], "agencies": [], "include_dismissed": False}
DELAYS = {"as_of": "2024-09-30", "by": "official"}
SCORECARD = {"from": "2024-08-01", "to": "2024-09-30", "by": "agency", "known_at": None}


@pytest.fixture
def example(tmp_path: Path, clock: FakeClock) -> Ledger:
    ledger = Ledger(str(tmp_path / "example.db"), clock=clock)
    report = ledger.import_lines((EXAMPLES / "national-day-2024.jsonl").read_text(encoding="utf-8").splitlines())
    assert not report.refused
    return ledger


def report(ledger: Ledger, kind: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """A fresh report to edit (the envelope holds the very parameters dict it was given)."""
    return copy.deepcopy(ledger.report(kind, copy.deepcopy(parameters), "json"))


def verifies(ledger: Ledger, data: dict[str, Any]) -> tuple[bool, list[str]]:
    return ledger.verify_report(render_report(data, "json"))


@pytest.mark.parametrize("kind, parameters", [("violations", VIOLATIONS), ("delays", DELAYS),
                                              ("scorecard", SCORECARD)])
def test_a_genuine_report_of_each_kind_verifies(example: Ledger, kind: str, parameters: dict[str, Any]) -> None:
    ok, lines = verifies(example, report(example, kind, parameters))
    assert ok, lines


EDITS = [
    ("violations", "include_dismissed", "false"),
    ("violations", "include_dismissed", 1),
    ("violations", "include_dismissed", None),
    ("violations", "rules", "XNO_LEADX"),
    ("violations", "rules", ["NO_SUCH_RULE"]),
    ("violations", "rules", ["NO_LEAD", "NO_LEAD"]),
    ("violations", "agencies", "SXD"),
    ("violations", "as_of", "20240930"),
    ("violations", "as_of", "2024-9-30"),
    ("violations", "known_at", "2024-10-01"),
    ("violations", "known_at", "2024-10-01T09:00:00"),
    ("violations", "known_at", 1727748000),
    ("delays", "by", "nonsense"),
    ("delays", "by", None),
    ("scorecard", "from", "2024-10-01"),  # after `to`
    ("scorecard", "to", ["2024-09-30"]),
]


@pytest.mark.parametrize("kind, name, value", EDITS)
def test_a_parameter_not_in_the_ledgers_own_form_is_not_verified(example: Ledger, kind: str, name: str,
                                                                 value: Any) -> None:
    data = report(example, kind, {"violations": VIOLATIONS, "delays": DELAYS, "scorecard": SCORECARD}[kind])
    data["parameters"][name] = value
    ok, lines = verifies(example, data)
    assert not ok and "parameters" in lines[-1], lines


@pytest.mark.parametrize("kind, parameters", [("violations", VIOLATIONS), ("delays", DELAYS),
                                              ("scorecard", SCORECARD)])
def test_a_parameter_left_out_is_not_verified(example: Ledger, kind: str, parameters: dict[str, Any]) -> None:
    for name in parameters:
        data = report(example, kind, parameters)
        del data["parameters"][name]
        ok, lines = verifies(example, data)
        assert not ok and f"missing {name}" in lines[-1], (name, lines)


def test_a_dismissed_row_cannot_hide_behind_a_string_false(example: Ledger) -> None:
    """The hostile tester's report: dismissed rows included, `include_dismissed` saying "false"."""
    data = report(example, "violations", {**VIOLATIONS, "include_dismissed": True})
    data["parameters"]["include_dismissed"] = "false"
    assert verifies(example, data)[0] is False
    assert json.loads(render_report(data, "json"))["parameters"]["include_dismissed"] == "false"


@pytest.mark.parametrize("code", ["SХD", "ＳＸＤ", "sxd", "SXD ", "SXD\u00a0"])
def test_a_report_for_an_agency_the_ledger_does_not_know_is_not_verified(example: Ledger, code: str) -> None:
    """A look-alike code with no rows would read as "SXD has no violations", verified."""
    data = report(example, "violations", {**VIOLATIONS, "agencies": ["SXD"]})
    data["parameters"]["agencies"], data["rows"] = [code], []
    ok, lines = verifies(example, data)
    assert not ok and "did not know" in lines[-1], lines


def test_a_filter_named_twice_is_written_once_and_the_report_verifies(example: Ledger) -> None:
    data = report(example, "violations", {**VIOLATIONS, "rules": ["NO_LEAD", "LATE_RESPONSE", "NO_LEAD"],
                                          "agencies": ["VP", "VP"]})
    assert data["parameters"]["rules"] == ["NO_LEAD", "LATE_RESPONSE"] and data["parameters"]["agencies"] == ["VP"]
    assert verifies(example, data)[0]


@pytest.mark.parametrize("name, value", [("as_of", "0001-01-01"), ("as_of", "2100-01-01"),
                                         ("known_at", "0001-01-01T00:00:00+00:00")])
def test_a_date_the_ledger_never_writes_is_not_verified(example: Ledger, name: str, value: str) -> None:
    data = report(example, "violations", VIOLATIONS)
    data["parameters"][name], data["rows"] = value, []
    assert not verifies(example, data)[0]


def test_an_edited_csv_names_its_first_differing_line(example: Ledger) -> None:
    text = render_report(report(example, "violations", VIOLATIONS), "csv")
    lines = text.split("\n")
    lines[3] = lines[3].replace("2024", "2023", 1)
    ok, said = example.verify_report("\n".join(lines))
    assert not ok and said[-1] == "CSV line 4 differs from the recomputed report"  # the second row
