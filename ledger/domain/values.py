"""Value sets of the domain (SPEC §3–§4) and the parsers of its two kinds of time."""

from __future__ import annotations

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


def check_in_range(day: date, field: str) -> None:
    if not FIRST_DATE <= day <= LAST_DATE:
        raise InvalidField(
            f"'{field}' {day.isoformat()} is outside the dates the ledger accepts "
            f"({FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()})",
            field=field,
        )


def parse_timestamp(value: object, field: str = "at") -> datetime:
    """An ISO 8601 timestamp that must carry a UTC offset (SPEC §2)."""
    if not isinstance(value, str):
        raise InvalidField(f"'{field}' must be an ISO 8601 timestamp string", field=field)
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidField(f"'{field}' is not an ISO 8601 timestamp: {value!r}", field=field) from None
    if len(text) <= 10:
        raise InvalidField(
            f"'{field}' must be a timestamp with a time and a UTC offset, not a date: {value!r}",
            field=field,
        )
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidField(
            f"'{field}' has no UTC offset (naive timestamp): {value!r}; write e.g. 2024-03-04T09:00:00+07:00",
            field=field,
        )
    check_in_range(moment.date(), field)
    return moment


def parse_date(value: object, field: str) -> date:
    """A calendar date written YYYY-MM-DD."""
    if not isinstance(value, str):
        raise InvalidField(f"'{field}' must be a date string YYYY-MM-DD", field=field)
    try:
        if len(value) != 10:
            raise ValueError
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidField(f"'{field}' is not a date YYYY-MM-DD: {value!r}", field=field) from None
    check_in_range(day, field)
    return day
