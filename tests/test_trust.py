"""Trust tools: the glossary marked on every page, the updates log and its Atom feed, a link
to every claim, and the data page (issue #16)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import feedparser
import pytest
import yaml
from conftest import ROOT, make_site
from test_errors import errors

from builder import models as m
from builder.build import build
from builder.glossary import Marker
from builder.updates import entry_id

BASE = "https://example.org/armed/"
UPDATES = "content/updates.yaml"
GLOSSARY = "content/glossary.yaml"
MINIMAL = Path(__file__).parent / "sites" / "minimal"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real site built once, under a sub-path."""
    target = tmp_path_factory.mktemp("trust") / "output"
    build(ROOT, out=target, base_url=BASE)
    return target


@pytest.fixture(scope="module")
def minimal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minimal fixture site built once (its glossary and updates are made for these
    tests)."""
    tmp = tmp_path_factory.mktemp("minimal")
    root = make_site(tmp)
    build(root, out=tmp / "output")
    return tmp / "output"


def _html(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(out.rglob("*.html"))}


def _main(html: str) -> str:
    return html.split('<main id="main-content"', 1)[1].split("</main>", 1)[0]


def _updates() -> list[m.Update]:
    data = yaml.safe_load((ROOT / UPDATES).read_text(encoding="utf-8"))
    return [m.Update(**u) for u in data["updates"]]


# --- Glossary -------------------------------------------------------------------------------

def test_first_use_in_markdown_is_marked_and_links_to_its_entry(minimal: Path) -> None:
    """Markdown's abbr marks go through the page's marker: the first use becomes the glossary
    link, a heading's use and later uses stay plain text; a `quoted` term counts only after
    an opening quotation mark."""
    main = _main((minimal / "index.html").read_text(encoding="utf-8"))
    assert main.count('class="term"') == 2
    assert ('<p>Testshire’s officers will patrol, a <a class="term" '
            'href="/glossary/#precautionary-measure"><abbr title="A measure to reassure the '
            'public">precautionary measure</abbr></a>. See') in main
    assert "<h2>Every precautionary measure</h2>" in main
    assert ('<p>More precautionary measures, and patrols at “<a class="term" '
            'href="/glossary/#christmas"><abbr title="When the patrols happen">Christmas</abbr>'
            '</a>” but not at Christmas.</p>') in main


def test_first_use_in_template_text_is_marked(minimal: Path) -> None:
    """Text a template writes (a statement's quote) is marked too; the unquoted 'Christmas'
    of a position's evidence is not."""
    main = _main((minimal / "forces/testshire/index.html").read_text(encoding="utf-8"))
    assert main.count('class="term"') == 1
    assert ('<p>This is a <a class="term" href="/glossary/#precautionary-measure"><abbr '
            'title="A measure to reassure the public">precautionary measure</abbr></a> - to '
            'reassure the public.</p>') in main
    assert "<q>Armed officers will patrol the town this Christmas.</q>" in main


def test_terms_are_never_marked_in_headings_links_titles_attributes_or_twice() -> None:
    marker = Marker([_term("arv", "ARV", "Armed Response Vehicle")], "/g/")
    page = ('<html><head><title>ARV</title></head><body><p>ARV outside main</p>'
            '<main><h2>ARV</h2><p title="ARV"><a href="/x/">ARV</a> then ARV, ARV</p>'
            '<p><abbr title="Armed Response Vehicle">ARV</abbr></p></main></body></html>')
    assert "".join(marker(iter([page]))) == (
        '<html><head><title>ARV</title></head><body><p>ARV outside main</p>'
        '<main><h2>ARV</h2><p title="ARV"><a href="/x/">ARV</a> then <a class="term" '
        'href="/g/#arv"><abbr title="Armed Response Vehicle">ARV</abbr></a>, ARV</p>'
        '<p>ARV</p></main></body></html>')


def test_marking_does_not_depend_on_where_pieces_are_cut() -> None:
    """Pages stream in pieces cut anywhere (inside a tag, a word, an abbr): the output is
    the same as for the whole page."""
    marker = Marker([_term("arv", "ARV", "Armed Response Vehicle"),
                     _term("severe", "severe", "A level", quoted=True),
                     _term("afo", "authorised firearms officers", "Not defined")], "/g/")
    page = ('<main><h1>ARV</h1><p>A severe test: “severe” and all authorised firearms '
            'officers in an <abbr title="Armed Response Vehicle">ARV</abbr>, ARV.</p>'
            '<p><q>severe</q> <abbr title="Mine">MINE</abbr></p></main>')
    whole = "".join(marker(iter([page])))
    assert whole.count('class="term"') == 3 and '<abbr title="Mine">MINE</abbr>' in whole
    for cut in range(1, len(page)):
        assert "".join(marker(iter([page[:cut], page[cut:]]))) == whole, cut
    assert "".join(marker(iter(page))) == whole  # one character at a time


def test_glossary_page_has_every_term_with_its_evidence(out: Path) -> None:
    terms = yaml.safe_load((ROOT / GLOSSARY).read_text(encoding="utf-8"))["terms"]
    main = _main((out / "glossary/index.html").read_text(encoding="utf-8"))
    for t in terms:
        entry = main.split(f'<div id="{t["id"]}" class="glossary-entry">', 1)[1].split(
            "</dd>", 1)[0]
        assert f"<dfn>{t['term']}</dfn>" in entry, t["id"]
        assert f'href="/armed/glossary/#{t["id"]}"' in entry, t["id"]  # its own link
        flagged = 'class="tag tag-unexplained"' in entry  # an unexplained term says so, once
        assert flagged == (not t.get("explained", True)), t["id"]
        assert entry.count("in the articles</span>") <= 1, t["id"]


def test_required_terms_are_in_the_glossary() -> None:
    """The terms the issue names, each with a cited definition."""
    terms = {t["term"] for t in
             yaml.safe_load((ROOT / GLOSSARY).read_text(encoding="utf-8"))["terms"]}
    assert {"ARV", "CTSFO", "JTAC", "NPCC", "EMOpPS", "PCC", "DCC",
            "authorised firearms officers", "Operation Temperer",
            "hostile vehicle mitigation", "severe", "critical"} <= terms


def test_every_page_marks_each_term_at_most_once(out: Path) -> None:
    for name, html in _html(out).items():
        marked = re.findall(r'<a class="term" href="/armed/glossary/#([a-z0-9-]+)">', html)
        assert len(marked) == len(set(marked)), name
        head = html.split("<main", 1)[0]
        assert 'class="term"' not in head, name


# --- Updates, 'Last updated' and the feed -----------------------------------------------------

def test_each_page_is_as_new_as_the_latest_update_touching_what_it_shows(minimal: Path) -> None:
    def updated(page: str) -> str:
        html = (minimal / page).read_text(encoding="utf-8")
        return re.findall(r'Last updated <time datetime="([0-9-]+)">', html)[0]

    assert updated("forces/testshire/index.html") == "2026-02-03"  # its figure, then
    assert updated("sources/article/index.html") == "2026-01-05"
    assert updated("glossary/index.html") == "2026-02-03"
    assert updated("index.html") == "2026-02-03"  # the home page shows the whole site
    assert updated("chronology/index.html") == "2026-01-02"  # untouched: first publication


def test_every_page_links_the_feed_and_says_when_it_was_last_updated(out: Path) -> None:
    for name, html in _html(out).items():
        head = html.split("</head>", 1)[0]
        assert ('<link rel="alternate" type="application/atom+xml" href="/armed/updates.xml"'
                in head), name
        footer = html.split("<footer", 1)[1]
        assert re.search(r'Last updated <time datetime="\d{4}-\d{2}-\d{2}">', footer), name


def test_feed_parses_and_every_entry_has_an_id_a_time_and_a_link(out: Path) -> None:
    feed = feedparser.parse((out / "updates.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    updates = _updates()
    assert len(feed.entries) == len(updates) > 0
    for entry in feed.entries:
        assert entry.id and entry.updated_parsed and entry.link.startswith(BASE + "updates/#")
    assert sorted(e.id for e in feed.entries) == sorted(entry_id(u) for u in updates)
    assert feed.feed.link == BASE + "updates/" and feed.feed.id.startswith("urn:uuid:")


def test_feed_ids_stay_the_same_across_builds_and_addresses(tmp_path: Path, out: Path) -> None:
    build(ROOT, out=tmp_path / "again", base_url="https://elsewhere.example/")
    ids = [e.id for e in feedparser.parse((out / "updates.xml").read_bytes()).entries]
    again = feedparser.parse((tmp_path / "again/updates.xml").read_bytes()).entries
    assert [e.id for e in again] == ids and len(set(ids)) == len(ids)


def test_updates_page_lists_every_update_newest_first_with_what_it_touched(out: Path) -> None:
    main = _main((out / "updates/index.html").read_text(encoding="utf-8"))
    updates = _updates()
    found = re.findall(r'<li id="([a-z0-9-]+)" class="update">', main)
    assert sorted(found) == sorted(u.id for u in updates)
    dates = [next(u.date for u in updates if u.id == i) for i in found]
    assert dates == sorted(dates, reverse=True)
    touched = main.split('<li id="glossary-and-updates" class="update">', 1)[1].split("</li>")[0]
    assert '<a href="/armed/glossary/#ctsfo">Glossary: CTSFO</a>' in touched


def test_sitemap_lists_the_new_pages(out: Path) -> None:
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    for page in ("glossary/", "updates/", "data/"):
        assert f"<loc>{BASE}{page}</loc>" in sitemap, page


# --- A link to every claim --------------------------------------------------------------------

def test_every_claim_in_the_downloads_has_an_address_that_links_to_itself(out: Path) -> None:
    """Each JSON download's `url`s (the matrix's one per question) are absolute, and the page
    they name has the claim's id and a visible link to it."""
    pages = _html(out)
    seen = 0
    for name in ("matrix", "chronology", "figures", "statements"):
        for row in json.loads((out / f"data/{name}.json").read_bytes()):
            for key, url in row.items():
                if key != "url" and not key.endswith("_url"):
                    continue
                assert url.startswith(BASE), url
                path, _, anchor = url.removeprefix(BASE).partition("#")
                html = pages[path + "index.html"]
                assert f'id="{anchor}"' in html, url
                assert f'class="self-link" href="/armed/{path}#{anchor}">#<span' in html, url
                seen += 1
    assert seen > 200


def test_every_matrix_cell_statement_figure_and_event_links_to_itself(out: Path) -> None:
    pages = _html(out)
    matrix = pages["matrix/index.html"]
    # Every force's answer has its anchor, also where identical rows are merged into one.
    anchors = re.findall(r'id="(cell-[a-z0-9-]+)"', matrix)
    assert len(set(anchors)) == len(json.loads((out / "data/matrix.json").read_bytes())) * len(
        yaml.safe_load((ROOT / "content/attributes.yaml").read_text())["attributes"])
    cells = re.findall(r'<td id="(cell-[a-z0-9-]+)"', matrix)
    for cell in cells:
        assert f'href="/armed/matrix/#{cell}">#<span class="visually-hidden"> Link to' in matrix
    for name, html in pages.items():
        for kind, ids in (("statement", re.findall(r'<figure class="quote" id="([^"]+)"', html)),
                          ("event", re.findall(r'<li id="([^"]+)" class="timeline-item"', html))):
            for ident in ids:
                assert (f'href="/armed/{name.removesuffix("index.html")}#{ident}">#<span '
                        f'class="visually-hidden"> Link to this {kind}') in html, (name, ident)


# --- The data page ----------------------------------------------------------------------------

def test_data_page_lists_every_download_with_its_columns(out: Path) -> None:
    page = (out / "data/index.html").read_text(encoding="utf-8")
    files = sorted(p.relative_to(out).as_posix() for p in (out / "data").iterdir()
                   if p.suffix in (".csv", ".json"))
    assert len(files) >= 10
    for name in files:
        assert f'href="/armed/{name}" download>' in page, name
        if name.endswith(".csv"):
            text = (out / name).read_bytes().decode("utf-8-sig")
            for column in next(csv.reader(io.StringIO(text))):
                assert f"<code>{column}</code>" in page, (name, column)


# --- Errors -----------------------------------------------------------------------------------

def _term(ident: str, term: str, title: str, quoted: bool = False) -> m.Term:
    return m.Term(id=ident, term=term, title=title, definition="d", source="s",
                  evidence="evidence", quoted=quoted)


def _minimal(name: str, old: str, new: str) -> dict[str, str | bytes | None]:
    text = (MINIMAL / name).read_text(encoding="utf-8")
    assert old in text, old
    return {name: text.replace(old, new, 1)}


ERROR_CASES = {
    "unknown-record": (
        _minimal(UPDATES, "records: [testshire, article]", "records: [testshire, artcle]"),
        [f"{UPDATES}:5:26: updates[0].records[1]: unknown record 'artcle'; "
         "did you mean 'article'?"]),
    "not-one-line": (
        _minimal(UPDATES, "summary: Testshire and its article.",
                 "summary: \"Testshire\\nand its article.\""),
        [f"{UPDATES}:4:14: updates[0].summary: the summary is more than one line; say what "
         "changed in one line (a long line may be folded with '>-')"]),
    "evidence-not-verbatim": (
        _minimal(GLOSSARY, "evidence: This is a precautionary measure",
                 "evidence: This is a careful measure"),
        [f"{GLOSSARY}:8:25: terms[0].evidence: quote differs from the article (source "
         "'article'): after 'This is a' the article has 'precautionary measure - to reassure' "
         "where the quote has 'careful measure - to reassure'; copy the words exactly from "
         "the article"]),
    "unknown-source": (
        _minimal(GLOSSARY, "    source: article\n    evidence: Armed",
                 "    source: artcle\n    evidence: Armed"),
        [f"{GLOSSARY}:14:13: terms[1].source: unknown source 'artcle'; "
         "did you mean 'article'?"]),
    "duplicate-term": (
        _minimal(GLOSSARY, "id: christmas", "id: precautionary-measure"),
        [f"{GLOSSARY}:9:9: terms[1].id: duplicate glossary term id 'precautionary-measure'; "
         f"it is already used at {GLOSSARY}:2; choose another"]),
    "spelling-of-two-terms": (
        _minimal(GLOSSARY, "forms: [precautionary measures]",
                 "forms: [precautionary measures, Christmas]"),
        [f"{GLOSSARY}:10:11: terms[1].term: 'Christmas' is already a spelling of term "
         "'precautionary-measure'; give each spelling to one term only"]),
    "ambiguous-record": (
        _minimal(GLOSSARY, "id: christmas", "id: testshire"),
        [f"{UPDATES}:5:15: updates[0].records[0]: 'testshire' names a force, organisation or "
         "alliance and a glossary term; give one of them another id, so an update can say "
         "which it touched"]),
    "inferred-without-reasoning": (
        _minimal(GLOSSARY, "    quoted: true\n", "    quoted: true\n    inferred: true\n"),
        [f"{GLOSSARY}:9:5: terms[1]: an inferred meaning needs its reasoning; "
         "add 'reasoning:'"]),
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_glossary_and_updates_errors(tmp_path: Path, case: str) -> None:
    files, expected = ERROR_CASES[case]
    assert errors(tmp_path, files) == expected
