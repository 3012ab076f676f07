"""Oversight bodies' dashboard figures (issue 9): being written."""

from __future__ import annotations

__all__: list[str] = []
