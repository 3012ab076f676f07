"""What a report file says around its rows, in Vietnamese with English beside it: the report's
title, its columns' names, and the facts that identify it (parameters, signed checkpoint,
rulebook and calendar versions). The spreadsheet and the PDF both read them from here, so the
two files describe the same report in the same words."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..integrity.checkpoint import Checkpoint
from .verifiable import report_name

#: kind → (Vietnamese title, English title); delays and scorecards name what they are counted by.
TITLES = {
    "violations": ("Báo cáo vi phạm kỷ luật, kỷ cương hành chính",
                   "Violations of administrative discipline"),
    "delays": ("Sổ theo dõi chậm trễ theo cơ quan", "Delay ledger: working days of delay by agency"),
    "delays_by_official": ("Sổ theo dõi chậm trễ theo cơ quan và công chức",
                           "Delay ledger: working days of delay by agency and official"),
    "scorecard": ("Bảng đánh giá giải quyết hồ sơ đúng hạn theo Quyết định 766/QĐ-TTg",
                  "On-time scorecard by agency (Decision 766/QĐ-TTg)"),
    "scorecard_by_official": ("Bảng đánh giá giải quyết hồ sơ đúng hạn theo Quyết định 766/QĐ-TTg, theo công chức",
                              "On-time scorecard by official (Decision 766/QĐ-TTg)"),
}

#: A column's Vietnamese name; the English one is its title, the field name of the JSON and CSV.
COLUMN_LABELS = {
    "rule": "Quy tắc",
    "case": "Hồ sơ",
    "consultation": "Lấy ý kiến",
    "agency": "Cơ quan",
    "official": "Công chức",
    "due": "Hạn",
    "days_late": "Số ngày trễ",
    "status": "Tình trạng",
    "deemed_consent": "Coi như đồng ý",
    "finding": "Kết luận",
    "message_vi": "Nội dung",
    "clause": "Quy định",
    "evidence": "Sự kiện làm chứng cứ",
    "message_en": "Nội dung (tiếng Anh)",
    "days": "Số ngày chậm",
    "by_rule": "Theo quy tắc",
    "cases": "Hồ sơ",
    "cases_on_time": "Đúng hạn",
    "cases_late": "Trễ hạn",
    "cases_overdue_open": "Quá hạn chưa xong",
    "on_time_rate": "Tỷ lệ đúng hạn",
    "score_766": "Điểm 766",
    "consultations": "Lấy ý kiến",
    "answered_on_time": "Trả lời đúng hạn",
    "answered_late": "Trả lời trễ",
    "unanswered_overdue": "Quá hạn chưa trả lời",
    "violations": "Vi phạm",
}

#: parameter → (Vietnamese, English) name.
PARAMETER_LABELS = {
    "as_of": ("Tính đến ngày", "As of"),
    "from": ("Từ ngày", "From"),
    "to": ("Đến ngày", "To"),
    "known_at": ("Dữ liệu ghi nhận đến", "Known at"),
    "rules": ("Quy tắc", "Rules"),
    "agencies": ("Cơ quan", "Agencies"),
    "include_dismissed": ("Gồm vi phạm đã bác bỏ", "Dismissed included"),
    "by": ("Tổng hợp theo", "By"),
}

YES, NO = "có / yes", "không / no"
_BY = {"agency": "cơ quan / agency", "official": "công chức / official"}


@dataclass(frozen=True)
class Fact:
    """One line of what identifies a report: its Vietnamese and English names and its value (a
    number stays a number, so a spreadsheet can keep it one)."""

    vi: str
    en: str
    value: str | int


def report_title(data: dict[str, Any]) -> tuple[str, str]:
    return TITLES[report_name(data["report"], data["parameters"])]


def _parameter_value(name: str, value: Any) -> str:
    """A parameter as a reader should take it: an empty filter means every rule or agency, no
    known-at means everything the checkpoint covers."""
    if name in ("rules", "agencies"):
        return ", ".join(value) if value else "tất cả / all"
    if name == "known_at":
        return value or "mọi sự kiện đến điểm chốt / every event under the checkpoint"
    if name == "by":
        return _BY.get(value, str(value))
    if isinstance(value, bool):
        return YES if value else NO
    return "—" if value is None else str(value)


def parameter_facts(data: dict[str, Any]) -> list[Fact]:
    """The report's filters, in the order the report holds them; a scorecard's known-at, which is
    always the checkpoint's, is left out."""
    facts = []
    for name, value in data["parameters"].items():
        if data["report"] == "scorecard" and name == "known_at" and value is None:
            continue
        vi, en = PARAMETER_LABELS.get(name, (name, name))
        facts.append(Fact(vi, en, _parameter_value(name, value)))
    return facts


def checkpoint_facts(data: dict[str, Any]) -> list[Fact]:
    """The signed checkpoint the rows were computed at, and the versions they were computed with."""
    checkpoint = data["checkpoint"]
    return [
        Fact("Số sự kiện được chốt", "Checkpoint size (events)", int(checkpoint["size"])),
        Fact("Gốc Merkle", "Merkle root", checkpoint["root"]),
        Fact("Thời điểm ký", "Signed at", checkpoint["time"]),
        Fact("Mã khóa ký", "Signing key id", Checkpoint.from_dict(checkpoint).key_id),
        Fact("Khóa công khai", "Public key", checkpoint["public_key"]),
        Fact("Chữ ký", "Signature", checkpoint["signature"]),
        Fact("Phiên bản bộ quy tắc", "Rulebook version", data["rulebook"]),
        Fact("Phiên bản lịch làm việc", "Calendar version", data["calendar"]),
    ]


def verify_command(data: dict[str, Any]) -> str:
    """The `ledger` command that exports this report as JSON, the file `ledger verify-report`
    checks (a spreadsheet or a PDF is for reading and filing; it carries no proof of its own)."""
    parameters = data["parameters"]
    kind = data["report"]
    if kind == "scorecard":
        words = ["scorecard", "--from", parameters["from"], "--to", parameters["to"]]
    else:
        words = [kind, "--as-of", parameters["as_of"]]
    if parameters.get("known_at") and kind != "scorecard":
        words += ["--known-at", parameters["known_at"]]
    for rule in parameters.get("rules") or []:
        words += ["--rule", rule]
    for agency in parameters.get("agencies") or []:
        words += ["--agency", agency]
    if parameters.get("include_dismissed"):
        words.append("--include-dismissed")
    if parameters.get("by") == "official":
        words += ["--by", "official"]
    return " ".join(["ledger", *words, "--format", "json", "-o", f"{kind}.json"])


def verification_note(data: dict[str, Any]) -> tuple[str, str]:
    """(Vietnamese, English) how to check this report: its JSON twin is what is verified."""
    command = verify_command(data)
    return (
        f"Tệp này để đọc và lưu hồ sơ. Bản được kiểm chứng là báo cáo JSON cùng bộ lọc: `{command}`, rồi"
        f" `ledger verify-report {data['report']}.json` kiểm tra chữ ký của điểm chốt và tính lại từng dòng.",
        f"This file is for reading and filing. What is verified is the JSON report of the same filters:"
        f" `{command}`, then `ledger verify-report {data['report']}.json` checks the checkpoint's signature"
        f" and recomputes every row.",
    )


def metadata_json(data: dict[str, Any]) -> str:
    """The report without its rows, as the first line of its CSV holds it: what ties this file to
    its JSON and CSV twins."""
    return json.dumps({k: v for k, v in data.items() if k != "rows"}, ensure_ascii=False, sort_keys=True)
