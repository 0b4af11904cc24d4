"""Charts as the pages show them: which figure series are charted, their takeaway line, data
table and CSV, and the chronology's timeline strip. Every number comes from the records;
charts.py draws the SVG."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from . import charts
from . import downloads as dl
from . import models as m
from .site import Site
from .text import KIND_LABELS, figure_value, human_date, number, sentence


@dataclass(frozen=True)
class ChartSpec:
    """How to chart one figure series: presentation only, every number comes from records."""

    series: str
    """The figures' `series` id."""
    title: str
    """Chart title."""
    label: str
    """Figure field naming each bar: 'period' or 'counts'."""
    takeaway: str
    """'change' (first to last) or 'share' (largest part, of a total figure)."""
    reverse: bool = False
    """Draw the figures in reverse file order (oldest first)."""
    total: str | None = None
    """Id of a figure giving the total, for 'share'."""


CHART_SPECS = [
    ChartSpec("hampshire-armed-operations", "Armed police operations by Hampshire Police",
              label="period", takeaway="change", reverse=True),
    ChartSpec("derbyshire-poll", "Derbyshire Armed Response Unit's Twitter poll on armed patrols",
              label="counts", takeaway="share", total="derbyshire-poll-responses"),
]


@dataclass(frozen=True)
class ChartRow:
    """One row of a chart's data table."""

    label: str
    """What the bar shows."""
    value: str
    """The value as written."""
    figure: m.Figure
    """The figure behind it (for its source)."""
    url: str
    """Site-relative path of the figure on its owner's page."""


@dataclass(frozen=True)
class Chart:
    """A chart ready for the `chart` macro: SVG, takeaway, data table and CSV download."""

    id: str
    """Element id prefix (the series id)."""
    title: str
    """Chart title."""
    takeaway: str
    """One visible line saying what the chart shows."""
    svg: Markup
    """The inline SVG."""
    rows: list[ChartRow]
    """Data-table alternative."""
    sources: list[str]
    """Source ids of the figures."""
    owner: str
    """Id of the force, organisation or alliance holding the figures."""
    csv: str
    """Site-relative path of the CSV download."""


def build_charts(site: Site) -> dict[str, Chart]:
    """A chart per configured series that has figures, by series id."""
    out: dict[str, Chart] = {}
    for spec in CHART_SPECS:
        owned = site.series.get(spec.series, [])
        if not owned:
            continue
        owned = list(reversed(owned)) if spec.reverse else list(owned)
        figs = [o.item for o in owned]
        assert all(isinstance(f, m.Figure) for f in figs)
        rows = [ChartRow(sentence(getattr(f, spec.label) or f.counts), figure_value(f), f,
                         o.path) for o, f in zip(owned, figs, strict=True)]
        desc = "Bar chart. " + "; ".join(f"{r.label}: {r.value}" for r in rows) + "."
        svg = charts.bar_chart(spec.series, spec.title, desc,
                               [charts.Bar(r.label, r.figure.value, r.value) for r in rows])
        out[spec.series] = Chart(
            spec.series, spec.title, _takeaway(site, spec, figs), svg, rows,
            sorted({f.source for f in figs}), owned[0].owner, f"data/chart-{spec.series}.csv")
    return out


def _takeaway(site: Site, spec: ChartSpec, figs: list[Any]) -> str:
    disputed = [f for f in figs if f.id in site.conflicts_by_figure]
    if len(disputed) > 1:  # the article words them differently: no "up" or "down" claimed
        return ("The article words these figures differently and does not say they count the "
                "same thing; see where the figures disagree: " + "; ".join(
                    f"{figure_value(f)} ({f.period or 'no period given'})" for f in figs) + ".")
    if spec.takeaway == "change":
        first, last = figs[0], figs[-1]
        trend = "Up" if last.value > first.value else "Down"
        return (f"{trend} from {figure_value(first)} {first.period or ''} to "
                f"{number(last.value)} in {last.period or 'the latest period'}.")
    top = max(figs, key=lambda f: f.value)
    total = site.figures.get(spec.total or "")
    suffix = f" (of {figure_value(total.item)} in all)" if total else ""  # type: ignore[arg-type]
    return f"{figure_value(top)}: {top.counts}{suffix}."


CHART_COLUMNS = [
    dl.Column("figure_id", "The figure drawn as this bar.", dl.ID, "figures[].id"),
    dl.Column("label", "What the bar shows, as the chart labels it.", dl.TEXT,
              "the figure's period or counts"),
    dl.Column("value", "The number as the article states it.", "number, in the row's unit",
              "value"),
    dl.Column("unit", "What one unit of the value is.", dl.TEXT, "unit"),
    dl.Column("source", "The article reporting it.", dl.SOURCE, "source"),
    dl.Column("evidence", "The article's words containing the number, verbatim.", dl.TEXT,
              "evidence"),
    dl.Column("url", "Where the figure is shown, on its owner's page.", dl.URL,
              "built from the owner and figure ids"),
]
"""Every chart download's columns (one row per figure of the chart's series)."""


def chart_table(chart: Chart, base_url: str) -> dl.Table:
    """A chart's data as a downloadable table (`base_url` makes each figure's address)."""
    cols = CHART_COLUMNS
    rows: list[list[dl.Cell]] = [dl.in_order(cols, {
        "figure_id": r.figure.id, "label": r.label, "value": r.figure.value,
        "unit": r.figure.unit, "source": r.figure.source, "evidence": r.figure.evidence,
        "url": base_url + r.url}) for r in chart.rows]
    return dl.Table(f"chart-{chart.id}", chart.title, [c.name for c in cols], rows, cols)


def timeline_chart(site: Site) -> list[Markup]:
    """The chronology chart, in parts: each dated event on a time axis, a row each, linked to
    it."""
    marks = [charts.Mark(e.id, f"{e.title} · {KIND_LABELS[e.kind]}", e.date.value,
                         human_date(e.date), len(e.date.value) == 10
                         and not e.date.approximate and not e.date.inferred)
             for e in site.events if e.date is not None]
    if not marks:
        return []
    desc = (f"{len(marks)} dated events in date order, each a row linked to its entry below: "
            "a dot for a day, a bar for a month or a year known only that far; hollow where "
            "the date is approximate or inferred.")
    return charts.timeline("timeline", "Events by date", desc, marks)


def timeline_takeaway(site: Site) -> str:
    """One line above the chart, from the records: where the dated events fall."""
    years: dict[str, list[m.Event]] = {}
    for e in site.events:
        if e.date is not None:
            years.setdefault(e.date.value[:4], []).append(e)
    if not years:
        return ""
    busiest, items = max(years.items(), key=lambda kv: (len(kv[1]), kv[0]))
    attacks = sum(1 for e in items if e.kind == "attack")
    kinds = f", {attacks} of them attacks" if attacks else ""
    undated = len(site.undated)
    tail = (f"; {undated} more the articles do not date are listed after the chart"
            if undated else "")
    return (f"{len(items)} of the {sum(map(len, years.values()))} dated events fall in "
            f"{busiest}{kinds}{tail}.")
