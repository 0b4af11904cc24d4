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
    """Base of every record: immutable, keyword-only, unknown keys rejected. A record's
    sequences are tuples, immutable as the record is, and an empty one is shared: the dev
    server keeps every record, and at 10,000 forces 210,000 lists, most of them empty, took
    ~17 MB. (A file's list of records, converted and let go, stays a list.)"""


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
    not_before: Annotated[bool, doc(
        "True when the words fix only the earliest it can be (e.g. figures 'to March 2018' "
        "put an article in 2018 at the earliest): shown as '2018 or later'.")] = False
    inferred: Annotated[bool, doc(
        "True when the article does not state this date and it was worked out.")] = False
    reasoning: Annotated[str | None, doc(
        "Required when inferred: how the date was worked out from the text.")] = None


class Passage(Record, kw_only=True):
    """Words an article gives to one speaker: a quotation, or speech it reports ("X said
    that ..."). Everything outside every passage is the text's own narration."""

    start: Annotated[Excerpt, doc(
        "The passage's first words, verbatim (without the article's opening quote mark).")]
    end: Annotated[Excerpt, doc(
        "The passage's last words, verbatim: the passage runs from `start` to the first `end` "
        "after it, across paragraphs if need be.")]
    person: Annotated[Id | None, doc(
        "The speaker, a person id from people.yaml; null for a body's unnamed "
        "spokesperson (then set `body`).")] = None
    body: Annotated[Id | None, doc(
        "For an unnamed spokesperson: the force, organisation or alliance they speak for.")] = None
    label: Annotated[str | None, doc(
        "How the article names an unnamed speaker, e.g. 'A Wiltshire Police spokesman'.")] = None


class LeftOut(Record, kw_only=True):
    """A sentence of the article that no record cites, on purpose."""

    text: Annotated[Excerpt, doc(
        "The words left out, verbatim: a whole sentence, or enough of one to find it. Every "
        "place the words occur counts (page furniture such as 'Daily Echo:' recurs).")]
    reason: Annotated[str, doc(
        "Why it is left out, e.g. 'an attacker's name', 'photo caption', 'page furniture'.",
        min_length=1)]


SourceKind = Literal["news-article", "news-release"]


class Source(Record, kw_only=True):
    """One news article (or news release) in the source archive."""

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
    kind: Annotated[SourceKind, doc(
        "'news-article' (a reporter's) or 'news-release' (a body's own, e.g. a police "
        "release), as the text shows it.")] = "news-article"
    narrator: Annotated[Id | None, doc(
        "For a news release: the force, organisation or alliance whose words its narration "
        "is. Null for a reporter's article, whose narration is the reporter's.")] = None
    subject: Markdown
    takeaways: Annotated[tuple[Text, ...], doc("What the site takes from this article.")] = ()
    passages: Annotated[tuple[Passage, ...], doc(
        "Who speaks where: every quotation and every reported speech, with its speaker "
        "(`python -m builder passages ID` proposes them from the quote marks). Statements "
        "must lie in their speaker's passages, positions' evidence in the force's own.")] = ()
    left_out: Annotated[tuple[LeftOut, ...], doc(
        "Sentences no record cites, each with the reason; with the cited ones they must "
        "account for every sentence of the article (`python -m builder accounting`).")] = ()


class Position(Record, kw_only=True):
    """A force's position on one comparison attribute, with its citation."""

    value: Annotated[str, doc("One of the attribute's value ids (see attributes.yaml).")]
    detail: Annotated[str | None, doc("A short explanation in the site's own words.")] = None
    source: Id
    evidence: Annotated[Excerpt | None, doc(
        "Verbatim excerpt supporting the cell; required unless the value is 'not-stated'.")] = None
    inferred: Annotated[bool, doc("True when the cell is an inference, not a statement.")] = False
    reasoning: Annotated[str | None, doc("Required when inferred: the reasoning.")] = None
    said_by: Annotated[Id | None, doc(
        "Whose words the evidence is, when they are not the force's own (its people, its "
        "spokesperson, an alliance it belongs to) nor the article's narration: a person id or "
        "a body id. The matrix and force page then show 'per ...'.")] = None


class Statement(Record, kw_only=True):
    """A verbatim quote from an article, with who said it."""

    id: Id
    speaker: Annotated[str | None, doc(
        "Person id of the speaker; null for an unnamed spokesperson.")] = None
    speaker_label: Annotated[str | None, doc(
        "How the article names an unnamed speaker (e.g. 'A Hampshire police spokesman').")] = None
    quote: Annotated[str | tuple[str, ...], doc(
        "The words, verbatim; a list for several paragraphs.")]
    source: Id
    context: Annotated[str | None, doc("One line of context in the site's own words.")] = None


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
    alliances: Annotated[tuple[Id, ...], doc("Alliance ids the force belongs to.")] = ()
    neighbours: Annotated[tuple[Id, ...], doc("Force ids an article calls neighbouring.")] = ()
    summary: Markdown
    caveat: Annotated[Markdown | None, doc(
        "What a reader must know before the answers (e.g. that a row is a national operation "
        "rather than the force's own position); shown first on the force's page.")] = None
    sources: Annotated[tuple[Id, ...], doc("Source ids that mention the force.")]
    positions: Annotated[dict[str, Position], doc(
        "Position per comparison attribute id; every attribute must be present.")] = {}
    statements: tuple[Statement, ...] = ()
    figures: tuple[Figure, ...] = ()


class Organisation(Record, kw_only=True):
    """A body that is not a police force: councils, NPCC, JTAC, business groups."""

    id: Id
    name: Annotated[str, doc("Full name as the article gives it.", min_length=1)]
    kind: Annotated[str, doc("What sort of body: 'council', 'national police body', ...")]
    summary: Markdown
    sources: Annotated[tuple[Id, ...], doc("Source ids that mention it (one at least).",
                                           min_length=1)]
    statements: tuple[Statement, ...] = ()
    figures: tuple[Figure, ...] = ()


class Alliance(Record, kw_only=True):
    """A unit or alliance shared between forces (e.g. EMOpPS)."""

    id: Id
    name: Annotated[str, doc("Full name as the article gives it.", min_length=1)]
    short_name: Annotated[str, doc("Abbreviation or short form.", min_length=1)]
    members: Annotated[tuple[Id, ...], doc("Member force ids.", min_length=1)]
    summary: Markdown
    source: Id
    evidence: Excerpt
    statements: Annotated[tuple[Statement, ...], doc("What the unit's people said.")] = ()
    figures: Annotated[tuple[Figure, ...], doc("Numbers reported about the unit.")] = ()


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


class Order(Record, kw_only=True):
    """An order the article states between two events ("after", "in response to")."""

    after: Annotated[Id, doc("The event this one came after.")]
    evidence: Annotated[Excerpt, doc(
        "The article's words that state the order, verbatim (e.g. 'just months after').")]


class Event(Record, kw_only=True):
    """Something that happened, dated as precisely as its article allows."""

    id: Id
    title: Annotated[str, doc("Short title in the site's own words.", min_length=1)]
    kind: Annotated[EventKind, doc("What sort of event, shown as text on the chronology.")]
    date: Annotated[DateInfo | None, doc(
        "When, as precisely as the article allows; null when the articles do not date it "
        "(then give `clues`, and put the event in timeline/undated.yaml).")] = None
    clues: Annotated[str | None, doc(
        "Required when `date` is null: what the text says about when, in the site's words "
        "with the article's own time words quoted. Shown in the chronology's undated part.")
        ] = None
    follows: Annotated[tuple[Order, ...], doc(
        "Events the article says this one came after; the chronology must list them first, "
        "and a date earlier than theirs is an error.")] = ()
    description: Markdown
    source: Id
    evidence: Excerpt
    forces: Annotated[tuple[Id, ...], doc("Force ids the event concerns.")] = ()
    figures: Annotated[tuple[Id, ...], doc("Figure ids reported for this event.")] = ()


class Timeline(Record, kw_only=True):
    """A timeline file: the events of one year, or (undated.yaml) those the articles do not
    date."""

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
    values: Annotated[tuple[AttributeValue, ...], doc("Allowed values.", min_length=1)]


class Attributes(Record, kw_only=True):
    """The comparison matrix's columns, in display order."""

    attributes: list[Attribute]


class Wording(Record, kw_only=True):
    """One side of a difference in words: a passage as an article gives it."""

    source: Id
    text: Annotated[Excerpt, doc("The passage, verbatim.")]
    person: Annotated[Id | None, doc("Who says it, a person id; null with `body` or for the "
                                     "article's narration.")] = None
    body: Annotated[Id | None, doc("For an unnamed spokesperson: the body they speak for.")] \
        = None


class Conflict(Record, kw_only=True):
    """Figures, or words, that disagree about the same thing, shown side by side."""

    id: Id
    title: Annotated[str, doc("What the figures or words disagree about.", min_length=1)]
    description: Markdown
    figures: Annotated[tuple[Id, ...], doc(
        "The disagreeing figure ids; with `wordings`, two or more sides in all.")] = ()
    wordings: Annotated[tuple[Wording, ...], doc(
        "Passages that differ in words (not numbers), each verbatim with its speaker.")] = ()


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
    summary: Annotated[Markdown | None, doc(
        "The page's bottom line in one or two sentences, shown before anything else (the "
        "home page); cite as the body does.")] = None


class Term(Record, kw_only=True):
    """A term a reader meets on the site, explained only as the articles explain it."""

    id: Annotated[Id, doc("The entry's anchor on /glossary/, e.g. 'arv'.")]
    term: Annotated[str, doc(
        "The term as the site writes it, e.g. 'ARV'; marked wherever it is used.",
        min_length=1)]
    forms: Annotated[tuple[Annotated[str, Meta(min_length=1)], ...], doc(
        "Other spellings marked as this term, e.g. 'ARVs'; matched as whole words, case "
        "and all.")] = ()
    title: Annotated[str, doc(
        "A few words shown when a reader points at the term (its `<abbr title>`): the "
        "articles' own expansion, or what they leave unsaid, e.g. 'not expanded in the "
        "articles'.", min_length=1)]
    definition: Annotated[Markdown, doc(
        "The entry, in the site's words, from the cited article alone; where no article "
        "explains the term, say so.")]
    explained: Annotated[bool, doc(
        "False when no article expands or explains the term: the glossary then says so "
        "rather than filling the gap.")] = True
    inferred: Annotated[bool, doc(
        "True when the meaning is worked out from how an article uses the term rather than "
        "stated by it.")] = False
    reasoning: Annotated[str | None, doc("Required when inferred: how it was worked out.")] \
        = None
    source: Id
    evidence: Annotated[Excerpt, doc(
        "The article's words that expand or explain the term (or, when it is not explained, "
        "that use it), verbatim.")]
    quoted: Annotated[bool, doc(
        "Mark the term only where it follows an opening quotation mark (the threat levels: "
        "'\"critical\"' is the level, 'it is critical that' is not).")] = False


class Glossary(Record, kw_only=True):
    """The glossary file: every term the site marks and explains, in display order."""

    terms: Annotated[list[Term], doc("The glossary's terms, in the order the page lists them.")]


class Update(Record, kw_only=True):
    """One published change of the site's content."""

    id: Annotated[Id, doc(
        "Unique; the update's anchor on /updates/ and, with its date, its feed entry's id "
        "(so never change it once published).")]
    date: Annotated[str, doc("When it was published (YYYY-MM-DD).",
                             pattern=r"^\d{4}-\d{2}-\d{2}$")]
    summary: Annotated[str, doc("What changed, in one line of the site's words.",
                                min_length=1)]
    records: Annotated[tuple[Id, ...], doc(
        "Ids of the records it touched: forces, organisations, alliances, sources, people, "
        "events, statements, figures, conflicts, attributes, glossary terms, or pages (by "
        "file name). Pages showing one of them show this update's date as 'Last updated'.",
        min_length=1)]


class Updates(Record, kw_only=True):
    """The updates file: the log of published changes, newest first or in any order."""

    updates: Annotated[list[Update], doc("Each published change, newest or oldest first.")]


class SiteConfig(Record, kw_only=True):
    """site.yaml: settings for the whole site."""

    title: Annotated[str, doc("Site title.", min_length=1)]
    description: Annotated[str, doc("One-sentence description of the site.")]
    base_url: Annotated[str, doc(
        "Absolute URL the site is published at, e.g. https://user.github.io/repo/.",
        pattern=r"^https?://[^\s]+/$")] = "http://127.0.0.1:8000/"
    language: Annotated[str, doc("BCP 47 language tag.")] = "en-GB"
    published: Annotated[str, doc(
        "When the site was first published (YYYY-MM-DD): a page no recorded update touched "
        "shows it as 'Last updated' (see content/updates.yaml).",
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
    "glossary.yaml": Glossary,
    "updates.yaml": Updates,
}

#: JSON Schema file stem -> record type; YAML files point at these for editor completion.
SCHEMAS: dict[str, type[Record]] = {
    "site": SiteConfig, "source": Source, "force": Force, "organisation": Organisation,
    "alliance": Alliance, "timeline": Timeline, "people": People, "attributes": Attributes,
    "conflicts": Conflicts, "page": PageMeta, "glossary": Glossary, "updates": Updates,
}


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
