"""Views: one function per page kind builds the context its template sees.

Templates receive plain values and these helpers only; they never reach into the loader.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import models as m
from .render import Output
from .site import Site, path_for

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


@dataclass(frozen=True)
class Nav:
    """A main navigation entry."""

    label: str
    """Link text."""
    path: str
    """Site-relative path."""


def human_date(date: m.DateInfo) -> str:
    """'22 March 2017', 'around December 2016 (date inferred)', '2017'."""
    parts = date.value.split("-")
    if len(parts) == 3:
        text = f"{int(parts[2])} {MONTHS[int(parts[1]) - 1]} {parts[0]}"
    elif len(parts) == 2:
        text = f"{MONTHS[int(parts[1]) - 1]} {parts[0]}"
    else:
        text = parts[0]
    if date.approximate:
        text = f"around {text}"
    if date.inferred:
        text += " (date inferred)"
    return text


def number(value: float) -> str:
    """283 -> '283'; 2280 -> '2,280'; 2.5 -> '2.5'."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


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
    return {
        "site": site.records.config, "base_path": base, "base_url": site.base_url,
        "url": url, "asset": asset, "human_date": human_date, "number": number,
        "nav": nav, "sources": site.records.sources, "people": site.records.people,
        "forces": site.records.forces, "organisations": site.records.organisations,
        "updated": site.records.config.updated,
    }


def plan(site: Site, assets: dict[str, str]) -> list[Output]:
    """Every page of the site with its template and context."""
    base = common(site, assets)
    r = site.records
    outputs = [
        _page(base, "index.html", "home.html", "", "*", title=r.config.title,
              intro=site.pages.get("index"), events=site.events, figures=site.figures,
              series=site.series),
        _page(base, "forces/index.html", "forces.html", "forces/", "*", title="Forces",
              alliances=r.alliances),
        _page(base, "matrix/index.html", "matrix.html", "matrix/", "*",
              title="Compare the forces", attributes=r.attributes),
        _page(base, "chronology/index.html", "chronology.html", "chronology/", "*",
              title="Chronology", events=site.events, years=_by_year(site.events)),
        _page(base, "people/index.html", "people.html", "people/", "*", title="People",
              statements_by_person=site.statements_by_person),
        _page(base, "figures/index.html", "figures.html", "figures/", "*", title="Figures",
              figures=site.figures, conflicts=r.conflicts, series=site.series,
              conflicts_by_figure=site.conflicts_by_figure),
        _page(base, "sources/index.html", "sources.html", "sources/", "*", title="Sources",
              citations=site.citations),
        _page(base, "404.html", "404.html", "404.html", "*", title="Page not found"),
    ]
    for force in r.forces.values():
        outputs.append(_page(
            base, f"forces/{force.id}/index.html", "force.html", path_for("force", force.id),
            "*", title=force.name, force=force, attributes=r.attributes,
            events=site.events_by_force.get(force.id, []),
            staff=site.people_by_body.get(force.id, []),
            conflicts_by_figure=site.conflicts_by_figure,
            alliances=[r.alliances[a] for a in force.alliances]))
    for org in r.organisations.values():
        outputs.append(_page(
            base, f"organisations/{org.id}/index.html", "organisation.html",
            path_for("organisation", org.id), "*", title=org.name, org=org,
            staff=site.people_by_body.get(org.id, []),
            conflicts_by_figure=site.conflicts_by_figure))
    for source in r.sources.values():
        outputs.append(_page(
            base, f"sources/{source.id}/index.html", "source.html",
            path_for("source", source.id), "*", title=source.label, source=source,
            citations=site.citations.get(source.id, [])))
    for page in site.pages.values():
        if page.slug != "index":
            outputs.append(_page(base, f"{page.slug}/index.html", "page.html",
                                 path_for("page", page.slug), "*", title=page.meta.title,
                                 page=page))
    return outputs


def _page(base: dict[str, Any], path: str, template: str, page_path: str, deps: str,
          **context: Any) -> Output:
    ctx = {**base, **context, "page_path": page_path,
           "canonical": base["base_url"] + page_path}
    return Output(path=path, template=template, context=ctx, deps=frozenset({deps}))


def _by_year(events: list[m.Event]) -> list[tuple[str, list[m.Event]]]:
    years: dict[str, list[m.Event]] = {}
    for e in events:
        years.setdefault(e.date.value[:4], []).append(e)
    return list(years.items())
