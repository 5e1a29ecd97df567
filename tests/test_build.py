"""Build properties: atomic, deterministic, base-path safe, escaped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from statusgen.build import build_time
from statusgen.model import Impact, Severity
from statusgen.render.theme import BUILTIN_THEMES, fingerprint, load_theme
from statusgen.write import MARKER, OutputError
from tests.conftest import CONFIG, NOW, RESOLVED_INCIDENT, SiteMaker, build_at
from tests.site_checks import broken_internal_links, soup, text_of, tree_bytes
from tests.test_derive import OPEN

PM = """\
---
title: Elevated API errors on 2 March
incidents: [2026-03-02-api]
published: 2026-03-04T10:00:00Z
summary: A configuration change overloaded the API's database pool.
---

## What happened

Text.
"""

UPCOMING = """\
---
title: Email provider migration
kind: maintenance
state: scheduled
scheduled_start: 2026-03-14T02:00:00Z
scheduled_end: 2026-03-14T03:00:00Z
components:
  email: under_maintenance
---

## 2026-03-05 09:00 UTC — Scheduled

We will move invoice email to a new sending system.
"""

FILES = {
    "content/incidents/2026-03-02-api.md": RESOLVED_INCIDENT,
    "content/incidents/2026-03-10-web.md": OPEN,
    "content/incidents/2026-03-14-email.md": UPCOMING,
    "content/postmortems/2026-03-api.md": PM,
}


@pytest.fixture
def site(make_site: SiteMaker) -> Path:
    return make_site(FILES)


STATIC = Path(__file__).resolve().parent.parent / "statusgen/themes/default/static"


def test_every_page_is_written(site: Path) -> None:
    result = build_at(site)
    assert result.ok, [d.format() for d in result.diagnostics]
    out = site / "output"
    expected = [
        "index.html", "404.html", "sitemap.xml", "robots.txt", ".nojekyll", MARKER,
        "incidents/2026-03-02-api/index.html", "incidents/2026-03-10-web/index.html",
        "incidents/2026-03-14-email/index.html", "history/index.html", "history/2026/03/index.html",
        "components/api/index.html", "components/web/index.html", "components/email/index.html",
        "postmortems/index.html", "postmortems/2026-03-api/index.html",
    ]
    missing = [p for p in expected if not (out / p).is_file()]
    assert missing == []
    assert [p.name for p in sorted((out / "assets").iterdir())] == [
        fingerprint(name, (STATIC / name).read_bytes()) for name in ("favicon.svg", "statusgen.js", "style.css")]


def test_overview_shows_what_a_reader_needs(site: Path) -> None:
    build_at(site)
    page = soup(site / "output" / "index.html")
    assert page.select_one(".banner-text").get_text(strip=True) == "Major outage"
    rows = {li.select_one(".component-name").get_text(strip=True): li.select_one(".status").get_text(strip=True)
            for li in page.select(".components > li")}
    assert rows == {"API": "Operational", "Web app": "Major outage", "Email": "Operational"}
    active = page.select(".cards .card h3")
    assert [h.get_text(strip=True) for h in active] == ["Web app down"]
    upcoming = page.find(id="upcoming-h").find_parent("section")
    assert "Email provider migration" in upcoming.get_text()
    days = [li.get_text(" ", strip=True) for li in page.select(".days > li")]
    assert len(days) == 7
    assert days[0].startswith("10 March 2026") and "Web app down" in days[0]
    assert days[1] == "9 March 2026 No incidents reported."


def test_incident_page_timeline_newest_first_with_anchors(site: Path) -> None:
    build_at(site)
    page = soup(site / "output" / "incidents" / "2026-03-02-api" / "index.html")
    updates = page.select(".timeline .update")
    assert [u["id"] for u in updates] == ["update-20260302T153000Z", "update-20260302T140500Z"]
    assert [u.select_one(".state").get_text(strip=True) for u in updates] == ["Resolved", "Investigating"]
    times = [u.select_one("time")["datetime"] for u in updates]
    assert times == ["2026-03-02T15:30:00Z", "2026-03-02T14:05:00Z"]
    text = text_of(site / "output" / "incidents" / "2026-03-02-api" / "index.html")
    assert "Duration 1 h 30 min" in text
    assert "Postmortem: Elevated API errors on 2 March" in text
    assert "SEV2" in text


def test_every_time_names_its_zone(site: Path, make_site: SiteMaker) -> None:
    berlin = make_site(FILES, config=CONFIG.replace('"UTC"', '"Europe/Berlin"'), name="berlin")
    build_at(berlin)
    page = soup(berlin / "output" / "incidents" / "2026-03-02-api" / "index.html")
    first = page.select_one(".timeline time")
    assert first["datetime"] == "2026-03-02T15:30:00Z"
    assert first.get_text() == "2 March 2026, 16:30 CET"


def test_failed_build_leaves_output_untouched(site: Path) -> None:
    assert build_at(site).ok
    before = tree_bytes(site / "output")
    (site / "content/incidents/2026-03-02-api.md").write_text("---\ntitle: [broken\n---\n")
    result = build_at(site)
    assert not result.ok
    assert tree_bytes(site / "output") == before
    leftovers = [p.name for p in site.iterdir() if p.name.startswith(".output")]
    assert leftovers == []


def test_two_builds_are_byte_identical(site: Path, tmp_path: Path) -> None:
    assert build_at(site, tmp_path / "one").ok
    assert build_at(site, tmp_path / "two").ok
    assert tree_bytes(tmp_path / "one") == tree_bytes(tmp_path / "two")


def test_build_time_from_source_date_epoch() -> None:
    now, problem = build_time({"SOURCE_DATE_EPOCH": "1773144000"})
    assert problem is None and now == NOW
    _, problem = build_time({"SOURCE_DATE_EPOCH": "soon"})
    assert problem is not None and problem.code == "source-date-epoch"
    now, _ = build_time({})
    assert now.second == 0 and now.microsecond == 0


@pytest.mark.parametrize("base_url", ["https://example.github.io/status/", "https://status.example.com/"])
def test_every_internal_link_resolves(site: Path, base_url: str) -> None:
    result = build_at(site, base_url=base_url)
    assert result.ok
    assert broken_internal_links(site / "output", base_url) == []
    sitemap = (site / "output" / "sitemap.xml").read_text()
    assert f"<loc>{base_url}incidents/2026-03-02-api/</loc>" in sitemap
    not_found = soup(site / "output" / "404.html")
    assert not_found.select_one("link[rel=stylesheet]")["href"].startswith(base_url.split("/", 3)[3].join(["/", ""]))


def test_link_checker_catches_a_broken_link(site: Path) -> None:
    """The checker above must be able to fail."""
    build_at(site)
    page = site / "output" / "index.html"
    page.write_text(page.read_text().replace('href="./history/"', 'href="./histroy/"', 1))
    assert broken_internal_links(site / "output", "https://status.example.com/") == [
        "index.html: ./histroy/ -> missing histroy/index.html"
    ]


def test_markdown_and_front_matter_cannot_inject_script(make_site: SiteMaker) -> None:
    evil = (RESOLVED_INCIDENT
            .replace("title: Elevated API errors", "title: '<img src=x onerror=alert(1)>'")
            .replace("severity: sev2", "severity: sev2\nsummary: '\"><script>alert(2)</script>'")
            .replace("The API is working normally again.",
                     "<script>alert(3)</script>\n\n[click](javascript:alert(4))\n\n<a href=x onclick=y>z</a>"))
    config = CONFIG.replace('name = "API"', 'name = "<b onmouseover=alert(5)>API</b>"')
    root = make_site({"content/incidents/2026-03-02-api.md": evil}, config=config)
    assert build_at(root).ok
    for page in (root / "output").rglob("*.html"):
        document = soup(page)
        scripts = [s.get("src") for s in document.find_all("script")]
        assert all(src and re.search(r"assets/statusgen\.[0-9a-f]{10}\.js$", src) for src in scripts), page
        for tag in document.find_all(True):
            assert not any(name.startswith("on") for name in tag.attrs), (page, tag)
            assert not str(tag.get("href", "")).startswith("javascript:"), (page, tag)
    incident = text_of(root / "output" / "incidents" / "2026-03-02-api" / "index.html")
    assert "<img src=x onerror=alert(1)>" in incident
    assert "<script>alert(3)</script>" in incident


def test_refuses_to_replace_a_foreign_directory(site: Path, tmp_path: Path) -> None:
    foreign = tmp_path / "precious"
    foreign.mkdir()
    (foreign / "thesis.txt").write_text("do not delete")
    with pytest.raises(OutputError):
        build_at(site, foreign)
    assert (foreign / "thesis.txt").read_text() == "do not delete"


def test_site_theme_overrides_default_template(site: Path) -> None:
    override = site / "themes" / "default" / "templates" / "brand.html"
    override.parent.mkdir(parents=True)
    override.write_text('<a class="brand" href="{{ root }}">Custom brand</a>\n')
    build_at(site)
    assert soup(site / "output" / "index.html").select_one(".brand").get_text() == "Custom brand"


def test_a_site_macros_html_restyles_the_badges_of_every_default_page(site: Path) -> None:
    """``status``, ``severity`` and ``state_label`` reach the default templates as globals, taken from the
    site's own macros.html when it has one, and its macros are called every time (never assumed pure)."""
    override = site / "themes" / "default" / "templates" / "macros.html"
    override.parent.mkdir(parents=True)
    override.write_text((BUILTIN_THEMES / "default" / "templates" / "macros.html").read_text().replace(
        '<span class="sev sev-{{ sev.value }}" title="Severity">', '<span class="sev custom-sev" title="Severity">'))
    assert build_at(site).ok
    for page in ("index.html", "incidents/2026-03-02-api/index.html", "postmortems/2026-03-api/index.html"):
        assert soup(site / "output" / page).select(".custom-sev"), page
    theme, _ = load_theme(site, "default")
    assert theme is not None
    severity = theme.env.globals["severity"]
    assert severity(Severity.SEV1) == severity(Severity.SEV1) and severity(Severity.SEV1) is not severity(Severity.SEV1)


def test_the_built_in_badge_macros_are_made_once_per_value(site: Path) -> None:
    theme, _ = load_theme(site, "default")
    assert theme is not None
    status, macros = theme.env.globals["status"], theme.env.get_template("macros.html").module
    first = status(Impact.MAJOR_OUTAGE)
    assert status(Impact.MAJOR_OUTAGE) is first
    assert first == macros.status(Impact.MAJOR_OUTAGE) and "s-major_outage" in first
    assert status(Impact.OPERATIONAL) == macros.status(Impact.OPERATIONAL) != first
    assert status(Impact.OPERATIONAL, text="Fine") == macros.status(Impact.OPERATIONAL, text="Fine")  # not kept: called


def test_broken_theme_template_is_a_diagnostic(site: Path) -> None:
    override = site / "themes" / "default" / "templates" / "brand.html"
    override.parent.mkdir(parents=True)
    override.write_text("{% if %}\n")
    result = build_at(site)
    assert not result.ok
    assert [d.format() for d in result.diagnostics] == [
        "themes/default/templates/brand.html:1:1: error: template brand.html does not compile: "
        "Expected an expression, got 'end of statement block' [template-syntax]"
    ]
