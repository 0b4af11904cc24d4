"""Build-time SVG charts: a labelled bar chart and a chronology strip, as inline SVG strings.

No script runs in the browser. Each SVG is `role="img"` with a `<title>` and `<desc>`; every
mark is labelled with real `<text>` (no legend, no meaning by colour alone); colours come from
the page's CSS classes so dark mode and forced colours apply.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import date
from html import escape

from markupsafe import Markup

BAR_WIDTH = 400
"""viewBox width of a bar chart: narrow, so text stays legible when scaled to a phone."""
ROW = 54
"""Height of one bar with its label line."""


@dataclass(frozen=True)
class Bar:
    """One bar: what it is, its value and how the value is written."""

    label: str
    """Text above the bar."""
    value: float
    """Length of the bar."""
    display: str
    """Value as shown at the bar's end, e.g. '2,280' or '90 per cent'."""


@dataclass(frozen=True)
class Mark:
    """One event on the chronology strip."""

    when: str
    """ISO date at its known precision (YYYY, YYYY-MM or YYYY-MM-DD)."""
    lane: str
    """Lane label (the event kind as text)."""
    exact: bool
    """False for approximate, inferred or month/year-only dates (drawn hollow)."""


def _svg_open(chart_id: str, width: int, height: int, title: str, desc: str,
              css: str) -> str:
    return (f'<svg class="{css}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{chart_id}-title">{escape(title)}</title>'
            f'<desc id="{chart_id}-desc">{escape(desc)}</desc>')


def _lines(text: str, width: int = 50) -> list[str]:
    """Wrap a label to lines of about `width` characters (14 px text in a 400-wide box)."""
    return textwrap.wrap(text, width) or [""]


def bar_chart(chart_id: str, title: str, desc: str, bars: list[Bar]) -> Markup:
    """A horizontal bar chart with label lines above each bar and the value at its end."""
    top = max((b.value for b in bars), default=1) or 1
    room = max((len(b.display) for b in bars), default=0) * 9.5 + 12
    plot = BAR_WIDTH - room
    body: list[str] = []
    y = 4
    for b in bars:
        for line in _lines(b.label):
            y += 18
            body.append(f'<text class="chart-label" x="0" y="{y}">{escape(line)}</text>')
        w = max(2.0, plot * b.value / top)
        body.append(f'<rect class="chart-bar" x="0" y="{y + 6}" width="{w:.1f}" height="22"/>')
        body.append(f'<text class="chart-value" x="{w + 6:.1f}" y="{y + 22}">'
                    f'{escape(b.display)}</text>')
        y += ROW - 18
    head = _svg_open(chart_id, BAR_WIDTH, y + 4, title, desc, "chart chart-bars")
    return Markup(head + "".join(body) + "</svg>")


def _fraction(when: str, start: int, end: int) -> float:
    """Position of a date between 1 January `start` and 1 January `end`, from 0 to 1."""
    parts = [int(p) for p in when.split("-")]
    year, month, day = parts[0], parts[1] if len(parts) > 1 else 7, parts[2] if len(parts) > 2 \
        else (15 if len(parts) > 1 else 1)
    d = date(year, month, day)
    first, last = date(start, 1, 1), date(end, 1, 1)
    return (d - first).days / (last - first).days


def timeline(chart_id: str, title: str, desc: str, marks: list[Mark]) -> Markup:
    """Events on a time axis, one labelled lane per kind; hollow marks for imprecise dates."""
    years = sorted({int(mk.when[:4]) for mk in marks})
    start, end = years[0], years[-1] + 1
    lanes = list(dict.fromkeys(mk.lane for mk in marks))
    left, width, lane_h = 175, 660, 30
    plot = width - left - 10
    height = lane_h * len(lanes) + 40
    parts = [_svg_open(chart_id, width, height, title, desc, "chart chart-timeline")]
    for i, lane in enumerate(lanes):
        y = i * lane_h + 20
        parts.append(f'<text class="chart-label" x="0" y="{y + 5}">{escape(lane)}</text>')
        parts.append(f'<line class="chart-gridline" x1="{left}" x2="{width - 10}" y1="{y}" '
                     f'y2="{y}"/>')
    axis_y = lane_h * len(lanes) + 8
    for year in range(start, end + 1):
        x = left + plot * (year - start) / (end - start)
        parts.append(f'<line class="chart-axis" x1="{x:.1f}" x2="{x:.1f}" y1="6" '
                     f'y2="{axis_y}"/>')
        if year < end:
            parts.append(f'<text class="chart-label" x="{x + 4:.1f}" y="{axis_y + 22}">'
                         f'{year}</text>')
    for mk in marks:
        x = left + plot * _fraction(mk.when, start, end)
        y = lanes.index(mk.lane) * lane_h + 20
        css = "chart-dot" if mk.exact else "chart-dot chart-dot-approx"
        parts.append(f'<circle class="{css}" cx="{x:.1f}" cy="{y}" r="6"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
