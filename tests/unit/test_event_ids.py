"""The ledger event id is RFC 4122's name-based (SHA-1) UUID of the version under the aggregate's
id, exactly as `uuid.uuid5` makes it: exports, proofs and restores name events by it."""

from __future__ import annotations

from uuid import UUID, uuid5

from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.events import ledger_event_id


@given(st.uuids(), st.integers(min_value=1, max_value=10**12))
def test_the_event_id_is_uuid5_of_the_version_under_the_aggregate(aggregate: UUID, version: int) -> None:
    assert ledger_event_id(aggregate, version) == str(uuid5(aggregate, str(version)))


def test_a_known_event_id_is_unchanged() -> None:
    aggregate = UUID("12345678-1234-5678-1234-567812345678")
    assert ledger_event_id(aggregate, 1) == str(uuid5(aggregate, "1"))
    assert UUID(ledger_event_id(aggregate, 1)).version == 5
