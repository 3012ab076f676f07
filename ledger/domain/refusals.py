"""The catalogue of refusals: one stable code for each kind of refusal, with its English template.

A `Refused` carries a `code` (a key of `MESSAGES`) and `params` (plain, JSON-serialisable values);
its English message is `render(code, params)`. The web application translates the template of a
code (gettext domain "refusals", `web/translations/<lang>/LC_MESSAGES/refusals.po`, whose msgids
are these templates) and formats the translation with the same params.

Templates are `str.format` strings with named placeholders only. Values that a message shows
quoted (`repr`, `shown`) are put in `params` already shown, so a translation shows them the same
way. Each template is written `N_("…")`, a no-op marker, so Babel extracts them with `-k N_`.

Codes are stable: rename one and every translation of it is lost. Add a code for a new sentence
shape rather than reword an old one; the English of a code may be edited only together with its
msgid in the catalogues (`tests/unit/test_refusal_codes.py` checks they agree).
"""

from __future__ import annotations

from collections.abc import Mapping


def N_(text: str) -> str:
    """Mark a template for extraction (`pybabel extract -k N_`); translation happens elsewhere."""
    return text


#: The template of the codes a refusal gets from its class when the raise names none.
FREE_TEXT = N_("{message}")

MESSAGES: dict[str, str] = {
    # --- class defaults: a refusal that gives its own message and no code ---------------------
    "refused": FREE_TEXT,
    "invalid_field": FREE_TEXT,
    "unknown_reference": FREE_TEXT,
    "not_permitted": FREE_TEXT,
    "invalid_state": FREE_TEXT,
    "out_of_order": FREE_TEXT,
    "key_conflict": FREE_TEXT,
    # --- the shape of an event (ledger.domain.schema) -----------------------------------------
    "event_not_object": N_("an event must be a JSON object"),
    "missing_field": N_("missing required field '{name}'"),
    "missing_field_null": N_("missing required field '{name}' (it is null)"),
    "missing_actor": N_("missing required field 'by' (the official who acted)"),
    "unknown_event_type": N_("unknown event type {type}"),
    "must_be_string": N_("'{name}' must be a string"),
    "must_be_string_or_null": N_("'{name}' must be a string or null"),
    "must_be_non_empty_string": N_("'{name}' must be a non-empty string"),
    "must_not_be_empty": N_("'{name}' must not be empty"),
    "too_long": N_("'{name}' is longer than {limit} characters"),
    "must_be_tag_list": N_("'{name}' must be a list of non-empty strings"),
    "too_few_tags": N_("'{name}' must hold at least {minimum} tag(s)"),
    "too_many_tags": N_("'{name}' holds more than {limit} tags"),
    "must_be_day_count": N_("'{name}' must be a whole number from 1 to {limit}"),
    "must_be_year": N_("'{name}' must be a year from {first} to {last}"),
    "must_be_boolean": N_("'{name}' must be true or false"),
    "must_be_finite": N_("'{name}' must be a finite number"),
    "too_many_digits": N_("'{name}' has more than {limit} digits"),
    "nested_too_deep": N_("'{name}' is nested deeper than {limit} levels"),
    "must_have_string_keys": N_("'{name}' must have string keys"),
    "must_be_json_value": N_("'{name}' must be a JSON value"),
    "must_be_applicant": N_("'{name}' must be an object with 'name' and 'kind'"),
    "must_be_choice_string": N_("'{name}' must be a string, one of {allowed}"),
    "not_one_of": N_("'{name}' must be one of {allowed}; got {value}"),
    "finding_needs_case": N_("a finding on {rule} must name its 'case'"),
    "agency_finding_names_case": N_("a finding on WORK_PROGRAMME_LATE names an 'agency' and a 'year', not a case"),
    "case_finding_names_agency": N_("a finding on a case names no '{name}' (an agency and a year are named only by"
                                    " findings on WORK_PROGRAMME_LATE)"),
    # --- characters, times and dates (ledger.domain.values) -----------------------------------
    "forbidden_in_identifier": N_(
        "'{name}' contains {character} at character {position}, which an identifier may not hold"
    ),
    "forbidden_in_text": N_("'{name}' contains {character} at character {position}, which text may not hold"),
    "date_out_of_range": N_("'{name}' {date} is outside the dates the ledger accepts ({first} to {last})"),
    "must_be_timestamp_string": N_("'{name}' must be an ISO 8601 timestamp string"),
    "not_a_timestamp": N_("'{name}' is not an ISO 8601 timestamp: {value}"),
    "timestamp_is_date": N_("'{name}' must be a timestamp with a time and a UTC offset, not a date: {value}"),
    "naive_timestamp": N_(
        "'{name}' has no UTC offset (naive timestamp): {value}; write e.g. 2024-03-04T09:00:00+07:00"
    ),
    "must_be_date_string": N_("'{name}' must be a date string YYYY-MM-DD"),
    "not_a_date": N_("'{name}' is not a date YYYY-MM-DD: {value}"),
    # --- the registry (ledger.domain.registry) ------------------------------------------------
    "unknown_official": N_("unknown official {official}"),
    "official_departed_on": N_("official {official} departed on {departed}"),
    "official_departed": N_("official {official} has departed"),
    "official_not_yet_appointed": N_("official {official} was not yet appointed at {at}"),
    "official_agency_merged": N_(
        "{official} belongs to {agency}, merged into {into} on {merged}; it can no longer act"
    ),
    "official_already_appointed": N_("official {official} is already appointed; record an OfficialTransferred"),
    "unknown_agency": N_("unknown agency {agency}"),
    "unknown_rule": N_("unknown rule {rules}; the rulebook's codes are listed by `ledger rules`"),
    "agency_merged": N_("agency {agency} was merged into {into} and no longer exists at {at}"),
    "agency_not_yet_registered": N_("agency {agency} did not exist yet at {at}"),
    "agency_already_registered": N_("agency {agency} is already registered"),
    "merge_into_itself": N_("an agency cannot be merged into itself"),
    # --- cases (ledger.domain.case) -----------------------------------------------------------
    "case_already_opened": N_("case {case} is already opened"),
    "unknown_case": N_("unknown case {case}"),
    "case_resolved": N_("case {case} is resolved; only findings may follow"),
    "before_case_opened": N_("claimed time {at} is before the case was opened ({earlier})"),
    "before_supplement_requested": N_("claimed time {at} is before the supplement was requested ({earlier})"),
    "before_consultation_requested": N_("claimed time {at} is before the consultation was requested ({earlier})"),
    "before_lead_assigned": N_("claimed time {at} is before the lead was assigned ({earlier})"),
    "unknown_procedure": N_("unknown procedure {procedure}"),
    "lead_reason_required": N_("a 'reason' is required when a lead is replaced"),
    "consultation_exists": N_("consultation {consultation} already exists in this case"),
    "due_and_due_days": N_("give either 'due' or 'due_days', not both"),
    "no_open_supplement": N_("no supplement request is open in this case"),
    "apology_not_by_head": N_("an apology is issued by the head or a deputy head of the lead agency, not a {role}"),
    "unknown_consultation": N_("unknown consultation {consultation} in this case"),
    "consultation_answered": N_("consultation {consultation} is already answered"),
    "consultation_withdrawn": N_("consultation {consultation} is already withdrawn"),
    "no_lead": N_("case {case} has no lead yet; assign one first"),
    "not_lead_agency": N_(
        "only an official of the lead agency {agency} (lead at {at}) may record {type}; {official} is of {actor_agency}"
    ),
    "not_consulted_agency": N_(
        "only an official of the consulted agency {agency} may record {type}; {official} is of {actor_agency}"
    ),
    "due_before_act": N_("'{name}' {date} is before the act's own date {act_date}"),
    "unknown_official_at": N_("unknown or departed official {official} at {at}"),
    "official_of_other_agency": N_("{official} is an official of {official_agency}, not of {agency}"),
    "not_inspector": N_("only an inspector may record a finding, not a {role}"),
    # --- agency years (ledger.domain.programme) -----------------------------------------------
    "not_programme_agency": N_(
        "only an official of {agency} may adopt its work programme; {official} is of {actor_agency}"
    ),
    # --- appending (ledger.batch) -------------------------------------------------------------
    "future_claim": N_("claimed time {at} is in the future (the ledger's clock is {now})"),
    "event_out_of_place": N_(
        "event {event} does not fall at its place in its stream (an export with missing or reordered lines?)"
    ),
    "key_repeated_in_file": N_("id {key} appears earlier in this file, on line {line}, for a different event"),
    "key_repeated_in_batch": N_(
        "id {key} appears earlier in this batch (the same file or request) for a different event"
    ),
    "key_in_ledger": N_("id {key} is already in the ledger for a different event"),
    # --- restoring an export, reports (ledger.application) ------------------------------------
    "export_field_missing": N_("an export line needs '{name}'"),
    "unknown_source": N_("unknown source {source}"),
    "period_reversed": N_("the period ends before it starts"),
    # --- lines of JSON (ledger.interchange) ---------------------------------------------------
    "line_not_utf8": N_("line {line} is not UTF-8 text (column {column}: {reason})"),
    "line_too_long": N_("line too long: {size} bytes (at most {limit}, 1 MiB)"),
    "line_not_object": N_("a line must be one JSON object"),
    "json_syntax_in_line": N_("not valid JSON ({reason} at column {column})"),
    "json_syntax_in_document": N_("not valid JSON ({reason} at line {line}, column {column})"),
    "json_unreadable": N_("not valid JSON ({reason})"),
    "json_too_deep": N_("objects and arrays nested deeper than {limit} levels"),
    "number_too_many_digits": N_("a number of {digits} digits (at most {limit}): {number}"),
    "number_out_of_range": N_("a number out of range: {number}"),
    "not_json_constant": N_("{constant} is not JSON (numbers must be finite)"),
    "duplicate_key": N_("duplicate key {key} in one object (the line is ambiguous)"),
    "unstorable_in_field": N_("'{name}' contains {character} at character {position}, which no string may hold"),
    "unstorable_in_line": N_("the line contains {character} at character {position}, which no string may hold"),
    "unstorable_in_key": N_("a key contains {character}, which no string may hold: {key}"),
    # --- logins and API tokens (ledger.accounts) ----------------------------------------------
    "bad_login": N_("a login is 2 to 64 characters: lower-case letters, digits, '.', '_' or '-'"),
    "login_exists": N_("the login {login} already exists"),
    "unknown_login": N_("unknown login {login}"),
    "unknown_token": N_("unknown token {token}"),
    "not_a_login_role": N_("a role is one of {allowed}; got {role}"),
    "unknown_or_departed_official": N_("unknown or departed official {official}"),
    "password_too_short": N_("a password has at least {minimum} characters"),
    "password_too_long": N_("a password has at most {limit} characters"),
    # --- trusted keys (ledger.integrity.trust) ------------------------------------------------
    "key_not_base64": N_("{origin}: {text} is not a base64 public key"),
    "key_wrong_length": N_("{origin}: an Ed25519 public key is 32 bytes, this one {length}"),
    "trusted_keys_unreadable": N_("cannot read the trusted-keys file {path}: {error}"),
}


def render(code: str, params: Mapping[str, object] | None = None) -> str:
    """The English message of a refusal: its code's template filled with its params.

    An unknown code or a missing param raises `KeyError` (a bug at the raise site, not bad input)."""
    return MESSAGES[code].format_map(dict(params or {}))
