"""Deploying under a sub-path: base URLs, host files, and a crawl through a real nginx.

The crawl builds the real site for `http://127.0.0.1:PORT/repo/`, serves the output folder from
Debian's nginx under `/repo/` (as GitHub Pages serves a project site), and fetches every page,
asset, data file and sitemap entry it can reach. Nothing may be broken, and no internal link may
leave `/repo/`. It skips only when nginx is not installed (`make test` installs it as root).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit
from xml.etree import ElementTree

import pytest

from builder.build import build
from builder.hosting import CONTENT_SECURITY_POLICY, IMMUTABLE
from tests.conftest import ROOT, make_site

SUB_PATH = "/repo/"
MAX_URLS = 3000
"""Bound on the crawl: far above the site's size, so a runaway link loop still ends."""
FINGERPRINTED = re.compile(r"\.[0-9a-f]{10}(\.[A-Za-z0-9]+)?$")
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""")
LINK_ATTRS = {"href", "src", "xlink:href", "poster", "action"}
META_URLS = {"og:url", "og:image", "twitter:image"}


# --- parsing ---------------------------------------------------------------------------------


@dataclass
class Page:
    """What one HTML document links to and defines."""

    links: list[str] = field(default_factory=list)
    """Every URL the page references (href, src, srcset, CSS url(), social meta)."""
    ids: set[str] = field(default_factory=set)
    """Fragment targets: every id (and a name) on the page."""
    canonical: str | None = None
    """The href of <link rel=canonical>."""
    csp_violations: list[str] = field(default_factory=list)
    """Inline script, inline style or event handlers, which the site's CSP would block."""


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._script_inline = False
        self._style = False
        self._script_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        page = self.page
        for name, value in a.items():
            if name in LINK_ATTRS:
                page.links.append(value)
            elif name in ("srcset", "imagesrcset"):
                page.links += [c.strip().split()[0] for c in value.split(",") if c.strip()]
            elif name == "id" or (tag == "a" and name == "name"):
                page.ids.add(value)
            elif name.startswith("on"):
                page.csp_violations.append(f"<{tag} {name}=...> event handler attribute")
            elif name == "style":
                page.csp_violations.append(f"<{tag} style=...> inline style attribute")
                page.links += [m[1] or m[3] for m in _css_urls(value)]
        if tag == "meta" and (a.get("property") in META_URLS or a.get("name") in META_URLS):
            page.links.append(a.get("content", ""))
        if tag == "link" and a.get("rel") == "canonical":
            page.canonical = a.get("href")
        if tag == "script" and "src" not in a:
            self._script_inline = a.get("type") != "application/ld+json"
        if tag == "style":
            self._style = True
            page.csp_violations.append("<style> element")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script_inline:
            self.page.csp_violations.append("inline <script>")
        if tag == "script":
            self._script_inline = False
        if tag == "style":
            self._style = False

    def handle_data(self, data: str) -> None:
        if self._style:
            self.page.links += [m[1] or m[3] for m in _css_urls(data)]


def _css_urls(text: str) -> list[tuple[str, str, str, str]]:
    return [(m.group(1) or "", m.group(2) or "", m.group(3) or "", m.group(4) or "")
            for m in CSS_URL.finditer(text)]


def parse_page(html: str) -> Page:
    """Links, ids, canonical and CSP problems of one HTML document."""
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return parser.page


def css_links(css: str) -> list[str]:
    """Every url(...) and @import in a stylesheet."""
    return [m[1] or m[3] for m in _css_urls(css) if not (m[1] or m[3]).startswith("data:")]


# --- nginx -----------------------------------------------------------------------------------


def _nginx() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if Path(p).exists()), None)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def nginx_conf(tmp: Path, site: Path, port: int, sub_path: str, as_root: bool) -> str:
    """An nginx configuration serving `site` at http://127.0.0.1:port{sub_path}, loopback only,
    with every file it writes kept inside `tmp`, and 404s answered by the site's 404.html."""
    temps = "\n".join(f"  {name}_temp_path {tmp / name};"
                      for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    mime = "/etc/nginx/mime.types"
    types = (f"  include {mime};" if Path(mime).exists() else
             "  types { text/html html; text/css css; application/javascript js; "
             "image/svg+xml svg; image/png png; text/csv csv; application/json json; "
             "application/xml xml; text/plain txt; }")
    return f"""\
{"user root;" if as_root else ""}
worker_processes 1;
pid {tmp / "nginx.pid"};
error_log {tmp / "error.log"} warn;
events {{ worker_connections 64; }}
http {{
{types}
  default_type application/octet-stream;
  access_log off;
{temps}
  server {{
    listen 127.0.0.1:{port};
    server_name localhost;
    absolute_redirect off;
    location {sub_path} {{
      alias {site}/;
      index index.html;
      error_page 404 {sub_path}404.html;
    }}
  }}
}}
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """Build the real site for a sub-path and serve it through nginx; yield (base URL, output).
    nginx is always stopped, even when the test fails."""
    nginx = _nginx()
    if nginx is None:
        pytest.skip("nginx is not installed (as root, `make test` installs Debian's nginx)")
    tmp = tmp_path_factory.mktemp("nginx")
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}{SUB_PATH}"
    out = tmp / "output"
    build(ROOT, out=out, base_url=base_url)
    conf = tmp / "nginx.conf"
    conf.write_text(nginx_conf(tmp, out, port, SUB_PATH, os.geteuid() == 0), encoding="utf-8")
    proc = subprocess.Popen([nginx, "-p", str(tmp), "-e", str(tmp / "error.log"), "-c",
                             str(conf), "-g", "daemon off;"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_for(port, proc, tmp / "error.log")
        yield base_url, out
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _wait_for(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            output = proc.stdout.read().decode() if proc.stdout else ""
            errors = log.read_text() if log.exists() else ""
            pytest.fail(f"nginx exited with {proc.returncode}: {output}{errors}")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    pytest.fail("nginx did not start listening within 15 s")


# --- crawling --------------------------------------------------------------------------------


@dataclass
class Response:
    """One fetched URL."""

    status: int
    content_type: str
    body: bytes
    final_url: str


def fetch(url: str) -> Response:
    """GET a loopback URL (redirects followed); HTTP errors are returned, not raised."""
    assert urlsplit(url).hostname == "127.0.0.1", f"refusing to fetch off loopback: {url}"
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return Response(r.status, r.headers.get("Content-Type", ""), r.read(), r.url)
    except urllib.error.HTTPError as exc:
        return Response(exc.code, exc.headers.get("Content-Type", ""), exc.read(), url)


@dataclass
class Crawl:
    """The result of crawling a site from its base URL."""

    responses: dict[str, Response] = field(default_factory=dict)
    pages: dict[str, Page] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)
    fragments: list[tuple[str, str, str]] = field(default_factory=list)
    """(page, target URL, fragment) for every link with a fragment, checked at the end."""


def crawl(base_url: str, extra: list[str], expect_404: list[str]) -> Crawl:
    """Fetch everything reachable from base_url (and `extra`) that lies on the same origin.
    Any internal URL outside base_url, or not answering 200, is broken; `expect_404` URLs
    must answer 404 with an HTML page whose own links all work."""
    parts = urlsplit(base_url)
    origin = f"{parts.scheme}://{parts.netloc}/"
    result = Crawl()
    queue = [base_url, *extra, *expect_404]
    seen = set(queue)
    linked_from = {url: "(start)" for url in queue}
    while queue:
        assert len(seen) <= MAX_URLS, "crawl exceeded its bound: is there a link loop?"
        url = queue.pop(0)
        resp = result.responses[url] = fetch(url)
        wanted = 404 if url in expect_404 else 200
        if resp.status != wanted:
            result.broken.append(f"{url}: HTTP {resp.status} (expected {wanted}), "
                                 f"linked from {linked_from[url]}")
            continue
        for link in _links_of(url, resp, result):
            target, fragment = urldefrag(urljoin(url, link))
            if not target.startswith(origin):
                continue  # an external site: not ours to crawl
            if not target.startswith(base_url):
                result.broken.append(f"{url}: link {link!r} leaves {urlsplit(base_url).path}")
                continue
            if fragment:
                result.fragments.append((url, target, fragment))
            if target not in seen:
                seen.add(target)
                linked_from[target] = url
                queue.append(target)
    for page, target, fragment in result.fragments:
        ids = result.pages.get(target)
        if ids is not None and fragment not in ids.ids:
            result.broken.append(f"{page}: no id {fragment!r} on {target}")
    return result


def _links_of(url: str, resp: Response, result: Crawl) -> list[str]:
    kind = resp.content_type.split(";")[0].strip()
    text = resp.body.decode("utf-8", errors="replace")
    if kind == "text/html":
        page = result.pages[url] = parse_page(text)
        return [link for link in page.links if not link.startswith(("mailto:", "data:"))]
    if kind == "text/css":
        return css_links(text)
    if url.endswith("sitemap.xml"):
        ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
        return [e.text or "" for e in ElementTree.fromstring(resp.body).findall("s:url/s:loc", ns)]
    return []


# --- the crawl through nginx -----------------------------------------------------------------


@pytest.fixture(scope="module")
def site_crawl(served: tuple[str, Path]) -> Crawl:
    """Crawl the served site once for all the tests below."""
    base_url, _ = served
    return crawl(base_url, extra=[base_url + "sitemap.xml", base_url + "robots.txt"],
                 expect_404=[base_url + "no/such/page/at/depth/", base_url + "missing.html"])


def test_nothing_broken_under_sub_path(served: tuple[str, Path], site_crawl: Crawl) -> None:
    assert site_crawl.broken == []
    base_url, out = served
    html = [u for u, r in site_crawl.responses.items() if r.content_type.startswith("text/html")]
    assert len(html) >= 20, "the crawl found too few pages to be meaningful"
    assets = [u for u in site_crawl.responses if u.startswith(base_url + "assets/")]
    assert any(u.endswith(".css") for u in assets)
    # every file the build wrote for visitors was reached by following links
    wanted = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()
              and not p.name.startswith((".", "_")) and p.name != "404.html"}
    reached = {urlsplit(u).path[len(SUB_PATH):] for u in site_crawl.responses}
    reached |= {r + "index.html" for r in reached if r == "" or r.endswith("/")}
    assert sorted(wanted - reached) == []


def test_sitemap_lists_every_page_and_robots_names_it(served: tuple[str, Path],
                                                      site_crawl: Crawl) -> None:
    base_url, _ = served
    sitemap = site_crawl.responses[base_url + "sitemap.xml"]
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text for e in ElementTree.fromstring(sitemap.body).findall("s:url/s:loc", ns)]
    pages = {u for u, r in site_crawl.responses.items()
             if r.content_type.startswith("text/html") and r.status == 200}
    assert set(locs) == pages
    assert len(locs) == len(set(locs))
    robots = site_crawl.responses[base_url + "robots.txt"].body.decode()
    assert f"Sitemap: {base_url}sitemap.xml" in robots.splitlines()


def test_canonical_urls_are_absolute_and_self(site_crawl: Crawl) -> None:
    for url, page in site_crawl.pages.items():
        if site_crawl.responses[url].status == 404:
            assert page.canonical is None, f"the 404 page must not claim a canonical URL: {url}"
            continue
        assert page.canonical == url, url


def test_404_page_works_from_any_depth(served: tuple[str, Path], site_crawl: Crawl) -> None:
    base_url, _ = served
    deep = site_crawl.responses[base_url + "no/such/page/at/depth/"]
    assert deep.status == 404 and b"Page not found" in deep.body
    page = site_crawl.pages[base_url + "no/such/page/at/depth/"]
    assert any(link.endswith(".css") for link in page.links)  # and the crawl fetched them


def test_assets_are_fingerprinted(served: tuple[str, Path], site_crawl: Crawl) -> None:
    base_url, _ = served
    assets = [u for u in site_crawl.responses if u.startswith(base_url + "assets/")]
    assert assets
    for url in assets:
        assert FINGERPRINTED.search(url), f"not fingerprinted: {url}"


def test_pages_obey_the_content_security_policy(site_crawl: Crawl) -> None:
    """No inline script, style or event handler: the CSP in _headers would block them."""
    problems = [f"{url}: {v}" for url, page in site_crawl.pages.items()
                for v in page.csp_violations]
    assert problems == []


# --- base URLs without a server --------------------------------------------------------------


@pytest.mark.parametrize("base_url", ["https://example.org/", "https://user.github.io/repo/",
                                      "https://example.org/a/b"])
def test_internal_links_start_with_base_path(tmp_path: Path, base_url: str) -> None:
    root = make_site(tmp_path)
    out = tmp_path / "out"
    build(root, out=out, base_url=base_url)
    base = base_url if base_url.endswith("/") else base_url + "/"
    base_path = urlsplit(base).path
    pages = sorted(out.rglob("*.html"))
    assert pages
    for path in pages:
        page = parse_page(path.read_text(encoding="utf-8"))
        if path.name != "404.html":
            rel = path.relative_to(out).as_posix().removesuffix("index.html")
            assert page.canonical == base + rel
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https"):
                assert not link.startswith(("https://example.org", "https://user.github.io")) \
                    or link.startswith(base), f"{path}: {link} is outside {base}"
                continue
            if parts.scheme or link.startswith("#"):
                continue
            assert link.startswith(base_path), f"{path}: {link} does not start with {base_path}"


def test_base_url_defaults_to_site_yaml(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    out = tmp_path / "out"
    build(root, out=out)
    assert parse_page((out / "forces" / "index.html").read_text()).canonical == \
        "https://example.org/forces/"
    assert b"Sitemap: https://example.org/sitemap.xml" in (out / "robots.txt").read_bytes()


def test_headers_file(tmp_path: Path) -> None:
    """`_headers` (Netlify, Cloudflare Pages): a CSP naming no third party and allowing no
    inline script on every path; immutable caching on fingerprinted assets only."""
    root = make_site(tmp_path)
    out = tmp_path / "out"
    build(root, out=out, base_url="https://user.github.io/repo/")
    rules = parse_headers((out / "_headers").read_text())
    assert rules["/*"]["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "Cache-Control" not in rules["/*"]
    assert rules["/repo/assets/*"] == {"Cache-Control": IMMUTABLE}
    for directive in CONTENT_SECURITY_POLICY.split(";"):
        _name, *sources = directive.split()
        assert set(sources) <= {"'self'", "'none'"}, directive
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert (out / ".nojekyll").exists()
    assert all(FINGERPRINTED.search(p.name) for p in (out / "assets").iterdir())


def parse_headers(text: str) -> dict[str, dict[str, str]]:
    """Parse a `_headers` file: a path on its own line, then indented `Name: value` lines."""
    rules: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            assert line.startswith("/"), f"a rule must start with a path: {line!r}"
            current = rules.setdefault(line.strip(), {})
            continue
        assert current is not None, f"header before any path: {line!r}"
        name, sep, value = line.strip().partition(": ")
        assert sep and name and value, f"not `Name: value`: {line!r}"
        current[name] = value
    return rules
