"""`ledger demo`: a deterministic synthetic year of Ho Chi Minh City cases on the default registry.

Realistic in shape, not in detail: procedures in rough proportions, leads mostly assigned the
same day, 0–5 consultations per case answered mostly on time with a long tail, some never
answered, evasive, misrouted or passed on; supplement pauses, apologies, reassignments and work
programmes; dates crossing Tết and the other holidays. Most history is imported; a few recent
events come through the "web", some backdated, so every rule of the rulebook fires somewhere.
The same seed on the same day gives the same ledger.

`history_lines(cases, seed, now)` gives the lines `generate` imports after the default registry
without any ledger (what a benchmark imports). The package's modules: `world` (the registry, the
year, a case's plan), `cases` (one case planned), `history` (the year's lines), `fill`
(`generate`), `logins` (`make_logins`).
"""

from .fill import PHASES, generate, progress_length
from .history import history_lines
from .logins import DEMO_LOGINS, make_logins
from .world import (
    CONSULTATION_COUNTS,
    CONSULTATION_WEIGHTS,
    DEFAULT_REGISTRY,
    INSPECTOR,
    PROCEDURES,
    Plan,
    Registry,
    Year,
    default_calendar,
)

# The generator's own pieces, importable from here as from the single module this package was
# (bench/workload.py rebuilds the history from them):
from .cases import _answer as _answer
from .cases import _case_events as _case_events
from .fill import _findings as _findings
from .fill import _Phase as _Phase
from .fill import _web_events as _web_events
from .history import _programmes as _programmes

__all__ = [
    "CONSULTATION_COUNTS",
    "CONSULTATION_WEIGHTS",
    "DEFAULT_REGISTRY",
    "DEMO_LOGINS",
    "INSPECTOR",
    "PHASES",
    "PROCEDURES",
    "Plan",
    "Registry",
    "Year",
    "default_calendar",
    "generate",
    "history_lines",
    "make_logins",
    "progress_length",
]
