"""Files beside the pages: sitemap, robots.txt, .nojekyll, theme assets."""

from __future__ import annotations

from html import escape
from pathlib import Path

from statusgen.model import Site
from statusgen.render import Artifact

#: The embeddable scripts, found as the built-in themes are (see :data:`statusgen.render.theme.BUILTIN_THEMES`).
_EMBED = Path(__file__).resolve().parent.parent / "embed"

#: The most URLs one sitemap file may list (sitemaps.org); more are split under a sitemap index.
SITEMAP_URLS = 50_000


def sitemap(site: Site, pages: list[str]) -> list[Artifact]:
    """``sitemap.xml`` listing every page, with absolute, XML-escaped URLs; past
    :data:`SITEMAP_URLS` pages it is an index of ``sitemap-1.xml``, ``sitemap-2.xml``…"""
    base = site.config.base_url
    urls = [base + page for page in sorted(pages)]

    def urlset(chunk: list[str]) -> bytes:
        lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
        lines += [f"  <url><loc>{escape(url, quote=False)}</loc></url>" for url in chunk]
        return ("\n".join([*lines, "</urlset>"]) + "\n").encode("utf-8")

    if len(urls) <= SITEMAP_URLS:
        return [Artifact("sitemap.xml", urlset(urls))]
    parts = [urls[n:n + SITEMAP_URLS] for n in range(0, len(urls), SITEMAP_URLS)]
    out = [Artifact(f"sitemap-{n}.xml", urlset(part)) for n, part in enumerate(parts, 1)]
    index = ['<?xml version="1.0" encoding="UTF-8"?>', '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    index += [f"  <sitemap><loc>{escape(base, quote=False)}sitemap-{n}.xml</loc></sitemap>" for n in range(1, len(parts) + 1)]
    out.append(Artifact("sitemap.xml", ("\n".join([*index, "</sitemapindex>"]) + "\n").encode("utf-8")))
    return out


def robots(site: Site) -> Artifact:
    """``robots.txt`` pointing crawlers at the sitemap."""
    text = f"User-agent: *\nAllow: /\nSitemap: {site.config.base_url}sitemap.xml\n"
    return Artifact("robots.txt", text.encode("utf-8"))


def nojekyll() -> Artifact:
    """Tells GitHub Pages to publish the files as they are."""
    return Artifact(".nojekyll", b"")


def assets(static: tuple[tuple[str, bytes], ...]) -> list[Artifact]:
    """The theme's static files under ``assets/``."""
    return [Artifact(f"assets/{name}", data) for name, data in static]


def banner_script() -> Artifact:
    """``embed/banner.js``, the in-app banner (docs/embed.md)."""
    return Artifact("embed/banner.js", (_EMBED / "banner.js").read_bytes())


#: Top-level paths of pages, feeds and files that change with every build. Listed
#: one by one (no catch-all) because Netlify and Cloudflare Pages differ on how
#: two matching rules combine; these never overlap.
_SHORT_LIVED = ("", "incidents/*", "history/*", "components/*", "postmortems/*", "publication/*", "reports/*",
                "feed.atom", "feed.rss", "maintenance.ics", "badge.svg", "404.html", "sitemap.xml")


def headers(site: Site) -> Artifact:
    """``_headers`` for hosts that read it (Netlify, Cloudflare Pages).

    Fingerprinted assets are cached for a year (their name changes with their
    content); pages, feeds and JSON for a minute at the CDN and in browsers, so a
    new update reaches readers within a minute while a traffic spike during an
    incident is served from cache; the API and the banner script are readable
    from other origins. GitHub Pages ignores the file (it sends max-age=600 and
    ``Access-Control-Allow-Origin: *`` for everything); docs/hosting.md gives the
    equivalent settings for other hosts.
    """
    base = site.config.base_path
    short = "  Cache-Control: public, max-age=60\n"
    blocks = [f"{base}assets/*\n  Cache-Control: public, max-age=31536000, immutable\n",
              f"{base}api/*\n  Access-Control-Allow-Origin: *\n{short}",
              f"{base}embed/*\n  Access-Control-Allow-Origin: *\n  Cache-Control: public, max-age=300\n"]
    blocks += [f"{base}{path}\n{short}" for path in _SHORT_LIVED]
    return Artifact("_headers", "".join(blocks).encode("utf-8"))
