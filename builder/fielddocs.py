"""What each field of each record means, in one sentence: its own documentation in models.py,
or, for fields typed only by a shared alias (an `Id`, `Markdown`, an `Excerpt`, a nested
list), the sentence below. Used by the editors' schemas and by `new`'s skeletons."""

from __future__ import annotations

import typing
from typing import Any

from msgspec import Meta

from . import models as m

GENERIC = {typing.get_args(alias)[1].description for alias in (m.Id, m.Text, m.Markdown,
                                                                m.Excerpt)}
"""Descriptions of the shared aliases: true of every such field, so they say too little."""

BY_NAME = {
    "id": "Unique id of this record: lowercase letters, digits and single hyphens, e.g. "
          "'devon-and-cornwall'.",
    "source": "Id of the article this rests on (a file under content/sources/).",
    "evidence": "Verbatim words of the cited article, checked against it word for word.",
    "summary": "The story, in the site's own words (Markdown); site links start with '/'.",
    "subject": "What the article is about, in the site's words (Markdown).",
    "description": "In the site's own words (Markdown).",
    "statements": "Quotations of people speaking for this body, each verbatim with its speaker.",
    "figures": "Numbers the articles report about this body.",
    "events": "The events of this file's year (or, in undated.yaml, undated ones).",
    "people": "People quoted or named in the articles.",
    "attributes": "The comparison matrix's columns, in display order.",
    "conflicts": "Figures or words that disagree about the same thing.",
}
"""Sentences for fields whose type alone documents them (keyed by field name)."""

ID_FILE = "Equals the file name (content/{folder}/<id>.yaml)."
"""The id of a record kept one to a file."""
FOLDERS = {m.Source: "sources", m.Force: "forces", m.Organisation: "organisations",
           m.Alliance: "alliances"}


def describe(cls: type, name: str) -> str:
    """One sentence on field `name` of record type `cls`."""
    own = _own(typing.get_type_hints(cls, include_extras=True)[name])
    if own:
        return own
    if name == "id" and cls in FOLDERS:
        return BY_NAME["id"] + " " + ID_FILE.format(folder=FOLDERS[cls])
    if name == "figures" and cls in (m.Event, m.Conflict):
        return "Ids of figures (in a force's or organisation's `figures`)."
    return BY_NAME.get(name, "")


def _own(tp: Any) -> str:
    """The field's own description: the last one its annotations give, unless it is only a
    shared alias's."""
    texts = [x.description for x in getattr(tp, "__metadata__", ()) if isinstance(x, Meta)
             and x.description]
    return texts[-1] if texts and texts[-1] not in GENERIC else ""
