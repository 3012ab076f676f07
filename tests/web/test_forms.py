"""The event forms of the web application (SPEC §4, §5, §6, §11).

Every form appends exactly one event of its type, acting as the user's own official, marked as
coming from the web; bad input is shown beside its field with what the user typed, and appends
nothing; a double submit appends once; a backdated form is judged LATE_RECORDING (an import is
not); the answer form warns before an evasive answer; the inbox shows what awaits the agency.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from babel.dates import format_date

from ledger import LOCAL_TZ, Ledger
from tests.web.conftest import USERS, local_now, working_days_ago
from web.forms import AGENCY_TYPES, LAYOUTS, REGISTRY_FORM_TYPES

# --- reading pages --------------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Element:
    """One element of a parsed page: its tag, attributes, children and text."""

    def __init__(self, tag: str, attrs: dict[str, str], parent: Element | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element | str] = []

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    def descendants(self) -> list[Element]:
        found = []
        for child in self.children:
            if isinstance(child, Element):
                found.append(child)
                found.extend(child.descendants())
        return found

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Element]:
        return [e for e in self.descendants()
                if (tag is None or e.tag == tag) and (cls is None or cls in e.classes)
                and all(e.attrs.get(k) == v for k, v in attrs.items())]

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Element:
        found = self.find_all(tag, cls, **attrs)
        assert found, f"no <{tag or '*'} class={cls} {attrs}> in the page"
        return found[0]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#document", {}, None)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Element(tag, {k: v or "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def page(response: Any) -> Element:
    builder = _Builder()
    builder.feed(response.get_data(as_text=True))
    return builder.root


def control(doc: Element, name: str) -> Element:
    found = [e for e in doc.descendants() if e.tag in ("input", "select", "textarea") and e.attrs.get("name") == name]
    assert found, f"the form has no field {name!r}"
    return found[0]


def shown_value(doc: Element, name: str) -> str:
    """What the form shows in field `name` (an input's value, a textarea's text, a select's choice)."""
    element = control(doc, name)
    if element.tag == "textarea":
        return element.text.strip()
    if element.tag == "select":
        chosen = [o for o in element.find_all("option") if "selected" in o.attrs]
        return chosen[0].attrs.get("value", "") if chosen else ""
    return element.attrs.get("value", "")


def field_box(doc: Element, name: str) -> Element:
    """The `<div class="field">` that holds the field `name`."""
    element = control(doc, name)
    node = element.parent
    while node is not None and not (node.tag == "div" and "field" in node.classes):
        node = node.parent
    assert node is not None, f"field {name!r} is not inside a div.field"
    return node


def fields_in_error(doc: Element) -> set[str]:
    return {control.attrs["name"] for box in doc.find_all("div", "has-error")
            for control in box.descendants() if control.tag in ("input", "select", "textarea")}


# --- the ledger as the tests see it ---------------------------------------------------------------


def last_event(ledger: Ledger) -> Any:
    return list(ledger.records())[-1]


def form_time(day: date, at: time = time(10, 0)) -> str:
    """A browser's datetime-local value (Vietnam time) on `day`."""
    return datetime.combine(day, at).isoformat()


def open_supplement(ledger: Ledger, case: str) -> None:
    ledger.append({"type": "SupplementRequested", "case": case, "reason": "Thiếu bản vẽ thiết kế",
                   "at": (datetime.now(LOCAL_TZ).replace(microsecond=0) - timedelta(minutes=10)).isoformat(),
                   "by": "sxd.nva"}, source="web")


def no_setup(ledger: Ledger, case: str) -> None:
    return None


def as_recorded(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The event fields the typed values stand for: numbers as numbers, tags as lists, the
    applicant's two parts as one object, blank optional fields left out."""
    fields: dict[str, Any] = {}
    for spec in LAYOUTS[kind]:
        typed = str(data.get(spec.name, ""))
        if spec.kind == "bool":
            fields[spec.name] = bool(typed)
        elif not typed.strip():
            continue
        elif spec.name.startswith("applicant_"):
            fields.setdefault("applicant", {"name": None, "kind": None})[spec.name.removeprefix("applicant_")] = typed
        elif spec.kind == "int":
            fields[spec.name] = int(typed)
        elif spec.kind == "tags":
            fields[spec.name] = [tag.strip() for tag in typed.split(",")]
        else:
            fields[spec.name] = typed
    return fields


# --- every agency form, by a user SPEC §4 allows --------------------------------------------------


@dataclass(frozen=True)
class Recording:
    kind: str
    who: str
    fields: dict[str, Any] | Callable[[Ledger], dict[str, Any]]
    setup: Callable[[Ledger, str], None] = no_setup
    on_case: bool = True  # the form is used on HCM-WEB-1 (else it names its own case, or none)

    def data(self, ledger: Ledger, case: str) -> dict[str, Any]:
        values = self.fields(ledger) if callable(self.fields) else dict(self.fields)
        if self.on_case:
            values["case"] = case
        return {"at": local_now(minutes=-1), **values}


AGENCY_RECORDINGS = [
    Recording("CaseOpened", "clerk", {"case": "HCM-WEB-2", "procedure": "REAL_ESTATE_DIFFICULTY",
                                      "title": "Vướng mắc pháp lý dự án B", "applicant_name": "Công ty B",
                                      "applicant_kind": "enterprise"}, on_case=False),
    Recording("LeadAssigned", "clerk", {"agency": "SXD", "official": "sxd.ttb",
                                        "reason": "Chuyên viên cũ nghỉ phép dài ngày"}),
    Recording("CoordinatorAssigned", "clerk", {"agency": "STNMT", "part": "Nguồn gốc đất"}),
    Recording("ConsultationRequested", "specialist", {"consultation": "C2", "to": "STNMT",
                                                      "question": "Ý kiến về nguồn gốc đất?", "domains": "land",
                                                      "due_days": "10"}),
    Recording("ConsultationHandlerDesignated", "consulted", {"consultation": "C1", "official": "stc.pttt"}),
    Recording("ConsultationAnswered", "consulted", {"consultation": "C1", "position": "agree",
                                                    "reasoning": "Phương án vốn phù hợp quy định hiện hành"}),
    Recording("ConsultationWithdrawn", "specialist", {"consultation": "C1", "reason": "Đã có ý kiến tại cuộc họp"}),
    Recording("SupplementRequested", "clerk", {"reason": "Thiếu bản vẽ thiết kế"}),
    Recording("SupplementReceived", "clerk", {}, setup=open_supplement),
    Recording("ApologyIssued", "head",
              lambda ledger: {"reason": "Cần thêm ý kiến của Sở Tài chính",
                              "new_due": ledger.calendar().add_wd(ledger.today(), 20).isoformat()}),
    Recording("CaseResolved", "clerk", {"outcome": "approved"}),
    Recording("WorkProgrammeAdopted", "clerk", lambda ledger: {"agency": "SXD", "year": str(ledger.today().year)},
              on_case=False),
]


def test_the_recording_table_covers_every_agency_form() -> None:
    assert [r.kind for r in AGENCY_RECORDINGS] == list(AGENCY_TYPES)


@pytest.mark.parametrize("recording", AGENCY_RECORDINGS, ids=lambda r: r.kind)
def test_an_allowed_official_who_submits_an_agency_form_appends_exactly_one_event_of_that_type_as_themself(
        recording: Recording, web_ledger: Ledger, opened_case: str, as_user: Any) -> None:
    recording.setup(web_ledger, opened_case)
    data = recording.data(web_ledger, opened_case)
    before = web_ledger.event_count()

    response = as_user(recording.who).post(f"/events/{recording.kind}", data=data)

    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert web_ledger.event_count() == before + 1
    event = last_event(web_ledger)
    assert (event.type, event.by, event.source) == (recording.kind, USERS[recording.who][1], "web")
    assert {k: event.fields.get(k) for k in as_recorded(recording.kind, data)} == as_recorded(recording.kind, data)
    if recording.kind != "WorkProgrammeAdopted":
        assert event.case == data["case"]
        assert any(e["type"] == recording.kind and e["event"] == event.event
                   for e in web_ledger.history(data["case"])["events"])


def test_an_inspector_who_submits_the_finding_form_appends_exactly_one_finding_as_themself(
        web_ledger: Ledger, opened_case: str, as_user: Any) -> None:
    before = web_ledger.event_count()

    response = as_user("inspector").post("/inspect/findings", data={
        "case": opened_case, "rule": "REDUNDANT_CONSULTATION", "decision": "dismissed", "consultation": "C1",
        "at": local_now(minutes=-1), "note": "Không trùng lặp"})

    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert web_ledger.event_count() == before + 1
    event = last_event(web_ledger)
    assert (event.type, event.by, event.source, event.case) == ("FindingRecorded", "tttp.insp1", "web", opened_case)
    assert event.fields["rule"] == "REDUNDANT_CONSULTATION" and event.fields["decision"] == "dismissed"


REGISTRY_RECORDINGS: dict[str, dict[str, str]] = {
    "AgencyRegistered": {"agency": "SDL", "name": "Sở Du lịch", "name_en": "Department of Tourism",
                         "kind": "department", "mandate": "tourism, culture"},
    "AgencyMandateChanged": {"agency": "SCT", "mandate": "industry, trade, energy"},
    "AgencyMerged": {"agency": "SKHDT", "into": "STC"},
    "OfficialAppointed": {"official": "sxd.ptm", "name": "Phạm Thị Mai", "agency": "SXD", "role": "specialist"},
    "OfficialTransferred": {"official": "sxd.ttb", "agency": "STC", "role": "specialist"},
    "OfficialDeparted": {"official": "sxd.ttb"},
    "ProcedureDefined": {"procedure": "TOURISM_LICENCE", "name": "Cấp giấy phép lữ hành", "processing_days": "10",
                         "focal_agency": "", "domains": "tourism"},
    "CalendarDayDeclared": {"date": "2027-04-19", "working": "y",
                            "reference": "Công văn 1/VPCP ngày 01/3/2027 về ngày làm việc bù"},
}


def test_the_registry_table_covers_every_registry_form() -> None:
    assert list(REGISTRY_RECORDINGS) == list(REGISTRY_FORM_TYPES)


@pytest.mark.parametrize("kind", REGISTRY_FORM_TYPES)
def test_an_admin_who_submits_a_registry_form_appends_exactly_one_registry_event_of_that_type(
        kind: str, web_ledger: Ledger, as_user: Any) -> None:
    before = web_ledger.event_count()

    response = as_user("admin").post(f"/admin/registry/{kind}", data={**REGISTRY_RECORDINGS[kind],
                                                                     "at": local_now(minutes=-1)})

    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert web_ledger.event_count() == before + 1
    event = last_event(web_ledger)
    assert (event.type, event.source, event.case) == (kind, "web", None)
    assert event.by == USERS["admin"][1]
    typed = as_recorded(kind, REGISTRY_RECORDINGS[kind])
    assert {k: event.fields.get(k) for k in typed} == typed


# --- bad input: beside its field, as typed, nothing appended --------------------------------------


@dataclass(frozen=True)
class BadInput:
    kind: str
    who: str
    fields: dict[str, str]
    field: str  # where the refusal must be shown
    says: str  # a fragment of the English refusal
    on_case: bool = True

    @property
    def url(self) -> str:
        if self.kind == "FindingRecorded":
            return "/inspect/findings?lang=en"
        if self.kind in REGISTRY_FORM_TYPES:
            return f"/admin/registry/{self.kind}?lang=en"
        return f"/events/{self.kind}?lang=en"


UNKNOWN = "unknown agency 'NOSUCH'"
NOT_A_NUMBER = "This must be a whole number."

BAD_INPUTS = [
    BadInput("CaseOpened", "clerk", {"case": "HCM-WEB-3", "procedure": "REAL_ESTATE_DIFFICULTY", "title": "   "},
             "title", "missing required field 'title'", on_case=False),
    BadInput("LeadAssigned", "clerk", {"agency": "SXD", "official": "stc.pttt", "reason": "Đổi chuyên viên"},
             "official", "'stc.pttt' is an official of STC, not of SXD"),
    BadInput("CoordinatorAssigned", "clerk", {"agency": "NOSUCH", "part": "Nguồn gốc đất"}, "agency", UNKNOWN),
    BadInput("ConsultationRequested", "specialist",
             {"consultation": "C2", "to": "STNMT", "question": "Ý kiến?", "due_days": "mười"},
             "due_days", NOT_A_NUMBER),
    BadInput("ConsultationHandlerDesignated", "consulted", {"consultation": "C1", "official": "stc.nobody"},
             "official", "unknown or departed official 'stc.nobody'"),
    BadInput("ConsultationAnswered", "consulted",
             {"consultation": "C1", "position": "agree", "reasoning": "Đồng ý", "refer_to": "NOSUCH"},
             "refer_to", UNKNOWN),
    BadInput("ConsultationWithdrawn", "specialist", {"consultation": "C1", "reason": "  "},
             "reason", "missing required field 'reason'"),
    BadInput("SupplementRequested", "clerk", {"reason": "\t "}, "reason", "missing required field 'reason'"),
    BadInput("SupplementReceived", "clerk", {"at": "hôm qua"}, "at", "is not an ISO 8601 timestamp: 'hôm qua'"),
    BadInput("ApologyIssued", "head", {"reason": "Cần thêm ý kiến", "new_due": "31/12/2027"},
             "new_due", "is not a date YYYY-MM-DD: '31/12/2027'"),
    BadInput("CaseResolved", "clerk", {"outcome": "won"},
             "outcome", "must be one of approved, rejected, answered, stopped; got 'won'"),
    BadInput("WorkProgrammeAdopted", "clerk", {"agency": "SXD", "year": "năm nay"}, "year", NOT_A_NUMBER,
             on_case=False),
    BadInput("FindingRecorded", "inspector", {"rule": "LATE_RESPONSE", "decision": "confirmed", "consultation": "C99"},
             "consultation", "unknown consultation 'C99'"),
    BadInput("AgencyRegistered", "admin",
             {"agency": "SDL", "name": " ", "name_en": "Department of Tourism", "kind": "department",
              "mandate": "tourism"},
             "name", "missing required field 'name'", on_case=False),
    BadInput("AgencyMandateChanged", "admin", {"agency": "NOSUCH", "mandate": "trade"}, "agency", UNKNOWN,
             on_case=False),
    BadInput("AgencyMerged", "admin", {"agency": "SKHDT", "into": "NOSUCH"}, "into", UNKNOWN, on_case=False),
    BadInput("OfficialAppointed", "admin",
             {"official": "sxd.ptm", "name": "Phạm Thị Mai", "agency": "NOSUCH", "role": "specialist"},
             "agency", UNKNOWN, on_case=False),
    BadInput("OfficialTransferred", "admin", {"official": "sxd.nobody", "agency": "STC", "role": "clerk"},
             "official", "unknown official 'sxd.nobody'", on_case=False),
    BadInput("OfficialDeparted", "admin", {"official": "sxd.nobody"},
             "official", "unknown official 'sxd.nobody'", on_case=False),
    BadInput("ProcedureDefined", "admin",
             {"procedure": "TOURISM_LICENCE", "name": "Cấp giấy phép lữ hành", "processing_days": "mười",
              "domains": "tourism"},
             "processing_days", NOT_A_NUMBER, on_case=False),
    BadInput("CalendarDayDeclared", "admin", {"date": "2027-02-30", "reference": "Công văn 1/VPCP"},
             "date", "is not a date YYYY-MM-DD: '2027-02-30'", on_case=False),
]


def test_the_bad_input_table_covers_every_form() -> None:
    assert {b.kind for b in BAD_INPUTS} == {*AGENCY_TYPES, "FindingRecorded", *REGISTRY_FORM_TYPES}


@pytest.mark.parametrize("bad", BAD_INPUTS, ids=lambda b: f"{b.kind}-{b.field}")
def test_bad_input_is_refused_beside_its_field_keeps_what_was_typed_and_appends_nothing(
        bad: BadInput, web_ledger: Ledger, opened_case: str, as_user: Any) -> None:
    data = {"at": local_now(minutes=-1), **({"case": opened_case} if bad.on_case else {}), **bad.fields}
    before = web_ledger.event_count()

    response = as_user(bad.who).post(bad.url, data=data)

    assert response.status_code == 400, response.get_data(as_text=True)[:2000]
    assert web_ledger.event_count() == before
    doc = page(response)
    box = field_box(doc, bad.field)
    assert "has-error" in box.classes
    errors = [p.text.strip() for p in box.find_all("p", "error")]
    assert errors and all(errors), f"no error shown beside {bad.field}"
    assert any(bad.says in e for e in errors), errors
    assert fields_in_error(doc) == {bad.field}
    for name, typed in data.items():
        expected = typed.strip() if control(doc, name).tag == "textarea" else typed
        assert shown_value(doc, name) == expected, f"what was typed in {name!r} is lost"


def test_a_refusal_beside_a_field_is_in_vietnamese_by_default(web_ledger: Ledger, opened_case: str,
                                                               as_user: Any) -> None:
    client = as_user("clerk")
    data = {"case": opened_case, "outcome": "won", "at": local_now(minutes=-1)}
    before = web_ledger.event_count()

    english = field_box(page(client.post("/events/CaseResolved?lang=en", data=data)), "outcome")
    vietnamese = field_box(page(client.post("/events/CaseResolved?lang=vi", data=data)), "outcome")

    english_text = english.find("p", "error").text.strip()
    vietnamese_text = vietnamese.find("p", "error").text.strip()
    assert vietnamese_text and vietnamese_text != english_text
    assert "won" in vietnamese_text
    assert web_ledger.event_count() == before


# --- a double submit ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    """A form as shown (its page mints the hidden id) and as posted."""

    name: str
    who: str
    page: str
    url: str
    data: Callable[[Ledger, str], dict[str, Any]]
    setup: Callable[[Ledger, str], None] = no_setup


FINDING = {"rule": "REDUNDANT_CONSULTATION", "decision": "dismissed", "consultation": "C1"}

SUBMISSIONS = [
    *(Submission(r.kind, r.who, f"/events/{r.kind}?case=HCM-WEB-1", f"/events/{r.kind}", r.data, r.setup)
      for r in AGENCY_RECORDINGS),
    Submission("FindingRecorded", "inspector", "/inspect/findings?case=HCM-WEB-1", "/inspect/findings",
               lambda ledger, case: {**FINDING, "case": case, "at": local_now(minutes=-1)}),
    Submission("AgencyRegistered", "admin", "/admin/registry/AgencyRegistered", "/admin/registry/AgencyRegistered",
               lambda ledger, case: {**REGISTRY_RECORDINGS["AgencyRegistered"], "at": local_now(minutes=-1)}),
]


@pytest.mark.parametrize("form", SUBMISSIONS, ids=lambda s: s.name)
def test_submitting_the_same_form_twice_appends_once_and_says_it_was_already_recorded(
        form: Submission, web_ledger: Ledger, opened_case: str, as_user: Any) -> None:
    form.setup(web_ledger, opened_case)
    client = as_user(form.who)
    shown = page(client.get(form.page))
    data = {**form.data(web_ledger, opened_case), "id": shown_value(shown, "id")}
    before = web_ledger.event_count()

    first = client.post(form.url, data=data)
    second = client.post(form.url + "?lang=en", data=data, follow_redirects=True)

    assert first.status_code == 302, first.get_data(as_text=True)[:2000]
    assert second.status_code == 200, second.get_data(as_text=True)[:2000]
    assert web_ledger.event_count() == before + 1
    event = last_event(web_ledger)
    assert (event.type, event.key) == (form.name, data["id"])
    flashes = [p.text for p in page(second).find_all("p", "flash")]
    assert any("already submitted" in text and event.event in text for text in flashes), flashes


# --- recording late --------------------------------------------------------------------------------


def test_an_event_claimed_three_working_days_ago_through_a_form_is_judged_late_recording(
        web_ledger: Ledger, as_user: Any) -> None:
    claimed = working_days_ago(web_ledger, 3)

    response = as_user("clerk").post("/events/CaseOpened", data={
        "case": "HCM-WEB-LATE", "procedure": "CONSTRUCTION_PERMIT", "title": "Cấp phép xây dựng nhà ở",
        "at": form_time(claimed)})

    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    late = [v for v in web_ledger.violations() if v.rule == "LATE_RECORDING" and v.case == "HCM-WEB-LATE"]
    assert len(late) == 1
    assert (late[0].agency, late[0].official) == ("SXD", "sxd.clerk")
    assert late[0].days_late == web_ledger.calendar().wd(claimed, web_ledger.today()) - 1


def test_the_same_event_brought_in_by_an_import_is_not_judged_late_recording(web_ledger: Ledger) -> None:
    claimed = working_days_ago(web_ledger, 3)
    line = {"type": "CaseOpened", "case": "HCM-IMPORT-LATE", "procedure": "CONSTRUCTION_PERMIT",
            "title": "Cấp phép xây dựng nhà ở", "by": "sxd.clerk",
            "at": datetime.combine(claimed, time(10, 0), tzinfo=LOCAL_TZ).isoformat()}

    report = web_ledger.import_lines([json.dumps(line, ensure_ascii=False)])

    assert not report.refused and report.appended == 1
    assert [v for v in web_ledger.violations() if v.case == "HCM-IMPORT-LATE" and v.rule == "LATE_RECORDING"] == []


# --- the answer form and the rulebook's warning ---------------------------------------------------


def awaiting_consultations(client: Any) -> set[tuple[str, str]]:
    doc = page(client.get("/inbox"))
    return {(row.attrs["data-case"], row.attrs["data-consultation"])
            for row in doc.find("section", id="awaiting").find_all("tr") if "data-case" in row.attrs}


def test_the_answer_form_warns_before_an_evasive_answer_and_appends_nothing(
        web_ledger: Ledger, opened_case: str, as_user: Any) -> None:
    before = web_ledger.event_count()

    response = as_user("consulted").post("/events/ConsultationAnswered?lang=en", data={
        "case": opened_case, "consultation": "C1", "position": "", "reasoning": "", "at": local_now(minutes=-1)})

    assert response.status_code == 200
    assert web_ledger.event_count() == before
    doc = page(response)
    warning = doc.find("div", "warning")
    assert "EVASIVE_RESPONSE" in warning.text
    assert shown_value(doc, "confirm") != ""
    assert shown_value(doc, "consultation") == "C1"


def test_an_evasive_answer_resubmitted_with_the_returned_confirmation_is_appended_and_judged_evasive(
        web_ledger: Ledger, opened_case: str, as_user: Any) -> None:
    client = as_user("consulted")
    data = {"case": opened_case, "consultation": "C1", "position": "", "reasoning": "", "at": local_now(minutes=-1)}
    warned = page(client.post("/events/ConsultationAnswered", data=data))
    before = web_ledger.event_count()

    confirmed = client.post("/events/ConsultationAnswered", data={
        **data, "id": shown_value(warned, "id"), "confirm": shown_value(warned, "confirm")})

    assert confirmed.status_code == 302, confirmed.get_data(as_text=True)[:2000]
    assert web_ledger.event_count() == before + 1
    event = last_event(web_ledger)
    assert (event.type, event.by, event.fields["consultation"]) == ("ConsultationAnswered", "stc.clerk", "C1")
    assert [v.rule for v in web_ledger.violations()
            if v.case == opened_case and v.consultation == "C1" and v.rule == "EVASIVE_RESPONSE"] == [
        "EVASIVE_RESPONSE"]


def test_a_confirmation_of_another_answer_does_not_pass_an_evasive_answer(
        web_ledger: Ledger, opened_case: str, as_user: Any) -> None:
    client = as_user("consulted")
    data = {"case": opened_case, "consultation": "C1", "position": "", "reasoning": "", "at": local_now(minutes=-1)}
    warned = page(client.post("/events/ConsultationAnswered", data=data))
    before = web_ledger.event_count()

    changed = client.post("/events/ConsultationAnswered", data={
        **data, "position": "disagree", "confirm": shown_value(warned, "confirm")})

    assert changed.status_code == 200
    assert web_ledger.event_count() == before
    assert "EVASIVE_RESPONSE" in page(changed).find("div", "warning").text


def test_a_clear_answer_is_appended_at_once_and_leaves_the_consulted_agencys_inbox(
        web_ledger: Ledger, opened_case: str, as_user: Any) -> None:
    client = as_user("consulted")
    assert (opened_case, "C1") in awaiting_consultations(client)
    before = web_ledger.event_count()

    response = client.post("/events/ConsultationAnswered", data={
        "case": opened_case, "consultation": "C1", "position": "agree",
        "reasoning": "Phương án vốn phù hợp Nghị định 91/2015/NĐ-CP", "at": local_now(minutes=-1)})

    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert web_ledger.event_count() == before + 1
    assert last_event(web_ledger).type == "ConsultationAnswered"
    assert (opened_case, "C1") not in awaiting_consultations(client)


# --- the inbox ------------------------------------------------------------------------------------


@pytest.fixture
def busy_inbox(web_ledger: Ledger) -> dict[str, date]:
    """Case HCM-INBOX-1 led by SXD with three consultations to STC: one overdue, one due soon, one
    with time to spare; returns each consultation's due date."""
    calendar, today = web_ledger.calendar(), web_ledger.today()
    overdue_due = working_days_ago(web_ledger, 3)
    opened = overdue_due - timedelta(days=14)
    due = {"LATE": overdue_due, "SOON": calendar.add_wd(today, 1), "OK": calendar.add_wd(today, 10)}
    at = datetime.combine(opened, time(9, 0), tzinfo=LOCAL_TZ).isoformat()
    lines = [
        {"type": "CaseOpened", "case": "HCM-INBOX-1", "procedure": "REAL_ESTATE_DIFFICULTY",
         "title": "Dự án nhà ở C", "by": "sxd.clerk", "at": at},
        {"type": "LeadAssigned", "case": "HCM-INBOX-1", "agency": "SXD", "official": "sxd.nva", "by": "sxd.clerk",
         "at": at},
        *({"type": "ConsultationRequested", "case": "HCM-INBOX-1", "consultation": name, "to": "STC",
           "question": f"Ý kiến {name}?", "due": day.isoformat(), "by": "sxd.nva", "at": at}
          for name, day in due.items()),
    ]
    report = web_ledger.import_lines([json.dumps(line, ensure_ascii=False) for line in lines])
    assert not report.refused
    return due


def section_rows(doc: Element, section: str) -> dict[str, Element]:
    rows = doc.find("section", id=section).find_all("tr")
    return {row.attrs.get("data-consultation") or row.attrs["data-case"]: row for row in rows
            if "data-case" in row.attrs}


def test_the_inbox_shows_the_consultations_awaiting_the_agencys_answer_with_due_date_and_urgency(
        busy_inbox: dict[str, date], as_user: Any) -> None:
    doc = page(as_user("consulted").get("/inbox?lang=en"))

    rows = section_rows(doc, "awaiting")

    assert set(rows) == set(busy_inbox)
    assert {name: {"overdue", "soon", "ok"} & row.classes for name, row in rows.items()} == {
        "LATE": {"overdue"}, "SOON": {"soon"}, "OK": {"ok"}}
    for name, row in rows.items():
        assert format_date(busy_inbox[name], "medium", locale="en") in row.text
        assert row.attrs["data-case"] == "HCM-INBOX-1"


def test_the_inbox_of_the_lead_agency_shows_the_cases_it_leads_and_what_it_asked_of_others(
        busy_inbox: dict[str, date], as_user: Any) -> None:
    doc = page(as_user("clerk").get("/inbox?lang=en"))

    assert set(section_rows(doc, "leading")) == {"HCM-INBOX-1"}
    asked = section_rows(doc, "asked")
    assert set(asked) == set(busy_inbox)
    assert all("STC" in row.text for row in asked.values())
    assert section_rows(doc, "awaiting") == {}
    assert "overdue" in asked["LATE"].classes
