"""Where the tests' pinned data files are (tests/data/README.md says what each holds)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
EVERY_TYPE_LINES = DATA / "every-type.jsonl"
