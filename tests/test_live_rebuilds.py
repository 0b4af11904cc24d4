"""The dev server's live rebuilds against full builds, after any sequence of edits.

After every edit, the Rebuilder's output folder must hold, byte for byte, what a fresh full
build of the same inputs writes into another folder, whatever the Rebuilder records of what
each page shows. Edits are of two kinds, interleaved: a template made to show other fields of
an object it already shows (the chronology a force's name instead of its short name, the
sources page each source's publisher), and a new value for a content field (a force's name, a
source's publisher, an event's date; an event, a person or a statement added or removed). A
page that shows a field only since a template edit must follow that field's later edits too:
dependencies listed by hand per page kind do not (the issue: the chronology kept a force's
old name), dependencies recorded while the page renders do.

The site is a copy of the `voices` fixture (a force, a council, two people, a dated and an
undated event, one article whose passages have two speakers), with its own article archive
(site.yaml: `sources_archive: archive`). A failing sequence is listed step by step with the
first difference of every stale file; Hypothesis then shrinks it (a minute or two) to a
shortest one, usually a template edit and a content edit.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from builder.build import build
from builder.errors import SiteError
from builder.incremental import Rebuilder
from tests.conftest import ROOT, SITES, make_site
from tests.test_serve import _files

BASE = "voices"
FORCE = "content/forces/testshire.yaml"
COUNCIL = "content/organisations/testshire-council.yaml"
PEOPLE = "content/people.yaml"
SOURCE = "content/sources/article.yaml"
DATED = "content/timeline/2017.yaml"
UNDATED = "content/timeline/undated.yaml"
ATTRIBUTES = "content/attributes.yaml"
METHODOLOGY = "content/pages/methodology.md"
SITE = "site.yaml"


@dataclass(frozen=True)
class Slot:
    """A piece of one input file and the texts it may be replaced with (its own among them)."""

    file: str
    """Path relative to the site root."""
    text: str
    """The fixture's text there: it occurs once in the file."""
    values: st.SearchStrategy[str]
    """What the piece may become."""
    lines: bool = True
    """True when `text` is whole lines (found as such), False for a part of a line."""
    about: tuple[str, ...] = ()
    """For a template's slot, the content files whose records it shows."""
    key: str = ""
    """For a content field's slot, the field's name."""


WORDS = ["Testshire", "Police", "Echo", "Gazette", "Alpha", "Zed", "Ä", "R&D", "<em>x</em>",
         'the "quoted"', "it's"]
"""Words of new values: ordinary ones, ones that sort first or last, and ones to escape."""
words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join)


def rewrite(template: str, old: str, *new: str, about: list[str]) -> Slot:
    """A template expression and the others it may be made to show (the fixture's, less
    often: once a page shows a field, edits of that field are the point)."""
    return Slot(f"templates/{template}", old, st.sampled_from(new) | st.sampled_from([*new, old]),
                lines=False, about=tuple(about))


def field(file: str, line: str) -> Slot:
    """A line `key: value` of a content file, whose value may become other words."""
    key = line.split(":", 1)[0]
    return Slot(file, line, words.map(lambda v: f"{key}: {json.dumps(v)}") | st.just(line),
                key=key.strip())


def choice(file: str, line: str, *others: str) -> Slot:
    """A line `key: value` of a content file, which may become one of `others`."""
    return Slot(file, line, st.sampled_from([*others, line]), key=line.split(":")[0].strip())


def optional(file: str, after: str, key: str) -> Slot:
    """A field the fixture leaves out, which may be added after the line `after`."""
    return Slot(file, after, words.map(lambda v: f"{after}\n{key}: {json.dumps(v)}")
                | st.just(after), key=key.strip())


def block(file: str, after: str, text: str) -> Slot:
    """Lines the fixture has not (an event, a statement...), which may be added after `after`."""
    return Slot(file, after, st.sampled_from([f"{after}\n{text.rstrip()}", after]))


# Template rewrites that stay valid for every content below: each shows other fields of an
# object the template already shows (one field, or several at once), from the content files
# `about` names. Pages shown a field only since such a rewrite are where a dependency list
# written by hand goes stale.
TEMPLATE_EDITS = [
    rewrite("chronology.html", "{{ forces[f].short_name }}", "{{ forces[f].name }}",
            "{{ forces[f].region }}", "{{ forces[f].short_name }} ({{ forces[f].name }}, "
            "{{ forces[f].region }}, {{ forces[f].area }}: {{ forces[f].summary }})",
            about=[FORCE]),
    rewrite("chronology.html", '<h3 class="timeline-title">{{ e.title }}</h3>',
            '<h3 class="timeline-title">{{ e.title }} ({{ sources[e.source].headline }})</h3>',
            about=[SOURCE]),
    rewrite("sources.html", "{{ s.label }}</a></h2>",
            "{{ s.label }}</a></h2>\n<p>{{ s.publisher }}</p>",
            "{{ s.label }}</a></h2>\n<p>{{ s.subject }}</p>",
            "{{ s.label }}</a></h2>\n<p>{{ s.publisher }}: {{ s.headline }} ({{ s.subject }})</p>",
            about=[SOURCE]),
    rewrite("source.html", "<h1>{{ source.label }}</h1>",
            "<h1>{{ source.label }} ({{ people[source.passages[0].person].name }}, "
            "{{ people[source.passages[0].person].role }})</h1>", about=[PEOPLE]),
    rewrite("force.html", "<h1>{{ force.name }}</h1>", "<h1>{{ force.short_name }}</h1>",
            "<h1>{{ force.name }} ({{ force.region }}, {{ force.area }})</h1>", about=[FORCE]),
    rewrite("force.html", "{{ e.title }}</a>\n  <span",
            "{{ e.title }}: {{ e.description }} {{ e.clues }}</a>\n  <span",
            about=[DATED, UNDATED]),
    rewrite("forces.html", '{{ o.name }}</a> <span class="meta">{{ o.kind }}</span>',
            '{{ o.name }}</a> <span class="meta">{{ o.summary }}</span>', about=[COUNCIL]),
    rewrite("home.html", "<li><a href=\"{{ url('source', s.id) }}\">{{ s.label }}</a></li>",
            "<li><a href=\"{{ url('source', s.id) }}\">{{ s.headline }}</a></li>",
            "<li><a href=\"{{ url('source', s.id) }}\">{{ s.label }}</a> {{ s.publisher }}: "
            "{{ s.subject }}</li>", about=[SOURCE]),
    rewrite("home.html", "{{ f.short_name }}</a></li>", "{{ f.area }}</a></li>",
            "{{ f.short_name }}</a> ({{ f.name }}, {{ f.region }}: {{ f.summary }})</li>",
            about=[FORCE]),
    rewrite("people.html", "<strong>{{ p.name }}</strong>, {{ p.role }}",
            "<strong>{{ p.name }}</strong>, {{ p.role }} for {{ (organisations[p.organisation] "
            "if p.organisation in organisations else forces[p.organisation]).name }}",
            about=[PEOPLE, FORCE, COUNCIL]),
    rewrite("partials/cite.html", "<td>{{ f.period or 'Not stated' }}</td>",
            "<td>{{ f.period or 'Not stated' }} ({{ f.unit }}: {{ f.counts }})</td>",
            about=[FORCE]),
    rewrite("base.html", "{{ site.title }}</a>\n", "{{ site.title }}: {{ site.description }}</a>\n",
            about=[SITE]),
    rewrite("matrix.html", "<dd><p>{{ a.question }}</p>", "<dd><p>{{ a.label }}</p>",
            about=[ATTRIBUTES]),
    rewrite("page.html", "<h1>{{ page.meta.title }}</h1>",
            "<h1>{{ page.meta.title }}</h1>\n<p>{{ page.meta.description }}</p>",
            about=[METHODOLOGY]),
]

NEW_STATEMENT = """\
  - id: testshire-reassure
    speaker: jane-doe
    quote: to reassure the public.
    context: Why the patrols
    source: article"""

NEW_EVENT = """\
  - id: testshire-market
    title: Armed patrols at the market
    kind: operation
    date:
      value: "2017-12"
      inferred: true
      reasoning: The article says "this Christmas".
    description: Armed officers patrol the town.
    source: article
    evidence: Armed officers will patrol the town this Christmas.
    forces: [testshire]"""

NEW_PERSON = """\
  - id: jo-bloggs
    name: Jo Bloggs
    role: Councillor
    organisation: testshire-council
    source: article
    evidence: Councillor John Roe, of Testshire Council"""

# Content edits: a field's value changed, added or removed; a record added or removed.
CONTENT_EDITS = [
    field(FORCE, "name: Testshire Police"),
    field(FORCE, "short_name: Testshire"),
    optional(FORCE, "id: testshire", "region"),
    optional(FORCE, "sources: [article]", "area"),
    field(FORCE, "summary: A force that exists only in the tests."),
    optional(FORCE, "  - id: testshire-precaution", "    context"),
    block(FORCE, '    quote: "This is a precautionary measure - to reassure the public."\n'
          "    source: article", NEW_STATEMENT),
    field(FORCE, "    counts: armed operations"),
    field(COUNCIL, "name: Testshire Council"),
    field(COUNCIL, "kind: council"),
    field(COUNCIL, "summary: The council of the tests' town."),
    field(PEOPLE, "    name: Jane Doe"),
    field(PEOPLE, "    role: Chief Inspector"),
    field(PEOPLE, "    name: John Roe"),
    block(PEOPLE, "    evidence: Councillor John Roe, of Testshire Council", NEW_PERSON),
    field(SOURCE, "label: The test article"),
    optional(SOURCE, "id: article", "publisher"),
    choice(SOURCE, "headline: Armed officers will patrol the town this Christmas.",
           "headline: Shoppers will feel safe.", ""),  # a headline is the article's words
    field(SOURCE, "subject: A short article written for the tests, in which two people speak."),
    field(DATED, "    title: Testshire's armed operations in 2017"),
    field(DATED, "    description: Testshire conducted 12 armed operations."),
    choice(DATED, '      value: "2017"', '      value: "2017-06"', '      value: "2017-12-24"'),
    choice(DATED, "    kind: report", "    kind: operation", "    kind: policy"),
    choice(DATED, "    forces: [testshire]", "    forces: []"),
    block(DATED, "events:", NEW_EVENT),
    field(UNDATED, "    title: The council installs bollards"),
    field(UNDATED, "    clues: The article says only that it came \"months\" before the "
          "operations it reports."),
    block(UNDATED, "    kind: security-measure", "    forces: [testshire]"),
    field(ATTRIBUTES, "    label: Festive patrols"),
    field(ATTRIBUTES, "        label: New patrols"),
    field(METHODOLOGY, "title: Methodology"),
    field(METHODOLOGY, "description: How the test records were made."),
    field(SITE, "title: Minimal test site"),
    field(SITE, "description: The smallest valid site."),
]

SLOTS = TEMPLATE_EDITS + CONTENT_EDITS


Step = tuple[str, str, str]
"""An edit: (file, a slot's fixture text, what the slot holds from now on)."""


def marker(index: int) -> str:
    """What stands for slot `index` in its file's skeleton."""
    return f"\x00{index}\x00"


@cache
def skeletons() -> dict[str, str]:
    """Each edited file of the fixture, with every slot's text replaced by its marker."""
    out: dict[str, str] = {}
    for index, slot in enumerate(SLOTS):
        if slot.file not in out:
            fixture = SITES / BASE / slot.file  # as make_site copies it
            text = (fixture if fixture.exists() else ROOT / slot.file).read_text(
                encoding="utf-8")
            out[slot.file] = "\n" + text  # so that every line starts with a newline
        old, new = slot.text, marker(index)
        if slot.lines:
            old, new = f"\n{old}\n", f"\n{new}\n"
        assert out[slot.file].count(old) == 1, f"{slot.text!r} is not once in {slot.file}"
        out[slot.file] = out[slot.file].replace(old, new)
    return {name: text[1:] for name, text in out.items()}


def write(path: Path, text: str) -> None:
    """Write `text` to `path`, making sure the file's time moves: these edits come
    milliseconds apart, faster than some file systems' clocks tick, and the dev server takes
    a file whose time and size are unchanged to be unchanged (as make does)."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    if path.stat().st_mtime_ns <= before:
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


def differences(live: Path, full: Path) -> list[str]:
    """Where the live output differs from a full build's, a line per file, showing the first
    difference in context."""
    mine, theirs = _files(live), _files(full)
    found = []
    for name in sorted(mine.keys() | theirs.keys()):
        a, b = mine.get(name), theirs.get(name)
        if a is None:
            found.append(f"{name}: missing from the live output")
        elif b is None:
            found.append(f"{name}: in the live output, but a full build has no such file")
        elif a != b:
            x, y = _around_difference(a.decode(errors="replace"), b.decode(errors="replace"))
            found.append(f"{name} is stale:\n  live: ...{x}...\n  full: ...{y}...")
    return found


def _around_difference(a: str, b: str, context: int = 40) -> tuple[str, str]:
    """The stretch where `a` and `b` differ, with some text either side."""
    start = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                 min(len(a), len(b)))
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    first = max(0, start - context)
    return a[first:len(a) - end + context][:300], b[first:len(b) - end + context][:300]


class Sites:
    """Two copies of the fixture given the same edits: the Rebuilder watches one; the other
    is built afresh (a full build) after each edit. Each builds into its own folder."""

    def __init__(self, tmp: Path, full: Path | None = None) -> None:
        self.live = make_site(tmp / "live", BASE)
        self.full = full or make_site(tmp / "full", BASE)
        self.rebuilder = Rebuilder(self.live, tmp / "live-output")
        self.full_out = tmp / "full-output"
        self.texts = [slot.text for slot in SLOTS]
        self.done: list[str] = []
        """The edits so far, described."""
        self.built = False
        """True when `full_out` is a full build of the inputs as they are."""
        for file in skeletons():  # a copy shared with earlier sequences starts afresh
            self._write(self.full, file)

    def edit(self, file: str, old: str, new: str) -> None:
        """Make the slot whose fixture text is `old` hold `new`, in both copies."""
        index = next(i for i, s in enumerate(SLOTS) if (s.file, s.text) == (file, old))
        self.texts[index] = new
        for root in (self.live, self.full):
            self.built &= not self._write(root, file)
        self.done.append(f"{len(self.done) + 1}. {file}: {old!r} -> {new!r}")

    def _write(self, root: Path, file: str) -> bool:
        """Write `file` as the slots now make it; True if its text changed."""
        text = skeletons()[file]
        for i, slot in enumerate(SLOTS):
            if slot.file == file:
                text = text.replace(marker(i), self.texts[i])
        path = root / file
        changed = path.read_text(encoding="utf-8") != text
        write(path, text)  # unchanged text too: the Rebuilder must see that nothing changed
        return changed

    def check(self, shows: dict[str, str] | None = None) -> None:
        """Poll the Rebuilder; fail unless each page of `shows` shows its text, and unless the
        output is a full build's, byte for byte."""
        result = self.rebuilder.poll()
        edits = "\n".join(self.done) or "(none: the first build)"
        if not self.built:
            try:
                build(self.full, self.full_out)
            except SiteError as exc:  # then the edits are wrong, not the Rebuilder
                raise AssertionError(f"a full build fails after these edits; keep the edits "
                                     f"of this test valid:\n{edits}\n{exc}") from exc
            self.built = True
        # Plain raises: pytest's rewriting of a failed assert would print whole pages.
        if result is None and not self.done:
            raise AssertionError("the first poll built nothing")
        if result is not None and result.problems:
            raise AssertionError(f"the live rebuild failed where a full build succeeds, "
                                 f"after:\n{edits}\n" + "\n".join(result.problems))
        for page, text in (shows or {}).items():
            if text not in (self.rebuilder.out / page).read_text(encoding="utf-8"):
                raise AssertionError(f"{page} does not show {text!r} after:\n{edits}")
        stale = differences(self.rebuilder.out, self.full_out)
        if stale:
            raise AssertionError(f"the live output is not a full build's after:\n{edits}\n"
                                 + "\n".join(stale))


def run(steps: list[Step], full: Path | None = None) -> None:
    """Build the fixture live and in full, then edit, poll and compare, step by step."""
    with TemporaryDirectory(prefix="live-rebuilds-") as tmp:
        sites = Sites(Path(tmp), full)
        sites.check()
        for step in steps:
            sites.edit(*step)
            sites.check()


# The two scenarios. (i) The fixture's only force, Testshire, stands for the Met: the
# chronology lists it on its event, by short name until the template edit.
SHOW_FORCE_NAMES = ("templates/chronology.html", "{{ forces[f].short_name }}",
                    "{{ forces[f].name }}")
RENAME_FORCE = (FORCE, "name: Testshire Police", 'name: "Testshire Constabulary"')
# (ii) The fixture's article names no publisher: it gets one, then another.
SHOW_PUBLISHERS = ("templates/sources.html", "{{ s.label }}</a></h2>",
                   "{{ s.label }}</a></h2>\n<p>{{ s.publisher }}</p>")


def set_publisher(name: str) -> Step:
    """The edit giving the fixture's article its publisher."""
    return (SOURCE, "id: article", f"id: article\npublisher: {json.dumps(name)}")


def edits_of(slot: Slot) -> st.SearchStrategy[Step]:
    """The edits that give `slot` one of its values."""
    return st.tuples(st.just(slot.file), st.just(slot.text), slot.values)


CONTENT_FILES = sorted({slot.file for slot in CONTENT_EDITS})


def shown(template_text: str) -> set[str]:
    """The names of the fields a piece of template shows (or may show): `x.name` -> name."""
    return set(re.findall(r"\.(\w+)", template_text))


@st.composite
def edit_sequences(draw: st.DrawFn) -> list[Step]:
    """Edits about one content file (swarm testing): of its fields; of templates showing its
    records; and, once a template edit shows a field, of that field. Drawn from all slots
    alike, few sequences would edit a field after a template edit made a page show it."""
    file = draw(st.sampled_from(CONTENT_FILES))
    templates = [edits_of(slot) for slot in TEMPLATE_EDITS if file in slot.about]
    contents = [slot for slot in CONTENT_EDITS if slot.file == file]
    steps: list[Step] = []
    names: set[str] = set()
    for _ in range(draw(st.integers(min_value=2, max_value=10))):
        kinds = [st.one_of(templates), st.one_of([edits_of(slot) for slot in contents])]
        if followers := [edits_of(slot) for slot in contents if slot.key in names]:
            kinds += [st.one_of(followers)] * 2
        step = draw(st.one_of(kinds))
        if step[0].startswith("templates/"):
            names |= shown(step[2])
        steps.append(step)
    return steps


@pytest.fixture(scope="module")
def full_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The copy of the fixture that full builds read, shared by the sequences of edits (each
    writes every edited file afresh first) so that its build caches stay warm."""
    return make_site(tmp_path_factory.mktemp("full"), BASE)


# 40 sequences of 2 to 10 edits: about 30 s here when every rebuild is right. Derandomized,
# without a database: CI runs the same sequences every time.
@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(steps=edit_sequences())
@example(steps=[SHOW_FORCE_NAMES, RENAME_FORCE])
@example(steps=[set_publisher("The Testshire Echo"), SHOW_PUBLISHERS,
                set_publisher("The Testshire Gazette")])
def test_live_rebuilds_equal_full_builds_after_any_edits(full_site: Path,
                                                         steps: list[Step]) -> None:
    run(steps, full_site)


def test_chronology_shows_a_force_name_edited_after_a_template_edit(tmp_path: Path) -> None:
    sites = Sites(tmp_path)
    sites.check()
    sites.edit(*SHOW_FORCE_NAMES)
    sites.check(shows={"chronology/index.html": ">Testshire Police</a>"})
    sites.edit(*RENAME_FORCE)
    sites.check(shows={"chronology/index.html": ">Testshire Constabulary</a>"})


def test_sources_page_shows_a_publisher_edited_after_a_template_edit(tmp_path: Path) -> None:
    sites = Sites(tmp_path)
    sites.edit(*set_publisher("The Testshire Echo"))  # before the first build
    sites.check()
    sites.edit(*SHOW_PUBLISHERS)
    sites.check(shows={"sources/index.html": "<p>The Testshire Echo</p>"})
    sites.edit(*set_publisher("The Testshire Gazette"))
    sites.check(shows={"sources/index.html": "<p>The Testshire Gazette</p>"})
