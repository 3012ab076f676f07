"""How each field of an event is checked (SPEC §3–§4): identifiers, free text, tags, dates, codes,
numbers and enumerations, each a `Checker` that returns the value to keep or raises `InvalidField`;
`FieldSpec` names a field, whether it is required, and its checker."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from .errors import InvalidField
from .values import (
    FIRST_DATE,
    IDENTIFIER_FORBIDDEN,
    LAST_DATE,
    MAX_DEPTH,
    MAX_IDENTIFIER,
    MAX_NUMBER_DIGITS,
    MAX_WORKING_DAYS,
    check_characters,
    parse_date,
    path_key,
    shown,
)

Checker = Callable[[str, object], object]

#: The most tags one list (domains, mandate) may hold.
MAX_TAGS = 100


def _text(name: str, value: object) -> object:
    """Required prose: a string, not blank, holding no control character but tab and newlines."""
    if not isinstance(value, str):
        raise InvalidField(code="must_be_string", params={"name": name}, field=name)
    if not value.strip():
        raise InvalidField(code="must_not_be_empty", params={"name": name}, field=name)
    check_characters(name, value, identifier=False)
    return value


def _free_text(name: str, value: object) -> object:
    """Optional prose that may be null or blank (judged later, never refused for its content,
    but for characters no text may hold)."""
    if value is None:
        return value
    if not isinstance(value, str):
        raise InvalidField(code="must_be_string_or_null", params={"name": name}, field=name)
    check_characters(name, value, identifier=False)
    return value


def _identifier(name: str, value: str) -> str:
    if len(value) > MAX_IDENTIFIER:
        raise InvalidField(code="too_long", params={"name": name, "limit": MAX_IDENTIFIER}, field=name)
    check_characters(name, value, identifier=True)
    return value


def _tag_list(name: str, value: object, *, at_least: int) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
        raise InvalidField(code="must_be_tag_list", params={"name": name}, field=name)
    if len(value) < at_least:
        raise InvalidField(code="too_few_tags", params={"name": name, "minimum": at_least}, field=name)
    if len(value) > MAX_TAGS:
        raise InvalidField(code="too_many_tags", params={"name": name, "limit": MAX_TAGS}, field=name)
    for index, tag in enumerate(value):
        if len(tag) > MAX_IDENTIFIER or IDENTIFIER_FORBIDDEN.search(tag):
            _identifier(f"{name}[{index}]", tag)  # raises, naming the tag
    return list(value)


def _tags(name: str, value: object) -> object:
    """A list of domain tags; it may be empty (an agency with no mandate, an answer claiming no topic)."""
    return _tag_list(name, value, at_least=0)


def _some_tags(name: str, value: object) -> object:
    """A list of at least one domain tag (`ProcedureDefined.domains`, SPEC §3)."""
    return _tag_list(name, value, at_least=1)


def _date(name: str, value: object) -> object:
    parse_date(value, name)
    return value


def _code(name: str, value: object) -> object:
    """An identifier: a reference, a code, an official's id (no control character at all)."""
    if not isinstance(value, str):
        raise InvalidField(code="must_be_string", params={"name": name}, field=name)
    if not value.strip():
        raise InvalidField(code="must_not_be_empty", params={"name": name}, field=name)
    return _identifier(name, value)


def _positive_int(name: str, value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WORKING_DAYS:
        raise InvalidField(code="must_be_day_count", params={"name": name, "limit": MAX_WORKING_DAYS}, field=name)
    return value


def _year(name: str, value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int) or not FIRST_DATE.year <= value <= LAST_DATE.year:
        raise InvalidField(
            code="must_be_year", params={"name": name, "first": FIRST_DATE.year, "last": LAST_DATE.year}, field=name
        )
    return value


def _bool(name: str, value: object) -> object:
    if not isinstance(value, bool):
        raise InvalidField(code="must_be_boolean", params={"name": name}, field=name)
    return value


def _any(name: str, value: object) -> object:
    """A consultation's `position` is stored as given and judged later (SPEC §4); whatever it
    holds, its strings (keys included) are held to the rules of free text, its numbers must be
    finite and it may not nest deeper than `MAX_DEPTH`."""
    stack: list[tuple[object, str, int]] = [(value, name, 0)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, str):
            check_characters(where, item, identifier=False)
        elif isinstance(item, float) and not math.isfinite(item):
            raise InvalidField(code="must_be_finite", params={"name": where}, field=name)
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) >= 10**MAX_NUMBER_DIGITS:
            raise InvalidField(code="too_many_digits", params={"name": where, "limit": MAX_NUMBER_DIGITS}, field=name)
        elif isinstance(item, (dict, list)):
            if depth >= MAX_DEPTH:
                raise InvalidField(code="nested_too_deep", params={"name": name, "limit": MAX_DEPTH}, field=name)
            if isinstance(item, dict):
                for key, inner in item.items():
                    if not isinstance(key, str):
                        raise InvalidField(code="must_have_string_keys", params={"name": where}, field=name)
                    check_characters(f"{where} key", key, identifier=False)
                    stack.append((inner, f"{where}.{path_key(key)}", depth + 1))
            else:
                stack.extend((inner, f"{where}[{i}]", depth + 1) for i, inner in enumerate(item))
        elif item is not None and not isinstance(item, (bool, int, float)):
            raise InvalidField(code="must_be_json_value", params={"name": where}, field=name)
    return value


def _nullable_code(name: str, value: object) -> object:
    return None if value is None else _code(name, value)


def _applicant(name: str, value: object) -> object:
    if not isinstance(value, dict):
        raise InvalidField(code="must_be_applicant", params={"name": name}, field=name)
    for key in ("name", "kind"):
        if value.get(key) is None:
            raise InvalidField(code="missing_field", params={"name": f"{name}.{key}"}, field=name)
        _text(f"{name}.{key}", value[key])
    return {"name": value["name"], "kind": value["kind"]}


def _enum(*allowed: str) -> Checker:
    def check(name: str, value: object) -> object:
        if not isinstance(value, str):
            raise InvalidField(code="must_be_choice_string", params={"name": name, "allowed": allowed}, field=name)
        if value not in allowed:
            raise InvalidField(
                code="not_one_of", params={"name": name, "allowed": allowed, "value": shown(value)}, field=name
            )
        return value

    check.choices = allowed  # type: ignore[attr-defined]  # read by ledger.domain.jsonschema
    return check


@dataclass(frozen=True)
class FieldSpec:
    name: str
    check: Checker
    required: bool = True


def _req(name: str, check: Checker = _text) -> FieldSpec:
    return FieldSpec(name, check, True)


def _opt(name: str, check: Checker = _free_text) -> FieldSpec:
    return FieldSpec(name, check, False)


#: Registry events (SPEC §3): no case, no required actor.
