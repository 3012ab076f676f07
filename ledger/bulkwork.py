"""Bulk work without the cyclic garbage collector.

An import or a rebuild holds a great many small, long-lived objects (parsed lines, events,
aggregates, records) and frees almost none of them until it ends; each of the collector's full
passes walks them all again, which cost a quarter of a 100,000-event import's CPU. None of them
form reference cycles that need collecting meanwhile, so the collector is paused for the work and
restored (and run once) afterwards. Reference counting still frees everything it always did.

A streamed import holds only a chunk's worth of such objects at a time (plus the aggregates'
small state); the pause is still right for it, and it calls `collect_young` after each chunk so
that any cyclic garbage is freed as it goes: a young-generation pass walks only the objects made
since the last one (a chunk's survivors), never the whole heap, so memory stays bounded at a cost
linear in the import's size.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def bulk_work() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def collect_young() -> None:
    """Collect the cyclic garbage among the objects made since the last call (generations 0 and 1);
    the survivors move to the oldest generation, which this never walks."""
    gc.collect(1)
