"""Files beside the pages: sitemap, robots.txt, .nojekyll, theme assets."""

from __future__ import annotations

from importlib.resources import files
from xml.sax.saxutils import escape

from statusgen.model import Site
from statusgen.render import Artifact


def sitemap(site: Site, pages: list[str]) -> Artifact:
    """``sitemap.xml`` listing every page, with absolute, XML-escaped URLs."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for page in sorted(pages):
        lines.append(f"  <url><loc>{escape(site.config.base_url + page)}</loc></url>")
    lines.append("</urlset>")
    return Artifact("sitemap.xml", ("\n".join(lines) + "\n").encode("utf-8"))


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
    return Artifact("embed/banner.js", files("statusgen.embed").joinpath("banner.js").read_bytes())


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
