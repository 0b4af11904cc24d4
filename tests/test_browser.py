"""The built site in a real browser: axe-core, reflow at 320 px, JavaScript off, keyboard sort.

Drives Debian's /usr/bin/chromium through Playwright (never a downloaded browser) with a pinned
axe-core from node_modules (package-lock.json; `npm ci`). One browser per module; the site is
built once and served from 127.0.0.1. Screenshots of each page kind go to tests/artifacts/.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from builder.build import build

CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "tests" / "artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
#: One page of each kind, for screenshots and dark-mode checks.
KINDS = {"home": "", "forces": "forces/", "force": "forces/hampshire/", "matrix": "matrix/",
         "chronology": "chronology/", "sources": "sources/", "source": "sources/met-temperer/",
         "figures": "figures/", "methodology": "methodology/", "404": "404.html",
         "glossary": "glossary/", "updates": "updates/", "data": "data/"}

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="/usr/bin/chromium is not installed (make system-deps)")


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real site, built once into a temporary folder."""
    out = tmp_path_factory.mktemp("browser") / "output"
    build(ROOT, out=out, base_url="http://127.0.0.1/")
    return out


@pytest.fixture(scope="module")
def server(site_dir: Path) -> Iterator[str]:
    """A quiet static server on a free loopback port; yields the base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(site_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


def _pages(site_dir: Path) -> list[str]:
    """Every HTML page as a site-relative path ('' for the home page)."""
    out = []
    for path in sorted(site_dir.rglob("*.html")):
        rel = path.relative_to(site_dir).as_posix()
        out.append(rel.removesuffix("index.html"))
    return out


def _axe(page: Any) -> list[dict[str, Any]]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make test does)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        AXE_TAGS)
    return result["violations"]


def _describe(path: str, violations: list[dict[str, Any]]) -> list[str]:
    return [f"/{path}: {v['id']} ({v['impact']}): {v['help']} at "
            f"{', '.join(str(n['target']) for n in v['nodes'][:3])}" for v in violations]


def test_axe_every_page(browser: Any, server: str, site_dir: Path) -> None:
    """axe-core finds no WCAG 2.2 A/AA or best-practice violation on any page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    for path in _pages(site_dir):
        page.goto(server + path)
        problems += _describe(path, _axe(page))
    context.close()
    assert problems == []


def test_axe_dark_mode_and_narrow(browser: Any, server: str) -> None:
    """Each page kind also passes axe in dark mode at 320 px (contrast of the dark palette)."""
    context = browser.new_context(viewport={"width": 320, "height": 700}, color_scheme="dark")
    page = context.new_page()
    problems: list[str] = []
    for path in KINDS.values():
        page.goto(server + path)
        problems += _describe(path, _axe(page))
    context.close()
    assert problems == []


def test_no_page_level_horizontal_scroll_at_320(browser: Any, server: str,
                                                site_dir: Path) -> None:
    """At 320 px wide nothing but a table's own region scrolls sideways."""
    context = browser.new_context(viewport={"width": 320, "height": 700})
    page = context.new_page()
    wide = []
    for path in _pages(site_dir):
        page.goto(server + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            wide.append(f"/{path}: {width}px")
    context.close()
    assert wide == []


def test_screenshots(browser: Any, server: str) -> None:
    """Full-page screenshots of each page kind at 320, 390 and 1280 px, and a force page as
    printed (PDF, A4), to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + KINDS["force"])
    printed = ARTIFACTS / "force-print.pdf"
    page.pdf(path=str(printed), format="A4")
    assert printed.read_bytes().startswith(b"%PDF")
    context.close()
    for width in (320, 390, 1280):
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        for kind, path in KINDS.items():
            page.goto(server + path)
            target = ARTIFACTS / f"{kind}-{width}.png"
            page.screenshot(path=str(target), full_page=True)
            assert target.stat().st_size > 0
        context.close()


def test_content_present_without_javascript(browser: Any, server: str, site_dir: Path) -> None:
    """With JavaScript off the matrix is a complete table and the chronology lists every event."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "matrix/")
    rows = page.locator("#matrix tbody tr")
    named = page.locator("#matrix tbody th[scope=row] a")  # merged rows name every force
    assert named.count() == len(list((site_dir / "forces").glob("*/index.html")))
    answers = page.locator("#matrix tbody td a:not(.self-link), #matrix tbody td .not-stated")
    assert answers.count() == rows.count() * (page.locator("#matrix thead th").count() - 1)
    assert page.locator(".sort-button").count() == 0
    page.goto(server + "chronology/")
    assert page.locator("ol.timeline > li time[datetime]").count() >= 8
    page.goto(server)
    assert page.locator("h1").count() == 1
    assert page.locator("svg[role=img]").count() >= 2
    context.close()


def _sorted_texts(page: Any, column: int) -> list[str]:
    return page.eval_on_selector_all(
        "#matrix tbody tr", f"rows => rows.map(r => r.cells[{column}].textContent.trim())")


def test_matrix_sorts_from_the_keyboard(browser: Any, server: str) -> None:
    """Tab to a header's sort button, press Enter: rows re-order, aria-sort and status follow."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server + "matrix/")
    page.wait_for_selector(".sort-button")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('sort-button')"):
            break
    else:
        pytest.fail("no sort button reachable with Tab")
    assert page.evaluate("document.activeElement.textContent") == "Force"
    names = _sorted_texts(page, 0)
    page.keyboard.press("Enter")
    assert page.get_attribute("#matrix thead th:nth-child(1)", "aria-sort") == "ascending"
    assert _sorted_texts(page, 0) == sorted(names, key=str.lower)
    page.keyboard.press("Enter")
    assert page.get_attribute("#matrix thead th:nth-child(1)", "aria-sort") == "descending"
    assert _sorted_texts(page, 0) == sorted(names, key=str.lower, reverse=True)
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    assert page.locator("#matrix thead th[aria-sort]").count() == 1
    assert page.get_attribute("#matrix thead th:nth-child(2)", "aria-sort") == "ascending"
    page.wait_for_function("document.getElementById('matrix-status').textContent.length > 0")
    assert "Sorted by" in page.text_content("#matrix-status")
    page.select_option("#matrix-filter", index=1)
    page.wait_for_function(
        "document.getElementById('matrix-status').textContent.startsWith('Showing')")
    assert page.locator("#matrix tbody tr:not([hidden])").count() >= 1
    context.close()


def test_chronology_chart_rows_are_reached_and_followed_by_keyboard(browser: Any,
                                                                    server: str) -> None:
    """Tab reaches the chart's rows, each named by its event; Enter goes to that event; the
    accessibility tree exposes the rows as links."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(server + "chronology/")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('chart-row')"):
            break
    else:
        pytest.fail("no chart row reachable with Tab")
    target = page.evaluate("document.activeElement.getAttribute('href')")
    fill = page.evaluate("getComputedStyle(document.activeElement.querySelector("
                         "'.chart-row-back')).fill")
    assert fill not in ("transparent", "rgba(0, 0, 0, 0)", "none")  # a visible focus style
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == target
    links = page.get_by_role("link").filter(has=page.locator(".chart-label"))
    assert links.count() == page.locator(".chart-row").count() >= 8
    context.close()


def test_main_points_start_on_a_phones_first_screen(browser: Any, server: str) -> None:
    """At 390 x 844 the home page's main points begin within the first screen."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(server)
    top = page.evaluate("document.getElementById('main-points').getBoundingClientRect().top")
    assert 0 < top < 844 - 40, top
    context.close()


def test_focused_cell_is_not_hidden_under_the_sticky_column(browser: Any, server: str) -> None:
    """At 320 px, tabbing through the matrix scrolls its region so that the focused link is
    never covered by the sticky force column (WCAG 2.4.11, focus not obscured)."""
    context = browser.new_context(viewport={"width": 320, "height": 640},
                                  java_script_enabled=False)  # the plain table
    page = context.new_page()
    page.goto(server + "matrix/")
    page.focus("#matrix tbody tr:first-child td:last-child a")  # scrolls the region right
    page.focus("#matrix tbody tr:first-child td:nth-child(3) a")  # then back towards the left
    box = page.evaluate("""() => {
        const cell = document.activeElement.getBoundingClientRect();
        const sticky = document.querySelector('#matrix tbody tr:first-child th')
                                .getBoundingClientRect();
        const region = document.activeElement.closest('[role=region]');
        return {cell: cell.left, sticky: sticky.right, scrolled: region.scrollLeft};
    }""")
    assert box["scrolled"] > 0, "the region did not scroll"
    assert box["cell"] >= box["sticky"] - 1, box
    context.close()


def test_print_shows_citations_and_forced_colours_keep_marks(browser: Any, server: str) -> None:
    """Printed, a force page hides navigation and prints each citation's target; in forced
    colours, tags keep a visible border and chart bars take the text colour."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.emulate_media(media="print")
    page.goto(server + "forces/hampshire/")
    assert not page.is_visible(".site-header nav")
    after = page.evaluate("""() => getComputedStyle(document.querySelector('a.cite'), '::after')
                                    .content""")
    assert re.fullmatch(r'" \[\d\]"', after), after  # its number in the printed list
    assert page.is_visible(".print-sources")
    printed = page.text_content(".print-sources ol")
    cited = page.evaluate("""() => new Set([...document.querySelectorAll('a.cite')]
                                    .map(a => a.dataset.source)).size""")
    assert printed.count("http://127.0.0.1/sources/") == cited >= 1  # absolute, once each
    title = page.evaluate("getComputedStyle(document.querySelector('.site-title')).color")
    assert title == "rgb(0, 0, 0)"  # the site title prints in ink
    page.goto(server + "chronology/")
    assert page.is_visible("details p")  # what a closed <details> holds prints too
    page.goto(server + "matrix/")
    arrow = page.evaluate("""() => getComputedStyle(document.querySelector('.sort-button'),
                                                    '::after').content""")
    assert arrow == "none", arrow
    page.emulate_media(media="screen")
    assert not page.is_visible(".print-sources")
    page.emulate_media(media="screen", forced_colors="active")
    page.goto(server)
    styles = page.evaluate("""() => {
        const bar = document.querySelector('.chart-bar');
        const text = getComputedStyle(document.body).color;
        return {bar: bar && getComputedStyle(bar).fill, text};
    }""")
    assert styles["bar"] == styles["text"], styles
    context.close()


def test_print_gives_each_term_its_meaning_and_each_claim_its_address(browser: Any,
                                                                     server: str) -> None:
    """Printed, a marked term is followed by its meaning (the link cannot be followed on
    paper) and a claim's own link by the claim's address."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.emulate_media(media="print")
    page.goto(server + "forces/metropolitan/")
    found = page.evaluate("""() => {
        const abbr = document.querySelector('main a.term abbr');
        const self = document.querySelector('main a.self-link');
        return {title: abbr.title, term: getComputedStyle(abbr, '::after').content,
                href: self.getAttribute('href'), claim: getComputedStyle(self, '::after').content};
    }""")
    assert found["term"] == f'" ({found["title"]})"', found
    assert found["href"] in found["claim"] and "#" in found["href"], found
    context.close()


def test_no_request_leaves_the_site(browser: Any, server: str) -> None:
    """No page asks any other host for anything (no CDN, font or analytics)."""
    context = browser.new_context()
    page = context.new_page()
    foreign: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(server) else foreign.append(r.url))
    for path in KINDS.values():
        page.goto(server + path)
    context.close()
    assert foreign == []


def test_chromium_is_debian_not_downloaded() -> None:
    """Guard: the tests never rely on a Playwright-downloaded browser."""
    assert shutil.which("chromium") or CHROMIUM.exists()


def test_matrix_on_phones_keeps_the_force_column_narrow(browser: Any, server: str) -> None:
    """At 320 and 390 px the sticky force column takes at most a third of the table's region,
    and a cue says the table scrolls sideways."""
    for width in (320, 390):
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        page.goto(server + "matrix/")
        share = page.evaluate("""() => document.querySelector('#matrix tbody th')
            .getBoundingClientRect().width / document.querySelector('.matrix-region')
            .getBoundingClientRect().width""")
        assert share <= 1 / 3, (width, share)
        assert page.is_visible(".scroll-cue")
        context.close()
