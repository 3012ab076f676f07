"""The JSON encoders made once (digests, facts, violation details, export lines) write exactly what
`json.dumps` with the same options writes: digests and stored rows must not change by a byte."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain.schema import _CANONICAL_JSON
from ledger.interchange.lines import _LINE_JSON
from ledger.projections.rows import _FIELDS_JSON, _TEXT_JSON

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, derandomize=True)
@given(JSON)
def test_each_encoder_writes_what_json_dumps_writes_with_its_options(value: Any) -> None:
    assert _CANONICAL_JSON(value) == json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert _FIELDS_JSON(value) == json.dumps(value, ensure_ascii=False, sort_keys=True)
    assert _TEXT_JSON(value) == json.dumps(value, ensure_ascii=False)
    assert _LINE_JSON(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
