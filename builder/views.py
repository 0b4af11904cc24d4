"""Views: one function per page kind builds the context its template sees.

Templates receive plain values and these helpers only; they never reach into the loader.
Charts (chartviews.py) and data downloads are built from the same records the pages show.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from markupsafe import Markup, escape

from . import downloads as dl
from . import models as m
from . import updates as up
from .chartviews import (
    CHART_COLUMNS,
    CHART_SPECS,
    Chart,
    build_charts,
    chart_table,
    timeline_chart,
    timeline_takeaway,
)
from .hosting import hosting_outputs
from .mainpoints import main_points
from .matrix import GLANCE, matrix_rows_of, matrix_table, status_groups
from .outputs import Output
from .reads import Recorder, per_build, recorder_of, shared, work_out
from .site import Site, chronological, path_for
from .text import KIND_LABELS, figure_value, human_date, number, sentence

CHARTED = frozenset(spec.series for spec in CHART_SPECS)
"""Figure series that have a chart (owned by the body holding the series' first figure)."""

#: Citation kinds in the order a source's page lists them, with their headings.
CITATION_KINDS = {"statement": "Statements", "figure": "Figures", "event": "Events",
                  "position": "Answers in the comparison", "person": "People",
                  "alliance": "Shared units and alliances"}

#: How the site names each kind of source.
SOURCE_KINDS = {"news-article": "news article", "news-release": "news release"}


@dataclass(frozen=True)
class Nav:
    """A main navigation entry."""

    label: str
    """Link text."""
    path: str
    """Site-relative path."""


def common(site: Site, assets: dict[str, str], numbers: Mapping[str, int]) -> dict[str, Any]:
    """Values every template sees; `numbers` gives each source's number (Planner.source_numbers)."""
    base = site.base_path

    def url(kind: str, ident: str = "", anchor: str = "") -> str:
        return base + path_for(kind, ident, anchor)

    recorder = site.recorder

    def asset(name: str) -> str:
        if recorder is not None:
            recorder.note(("asset", name))
        return base + assets[name]

    links: dict[str, Markup] = {}

    def cite(source_id: str) -> Markup:
        # A source's citation link, made once: a force page shows a dozen, and a template
        # macro call per citation was a third of the page's rendering. Its number is the
        # source's in the list a printed page ends with (Citations).
        link = links.get(source_id) if recorder is None else None  # else: read (and noted)
        if link is None:
            link = links[source_id] = Markup(
                '<a class="cite" href="{}" data-source="{}">{}</a>').format(
                url("source", source_id), numbers[source_id],
                site.records.sources[source_id].label)
        return link

    def printed(source_id: str) -> Markup:
        # A source as the printed list gives it: its number, label, kind and full address.
        s = site.records.sources[source_id]
        return Markup('<li value="{}">{} ({}): {}sources/{}/</li>').format(
            numbers[source_id], s.label, SOURCE_KINDS[s.kind], site.base_url, s.id)

    nav = [Nav("Home", ""), Nav("Forces", "forces/"), Nav("Compare", "matrix/"),
           Nav("Chronology", "chronology/"), Nav("Figures", "figures/"),
           Nav("Sources", "sources/"), Nav("Glossary", "glossary/")]
    nav += [Nav(p.meta.title, f"{p.slug}/") for p in sorted(
        site.pages.values(), key=lambda p: (p.meta.nav or 0, p.slug))
        if p.meta.nav is not None and p.slug != "index"]
    return {
        "site": site.records.config, "base_path": base, "base_url": site.base_url,
        "url": url, "asset": asset, "human_date": human_date, "number": number,
        "figure_value": figure_value, "kind_labels": KIND_LABELS, "sentence": sentence,
        "voice": site.voice, "conflict_label": site.conflict_label,
        "source_kinds": SOURCE_KINDS, "citation_kinds": CITATION_KINDS,
        "sources_text": source_count(site.records.sources.values()),
        # A page cites through its own Citations (see _page), which notes what it cites.
        "citations": partial(Citations, cite, numbers, printed),
        "speaker_name": site.speaker_name,
        "nav": nav, "sources": site.records.sources, "people": site.records.people,
        "forces": site.records.forces, "organisations": site.records.organisations,
        "scripts": [], "feed": base + up.FEED_PATH,
        "day": lambda value: human_date(m.DateInfo(value=value)),
    }


def self_link(page: str, anchor: str, what: str) -> Markup:
    """A claim's link to itself on `page` (its absolute path), so a reader can cite it: a
    visible '#' whose accessible name says what it links to; works without script, like a
    heading anchor, and prints as the claim's address."""
    # Escaped into an f-string: Markup.format's Python-level formatter took 9 us a call, and a
    # big site makes ~400,000 of these.
    return Markup(f'<a class="self-link" href="{escape(page)}#{escape(anchor)}">#<span '
                  f'class="visually-hidden"> Link to this {escape(what)}</span></a>')


@dataclass(frozen=True, slots=True)
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

    @property
    def is_page(self) -> bool:
        """True for an HTML page (counted as a page, and its links checked)."""
        return self.template is not None and self.path.endswith(".html")


class Planner:
    """The site's outputs: their paths cheaply (`outputs`), each one's context or bytes only
    when it is to be written (`output`). Whatever several outputs share is built once."""

    def __init__(self, site: Site, assets: dict[str, str]) -> None:
        self.site = site
        self.assets = assets
        self._tables: dict[str, dl.Table] = {}

    @property
    def recorder(self) -> Recorder | None:
        """Where the dev server notes what each output reads (None in a one-off build)."""
        return recorder_of(self.site.records)

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
        # The downloads next: with the list pages, the biggest outputs of a big site, made
        # early while other pages keep the other workers busy (last, they left one worker
        # working alone).
        for name in dl.TITLES:
            out += [Planned(f"data/{name}.{ext}", None, "data", name) for ext in ("csv", "json")]
        out += [Planned(f"forces/{i}/index.html", "force.html", "force", i) for i in r.forces]
        out += [Planned(f"organisations/{i}/index.html", "organisation.html", "organisation", i)
                for i in r.organisations]
        out += [Planned(f"alliances/{i}/index.html", "alliance.html", "alliance", i)
                for i in r.alliances]
        out += [Planned(f"sources/{i}/index.html", "source.html", "source", i) for i in r.sources]
        out += [Planned(f"{slug}/index.html", "page.html", "page", slug) for slug in self.site.pages
                if slug != "index"]
        out += [Planned("glossary/index.html", "glossary.html", "glossary"),
                Planned("updates/index.html", "updates.html", "updates"),
                Planned(up.FEED_PATH, "feed.xml", "feed"),
                Planned("data/index.html", "data.html", "datapage")]
        for series in self.charted() if charted is None else charted:
            out.append(Planned(f"data/chart-{series}.csv", None, "chart-data", series))
        return out

    @shared
    def planned(self) -> list[Planned]:
        """Every page and data file, in plan order (see `outputs`): carried over while the
        ids of the records that have pages, and the charted series, are unchanged."""
        return self.outputs()

    @shared
    def pages(self) -> int:
        """How many of the planned outputs are HTML pages."""
        return sum(1 for p in self.planned if p.is_page)

    @shared
    def hosting(self) -> list[Output]:
        """The host and crawler files (sitemap, robots.txt, _headers) for the planned pages."""
        return hosting_outputs(self.site, [Output(p.path, p.template) for p in self.planned])

    def share(self) -> None:
        """Work out now what many outputs share (the site's indexes, the charts, what every
        template sees): outputs made later in forked workers then find it ready, instead of
        each worker working it out again."""
        work_out(self.site)
        work_out(self)

    def charted(self) -> list[str]:
        """The figure series that have a chart, in chart order."""
        return [spec.series for spec in CHART_SPECS if self.site.series.get(spec.series)]

    def output(self, planned: Planned) -> Output:
        """The output itself: a page with its context, or a download with its chunks."""
        # A table is kept only for its other format, made next (or by another worker: a big
        # site's are tens of MB): the second format reuses it, and anything else lets it go.
        kept, self._tables = self._tables, {}
        if planned.kind == "data":
            table = kept.get(planned.key)
            if table is None:
                table = dl.table(self.site, planned.key)
                if self.recorder is None:  # else each output must read the records itself
                    self._tables = {planned.key: table}
            made = dl.csv_chunks if planned.path.endswith(".csv") else dl.json_chunks
            return Output(planned.path, chunks=made(table))
        if planned.kind == "chart-data":
            table = chart_table(self.chart_map[planned.key], self.site.base_url)
            return Output(planned.path, chunks=dl.csv_chunks(table))
        if planned.key:
            out = getattr(self, f"_{planned.kind}")(planned.path, planned.key)
        else:
            out = getattr(self, f"_{planned.kind}")()
        # 'Last updated': the latest update touching a record the page shows.
        date = up.last_updated(self.site, self.latest,
                               up.page_records(self.site, planned.kind, planned.key))
        return replace(out, context={**out.context, "updated": date,
                                     "updated_text": human_date(m.DateInfo(value=date))})

    @shared
    def latest(self) -> dict[str, str]:
        """Record id -> date of the latest update touching it."""
        return up.latest_by_record(self.site.records.updates)

    @per_build
    def base(self) -> dict[str, Any]:
        """What every template sees, the site-wide downloads included (the footer links them)."""
        # The footer links the downloads by title only: their row counts (self.data) would
        # make every page depend on every record they count.
        return {**common(self.site, self.assets, self.source_numbers),
                "site_downloads": {name: dl.describe_files(name) for name in dl.TITLES}}

    @shared
    def source_numbers(self) -> dict[str, int]:
        """Source id -> its number, the same on every page (citations print it): a page lists
        the few it cites by it without walking every source (1,000 at 10,000 forces, on each
        force's page)."""
        return {sid: i for i, sid in enumerate(self.site.records.sources, 1)}

    @shared
    def chart_map(self) -> dict[str, Chart]:
        """Every chart, by series."""
        return build_charts(self.site)

    @shared
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
                     charts=list(self.chart_map.values()), alliances=r.alliances,
                     points=main_points(site))

    def _forces(self) -> Output:
        return _page(self.base, "forces/index.html", "forces.html", "forces/", title="Forces",
                     alliances=self.site.records.alliances, groups=status_groups(self.site))

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
        rows, counts = matrix_table(site)
        return _page(self.base, "matrix/index.html", "matrix.html", "matrix/",
                     title="Compare the forces", attributes=site.records.attributes,
                     rows=rows, counts=counts, forces_count=len(site.records.forces),
                     download=self.data["matrix"], scripts=["matrix.js"])

    def _chronology(self) -> Output:
        site = self.site
        return _page(self.base, "chronology/index.html", "chronology.html", "chronology/",
                     title="Chronology", events=site.events, years=_by_year(site.events),
                     undated=site.undated, titles={e.id: e.title for e in site.records.events},
                     timeline=timeline_chart(site), takeaway=timeline_takeaway(site),
                     download=self.data["chronology"])

    def _people(self) -> Output:
        return _page(self.base, "people/index.html", "people.html", "people/", title="People",
                     said=_said_by_person(self.site), bodies=_body_links(self.site))

    def _figures(self) -> Output:
        site = self.site
        attacks = {fid for e in site.records.events if e.kind == "attack" for fid in e.figures}
        items = [o.item for o in site.figures.values()]
        return _page(self.base, "figures/index.html", "figures.html", "figures/",
                     title="Figures", figures=site.figures, conflicts=site.records.conflicts,
                     patrol_figures=[f for f in items if f.id not in attacks],
                     attack_figures=[f for f in items if f.id in attacks],
                     conflicts_by_figure=site.conflicts_by_figure,
                     charts=list(self.chart_map.values()), download=self.data["figures"])

    def _sources(self) -> Output:
        return _page(self.base, "sources/index.html", "sources.html", "sources/",
                     title="Sources", citations=self.site.citations, downloads=self.data)

    def _glossary(self) -> Output:
        return _page(self.base, "glossary/index.html", "glossary.html", "glossary/",
                     title="Glossary", terms=self.site.records.glossary,
                     description="The terms a reader meets on this site, each explained only "
                     "as the articles explain it, with the words it comes from.")

    def _updates(self) -> Output:
        site = self.site
        updates = up.newest_first(site.records.updates)
        return _page(self.base, "updates/index.html", "updates.html", "updates/",
                     title="Updates", updates=updates,
                     touched={u.id: [t for rid in u.records if (t := up.touched(site, rid))]
                              for u in updates},
                     description="Every published change to this site's content, newest "
                     "first, with the records it touched; also as an Atom feed.")

    def _feed(self) -> Output:
        site = self.site
        updates = up.newest_first(site.records.updates)
        return Output(up.FEED_PATH, "feed.xml", {
            **self.base, "updates": updates, "entry_id": up.entry_id, "feed_id": up.FEED_ID,
            "feed_updated": up.site_updated(site), "page_path": up.FEED_PATH,
            "canonical": site.base_url + up.FEED_PATH})

    def _datapage(self) -> Output:
        site = self.site
        tables = [(name, self.data[name], dl.SOURCES_OF[name], dl.columns(site, name))
                  for name in dl.TITLES]
        return _page(self.base, "data/index.html", "data.html", "data/", title="Data",
                     tables=tables, charts=list(self.chart_map.values()),
                     chart_columns=CHART_COLUMNS,
                     description="Every download of this site, CSV and JSON, with its columns, "
                     "their units and where each value comes from.")

    def _404(self) -> Output:
        return _page(self.base, "404.html", "404.html", "404.html", title="Page not found")

    def _force(self, path: str, ident: str) -> Output:
        site, r = self.site, self.site.records
        force = r.forces[ident]
        alliances = [r.alliances[a] for a in force.alliances]
        # Words spoken for the force by a unit it belongs to are shown on its page too.
        said = [(s, None) for s in force.statements] + [
            (s, a) for a in alliances for s in a.statements]
        # Figures of events that do not concern the force (national casualty counts an article
        # about it reports) are context: the chronology and figures pages show them.
        about = site.figure_events
        own = [f for f in force.figures if f.id not in about or ident in about[f.id].forces]
        cells = [c for _, row in matrix_rows_of(site, [force]) for c in row
                 if c.attribute.id in GLANCE]
        context = [f for f in force.figures if f not in own]
        cited = {c.position.source for c in cells if c.value.id != "not-stated"}
        return _page(
            self.base, path, "force.html", path_for("force", ident), title=force.name,
            force=force, attributes=r.attributes, events=site.events_of(ident),
            staff=site.staff_of(ident), conflicts_by_figure=site.conflicts_by_figure,
            alliances=alliances, charts=self._charts_of(force), said=said, figures=own,
            context=context, glance=cells,
            context_events=list({about[f.id].id: about[f.id] for f in context}.values()),
            glance_sources=sorted(cited, key=self.source_numbers.__getitem__))

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


def source_count(sources: Any) -> str:
    """'4 news articles and 1 news release': the sources counted by kind, in words."""
    counts: dict[str, int] = {}
    for s in sources:
        counts[s.kind] = counts.get(s.kind, 0) + 1
    parts = [f"{n} {SOURCE_KINDS[k]}{'s' if n != 1 else ''}" for k, n in sorted(counts.items())]
    return " and ".join(parts)


def _said_by_person(site: Site) -> dict[str, list[tuple[m.Statement, str]]]:
    """Each speaker's statements with the site path where each is shown."""
    said: dict[str, list[tuple[m.Statement, str]]] = {}
    for o in site.statements.values():
        if o.item.speaker:
            said.setdefault(o.item.speaker, []).append((o.item, o.path))  # type: ignore[arg-type]
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
    cited = base["citations"]()
    ctx = {**base, **context, "page_path": page_path,
           "canonical": base["base_url"] + page_path,
           "self_link": partial(self_link, base["base_path"] + page_path),
           "cite": cited.cite, "source_number": cited.number, "print_sources": cited.printed}
    return Output(path=path, template=template, context=ctx)


@dataclass
class Citations:
    """The sources one page cites, noted as it renders: a printed page ends with the list of
    those, by the numbers its citations print (base.html), not with every source of the
    site (a thousand at 10,000 forces, 77 KB on every page)."""

    link: Callable[[str], Markup]
    """The build's citation link to a source."""
    numbers: Mapping[str, int]
    """Source id -> its number, the same on every page."""
    item: Callable[[str], Markup]
    """A source as the printed list gives it."""
    cited: set[str] = field(default_factory=set)
    """Ids of the sources cited so far."""
    listed: bool = False
    """Whether the list has been made: a citation after it would be missing from it."""

    def cite(self, source_id: str) -> Markup:
        """The citation link to `source_id`, noted."""
        self._note(source_id)
        return self.link(source_id)

    def number(self, source_id: str) -> int:
        """The number of `source_id`, noted: a page showing it cites the source too."""
        self._note(source_id)
        return self.numbers[source_id]

    def printed(self) -> Markup:
        """The list items of the sources cited so far, by number."""
        self.listed = True
        return Markup("").join(map(self.item, sorted(self.cited, key=self.numbers.__getitem__)))

    def _note(self, source_id: str) -> None:
        if self.listed:  # the build fails, naming the template's line
            raise ValueError(f"source {source_id!r} cited after the page's list of sources "
                             "was made: cite it before base.html's print_sources()")
        self.cited.add(source_id)


def _by_year(events: list[m.Event]) -> list[tuple[str, list[m.Event]]]:
    years: dict[str, list[m.Event]] = {}
    for e in events:
        assert e.date is not None  # the chronology's dated part
        years.setdefault(e.date.value[:4], []).append(e)
    return list(years.items())
