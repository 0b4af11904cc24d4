"""Property-based: whatever YAML an author writes, the loader and validator return a valid
site or a clean error — never another exception."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import msgspec
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from builder.document import parse_yaml
from builder.errors import ContentError, LoadError, Problem
from builder.load import load_site
from builder.models import Event, Figure, Force, Position, Statement
from builder.validate import validate

SITE = Path(__file__).parent / "sites" / "minimal"
FORCE = "content/forces/testshire.yaml"
LOADED = load_site(SITE)
VALID = (SITE / FORCE).read_text()

FIELD_NAMES = sorted({f.name for cls in (Force, Statement, Figure, Position, Event)
                      for f in msgspec.structs.fields(cls)} | {"testshire", "article", "x"})
scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
           | st.text(max_size=20) | st.sampled_from(["article", "testshire", "jane-doe",
                                                      "new", "not-stated", "2017-12"]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.sampled_from(FIELD_NAMES) | st.text(max_size=8), inner, max_size=6), max_leaves=25)
documents = st.dictionaries(st.sampled_from(FIELD_NAMES), values, max_size=12)


def outcome(text: str) -> object:
    """Load and validate the minimal site with the force file replaced by `text`."""
    try:
        doc = parse_yaml(text, FORCE)
    except LoadError as exc:
        assert isinstance(exc.problem, Problem)
        return exc.problem
    docs = [doc if d.path == FORCE else d for d in LOADED.records["forces"]]
    loaded = replace(LOADED, records={**LOADED.records, "forces": docs})
    try:
        return validate(loaded, SITE)
    except ContentError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file and problem.message
            assert str(problem).startswith(problem.file)
        return exc.problems


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_generated_documents_give_a_site_or_clean_errors(data: dict) -> None:
    outcome(yaml.safe_dump(data, allow_unicode=True))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_mutated_valid_file_gives_a_site_or_clean_errors(data: st.DataObject) -> None:
    text = VALID
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 5))
        insert = data.draw(st.text(alphabet=":-[]{}&*!|>'\"#\n\t %@`,?x0", max_size=4))
        text = text[:at] + insert + text[at + cut:]
    outcome(text)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_gives_a_site_or_clean_errors(text: str) -> None:
    outcome(text)


def test_the_unchanged_file_is_valid() -> None:
    assert not isinstance(outcome(VALID), list)


GOLDEN_PAGES = sorted((Path(__file__).parent / "golden" / "minimal").rglob("*.html"))


PAGE_TEXT = "".join(p.read_text(encoding="utf-8") for p in GOLDEN_PAGES) + (
    '<p>x < y <a href="/late/">late</a> <img src="a.png" alt="<"> a > b <b id="last">')


@given(st.lists(st.integers(min_value=0, max_value=len(PAGE_TEXT)), max_size=40))
def test_link_scanner_finds_the_same_fed_in_any_pieces(cuts: list[int]) -> None:
    """Pages are written in pieces and are scanned as they go: wherever the pieces are
    cut (inside a tag, an attribute, between '<' and '>'), the ids and links found are those
    of the whole page."""
    from builder.links import Scanner

    whole = Scanner()
    whole.feed(PAGE_TEXT)
    pieces = Scanner()
    bounds = [0, *sorted(cuts), len(PAGE_TEXT)]
    for start, end in itertools.pairwise(bounds):
        pieces.feed(PAGE_TEXT[start:end])
    assert pieces.ids == whole.ids
    assert list(pieces.links) == list(whole.links)
    marked = Scanner()  # templates yield str and Markup pieces: `str + Markup` escapes
    for i, (start, end) in enumerate(itertools.pairwise(bounds)):
        marked.feed(Markup(PAGE_TEXT[start:end]) if i % 2 else PAGE_TEXT[start:end])
    assert marked.ids == whole.ids
    assert {"last"} <= whole.ids and "/late/" in whole.links



MARKDOWN_PIECES = ["word", "ARV", " ", "  ", "\n", "\n\n", "*", "**", "_", "`", "[", "]", "(",
                   ")", "/forces/", "#", "## ", "- ", "1. ", "> ", "|", "---", "-", "--", ".",
                   "...", "'", '"', "\\", "<", ">", "<<", "&", "&quot;", "&#39;", "s", "1990",
                   "\x02", "\x03"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(MARKDOWN_PIECES), max_size=30), st.booleans())
def test_markdown_without_typographic_marks_is_the_same_without_smarty(
        pieces: list[str], contents: bool) -> None:
    """Texts with no quote, dash or ellipsis skip smarty's pass (render.TYPOGRAPHIC): their
    HTML is what the converter with smarty makes, whatever Markdown they hold."""
    from builder.render import MarkdownFilter

    class AlwaysSmarty(MarkdownFilter):
        def _converter(self, contents: bool, typographic: bool) -> object:
            return super()._converter(contents, True)

    terms = {"ARV": "Armed Response Vehicle"}
    text = "".join(pieces)
    assert (MarkdownFilter("/base/", abbreviations=terms)._render(text, contents)
            == AlwaysSmarty("/base/", abbreviations=terms)._render(text, contents))


@given(st.text(alphabet=st.sampled_from(
    " \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2003\u2028\u2029\u202f\u3000\u200b"
    "ab-'\"\u2018\u2019\u201c\u201d\u2013\u2014\u2212\u2033\xe9"), max_size=40))
def test_folding_is_quotes_dashes_and_white_space_and_nothing_else(text: str) -> None:
    """The verbatim check's folding: typographic quotes and dashes to ASCII, every run of
    white space (as a regex's \\s knows it) to one space, none at either end."""
    import re

    from builder.quotes import _TRANSLATE, normalise

    expected = re.sub(r"\s+", " ", text.translate(_TRANSLATE)).strip()
    assert normalise(text) == expected
    if expected == text:  # folded already: the text itself, so its cache holds no copy
        assert normalise.__wrapped__(text) is text


@given(st.lists(st.lists(st.sampled_from([
    "/sub/", "/sub/a/", "a/", "../", "#x", "#", "?q", "?q#y", "%41", "#a%20b", "#%00", "/out/",
    "https://e.org/", "#y#z", "https://example.org/sub/a/", "data.csv", "/sub/gone/", " ",
    "\t", "\n", "\r", "//", "\0"]),
    min_size=1, max_size=4), min_size=1, max_size=6))
def test_a_link_is_judged_by_its_path_as_it_was_whole(links_parts: list[list[str]]) -> None:
    """Judging each link's path once (links.Targets.judged, shared by the links of every
    page) and cutting off its fragment gives the target, problem and fragment that judging
    the whole link and splitting it with urlsplit gave."""
    from urllib.parse import unquote, urlsplit

    from builder import links

    files = frozenset({"index.html", "a/index.html", "a/b/index.html", "a/b/other.html",
                       "data.csv"})
    where = links.Targets(files, "/sub/", "https://example.org/sub/")
    for page in ("a/b/index.html", "index.html", "a/b/other.html"):  # two share a folder
        for link in map("".join, links_parts):
            if link.startswith(("#", "?")) or not link:
                target, problem = page, ""
            else:
                target, problem = links._judge(page, link, where)
            fragment = unquote(urlsplit(link).fragment) if target is not None else ""
            assert links._verdict(page, page.rpartition("/")[0], link, where,
                                  where.judged) == (target, problem, fragment)
