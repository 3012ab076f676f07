"""`verify` holds the recomputed leaves compactly and reads the sealed leaves and the read models'
facts a page at a time (`ledger.verification`). With pages of three, every damage is still found
at its first position, wherever it falls against a page's edge; on both stores."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from ledger import Ledger
from ledger import verification
from tests.builders import lines, opened
from tests.conftest import FakeClock
from tests.integration.test_hostile_leaves_rows import WORKED, leaf_sql
from tests.integration.test_integrity import drop_checkpoint_triggers, raw_sql


def worked_in_pages(store_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, *,
                    page: int) -> Iterator[Ledger]:
    """The worked example in a new store, verify reading it `page` rows at a time."""
    monkeypatch.setattr(verification, "SEALED_PAGE", page)
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED).refused == []
        yield ledger


@pytest.fixture
def paged(store_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ledger]:
    yield from worked_in_pages(store_url, clock, monkeypatch, page=3)


def test_an_intact_ledger_verifies_page_by_page(paged: Ledger) -> None:
    result = paged.verify(full=True)
    assert result.ok and result.events == len(WORKED) and result.tracked == len(WORKED)


@pytest.mark.parametrize("position", [3, 4, 9, len(WORKED)])
def test_a_deleted_event_is_found_where_it_was(paged: Ledger, position: int) -> None:
    with raw_sql(paged) as sql:
        sql("DELETE FROM {table} WHERE {position} = %s", position)
    result = paged.verify()
    assert not result.ok
    named = [(problem.position, problem.what) for problem in result.problems]
    if position < len(WORKED):
        assert result.first.position == position and "changed here" in result.first.what
    else:  # the checkpoints' and the head's problems name the new last event, 17, first
        assert (position, "the event sealed here is missing from the log (deleted?)") in named


@pytest.mark.parametrize("position", [1, 6, 7, len(WORKED)])
def test_a_deleted_leaf_row_is_found_at_its_position(paged: Ledger, position: int) -> None:
    with leaf_sql(paged) as (sql, table):
        sql(f"DELETE FROM {table} WHERE position = %s", position)
    result = paged.verify()
    assert not result.ok and result.first.position == position


def test_a_leaf_row_past_the_last_event_is_found(paged: Ledger) -> None:
    last = len(WORKED)
    with leaf_sql(paged) as (sql, table):
        sql(f"INSERT INTO {table} (position, leaf_index, leaf_hash) VALUES (%s, %s, %s)", last + 5, last, "00" * 32)
    result = paged.verify()
    assert not result.ok and result.first.position == last + 5
    assert "missing from the log" in result.first.what


@pytest.mark.parametrize("position", [1, 3, 4, len(WORKED)])
def test_a_deleted_fact_is_found_at_its_position(paged: Ledger, position: int) -> None:
    with paged.engine.begin() as connection:
        connection.execute(text("DELETE FROM facts WHERE position = :p"), {"p": position})
    result = paged.verify()
    assert not result.ok and result.first.position == position


def test_tracking_moved_back_leaves_facts_past_it_that_are_found(paged: Ledger) -> None:
    with paged.engine.begin() as connection:
        connection.execute(text("UPDATE ledger_views_tracking SET notification_id = 7"))
    result = paged.verify()
    assert not result.ok and result.first.position == 8


def test_a_leaf_of_the_wrong_size_is_refused() -> None:
    leaves = verification.Leaves()
    leaves.append(1, b"\x01" * 32)
    with pytest.raises(ValueError, match="32 bytes"):
        leaves.append(2, b"\x01" * 31)
    assert list(leaves) == [(1, b"\x01" * 32)] and len(leaves) == 1


@pytest.mark.parametrize("position", [2, 3, 4])
def test_two_leaf_rows_whose_digits_run_together_into_the_right_ones_are_found(paged: Ledger, position: int) -> None:
    # A page is first compared whole, its hashes' digits joined: two rows altered so that the joined
    # digits stay the same (one two digits short, the next two long) must still be found, on a
    # page's edge (3 and 4, pages of three) or inside one.
    with leaf_sql(paged) as (sql, table):
        first, second = (paged.log.recorder.stored_leaves_at([p])[0][2] for p in (position, position + 1))
        sql(f"UPDATE {table} SET leaf_hash = %s WHERE position = %s", first[:-2], position)
        sql(f"UPDATE {table} SET leaf_hash = %s WHERE position = %s", first[-2:] + second, position + 1)
    result = paged.verify()
    assert not result.ok and result.first.position == position and "differ from those sealed" in result.first.what


def test_checkpoints_at_many_sizes_are_each_checked_and_a_wrong_one_named(paged: Ledger) -> None:
    # One checkpoint per append: every size is checked against the leaves up to it.
    for n in range(3):
        assert paged.import_lines(lines(opened(case=f"HCM-2024-{n:04d}", at="2024-09-02T09:00:00+07:00"))).refused == []
    result = paged.verify()
    assert result.ok and result.signed == result.events == len(WORKED) + 3 and result.checkpoints == 4
    with paged.engine.begin() as connection:  # the last checkpoint but one now names another root
        drop_checkpoint_triggers(connection, paged)
        connection.execute(text("UPDATE checkpoints SET root = :root WHERE size = :size"),
                           {"root": "00" * 32, "size": len(WORKED) + 2})
    result = paged.verify()
    assert not result.ok and result.signed == len(WORKED) + 3
