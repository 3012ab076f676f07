"""Step definitions for the executable directive (features/*.feature), in English and Vietnamese.

Each scenario builds a ledger of its own in a temporary SQLite file, on the FakeClock of
tests/conftest.py. The history is written the way an agency would write it:

- registry steps import §3 events (claimed on 1 December 2023 unless a date is given);
- case steps stage one §8 event for the *current case* (the case opened last). A staged event is
  imported (source `import`) as soon as the next step runs, unless the step right after it says
  it was entered through the web (or imported) on a given day: then the ledger's clock is moved
  to that day, 17:00 in Ho Chi Minh City, for the append, and moved back;
- every import must be accepted whole (`refused == []`), so a typo in a feature fails loudly.

Claimed times: an event written "on <day>" is claimed at 09:00 local time, the next one on the
same day at 09:05, and so on (step order is claim order); "at 16:30" / "lúc 16:30" sets it.

The Then steps judge the current case's violations plus those of no case (work programmes); a
step naming a violation requires exactly one to match, and makes it the subject of the steps
that follow ("it is due on …", "hạn là ngày …").
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import parse
import pytest
from pytest_bdd import given, parsers, step, then, when

from ledger import Ledger
from ledger.calendar import LOCAL_TZ
from ledger.rules import Violation
from tests.builders import registry_lines
from tests.conftest import FakeClock

REGISTRY_AT = "2023-12-01T08:00:00+07:00"
RECORDED_AT = time(17, 0)

# --- parameter types ------------------------------------------------------------------------------

EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")
EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
VI_WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")

_EN_DAY = (
    rf"(?:(?:{'|'.join(EN_WEEKDAYS)}) )?\d{{1,2}} (?:{'|'.join(EN_MONTHS)}) \d{{4}}(?: at \d{{1,2}}:\d{{2}})?"
)
_VI_DAY = rf"\d{{1,2}}/\d{{1,2}}/\d{{4}}(?: \((?:{'|'.join(VI_WEEKDAYS)})\))?(?: lúc \d{{1,2}}:\d{{2}})?"
_ISO_DAY = r"\d{4}-\d{2}-\d{2}"
DAY_PATTERN = f"{_EN_DAY}|{_VI_DAY}|{_ISO_DAY}"


@dataclass(frozen=True)
class Moment:
    """A day as a feature writes it, with the time of day when one is given."""

    day: date
    clock_time: time | None = None


def _clock_time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def to_moment(text: str) -> Moment:
    """'Monday 4 March 2024 at 15:00', '04/03/2024 (thứ Hai) lúc 15:00' or '2024-03-04'; a weekday
    that does not fit the date fails the step (so every date in a feature is checked)."""
    text = text.strip()
    weekday: str | None = None
    at: time | None = None
    if "/" in text:  # Vietnamese
        if " lúc " in text:
            text, clock = text.split(" lúc ")
            at = _clock_time(clock)
        if "(" in text:
            text, _, rest = text.partition(" (")
            weekday = rest.rstrip(")")
        day_s, month_s, year_s = text.split("/")
        day = date(int(year_s), int(month_s), int(day_s))
        if weekday is not None:
            assert VI_WEEKDAYS[day.weekday()] == weekday, f"{day} is a {VI_WEEKDAYS[day.weekday()]}, not {weekday}"
    elif "-" in text:
        day = date.fromisoformat(text)
    else:  # English
        if " at " in text:
            text, clock = text.split(" at ")
            at = _clock_time(clock)
        words = text.split()
        if words[0] in EN_WEEKDAYS:
            weekday, words = words[0], words[1:]
        day = date(int(words[2]), EN_MONTHS.index(words[1]) + 1, int(words[0]))
        if weekday is not None:
            assert EN_WEEKDAYS[day.weekday()] == weekday, f"{day} is a {EN_WEEKDAYS[day.weekday()]}, not {weekday}"
    return Moment(day, at)


@parse.with_pattern(DAY_PATTERN)
def _day(text: str) -> Moment:
    return to_moment(text)


@parse.with_pattern(r"[A-Z][A-Z0-9]+")
def _agency(text: str) -> str:
    return text


@parse.with_pattern(r"[a-z]+\.[a-z0-9_.]+")
def _official(text: str) -> str:
    return text


@parse.with_pattern(r"[A-Z]+(?:_[A-Z]+)+")
def _code(text: str) -> str:
    return text


@parse.with_pattern(r"C\d+")
def _consultation(text: str) -> str:
    return text


@parse.with_pattern(r"HCM-\d{4}-\d{4}")
def _case(text: str) -> str:
    return text


@parse.with_pattern(r"[a-z_]+(?:, [a-z_]+)*")
def _tags(text: str) -> list[str]:
    return [t.strip() for t in text.split(",")]


ROLES = {
    "head": "head",
    "deputy head": "deputy_head",
    "specialist": "specialist",
    "clerk": "clerk",
    "inspector": "inspector",
    "giám đốc": "head",
    "phó giám đốc": "deputy_head",
    "chuyên viên": "specialist",
    "văn thư": "clerk",
    "thanh tra viên": "inspector",
}


@parse.with_pattern("|".join(sorted(ROLES, key=len, reverse=True)))
def _role(text: str) -> str:
    return ROLES[text]


KINDS = {
    "department": "department",
    "board": "board",
    "district": "district",
    "inspectorate": "inspectorate",
    "people's committee": "people_committee",
    "other": "other",
    "sở": "department",
    "ban": "board",
    "quận, huyện": "district",
    "thanh tra": "inspectorate",
    "ủy ban nhân dân": "people_committee",
    "khác": "other",
}


@parse.with_pattern("|".join(sorted((k.replace("(", r"\(") for k in KINDS), key=len, reverse=True)))
def _kind(text: str) -> str:
    return KINDS[text]


POSITIONS = {
    "agree": "agree",
    "disagree": "disagree",
    "conditional": "conditional",
    "not_competent": "not_competent",
    "đồng ý": "agree",
    "không đồng ý": "disagree",
    "đồng ý có điều kiện": "conditional",
    "không thuộc thẩm quyền": "not_competent",
}


@parse.with_pattern("|".join(sorted(POSITIONS, key=len, reverse=True)))
def _position(text: str) -> str:
    return POSITIONS[text]


DECISIONS = {"dismissed": "dismissed", "confirmed": "confirmed", "bác bỏ": "dismissed", "xác nhận": "confirmed"}


@parse.with_pattern("|".join(DECISIONS))
def _decision(text: str) -> str:
    return DECISIONS[text]


@parse.with_pattern(r"an?")
def _article(text: str) -> str:
    return text


@parse.with_pattern(r"days?")
def _days(text: str) -> str:
    return text


TYPES = {
    "A": _article,  # "a" or "an", and "day" or "days": unnamed fields, so the step gets no argument
    "Days": _days,
    "Day": _day,
    "Agency": _agency,
    "Official": _official,
    "Code": _code,
    "C": _consultation,
    "Case": _case,
    "Tags": _tags,
    "Role": _role,
    "Kind": _kind,
    "Position": _position,
    "Decision": _decision,
}


def p(text: str) -> parsers.parse:
    return parsers.parse(text, extra_types=TYPES)


# --- the world of one scenario --------------------------------------------------------------------


def _local(moment: Moment, default: time) -> datetime:
    return datetime.combine(moment.day, moment.clock_time or default, tzinfo=LOCAL_TZ)


@dataclass
class World:
    ledger: Ledger
    clock: FakeClock
    started: datetime
    case: str | None = None
    pending: dict[str, Any] | None = None
    stamps: Counter[date] = field(default_factory=Counter)
    registered: dict[str, str] = field(default_factory=dict)
    found: list[Violation] | None = None
    current: Violation | None = None

    # writing -------------------------------------------------------------------------------------

    def at(self, moment: Moment) -> str:
        """The claimed time: the time given, else 09:00 plus 5 minutes per earlier event that day."""
        if moment.clock_time is None:
            minutes = 5 * self.stamps[moment.day]
            self.stamps[moment.day] += 1
            return _local(moment, (datetime(2000, 1, 1, 9) + timedelta(minutes=minutes)).time()).isoformat()
        return _local(moment, time(9)).isoformat()

    def write(self, objs: list[dict[str, Any]], *, source: str = "import", recorded: datetime | None = None) -> None:
        if recorded is not None:
            self.clock.now = recorded.astimezone(timezone.utc)
        try:
            if source == "import":
                report = self.ledger.import_lines([json.dumps(obj, ensure_ascii=False) for obj in objs])
                assert report.refused == [], f"the ledger refused {report.refused} of {objs}"
            else:
                self.ledger.append(objs, source=source)
        finally:
            self.clock.now = self.started

    def flush(self, *, source: str = "import", recorded: datetime | None = None) -> None:
        if self.pending is not None:
            obj, self.pending = self.pending, None
            self.write([obj], source=source, recorded=recorded)

    def registry(self, objs: list[dict[str, Any]]) -> None:
        self.flush()
        self.write(objs)

    def stage(self, obj: dict[str, Any]) -> None:
        self.flush()
        self.pending = obj

    def case_event(self, kind: str, by: str, moment: Moment, **fields: Any) -> None:
        assert self.case is not None, "no case has been opened in this scenario"
        self.stage({"type": kind, "case": self.case, "by": by, "at": self.at(moment), **fields})

    # judging -------------------------------------------------------------------------------------

    def judge(self, as_of: date | None, *, include_dismissed: bool = False) -> None:
        self.flush()
        if as_of is None:
            self.found = self.ledger.violations(include_dismissed=include_dismissed)
        else:
            self.found = self.ledger.violations(as_of=as_of, include_dismissed=include_dismissed)
        self.current = None

    def in_scope(self) -> list[Violation]:
        assert self.found is not None, "the ledger has not been judged yet (a When step is missing)"
        return [v for v in self.found if v.case is None or v.case == self.case]

    def matching(self, rule: str, **wanted: Any) -> list[Violation]:
        return [
            v for v in self.in_scope()
            if v.rule == rule and all(getattr(v, name) == value for name, value in wanted.items())
        ]

    def one(self, rule: str, **wanted: Any) -> Violation:
        matches = self.matching(rule, **wanted)
        assert len(matches) == 1, (
            f"expected exactly one {rule} violation with {wanted}, found {len(matches)}; "
            f"all violations:\n{self.describe()}"
        )
        self.current = matches[0]
        return matches[0]

    def describe(self) -> str:
        keys = ("rule", "case", "consultation", "agency", "official", "due", "days_late", "status",
                "deemed_consent", "finding")
        return "\n".join(
            "  " + json.dumps({k: v.as_dict()[k] for k in keys}, ensure_ascii=False) for v in self.in_scope()
        ) or "  (none)"

    @property
    def subject(self) -> dict[str, Any]:
        assert self.current is not None, "no violation has been named yet"
        return self.current.as_dict()


@pytest.fixture
def world(tmp_path: Path, clock: FakeClock) -> Iterator[World]:
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.db'}", clock=clock)
    try:
        yield World(ledger, clock, clock.now)
    finally:
        ledger.close()


def history(text: str):  # type: ignore[no-untyped-def]
    """A history step reads as well after Given as after When (or "And" after a Then)."""
    return step(p(text))


# --- registry -------------------------------------------------------------------------------------


@given("the city registry of 1 December 2023")
@given("sổ đăng ký của Thành phố ngày 01/12/2023")
def _city_registry(world: World) -> None:
    """tests.builders.registry_lines(): VP, SXD, STNMT, TTTP and their officials, REAL_ESTATE_DIFFICULTY."""
    world.registry(registry_lines(REGISTRY_AT))


def _register(world: World, agency: str, name: str, kind: str, mandate: list[str], at: str) -> None:
    world.registry([{"type": "AgencyRegistered", "agency": agency, "name": name, "name_en": name, "kind": kind,
                     "mandate": mandate, "at": at}])
    world.registered[agency] = at


@given(p('the agency {agency:Agency} "{name}" ({kind:Kind}) with mandate {mandate:Tags}'))
@given(p('cơ quan {agency:Agency} "{name}" ({kind:Kind}) có chức năng {mandate:Tags}'))
def _agency_registered(world: World, agency: str, name: str, kind: str, mandate: list[str]) -> None:
    _register(world, agency, name, kind, mandate, REGISTRY_AT)


@given(p('the agency {agency:Agency} "{name}" ({kind:Kind}) with mandate {mandate:Tags}, registered on {day:Day}'))
@given(p('cơ quan {agency:Agency} "{name}" ({kind:Kind}) có chức năng {mandate:Tags}, thành lập ngày {day:Day}'))
def _agency_registered_on(world: World, agency: str, name: str, kind: str, mandate: list[str], day: Moment) -> None:
    _register(world, agency, name, kind, mandate, _local(day, time(8)).isoformat())


@given(p("{official:Official} is the {role:Role} of {agency:Agency}"))
@given(p("{official:Official} is a {role:Role} of {agency:Agency}"))
@given(p("{official:Official} là {role:Role} của {agency:Agency}"))
def _official_appointed(world: World, official: str, role: str, agency: str) -> None:
    at = world.registered.get(agency, REGISTRY_AT)
    world.registry([{"type": "OfficialAppointed", "official": official, "name": f"Cán bộ {official}",
                     "agency": agency, "role": role, "at": at}])


def _procedure(world: World, code: str, name: str, days: int, focal: str | None, domains: list[str]) -> None:
    world.registry([{"type": "ProcedureDefined", "procedure": code, "name": name, "processing_days": days,
                     "focal_agency": focal, "domains": domains, "at": REGISTRY_AT}])


@given(p('the procedure {code:Code} "{name}" takes {days:d} working days, focal point {focal:Agency}, '
         "domains {domains:Tags}"))
@given(p('thủ tục {code:Code} "{name}" có thời hạn {days:d} ngày làm việc, đầu mối là {focal:Agency}, '
         "lĩnh vực {domains:Tags}"))
def _procedure_with_focal(world: World, code: str, name: str, days: int, focal: str, domains: list[str]) -> None:
    _procedure(world, code, name, days, focal, domains)


@given(p('the procedure {code:Code} "{name}" takes {days:d} working days, no focal point, domains {domains:Tags}'))
@given(p('thủ tục {code:Code} "{name}" có thời hạn {days:d} ngày làm việc, không có cơ quan đầu mối, '
         "lĩnh vực {domains:Tags}"))
def _procedure_without_focal(world: World, code: str, name: str, days: int, domains: list[str]) -> None:
    _procedure(world, code, name, days, None, domains)


@given(p("the mandate of {agency:Agency} became {mandate:Tags} on {day:Day}"))
@given(p("chức năng của {agency:Agency} đổi thành {mandate:Tags} từ ngày {day:Day}"))
def _mandate_changed(world: World, agency: str, mandate: list[str], day: Moment) -> None:
    world.registry([{"type": "AgencyMandateChanged", "agency": agency, "mandate": mandate,
                     "at": _local(day, time(8)).isoformat()}])


@given(p("the agency {agency:Agency} was merged into {into:Agency} on {day:Day}"))
@given(p("cơ quan {agency:Agency} được hợp nhất vào {into:Agency} ngày {day:Day}"))
def _merged(world: World, agency: str, into: str, day: Moment) -> None:
    world.registry([{"type": "AgencyMerged", "agency": agency, "into": into, "at": _local(day, time(8)).isoformat()}])


@given(p("the ledger's clock reads {day:Day}"))
@given(p("đồng hồ của sổ đang ở ngày {day:Day}"))
def _now(world: World, day: Moment) -> None:
    """Events may not claim a time more than 5 minutes ahead of the ledger's clock (SPEC §4)."""
    world.flush()
    world.started = _local(day, time(9)).astimezone(timezone.utc)
    world.clock.now = world.started


# --- case history ---------------------------------------------------------------------------------


@history("{official:Official} opened case {case:Case} ({procedure:Code}) on {day:Day}")
@history("{official:Official} tiếp nhận hồ sơ {case:Case} ({procedure:Code}) ngày {day:Day}")
def _opened(world: World, official: str, case: str, procedure: str, day: Moment) -> None:
    world.flush()
    world.case = case
    world.case_event("CaseOpened", official, day, procedure=procedure, title=f"Hồ sơ {case}")


@history("{official:Official} assigned the lead to {agency:Agency} / {lead:Official} on {day:Day}")
@history("{official:Official} giao {agency:Agency} / {lead:Official} chủ trì ngày {day:Day}")
def _lead(world: World, official: str, agency: str, lead: str, day: Moment) -> None:
    world.case_event("LeadAssigned", official, day, agency=agency, official=lead)


@history('{official:Official} reassigned the lead to {agency:Agency} / {lead:Official} on {day:Day}, '
                'because "{reason}"')
@history('{official:Official} giao lại cho {agency:Agency} / {lead:Official} chủ trì ngày {day:Day}, '
                'lý do "{reason}"')
def _lead_replaced(world: World, official: str, agency: str, lead: str, day: Moment, reason: str) -> None:
    world.case_event("LeadAssigned", official, day, agency=agency, official=lead, reason=reason)


def _request(world: World, official: str, agency: str, consultation: str, day: Moment,
             domains: list[str] | None = None, days: int | None = None) -> None:
    fields: dict[str, Any] = {"consultation": consultation, "to": agency, "question": f"Xin ý kiến ({consultation})"}
    if domains is not None:
        fields["domains"] = domains
    if days is not None:
        fields["due_days"] = days
    world.case_event("ConsultationRequested", official, day, **fields)


@history("{official:Official} consulted {agency:Agency} ({consultation:C}) on {day:Day} about {domains:Tags} "
                "within {days:d} working days")
@history("{official:Official} lấy ý kiến {agency:Agency} ({consultation:C}) ngày {day:Day} về {domains:Tags}, "
                "hạn {days:d} ngày làm việc")
def _request_full(world: World, official: str, agency: str, consultation: str, day: Moment, domains: list[str],
                  days: int) -> None:
    _request(world, official, agency, consultation, day, domains, days)


@history("{official:Official} consulted {agency:Agency} ({consultation:C}) on {day:Day} about {domains:Tags}")
@history("{official:Official} lấy ý kiến {agency:Agency} ({consultation:C}) ngày {day:Day} về {domains:Tags}")
def _request_default_days(world: World, official: str, agency: str, consultation: str, day: Moment,
                          domains: list[str]) -> None:
    _request(world, official, agency, consultation, day, domains)


@history("{official:Official} consulted {agency:Agency} ({consultation:C}) on {day:Day} "
                "within {days:d} working days")
@history("{official:Official} lấy ý kiến {agency:Agency} ({consultation:C}) ngày {day:Day}, "
                "hạn {days:d} ngày làm việc")
def _request_case_domains(world: World, official: str, agency: str, consultation: str, day: Moment,
                          days: int) -> None:
    _request(world, official, agency, consultation, day, None, days)


@history("{official:Official} designated {handler:Official} to handle {consultation:C} on {day:Day}")
@history("{official:Official} phân công {handler:Official} xử lý {consultation:C} ngày {day:Day}")
def _handler(world: World, official: str, handler: str, consultation: str, day: Moment) -> None:
    world.case_event("ConsultationHandlerDesignated", official, day, consultation=consultation, official=handler)


@history('{official:Official} answered {consultation:C} on {day:Day}: {position:Position}, "{reasoning}"')
@history('{official:Official} trả lời {consultation:C} ngày {day:Day}: {position:Position}, "{reasoning}"')
def _answer(world: World, official: str, consultation: str, day: Moment, position: str, reasoning: str) -> None:
    world.case_event("ConsultationAnswered", official, day, consultation=consultation, position=position,
                     reasoning=reasoning)


ABSENT = ("(absent)", "(không có)")
LIST_FIELDS = ("domains",)
ANSWER_KEYS = {
    "position": "position", "reasoning": "reasoning", "conditions": "conditions", "refer to": "refer_to",
    "legal basis": "legal_basis", "domains": "domains",
    "quan điểm": "position", "lý do": "reasoning", "điều kiện": "conditions", "chuyển đến": "refer_to",
    "căn cứ pháp lý": "legal_basis", "lĩnh vực": "domains",
}


@history("{official:Official} answered {consultation:C} on {day:Day} with:")
@history("{official:Official} trả lời {consultation:C} ngày {day:Day} với nội dung:")
def _answer_table(world: World, official: str, consultation: str, day: Moment, datatable: list[list[str]]) -> None:
    """A two-column table of the answer's fields; '(absent)' leaves a field out, an empty cell is blank."""
    fields: dict[str, Any] = {"consultation": consultation}
    for key, value in datatable:
        name = ANSWER_KEYS[key.strip()]
        if value.strip() in ABSENT:
            continue
        fields[name] = [t.strip() for t in value.split(",") if t.strip()] if name in LIST_FIELDS else value
        if name == "position":
            fields[name] = POSITIONS.get(value, value)
    world.case_event("ConsultationAnswered", official, day, **fields)


@history("{official:Official} withdrew {consultation:C} on {day:Day}")
@history("{official:Official} rút yêu cầu {consultation:C} ngày {day:Day}")
def _withdrawn(world: World, official: str, consultation: str, day: Moment) -> None:
    world.case_event("ConsultationWithdrawn", official, day, consultation=consultation,
                     reason="Không còn cần ý kiến")


@history("{official:Official} asked the applicant to complete the dossier on {day:Day}")
@history("{official:Official} yêu cầu bổ sung hồ sơ ngày {day:Day}")
def _supplement_requested(world: World, official: str, day: Moment) -> None:
    world.case_event("SupplementRequested", official, day, reason="Bổ sung giấy tờ còn thiếu")


@history("{official:Official} received the completed dossier on {day:Day}")
@history("{official:Official} nhận hồ sơ bổ sung ngày {day:Day}")
def _supplement_received(world: World, official: str, day: Moment) -> None:
    world.case_event("SupplementReceived", official, day)


@history("{official:Official} issued an apology on {day:Day} with a new date of {new_due:Day}")
@history("{official:Official} gửi phiếu xin lỗi ngày {day:Day}, hẹn lại ngày {new_due:Day}")
def _apology(world: World, official: str, day: Moment, new_due: Moment) -> None:
    world.case_event("ApologyIssued", official, day, reason="Chưa kịp giải quyết",
                     new_due=new_due.day.isoformat())


@history("{official:Official} resolved the case on {day:Day}")
@history("{official:Official} giải quyết xong hồ sơ ngày {day:Day}")
def _resolved(world: World, official: str, day: Moment) -> None:
    world.case_event("CaseResolved", official, day, outcome="answered")


@history("{official:Official} adopted the {year:d} work programme of {agency:Agency} on {day:Day}")
@history("{official:Official} ban hành chương trình công tác năm {year:d} của {agency:Agency} ngày {day:Day}")
def _programme(world: World, official: str, year: int, agency: str, day: Moment) -> None:
    world.stage({"type": "WorkProgrammeAdopted", "agency": agency, "year": year, "by": official,
                 "at": world.at(day)})


def _finding(world: World, official: str, decision: str, rule: str, day: Moment, **fields: Any) -> None:
    obj = {"type": "FindingRecorded", "rule": rule, "decision": decision, "by": official,
           "at": world.at(day), "note": "Kết luận của thanh tra", **fields}
    if "agency" not in fields:
        assert world.case is not None
        obj["case"] = world.case
    world.stage(obj)


@history("the inspector {official:Official} {decision:Decision} the {rule:Code} violation on {day:Day}")
@history("thanh tra {official:Official} {decision:Decision} vi phạm {rule:Code} ngày {day:Day}")
def _finding_case(world: World, official: str, decision: str, rule: str, day: Moment) -> None:
    _finding(world, official, decision, rule, day)


@history("the inspector {official:Official} {decision:Decision} the {rule:Code} violation of {consultation:C} "
                "on {day:Day}")
@history("thanh tra {official:Official} {decision:Decision} vi phạm {rule:Code} của {consultation:C} ngày {day:Day}")
def _finding_consultation(world: World, official: str, decision: str, rule: str, consultation: str,
                          day: Moment) -> None:
    _finding(world, official, decision, rule, day, consultation=consultation)


@history("the inspector {official:Official} {decision:Decision} the {rule:Code} violation of {agency:Agency} "
                "for {year:d} on {day:Day}")
@history("thanh tra {official:Official} {decision:Decision} vi phạm {rule:Code} của {agency:Agency} năm {year:d} "
                "ngày {day:Day}")
def _finding_agency(world: World, official: str, decision: str, rule: str, agency: str, year: int,
                    day: Moment) -> None:
    _finding(world, official, decision, rule, day, agency=agency, year=year)


# --- how an event reached the ledger ----------------------------------------------------------------


@history("that was entered through the web on {day:Day}")
@history("sự kiện đó được nhập qua web ngày {day:Day}")
def _through_the_web(world: World, day: Moment) -> None:
    assert world.pending is not None, "no event to enter"
    world.flush(source="web", recorded=_local(day, RECORDED_AT))


@history("that was imported on {day:Day}")
@history("sự kiện đó được nhập từ tệp ngày {day:Day}")
def _imported(world: World, day: Moment) -> None:
    assert world.pending is not None, "no event to import"
    world.flush(source="import", recorded=_local(day, RECORDED_AT))


# --- judging --------------------------------------------------------------------------------------


@when(p("the inspector judges the ledger as of {day:Day}"))
@when(p("thanh tra xem xét sổ tính đến ngày {day:Day}"))
def _judge(world: World, day: Moment) -> None:
    world.judge(day.day)


@when(p("the inspector judges the ledger as of {day:Day}, dismissed violations included"))
@when(p("thanh tra xem xét sổ tính đến ngày {day:Day}, kể cả vi phạm đã bác bỏ"))
def _judge_all(world: World, day: Moment) -> None:
    world.judge(day.day, include_dismissed=True)


@when("the inspector reads today's report")
@when("thanh tra xem báo cáo hôm nay")
def _judge_today(world: World) -> None:
    world.judge(None)


# --- what the inspector finds ---------------------------------------------------------------------


@then(p("there is {:A} {rule:Code} violation on {agency:Agency} / {official:Official}"))
@then(p("có vi phạm {rule:Code} của {agency:Agency} / {official:Official}"))
def _violation(world: World, rule: str, agency: str, official: str) -> None:
    world.one(rule, agency=agency, official=official)


@then(p("there is {:A} {rule:Code} violation on {agency:Agency} / {official:Official} "
        "late by {days:d} working {:Days}"))
@then(p("có vi phạm {rule:Code} của {agency:Agency} / {official:Official}, chậm {days:d} ngày làm việc"))
def _violation_late(world: World, rule: str, agency: str, official: str, days: int) -> None:
    violation = world.one(rule, agency=agency, official=official)
    assert violation.days_late == days, f"late by {violation.days_late}, not {days}:\n{world.describe()}"


@then(p("there is {:A} {rule:Code} violation on {agency:Agency} with no named official"))
@then(p("có vi phạm {rule:Code} của {agency:Agency}, không nêu tên cán bộ"))
def _violation_unnamed(world: World, rule: str, agency: str) -> None:
    world.one(rule, agency=agency, official=None)


@then(p("there is {:A} {rule:Code} violation on {agency:Agency} with no named official, "
        "late by {days:d} working {:Days}"))
@then(p("có vi phạm {rule:Code} của {agency:Agency}, không nêu tên cán bộ, chậm {days:d} ngày làm việc"))
def _violation_unnamed_late(world: World, rule: str, agency: str, days: int) -> None:
    violation = world.one(rule, agency=agency, official=None)
    assert violation.days_late == days, f"late by {violation.days_late}, not {days}:\n{world.describe()}"


@then(p("there is {:A} {rule:Code} violation for {consultation:C} on {agency:Agency} / {official:Official}"))
@then(p("có vi phạm {rule:Code} đối với {consultation:C} của {agency:Agency} / {official:Official}"))
def _consultation_violation(world: World, rule: str, consultation: str, agency: str, official: str) -> None:
    world.one(rule, consultation=consultation, agency=agency, official=official)


@then(p("there is {:A} {rule:Code} violation for {consultation:C} on {agency:Agency} / {official:Official} "
        "late by {days:d} working {:Days}"))
@then(p("có vi phạm {rule:Code} đối với {consultation:C} của {agency:Agency} / {official:Official}, "
        "chậm {days:d} ngày làm việc"))
def _consultation_violation_late(world: World, rule: str, consultation: str, agency: str, official: str,
                                 days: int) -> None:
    violation = world.one(rule, consultation=consultation, agency=agency, official=official)
    assert violation.days_late == days, f"late by {violation.days_late}, not {days}:\n{world.describe()}"


@then(p("there is {:A} {rule:Code} violation for {consultation:C} on {agency:Agency} with no named official, "
        "late by {days:d} working {:Days}"))
@then(p("có vi phạm {rule:Code} đối với {consultation:C} của {agency:Agency}, không nêu tên cán bộ, "
        "chậm {days:d} ngày làm việc"))
def _consultation_violation_unnamed_late(world: World, rule: str, consultation: str, agency: str,
                                         days: int) -> None:
    violation = world.one(rule, consultation=consultation, agency=agency, official=None)
    assert violation.days_late == days, f"late by {violation.days_late}, not {days}:\n{world.describe()}"


@then(p("there is no {rule:Code} violation"))
@then(p("không có vi phạm {rule:Code}"))
def _no_violation(world: World, rule: str) -> None:
    assert not world.matching(rule), f"unexpected {rule}:\n{world.describe()}"


@then(p("there is no {rule:Code} violation on {agency:Agency}"))
@then(p("không có vi phạm {rule:Code} của {agency:Agency}"))
def _no_violation_on(world: World, rule: str, agency: str) -> None:
    assert not world.matching(rule, agency=agency), f"unexpected {rule} on {agency}:\n{world.describe()}"


@then(p("there is no {rule:Code} violation on {agency:Agency} / {official:Official}"))
@then(p("không có vi phạm {rule:Code} của {agency:Agency} / {official:Official}"))
def _no_violation_on_official(world: World, rule: str, agency: str, official: str) -> None:
    assert not world.matching(rule, agency=agency, official=official), (
        f"unexpected {rule} on {agency} / {official}:\n{world.describe()}"
    )


@then(p("there is no {rule:Code} violation for {consultation:C}"))
@then(p("không có vi phạm {rule:Code} đối với {consultation:C}"))
def _no_violation_for(world: World, rule: str, consultation: str) -> None:
    assert not world.matching(rule, consultation=consultation), (
        f"unexpected {rule} for {consultation}:\n{world.describe()}"
    )


@then("the case has no violations")
@then("hồ sơ không có vi phạm nào")
def _case_clean(world: World) -> None:
    assert not [v for v in world.in_scope() if v.case == world.case], f"unexpected:\n{world.describe()}"


@then(p("it is due on {day:Day}"))
@then(p("hạn là ngày {day:Day}"))
def _due(world: World, day: Moment) -> None:
    assert world.subject["due"] == day.day.isoformat(), f"due {world.subject['due']}, not {day.day}"


@then("it is open")
@then("vi phạm vẫn đang mở")
def _open(world: World) -> None:
    assert world.subject["status"] == "open", world.subject


@then("it is closed")
@then("vi phạm đã khép lại")
def _closed(world: World) -> None:
    assert world.subject["status"] == "closed", world.subject


@then("it counts as deemed consent")
@then("ý kiến được coi là đồng ý vì không trả lời")
def _deemed(world: World) -> None:
    assert world.subject["deemed_consent"] is True, world.subject


@then("it is not a deemed consent")
@then("không phải trường hợp coi như đồng ý")
def _not_deemed(world: World) -> None:
    assert world.subject["deemed_consent"] is False, world.subject


@then("it counts no days late")
@then("vi phạm không tính số ngày chậm")
def _no_days(world: World) -> None:
    assert world.subject["days_late"] is None, world.subject


@then(p("it is marked {decision:Decision}"))
@then(p("vi phạm được đánh dấu {decision:Decision}"))
def _marked(world: World, decision: str) -> None:
    assert world.subject["finding"] == decision, world.subject


@then("it carries no finding")
@then("vi phạm chưa có kết luận của thanh tra")
def _no_finding(world: World) -> None:
    assert world.subject["finding"] is None, world.subject


def _cell(column: str, value: str) -> Any:
    value = value.strip()
    if value in ("—", "-", ""):
        return None
    if column == "due":
        return to_moment(value).day.isoformat()
    if column == "days_late":
        return int(value)
    if column == "deemed_consent":
        return value in ("yes", "có", "true")
    return value


@then("the case has exactly these violations:")
@then("hồ sơ có đúng các vi phạm sau:")
def _exact(world: World, datatable: list[list[str]]) -> None:
    """Columns are keys of the violation's JSON (SPEC §6); '—' is null. Order does not matter."""
    header, *rows = datatable
    columns = [c.strip() for c in header]
    expected = sorted((json.dumps({c: _cell(c, v) for c, v in zip(columns, row, strict=True)}, sort_keys=True) for row in rows))
    actual = sorted(
        json.dumps({c: v.as_dict()[c] for c in columns}, sort_keys=True)
        for v in world.in_scope() if v.case == world.case
    )
    assert actual == expected, "expected:\n  " + "\n  ".join(expected) + "\ngot:\n  " + "\n  ".join(actual)
