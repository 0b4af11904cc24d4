"""Internal link and fragment checker, run on the rendered files before anything is written.

Every `href`/`src` that points inside the site (site-absolute under the base path, relative, or
absolute under the base URL) must name a rendered file, and its `#fragment` an `id` on that page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from posixpath import join, normpath
from urllib.parse import unquote, urlsplit

from .errors import ContentError, Problem

_TAG = re.compile(r"<[a-zA-Z][^>]*>")
_ATTR = re.compile(r"""\s(id|href|src|xlink:href)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


@dataclass
class _Collector:
    """The ids a page defines and the links it makes."""

    ids: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)


def _parse(data: bytes) -> _Collector:
    """Scan tags with regular expressions rather than a full HTML parser (many times faster).

    Sound for what we render: Jinja and nh3 escape every '<' and '>' in text and attribute
    values, so a '<' always opens a real tag, and attribute values are always quoted.
    """
    page = _Collector()
    for tag in _TAG.finditer(data.decode("utf-8", errors="replace")):
        for name, double, single in _ATTR.findall(tag.group()):
            value = unescape(double or single)
            if name == "id":
                page.ids.add(value)
            else:
                page.links.append(value)
    return page


def _target(page: str, link: str, base_path: str, base_url: str) -> str | None:
    """Output path a link refers to (may be '' for the root), or None when it is external."""
    if link.startswith(base_url):
        link = base_path + link[len(base_url):]
    parts = urlsplit(link)
    if parts.scheme or parts.netloc:
        return None
    path = unquote(parts.path)
    if not path:
        return page
    if path.startswith("/"):
        if not (path + "/").startswith(base_path) and path + "/" != base_path:
            return "\0outside"
        rel = path[len(base_path):] if path.startswith(base_path) else ""
    else:
        folder = page.rpartition("/")[0]
        rel = normpath(join(folder, path)) + ("/" if path.endswith("/") else "")
        rel = "" if rel in (".", "./") else rel
    return rel


def _resolve(rel: str, files: dict[str, bytes]) -> str | None:
    """The rendered file a site-relative path is served from, if any."""
    for candidate in (rel, f"{rel}index.html" if rel.endswith("/") or not rel else None,
                      f"{rel}/index.html"):
        if candidate is not None and candidate in files:
            return candidate
    return None


def check_links(files: dict[str, bytes], base_path: str, base_url: str) -> None:
    """Raise ContentError listing every broken internal link or fragment, by page."""
    pages = {p: _parse(d) for p, d in files.items() if p.endswith(".html")}
    problems: list[Problem] = []
    verdicts: dict[tuple[str, str], str] = {}  # most links repeat (nav, sources) on every page
    for page, parsed in sorted(pages.items()):
        for link in parsed.links:
            # A site-absolute or absolute link means the same from every page.
            key = ("" if link.startswith(("/", "http:", "https:")) else page, link)
            reason = verdicts.get(key)
            if reason is None:
                reason = verdicts[key] = _broken(page, link, files, pages, base_path, base_url)
            if reason:
                problems.append(Problem(f"output/{page}", None, None, "",
                                        f"broken link {link!r}: {reason}",
                                        "fix the template or the Markdown link"))
    if problems:
        raise ContentError(problems)


def _broken(page: str, link: str, files: dict[str, bytes], pages: dict[str, _Collector],
            base_path: str, base_url: str) -> str:
    rel = _target(page, link, base_path, base_url)
    if rel is None:
        return ""
    if rel == "\0outside":
        return f"points outside the site's base path {base_path!r}"
    target = _resolve(rel, files)
    if target is None:
        return "no such page or file"
    fragment = unquote(urlsplit(link).fragment)
    if fragment and target in pages and fragment not in pages[target].ids:
        return f"no element with id {fragment!r} on {target}"
    return ""
