"""The rulebook and the pure rules that apply it (SPEC §6): facts in, violations out. No I/O."""

from .engine import judge, judge_case, visible
from .rulebook import RULEBOOK, RULES, Rule, rulebook_version
from .violation import VIOLATION_KEYS, Judgement, Violation

__all__ = [
    "RULEBOOK",
    "RULES",
    "VIOLATION_KEYS",
    "Judgement",
    "Rule",
    "Violation",
    "judge",
    "judge_case",
    "rulebook_version",
    "visible",
]
