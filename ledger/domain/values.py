"""Value sets of the domain (SPEC §3–§4) and the parsers of its two kinds of time."""

from __future__ import annotations

import re
from datetime import date, datetime

from .errors import InvalidField

AGENCY_KINDS = ("people_committee", "department", "board", "district", "inspectorate", "other")
ROLES = ("head", "deputy_head", "specialist", "clerk", "inspector")
POSITIONS = ("agree", "disagree", "conditional", "not_competent")
OUTCOMES = ("approved", "rejected", "answered", "stopped")
DECISIONS = ("confirmed", "dismissed")
SOURCES = ("web", "api", "import")

#: The rulebook's codes (SPEC §6); an inspector's finding must name one of them.
RULE_CODES = (
    "NO_LEAD",
    "WRONG_FOCAL_POINT",
    "UNRELATED_CONSULTATION",
    "REDUNDANT_CONSULTATION",
    "LATE_RESPONSE",
    "EVASIVE_RESPONSE",
    "BUCK_PASSING",
    "OUT_OF_MANDATE_RESPONSE",
    "CASE_OVERDUE",
    "APOLOGY_MISSING",
    "RESCHEDULE_MISSED",
    "RESCHEDULE_REPEATED",
    "REPEATED_SUPPLEMENT_REQUEST",
    "WORK_PROGRAMME_LATE",
    "LATE_RECORDING",
)

#: Consultations answer within 15 working days unless the request says otherwise (SPEC §5).
DEFAULT_CONSULTATION_DAYS = 15

#: The dates the ledger accepts, and the longest span in working days a time limit may set: inside
#: them every due date computed stays inside the working calendar (see `ledger.calendar`).
FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2099, 12, 31)
MAX_WORKING_DAYS = 3650
#: The longest identifier (case reference, code, id) the ledger accepts.
MAX_IDENTIFIER = 200
#: How deep objects and arrays may nest in one line (the event object itself is level 1), and the
#: most digits a number may have: bounds far above any real event, far below what hurts.
MAX_DEPTH = 32
MAX_NUMBER_DIGITS = 20

# --- characters ---------------------------------------------------------------------------------
#
# An audit ledger refuses malformed facts. Two kinds of string are told apart:
#
# * identifiers (case references, codes, ids, officials' ids, domain tags) hold no control
#   character at all: none of C0 (U+0000–U+001F), DEL (U+007F) or C1 (U+0080–U+009F), neither of
#   Unicode's own line breaks (U+2028, U+2029), and none of the invisible or bidirectional
#   formatting characters (U+200B–U+200F, U+202A–U+202E, U+2060–U+2064, U+2066–U+2069, U+FEFF),
#   so a reference is always one visible line and two references that look alike are alike;
# * free text (title, reasoning, note, question, names…) may hold tab, line feed and carriage
#   return, and no other control character, nor the bidirectional embeddings, overrides and
#   isolates (U+202A–U+202E, U+2066–U+2069) that make text display in another order than it reads.
#
# No string anywhere may hold a lone surrogate (U+D800–U+DFFF: not Unicode text, it cannot be
# stored as UTF-8) or NUL (PostgreSQL's text columns cannot hold it), so the same input gets the
# same answer on SQLite and on PostgreSQL.

#: Never allowed in any string (see `ledger.interchange`: checked on every key and value of a line).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
#: Not allowed in free text.
TEXT_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
#: Not allowed in an identifier.
IDENTIFIER_FORBIDDEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ud800-\udfff]"
)

_CHARACTER_NAMES = {0x00: "NUL", 0x09: "tab", 0x0A: "line feed", 0x0D: "carriage return", 0x7F: "DEL"}


def describe_character(char: str) -> str:
    """`U+0000 (NUL)`, `U+D800 (a lone surrogate)`, `U+0007 (a control character)`…"""
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        kind = "a lone surrogate, not Unicode text"
    elif code in _CHARACTER_NAMES:
        kind = _CHARACTER_NAMES[code]
    elif code in (0x2028, 0x2029):
        kind = "a Unicode line break"
    elif code >= 0x200B:
        kind = "an invisible or bidirectional formatting character"
    else:
        kind = "a control character"
    return f"U+{code:04X} ({kind})"


def check_characters(name: str, value: str, *, identifier: bool) -> None:
    """Refuse a string holding a character its kind may not hold (see above), naming where."""
    found = (IDENTIFIER_FORBIDDEN if identifier else TEXT_FORBIDDEN).search(value)
    if found is not None:
        raise InvalidField(
            code="forbidden_in_identifier" if identifier else "forbidden_in_text",
            params={"name": name, "character": describe_character(found.group()), "position": found.start() + 1},
            field=name,
        )


def path_key(key: str) -> str:
    """An object key as part of a field's name in a message: as it is when printable and short,
    else quoted with its control characters escaped."""
    return key if key.isprintable() and len(key) <= 40 else shown(key, 40)


def shown(value: object, limit: int = 60) -> str:
    """`repr(value)` cut to `limit` characters, for messages about hostile input (repr escapes
    control characters, so a message never carries them raw)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def check_in_range(day: date, field: str) -> None:
    if not FIRST_DATE <= day <= LAST_DATE:
        raise InvalidField(
            code="date_out_of_range",
            params={"name": field, "date": day, "first": FIRST_DATE, "last": LAST_DATE},
            field=field,
        )


def parse_timestamp(value: object, field: str = "at") -> datetime:
    """An ISO 8601 timestamp that must carry a UTC offset (SPEC §2)."""
    if not isinstance(value, str):
        raise InvalidField(code="must_be_timestamp_string", params={"name": field}, field=field)
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidField(code="not_a_timestamp", params={"name": field, "value": shown(value)}, field=field) from None
    if len(text) <= 10:
        raise InvalidField(code="timestamp_is_date", params={"name": field, "value": shown(value)}, field=field)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidField(code="naive_timestamp", params={"name": field, "value": shown(value)}, field=field)
    check_in_range(moment.date(), field)
    return moment


_DATE = re.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(value: object, field: str) -> date:
    """A calendar date written YYYY-MM-DD (ASCII digits; not the other ISO 8601 spellings, such as
    the week date 2024-W10-1, that `date.fromisoformat` also reads)."""
    if not isinstance(value, str):
        raise InvalidField(code="must_be_date_string", params={"name": field}, field=field)
    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidField(code="not_a_date", params={"name": field, "value": shown(value)}, field=field) from None
    check_in_range(day, field)
    return day


def parse_known_at(value: object, field: str = "known_at") -> datetime:
    """Ledger time (SPEC §2): a timestamp with its offset, or a date YYYY-MM-DD meaning the end of
    that day in Vietnam (so "known at 2024-10-01" includes everything recorded that day)."""
    if isinstance(value, str) and len(value.strip()) == 10:
        from datetime import time, timedelta, timezone

        day = parse_date(value.strip(), field)
        return datetime.combine(day, time.max, tzinfo=timezone(timedelta(hours=7)))
    return parse_timestamp(value, field)
