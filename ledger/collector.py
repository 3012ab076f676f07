"""The garbage collector held back while the facade is imported.

Importing `ledger` makes some 80,000 objects that live as long as the process (SQLAlchemy's,
the schema's, the rulebook's). Collecting while they are made finds no garbage, and each full
collection walks all of them again: a tenth of a command's start-up (bench/: `history`).

`pause` first collects what the importing process has made so far (little, in a command: the
interpreter's own start-up), then switches the collector off. Once the facade's imports are
done, or have failed, `resume` moves every object made since to the permanent generation
(`gc.freeze`: no later collection walks it again; what the imports themselves left as garbage,
a few cycles, is never freed) and switches the collector back on if it was on.
"""

import gc


def pause() -> bool:
    """Collect, then switch the collector off; whether it was on."""
    was_enabled = gc.isenabled()
    gc.collect()  # the importer's own garbage is freed, not frozen with the facade's objects
    gc.disable()
    return was_enabled


def resume(was_enabled: bool) -> None:
    """Freeze what the imports made and switch the collector back on if `pause` found it on."""
    gc.freeze()
    if was_enabled:
        gc.enable()
