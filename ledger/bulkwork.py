"""Bulk work without the cyclic garbage collector.

An import or a rebuild holds a great many small, long-lived objects (parsed lines, events,
aggregates, records) and frees almost none of them until it ends; each of the collector's full
passes walks them all again, which cost a quarter of a 100,000-event import's CPU. None of them
form reference cycles that need collecting meanwhile, so the collector is paused for the work and
restored (and run once) afterwards. Reference counting still frees everything it always did.
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
