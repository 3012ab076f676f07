"""A table drawn straight onto fpdf2 pages: wrapped cells, numbers to the right, its heading
repeated at the top of every page it runs onto.

Why not fpdf2's own `table()`: it lays every cell out through `multi_cell`, whose line breaker
measures each fragment again for every character; on the demo year's 2,374 violations that took
12 s, this grid 0.7 s. Here each word is measured once (`Typesetter` keeps the widths), cells are
wrapped at spaces, a word wider than its column is cut where it must be, and each line is drawn
with `text()`. A row taller than a page is continued on the next one. Every text, headings and
totals too, is put in NFC here; the document (`fonts.FontGlyphs`) prints what its font lacks as
"�" when it is measured and drawn."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from fpdf import FPDF

from .fonts import nfc

#: Points per millimetre (fpdf2's unit here is the millimetre, font sizes are in points).
PT = 72 / 25.4
HEADING_FILL = (217, 225, 242)
BORDER_GREY = 140


_BREAKS = re.compile(r"[^\s_-]*[_-]+|[^\s_-]+")


def _segments(text: str) -> list[str]:
    """`text` cut after each "_" or "-" ("days_late" → "days_", "late"), spaces dropped."""
    return _BREAKS.findall(text)


@dataclass(frozen=True)
class GridColumn:
    heading: tuple[str, ...]  # lines of the heading (none: a grid without heading)
    width: float  # millimetres
    numeric: bool = False  # right-aligned


class Typesetter:
    """Measures and wraps text in one font family and size, each piece of text measured once
    (the widths are kept, per style)."""

    def __init__(self, pdf: FPDF, family: str, size: float) -> None:
        self.pdf = pdf
        self.family = family
        self.size = size
        self._measured: dict[tuple[str, str], float] = {}

    def measure(self, text: str, style: str = "") -> float:
        """The width of `text` in millimetres."""
        key = (style, text)
        width = self._measured.get(key)
        if width is None:
            self.pdf.set_font(self.family, style, self.size)
            width = self._measured[key] = self.pdf.get_string_width(text)
        return width

    def natural_width(self, text: str, style: str = "") -> tuple[float, float]:
        """(the text on one line, its widest word) in millimetres."""
        words = text.split() or [""]
        line = sum(self.measure(word, style) for word in words) + self.measure(" ", style) * (len(words) - 1)
        return line, max(self.measure(word, style) for word in words)

    def narrowest(self, text: str, style: str = "") -> float:
        """The widest piece of `text` a column must hold: words break after "_" or "-" if they must."""
        return max((self.measure(segment, style) for segment in _segments(text)), default=0.0)

    def _pieces(self, word: str, width: float, style: str) -> list[str]:
        """A word cut into parts no wider than `width`: after a "_" or "-" where it can, between
        any two letters where it must (a code longer than its column)."""
        if self.measure(word, style) <= width:
            return [word]
        parts, current = [], ""
        for segment in _segments(word):
            if current and self.measure(current + segment, style) > width:
                parts.append(current)
                current = ""
            if self.measure(segment, style) <= width:
                current += segment
                continue
            for char in segment:
                if current and self.measure(current + char, style) > width:
                    parts.append(current)
                    current = ""
                current += char
        return [*parts, current]

    def wrap(self, text: str, width: float, style: str = "") -> list[str]:
        """`text`'s lines in `width` millimetres, its own line breaks kept."""
        width += 1e-6  # a column made exactly as wide as a word holds it, whatever the rounding
        space = self.measure(" ", style)
        lines: list[str] = []
        for paragraph in text.split("\n"):
            current, used = "", 0.0
            for word in paragraph.split():
                for piece in self._pieces(word, width, style):
                    wide = self.measure(piece, style)
                    if current and used + space + wide <= width:
                        current, used = f"{current} {piece}", used + space + wide
                    else:
                        if current:
                            lines.append(current)
                        current, used = piece, wide
            lines.append(current)
        return lines


class Grid:
    """Rows of text in fixed columns, set by a `Typesetter`."""

    def __init__(self, typesetter: Typesetter, columns: Sequence[GridColumn], *, padding: float = 1.0) -> None:
        self.pdf = typesetter.pdf
        self.type = typesetter
        self.columns = list(columns)
        self.padding = padding
        self.line_height = typesetter.size / PT * 1.3
        self._has_heading = any(column.heading for column in self.columns)
        self._heading_height = 0.0  # known once the heading is drawn

    # --- drawing ------------------------------------------------------------------------------

    def _bottom(self) -> float:
        return self.pdf.h - self.pdf.b_margin

    def _room(self) -> int:
        """How many lines of a row fit between here and the bottom of the page."""
        return max(0, int((self._bottom() - self.pdf.get_y() - 2 * self.padding) // self.line_height))

    def _new_page(self) -> None:
        self.pdf.add_page()
        if self._has_heading:
            self.heading()

    def heading(self) -> None:
        """The heading row (bold, shaded); drawn again on each page the grid continues on, and
        never left alone at the foot of a page."""
        wrapped = self._wrapped(["\n".join(column.heading) for column in self.columns], "B")
        height = max(len(lines) for lines in wrapped)
        if self._room() < height + 1:
            self.pdf.add_page()
        top = self.pdf.get_y()
        self._draw_slice(wrapped, height, "B", HEADING_FILL)
        self._heading_height = self.pdf.get_y() - top

    def row(self, cells: Sequence[str], *, bold: bool = False) -> None:
        style = "B" if bold else ""
        wrapped = self._wrapped(cells, style)
        height = max(len(lines) for lines in wrapped)
        # The lines of a page that starts with the repeated heading.
        fresh = int((self._bottom() - self.pdf.t_margin - self._heading_height - 2 * self.padding)
                    // self.line_height)
        start = 0
        while start < height:
            remaining, room = height - start, self._room()
            # A row that fits on a fresh page is not split; a taller one fills each page it needs.
            if room == 0 or remaining > room and remaining <= fresh:
                self._new_page()
                room = self._room()
            take = max(1, min(room, remaining))
            self._draw_slice([lines[start:start + take] for lines in wrapped], take, style, None)
            start += take

    def _wrapped(self, cells: Sequence[str], style: str) -> list[list[str]]:
        """Each cell's lines, in NFC (so a word is cut between whole letters); the document turns
        what the font cannot draw into "�" as each piece is measured and drawn (fonts.py)."""
        return [self.type.wrap(nfc(text), column.width - 2 * self.padding, style)
                for text, column in zip(cells, self.columns, strict=True)]

    def _draw_slice(self, lines: list[list[str]], count: int, style: str,
                    fill: tuple[int, int, int] | None) -> None:
        pdf = self.pdf
        top = pdf.get_y()
        height = count * self.line_height + 2 * self.padding
        size_mm = self.type.size / PT
        baseline = top + self.padding + (self.line_height - size_mm) / 2 + size_mm * 0.8
        pdf.set_font(self.type.family, style, self.type.size)
        pdf.set_draw_color(BORDER_GREY)
        if fill:
            pdf.set_fill_color(*fill)
        x = pdf.l_margin
        for column, cell in zip(self.columns, lines, strict=True):
            pdf.rect(x, top, column.width, height, style="DF" if fill else "D")
            for index, text in enumerate(cell):
                if not text:
                    continue
                left = x + self.padding
                if column.numeric:
                    left = x + column.width - self.padding - self.type.measure(text, style)
                pdf.text(left, baseline + index * self.line_height, text)
            x += column.width
        pdf.set_y(top + height)


def fit_widths(natural: Sequence[float], relaxed: Sequence[float], narrowest: Sequence[float],
               available: float) -> list[float]:
    """Column widths filling `available` millimetres. Each column is as wide as its `natural`
    width (every cell and heading word on one line) if the page allows; if not, headings wrap
    first, as far as `relaxed` (a field name broken after its "_"), only as much as needed; then
    the widest columns give way, down to their `narrowest` (their longest word), and only then
    does every column shrink alike, its words cut. Room left over is shared in proportion."""
    if sum(natural) <= available:
        widths = list(natural)
    elif sum(relaxed) <= available:
        share = (available - sum(relaxed)) / (sum(natural) - sum(relaxed))
        return [r + (n - r) * share for n, r in zip(natural, relaxed, strict=True)]
    else:
        floors = [min(r, f) for r, f in zip(relaxed, narrowest, strict=True)]
        if sum(floors) >= available:
            return [f * available / sum(floors) for f in floors]
        low, high = 0.0, max(relaxed)
        for _ in range(50):  # the widest a column may stay, found by halving
            cap = (low + high) / 2
            if sum(max(f, min(r, cap)) for r, f in zip(relaxed, floors, strict=True)) > available:
                high = cap
            else:
                low = cap
        widths = [max(f, min(r, low)) for r, f in zip(relaxed, floors, strict=True)]
    spare = available - sum(widths)
    return [w + spare * w / sum(widths) for w in widths]
