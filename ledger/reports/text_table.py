"""The text table of a report, for a terminal: the table's columns under their headings, at most
`TABLE_WIDTH` columns wide, and a totals line. A column too wide for the line is cut with an
ellipsis or wrapped within its width, and a long message is printed on its own indented line
under its row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .columns import Column
from .widths import _atoms, _cell, _pad, display_width, truncate, wrap

#: The text table fits a terminal this many columns wide.
TABLE_WIDTH = 100
GAP = "  "
INDENT = "  "


def _fit(columns: Sequence[Column], natural: Sequence[int], width: int) -> list[int]:
    """Column widths making a line at most `width` wide if they can: wrapped columns give way
    first, then cut ones, a column at a time, always the one with the most to spare."""
    widths = list(natural)
    floors = [
        max(column.min_width, display_width(column.heading), 1) if column.fit in ("truncate", "wrap") else w
        for column, w in zip(columns, widths, strict=True)
    ]
    overflow = sum(widths) + len(GAP) * (len(widths) - 1) - width
    for fits in ("wrap", "truncate"):
        while overflow > 0:
            spare = {i: widths[i] - floors[i] for i, column in enumerate(columns) if column.fit == fits}
            roomiest = max(spare, key=spare.__getitem__, default=None)  # the first, if several tie
            if roomiest is None or spare[roomiest] <= 0:
                break
            widths[roomiest] -= 1
            overflow -= 1
    return widths


def _group_line(columns: Sequence[Column], widths: Sequence[int]) -> str:
    """The spanning headings: each group's name centred over its columns."""
    parts: list[str] = []
    index = 0
    while index < len(columns):
        group = columns[index].group
        end = index + 1
        while group is not None and end < len(columns) and columns[end].group == group:
            end += 1
        span = sum(widths[index:end]) + len(GAP) * (end - index - 1)
        if group is None:
            parts.append(" " * span)
        else:
            name = truncate(group, span)
            dashes = span - display_width(name) - 2
            parts.append(f"{'-' * (dashes // 2)} {name} {'-' * (dashes - dashes // 2)}" if dashes > 0 else
                         _pad(name, span))
        index = end
    return GAP.join(parts).rstrip()


def table(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[Column],
    footer: Sequence[str] = (),
    *,
    width: int = TABLE_WIDTH,
) -> str:
    inline = [c for c in columns if c.fit != "below"]
    below = [c for c in columns if c.fit == "below"]
    values = [[c.get(row) for c in inline] for row in rows]
    body = [[_cell(value) for value in row] for row in values]
    totals = _totals(rows, inline)
    header = [c.heading for c in inline]
    natural = [max(display_width(cell) for cell in col) for col in zip(header, *body, totals, strict=True)]
    widths = _fit(inline, natural, width)

    rule = GAP.join("-" * w for w in widths)
    lines = []
    if any(c.group for c in inline):
        lines.append(_group_line(inline, widths))
    lines.extend([_line(header, widths, inline), rule])
    for row, raw, cells in zip(rows, values, body, strict=True):
        lines.extend(_row_lines(raw, cells, widths, inline))
        lines.extend(_detail_lines(row, below, width))
    lines.extend([rule, _line(totals, widths, inline), f"{len(rows)} row(s)"])
    lines.extend(footer)
    return "\n".join(lines)


def _totals(rows: Sequence[dict[str, Any]], inline: Sequence[Column]) -> list[str]:
    """The totals line's cells: "total" first, then the sum of each column summed."""
    totals = ["total" if i == 0 else "" for i in range(len(inline))]
    for i, column in enumerate(inline):
        if column.total:
            totals[i] = str(sum(column.get(row) or 0 for row in rows))
    return totals


def _line(cells: Sequence[str], widths: Sequence[int], inline: Sequence[Column]) -> str:
    parts = [
        _pad(cell, w, right=column.numeric)
        for cell, w, column in zip(cells, widths, inline, strict=True)
    ]
    return GAP.join(parts).rstrip()


def _row_lines(raw: Sequence[Any], cells: Sequence[str], widths: Sequence[int], inline: Sequence[Column]) -> list[str]:
    """One row: a cell too wide is wrapped onto more lines (a "wrap" column) or cut."""
    stacked: list[list[str]] = []
    for value, cell, w, column in zip(raw, cells, widths, inline, strict=True):
        if column.fit == "wrap" and display_width(cell) > w:
            stacked.append(wrap(_atoms(value), w))
        elif display_width(cell) > w:
            stacked.append([truncate(cell, w)])
        else:
            stacked.append([cell])
    height = max(len(lines) for lines in stacked)
    return [_line([lines[k] if k < len(lines) else "" for lines in stacked], widths, inline) for k in range(height)]


def _detail_lines(row: dict[str, Any], below: Sequence[Column], width: int) -> list[str]:
    """The row's "below" columns, each on its own indented lines."""
    out: list[str] = []
    for column in below:
        value = column.get(row)
        if value is not None and _cell(value).strip():
            atoms = _atoms(value)
            prefix = [f"{column.heading}:"] if column.heading else []
            out.extend(INDENT + text for text in wrap(prefix + atoms, width - display_width(INDENT)))
    return out
