"""The `ledger` command (SPEC §9). Thin: parse options, call the facade (`ledger`, and nothing
beneath it), print, pick an exit code.

Exit codes: 0 success, 1 a check failed (verify, a damaged event met by any command), 2 bad
input, no ledger at that address or an `-o FILE` that cannot be written (nothing was written), 3 a
conflict with other writers that persisted through every retry (nothing was written; running the
same command again is safe).

`group` holds the group and what its commands share; `store`, `reports`, `integrity` and `people`
add their commands to it on import; commands of other packages (the web application's `serve`)
are found by entry point.
"""

from __future__ import annotations

from . import integrity, people, reports, store  # noqa: F401 (each adds its commands to `main`)
from .group import load_plugins, main

__all__ = ["main"]

load_plugins()
