"""The dashboard's charts: matplotlib figures drawn on the server and served as SVG images.

No pyplot and no backend switch: each chart is its own `matplotlib.figure.Figure`, saved through
matplotlib's SVG canvas, so no global figure state is shared between requests; drawing is still
serialised by a lock, because matplotlib's font and text caches are not thread-safe. No text is read
as mathtext (`text.parse_math` is off while a chart is drawn): a `$` in a name is a dollar sign.
Text is drawn as paths with the DejaVu Sans that matplotlib ships (Vietnamese included), so an
image looks the same on every machine and refers to nothing outside itself: the DOCTYPE's DTD
address is dropped and `xlink:href` is written as SVG 2's plain `href`, which leaves the SVG
namespace as the only address in the file. Titles and labels are in the request's language.
"""

from __future__ import annotations

import io
import re
import textwrap
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ledger import Count, Dashboard

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Every chart of the dashboard, by the name in its URL, with its title.
CHARTS: dict[str, Any] = {
    "by_rule": _l("Violations by rule"),
    "by_agency": _l("Violations by responsible agency"),
    "on_time": _l("Cases handled on time, by lead agency (Decision 766)"),
    "trend": _l("Violations over time, by due date (else the date of the act)"),
    "officials": _l("Most delayed officials, in working days of delay"),
}

CLOSED, OPEN, ON_TIME = "#12355b", "#b00020", "#1b6e20"
WIDTH = 7.2  # inches; the page scales the image to its column
_DRAWING = threading.Lock()


def render_chart(name: str, figures: Dashboard) -> bytes:
    """The chart `name` (a key of CHARTS) for these figures, as SVG bytes, in the request's language."""
    from matplotlib import rc_context

    draw = _DRAW[name]
    # Drawn and saved with mathtext off: an official's name such as "Trần $x$ Bình" is text, never
    # TeX (a malformed one would fail the request). A Text takes the setting when it is made, and
    # matplotlib makes tick labels up to the moment it saves, so the whole of both is inside.
    with _DRAWING, rc_context({"text.parse_math": False}):
        figure = draw(figures)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    return self_contained(buffer.getvalue())


def self_contained(svg: bytes) -> bytes:
    """The SVG without its DOCTYPE (a DTD address) and with `href` for `xlink:href`."""
    text = svg.decode("utf-8")
    text = re.sub(r"<!DOCTYPE[^>]*>\s*", "", text, count=1)
    text = text.replace(' xmlns:xlink="http://www.w3.org/1999/xlink"', "").replace("xlink:href=", "href=")
    return text.encode("utf-8")


# --- the charts -------------------------------------------------------------------------------------


def _figure(rows: int) -> tuple[Figure, Axes]:
    """A figure whose height grows with its bars, so that a bar is as thick with 1 as with 20."""
    from matplotlib.figure import Figure

    height = max(2.0, 1.5 + 0.28 * rows)
    figure = Figure(figsize=(WIDTH, height), layout="constrained")
    return figure, figure.add_subplot()


def _title(ax: Axes, title: str) -> None:
    ax.set_title(textwrap.fill(title, 80), loc="left", fontsize=10)


def _legend(figure: Figure) -> None:
    """Below the axes, where no bar can be under it."""
    figure.legend(loc="outside lower right", ncols=2, fontsize=8, frameon=False)


def _empty(ax: Axes, title: str) -> None:
    _title(ax, title)
    ax.text(0.5, 0.5, _("Nothing for these filters."), ha="center", va="center", transform=ax.transAxes,
            color="#5b6470")
    ax.set_axis_off()


def _stacked_bars(counts: Sequence[Count], labels: Sequence[str], title: str, *, vertical: bool = False) -> Figure:
    """Closed and open violations, one bar per key, stacked."""
    figure, ax = _figure(1 if vertical else len(counts))
    if vertical:
        figure.set_size_inches(WIDTH, 3.4)
    if not counts or not any(c.count for c in counts):
        _empty(ax, title)
        return figure
    closed = [c.count - c.open for c in counts]
    opened = [c.open for c in counts]
    positions = list(range(len(counts)))
    if vertical:
        ax.bar(positions, closed, color=CLOSED, label=_("closed"))
        ax.bar(positions, opened, bottom=closed, color=OPEN, label=_("open"))
        ax.set_xticks(positions, labels, rotation=45 if len(labels) > 6 else 0, ha="right" if len(labels) > 6 else "center",
                      fontsize=8)
        ax.set_ylabel(_("Violations"))
    else:
        ax.barh(positions, closed, height=0.7, color=CLOSED, label=_("closed"))
        ax.barh(positions, opened, height=0.7, left=closed, color=OPEN, label=_("open"))
        ax.set_ylim(len(counts) - 0.5, -0.5)  # the largest first, at the top
        ax.set_yticks(positions, [_label(label) for label in labels], fontsize=8)
        ax.set_xlabel(_("Violations"))
        for y, c in zip(positions, counts, strict=True):
            ax.text(c.count, y, f" {c.count}", va="center", fontsize=7)
    _title(ax, title)
    _legend(figure)
    ax.spines[["top", "right"]].set_visible(False)
    return figure


#: At most this many bars in one chart: the table beside it lists every row, and hundreds of bars
#: make an image no one reads (and hold the drawing lock for seconds).
MAX_BARS = 40
#: Longer labels are cut with "…" (the table beside the chart has them whole).
LABEL_CHARS = 48


def _label(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _capped(title: str, total: int) -> str:
    if total <= MAX_BARS:
        return title
    return title + " — " + _("the first %(n)s of %(total)s; every row is in the table", n=MAX_BARS, total=total)


def _by_rule(figures: Dashboard) -> Figure:
    return _stacked_bars(figures.by_rule, [c.key for c in figures.by_rule], str(CHARTS["by_rule"]))


def _by_agency(figures: Dashboard) -> Figure:
    counts = figures.by_agency[:MAX_BARS]
    return _stacked_bars(counts, [c.key for c in counts], _capped(str(CHARTS["by_agency"]), len(figures.by_agency)))


def _trend(figures: Dashboard) -> Figure:
    return _stacked_bars(figures.trend, [c.key for c in figures.trend], str(CHARTS["trend"]), vertical=True)


def _on_time(figures: Dashboard) -> Figure:
    every = [a for a in figures.on_time if a.on_time_rate is not None]
    rated, title = every[:MAX_BARS], _capped(str(CHARTS["on_time"]), len(every))
    figure, ax = _figure(len(rated))
    if not rated:
        _empty(ax, title)
        return figure
    positions = list(range(len(rated)))
    rates = [100 * (a.on_time_rate or 0.0) for a in rated]
    ax.barh(positions, rates, height=0.7, color=ON_TIME)
    ax.set_yticks(positions, [_label(a.agency) for a in rated], fontsize=8)
    ax.set_ylim(len(rated) - 0.5, -0.5)  # the lowest rate first, at the top
    ax.set_xlim(0, 100)
    ax.set_xlabel(_("Cases on time (%)"))
    for y, a, rate in zip(positions, rated, rates, strict=True):
        ax.text(rate, y, f" {rate:.0f}% ({a.cases_on_time}/{a.cases})", va="center", fontsize=7)
    _title(ax, title)
    ax.spines[["top", "right"]].set_visible(False)
    return figure


def _officials(figures: Dashboard) -> Figure:
    title = str(CHARTS["officials"])
    figure, ax = _figure(len(figures.officials))
    if not figures.officials:
        _empty(ax, title)
        return figure
    positions = list(range(len(figures.officials)))
    ax.barh(positions, [o.days for o in figures.officials], height=0.7, color=OPEN)
    ax.set_yticks(positions, [_label(f"{o.name or o.official} ({o.agency})") for o in figures.officials], fontsize=8)
    ax.set_ylim(len(figures.officials) - 0.5, -0.5)  # the most days first, at the top
    ax.set_xlabel(_("Working days of delay"))
    for y, o in zip(positions, figures.officials, strict=True):
        ax.text(o.days, y, f" {o.days}", va="center", fontsize=7)
    _title(ax, title)
    ax.spines[["top", "right"]].set_visible(False)
    return figure


_DRAW: dict[str, Callable[[Dashboard], Figure]] = {
    "by_rule": _by_rule,
    "by_agency": _by_agency,
    "on_time": _on_time,
    "trend": _trend,
    "officials": _officials,
}


def chart_summary(name: str, figures: Dashboard) -> str:
    """A chart's text alternative: its title and its largest figures (the table under it has all)."""
    title = str(CHARTS[name])
    if name == "on_time":
        items = [f"{a.agency} {100 * a.on_time_rate:.0f}%" for a in figures.on_time if a.on_time_rate is not None]
    elif name == "officials":
        items = [f"{o.name or o.official} ({o.agency}) {o.days}" for o in figures.officials]
    else:
        counts = {"by_rule": figures.by_rule, "by_agency": figures.by_agency, "trend": figures.trend}[name]
        items = [f"{c.key} {c.count}" for c in counts]
    if not items:
        return f"{title}: {_('Nothing for these filters.')}"
    shown = ", ".join(items[:5]) + ("…" if len(items) > 5 else "")
    return f"{title}: {shown}"
