"""Procedure Ledger: an event-sourced audit ledger of administrative procedures.

The public facade: open a `Ledger` on a store URL, append events, ask questions.
"""

from .accounts import LOGIN_ROLES, Login, Token
from .application import BatchRefused, ImportReport, Ledger
from .batch import Outcome
from .calendar import LOCAL_TZ, WorkingCalendar, local_date
from .domain.errors import (
    ConcurrentAppend,
    InvalidField,
    InvalidState,
    KeyConflict,
    LedgerError,
    NotPermitted,
    OutOfOrder,
    Refused,
    StoreError,
    UnknownReference,
)
from .domain.jsonschema import event_schemas
from .domain.refusals import MESSAGES as REFUSAL_MESSAGES
from .domain.schema import EVENT_TYPES, Envelope, field_refusals, parse_event
from .domain.values import parse_date, parse_known_at, parse_timestamp
from .integrity.reports import render_report
from .interchange import parse_document, refused_element
from .domain.values import AGENCY_KINDS, DECISIONS, OUTCOMES, POSITIONS, ROLES, RULE_CODES
from .queries import CaseItem, CaseSummary, Choice, Clock, ConsultationItem, Inbox, OfficialInfo
# The inspectors' replay, the oversight dashboard and the report files: each module's own
# `__all__` is part of the facade (as asyncio's package does with its submodules).
from . import dashboard, publications, replay
from .dashboard import *  # noqa: F403
from .publications import *  # noqa: F403
from .replay import *  # noqa: F403
from .reports import export, fonts
from .reports.export import *  # noqa: F403
from .reports.fonts import *  # noqa: F403



def event_fields(kind: str) -> dict[str, bool]:
    """The fields of one event type (SPEC §3–§4), each with whether it is required; common
    fields (`type`, `at`, `by`, `case`, `id`, `note`) are not listed."""
    from .domain import schema

    for table in (schema.REGISTRY_TYPES, schema.CASE_TYPES, schema.AGENCY_YEAR_TYPES):
        if kind in table:
            return {spec.name: spec.required for spec in table[kind]}
    if kind == "FindingRecorded":
        found = {spec.name: spec.required for spec in schema.FINDING_FIELDS}
        return {**found, "agency": False, "year": False}
    raise KeyError(kind)


__all__ = [
    "AGENCY_KINDS",
    "DECISIONS",
    "EVENT_TYPES",
    "OUTCOMES",
    "POSITIONS",
    "ROLES",
    "RULE_CODES",
    "event_fields",
    "field_refusals",
    "event_schemas",
    "parse_document",
    "refused_element",
    "parse_date",
    "parse_known_at",
    "parse_timestamp",
    "render_report",
    "LOCAL_TZ",
    "LOGIN_ROLES",
    "REFUSAL_MESSAGES",
    "CaseItem",
    "CaseSummary",
    "Choice",
    "Clock",
    "ConsultationItem",
    "Inbox",
    "Login",
    "OfficialInfo",
    "Token",
    "BatchRefused",
    "ConcurrentAppend",
    "Envelope",
    "ImportReport",
    "InvalidField",
    "InvalidState",
    "KeyConflict",
    "Ledger",
    "LedgerError",
    "NotPermitted",
    "OutOfOrder",
    "Outcome",
    "Refused",
    "StoreError",
    "UnknownReference",
    "WorkingCalendar",
    "local_date",
    "parse_event",
    *dashboard.__all__,
    *publications.__all__,
    *replay.__all__,
    *export.__all__,
    *fonts.__all__,
]
