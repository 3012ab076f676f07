"""The API's request and response shapes (marshmallow), from which flask-smorest writes the
OpenAPI document. Query parameters are read by the ledger's own parsers (`_Parsed`), so the API
accepts exactly what the CLI does."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from ledger import EXPORT_FORMATS, RULE_CODES, Refused, parse_date, parse_known_at


class Problem(Schema):
    index = fields.Int(allow_none=True, metadata={"description": "the event's place in an array body"})
    field = fields.Str(allow_none=True)
    code = fields.Str(required=True)
    message = fields.Str(required=True)
    params = fields.Dict(keys=fields.Str())


class Problems(Schema):
    errors = fields.List(fields.Nested(Problem), required=True)


class Failure(Schema):
    error = fields.Str(required=True)


class AnyFailure(Schema):
    """What any error answer of the API holds (the document's default error response): one
    message, or the list of problems of a refused request."""

    error = fields.Str()
    errors = fields.List(fields.Nested(Problem))


class Appended(Schema):
    event = fields.Str(required=True, metadata={"description": "the ledger's event id"})
    type = fields.Str(required=True)
    case = fields.Str(allow_none=True)
    id = fields.Str(allow_none=True, metadata={"description": "the client's idempotency key"})
    duplicate = fields.Bool(required=True, metadata={"description": "true: a retry of an event already in the"
                                                                     " ledger; the original's result"})
    recorded = fields.Str(allow_none=True)
    position = fields.Int(allow_none=True)


class AppendResult(Schema):
    events = fields.List(fields.Nested(Appended), required=True)


class _Parsed(fields.Str):
    """A query parameter read by one of the ledger's own parsers, so the API accepts exactly what
    the CLI does; a refusal is a 400 naming the parameter."""

    parse: Any = None

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        try:
            return type(self).parse(value, attr or "value")
        except Refused as refusal:
            raise ValidationError(str(refusal)) from None


class LedgerDate(_Parsed):
    """A date YYYY-MM-DD within the dates the ledger accepts (2000–2099)."""

    parse = staticmethod(parse_date)

    def __init__(self, **kwargs: Any) -> None:
        kwargs["metadata"] = {"format": "date", **kwargs.get("metadata", {})}
        super().__init__(**kwargs)


class KnownAt(_Parsed):
    """Ledger time: a timestamp with its offset, or a date meaning the end of that local day (SPEC §2)."""

    parse = staticmethod(parse_known_at)


class HistoryQuery(Schema):
    class Meta:
        unknown = RAISE

    as_of = LedgerDate(metadata={"description": "business date: events claimed on or before it"})
    known_at = KnownAt(metadata={"description": "ledger time with offset (a date: the end of that local day):"
                                                " events recorded by then"})


class ViolationsQuery(HistoryQuery):
    rule = fields.List(fields.Str(validate=validate.OneOf(RULE_CODES)))
    agency = fields.List(fields.Str(validate=validate.Length(min=1, max=200)))
    include_dismissed = fields.Bool()
    format = fields.Str(validate=validate.OneOf(EXPORT_FORMATS), load_default="json",
                        metadata={"description": "json (the default), or a file: csv, xlsx or pdf"})


class ScorecardQuery(Schema):
    class Meta:
        unknown = RAISE

    from_ = LedgerDate(required=True, data_key="from")
    to = LedgerDate(required=True)
    by = fields.Str(validate=validate.OneOf(["agency", "official"]), load_default="agency")
    format = fields.Str(validate=validate.OneOf(EXPORT_FORMATS), load_default="json",
                        metadata={"description": "json (the default), or a file: csv, xlsx or pdf"})


class Report(Schema):
    """A verifiable report (`ledger verify-report` checks it)."""

    report = fields.Str(required=True)
    parameters = fields.Dict(required=True)
    checkpoint = fields.Dict(required=True)
    rulebook = fields.Str(required=True)
    calendar = fields.Str(required=True)
    rows = fields.List(fields.Dict(), required=True)


class CaseState(Schema):
    case = fields.Str(required=True)
    title = fields.Str(allow_none=True)
    procedure = fields.Str(allow_none=True)
    status = fields.Str(required=True)
    lead_agency = fields.Str(allow_none=True)
    lead_official = fields.Str(allow_none=True)
    state = fields.Dict(required=True)


class History(Schema):
    case = fields.Str(required=True)
    as_of = fields.Str(required=True)
    known_at = fields.Str(allow_none=True)
    calendar = fields.Str(required=True)
    events = fields.List(fields.Dict(), required=True)
    hidden = fields.Int(required=True)
    state = fields.Dict(allow_none=True)
