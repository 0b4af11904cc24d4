"""Typed records: what an author may write in each YAML file, field by field.

Each class is one record kind; each field carries its documentation in `Meta(description=...)`,
which also lands in the exported JSON Schema so an editor can show it while the author types.
Unknown keys are rejected (`forbid_unknown_fields`).
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


def doc(text: str, **constraints: object) -> Meta:
    """Shorthand for a field's documentation (and optional constraints)."""
    return Meta(description=text, **constraints)  # type: ignore[arg-type]


Id = Annotated[str, doc("A record id: lowercase letters, digits and single hyphens.",
                        pattern=ID_PATTERN, max_length=64)]
Text = Annotated[str, doc("Plain text, one line or a short paragraph.", min_length=1)]
Markdown = Annotated[str, doc("Markdown in the site's own words; raw HTML is escaped.")]
Excerpt = Annotated[str, doc("A verbatim excerpt of the cited article, checked against it.",
                             min_length=3)]


class Record(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """Base of every record: immutable, keyword-only, unknown keys rejected."""


class DateInfo(Record, kw_only=True):
    """A date exactly as precise as its article allows, never more."""

    stated: Annotated[str | None, doc(
        "The date as the article words it, verbatim (e.g. 'Friday, December 1'); null when "
        "the article states none and the date is inferred.")] = None
    value: Annotated[str, doc(
        "ISO 8601 at the known precision: YYYY, YYYY-MM or YYYY-MM-DD.",
        pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")]
    approximate: Annotated[bool, doc(
        "True when the date is only roughly known (shown as 'around').")] = False
    inferred: Annotated[bool, doc(
        "True when the article does not state this date and it was worked out.")] = False
    reasoning: Annotated[str | None, doc(
        "Required when inferred: how the date was worked out from the text.")] = None


class Source(Record, kw_only=True):
    """One news article in the source archive."""

    id: Id
    file: Annotated[str, doc("File name of the article's text in the source archive.",
                             pattern=r"^[A-Za-z0-9_.-]+\.txt$")]
    label: Annotated[str, doc(
        "The site's own short name for the article (not a headline).", min_length=1)]
    headline: Annotated[str | None, doc(
        "The headline, only if the text itself states one.")] = None
    publisher: Annotated[str | None, doc(
        "The publisher, only as the text names it; null if it does not.")] = None
    publisher_evidence: Annotated[str | None, doc(
        "Verbatim words of the text that name the publisher.")] = None
    url: Annotated[str | None, doc(
        "The article's URL, only if the text states one (none of the five does).")] = None
    date: Annotated[DateInfo | None, doc("Publication date, stated or inferred.")] = None
    subject: Markdown
    takeaways: Annotated[list[Text], doc("What the site takes from this article.")] = []


class Position(Record, kw_only=True):
    """A force's position on one comparison attribute, with its citation."""

    value: Annotated[str, doc("One of the attribute's value ids (see attributes.yaml).")]
    detail: Annotated[str | None, doc("A short explanation in the site's own words.")] = None
    source: Id
    evidence: Annotated[Excerpt | None, doc(
        "Verbatim excerpt supporting the cell; required unless the value is 'not-stated'.")] = None
    inferred: Annotated[bool, doc("True when the cell is an inference, not a statement.")] = False
    reasoning: Annotated[str | None, doc("Required when inferred: the reasoning.")] = None


class Statement(Record, kw_only=True):
    """A verbatim quote from an article, with who said it."""

    id: Id
    speaker: Annotated[str | None, doc(
        "Person id of the speaker; null for an unnamed spokesperson.")] = None
    speaker_label: Annotated[str | None, doc(
        "How the article names an unnamed speaker (e.g. 'A Hampshire police spokesman').")] = None
    quote: Annotated[str | list[str], doc(
        "The words, verbatim; a list for several paragraphs.")]
    source: Id
    context: Annotated[str | None, doc("One line of context in the site's own words.")] = None
    topics: Annotated[list[Id], doc("Free tags, e.g. 'reassurance', 'threat'.")] = []


class Figure(Record, kw_only=True):
    """A number an article reports."""

    id: Id
    value: Annotated[float, doc("The number as stated (e.g. 283, 2280, 125000).")]
    qualifier: Annotated[Literal["exact", "more-than", "up-to", "about"], doc(
        "How the article qualifies the number ('more than 500', 'up to 3,800').")] = "exact"
    unit: Annotated[str, doc("What one unit is: 'operations', 'per cent', 'GBP', ...")]
    counts: Annotated[Text, doc("What the number counts, in a short phrase.")]
    period: Annotated[str | None, doc("The period it covers, as the article states it.")] = None
    source: Id
    evidence: Excerpt
    series: Annotated[Id | None, doc("Groups figures charted together (e.g. a yearly series).")] \
        = None


class Force(Record, kw_only=True):
    """A police force named in the articles."""

    id: Id
    name: Annotated[str, doc("Full name, e.g. 'Hampshire Constabulary'.", min_length=1)]
    short_name: Annotated[str, doc("Name used in tables and lists.", min_length=1)]
    region: Annotated[str | None, doc(
        "Region, only as an article places the force; null otherwise.")] = None
    area: Annotated[str | None, doc("The area the force polices, in the site's words.")] = None
    alliances: Annotated[list[Id], doc("Alliance ids the force belongs to.")] = []
    neighbours: Annotated[list[Id], doc("Force ids an article calls neighbouring.")] = []
    summary: Markdown
    sources: Annotated[list[Id], doc("Source ids that mention the force.")]
    positions: Annotated[dict[str, Position], doc(
        "Position per comparison attribute id; every attribute must be present.")] = {}
    statements: list[Statement] = []
    figures: list[Figure] = []


class Organisation(Record, kw_only=True):
    """A body that is not a police force: councils, NPCC, JTAC, business groups."""

    id: Id
    name: Annotated[str, doc("Full name as the article gives it.", min_length=1)]
    kind: Annotated[str, doc("What sort of body: 'council', 'national police body', ...")]
    summary: Markdown
    sources: Annotated[list[Id], doc("Source ids that mention it.")]
    statements: list[Statement] = []
    figures: list[Figure] = []


class Alliance(Record, kw_only=True):
    """A unit or alliance shared between forces (e.g. EMOpPS)."""

    id: Id
    name: Annotated[str, doc("Full name as the article gives it.", min_length=1)]
    short_name: Annotated[str, doc("Abbreviation or short form.", min_length=1)]
    members: Annotated[list[Id], doc("Member force ids.", min_length=1)]
    summary: Markdown
    source: Id
    evidence: Excerpt
    statements: Annotated[list[Statement], doc("What the unit's people said.")] = []
    figures: Annotated[list[Figure], doc("Numbers reported about the unit.")] = []


class Person(Record, kw_only=True):
    """Someone quoted or named in the articles."""

    id: Id
    name: Annotated[str, doc("Name as the article gives it.", min_length=1)]
    role: Annotated[str, doc("Role or rank as the article gives it.", min_length=1)]
    organisation: Annotated[str, doc("Id of the force, organisation or alliance they speak for.")]
    source: Id
    evidence: Excerpt


EventKind = Literal[
    "attack", "threat-level", "force-announcement", "operation", "policy", "report",
    "security-measure", "consultation",
]


class Event(Record, kw_only=True):
    """Something that happened, dated as precisely as its article allows."""

    id: Id
    title: Annotated[str, doc("Short title in the site's own words.", min_length=1)]
    kind: Annotated[EventKind, doc("What sort of event, shown as text on the chronology.")]
    date: DateInfo
    description: Markdown
    source: Id
    evidence: Excerpt
    forces: Annotated[list[Id], doc("Force ids the event concerns.")] = []
    figures: Annotated[list[Id], doc("Figure ids reported for this event.")] = []


class Timeline(Record, kw_only=True):
    """A timeline file: the events of one year (or of undated matters)."""

    events: list[Event]


class AttributeValue(Record, kw_only=True):
    """One allowed value of a comparison attribute."""

    id: Id
    label: Annotated[str, doc("Text shown in the matrix cell.", min_length=1)]
    description: Annotated[str | None, doc("What the value means.")] = None


class Attribute(Record, kw_only=True):
    """A column of the comparison matrix."""

    id: Id
    label: Annotated[str, doc("Column heading.", min_length=1)]
    question: Annotated[str, doc("The question the column answers.", min_length=1)]
    values: Annotated[list[AttributeValue], doc("Allowed values.", min_length=1)]


class Attributes(Record, kw_only=True):
    """The comparison matrix's columns, in display order."""

    attributes: list[Attribute]


class Conflict(Record, kw_only=True):
    """Figures that disagree about the same thing, shown side by side."""

    id: Id
    title: Annotated[str, doc("What the figures disagree about.", min_length=1)]
    description: Markdown
    figures: Annotated[list[Id], doc("The disagreeing figure ids (two or more).",
                                     min_length=2)]


class Conflicts(Record, kw_only=True):
    """The conflicts file."""

    conflicts: list[Conflict]


class People(Record, kw_only=True):
    """The people file."""

    people: list[Person]


class PageMeta(Record, kw_only=True):
    """Front matter of a Markdown page under content/pages/."""

    title: Annotated[str, doc("Page title, the page's single h1.", min_length=1)]
    description: Annotated[str, doc("One sentence for search engines and link previews.")]
    nav: Annotated[int | None, doc("Position in the main navigation; null to leave out.")] = None


class SiteConfig(Record, kw_only=True):
    """site.yaml: settings for the whole site."""

    title: Annotated[str, doc("Site title.", min_length=1)]
    description: Annotated[str, doc("One-sentence description of the site.")]
    base_url: Annotated[str, doc(
        "Absolute URL the site is published at, e.g. https://user.github.io/repo/.",
        pattern=r"^https?://[^\s]+/$")] = "http://127.0.0.1:8000/"
    language: Annotated[str, doc("BCP 47 language tag.")] = "en-GB"
    updated: Annotated[str, doc(
        "When the content was last changed (YYYY-MM-DD), shown on every page.",
        pattern=r"^\d{4}-\d{2}-\d{2}$")]
    sources_archive: Annotated[str | None, doc(
        "Folder of the articles' texts, relative to site.yaml; quotes are checked against it. "
        "Null skips the check.")] = "../shared/sources"


#: Which record type each content folder or file holds.
FILE_KINDS: dict[str, type[Record]] = {
    "sources": Source,
    "forces": Force,
    "organisations": Organisation,
    "alliances": Alliance,
    "timeline": Timeline,
    "people.yaml": People,
    "attributes.yaml": Attributes,
    "conflicts.yaml": Conflicts,
}

#: JSON Schema file stem -> record type; YAML files point at these for editor completion.
SCHEMAS: dict[str, type[Record]] = {
    "site": SiteConfig, "source": Source, "force": Force, "organisation": Organisation,
    "alliance": Alliance, "timeline": Timeline, "people": People, "attributes": Attributes,
    "conflicts": Conflicts, "page": PageMeta,
}


def json_schemas() -> dict[str, bytes]:
    """Each record kind's JSON Schema, as file name -> bytes (deterministic)."""
    import json

    return {f"{stem}.schema.json": json.dumps(
        {"$schema": "https://json-schema.org/draft/2020-12/schema",
         **msgspec.json.schema(cls)}, indent=2, sort_keys=True).encode() + b"\n"
        for stem, cls in SCHEMAS.items()}


def markdown_fields(cls: type) -> tuple[str, ...]:
    """Names of `cls`'s fields typed `Markdown` (rendered by the templates' `markdown`
    filter), so a build can render all of them up front, in parallel."""
    hit = _MARKDOWN_FIELDS.get(cls)
    if hit is None:
        import typing

        hints = typing.get_type_hints(cls, include_extras=True)
        hit = _MARKDOWN_FIELDS[cls] = tuple(
            name for name in getattr(cls, "__struct_fields__", ()) if hints[name] in (
                Markdown, Markdown | None))
    return hit


_MARKDOWN_FIELDS: dict[type, tuple[str, ...]] = {}
