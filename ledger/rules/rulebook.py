"""The rulebook (SPEC §6): each rule's code, the directive clause it enforces, its legal source,
its parameters and the dates it applies to. Data, not code: the functions that apply the rules
live beside this module and read their parameters from here, so `ledger rules` and
`docs/rules.md` describe exactly what runs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

# The article's sentences (seed/directive-article.vi.txt), quoted where a rule enforces them.
LEAD_CLAUSE = (
    "Mỗi công việc được giao cho một đơn vị, một công chức, viên chức làm đầu mối chủ trì theo dõi xử lý "
    "và chịu trách nhiệm chính."
)
FOCAL_CLAUSE = (
    "Sở Tài chính được giao làm đầu mối, theo dõi, giải quyết kiến nghị, khó khăn vướng mắc của các doanh nghiệp "
    "có 100% vốn nhà nước trực thuộc UBND thành phố. Sở Xây dựng làm đầu mối giải quyết các khó khăn vướng mắc "
    "của doanh nghiệp bất động sản trên địa bàn TP. Hồ Chí Minh."
)
RELATED_CLAUSE = (
    "Chỉ lấy ý kiến các cơ quan liên quan trực tiếp đến đề án, dự án..., không lấy ý kiến phối hợp của cơ quan "
    "không liên quan hoặc không cần thiết."
)
ON_TIME_CLAUSE = "Cơ quan được lấy ý kiến có trách nhiệm trả lời đúng hạn."
CLEAR_CLAUSE = (
    "Cơ quan được lấy ý kiến có trách nhiệm trả lời … có quan điểm, trách nhiệm rõ ràng, không trả lời chung chung, "
    "né tránh."
)
BUCK_CLAUSE = "Không … đùn đẩy trách nhiệm làm ảnh hưởng đến tiến độ xử lý công việc."
MANDATE_CLAUSE = "Cơ quan được lấy ý kiến có trách nhiệm trả lời … đúng chức năng, nhiệm vụ."
DELAY_CLAUSE = (
    "Kiên quyết không để xảy ra tình trạng chậm trễ, nhũng nhiễu, tiêu cực, lãng phí nguồn lực, cơ hội của Nhà nước, "
    "xã hội, người dân, doanh nghiệp."
)
SUPERVISION_CLAUSE = (
    "Tăng cường giám sát, kiểm tra việc thực hiện thủ tục hành chính để phát hiện, xử lý nghiêm các cơ quan, đơn vị, "
    "người đứng đầu cơ quan, đơn vị và cán bộ, công chức, viên chức không chịu xử lý, vi phạm."
)
PROGRAMME_CLAUSE = (
    "Ngay trong tháng 1/2024 phải tập trung xây dựng chương trình công tác, kế hoạch năm 2024 của cơ quan, đơn vị "
    "có trọng tâm, trọng điểm bám sát chương trình công tác, chủ đề năm của UBND thành phố."
)

DIRECTIVE = "Chỉ thị của Chủ tịch UBND TP. Hồ Chí Minh về thực hiện nhiệm vụ phát triển kinh tế - xã hội năm 2024 (01/2024)"
FIRST_DAY = date(2024, 1, 1)


@dataclass(frozen=True)
class Rule:
    code: str
    title_en: str
    title_vi: str
    clause: str
    source: str
    parameters: dict[str, Any] = field(default_factory=dict)
    valid_from: date = FIRST_DAY
    valid_to: date | None = None
    measures_lateness: bool = False
    message_en: str = ""
    message_vi: str = ""

    def applies_on(self, day: date | None) -> bool:
        if day is None:
            return True
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["valid_from"] = self.valid_from.isoformat()
        data["valid_to"] = self.valid_to.isoformat() if self.valid_to else None
        return data


RULES: tuple[Rule, ...] = (
    Rule(
        "NO_LEAD",
        "No lead unit and lead official assigned in time",
        "Không giao đơn vị, cá nhân chủ trì đúng hạn",
        LEAD_CLAUSE,
        f"{DIRECTIVE}; Nghị định 30/2020/NĐ-CP Điều 4 khoản 2 điểm c (chuyển giao trong ngày, chậm nhất ngày làm việc tiếp theo)",
        {"lead_within_working_days": 1},
        measures_lateness=True,
        message_en="Case {case}: no lead unit and official by {due}; {days} working day(s) late.",
        message_vi="Hồ sơ {case}: chưa giao đơn vị, cá nhân chủ trì trước {due}; chậm {days} ngày làm việc.",
    ),
    Rule(
        "WRONG_FOCAL_POINT",
        "Lead assigned to an agency other than the procedure's focal point",
        "Giao chủ trì không đúng cơ quan đầu mối",
        FOCAL_CLAUSE,
        DIRECTIVE,
        message_en="Case {case}: lead given to {lead}, but the focal point of {procedure} is {focal}.",
        message_vi="Hồ sơ {case}: giao {lead} chủ trì, trong khi đầu mối của thủ tục {procedure} là {focal}.",
    ),
    Rule(
        "UNRELATED_CONSULTATION",
        "Consulted an agency not directly related",
        "Lấy ý kiến cơ quan không liên quan trực tiếp",
        RELATED_CLAUSE,
        DIRECTIVE,
        message_en="Case {case}: {consultation} asked {to} about {domains}, outside its mandate.",
        message_vi="Hồ sơ {case}: {consultation} lấy ý kiến {to} về {domains}, không thuộc chức năng của cơ quan này.",
    ),
    Rule(
        "REDUNDANT_CONSULTATION",
        "Consulted the same agency again while an earlier request was open",
        "Lấy ý kiến trùng lặp khi yêu cầu trước chưa được trả lời",
        RELATED_CLAUSE,
        DIRECTIVE,
        message_en="Case {case}: {consultation} asks {to} again while {earlier} is still open.",
        message_vi="Hồ sơ {case}: {consultation} lấy ý kiến lại {to} khi {earlier} vẫn chưa được trả lời.",
    ),
    Rule(
        "LATE_RESPONSE",
        "Consulted agency answered late, or not at all",
        "Cơ quan được lấy ý kiến trả lời trễ hạn hoặc không trả lời",
        ON_TIME_CLAUSE,
        f"{DIRECTIVE}; UBND TP.HCM 22/04/2019 'Nghiêm túc thực hiện quy trình xử lý hồ sơ' (15 ngày làm việc; "
        "quá hạn không trả lời được xem như đồng ý)",
        {"default_consultation_working_days": 15, "silence_is_consent": True},
        measures_lateness=True,
        message_en="Case {case}: {to} answered {consultation} {days} working day(s) after its due date {due}.",
        message_vi="Hồ sơ {case}: {to} trả lời {consultation} chậm {days} ngày làm việc so với hạn {due}.",
    ),
    Rule(
        "EVASIVE_RESPONSE",
        "Answer without a clear position or reasoning",
        "Trả lời chung chung, né tránh",
        CLEAR_CLAUSE,
        DIRECTIVE,
        message_en="Case {case}: {agency}'s answer to {consultation} is evasive ({reason}).",
        message_vi="Hồ sơ {case}: {agency} trả lời {consultation} chung chung, né tránh ({reason_vi}).",
    ),
    Rule(
        "BUCK_PASSING",
        "Declared not competent on a matter within its mandate, or without naming who is",
        "Đùn đẩy trách nhiệm",
        BUCK_CLAUSE,
        DIRECTIVE,
        message_en="Case {case}: {agency} declared itself not competent on {consultation} ({reason}).",
        message_vi="Hồ sơ {case}: {agency} trả lời không thuộc thẩm quyền đối với {consultation} ({reason_vi}).",
    ),
    Rule(
        "OUT_OF_MANDATE_RESPONSE",
        "Answer on topics outside the answering agency's mandate",
        "Trả lời không đúng chức năng, nhiệm vụ",
        MANDATE_CLAUSE,
        DIRECTIVE,
        message_en="Case {case}: {agency} answered {consultation} on {outside}, outside its mandate.",
        message_vi="Hồ sơ {case}: {agency} trả lời {consultation} về {outside}, ngoài chức năng, nhiệm vụ.",
    ),
    Rule(
        "CASE_OVERDUE",
        "Case resolved after, or still open past, its due date",
        "Hồ sơ giải quyết trễ hạn",
        DELAY_CLAUSE,
        f"{DIRECTIVE}; Nghị định 61/2018/NĐ-CP (thời hạn giải quyết; thời gian bổ sung hồ sơ không tính)",
        measures_lateness=True,
        message_en="Case {case}: due {due}, {days} working day(s) late.",
        message_vi="Hồ sơ {case}: hạn {due}, trễ {days} ngày làm việc.",
    ),
    Rule(
        "APOLOGY_MISSING",
        "Overdue case without an apology before its due date",
        "Hồ sơ trễ hạn không có văn bản xin lỗi trước hạn",
        SUPERVISION_CLAUSE,
        "Nghị định 61/2018/NĐ-CP (văn bản xin lỗi và hẹn lại ngày trả kết quả, chậm nhất 01 ngày trước ngày hết hạn)",
        {"apology_by": "the last working day before the due date"},
        message_en="Case {case}: overdue, and no apology was issued by {due}.",
        message_vi="Hồ sơ {case}: trễ hạn mà không có văn bản xin lỗi trước {due}.",
    ),
    Rule(
        "RESCHEDULE_MISSED",
        "Case resolved after, or still open past, the date promised in its first apology",
        "Không trả kết quả đúng ngày hẹn lại",
        DELAY_CLAUSE,
        "Nghị định 61/2018/NĐ-CP (phiếu xin lỗi và hẹn lại ngày trả kết quả)",
        measures_lateness=True,
        message_en="Case {case}: promised for {due} in its first apology; {days} working day(s) late.",
        message_vi="Hồ sơ {case}: hẹn lại ngày {due}, trễ {days} ngày làm việc.",
    ),
    Rule(
        "RESCHEDULE_REPEATED",
        "A new date promised more than once",
        "Hẹn lại ngày trả kết quả quá một lần",
        DELAY_CLAUSE,
        "Nghị định 61/2018/NĐ-CP (chỉ hẹn lại ngày trả kết quả một lần)",
        {"reschedules_allowed": 1},
        message_en="Case {case}: a further apology on {on} sets a new date again.",
        message_vi="Hồ sơ {case}: văn bản xin lỗi ngày {on} hẹn lại lần nữa.",
    ),
    Rule(
        "REPEATED_SUPPLEMENT_REQUEST",
        "The applicant asked more than once to complete the dossier",
        "Yêu cầu bổ sung hồ sơ quá một lần",
        SUPERVISION_CLAUSE,
        "Nghị định 61/2018/NĐ-CP; Quyết định 766/QĐ-TTg (yêu cầu bổ sung hồ sơ hơn 01 lần thì tính quá hạn)",
        {"supplement_requests_allowed": 1},
        message_en="Case {case}: supplement requested again on {on} (the applicant is guided once, in writing).",
        message_vi="Hồ sơ {case}: yêu cầu bổ sung hồ sơ lần nữa ngày {on} (chỉ hướng dẫn một lần bằng văn bản).",
    ),
    Rule(
        "WORK_PROGRAMME_LATE",
        "Year's work programme adopted after January",
        "Không xây dựng chương trình công tác năm trong tháng 1",
        PROGRAMME_CLAUSE,
        DIRECTIVE,
        {"deadline": "31 January", "first_year": 2024, "agency_kinds": ["department", "board", "district"]},
        measures_lateness=True,
        message_en="{agency}: the {year} work programme was due by {due}; {days} working day(s) late.",
        message_vi="{agency}: chương trình công tác năm {year} phải ban hành trước {due}; chậm {days} ngày làm việc.",
    ),
    Rule(
        "LATE_RECORDING",
        "Event recorded more than a working day after it happened (possible backdating)",
        "Cập nhật trễ so với thời điểm thực hiện (nghi vấn ghi lùi ngày)",
        SUPERVISION_CLAUSE,
        "Nghị định 30/2020/NĐ-CP Điều 4 khoản 2 điểm c–d (đăng ký trong ngày, chậm nhất ngày làm việc tiếp theo; "
        "cập nhật trạng thái xử lý)",
        {"record_within_working_days": 1, "exempt_sources": ["import"]},
        measures_lateness=True,
        message_en="{type} claimed on {on} was recorded on {recorded}: {days} working day(s) late.",
        message_vi="{type} ngày {on} được cập nhật ngày {recorded}: chậm {days} ngày làm việc.",
    ),
)

RULEBOOK: dict[str, Rule] = {rule.code: rule for rule in RULES}
RULE_ORDER: dict[str, int] = {rule.code: index for index, rule in enumerate(RULES)}


def rulebook_version() -> str:
    """A content hash of every rule: a report names the rulebook it was computed with."""
    payload = json.dumps([rule.as_dict() for rule in RULES], sort_keys=True, ensure_ascii=False)
    return f"rules-2024.1-{hashlib.sha256(payload.encode()).hexdigest()[:12]}"
