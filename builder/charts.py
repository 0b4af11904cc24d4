"""Build-time SVG charts: a labelled bar chart and a chronology strip, as inline SVG (the
strip in parts, a row each).

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
    """One event on the chronology chart: a row of its own, linked to the event."""

    anchor: str
    """The event's id: the row links to '#id' on the page."""
    label: str
    """The row's text: the event's kind and title."""
    when: str
    """ISO date at its known precision (YYYY, YYYY-MM or YYYY-MM-DD)."""
    shown: str
    """The date as the page writes it ('around December 2016 (date inferred)')."""
    exact: bool
    """True for a day the article states; otherwise the mark is hollow."""


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


def _span(when: str) -> tuple[date, date]:
    """The first day of a date at its precision and the first day after it: a year-only date
    spans its year, a month its month, a day one day."""
    parts = [int(p) for p in when.split("-")]
    if len(parts) == 1:
        return date(parts[0], 1, 1), date(parts[0] + 1, 1, 1)
    if len(parts) == 2:
        first = date(parts[0], parts[1], 1)
        return first, _next_month(first)
    first = date(*parts)
    return first, date.fromordinal(first.toordinal() + 1)


def _next_month(d: date) -> date:
    """The first day of the month after `d`'s."""
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

TIMELINE_WIDTH = 400
"""viewBox width of the chronology chart: narrow like the bar charts, so its text stays
legible on a phone."""


def timeline(chart_id: str, title: str, desc: str, marks: list[Mark]) -> list[Markup]:
    """Events on a time axis, one row each: its label as text, then its date as a dot (a day)
    or a bar (a month or a year), hollow when the date is not stated exactly. Each row links
    to its event, so the chart can be read and followed by keyboard; the axis spans the
    events, from the start of the first one's month to the end of the last one's."""
    spans = [_span(mk.when) for mk in marks]
    lo = min(a for a, _ in spans).replace(day=1)
    hi = max(b for _, b in spans)
    hi = hi if hi.day == 1 else _next_month(hi)
    days = (hi - lo).days or 1
    plot = TIMELINE_WIDTH - 20

    def x(d: date) -> float:
        return 10 + plot * (d - lo).days / days

    body: list[Markup] = []  # a part a row, never joined (see the end)
    y = 30
    ticks = [date(year, 1, 1) for year in range(lo.year, hi.year + 1)
             if lo <= date(year, 1, 1) and x(date(year, 1, 1)) < TIMELINE_WIDTH - 40]
    if not ticks or x(ticks[0]) - x(lo) > 60:  # where the axis starts, if not at a new year
        body.append(Markup(f'<text class="chart-label" x="10" y="16">'
                           f'{_MONTHS[lo.month - 1]} {lo.year}</text>'))
    for jan in ticks:  # a label at each 1 January inside (the lines are drawn below)
        body.append(Markup(f'<text class="chart-label" x="{x(jan) + 3:.1f}" y="16">'
                           f'{jan.year}</text>'))
    for mk, (first, after) in zip(marks, spans, strict=True):
        lines = _lines(f"{mk.label} · {mk.shown}", 52)
        row = [f'<text class="chart-label" x="0" y="{y + 18 * i + 14}">{escape(line)}</text>'
               for i, line in enumerate(lines)]
        top = y + 18 * len(lines) + 4
        css = "chart-dot" if mk.exact else "chart-dot chart-dot-approx"
        row.append(f'<line class="chart-gridline" x1="10" x2="{10 + plot}" y1="{top + 8}" '
                   f'y2="{top + 8}"/>')
        if (after - first).days > 1:  # a month or a year: a span, never a point
            width = max(6.0, x(after) - x(first))
            row.append(f'<rect class="{css}" x="{x(first):.1f}" y="{top + 2}" '
                       f'width="{width:.1f}" height="12" rx="3"/>')
        else:
            row.append(f'<circle class="{css}" cx="{x(first):.1f}" cy="{top + 8}" r="6"/>')
        back = (f'<rect class="chart-row-back" x="0" y="{y}" width="{TIMELINE_WIDTH}" '
                f'height="{top + 20 - y}"/>')  # the focus highlight
        body.append(Markup(f'<a href="#{escape(mk.anchor)}" class="chart-row">{back}'
                           + "".join(row) + "</a>"))
        y = top + 26
    for year in range(lo.year, hi.year + 1):
        jan = date(year, 1, 1)
        if lo < jan < hi:
            body.insert(0, Markup(f'<line class="chart-axis" x1="{x(jan):.1f}" '
                                  f'x2="{x(jan):.1f}" y1="22" y2="{y}"/>'))
    # No role="img": that would hide the rows' links from assistive technology; the SVG's
    # <title> names it, and the figure around it has a heading and a takeaway.
    head = (f'<svg class="chart chart-timeline" viewBox="0 0 {TIMELINE_WIDTH} {y}" '
            f'width="{TIMELINE_WIDTH}" height="{y}" xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{chart_id}-title">{escape(title)}</title>'
            f'<desc id="{chart_id}-desc">{escape(desc)}</desc>')
    # In parts: a big site's chart is 20 MB, which joined the template would copy whole
    # again (escaping a Markup makes a new one).
    return [Markup(head), *body, Markup("</svg>")]
