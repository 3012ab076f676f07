"""Display widths of terminal text, and fitting text into them: a width counts columns, not
characters (text is NFC-normalised, combining marks take no column and wide East Asian characters
two), so Vietnamese stays aligned. Also how a value is shown as one line of table text."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

ELLIPSIS = "…"


@lru_cache(maxsize=8192)
def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns `text` takes on a terminal: combining marks none, wide (CJK) characters two."""
    return sum(_char_width(char) for char in text)


def _pad(text: str, width: int, *, right: bool = False) -> str:
    space = " " * max(0, width - display_width(text))
    return space + text if right else text + space


def _cut(text: str, width: int) -> tuple[str, str]:
    """The longest head of `text` at most `width` columns wide (keeping combining marks on their
    letter), and the rest."""
    used = 0
    for index, char in enumerate(text):
        used += _char_width(char)
        if used > width:
            return text[:index], text[index:]
    return text, ""


def truncate(text: str, width: int) -> str:
    """`text` cut to `width` columns, ending in an ellipsis when something was cut."""
    if display_width(text) <= width:
        return text
    head, _ = _cut(text, max(0, width - display_width(ELLIPSIS)))
    return head.rstrip() + ELLIPSIS


def _pieces(atom: str, width: int) -> list[str]:
    """An unbreakable piece of text split, if it must be, into parts at most `width` wide."""
    if display_width(atom) <= width:
        return [atom]
    if " " in atom:
        return [piece for word in atom.split() for piece in _pieces(word, width)]
    parts = []
    while atom:
        head, atom = _cut(atom, max(1, width))
        if not head:  # a single character wider than the column
            head, atom = atom[:1], atom[1:]
        parts.append(head)
    return parts


def wrap(atoms: Sequence[str], width: int) -> list[str]:
    """Lines at most `width` columns wide, filled greedily with `atoms` joined by spaces."""
    lines: list[str] = []
    current = ""
    for atom in atoms:
        for piece in _pieces(atom, width):
            candidate = f"{current} {piece}" if current else piece
            if display_width(candidate) <= width:
                current = candidate
            else:
                lines.append(current)
                current = piece
    lines.append(current)
    return lines


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return unicodedata.normalize("NFC", str(value))


def _cell(value: Any) -> str:
    """A value as one line of table text: NFC, with line breaks and other controls as spaces."""
    text = unicodedata.normalize("NFC", _text(value))
    if text.isprintable():
        return text
    return "".join(" " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char for char in text)


def _atoms(value: Any) -> list[str]:
    """Where a value may be broken across lines: after each item of a list or mapping (so that
    "CASE_OVERDUE 4" stays together), otherwise between words."""
    text = _cell(value)
    if isinstance(value, dict | list | tuple):
        items = text.split(", ")
        return [f"{item}," for item in items[:-1]] + items[-1:]
    return text.split()
