"""Property: a hostile JSON Lines file never crashes an import and never breaks the store (SPEC §4, §8, §9).

Generated files mix good lines (whole small cases, with unusual but acceptable text) and hostile
ones: random Unicode with control characters and lone surrogates, huge and non-finite numbers,
deep nesting, duplicate keys, a field of the wrong type for every field of every event type,
over-long lines, truncated lines, random bytes. Each file goes through the real import path
(bytes → `decode_lines` → `Ledger.import_lines`, lines straight to `import_lines`, or the
`ledger import` command) and is either

* refused: every line refused is named by its number (every line known to be bad among them),
  the reasons carry no raw control character, a dry run gives the same answer, and nothing is
  appended; or
* accepted: and the store is still readable by export (whose lines read back), violations,
  the history of every case touched (as JSON and as text with nothing raw for the terminal),
  verify and rebuild.

The same files get the same answers on SQLite and PostgreSQL (`test_…_the_same_answer_on_both_stores`).
Bounded: fixed seeds (`derandomize`), a few dozen examples, no deadline.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ledger import Ledger
from ledger.domain.errors import UnknownReference
from ledger.cli import main
from ledger.interchange import MAX_LINE_BYTES, LineDecodeError, decode_lines, read_lines
from ledger.text import format_history
from tests.builders import answer, lead, opened, registry_lines, request

EXAMPLES = 80
BOTH_STORES_EXAMPLES = 30
CLI_HISTORIES = 4
HOSTILE = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=EXAMPLES,
    phases=[Phase.explicit, Phase.generate],  # the store changes as examples run: no replaying, no shrinking
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                           HealthCheck.large_base_example, HealthCheck.function_scoped_fixture],
)

#: What must never reach a terminal raw (or cannot be written as UTF-8 at all).
RAW_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
BLANK = " \t\r\n"
#: Byte sequences that are not UTF-8: a stray byte, a truncated sequence, an encoded surrogate, overlong forms.
NOT_UTF8 = [b"\xff", b"\xc3", b"\xe1\xbb", b"\x80\x80", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf5\x80\x80\x80"]
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
CONTROLS = [chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))] + [
    "\u2028", "\u2029", "\u202e", "\u200b", "\ufeff", "\ud800", "\udbff", "\udc00", "\udfff",
]

# --- the SPEC's field kinds, written out independently of the implementation (§3, §4) -----------

CODE, TEXT, TAGS, DATE, DAYS, YEAR, BOOL, ENUM, APPLICANT, ANY = (
    "code", "text", "tags", "date", "days", "year", "bool", "enum", "applicant", "any",
)
#: type -> {field: (kind, required)}; plus `at_least_one` for ProcedureDefined.domains.
FIELDS: dict[str, dict[str, tuple[str, bool]]] = {
    "AgencyRegistered": {"agency": (CODE, True), "name": (TEXT, True), "name_en": (TEXT, True),
                         "kind": (ENUM, True), "mandate": (TAGS, True)},
    "AgencyMandateChanged": {"agency": (CODE, True), "mandate": (TAGS, True)},
    "AgencyMerged": {"agency": (CODE, True), "into": (CODE, True)},
    "OfficialAppointed": {"official": (CODE, True), "name": (TEXT, True), "agency": (CODE, True),
                          "role": (ENUM, True)},
    "OfficialTransferred": {"official": (CODE, True), "agency": (CODE, True), "role": (ENUM, True)},
    "OfficialDeparted": {"official": (CODE, True)},
    "ProcedureDefined": {"procedure": (CODE, True), "name": (TEXT, True), "processing_days": (DAYS, True),
                         "focal_agency": (CODE, False), "domains": (TAGS, True)},
    "CalendarDayDeclared": {"date": (DATE, True), "working": (BOOL, True), "reference": (TEXT, True)},
    "CaseOpened": {"procedure": (CODE, True), "title": (TEXT, True), "domains": (TAGS, False),
                   "applicant": (APPLICANT, False), "due": (DATE, False)},
    "LeadAssigned": {"agency": (CODE, True), "official": (CODE, True), "reason": (TEXT, False)},
    "CoordinatorAssigned": {"agency": (CODE, True), "part": (TEXT, True), "official": (CODE, False)},
    "ConsultationRequested": {"consultation": (CODE, True), "to": (CODE, True), "question": (TEXT, True),
                              "domains": (TAGS, False), "due": (DATE, False), "due_days": (DAYS, False)},
    "ConsultationHandlerDesignated": {"consultation": (CODE, True), "official": (CODE, True)},
    "ConsultationAnswered": {"consultation": (CODE, True), "position": (ANY, False), "reasoning": (TEXT, False),
                             "conditions": (TEXT, False), "refer_to": (CODE, False),
                             "legal_basis": (TEXT, False), "domains": (TAGS, False)},
    "ConsultationWithdrawn": {"consultation": (CODE, True), "reason": (TEXT, True)},
    "SupplementRequested": {"reason": (TEXT, True)},
    "SupplementReceived": {},
    "ApologyIssued": {"reason": (TEXT, True), "new_due": (DATE, True)},
    "CaseResolved": {"outcome": (ENUM, True)},
    "WorkProgrammeAdopted": {"agency": (CODE, True), "year": (YEAR, True)},
    "FindingRecorded": {"rule": (ENUM, True), "decision": (ENUM, True), "consultation": (CODE, False),
                        "evidence": (CODE, False)},
}
REGISTRY = {"AgencyRegistered", "AgencyMandateChanged", "AgencyMerged", "OfficialAppointed", "OfficialTransferred",
            "OfficialDeparted", "ProcedureDefined", "CalendarDayDeclared"}
NO_CASE = REGISTRY | {"WorkProgrammeAdopted"}
AT = "2024-03-04T09:00:00+07:00"
#: A plausible object of every type, to give one field a value of the wrong type.
BASES: dict[str, dict[str, Any]] = {
    "AgencyRegistered": {"agency": "QQ", "name": "Q", "name_en": "Q", "kind": "other", "mandate": ["q"]},
    "AgencyMandateChanged": {"agency": "SXD", "mandate": ["housing"]},
    "AgencyMerged": {"agency": "TTTP", "into": "VP"},
    "OfficialAppointed": {"official": "q.q", "name": "Q", "agency": "VP", "role": "clerk"},
    "OfficialTransferred": {"official": "sxd.nva", "agency": "SXD", "role": "head"},
    "OfficialDeparted": {"official": "sxd.nva"},
    "ProcedureDefined": {"procedure": "Q", "name": "Q", "processing_days": 5, "focal_agency": None,
                         "domains": ["q"]},
    "CalendarDayDeclared": {"date": "2024-03-09", "working": True, "reference": "Thông báo 1"},
    "CaseOpened": {"procedure": "REAL_ESTATE_DIFFICULTY", "title": "T", "domains": ["land"],
                   "applicant": {"name": "A", "kind": "enterprise"}, "due": "2024-04-30"},
    "LeadAssigned": {"agency": "SXD", "official": "sxd.nva", "reason": "R"},
    "CoordinatorAssigned": {"agency": "STNMT", "part": "đất", "official": "stnmt.ltb"},
    "ConsultationRequested": {"consultation": "C9", "to": "STNMT", "question": "Q?", "domains": ["land"],
                              "due_days": 5},
    "ConsultationHandlerDesignated": {"consultation": "C1", "official": "stnmt.ltb"},
    "ConsultationAnswered": {"consultation": "C1", "position": "agree", "reasoning": "R", "conditions": "C",
                             "refer_to": "SXD", "legal_basis": "L", "domains": ["land"]},
    "ConsultationWithdrawn": {"consultation": "C1", "reason": "R"},
    "SupplementRequested": {"reason": "R"},
    "SupplementReceived": {},
    "ApologyIssued": {"reason": "R", "new_due": "2024-05-30"},
    "CaseResolved": {"outcome": "approved"},
    "WorkProgrammeAdopted": {"agency": "SXD", "year": 2024},
    "FindingRecorded": {"rule": "NO_LEAD", "decision": "confirmed", "consultation": None, "evidence": None},
}
COMMON = {"type": (TEXT, True), "at": (DATE, True), "by": (CODE, False), "case": (CODE, False),
          "id": (CODE, False), "note": (TEXT, False)}
TYPED_FIELDS = sorted((kind, name) for kind, fields in FIELDS.items() for name in [*fields, *COMMON])


def base_event(kind: str, case: str) -> dict[str, Any]:
    obj: dict[str, Any] = {"type": kind, **BASES[kind], "by": "sxd.nva", "at": AT}
    if kind not in NO_CASE:
        obj["case"] = case
    return obj


# --- strategies ---------------------------------------------------------------------------------

any_char = st.one_of(st.characters(exclude_categories=()), st.sampled_from(CONTROLS))
hostile_text = st.text(any_char, max_size=12)
#: Text a free-text field accepts: any Unicode but control characters and surrogates, plus tab and
#: newlines; spiced with what a renderer or a parser might trip on.
#: Bidirectional embeddings, overrides and isolates are refused in text too (they reorder what is shown).
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
SPICE = ["\n", "\t", "\r\n", "\r", "\u2028", "\u200f", "\u200b", "\ufeff", "Đ", "\U0001f600", "e\u0301", "\\n",
         "[", "{", '"', "'", " ", "\u00a0", "\uffff"]
good_text = st.lists(
    st.sampled_from(SPICE) | st.text(st.characters(exclude_categories=("Cc", "Cs"), exclude_characters=BIDI_CONTROLS), max_size=6), max_size=6
).map(lambda parts: "T" + "".join(parts))
good_code = st.text(st.one_of(st.characters(categories=("L", "N")), st.sampled_from("-_./:")), min_size=1,
                    max_size=10)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**24), 10**24) | st.floats() | hostile_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=6,
)


def wrong_values(kind: str, required: bool, *, at_least_one: bool = False) -> st.SearchStrategy[Any]:
    """Values a field of this kind must refuse."""
    not_string = st.one_of(st.integers(-5, 5), st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
                           st.lists(st.just("x"), max_size=2), st.just({"x": "y"}))
    options = {
        CODE: not_string | st.just("") | st.just("   ") | st.just("x" * 201),
        TEXT: (not_string | st.just("") | st.just(" \t ")) if required else not_string,  # prose may be blank
        DATE: not_string | st.sampled_from(["2024-13-01", "04/03/2024", "2024-W10-1", "1999-12-31", ""]),
        ENUM: not_string | st.just("nonsense"),
        TAGS: st.one_of(st.just("land"), st.integers(), st.just({"a": 1}), st.just([1]), st.just([""]),
                        st.just([None]), st.just(["a\nb"])),
        DAYS: st.one_of(st.just("15"), st.just(1.5), st.booleans(), st.just([1]), st.sampled_from([0, -1, 3651])),
        YEAR: st.one_of(st.just("2024"), st.just(2024.5), st.booleans(), st.sampled_from([1999, 2100])),
        BOOL: st.one_of(st.sampled_from([0, 1, "true", "yes"]), st.just([True])),
        APPLICANT: st.one_of(st.just("Công ty A"), st.integers(), st.just([]), st.just({"name": 5, "kind": "x"}),
                             st.just({"kind": "x"})),
    }[kind]
    if required:
        options = options | st.none()
    if at_least_one:
        options = options | st.just([])
    return options


@dataclass
class Line:
    text: str
    bad: bool  # known to be refused (at the line, field or character level)


@dataclass
class HostileFile:
    lines: list[Line]
    transport: str  # "lines", "bytes" or "cli"
    garbage: tuple[int, int, bytes] | None = None  # (line index, offset, bytes) spliced into the encoding
    cases: set[str] = field(default_factory=set)
    good: bool = False  # only whole small cases, with unusual but acceptable text: must be accepted

    def data(self) -> bytes:
        encoded = [line.text.encode("utf-8", "surrogatepass") for line in self.lines]
        if self.garbage is not None:
            index, offset, junk = self.garbage
            raw = encoded[index]
            offset %= len(raw) + 1
            encoded[index] = raw[:offset] + junk + raw[offset:]
        return b"".join(raw + b"\n" for raw in encoded)


def dumps(obj: Any, ascii_only: bool) -> str:
    return json.dumps(obj, ensure_ascii=ascii_only)


def unreadable(value: Any, depth: int = 1) -> bool:
    """The line-level oracle: a value no line may carry (whatever field it is in)."""
    if isinstance(value, str):
        return UNSTORABLE.search(value) is not None
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return len(str(abs(value))) > 20
    if isinstance(value, (list, dict)):
        if depth > 32:
            return True
        items = list(value.items()) if isinstance(value, dict) else [(None, v) for v in value]
        return any((k is not None and unreadable(k)) or unreadable(v, depth + 1) for k, v in items)
    return False


def refused_by_kind(kind: str, value: Any) -> bool:
    """The field-level oracle for a string (or a list of tags) in a kept field."""
    if kind == TAGS:
        return isinstance(value, list) and any(isinstance(t, str) and re.search("[\x00-\x1f\x7f-\x9f]", t)
                                               for t in value)
    if not isinstance(value, str):
        return False
    if kind == CODE:
        return re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029]", value) is not None
    if kind == TEXT:
        return re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", value) is not None
    return False


@st.composite
def stories(draw: st.DrawFn, serial: Iterator[int]) -> tuple[list[dict[str, Any]], str]:
    """A new case's events, in order, with unusual but acceptable text and identifiers."""
    case = f"H-{next(serial)}-{draw(good_code)}"
    steps = [
        opened(case=case, title=draw(good_text), note=draw(st.none() | good_text),
               applicant=draw(st.none() | st.builds(lambda n: {"name": n, "kind": "enterprise"}, good_text))),
        lead(case=case),
        request(case=case, question=draw(good_text), consultation=draw(good_code)),
    ]
    steps = [{k: v for k, v in step.items() if v is not None} for step in steps]
    answered = answer(case=case, consultation=steps[2]["consultation"], reasoning=draw(good_text),
                      position=draw(st.sampled_from(["agree", "conditional", None, "\U0001f937"])))
    steps.append(answered)
    keep = draw(st.integers(1, len(steps)))
    events = steps[:keep]
    for event in events:
        if draw(st.booleans()):
            event["id"] = f"{case}/{draw(good_code)}/{event['type']}"
    return events, case


@st.composite
def hostile_lines(draw: st.DrawFn, case: str) -> Line:
    """One hostile line, of one of the classes (the `bad` flag says whether it must be refused)."""
    ascii_only = draw(st.booleans())
    kind = draw(st.sampled_from(["value", "wrong_type", "number", "constant", "deep", "duplicate", "long",
                                 "truncated", "raw", "character"]))
    template = opened(case=case)
    if kind == "value":  # a random JSON value in a random field, kept or not
        name = draw(st.sampled_from([*template, "colour", "domains", "applicant", "due", "position"]))
        value = draw(json_values)
        obj = {**template, name: value}
        spec = FIELDS["CaseOpened"].get(name) or COMMON.get(name)
        bad = unreadable(value, 2) or (spec is not None and refused_by_kind(spec[0], value))
        return Line(dumps(obj, ascii_only), bad)
    if kind == "wrong_type":  # every field of every event type, given a value of the wrong type
        event_type, name = draw(st.sampled_from(TYPED_FIELDS))
        spec = FIELDS[event_type].get(name) or COMMON[name]
        required = spec[1] or name in ("type", "at") or (name == "case" and event_type not in NO_CASE) or (
            name == "by" and event_type not in REGISTRY)
        if spec[0] == ANY:
            return Line(dumps(base_event(event_type, case), ascii_only), False)
        obj = base_event(event_type, case)
        if name == "type":
            obj[name] = draw(wrong_values(CODE, True).filter(lambda v: v not in ("", "   ", "x" * 201)))
        elif name == "at":
            obj[name] = draw(st.one_of(st.integers(), st.just("2024-03-04"), st.just("2024-03-04T09:00:00"),
                                       st.just(None), st.just([AT])))
        else:
            obj[name] = draw(wrong_values(spec[0], required,
                                          at_least_one=(event_type, name) == ("ProcedureDefined", "domains")))
        if not required and obj[name] is None:
            return Line(dumps(obj, ascii_only), False)  # null is how an optional field is left out
        if name in ("by", "case") and event_type in REGISTRY and isinstance(obj[name], str):
            return Line(dumps(obj, ascii_only), False)  # a registry event ignores a string by/case
        return Line(dumps(obj, ascii_only), True)
    text = dumps(template, ascii_only)
    if kind == "number":
        digits = draw(st.sampled_from([21, 25, 400, 4301, 5000]))
        where = draw(st.sampled_from(['"x": ', '"due_days": -', '"x": [0, 1.', '"x": {"y": ']))
        tail = {'"x": ': "", '"due_days": -': "", '"x": [0, 1.': "]", '"x": {"y": ': "}"}[where]
        return Line(text[:-1] + ", " + where + "7" * digits + tail + "}", True)
    if kind == "constant":
        constant = draw(st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-1E999"]))
        return Line(text[:-1] + f', "x": [{constant}]}}', True)
    if kind == "deep":
        depth = draw(st.sampled_from([30, 31, 32, 33, 100, 999, 1000, 5000, 100_000]))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        inner = "1" if opener != "[" else ""
        return Line(text[:-1] + ', "x": ' + opener * depth + inner + closer * depth + "}", depth >= 32)
    if kind == "duplicate":
        name = draw(st.sampled_from(list(template)))
        again = draw(st.sampled_from([json.dumps(template[name]), '"other"', "null"]))
        return Line(text[:-1] + f', "{name}": {again}}}', True)
    if kind == "long":
        size = draw(st.sampled_from([MAX_LINE_BYTES - 1, MAX_LINE_BYTES, MAX_LINE_BYTES + 1, 3 * MAX_LINE_BYTES]))
        filler = "a" * max(0, size - len(text.encode()) - len(', "x": ""'))
        line = text[:-1] + f', "x": "{filler}"}}'
        return Line(line, len(line.encode()) > MAX_LINE_BYTES)
    if kind == "truncated":
        cut = draw(st.integers(1, len(text) - 1))
        return Line(text[:cut], bool(text[:cut].strip(BLANK)))
    if kind == "raw":  # random text, one line of it
        raw = draw(st.text(any_char, max_size=40)).replace("\r", "").replace("\n", "").replace("\ufeff", "")
        return Line(raw, bool(raw.strip(BLANK)) and UNSTORABLE.search(raw) is not None)
    # kind == "character": a control character (or a surrogate) in a kept identifier or text field
    name = draw(st.sampled_from(["case", "by", "id", "procedure", "title", "note"]))
    char = draw(st.sampled_from(CONTROLS))
    obj = {**template, name: f"A{char}B"}
    identifier = name in ("case", "by", "id", "procedure")
    allowed = (not identifier and char in "\t\n\r") or (not identifier and char in "\u2028\u2029\u200b\ufeff")
    return Line(dumps(obj, ascii_only), not allowed or UNSTORABLE.search(char) is not None)


def files(serial: Iterator[int], transports: tuple[str, ...] = ("lines", "bytes", "cli")) -> st.SearchStrategy:
    @st.composite
    def build(draw: st.DrawFn) -> HostileFile:
        transport = draw(st.sampled_from(transports))
        result = HostileFile([], transport)
        hostile = draw(st.sampled_from([0, 0, 1, 1, 2, 3]))  # 0: a good file
        for _ in range(draw(st.integers(1, 3))):
            events, case = draw(stories(serial))
            result.cases.add(case)
            result.lines.extend(Line(dumps(e, draw(st.booleans())), False) for e in events)
        for _ in range(hostile):
            at = draw(st.integers(0, len(result.lines)))
            case = f"H-{next(serial)}"
            result.cases.add(case)
            result.lines.insert(at, draw(hostile_lines(case)))
        if draw(st.integers(0, 4)) == 0:
            result.lines.insert(draw(st.integers(0, len(result.lines))), Line(draw(st.sampled_from(["", " ", "\t"])),
                                                                               False))
        if transport != "lines" and draw(st.integers(0, 2)) == 0:
            junk = draw(st.sampled_from(NOT_UTF8) | st.binary(min_size=1, max_size=4).filter(
                lambda b: b"\n" not in b and b"\r" not in b))
            result.garbage = (draw(st.integers(0, len(result.lines) - 1)), draw(st.integers(0, 10**6)), junk)
        result.good = hostile == 0 and result.garbage is None
        return result

    return build()


# --- the checks ---------------------------------------------------------------------------------


def first_undecodable(data: bytes) -> int | None:
    for number, raw in enumerate(data.splitlines(), start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return number
    return None


@dataclass
class Answer:
    undecodable: int | None = None
    refused: list[tuple[int, str]] = field(default_factory=list)
    appended: int = 0


def import_file(ledger: Ledger, db: str, hostile: HostileFile, tmp: Path) -> Answer:
    """Import through the path the file names; check the all-or-nothing contract; return the answer."""
    before = ledger.event_count()
    data = hostile.data()
    bad_line = first_undecodable(data)
    if hostile.transport == "lines":
        texts = [line.text + "\n" for line in hostile.lines]
    elif bad_line is not None:
        with pytest.raises(LineDecodeError) as refused:
            decode_lines(data)
        assert refused.value.line == bad_line
        assert f"line {bad_line} is not UTF-8 text (column " in str(refused.value)
        assert ledger.event_count() == before
        return Answer(undecodable=bad_line)
    else:
        texts = decode_lines(data)
        if hostile.garbage is None:
            assert texts == [line.text + "\n" for line in hostile.lines]
    if hostile.transport == "cli" and bad_line is None:
        path = tmp / "hostile.jsonl"
        path.write_bytes(data)
        dry = CliRunner().invoke(main, ["--db", db, "import", "--dry-run", str(path)])
        real = CliRunner().invoke(main, ["--db", db, "import", str(path)])
        for result in (dry, real):
            assert result.exit_code in (0, 2), (result.output, result.exception)
        answer = Answer(refused=cli_refusals(real), appended=ledger.event_count() - before)
        assert cli_refusals(dry) == answer.refused
        assert (real.exit_code == 2) == bool(answer.refused)
    else:
        dry_report = ledger.import_lines(texts, dry_run=True)
        report = ledger.import_lines(texts)
        assert dry_report.refused == report.refused
        answer = Answer(refused=report.refused, appended=report.appended)
        assert ledger.event_count() == before + (0 if report.refused else report.appended)
    numbers = [number for number, _ in answer.refused]
    nonblank = {n for n, text in enumerate(texts, start=1) if text.strip(BLANK)}
    assert numbers == sorted(numbers) and set(numbers) <= nonblank
    for number, reason in answer.refused:
        assert RAW_UNSAFE.search(reason) is None, (number, reason)
        assert len(reason) < 1000
    if hostile.garbage is None:
        known_bad = {n for n, line in enumerate(hostile.lines, start=1) if line.bad}
        missing = known_bad - set(numbers)
        assert not missing, [(n, hostile.lines[n - 1].text[:300]) for n in sorted(missing)]
    if answer.refused:
        assert ledger.event_count() == before
    return answer


def cli_refusals(result: Any) -> list[tuple[int, str]]:
    refused = []
    for text in result.stderr.splitlines():
        found = re.fullmatch(r"line (\d+): (.*)", text)
        if found:
            refused.append((int(found.group(1)), found.group(2)))
        else:
            assert re.fullmatch(r"\d+ line\(s\) refused; nothing was appended", text), text
    return refused


#: The shapes of the lines of `ledger history` as text; a newline stored in a field and printed raw
#: would start a line of another shape (or forge one).
HISTORY_LINE = re.compile(r"Case .*|\s+pos  claimed \(at\) .*|\s*\d+  \d{4}-.*|        \S.*|\(\d+ later .*|State as of .*")


def terminal_safe(text: str) -> None:
    text.encode("utf-8")
    for line in text.splitlines():
        assert RAW_UNSAFE.search(line) is None, line
        assert HISTORY_LINE.fullmatch(line), line


def check_readable(ledger: Ledger, cases: set[str]) -> None:
    """Every reading command still works on the store."""
    exported = list(ledger.export_lines())
    assert len(exported) == ledger.event_count() + 1
    assert all(line.error is None for line in read_lines(exported)), "an export line does not read back"
    "\n".join(exported).encode("utf-8")
    json.dumps([v.as_dict() for v in ledger.violations()], ensure_ascii=False).encode("utf-8")
    for case in cases:
        try:
            history = ledger.history(case)
        except UnknownReference:  # a case whose lines were all refused
            continue
        json.dumps(history, ensure_ascii=False).encode("utf-8")
        terminal_safe(format_history(history))
    verification = ledger.verify()
    assert verification.ok, verification.problems
    ledger.rebuild()
    assert ledger.verify().ok


def check_readable_by_the_cli(db: str, cases: set[str]) -> None:
    def run(*args: str) -> Any:
        result = CliRunner().invoke(main, ["--db", db, *args])
        assert result.exit_code == 0, (args, result.output, result.exception)
        return result

    exported = run("export").stdout.splitlines()
    assert all(line.error is None for line in read_lines(exported))
    json.loads(run("violations", "--format", "json").stdout)
    for case in sorted(cases)[:CLI_HISTORIES]:  # each command opens the store: a sample (all: check_readable)
        result = CliRunner().invoke(main, ["--db", db, "history", case])
        if result.exit_code == 2 and "unknown case" in result.stderr:
            continue
        assert result.exit_code == 0, (case, result.output, result.exception)
        terminal_safe(result.stdout)
        json.loads(run("history", case, "--format", "json").stdout)
    run("verify")
    run("rebuild")
    run("verify")


def opened_store(url: str) -> Ledger:
    ledger = Ledger(url)
    report = ledger.import_lines([json.dumps(obj) for obj in registry_lines()])
    assert not report.refused
    return ledger


def counter() -> Iterator[int]:
    number = 0
    while True:
        number += 1
        yield number


# --- the properties -----------------------------------------------------------------------------


def test_a_hostile_file_is_refused_line_by_line_or_leaves_a_readable_store(store_url, tmp_path):
    ledger = opened_store(store_url)
    touched: set[str] = set()
    outcomes = {"refused": 0, "accepted": 0, "undecodable": 0}
    try:

        @HOSTILE
        @given(hostile=files(counter()))
        def check(hostile: HostileFile) -> None:
            answer = import_file(ledger, store_url, hostile, tmp_path)
            assert not hostile.good or (answer.undecodable is None and not answer.refused), answer
            if answer.undecodable is not None:
                outcomes["undecodable"] += 1
            elif answer.refused:
                outcomes["refused"] += 1
            else:
                outcomes["accepted"] += 1
                assert not any(line.bad for line in hostile.lines)
                touched.update(hostile.cases)
                check_readable(ledger, hostile.cases)

        check()
        assert min(outcomes.values()) > 0, outcomes  # every kind of answer was exercised
        check_readable(ledger, touched)
    finally:
        ledger.close()
    check_readable_by_the_cli(store_url, touched)


@pytest.mark.postgres
def test_a_hostile_file_gets_the_same_answer_on_both_stores(sqlite_url, postgres_url, tmp_path):
    stores = [opened_store(sqlite_url), opened_store(postgres_url)]
    try:

        @settings(HOSTILE, max_examples=BOTH_STORES_EXAMPLES)
        @given(hostile=files(counter(), transports=("lines", "bytes")))
        def check(hostile: HostileFile) -> None:
            sqlite, postgres = (import_file(s, "", hostile, tmp_path) for s in stores)
            assert sqlite == postgres
            assert stores[0].event_count() == stores[1].event_count()

        check()
    finally:
        for store in stores:
            store.close()


def test_a_nul_title_is_refused_alike_and_the_store_stays_readable(store_url, tmp_path):
    """The reported case: on PostgreSQL a NUL in a title was appended and broke every later command."""
    ledger = opened_store(store_url)
    try:
        line = json.dumps(opened(title="a\u0000b"))
        report = ledger.import_lines([line])
        assert report.refused == [(1, "'title' contains U+0000 (NUL) at character 2, which no string may hold")]
        assert ledger.import_lines([json.dumps(opened())]).appended == 1
        check_readable(ledger, {"HCM-1"})
    finally:
        ledger.close()
    check_readable_by_the_cli(store_url, {"HCM-1"})


def test_the_same_id_twice_in_one_file_is_not_said_to_be_already_in_the_ledger(store_url):
    ledger = opened_store(store_url)
    try:
        file = [json.dumps(opened(id="k")), json.dumps(opened(id="k", case="HCM-2"))]
        (refusal,) = ledger.import_lines(file).refused
        assert refusal[0] == 2 and "'k' appears earlier in this" in refusal[1] and "already" not in refusal[1]
        ledger.import_lines(file[:1])
        (refusal,) = ledger.import_lines(file[1:]).refused
        assert refusal == (1, "id 'k' is already in the ledger for a different event")
    finally:
        ledger.close()


def test_a_surrogate_is_not_said_to_be_appendable_by_a_dry_run(tmp_path):
    db = f"sqlite:///{tmp_path / 'x.db'}"
    CliRunner().invoke(main, ["--db", db, "init", "--bare"])
    path = tmp_path / "s.jsonl"
    path.write_text("\n".join(json.dumps(o) for o in [*registry_lines(), opened(title="\ud800")]) + "\n")
    result = CliRunner().invoke(main, ["--db", db, "import", "--dry-run", str(path)])
    assert result.exit_code == 2
    assert "line 12: 'title' contains U+D800 (a lone surrogate, not Unicode text)" in result.stderr


def test_the_cli_names_the_line_that_is_not_utf8(tmp_path):
    db = f"sqlite:///{tmp_path / 'x.db'}"
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"type": "x"}\n{"title": "\xc3"}\n')
    result = CliRunner().invoke(main, ["--db", db, "import", str(path)])
    assert result.exit_code == 2
    assert "line 2 is not UTF-8 text (column 12" in result.output
