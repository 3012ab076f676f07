"""Every HTML form fuzzed through Flask's test client, with CSRF on (hypothesis).

The forms are every POST rule of the application outside the JSON API, read from `app.url_map`
(a form added later fails `test_every_post_route_is_fuzzed` until it has a line in TARGETS). Each
example starts from a valid submission of one form (its own user logged in, its CSRF token), then
mutates it: fields oversized, holding control characters, NUL, bidirectional overrides, lone
surrogates or bytes that are not UTF-8 (in the raw body: percent-escaped, raw, or in a multipart
part), numbers and dates of the wrong shape, fields missing, sent twice, sent as a file part or
under other names; the body sent as JSON, as text, without a content type; the CSRF token missing,
wrong, or another session's.

For each example: the answer is never a 5xx; a refusal (4xx) is a page that says why (the error
page's reason, a message beside a field or above the form, a flash), not a blank page; and the
ledger (events), the logins and the tokens are unchanged unless the form answered as it does on
success, the CSRF token was right, the body was well-formed, and what was stored is what was sent,
with no character its kind of string may not hold.

Besides the random examples: each form's valid submission is first shown to be accepted (the
fuzzing mutates valid input); a dictionary pass puts a trailing line feed and a NUL into every field
of every form in turn (the classic holes of `$`-anchored patterns and of PostgreSQL text); and bodies
over the limit are refused before they are read (413), whether they announce a huge Content-Length
(in-process and on Werkzeug's own server) or come chunked.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import quote_from_bytes, unquote_to_bytes

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.serving import make_server

from ledger import Ledger, export_report
from tests.fuzz.conftest import CASE, SPARE_LOGIN, SPARE_OFFICIAL, Crashes, set_phase
from tests.web.conftest import PASSWORD, USERS, local_now
from web.config import FILE_FORMS, MAX_BODY_BYTES
from web.forms import AGENCY_TYPES, LAYOUTS, REGISTRY_FORM_TYPES

# --- the forms --------------------------------------------------------------------------------

LEAVER = "leaver"  # the login the logout form logs out (logout ends every session of a login)
RESOLVABLE = "HCM-FUZZ-R"  # a case of its own for the resolve form, so that HCM-FUZZ-1 stays open


@dataclass(frozen=True)
class Target:
    """One form: who submits it, where, a valid submission (`n` makes it unique) and the statuses
    it answers with when it did what it is for."""

    endpoint: str
    who: str | None  # a key of USERS, LEAVER, or None for nobody logged in
    url: str
    fields: Callable[[Ledger, int], dict[str, str]]
    success: frozenset[int] = frozenset({302})
    kind: str | None = None  # the event type of an event form
    file: str | None = None  # the name of the file part of a form that takes one


def _at(values: dict[str, str]) -> dict[str, str]:
    return {"at": local_now(minutes=-1), **values}


def agency(kind: str, who: str, values: Callable[[Ledger, int], dict[str, str]]) -> Target:
    def fields(ledger: Ledger, n: int) -> dict[str, str]:
        found = values(ledger, n)
        if kind not in ("CaseOpened", "WorkProgrammeAdopted"):
            found = {"case": CASE, **found}
        return _at({"id": f"web-fuzz-{n}", **found})

    # A warned answer (the rulebook's clear-position rules) is shown again with its warning: 200.
    success = frozenset({302, 200}) if kind == "ConsultationAnswered" else frozenset({302})
    return Target("agency.event", who, f"/events/{kind}", fields, success, kind=kind)


AGENCY_TARGETS = [
    agency("CaseOpened", "clerk", lambda ledger, n: {
        "case": f"HCM-FZ-{n}", "procedure": "REAL_ESTATE_DIFFICULTY", "title": "Vướng mắc pháp lý dự án B",
        "applicant_name": "Công ty B", "applicant_kind": "enterprise"}),
    agency("LeadAssigned", "clerk", lambda ledger, n: {"agency": "SXD", "official": "sxd.nva",
                                                       "reason": "Chuyên viên cũ nghỉ phép"}),
    agency("CoordinatorAssigned", "clerk", lambda ledger, n: {"agency": "STNMT", "part": "Nguồn gốc đất"}),
    agency("ConsultationRequested", "specialist", lambda ledger, n: {
        "consultation": f"C-FZ-{n}", "to": "STNMT", "question": "Ý kiến về nguồn gốc đất?", "domains": "land",
        "due_days": "10"}),
    agency("ConsultationHandlerDesignated", "consulted", lambda ledger, n: {"consultation": "C1",
                                                                            "official": "stc.pttt"}),
    agency("ConsultationAnswered", "consulted", lambda ledger, n: {
        "consultation": "C1", "position": "agree", "reasoning": "Phương án vốn phù hợp quy định hiện hành",
        "legal_basis": "Luật Đầu tư 2020"}),
    agency("ConsultationWithdrawn", "specialist", lambda ledger, n: {"consultation": "C2",
                                                                     "reason": "Đã có ý kiến tại cuộc họp"}),
    agency("SupplementRequested", "clerk", lambda ledger, n: {"reason": "Thiếu bản vẽ thiết kế"}),
    agency("SupplementReceived", "clerk", lambda ledger, n: {}),
    agency("ApologyIssued", "head", lambda ledger, n: {
        "reason": "Cần thêm ý kiến của Sở Tài chính",
        "new_due": ledger.calendar().add_wd(ledger.today(), 20).isoformat()}),
    agency("CaseResolved", "clerk", lambda ledger, n: {"case": RESOLVABLE, "outcome": "approved"}),
    agency("WorkProgrammeAdopted", "clerk", lambda ledger, n: {"agency": "SXD", "year": str(ledger.today().year)}),
]

REGISTRY_VALUES: dict[str, Callable[[int], dict[str, str]]] = {
    "AgencyRegistered": lambda n: {"agency": f"SFZ{n}", "name": "Sở Du lịch", "name_en": "Department of Tourism",
                                   "kind": "department", "mandate": "tourism, culture"},
    "AgencyMandateChanged": lambda n: {"agency": "SCT", "mandate": "industry, trade, energy"},
    "AgencyMerged": lambda n: {"agency": "SKHDT", "into": "STC"},
    "OfficialAppointed": lambda n: {"official": f"sxd.fz{n}", "name": "Phạm Thị Mai", "agency": "SXD",
                                    "role": "specialist"},
    "OfficialTransferred": lambda n: {"official": SPARE_OFFICIAL, "agency": "STC", "role": "specialist"},
    "OfficialDeparted": lambda n: {"official": SPARE_OFFICIAL},
    "ProcedureDefined": lambda n: {"procedure": f"FZ_PROCEDURE_{n}", "name": "Cấp giấy phép lữ hành",
                                   "processing_days": "10", "focal_agency": "", "domains": "tourism"},
    "CalendarDayDeclared": lambda n: {"date": "2027-04-19", "working": "y",
                                      "reference": "Công văn 1/VPCP ngày 01/3/2027 về ngày làm việc bù"},
}


def registry(kind: str) -> Target:
    return Target("admin.registry_event", "admin", f"/admin/registry/{kind}",
                  lambda ledger, n: _at({"id": f"web-fuzz-{n}", **REGISTRY_VALUES[kind](n)}), kind=kind)


def report_file(ledger: Ledger) -> bytes:
    parameters: dict[str, Any] = {"as_of": ledger.today().isoformat(), "known_at": None, "rules": [],
                                  "agencies": [], "include_dismissed": False}
    return export_report(ledger.report("violations", parameters, "json"), "json")


#: Every form, by endpoint (the event forms: one target per event type).
TARGETS: dict[str, list[Target]] = {
    "auth.login": [Target("auth.login", None, "/login",
                          lambda ledger, n: {"login": USERS["clerk"][0], "password": PASSWORD})],
    "auth.logout": [Target("auth.logout", LEAVER, "/logout", lambda ledger, n: {})],
    "agency.event": AGENCY_TARGETS,
    "inspect.finding": [Target("inspect.finding", "inspector", "/inspect/findings", lambda ledger, n: _at({
        "id": f"web-fuzz-{n}", "case": CASE, "rule": "REDUNDANT_CONSULTATION", "decision": "dismissed",
        "consultation": "C1"}), kind="FindingRecorded")],
    "admin.registry_event": [registry(kind) for kind in REGISTRY_FORM_TYPES],
    "admin.logins": [Target("admin.logins", "admin", "/admin/logins", lambda ledger, n: {
        "login": f"fz-{n}", "official": "sxd.nva", "role": "official", "password": "một mật khẩu dài"})],
    "admin.disable_login": [Target("admin.disable_login", "admin", f"/admin/logins/{SPARE_LOGIN}/disable",
                                   lambda ledger, n: {})],
    "admin.tokens": [Target("admin.tokens", "admin", "/admin/tokens",
                            lambda ledger, n: {"official": "sxd.nva", "role": "official"},
                            success=frozenset({200}))],
    "admin.revoke_token": [Target("admin.revoke_token", "admin", "/admin/tokens/{token}/revoke",
                                  lambda ledger, n: {})],
    "public.verify": [Target("public.verify", None, "/verify", lambda ledger, n: {},
                             success=frozenset({200, 422}), file="report")],
}
#: Examples per endpoint (the event forms share theirs among their event types).
EXAMPLES = {"agency.event": 170, "admin.registry_event": 100}
DEFAULT_EXAMPLES = 50


def post_rules(app: Flask) -> dict[str, str]:
    """endpoint → rule of every POST route outside the JSON API."""
    return {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()
            if "POST" in (rule.methods or ()) and not rule.rule.startswith("/api/")}


def test_every_post_route_is_fuzzed(fuzz_app: Flask) -> None:
    assert set(post_rules(fuzz_app)) == set(TARGETS)
    assert [t.kind for t in TARGETS["agency.event"]] == list(AGENCY_TYPES)
    assert [t.kind for t in TARGETS["admin.registry_event"]] == list(REGISTRY_FORM_TYPES)
    api_posts = {rule.rule for rule in fuzz_app.url_map.iter_rules()
                 if "POST" in (rule.methods or ()) and rule.rule.startswith("/api/")}
    assert api_posts == {"/api/v1/events"}, "a new API POST route: fuzz it in test_api_schema_fuzz.py too"


# --- the session: users logged in through the login form, CSRF tokens -----------------------------

CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, page: str = "/login") -> str:
    response = client.get(page)
    found = CSRF_INPUT.search(response.get_data(as_text=True))
    assert response.status_code == 200 and found, (page, response.status_code)
    return unescape(found.group(1))


def logged_in(app: Flask, login: str) -> FlaskClient:
    client = app.test_client()
    token = csrf_token(client)
    response = client.post("/login", data={"login": login, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


class Session:
    """A client per user, logged in through the form, with its CSRF token; the logout form's
    client is logged in again after each logout."""

    def __init__(self, app: Flask, ledger: Ledger) -> None:
        self.app = app
        self.clients: dict[str | None, FlaskClient] = {}
        self.tokens: dict[str | None, str] = {}
        ledger.accounts.add_login(LEAVER, "sxd.head", PASSWORD, "official")

    def client(self, who: str | None) -> tuple[FlaskClient, str]:
        if who not in self.clients:
            phase = self.app.wsgi_app.phase  # type: ignore[attr-defined]
            set_phase(self.app, "setup (logins, CSRF tokens)")
            if who is None:
                client = self.app.test_client()
                self.tokens[who] = csrf_token(client)
            else:
                client = logged_in(self.app, USERS[who][0] if who in USERS else who)
                self.tokens[who] = csrf_token(client, "/admin/tokens" if who == "admin" else "/verify")
            self.clients[who] = client
            set_phase(self.app, phase)
        return self.clients[who], self.tokens[who]

    def forget(self, who: str | None) -> None:
        self.clients.pop(who, None)
        self.tokens.pop(who, None)

    def other_token(self, who: str | None) -> str:
        """A valid CSRF token of another session."""
        return self.client("consulted" if who != "consulted" else "clerk")[1]


# --- what the ledger and the accounts hold --------------------------------------------------------


@dataclass(frozen=True)
class State:
    events: int
    logins: tuple[tuple[str, str, str, bool], ...]
    tokens: tuple[tuple[str, str, str, bool], ...]

    @classmethod
    def of(cls, ledger: Ledger) -> State:
        return cls(ledger.event_count(),
                   tuple(sorted((x.login, x.official, x.role, x.disabled) for x in ledger.accounts.list_logins())),
                   tuple(sorted((t.token_id, t.official, t.role, t.revoked is not None)
                                for t in ledger.accounts.list_tokens())))


# --- the hostile input ----------------------------------------------------------------------------

#: Characters no identifier may hold (C0, DEL, C1, Unicode line breaks, invisible and bidirectional
#: formatting, BOM, surrogates) and those no free text may hold (the same but tab, LF, CR, the line
#: breaks and the invisible ones) -- as SPEC §3 and ledger/domain/values.py say, written out here.
NOT_IN_IDENTIFIERS = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069"
                                "\ufeff\ufffd\ud800-\udfff]")
NOT_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffd\ud800-\udfff]")
IDENTIFIERS = {"case", "consultation", "evidence", "agency", "official", "procedure", "to", "into", "refer_to",
               "rule", "focal_agency", "position", "outcome", "decision", "kind", "role"}
LOGIN_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")

SPECIAL = st.sampled_from(["\x00", "\x07", "\x1b[31m", "\r\n", "\n", "\t", "\x7f", "\x85", "\u2028", "\u202e",
                           "\u2066", "\u200b", "\ufeff", "\ufffd", "%00", "%ED%A0%80", "+", "&", "=", ";"])
ODD_VALUES = st.sampled_from([
    "", " ", "0", "-1", "--5", "1.5", "1e9", "99999999999", "²", "٣", "５", "true", "null", "[]", "{}", "None",
    "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "2026-02-30", "2026-13-01", "1999-12-31",
    "2100-01-01", "2026-05-02T25:61", "now", "SDL", "SCT", "SQHKT", "STNMT", "stc.pttt", "sxd.ttb", "C1", "C9",
    "NO_LEAD", "x" * 65, "x" * 201, "x" * 1025, "y" * 70_000,
])
ANY_TEXT = st.text(max_size=30)  # any Unicode but surrogates (which only bytes can carry; see BAD_BYTES)
CONTROL_TEXT = st.text(st.characters(max_codepoint=0x9f, categories=["Cc"]), min_size=1, max_size=4)
#: Bytes that are no UTF-8: a lone surrogate (CESU-8), an overlong '/', a cut sequence, bytes
#: never used, a modified-UTF-8 NUL.
BAD_BYTES = st.sampled_from([b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xc0\xaf", b"\xc3", b"\xe1\xba", b"\xff\xfe",
                             b"\x80", b"\xc0\x80", b"\xf4\x90\x80\x80"])


@st.composite
def hostile_value(draw: st.DrawFn, base: str) -> bytes:
    """The valid value with something hostile after, before or instead of it, as bytes."""
    piece = draw(st.one_of(SPECIAL, CONTROL_TEXT, ODD_VALUES, ANY_TEXT, SPECIAL))
    where = draw(st.sampled_from(["suffix", "suffix", "prefix", "instead", "inside"]))
    if where == "suffix":
        text = base + piece
    elif where == "prefix":
        text = piece + base
    elif where == "inside" and len(base) > 1:
        text = base[: len(base) // 2] + piece + base[len(base) // 2:]
    else:
        text = piece
    raw = text.encode("utf-8")
    if draw(st.integers(0, 5)) == 0:  # now and then, bytes that are no UTF-8 in the middle
        cut = draw(st.integers(0, len(raw)))
        raw = raw[:cut] + draw(BAD_BYTES) + raw[cut:]
    return raw


OVERSIZED = st.sampled_from([5_000, 100_000, MAX_BODY_BYTES - 300, MAX_BODY_BYTES + 1])


@dataclass
class Submission:
    """What one example sends."""

    fields: list[tuple[str, bytes]]
    files: list[tuple[str, bytes, str]]
    encoding: str  # urlencoded | urlencoded-raw | multipart | json | text | none
    csrf: str  # valid | missing | wrong | other | empty
    url: str

    def decoded(self) -> list[tuple[str, bytes]]:
        """The fields as the server reads them (a raw urlencoded body: "+" is a space, "%XX" a byte)."""
        if self.encoding != "urlencoded-raw":
            return self.fields
        return [(name, unquote_to_bytes(value.replace(b"+", b" "))) for name, value in self.fields]

    @property
    def well_formed(self) -> bool:
        """A body a browser could send for this form: urlencoded or multipart UTF-8, each field once,
        no file where a text field is expected."""
        names = [name for name, _ in self.fields]
        utf8 = all(_is_utf8(value) for _, value in self.decoded())
        return (self.encoding in ("urlencoded", "urlencoded-raw", "multipart") and utf8
                and len(names) == len(set(names)) and all(name == "report" for name, _, _ in self.files))

    def values(self) -> dict[str, str]:
        return {name: value.decode("utf-8", "replace") for name, value in self.decoded()}


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@st.composite
def submissions(draw: st.DrawFn, target: Target, base: dict[str, str], token: str, other_token: str,
                report: bytes) -> Submission:
    fields: dict[str, list[bytes]] = {name: [value.encode()] for name, value in base.items()}
    files: list[tuple[str, bytes, str]] = [(target.file, report, "report.json")] if target.file else []
    names = sorted({*base, *form_fields(target)})
    for _ in range(draw(st.integers(0, 3))):
        operation = draw(st.sampled_from(["set", "set", "set", "drop", "repeat", "junk", "big", "file"]))
        name = draw(st.sampled_from(names)) if names else "x"
        current = (fields.get(name) or [b""])[0].decode("utf-8", "replace")
        if operation == "set":
            fields[name] = [draw(hostile_value(current))]
        elif operation == "drop":
            fields.pop(name, None)
        elif operation == "repeat":
            fields.setdefault(name, [b""]).append(draw(hostile_value(current)))
        elif operation == "junk":
            fields[draw(st.text(min_size=1, max_size=12))] = [draw(hostile_value(""))]
        elif operation == "big":
            fields[name] = [b"x" * draw(OVERSIZED)]
        else:
            fields.pop(name, None)
            files.append((name, draw(hostile_value(current)), draw(st.sampled_from(["a.txt", "", "../x"]))))
    if target.file and draw(st.integers(0, 2)) == 0:  # the uploaded report itself
        files = [(target.file, draw(st.one_of(hostile_value(report.decode()[:200]), st.binary(max_size=64),
                                              st.just(b"{" * 10_000), st.just(b"x" * (FILE_FORMS['/verify'] - 1000)))),
                  draw(st.sampled_from(["report.json", "", "r\x00.json", "b\xe1o c\xe1o.csv"])))]
    csrf = draw(st.sampled_from(["valid"] * 5 + ["missing", "wrong", "other", "empty"]))
    token_value = {"valid": token, "wrong": token[:-4] + "AAAA", "other": other_token, "empty": ""}.get(csrf)
    pairs = [(name, value) for name, values in fields.items() for value in values]
    if token_value is not None:
        pairs.insert(draw(st.integers(0, len(pairs))), ("csrf_token", token_value.encode()))
    encoding = draw(st.sampled_from(["multipart"] * 3 if target.file else
                                    ["urlencoded"] * 6 + ["multipart"] * 3 + ["urlencoded-raw", "json", "text",
                                                                              "none"]))
    url = target.url
    if draw(st.integers(0, 4)) == 0:  # a query parameter the views read (`next`, `case`, `lang`, …)
        name = draw(st.sampled_from(["next", "case", "lang", "consultation", "rule", "kind"]))
        url += f"?{name}=" + quote_from_bytes(draw(hostile_value({"next": "/inbox", "lang": "en"}.get(name, CASE))),
                                              safe="/")
    if "{token}" in url or target.endpoint == "admin.disable_login":
        url = draw(st.sampled_from([url, url, url.replace(SPARE_LOGIN, "{x}").replace("{token}", "{x}")]))
        url = url.replace("{x}", quote_from_bytes(draw(hostile_value(SPARE_LOGIN)), safe=""))
    return Submission(pairs, files, encoding, csrf, url)


def form_fields(target: Target) -> list[str]:
    if target.kind is None:
        return []
    return ["at", "note", "id", "confirm", *(["case"] if target.endpoint != "admin.registry_event"
                                            and target.kind != "WorkProgrammeAdopted" else []),
            *(f.name for f in LAYOUTS[target.kind])]


BOUNDARY = b"fuzz-boundary-7MA4YWxkTrZu0gW"


def encoded(submission: Submission) -> tuple[bytes, str | None]:
    """The raw body and its content type."""
    if submission.encoding == "multipart" or submission.files:
        parts = [b'Content-Disposition: form-data; name="' + name.encode("utf-8", "replace") + b'"\r\n\r\n' + value
                 for name, value in submission.fields]
        parts += [b'Content-Disposition: form-data; name="' + name.encode() + b'"; filename="'
                  + filename.encode("utf-8", "surrogatepass") + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
                  + value for name, value, filename in submission.files]
        body = b"".join(b"--" + BOUNDARY + b"\r\n" + part + b"\r\n" for part in parts) + b"--" + BOUNDARY + b"--\r\n"
        return body, "multipart/form-data; boundary=" + BOUNDARY.decode()
    if submission.encoding in ("urlencoded", "urlencoded-raw"):
        def escape(raw: bytes) -> bytes:
            if submission.encoding == "urlencoded":
                return quote_from_bytes(raw, safe="").encode()
            return raw.replace(b"&", b"%26").replace(b"=", b"%3D")  # raw bytes, only the separators escaped

        body = b"&".join(escape(name.encode("utf-8", "replace")) + b"=" + escape(value)
                         for name, value in submission.fields)
        return body, "application/x-www-form-urlencoded"
    if submission.encoding == "json":
        return json.dumps(submission.values(), ensure_ascii=False).encode(), "application/json"
    body = "\n".join(f"{name}={value}" for name, value in submission.values().items()).encode()
    return body, ("text/plain" if submission.encoding == "text" else None)


# --- the checks -------------------------------------------------------------------------------

SAYS_WHY = re.compile(r'<p class="(?:reason|error[^"]*|flash[^"]*)"[^>]*>\s*[^<\s]')


def says_why(response: Any) -> bool:
    """A refusal a person can read: the error page's reason, a message beside a field or above
    the form, a flash, or a report's verdict."""
    text = response.get_data(as_text=True)
    return response.mimetype == "text/html" and (bool(SAYS_WHY.search(text)) or 'class="verdict' in text)


def stored_as_sent(target: Target, sent: dict[str, str], record: Any) -> list[str]:
    """Why the stored event does not stand for a valid submission: a field sent holding a character
    its kind of string may not hold (whether the ledger kept the field or dropped it, the input was
    invalid), or a field stored otherwise than sent."""
    problems = []
    layout = {f.name: f for f in LAYOUTS[target.kind or ""]}
    stored: dict[str, Any] = {**record.fields, "case": record.case, "note": record.note}
    applicant = record.fields.get("applicant") or {}
    for name, value in sent.items():
        kind = layout[name].kind if name in layout else ("text" if name in ("case", "note") else None)
        if kind not in ("text", "textarea", "select", "tags") or not value.strip():
            continue
        pieces = [tag.strip() for tag in value.split(",")] if kind == "tags" else [value]
        for piece in pieces:
            bad = (NOT_IN_IDENTIFIERS if name in IDENTIFIERS or kind == "tags" else NOT_IN_TEXT).search(piece)
            if bad:
                problems.append(f"{name}: sent holding {bad.group()!r} ({piece!r:.60}), yet appended")
        if kind == "tags":
            continue
        held = applicant.get(name.removeprefix("applicant_")) if name.startswith("applicant_") else stored.get(name)
        if held is not None and held != value:
            problems.append(f"{name}: sent {value!r:.80}, stored {held!r:.80}")
    return problems


def judge(target: Target, submission: Submission, response: Any, before: State, after: State,
          ledger: Ledger) -> None:
    status = response.status_code
    assert status < 500, f"{status} on {target.url}"
    if status >= 400:
        assert says_why(response), f"a {status} that says nothing: {response.get_data(as_text=True)[:800]}"
    if target.endpoint == "public.verify":
        assert after.events == before.events, "verifying a report appended events"
    if after == before:
        return
    # Something changed: only a valid submission, answered as a success, may change anything.
    assert status in target.success, f"changed the ledger or the accounts, yet answered {status}"
    assert submission.csrf == "valid", f"changed something with CSRF token {submission.csrf!r}"
    assert submission.well_formed, f"changed something from a malformed body ({submission.encoding})"
    sent = submission.values()
    if after.events != before.events:
        assert target.kind is not None and after.events == before.events + 1, (before.events, after.events)
        [record] = list(ledger.records(start=before.events + 1))
        assert record.type == target.kind and record.source == "web", (record.type, record.source)
        problems = stored_as_sent(target, sent, record)
        assert not problems, problems
    if after.logins != before.logins:
        known = {login for login, *_ in before.logins}
        created = [row for row in after.logins if row[0] not in known]
        for login, official, role, _disabled in created:
            assert target.endpoint == "admin.logins", target.endpoint
            assert LOGIN_NAME.fullmatch(login), f"a login named {login!r} was created"
            # The role select left out is the least one, "official" (web/admin.py).
            assert (login, official, role) == (sent.get("login"), sent.get("official"), sent.get("role") or "official")
            assert len(sent.get("password", "")) >= 10
        disabled = {row[0] for row in after.logins if row[3]} - {row[0] for row in before.logins if row[3]}
        if disabled:
            assert target.endpoint == "admin.disable_login" and disabled == {SPARE_LOGIN}, disabled
    if after.tokens != before.tokens:
        assert target.endpoint in ("admin.tokens", "admin.revoke_token"), target.endpoint
        known = {token for token, *_ in before.tokens}
        for _token, official, role, _revoked in (row for row in after.tokens if row[0] not in known):
            assert target.endpoint == "admin.tokens"
            assert (official, role) == (sent.get("official"), sent.get("role") or "official")


# --- the fuzzing ------------------------------------------------------------------------------


@pytest.fixture
def prepared(fuzz_ledger: Ledger) -> str:
    """A second consultation (C2) to withdraw, a case with a lead to resolve, a spare login to
    disable and a spare token to revoke (its id)."""
    at = local_now(minutes=-20) + "+07:00"
    fuzz_ledger.append([
        {"type": "ConsultationRequested", "case": CASE, "consultation": "C2", "to": "STNMT",
         "question": "Ý kiến về đất?", "at": at, "by": "sxd.nva"},
        {"type": "CaseOpened", "case": RESOLVABLE, "procedure": "REAL_ESTATE_DIFFICULTY",
         "title": "Hồ sơ để giải quyết", "at": at, "by": "sxd.clerk"},
        {"type": "LeadAssigned", "case": RESOLVABLE, "agency": "SXD", "official": "sxd.nva", "at": at,
         "by": "sxd.clerk"},
    ], source="web")
    fuzz_ledger.accounts.add_login(SPARE_LOGIN, SPARE_OFFICIAL, PASSWORD, "official")
    token, _secret = fuzz_ledger.accounts.create_token(SPARE_OFFICIAL, "official")
    return token.token_id


def valid_submission(target: Target, ledger: Ledger, token: str, n: int, token_id: str) -> Submission:
    pairs = [("csrf_token", token.encode()), *((k, v.encode()) for k, v in target.fields(ledger, n).items())]
    files = [(target.file, report_file(ledger), "report.json")] if target.file else []
    return Submission(pairs, files, "multipart" if target.file else "urlencoded", "valid",
                      target.url.replace("{token}", token_id))


def test_each_form_accepts_the_valid_submission_its_fuzzing_starts_from(
        fuzz_app: Flask, fuzz_ledger: Ledger, crashes: Crashes, prepared: str) -> None:
    """Each target's own submission, unchanged, does what the form is for (so that the fuzzing
    mutates valid input, and "changed nothing" is not true only because the start was refused)."""
    set_phase(fuzz_app, "forms valid starts")
    session = Session(fuzz_app, fuzz_ledger)
    refused = []
    for n, target in enumerate((t for targets in TARGETS.values() for t in targets), start=1):
        client, token = session.client(target.who)
        submission = valid_submission(target, fuzz_ledger, token, n, prepared)
        body, content_type = encoded(submission)
        response = client.post(submission.url, data=body, content_type=content_type)
        if response.status_code not in target.success:
            refused.append(f"{target.url}: {response.status_code} {response.get_data(as_text=True)[:300]!r}")
        if target.endpoint == "auth.logout":
            session.forget(target.who)
    assert not crashes.found, crashes.found[-1]
    assert not refused, "\n".join(refused)


def submit(session: Session, target: Target, submission: Submission, ledger: Ledger, crashes: Crashes) -> None:
    """Send one submission as the target's user and judge the answer and what changed; a failure
    carries the request and the answer (the reproduction)."""
    client, _token = session.client(target.who)
    body, content_type = encoded(submission)
    with client.session_transaction() as cookie_session:  # a flash left by an earlier example is no answer
        cookie_session.pop("_flashes", None)
    before = State.of(ledger)
    response = client.post(submission.url, data=body, content_type=content_type)
    after = State.of(ledger)
    try:
        assert not crashes.found, crashes.found[-1]
        judge(target, submission, response, before, after, ledger)
    except AssertionError as failure:
        raise AssertionError(
            f"{failure}\nreproduce: POST {submission.url} as {target.who or 'nobody'} ({submission.encoding},"
            f" CSRF token {submission.csrf}), Content-Type {content_type}, body {body[:700]!r}"
            f"{'…' if len(body) > 700 else ''}\nanswer: {response.status_code} {response.headers.get('Location', '')}"
            f" {response.get_data(as_text=True)[:300]!r}") from failure
    if target.endpoint == "auth.logout" and response.status_code == 302:
        session.forget(target.who)
    if target.endpoint == "auth.login" and response.status_code == 302:
        session.forget(None)  # logged in now: a fresh anonymous client next time


@pytest.mark.parametrize("endpoint", list(TARGETS))
def test_fuzzed_form_submissions_are_answered_clearly_and_change_nothing_unless_valid(
        endpoint: str, fuzz_app: Flask, fuzz_ledger: Ledger, crashes: Crashes, prepared: str) -> None:
    set_phase(fuzz_app, f"forms {endpoint}")
    session = Session(fuzz_app, fuzz_ledger)
    report = report_file(fuzz_ledger)
    serial = itertools.count(1)
    targets = TARGETS[endpoint]

    @given(data=st.data())
    @settings(max_examples=EXAMPLES.get(endpoint, DEFAULT_EXAMPLES), deadline=None, derandomize=True,
              database=None,
              # One ledger, application and set of logged-in clients serve every example on purpose
              # (logging in per example would cost more than the example); each example measures its
              # own before and after. Oversized values make some examples slow.
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    def example(data: st.DataObject) -> None:
        target = data.draw(st.sampled_from(targets))
        _client, token = session.client(target.who)
        base = target.fields(fuzz_ledger, next(serial))
        submission = data.draw(submissions(target, base, token, session.other_token(target.who), report))
        submission.url = submission.url.replace("{token}", prepared)
        submit(session, target, submission, fuzz_ledger, crashes)

    example()


#: Classic hostile values tried on every field of every form: a trailing line feed (a validation
#: regex anchored with `$` lets it through) and a NUL inside (no string may hold it; PostgreSQL's
#: text cannot).
CLASSICS = {"trailing line feed": lambda value: value + "\n", "NUL inside": lambda value: value[:1] + "\x00" + value[1:]}


@pytest.mark.parametrize("endpoint", list(TARGETS))
def test_every_field_of_every_form_with_a_trailing_line_feed_or_a_nul_is_refused_or_stored_as_sent(
        endpoint: str, fuzz_app: Flask, fuzz_ledger: Ledger, crashes: Crashes, prepared: str) -> None:
    """A dictionary pass (no randomness): each field of each form, and the login or token in the
    URL of the admin's buttons, with each classic value in turn; every failure is listed."""
    set_phase(fuzz_app, f"forms {endpoint} (classic values per field)")
    session = Session(fuzz_app, fuzz_ledger)
    serial = itertools.count(1)
    failures = []
    for target in TARGETS[endpoint]:
        _client, token = session.client(target.who)
        fields = sorted({*target.fields(fuzz_ledger, 0), *form_fields(target)})
        if "{token}" in target.url or target.endpoint == "admin.disable_login":
            fields.append("<url>")
        if target.file:
            fields.append(target.file)
        for name, (label, change) in itertools.product(fields, CLASSICS.items()):
            base = target.fields(fuzz_ledger, next(serial))
            url = target.url.replace("{token}", prepared)
            files = [(target.file, report_file(fuzz_ledger), "report.json")] if target.file else []
            if name == "<url>":
                last = url.split("/")[-2]
                url = url.replace(f"/{last}/", "/" + quote_from_bytes(change(last).encode(), safe="") + "/")
            elif name == target.file:
                files = [(name, change(files[0][1].decode()).encode(), "report.json")]
            else:
                base[name] = change(base.get(name, "x"))
            pairs = [("csrf_token", token.encode()), *((k, v.encode()) for k, v in base.items())]
            submission = Submission(pairs, files, "multipart" if target.file else "urlencoded", "valid", url)
            try:
                submit(session, target, submission, fuzz_ledger, crashes)
            except AssertionError as failure:
                failures.append(f"{target.url} {name} ({label}): {str(failure)[:600]}")
                crashes.found.clear()
    assert not failures, "\n".join(failures)


# --- bodies over the limit --------------------------------------------------------------------


class Tripwire(io.RawIOBase):
    """An endless request body that counts what is read of it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = len(buffer)
        buffer[:size] = b"x" * size
        self.read_bytes += size
        return size


def every_post_url(fuzz_app: Flask, token_id: str) -> Iterator[tuple[str, str | None, int]]:
    """(url, who, body limit) for every POST route, the API's included."""
    for endpoint, rule in {**post_rules(fuzz_app), "api.append_events": "/api/v1/events"}.items():
        for target in TARGETS.get(endpoint, [Target(endpoint, "clerk", rule, lambda ledger, n: {})]):
            url = target.url.replace("{token}", token_id)
            yield url, target.who, FILE_FORMS.get(url, MAX_BODY_BYTES)


def refused_for_size(response: Any, url: str) -> None:
    assert response.status_code == 413, (url, response.status_code, response.get_data(as_text=True)[:300])
    if url.startswith("/api/"):
        assert response.is_json and response.get_json().get("error"), response.get_data(as_text=True)[:300]
    else:
        assert says_why(response), response.get_data(as_text=True)[:300]


def test_a_huge_content_length_is_refused_with_413_before_the_body_is_read(
        fuzz_app: Flask, fuzz_ledger: Ledger, crashes: Crashes, prepared: str) -> None:
    set_phase(fuzz_app, "forms 413 (Content-Length)")
    session = Session(fuzz_app, fuzz_ledger)
    api = {"Authorization": "Bearer " + fuzz_ledger.accounts.create_token("sxd.clerk")[1]}
    for url, who, limit in every_post_url(fuzz_app, prepared):
        client, _ = session.client(who)
        for length in (limit + 1, 10**12):
            kinds = (("application/json",) if url.startswith("/api/") else  # the API refuses any other type first
                     ("application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json"))
            for kind in kinds:
                before = State.of(fuzz_ledger)
                body = Tripwire()
                response = client.open(url, method="POST", content_type=kind,
                                       headers=api if url.startswith("/api/") else {},
                                       environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": str(length)})
                refused_for_size(response, url)
                assert body.read_bytes == 0, f"{url}: {body.read_bytes} bytes read of a body refused for its size"
                assert State.of(fuzz_ledger) == before
    assert not crashes.found, crashes.found[-1]


def test_a_chunked_body_over_the_limit_is_refused_with_413_having_read_at_most_the_limit(
        fuzz_app: Flask, fuzz_ledger: Ledger, crashes: Crashes, prepared: str) -> None:
    set_phase(fuzz_app, "forms 413 (chunked)")
    session = Session(fuzz_app, fuzz_ledger)
    api = {"Authorization": "Bearer " + fuzz_ledger.accounts.create_token("sxd.clerk")[1]}
    for url, who, limit in every_post_url(fuzz_app, prepared):
        client, _ = session.client(who)
        before = State.of(fuzz_ledger)
        body = Tripwire()
        response = client.open(url, method="POST", content_type="application/x-www-form-urlencoded"
                               if not url.startswith("/api/") else "application/json",
                               headers={"Transfer-Encoding": "chunked", **(api if url.startswith("/api/") else {})},
                               environ_overrides={"wsgi.input": body, "wsgi.input_terminated": True})
        refused_for_size(response, url)
        assert body.read_bytes <= limit + 1 + 65536, f"{url}: read {body.read_bytes} bytes of an endless body"
        assert State.of(fuzz_ledger) == before
    assert not crashes.found, crashes.found[-1]


def test_a_real_server_answers_a_huge_content_length_with_413_without_waiting_for_the_body(
        fuzz_app: Flask, fuzz_ledger: Ledger) -> None:
    """On Werkzeug's own server (what `ledger serve` runs): the headers announce a terabyte, no
    byte of it is sent, and the answer comes at once."""
    set_phase(fuzz_app, "forms 413 (real server)")
    secret = fuzz_ledger.accounts.create_token("sxd.clerk")[1]
    server = make_server("127.0.0.1", 0, fuzz_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for path, kind in (("/login", "application/x-www-form-urlencoded"), ("/verify", "multipart/form-data; b=x"),
                           ("/api/v1/events", "application/json")):
            before = fuzz_ledger.event_count()
            with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as connection:
                connection.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {kind}\r\n"
                                   f"Authorization: Bearer {secret}\r\n"
                                   f"Content-Length: {10**12}\r\nConnection: close\r\n\r\n".encode())
                answer = connection.recv(65536)
            assert answer.split(b"\r\n", 1)[0].split(b" ")[1] == b"413", answer[:200]
            assert fuzz_ledger.event_count() == before
    finally:
        server.shutdown()
        thread.join(timeout=5)
