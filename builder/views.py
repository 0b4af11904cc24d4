"""Views: one function per page kind builds the context its template sees.

Templates receive plain values and these helpers only; they never reach into the loader.
Charts (chartviews.py) and data downloads are built from the same records the pages show.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from markupsafe import Markup

from . import downloads as dl
from . import models as m
from .chartviews import CHART_SPECS, Chart, build_charts, chart_table, timeline_chart
from .render import Output
from .site import PAGE_KIND, Site, chronological, path_for
from .text import KIND_LABELS, figure_value, human_date, number, sentence

CHARTED = frozenset(spec.series for spec in CHART_SPECS)
"""Figure series that have a chart (owned by the body holding the series' first figure)."""

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

    links: dict[str, Markup] = {}

    def cite(source_id: str) -> Markup:
        # A source's citation link, made once: a force page shows a dozen, and a template
        # macro call per citation was a third of the page's rendering.
        link = links.get(source_id)
        if link is None:
            link = links[source_id] = Markup('<a class="cite" href="{}">{}</a>').format(
                url("source", source_id), site.records.sources[source_id].label)
        return link

    nav = [Nav("Home", ""), Nav("Forces", "forces/"), Nav("Compare", "matrix/"),
           Nav("Chronology", "chronology/"), Nav("Figures", "figures/"),
           Nav("Sources", "sources/")]
    nav += [Nav(p.meta.title, f"{p.slug}/") for p in sorted(
        site.pages.values(), key=lambda p: (p.meta.nav or 0, p.slug))
        if p.meta.nav is not None and p.slug != "index"]
    updated = site.records.config.updated
    return {
        "site": site.records.config, "base_path": base, "base_url": site.base_url,
        "url": url, "asset": asset, "cite": cite, "human_date": human_date, "number": number,
        "figure_value": figure_value, "kind_labels": KIND_LABELS, "sentence": sentence,
        "voice": site.voice, "conflict_label": site.conflict_label,
        "speaker_name": site.speaker_name,
        "nav": nav, "sources": site.records.sources, "people": site.records.people,
        "forces": site.records.forces, "organisations": site.records.organisations,
        "updated": updated, "updated_text": human_date(m.DateInfo(value=updated)),
        "scripts": [],
    }


@dataclass(frozen=True)
class Planned:
    """An output the site has, before its context or bytes are worked out."""

    path: str
    """Path inside the output folder."""
    template: str | None
    """Template name, or None for a data download."""
    kind: str
    """What it is: 'home', 'force', 'source', 'data', 'chart-data', ... (see Planner)."""
    key: str = ""
    """The record id (or table or chart name) it is made from, if any."""


class Planner:
    """The site's outputs: their paths cheaply (`outputs`), each one's context or bytes only
    when it is to be written (`output`). Whatever several outputs share is built once."""

    def __init__(self, site: Site, assets: dict[str, str]) -> None:
        self.site = site
        self.assets = assets
        self._tables: dict[str, dl.Table] = {}

    def outputs(self, charted: list[str] | None = None) -> list[Planned]:
        """Every page and data file, in plan order; `charted` (the series that have a chart)
        is worked out from the figures unless given."""
        r = self.site.records
        fixed = [("index.html", "home.html", "home"),
                 ("forces/index.html", "forces.html", "forces"),
                 ("matrix/index.html", "matrix.html", "matrix"),
                 ("chronology/index.html", "chronology.html", "chronology"),
                 ("people/index.html", "people.html", "people"),
                 ("figures/index.html", "figures.html", "figures"),
                 ("sources/index.html", "sources.html", "sources"), ("404.html", "404.html", "404")]
        out = [Planned(path, template, kind) for path, template, kind in fixed]
        # An index for each kind of body that has pages (a site with none has no empty list).
        out += [Planned(f"{kind}/index.html", "bodies.html", kind)
                for kind in ("organisations", "alliances") if getattr(r, kind)]
        out += [Planned(f"forces/{i}/index.html", "force.html", "force", i) for i in r.forces]
        out += [Planned(f"organisations/{i}/index.html", "organisation.html", "organisation", i)
                for i in r.organisations]
        out += [Planned(f"alliances/{i}/index.html", "alliance.html", "alliance", i)
                for i in r.alliances]
        out += [Planned(f"sources/{i}/index.html", "source.html", "source", i) for i in r.sources]
        out += [Planned(f"{slug}/index.html", "page.html", "page", slug) for slug in self.site.pages
                if slug != "index"]
        for name in dl.TITLES:
            out += [Planned(f"data/{name}.{ext}", None, "data", name) for ext in ("csv", "json")]
        for series in self.charted() if charted is None else charted:
            out.append(Planned(f"data/chart-{series}.csv", None, "chart-data", series))
        return out

    def share(self) -> None:
        """Work out now what many outputs share (the site's indexes, the charts, what every
        template sees): outputs made later in forked workers then find it ready, instead of
        each worker working it out again."""
        site = self.site
        site.events_by_force, site.people_by_body, site.citations  # noqa: B018
        site.conflicts_by_figure, site.series, site.statements  # noqa: B018
        self.base, self.chart_map, self.data  # noqa: B018

    def charted(self) -> list[str]:
        """The figure series that have a chart, in chart order."""
        return [spec.series for spec in CHART_SPECS if self.site.series.get(spec.series)]

    def output(self, planned: Planned) -> Output:
        """The output itself: a page with its context, or a download with its bytes."""
        if planned.kind == "data":
            table = self._tables.pop(planned.key, None)  # the second format: let it go after
            if table is None:
                table = self._tables[planned.key] = dl.table(self.site, planned.key)
            data = dl.to_csv(table) if planned.path.endswith(".csv") else dl.to_json(table)
            return Output(planned.path, data=data)
        if planned.kind == "chart-data":
            table = chart_table(self.chart_map[planned.key])
            return Output(planned.path, data=dl.to_csv(table))
        if planned.key:
            return getattr(self, f"_{planned.kind}")(planned.path, planned.key)
        return getattr(self, f"_{planned.kind}")()

    @cached_property
    def base(self) -> dict[str, Any]:
        """What every template sees."""
        return common(self.site, self.assets)

    @cached_property
    def chart_map(self) -> dict[str, Chart]:
        """Every chart, by series."""
        return build_charts(self.site)

    @cached_property
    def data(self) -> dict[str, dict[str, Any]]:
        """How templates link each site-wide download."""
        return {name: dl.describe_rows(name, dl.row_count(self.site, name)) for name in dl.TITLES}

    def _charts_of(self, body: m.Force | m.Organisation | m.Alliance) -> list[Chart]:
        if not any(f.series in CHARTED for f in body.figures):  # owns none: draw none
            return []
        return [c for c in self.chart_map.values() if c.owner == body.id]

    def _home(self) -> Output:
        site, r = self.site, self.site.records
        return _page(self.base, "index.html", "home.html", "", title=r.config.title,
                     intro=site.pages.get("index"), events=site.events,
                     charts=list(self.chart_map.values()), alliances=r.alliances)

    def _forces(self) -> Output:
        return _page(self.base, "forces/index.html", "forces.html", "forces/", title="Forces",
                     alliances=self.site.records.alliances)

    def _organisations(self) -> Output:
        return _page(self.base, "organisations/index.html", "bodies.html", "organisations/",
                     title="Organisations", kind="organisation",
                     bodies=sorted(self.site.records.organisations.values(),
                                   key=lambda o: o.name))

    def _alliances(self) -> Output:
        return _page(self.base, "alliances/index.html", "bodies.html", "alliances/",
                     title="Alliances and shared units", kind="alliance",
                     bodies=list(self.site.records.alliances.values()))

    def _matrix(self) -> Output:
        site = self.site
        return _page(self.base, "matrix/index.html", "matrix.html", "matrix/",
                     title="Compare the forces", attributes=site.records.attributes,
                     rows=matrix_rows(site), download=self.data["matrix"],
                     scripts=["matrix.js"])

    def _chronology(self) -> Output:
        site = self.site
        return _page(self.base, "chronology/index.html", "chronology.html", "chronology/",
                     title="Chronology", events=site.events, years=_by_year(site.events),
                     undated=site.undated, titles={e.id: e.title for e in site.records.events},
                     timeline=timeline_chart(site), download=self.data["chronology"])

    def _people(self) -> Output:
        return _page(self.base, "people/index.html", "people.html", "people/", title="People",
                     said=_said_by_person(self.site), bodies=_body_links(self.site))

    def _figures(self) -> Output:
        site = self.site
        return _page(self.base, "figures/index.html", "figures.html", "figures/",
                     title="Figures", figures=site.figures, conflicts=site.records.conflicts,
                     series=site.series, conflicts_by_figure=site.conflicts_by_figure,
                     charts=list(self.chart_map.values()), download=self.data["figures"])

    def _sources(self) -> Output:
        return _page(self.base, "sources/index.html", "sources.html", "sources/",
                     title="Sources", citations=self.site.citations,
                     downloads=list(self.data.values()))

    def _404(self) -> Output:
        return _page(self.base, "404.html", "404.html", "404.html", title="Page not found")

    def _force(self, path: str, ident: str) -> Output:
        site, r = self.site, self.site.records
        force = r.forces[ident]
        return _page(
            self.base, path, "force.html", path_for("force", ident), title=force.name,
            force=force, attributes=r.attributes, events=site.events_of(ident),
            staff=site.staff_of(ident), conflicts_by_figure=site.conflicts_by_figure,
            alliances=[r.alliances[a] for a in force.alliances],
            charts=self._charts_of(force))

    def _organisation(self, path: str, ident: str) -> Output:
        site = self.site
        org = site.records.organisations[ident]
        return _page(
            self.base, path, "organisation.html", path_for("organisation", ident),
            title=org.name, org=org, staff=site.staff_of(ident),
            conflicts_by_figure=site.conflicts_by_figure, charts=self._charts_of(org))

    def _alliance(self, path: str, ident: str) -> Output:
        site = self.site
        alliance = site.records.alliances[ident]
        return _page(
            self.base, path, "alliance.html", path_for("alliance", ident), title=alliance.name,
            alliance=alliance, staff=site.staff_of(ident),
            conflicts_by_figure=site.conflicts_by_figure,
            events=chronological(list({e.id: e for f in alliance.members
                                       for e in site.events_of(f)}.values())),
            charts=self._charts_of(alliance))

    def _source(self, path: str, ident: str) -> Output:
        source = self.site.records.sources[ident]
        return _page(self.base, path, "source.html", path_for("source", ident),
                     title=source.label, source=source,
                     groups=_citation_groups(self.site.citations.get(ident, [])))

    def _page(self, path: str, slug: str) -> Output:
        page = self.site.pages[slug]
        return _page(self.base, path, "page.html", path_for("page", slug),
                     title=page.meta.title, page=page, description=page.meta.description)


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
        assert e.date is not None  # the chronology's dated part
        years.setdefault(e.date.value[:4], []).append(e)
    return list(years.items())
