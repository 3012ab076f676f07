"""Bulk work pauses the cyclic garbage collector and always gives it back as it found it."""

from __future__ import annotations

import gc

import pytest

from ledger.bulkwork import bulk_work


def test_the_collector_is_paused_during_bulk_work_and_restored_after_it_even_on_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), bulk_work():
        assert not gc.isenabled()
        raise RuntimeError("an import refused")
    assert gc.isenabled()


def test_bulk_work_inside_bulk_work_leaves_the_collector_paused_until_the_outer_one_ends():
    with bulk_work():
        with bulk_work():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
