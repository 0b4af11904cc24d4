"""Views: one function per page kind builds the context its template sees.

Templates receive plain values and these helpers only; they never reach into the loader.
Charts (chartviews.py) and data downloads are built from the same records the pages show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import downloads as dl
from . import models as m
from .chartviews import Chart, build_charts, chart_table, timeline_chart
from .render import Output
from .site import PAGE_KIND, Site, date_order, path_for
from .text import KIND_LABELS, figure_value, human_date, number, sentence

#: Order in which citation kinds are listed on a source's page.
CITATION_KINDS = ["statement", "figure", "event", "position", "person", "alliance"]


@dataclass(frozen=True)
class Nav:
    """A main navigation entry."""

    label: str
    """Link text."""
    path: str
    """Site-relative path."""


@dataclass(frozen=True)
class Cell:
    """One matrix cell."""

    attribute: m.Attribute
    """The column."""
    value: m.AttributeValue
    """The force's answer."""
    position: m.Position
    """The cited position."""
    sort: int
    """Order of the value within the attribute (for sorting)."""


def matrix_rows(site: Site) -> list[tuple[m.Force, list[Cell]]]:
    """Each force (by short name) with its cell per attribute, in column order."""
    rows = []
    for force in sorted(site.records.forces.values(), key=lambda f: f.short_name):
        cells = []
        for a in site.records.attributes:
            pos = force.positions[a.id]
            index = next(i for i, v in enumerate(a.values) if v.id == pos.value)
            cells.append(Cell(a, a.values[index], pos, index))
        rows.append((force, cells))
    return rows


def common(site: Site, assets: dict[str, str]) -> dict[str, Any]:
    """Values every template sees."""
    base = site.base_path

    def url(kind: str, ident: str = "", anchor: str = "") -> str:
        return base + path_for(kind, ident, anchor)

    def asset(name: str) -> str:
        return base + assets[name]

    nav = [Nav("Home", ""), Nav("Forces", "forces/"), Nav("Compare", "matrix/"),
           Nav("Chronology", "chronology/"), Nav("Figures", "figures/"),
           Nav("Sources", "sources/")]
    nav += [Nav(p.meta.title, f"{p.slug}/") for p in sorted(
        site.pages.values(), key=lambda p: (p.meta.nav or 0, p.slug))
        if p.meta.nav is not None and p.slug != "index"]
    updated = site.records.config.updated
    return {
        "site": site.records.config, "base_path": base, "base_url": site.base_url,
        "url": url, "asset": asset, "human_date": human_date, "number": number,
        "figure_value": figure_value, "kind_labels": KIND_LABELS, "sentence": sentence,
        "nav": nav, "sources": site.records.sources, "people": site.records.people,
        "forces": site.records.forces, "organisations": site.records.organisations,
        "updated": updated, "updated_text": human_date(m.DateInfo(value=updated)),
        "scripts": [],
    }


def plan(site: Site, assets: dict[str, str]) -> list[Output]:
    """Every page and data file of the site, with its template and context."""
    base = common(site, assets)
    r = site.records
    chart_map = build_charts(site)
    tables = dl.tables(site)
    data = {t.name: dl.describe(t) for t in tables}
    outputs = [
        _page(base, "index.html", "home.html", "", title=r.config.title,
              intro=site.pages.get("index"), events=site.events, charts=list(chart_map.values()),
              alliances=r.alliances),
        _page(base, "forces/index.html", "forces.html", "forces/", title="Forces",
              alliances=r.alliances),
        _page(base, "matrix/index.html", "matrix.html", "matrix/", title="Compare the forces",
              attributes=r.attributes, rows=matrix_rows(site), download=data["matrix"],
              scripts=["matrix.js"]),
        _page(base, "chronology/index.html", "chronology.html", "chronology/",
              title="Chronology", events=site.events, years=_by_year(site.events),
              timeline=timeline_chart(site), download=data["chronology"]),
        _page(base, "people/index.html", "people.html", "people/", title="People",
              said=_said_by_person(site), bodies=_body_links(site)),
        _page(base, "figures/index.html", "figures.html", "figures/", title="Figures",
              figures=site.figures, conflicts=r.conflicts, series=site.series,
              conflicts_by_figure=site.conflicts_by_figure, charts=list(chart_map.values()),
              download=data["figures"]),
        _page(base, "sources/index.html", "sources.html", "sources/", title="Sources",
              citations=site.citations, downloads=list(data.values())),
        _page(base, "404.html", "404.html", "404.html", title="Page not found"),
    ]
    outputs += _record_pages(site, base, chart_map)
    for table in [*tables, *(chart_table(c) for c in chart_map.values())]:
        files = dl.files_for(table)
        if table.name.startswith("chart-"):
            files = {k: v for k, v in files.items() if k.endswith(".csv")}
        outputs += [Output(path, data=payload) for path, payload in files.items()]
    return outputs


def _said_by_person(site: Site) -> dict[str, list[tuple[m.Statement, str]]]:
    """Each speaker's statements with the site path where each is shown."""
    said: dict[str, list[tuple[m.Statement, str]]] = {}
    for o in site.statements.values():
        if o.item.speaker:
            path = path_for(PAGE_KIND[o.owner_kind], o.owner, o.item.id)
            said.setdefault(o.item.speaker, []).append((o.item, path))  # type: ignore[arg-type]
    return said


def _body_links(site: Site) -> dict[str, tuple[str, str]]:
    """Force, organisation or alliance id -> (name, site path), for 'speaks for' links."""
    r = site.records
    links = {f.id: (f.short_name, path_for("force", f.id)) for f in r.forces.values()}
    links |= {o.id: (o.name, path_for("organisation", o.id)) for o in r.organisations.values()}
    links |= {a.id: (a.short_name, path_for("alliance", a.id)) for a in r.alliances.values()}
    return links


def _record_pages(site: Site, base: dict[str, Any], chart_map: dict[str, Chart]) -> list[Output]:
    """A page per force, organisation, alliance, source and Markdown page."""
    r = site.records
    outputs = []
    # Who calls each force a neighbour, indexed once (scanning every force per page made
    # this one line cost a minute at 10,000 forces).
    named_by: dict[str, list[str]] = {}
    for other in sorted(r.forces):
        for n in r.forces[other].neighbours:
            named_by.setdefault(n, []).append(other)
    charts_by_owner: dict[str, list[Chart]] = {}
    for chart in chart_map.values():
        charts_by_owner.setdefault(chart.owner, []).append(chart)
    for force in r.forces.values():
        outputs.append(_page(
            base, f"forces/{force.id}/index.html", "force.html", path_for("force", force.id),
            title=force.name, force=force, attributes=r.attributes,
            events=site.events_by_force.get(force.id, []),
            staff=site.people_by_body.get(force.id, []),
            conflicts_by_figure=site.conflicts_by_figure,
            alliances=[r.alliances[a] for a in force.alliances],
            neighbours_of=named_by.get(force.id, []),
            charts=charts_by_owner.get(force.id, [])))
    for org in r.organisations.values():
        outputs.append(_page(
            base, f"organisations/{org.id}/index.html", "organisation.html",
            path_for("organisation", org.id), title=org.name, org=org,
            staff=site.people_by_body.get(org.id, []),
            conflicts_by_figure=site.conflicts_by_figure,
            charts=charts_by_owner.get(org.id, [])))
    for alliance in r.alliances.values():
        outputs.append(_page(
            base, f"alliances/{alliance.id}/index.html", "alliance.html",
            path_for("alliance", alliance.id), title=alliance.name, alliance=alliance,
            staff=site.people_by_body.get(alliance.id, []),
            conflicts_by_figure=site.conflicts_by_figure,
            events=sorted({e.id: e for f in alliance.members
                           for e in site.events_by_force.get(f, [])}.values(),
                          key=date_order),
            charts=charts_by_owner.get(alliance.id, [])))
    for source in r.sources.values():
        outputs.append(_page(
            base, f"sources/{source.id}/index.html", "source.html",
            path_for("source", source.id), title=source.label, source=source,
            groups=_citation_groups(site.citations.get(source.id, []))))
    for page in site.pages.values():
        if page.slug != "index":
            outputs.append(_page(base, f"{page.slug}/index.html", "page.html",
                                 path_for("page", page.slug), title=page.meta.title,
                                 page=page, description=page.meta.description))
    return outputs


def _citation_groups(citations: list[Any]) -> list[tuple[str, list[Any]]]:
    groups: dict[str, list[Any]] = {}
    for c in citations:
        groups.setdefault(c.kind, []).append(c)
    order = {k: i for i, k in enumerate(CITATION_KINDS)}
    return sorted(groups.items(), key=lambda kv: order.get(kv[0], len(order)))


def _page(base: dict[str, Any], path: str, template: str, page_path: str,
          **context: Any) -> Output:
    ctx = {**base, **context, "page_path": page_path,
           "canonical": base["base_url"] + page_path}
    return Output(path=path, template=template, context=ctx)


def _by_year(events: list[m.Event]) -> list[tuple[str, list[m.Event]]]:
    years: dict[str, list[m.Event]] = {}
    for e in events:
        years.setdefault(e.date.value[:4], []).append(e)
    return list(years.items())
