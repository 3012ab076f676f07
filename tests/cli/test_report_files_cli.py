"""`ledger violations | delays | scorecard --format xlsx|pdf -o FILE`: the files an oversight body
files, holding exactly the rows `--format json` prints for the same filters; and `verify-report`
on a CSV that an editor or the web saved with a byte order mark; and an `-o FILE` that cannot be
written (a missing folder, a folder, no permission, a full disk): one line, exit code 2, nothing
left behind."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ledger import Ledger
from ledger.cli import main
from tests.conftest import EXAMPLES
from tests.unit.test_report_files import as_json, pdf_pages, xlsx_rows, xlsx_sheet

BOM = b"\xef\xbb\xbf"


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A store holding the worked example of the specification."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    imported = CliRunner().invoke(main, ["--db", url, "import", str(EXAMPLES / "national-day-2024.jsonl")])
    assert imported.exit_code == 0, imported.output
    return url


@pytest.fixture
def run(db: str):
    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, ["--db", db, *args], catch_exceptions=False)

    return invoke


def printed_json(run: Any, *args: str) -> list[dict[str, Any]]:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def written(run: Any, path: Path, *args: str) -> bytes:
    fmt = path.suffix.lstrip(".")
    result = run(*args, "--format", fmt, "-o", str(path))
    assert result.exit_code == 0, result.output
    return path.read_bytes()


def report_facts(body: bytes) -> dict[str, Any]:
    """The verification sheet's facts, by their English name."""
    return {row[1]: row[2] for row in xlsx_sheet(body, 1).iter_rows(values_only=True) if row[1]}


FILTERS = [
    pytest.param([], id="every violation"),
    pytest.param(["--rule", "LATE_RESPONSE", "--rule", "NO_LEAD"], id="two rules"),
    pytest.param(["--agency", "SXD"], id="one agency"),
    pytest.param(["--rule", "CASE_OVERDUE", "--agency", "STNMT"], id="a rule and an agency with nothing"),
    pytest.param(["--as-of", "2024-09-10"], id="an earlier as-of"),
    pytest.param(["--known-at", "2024-01-01"], id="known at a time before anything was recorded"),
    pytest.param(["--include-dismissed"], id="dismissed included"),
]


def _with_as_of(filters: list[str]) -> list[str]:
    return filters if "--as-of" in filters else ["--as-of", "2024-09-30", *filters]


@pytest.mark.parametrize("filters", FILTERS)
def test_the_violations_spreadsheet_holds_exactly_the_json_rows_of_the_same_filters(
    run: Any, tmp_path: Path, filters: list[str]
) -> None:
    args = ["violations", *_with_as_of(filters)]
    expected = printed_json(run, *args)
    body = written(run, tmp_path / "v.xlsx", *args)
    _, rows = xlsx_rows(body)
    assert [as_json(row) for row in rows] == expected
    verifiable = json.loads(written(run, tmp_path / "v.json", *args))
    assert json.loads(report_facts(body)["The report without its rows (JSON)"]) == {
        k: v for k, v in verifiable.items() if k != "rows"}


@pytest.mark.parametrize("filters", FILTERS)
def test_the_violations_pdf_prints_every_json_row_of_the_same_filters(
    run: Any, tmp_path: Path, filters: list[str]
) -> None:
    args = ["violations", *_with_as_of(filters)]
    expected = printed_json(run, *args)
    lines = "\n".join(pdf_pages(written(run, tmp_path / "v.pdf", *args))).splitlines()
    assert f"Số dòng Rows {len(expected)}" in lines
    for row in expected:
        assert any(line.startswith(f"{row['rule']} {row['case']} {row['consultation'] or '—'} {row['agency']} ")
                   for line in lines), row
    if not expected:
        assert "Không có dòng nào. / No rows." in lines


def test_the_filters_are_named_in_the_files(run: Any, tmp_path: Path) -> None:
    args = ["violations", "--as-of", "2024-09-30", "--known-at", "2024-10-01T09:00:00+07:00", "--rule", "NO_LEAD",
            "--agency", "VP"]
    facts = report_facts(written(run, tmp_path / "v.xlsx", *args))
    assert (facts["As of"], facts["Known at"], facts["Rules"], facts["Agencies"]) == (
        "2024-09-30", "2024-10-01T09:00:00+07:00", "NO_LEAD", "VP")
    assert ("ledger violations --as-of 2024-09-30 --known-at 2024-10-01T09:00:00+07:00 --rule NO_LEAD --agency VP"
            " --format json") in facts["Verification"]
    first = pdf_pages(written(run, tmp_path / "v.pdf", *args))[0]
    assert "Dữ liệu ghi nhận đến Known at 2024-10-01T09:00:00+07:00" in first
    assert "Quy tắc Rules NO_LEAD" in first and "Cơ quan Agencies VP" in first


def printed_csv(run: Any, *args: str) -> list[dict[str, str]]:
    result = run(*args, "--format", "csv")
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.output)))


@pytest.mark.parametrize("by", ["agency", "official"])
def test_the_delay_spreadsheet_holds_the_json_rows_and_the_cases_of_the_csv(run: Any, tmp_path: Path,
                                                                            by: str) -> None:
    args = ["delays", "--as-of", "2024-09-30", "--by", by]
    _, rows = xlsx_rows(written(run, tmp_path / "d.xlsx", *args))
    assert [{k: v for k, v in as_json(row).items() if k != "cases"} for row in rows] == printed_json(run, *args)
    assert [row["cases"] for row in rows] == [row["cases"] for row in printed_csv(run, *args)]


@pytest.mark.parametrize("by", ["agency", "official"])
def test_the_scorecard_spreadsheet_holds_exactly_the_json_rows(run: Any, tmp_path: Path, by: str) -> None:
    args = ["scorecard", "--from", "2024-01-01", "--to", "2024-12-31", "--by", by]
    _, rows = xlsx_rows(written(run, tmp_path / "s.xlsx", *args))
    assert [as_json(row) for row in rows] == printed_json(run, *args)


@pytest.mark.parametrize("args, title", [
    (["delays", "--as-of", "2024-09-30"], "SỔ THEO DÕI CHẬM TRỄ THEO CƠ QUAN"),
    (["delays", "--as-of", "2024-09-30", "--by", "official"], "SỔ THEO DÕI CHẬM TRỄ THEO CƠ QUAN VÀ CÔNG CHỨC"),
    (["scorecard", "--from", "2024-01-01", "--to", "2024-12-31"], "BẢNG ĐÁNH GIÁ GIẢI QUYẾT HỒ SƠ ĐÚNG HẠN"),
])
def test_the_delay_and_scorecard_pdfs_print_every_json_row(run: Any, tmp_path: Path, args: list[str],
                                                           title: str) -> None:
    text = "\n".join(pdf_pages(written(run, tmp_path / "r.pdf", *args)))
    assert title in text
    lines = text.splitlines()
    for row in printed_json(run, *args):
        start = f"{row['agency']} {row['official'] or '—'} " if "official" in row else f"{row['agency']} "
        assert any(line.startswith(start) for line in lines), row


def test_the_delay_pdf_adds_up_the_days(run: Any, tmp_path: Path) -> None:
    text = "\n".join(pdf_pages(written(run, tmp_path / "d.pdf", "delays", "--as-of", "2024-09-30")))
    assert "Tổng: Số ngày chậm Total days 7" in text


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
@pytest.mark.parametrize("args", [
    ["violations"], ["delays"], ["scorecard", "--from", "2024-01-01", "--to", "2024-12-31"],
], ids=["violations", "delays", "scorecard"])
def test_a_binary_format_without_a_file_is_refused_before_anything_is_opened(tmp_path: Path, fmt: str,
                                                                             args: list[str]) -> None:
    store = tmp_path / "never.db"
    result = CliRunner().invoke(main, ["--db", f"sqlite:///{store}", *args, "--format", fmt])
    assert result.exit_code == 2
    assert f"--format {fmt} writes a binary file: name it with -o FILE" in result.output
    assert result.stdout_bytes == b""
    assert not store.exists() and list(tmp_path.iterdir()) == []


def test_a_binary_format_goes_to_standard_output_when_asked_with_a_dash_and_it_is_no_terminal(run: Any) -> None:
    result = run("violations", "--as-of", "2024-09-30", "--format", "xlsx", "-o", "-")
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"PK")  # a zip: the workbook
    _, rows = xlsx_rows(result.stdout_bytes)
    assert len(rows) == 4


def test_the_csv_the_cli_writes_still_has_no_byte_order_mark(run: Any, tmp_path: Path) -> None:
    body = written(run, tmp_path / "v.csv", "violations", "--as-of", "2024-09-30")
    assert body.startswith(b"# procedure-ledger report {")


@pytest.fixture
def bom_csv(run: Any, tmp_path: Path) -> Path:
    """A CSV report saved with a byte order mark, as the web exports it."""
    path = tmp_path / "bom.csv"
    path.write_bytes(BOM + written(run, tmp_path / "v.csv", "violations", "--as-of", "2024-09-30"))
    return path


def test_a_csv_report_with_a_byte_order_mark_verifies(run: Any, bom_csv: Path) -> None:
    result = run("verify-report", str(bom_csv))
    assert result.exit_code == 0, result.output
    assert "all 4 rows recomputed and confirmed" in result.output


def test_an_edited_csv_report_with_a_byte_order_mark_does_not_verify(run: Any, bom_csv: Path) -> None:
    text = bom_csv.read_bytes().decode("utf-8")
    assert text.count(",4,closed,") == 1
    bom_csv.write_bytes(text.replace(",4,closed,", ",3,closed,").encode("utf-8"))
    result = run("verify-report", str(bom_csv))
    assert result.exit_code == 1
    assert "differs from the recomputed report" in result.output


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_ledger_verifies_report_text_that_starts_with_a_byte_order_mark(run: Any, db: str, tmp_path: Path,
                                                                            fmt: str) -> None:
    text = written(run, tmp_path / f"v.{fmt}", "violations", "--as-of", "2024-09-30").decode("utf-8")
    with Ledger(db) as ledger:
        ok, lines = ledger.verify_report("\ufeff" + text)
        assert ok, lines
        edited = text.replace("2024-09-18", "2024-09-19", 1)
        assert edited != text
        assert not ledger.verify_report("\ufeff" + edited)[0]


# --- an -o FILE that cannot be written -------------------------------------------------------------


REPORTS = {
    "violations": ["violations", "--as-of", "2024-09-30"],
    "delays": ["delays", "--as-of", "2024-09-30"],
    "scorecard": ["scorecard", "--from", "2024-01-01", "--to", "2024-12-31"],
}
FORMATS = ["xlsx", "pdf", "json", "csv"]
#: The other commands that write -o FILE: the ledger as JSON Lines, a case's proof, a table.
OTHER_WRITERS = [["export"], ["prove", "HCM-2024-0901"], ["violations", "--as-of", "2024-09-30"]]


def refused(result: Result, output: Path | str, reason: str) -> None:
    """Exit code 2 and one line naming the file and the reason; no traceback, nothing printed."""
    assert result.exit_code == 2, result.output
    assert result.stderr == f"error: cannot write {output}: {reason}; nothing was written\n"
    assert result.stdout == ""


def files_under(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*"))


@pytest.mark.parametrize("kind", REPORTS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_report_to_a_missing_folder_is_refused_in_one_line_and_nothing_is_written(
    run: Any, tmp_path: Path, fmt: str, kind: str
) -> None:
    before = files_under(tmp_path)
    output = tmp_path / "no" / "such" / f"r.{fmt}"
    refused(run(*REPORTS[kind], "--format", fmt, "-o", str(output)), output,
            f"the folder {output.parent} does not exist")
    assert files_under(tmp_path) == before


@pytest.mark.parametrize("kind", REPORTS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_report_to_a_folder_is_refused_in_one_line_and_nothing_is_written(
    run: Any, tmp_path: Path, fmt: str, kind: str
) -> None:
    folder = tmp_path / f"r.{fmt}"
    folder.mkdir()
    before = files_under(tmp_path)
    refused(run(*REPORTS[kind], "--format", fmt, "-o", str(folder)), folder, "it is a folder, not a file")
    refused(run(*REPORTS[kind], "--format", fmt, "-o", f"{folder}/"), f"{folder}/", "it is a folder, not a file")
    assert files_under(tmp_path) == before


@pytest.mark.parametrize("args", OTHER_WRITERS, ids=["export", "prove", "table"])
def test_every_other_output_file_is_refused_the_same_way(run: Any, tmp_path: Path, args: list[str]) -> None:
    before = files_under(tmp_path)
    missing = tmp_path / "missing" / "out.txt"
    refused(run(*args, "-o", str(missing)), missing, f"the folder {missing.parent} does not exist")
    refused(run(*args, "-o", str(tmp_path)), tmp_path, "it is a folder, not a file")
    ordinary = tmp_path / "x.db"  # a file where the folder should be
    refused(run(*args, "-o", str(ordinary / "out.txt")), ordinary / "out.txt", f"{ordinary} is not a folder")
    assert files_under(tmp_path) == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_failure_while_writing_leaves_the_earlier_file_as_it_was_and_no_part_of_the_new_one(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    import errno

    output = tmp_path / "reports" / f"v.{fmt}"
    output.parent.mkdir()
    output.write_bytes(b"last month's report")
    real_replace = os.replace

    def disk_full(source: Any, target: Any, **kwargs: Any) -> None:
        if os.fspath(target) == str(output):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_replace(source, target, **kwargs)

    monkeypatch.setattr(os, "replace", disk_full)
    refused(run("violations", "--as-of", "2024-09-30", "--format", fmt, "-o", str(output)), output,
            "No space left on device")
    assert output.read_bytes() == b"last month's report"
    assert list(output.parent.iterdir()) == [output]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_without_permission_is_refused_in_one_line(run: Any, tmp_path: Path, fmt: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Permissions as the process sees them (`os.access`): denied here by hand, since root, which runs
    CI, may write anywhere."""
    locked = tmp_path / "locked"
    locked.mkdir()
    read_only = tmp_path / f"read-only.{fmt}"
    read_only.write_bytes(b"kept")
    real_access = os.access

    def access(path: Any, mode: int, **kwargs: Any) -> bool:
        if mode & os.W_OK and os.path.realpath(path) in (str(locked), str(read_only)):
            return False
        return real_access(path, mode, **kwargs)

    monkeypatch.setattr(os, "access", access)
    refused(run("violations", "--as-of", "2024-09-30", "--format", fmt, "-o", str(locked / f"v.{fmt}")),
            locked / f"v.{fmt}", f"permission denied in the folder {locked}")
    refused(run("violations", "--as-of", "2024-09-30", "--format", fmt, "-o", str(read_only)), read_only,
            "permission denied")
    assert list(locked.iterdir()) == [] and read_only.read_bytes() == b"kept"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_is_written_whole_with_the_permissions_open_would_give_it(run: Any, tmp_path: Path,
                                                                         fmt: str) -> None:
    umask = os.umask(0o022)
    try:
        body = written(run, tmp_path / f"v.{fmt}", "violations", "--as-of", "2024-09-30")
    finally:
        os.umask(umask)
    assert body and (tmp_path / f"v.{fmt}").stat().st_mode & 0o777 == 0o644
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_a_device_is_written_in_place(run: Any) -> None:
    result = run("violations", "--as-of", "2024-09-30", "--format", "pdf", "-o", os.devnull)
    assert result.exit_code == 0, result.output
