"""`verify` reads each stored event's recorded time off the front of its state (as the library
writes it) and parses the whole state only when it does not begin that way: both give what the
library's own decoding (JSON, the last of duplicate keys winning) gives."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from ledger.verification import _recorded_time

LIBRARY = (b'{"timestamp":{"_type_":"datetime_iso","_data_":"2024-03-05T02:00:00.123456+00:00"},'
           b'"at":{"_type_":"datetime_iso","_data_":"2024-03-05T09:00:00+07:00"},"fields":{"x":1}}')


def json_recorded_time(state: bytes) -> datetime | None:
    try:
        return datetime.fromisoformat(json.loads(state)["timestamp"]["_data_"])
    except (ValueError, KeyError, TypeError):
        return None


@pytest.mark.parametrize("state", [
    LIBRARY,
    # the same time written with its keys in another order
    b'{"at":1,"timestamp":{"_data_":"2024-03-05T02:00:00+00:00","_type_":"datetime_iso"}}',
    # a second `timestamp` later in the state: JSON keeps the last, and so must verify
    LIBRARY[:-1] + b',"timestamp":{"_type_":"datetime_iso","_data_":"2020-01-01T00:00:00+00:00"}}',
    # a field whose text holds the key: escaped inside a string, it is no key
    LIBRARY.replace(b'"x":1', b'"x":"\\"timestamp\\":"'),
    b'not json at all',
    b'{"timestamp":{"_type_":"datetime_iso","_data_":"yesterday"}}',
    b'{"timestamp":{"_type_":"datetime_iso","_data_":"2024-03-05T02:00:00+00:00',
])
def test_the_recorded_time_is_the_one_the_librarys_json_decoding_gives(state: bytes) -> None:
    assert _recorded_time(state) == json_recorded_time(state)


def test_a_state_as_the_library_writes_it_gives_its_time() -> None:
    assert _recorded_time(LIBRARY) == datetime.fromisoformat("2024-03-05T02:00:00.123456+00:00")
