"""Files static hosts and crawlers look for: sitemap.xml, robots.txt, _headers and .nojekyll.

All of them are derived from the planned pages and the base URL, so a build for a sub-path
(`https://user.github.io/repo/`) names the right absolute addresses and paths.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape  # not xml.sax.saxutils: it imports urllib.request, ~40 ms a build

from .outputs import Output
from .site import Site
from .updates import site_updated

NOT_IN_SITEMAP = frozenset({"404.html"})
"""HTML outputs that are not pages of their own and must not be indexed."""

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    "script-src 'self'",  # scripts only from files on this site: no inline script, no eval
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
])
"""Nothing from any third party, and nothing inline: every script and style lives in a file."""

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
"""Headers every response gets, on hosts that read `_headers`."""

IMMUTABLE = "public, max-age=31536000, immutable"
"""Cache-Control for fingerprinted assets: their name changes whenever their bytes do."""


def hosting_outputs(site: Site, outputs: Iterable[Output]) -> list[Output]:
    """The host and crawler files for a site whose planned outputs are `outputs`."""
    pages = page_urls(site, outputs)
    return [
        Output("sitemap.xml", data=sitemap(pages, site_updated(site))),
        Output("robots.txt", data=robots(site)),
        Output("_headers", data=headers(site)),
        # GitHub Pages publishing from a branch would otherwise run Jekyll, which drops
        # files whose names start with '_' (harmless with the Actions deployment).
        Output(".nojekyll", data=b""),
    ]


def page_urls(site: Site, outputs: Iterable[Output]) -> list[str]:
    """Absolute URL of every HTML page (folder form, 'forces/' not 'forces/index.html')."""
    urls = []
    for out in outputs:
        if out.template is None or not out.path.endswith(".html"):
            continue
        if out.path in NOT_IN_SITEMAP:
            continue
        path = out.path.removesuffix("index.html")
        urls.append(site.base_url + path)
    return sorted(set(urls), key=lambda u: (u.count("/"), u))


def sitemap(urls: Iterable[str], lastmod: str) -> bytes:
    """A sitemaps.org XML sitemap listing `urls`, each last modified on `lastmod`."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for url in urls:
        lines.append(f"  <url><loc>{escape(url)}</loc><lastmod>{escape(lastmod)}</lastmod></url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode()


def robots(site: Site) -> bytes:
    """robots.txt allowing every crawler and naming the sitemap.

    Crawlers only read robots.txt at a host's root, so under a sub-path this copy is advisory;
    the sitemap address in it is right either way.
    """
    return (f"User-agent: *\nAllow: /\n\nSitemap: {site.base_url}sitemap.xml\n").encode()


def headers(site: Site) -> bytes:
    """A `_headers` file (Netlify, Cloudflare Pages): security headers on every response and a
    year's immutable caching for fingerprinted assets. Paths are the URL paths the browser
    requests, so they include the base path."""
    base = site.base_path
    lines = ["# Read by Netlify and Cloudflare Pages from the root of the published folder.",
             "/*"]
    lines += [f"  {name}: {value}" for name, value in SECURITY_HEADERS.items()]
    lines += ["", "# Fingerprinted assets (name.<hash>.ext) never change under one name.",
              f"{base}assets/*", f"  Cache-Control: {IMMUTABLE}"]
    return ("\n".join(lines) + "\n").encode()
