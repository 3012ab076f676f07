"""The fonts of our PDFs: DejaVu Sans, which covers Vietnamese, from the matplotlib package (the
repository holds no font file), and the text normalised to NFC (decomposed marks stack badly).

DejaVu Sans has no glyph for Chinese, Devanagari, most emoji or the mathematical letters; fpdf2 would
drop such a character from the page and only log a warning, so `中文-案件-1` would print as
`--1`. Every text our PDFs draw or measure goes through `drawable()` instead (the documents mix in
`FontGlyphs`, which fpdf2 calls for every cell, paragraph, line of text and width it measures):
each character the font of that style has no glyph for becomes U+FFFD "�", which all three files
have, and the PDF says so (`MISSING_GLYPHS_NOTE`). Each style is checked against its own file's
character map: the bold and oblique files lack glyphs the regular one has, so a union would let
characters through that the bold or oblique text then drops."""

from __future__ import annotations

import re
import threading
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

__all__ = ["FONT_FAMILY", "MISSING_GLYPHS_NOTE", "REPLACEMENT", "drawable", "font_files", "nfc"]

FONT_FAMILY = "DejaVu"
#: What a character the font has no glyph for is printed as.
REPLACEMENT = "\ufffd"
#: Said by a PDF in which at least one character was printed as REPLACEMENT.
MISSING_GLYPHS_NOTE = (f"Ký tự phông chữ không có được in là {REPLACEMENT}"
                       f" / characters the font lacks are printed as {REPLACEMENT}")


def font_files() -> dict[str, Path]:
    """fpdf2 style ("" regular, "B" bold, "I" oblique) → the installed DejaVu Sans file."""
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    files = {"": folder / "DejaVuSans.ttf", "B": folder / "DejaVuSans-Bold.ttf", "I": folder / "DejaVuSans-Oblique.ttf"}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"the DejaVu fonts that matplotlib ships are missing: {', '.join(missing)}")
    return files


def nfc(text: object) -> str:
    """Text normalised to NFC, so each Vietnamese letter is one precomposed glyph. What is drawn
    goes through `drawable()`, which does this too; plain `nfc()` is for what no font draws (the
    PDF's title and subject in its metadata keep every character)."""
    return unicodedata.normalize("NFC", "" if text is None else str(text))


# --- the glyphs each file has -------------------------------------------------------------------

_LOCK = threading.Lock()
#: style → a pattern matching one character that style's file has no glyph for (newlines excepted).
_UNCOVERED: dict[str, re.Pattern[str]] = {}


def _ranges(codepoints: list[int]) -> str:
    """Sorted code points as the ranges of a regular expression's character class."""
    parts, start = [], None
    for index, point in enumerate(codepoints):
        if start is None:
            start = point
        if index + 1 == len(codepoints) or codepoints[index + 1] != point + 1:
            parts.append(f"\\U{start:08x}" if start == point else f"\\U{start:08x}-\\U{point:08x}")
            start = None
    return "".join(parts)


def _uncovered(style: str) -> re.Pattern[str]:
    """The characters the file of `style` cannot draw, read from its character map once per
    process (fontTools, which fpdf2 uses to read the same map); a style we have no file for (say
    "BI") is checked against the regular one."""
    style = "".join(letter for letter in "BI" if letter in style)
    pattern = _UNCOVERED.get(style)
    if pattern is not None:
        return pattern
    with _LOCK:
        pattern = _UNCOVERED.get(style)
        if pattern is None:
            from fontTools.ttLib import TTFont

            files = font_files()
            with TTFont(files.get(style, files[""]), lazy=True) as font:
                covered = sorted(set(font.getBestCmap() or {}) | {ord("\n")})
            pattern = _UNCOVERED[style] = re.compile(f"[^{_ranges(covered)}]")
    return pattern


def _replace(text: str, style: str) -> tuple[str, int]:
    """`text` with each character the font lacks as REPLACEMENT, and how many were replaced. A
    space the font lacks (a tab, an ideographic space) becomes a plain space and is not counted:
    it is still a space; newlines are left as they are."""
    pattern = _uncovered(style)
    if pattern.search(text) is None:
        return text, 0
    replaced = 0

    def substitute(match: re.Match[str]) -> str:
        nonlocal replaced
        if match.group().isspace():
            return " "
        replaced += 1
        return REPLACEMENT

    return pattern.sub(substitute, text), replaced


def drawable(text: object, style: str = "") -> str:
    """Text as a PDF draws it in `style` ("" regular, "B" bold, "I" oblique): NFC, and each
    character that style's DejaVu Sans file has no glyph for printed as "�"."""
    return _replace(nfc(text), style)[0]


if TYPE_CHECKING:
    from fpdf import FPDF as _PDF
else:
    _PDF = object  # fpdf2 is imported only when a PDF is made


class FontGlyphs(_PDF):
    """Mixed into an fpdf2 document before `FPDF` (`class Document(FontGlyphs, FPDF)`): fpdf2
    passes every text it draws or measures through `normalize_text`, which here makes it
    `drawable()` in the current style. The page-count alias is left as it is, for fpdf2 to fill
    in. `glyphs_replaced` says whether any character was printed as "�"; a document drawn only
    to learn that is `discard()`ed."""

    glyphs_replaced = False

    def normalize_text(self, text: str) -> str:
        if self.is_ttf_font and self.font_family == FONT_FAMILY.lower():
            alias = self.str_alias_nb_pages
            pieces = []
            for piece in text.split(alias) if alias else [text]:
                drawn, replaced = _replace(nfc(piece), self.font_style)
                pieces.append(drawn)
                self.glyphs_replaced = self.glyphs_replaced or replaced > 0
            text = (alias or "").join(pieces)
        return super().normalize_text(text)

    def discard(self) -> None:
        """Close the font files of a document that will not be written (fpdf2 closes them when it
        writes one)."""
        for font in self.fonts.values():
            close = getattr(font, "close", None)
            if close is not None:
                close()
