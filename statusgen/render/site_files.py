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


def headers() -> Artifact:
    """``_headers`` for hosts that read it (Netlify, Cloudflare Pages): lets
    another origin's banner and dashboards read the JSON API. GitHub Pages
    ignores the file and sends ``Access-Control-Allow-Origin: *`` anyway."""
    text = "/api/*\n  Access-Control-Allow-Origin: *\n/embed/*\n  Access-Control-Allow-Origin: *\n"
    return Artifact("_headers", text.encode("utf-8"))
