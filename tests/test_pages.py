"""Pages, charts, downloads and the link checker, checked on the built files (no browser)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, make_site
from markupsafe import Markup

from builder import charts, downloads, links
from builder.build import build
from builder.downloads import Table, csv_chunks, json_chunks, safe_cell
from builder.errors import ContentError
from builder.outputs import Output
from builder.render import BIG_PIECE, make_env, render_page

BUDGET = 100 * 1024
JS_BUDGET = 15 * 1024


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real site built once, under a sub-path to prove no link hard-codes '/'."""
    target = tmp_path_factory.mktemp("pages") / "output"
    build(ROOT, out=target, base_url="https://example.org/armed/")
    return target


def _html(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(out.rglob("*.html"))}


def test_every_page_has_one_h1_lang_landmarks_and_skip_link(out: Path) -> None:
    """One h1, lang en-GB, header/main/footer, a skip link first, a dated footer."""
    for name, html in _html(out).items():
        assert html.count("<h1") == 1, name
        assert '<html lang="en-GB">' in html, name
        for landmark in ("<header", '<main id="main-content"', "<footer", 'aria-label="Main"'):
            assert landmark in html, (name, landmark)
        body = html.split("<body>", 1)[1]
        assert body.lstrip().startswith('<a class="skip-link" href="#main-content">'), name
        assert '<time datetime="' in html.split("<footer", 1)[1], name


def test_no_third_party_requests_and_no_inline_script(out: Path) -> None:
    """Only the site's own assets are loaded; scripts are files (CSP-friendly)."""
    for name, html in _html(out).items():
        for src in re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', html):
            if 'rel="canonical"' in src:
                continue
            assert not src.startswith(("http:", "https:", "//")) or src.startswith(
                "https://example.org/armed/"), (name, src)
        inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
        assert all('type="application/ld+json"' in attrs for attrs in inline), name
        assert " style=" not in html and " on" + "click=" not in html, name


def test_page_weight_budget(out: Path) -> None:
    """Each page with its CSS and JS is at most 100 KB; JavaScript at most 15 KB."""
    heavy = []
    for name, html in _html(out).items():
        size = len(html.encode())
        js = 0
        for ref in re.findall(r'(?:href|src)="/armed/(assets/[^"]+\.(?:css|js|svg))"', html):
            asset_size = (out / ref).stat().st_size
            size += asset_size
            js += asset_size if ref.endswith(".js") else 0
        assert js <= JS_BUDGET, (name, js)
        if size > BUDGET:
            heavy.append(f"{name}: {size} bytes")
    assert heavy == []


def test_matrix_is_a_real_table_with_every_cell_cited(out: Path) -> None:
    """Caption, th scope, a labelled focusable region, every cell linked to its position."""
    html = (out / "matrix/index.html").read_text()
    assert 'role="region" aria-labelledby="matrix-caption" tabindex="0"' in html
    assert '<caption id="matrix-caption">' in html
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    rows = re.findall(r'<th scope="row"[^>]*>(.*?)</th>', body, re.S)
    named = [f for r in rows for f in re.findall(r'href="/armed/forces/([a-z-]+)/"', r)]
    assert len(named) == len(set(named)) == 13  # every force once; identical rows merged
    assert len(rows) < 13
    cells = re.findall(r"<td [^>]*>(.*?)</td>", body, re.S)
    assert len(cells) == len(rows) * 11
    for c in cells:  # an answer links to its evidence; "not stated" is plain grey text
        assert ('href="/armed/forces/' in c and "#position-" in c) or (
            '<span class="not-stated">' in c and 'class="answer' not in c)
    counts = re.findall(r"<tr class=\"column-counts\">(.*?)</tr>", html, re.S)[0]
    assert "No specific threat: 9 of 13" in counts
    assert "aria-sort" not in html  # only the script sets it, on the sorted column
    assert 'role="status"' in html


def test_chronology_items_have_time_kind_and_source(out: Path) -> None:
    """Each event: <time datetime>, its kind as text, a source link; imprecise dates said so."""
    html = (out / "chronology/index.html").read_text()
    items = re.findall(r'<li id="[^"]+" class="timeline-item">(.*?)</li>', html, re.S)
    assert len(items) >= 15
    for item in items:  # a dated event shows its date; one the articles do not date says so
        assert (re.search(r'<time datetime="\d{4}(-\d\d){0,2}">', item)
                or "Undated in the articles" in item)
        assert 'class="tag tag-kind"' in item
        assert 'class="cite" href="/armed/sources/' in item
    assert "around 23 May 2017 (date inferred)" in html
    assert '<h2 id="undated">Undated in the articles</h2>' in html
    assert '<svg class="chart chart-timeline" viewBox' in html


def test_chronology_chart_links_every_dated_event_and_draws_spans(out: Path) -> None:
    """One chart row per dated event, linked to its entry; a year or month known only that
    far is a bar (a span), a stated day a filled dot; undated events stay off the chart."""
    html = (out / "chronology/index.html").read_text()
    chart = html[html.index('<svg class="chart chart-timeline"'):html.index("</svg>")]
    rows = dict(re.findall(r'<a href="#([^"]+)" class="chart-row">(.*?)</a>', chart, re.S))
    listed = html[html.index("</svg>"):]
    undated = listed[listed.index('id="undated"'):] if 'id="undated"' in listed else ""
    dated = [i for i in re.findall(r'<li id="([^"]+)" class="timeline-item">', listed)
             if f'id="{i}"' not in undated]
    assert list(rows) == dated
    for ident, row in rows.items():
        item = listed[listed.index(f'<li id="{ident}"'):]
        when = re.search(r'<time datetime="([^"]+)">', item).group(1)  # type: ignore[union-attr]
        assert ("<rect class=\"chart-dot" in row) == (len(when) < 10), ident
    assert re.search(r'<p class="takeaway">\d+ of the \d+ dated events fall in \d{4}', html)


def test_charts_have_title_desc_takeaway_table_and_csv(out: Path) -> None:
    """Hampshire 189 -> 283 and Derbyshire's 90/6/4 poll, with the accessible parts."""
    html = (out / "figures/index.html").read_text()
    for series in ("hampshire-armed-operations", "derbyshire-poll"):
        assert f'aria-labelledby="{series}-title {series}-desc"' in html
        assert f'<title id="{series}-title">' in html
        rows = list(csv.reader(io.StringIO(
            (out / f"data/chart-{series}.csv").read_text(encoding="utf-8-sig"))))
        assert rows[0][:3] == ["figure_id", "label", "value"]
    # The article words 189 and 283 differently (a recorded conflict): no "up from" claimed.
    assert "Up from" not in html
    assert ("The article words these figures differently and does not say they count the same "
            "thing") in html
    assert "90 per cent" in html and "6 per cent" in html and "4 per cent" in html
    assert "<details>" in html and "Show the data as a table" in html


def test_downloads_match_records(out: Path) -> None:
    """CSV and JSON of the matrix, chronology and figures agree row for row."""
    for name in ("matrix", "chronology", "figures"):
        rows = list(csv.DictReader(io.StringIO(
            (out / f"data/{name}.csv").read_text(encoding="utf-8-sig"))))
        items = json.loads((out / f"data/{name}.json").read_text())
        assert len(rows) == len(items) > 0
        assert [r[next(iter(r))] for r in rows] == [i[next(iter(i))] for i in items]
    matrix = json.loads((out / "data/matrix.json").read_text())
    hampshire = next(r for r in matrix if r["force_id"] == "hampshire")
    assert hampshire["armed-patrols"] == "announced"


def test_csv_cells_cannot_become_formulas() -> None:
    """Text starting with = + - @ or a control character is prefixed; numbers are not."""
    table = Table("t", "T", ["a", "b"], [["=HYPERLINK(\"x\")", -3], ["@SUM(1)", "+1"],
                                         ["\tx", "plain"]])
    rows = list(csv.reader(io.StringIO(b"".join(csv_chunks(table)).decode("utf-8-sig"))))
    assert rows[1] == ["'=HYPERLINK(\"x\")", "-3"]
    assert rows[2] == ["'@SUM(1)", "'+1"]
    assert rows[3][0] == "'\tx"
    assert safe_cell(5.0) == 5.0
    assert json.loads(b"".join(json_chunks(table)))[0]["a"] == "=HYPERLINK(\"x\")"


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4, 5])
def test_downloads_made_a_few_rows_at_a_time_equal_the_whole(
        count: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs of rows joined (two at a time here) give the bytes of the table made whole: JSON
    as json.dumps(indent=1) writes it, CSV as the csv module does (whole numbers without
    '.0'), after the BOM."""
    monkeypatch.setattr(downloads, "ROWS", 2)
    rows: list[list[object]] = [[f"“r{i}”", float(i) if i % 2 else i + 0.5,
                                 None if i % 2 else "=x"] for i in range(count)]
    table = Table("t", "T", ["a", "b c", "d"], rows)  # type: ignore[arg-type]
    whole = [dict(zip(table.columns, row, strict=True)) for row in rows]
    assert b"".join(json_chunks(table)) == (
        json.dumps(whole, indent=1, ensure_ascii=False) + "\n").encode()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([table.columns] + [[  # a whole number without its '.0'
        "" if c is None else int(c) if isinstance(c, float) and c.is_integer() else safe_cell(c)
        for c in row] for row in rows])
    assert b"".join(csv_chunks(table)) == ("\ufeff" + out.getvalue()).encode()


def test_a_big_piece_of_a_page_comes_out_on_its_own(tmp_path: Path) -> None:
    """A template's piece of BIG_PIECE characters or more (a macro's output, such as a big
    site's figures table) is passed on alone, the small pieces around it joined: never
    copied into a batch."""
    (tmp_path / "t.html").write_text("<p>{{ a }}</p>{{ big }}<p>{{ b }}</p>")
    big = Markup("<table>" + "x" * BIG_PIECE + "</table>")
    out = Output("p.html", "t.html", {"a": "A", "big": big, "b": "B"})
    assert list(render_page(make_env(tmp_path), out)) == ["<p>A</p>", big, "<p>B</p>"]
    small = Output("p.html", "t.html", {"a": "A", "big": "x", "b": "B"})
    assert list(render_page(make_env(tmp_path), small)) == ["<p>A</p>x<p>B</p>"]


def test_bar_chart_svg_is_labelled_and_escaped() -> None:
    """role=img, title and desc ids, every bar labelled with real text, text escaped."""
    svg = charts.bar_chart("c", "A <b>", "D", [charts.Bar("x & y", 3, "3"),
                                               charts.Bar("z", 1, "1")])
    assert svg.startswith('<svg class="chart chart-bars" role="img" '
                          'aria-labelledby="c-title c-desc"')
    assert "A &lt;b&gt;" in svg and "x &amp; y" in svg
    assert svg.count("<rect") == 2


def test_link_checker_reports_each_broken_link_by_page() -> None:
    """A missing page and a missing fragment are both reported, naming the page; a fragment
    of the page itself is judged with the page, and kept only when broken."""
    files = {
        "index.html": b'<a href="/sub/a/">ok</a><a href="/sub/missing/">x</a>'
                      b'<a href="/sub/a/#nope">y</a><a href="#top">z</a><p id="top"></p>'
                      b'<a href="https://other.example/">ext</a><a href="/elsewhere/">out</a>'
                      b'<a href="#gone">g</a><a href="/sub/#top">t</a>'
                      b'<a href="/sub/a/#x%00y">nul</a>',
        "a/index.html": b'<a href="../">up</a><a href="/sub/data.csv">d</a>',
        "data.csv": b"x",
    }
    where = links.Targets(frozenset(files), "/sub/", "https://example.org/sub/")
    found = {p: links.inspect_page(p, links.scan(d.decode()), where) for p, d in files.items()
             if p.endswith(".html")}
    text = "\n".join(str(p) for p in links.finish(found))
    assert "output/index.html: broken link '/sub/missing/': no such page or file" in text
    assert "no element with id 'nope' on a/index.html" in text
    assert "'/elsewhere/': points outside the site's base path" in text
    assert "output/index.html: broken link '#gone': no element with id 'gone' on index.html" \
        in text
    assert "broken link '/sub/a/#x%00y': no element with id 'x\\x00y' on a/index.html" in text
    assert text.count("broken link") == 5
    # Of the page's own fragments only the broken one is kept (reported in link order).
    assert found["index.html"].fragment_list() == [("/sub/a/#nope", "a/index.html", "nope"),
                                                   ("#gone", "index.html", "gone")]
    # Which pages' ids matter to it, read without unpacking the fragments.
    assert found["index.html"].pointed == "\0a/index.html\0index.html\0"
    assert found["index.html"].points_at({"a/index.html"})
    assert found["index.html"].points_at({f"{n}/index.html" for n in range(9)} | {"index.html"})
    assert not found["index.html"].points_at({"a/", "b/index.html", "index.htm"})
    assert not found["index.html"].points_at({f"{n}/index.html" for n in range(9)})
    assert found["a/index.html"].pointed == "" and not found["a/index.html"].points_at({"a/"})
    assert found["a/index.html"].id_list() == []
    # Links are judged by their path, once per path, whatever their fragments; links
    # to the page itself ('#top') are judged with it, never kept for other pages.
    assert sorted(map(str, where.judged)) == [
        "('a', '../')", "/elsewhere/", "/sub/", "/sub/a/", "/sub/data.csv", "/sub/missing/",
        "https://other.example/"]


def test_broken_markdown_link_fails_the_build(tmp_path: Path) -> None:
    """A Markdown link to a page that does not exist stops the build before writing."""
    root = make_site(tmp_path)
    page = root / "content/pages/methodology.md"
    page.write_text(page.read_text() + "\nSee [nothing](/no-such-page/).\n")
    with pytest.raises(ContentError, match=r"content/pages/methodology.md:8:15: broken link "
                                           r"'/no-such-page/'"):
        build(root, out=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_home_reaches_every_force_event_and_source_in_two_clicks(out: Path) -> None:
    """From the home page: any force, any source (and the chronology's events) within 2 clicks."""
    pages = _html(out)

    def links(name: str) -> set[str]:
        found = re.findall(r'href="/armed/([^"#]*)(?:#([^"]*))?"', pages[name])
        return {p for p, _ in found}

    one = links("index.html")
    two = set(one)
    for p in one:
        name = (p or "") + ("index.html" if not p or p.endswith("/") else "")
        if name in pages:
            two |= links(name)
    forces = {p.relative_to(out).as_posix()[:-10] for p in out.glob("forces/*/index.html")}
    sources = {p.relative_to(out).as_posix()[:-10] for p in out.glob("sources/*/index.html")}
    assert forces <= two and sources <= two and "chronology/" in one
    chronology = pages["chronology/index.html"]
    for event in re.findall(r'<li id="([^"]+)" class="timeline-item">', chronology):
        assert f'id="{event}"' in chronology


def test_pages_with_sections_open_with_a_contents_list(out: Path) -> None:
    """The methodology lists its sections first, each linking to its heading's id."""
    html = (out / "methodology/index.html").read_text()
    nav = re.search(r'<nav class="contents" aria-labelledby="contents-heading">(.*?)</nav>',
                    html, re.S)
    assert nav is not None
    targets = re.findall(r'<a href="#([^"]+)">', nav.group(1))
    assert len(targets) >= 3
    for target in targets:
        assert f'<h2 id="{target}">' in html


def test_source_pages_say_what_the_text_gives_and_what_it_is(out: Path) -> None:
    """The title is the site's label; facts the text lacks are said plainly; a release is
    called a release; claims are listed under readable headings and labels."""
    met = (out / "sources/met-temperer/index.html").read_text()
    assert "News release by Metropolitan Police." in met
    assert "Every claim citing this news release" in met
    derby = (out / "sources/derbyshire-festive/index.html").read_text()
    assert "The title above is the site's own label for it: the text gives no headline." in derby
    assert '<span class="not-stated">The text does not give one</span>' in derby
    assert "Persons" not in derby and "Positions" not in derby
    assert re.search(r"Derbyshire: [A-Z][a-z]", derby)  # attribute labels, not ids
    sources = (out / "sources/index.html").read_text()
    assert "these 4 news articles and 1 news release" in sources


def test_forces_index_groups_forces_by_status_in_words(out: Path) -> None:
    """Every force once, under its answer on extra armed patrols, with its other answers in
    words; a shared unit is named as the unit, not as a region."""
    html = (out / "forces/index.html").read_text()
    sections = re.findall(r'<section aria-labelledby="status-([a-z-]+)">(.*?)</section>',
                          html, re.S)
    assert [s[0] for s in sections][:2] == ["begun", "announced"]
    listed = [f for _, body in sections
              for f in re.findall(r'<a href="/armed/forces/([a-z-]+)/">', body)]
    assert sorted(listed) == sorted(p.name for p in (out / "forces").iterdir() if p.is_dir())
    derby = re.search(r'forces/derbyshire/">.*?</li>', html, re.S).group(0)  # type: ignore[union-attr]
    assert "When: Christmas / holiday period" in derby and "What prompted it: " in derby
    leics = re.search(r'forces/leicestershire/">.*?</li>', html, re.S).group(0)  # type: ignore[union-attr]
    assert "through <a" in leics and "East Midlands" not in leics


def test_conflicts_say_whether_two_sources_or_one_article_disagree(out: Path) -> None:
    """Every difference the real articles hold is within one article: none is labelled
    'Sources disagree', and each label counts its sides."""
    html = (out / "figures/index.html").read_text()
    labels = set(re.findall(r'<strong class="tag tag-conflict">([^<]+)</strong>', html))
    assert "Sources disagree" not in labels
    assert "One article, three figures" in labels  # Hampshire's operations, worded 3 ways
    assert all(re.fullmatch(r"One article, (two|three|four) (figures|wordings|versions)", x)
               for x in labels), labels


def test_home_opens_with_the_bottom_line_and_cited_main_points(out: Path) -> None:
    """The home page's main content opens with a one-paragraph summary, then three to five
    main points made from the comparison, each linking to it and to its sources; the ways in
    come after; the prose cites its articles inline."""
    html = (out / "index.html").read_text()
    main = html[html.index("<main"):]
    assert main.index('class="lede"') < main.index('id="main-points"') < main.index("ways-in")
    points = re.findall(r"<li>(.*?)</li>", main[main.index('id="main-points"'):
                                                 main.index("</section>")], re.S)
    assert 3 <= len(points) <= 5
    for point in points:
        assert 'href="/armed/matrix/#attribute-' in point
        assert re.search(r'class="cite-n" href="/armed/sources/[a-z-]+/"', point)
    assert "Extra armed patrols — begun: Leicestershire, Lincolnshire, " in main
    assert re.search(r"No specific threat: .* — \d+ statements in all", main)
    prose = main[main.index("ways-in"):]
    assert prose.count('href="/armed/sources/') >= 10


def test_force_pages_lead_with_what_the_force_did(out: Path) -> None:
    """A force page opens with its answers at a glance and a quote, its own or its shared
    unit's (so no force that spoke looks silent); no database fields; 'Not stated' answers
    carry no source line; national context figures are set apart."""
    leics = (out / "forces/leicestershire/index.html").read_text()
    main = leics[leics.index("<main"):]
    assert main.index("At a glance") < main.index('<figure class="quote"') < main.index(
        'id="positions"')
    assert "Said for Leicestershire by its shared unit" in main
    assert "<dt>Statements</dt>" not in main and "<dt>Short name</dt>" not in main
    for item in re.findall(r'<div id="position-[a-z-]+">(.*?)</div>', main, re.S):
        assert 'class="not-stated"' not in item  # silences are gathered on one line
    surrey = (out / "forces/surrey/index.html").read_text()
    silent = re.search(r'<p class="not-stated-list">(.*?)</p>', surrey, re.S).group(1)  # type: ignore[union-attr]
    assert '<span id="position-officer-numbers">officer numbers <a class="self-link"' in silent
    assert "Source:" not in silent
    derby = (out / "forces/derbyshire/index.html").read_text()
    assert '<details class="context-figures">' in derby
    table = derby[derby.index('<h2 id="figures">'):derby.index('<details class="context')]
    assert "westminster" not in table and "manchester" not in table


def test_a_printed_page_lists_exactly_the_sources_it_cites(out: Path) -> None:
    """The print-only list at the end of a page holds the sources its citations number, by
    the same numbers (the same on every page), and nothing else; a page citing none has no
    list. Numbers: `data-source` of citation links, and the home page's source numbers."""
    numbers = {sid: n for n, sid in enumerate(sorted(
        p.name for p in (out / "sources").iterdir() if p.is_dir()), 1)}
    listed_anywhere: set[str] = set()
    for name, html in _html(out).items():
        main = html.split('<main id="main-content"', 1)[1].split("</main>", 1)[0]
        body, _, printed = main.partition('<section class="print-sources"')
        cited = set(re.findall(r'<a class="cite" href="[^"]*" data-source="(\d+)"', body))
        cited |= set(re.findall(r'<a class="cite-n" [^>]*>.*?</span>(\d+)</a>', body, re.S))
        items = re.findall(r'<li value="(\d+)">.*?: https://example\.org/armed/sources/'
                           r'([a-z0-9-]+)/</li>', printed, re.S)
        assert {n for n, _ in items} == cited, name
        assert [int(n) for n, _ in items] == sorted(int(n) for n, _ in items), name
        assert all(numbers[sid] == int(n) for n, sid in items), name
        assert bool(printed) == bool(cited), name
        listed_anywhere |= {sid for _, sid in items}
    assert listed_anywhere == set(numbers)  # the ids' order is the sources' order here
    assert "print-sources" not in _html(out)["404.html"]


def test_a_citation_after_the_list_of_sources_fails_rather_than_going_unlisted() -> None:
    """The printed list is made after the page's content; a citation made after it would
    be missing from it, so it is an error (a TemplateError naming the line, in a build)."""
    from builder.views import Citations

    cited = Citations(lambda s: Markup(s), {"a": 1, "b": 2}, lambda s: Markup(f"<li>{s}</li>"))
    assert cited.cite("b") == "b" and cited.number("a") == 1
    assert cited.printed() == "<li>a</li><li>b</li>"
    with pytest.raises(ValueError, match="source 'a' cited after the page's list of sources"):
        cited.cite("a")
