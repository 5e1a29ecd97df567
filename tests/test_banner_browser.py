"""The in-app banner (embed/banner.js) on a host page of another origin, in Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from statusgen.build import build
from tests.browser import serve
from tests.conftest import NOW, RESOLVED_INCIDENT, SiteMaker
from tests.fixtures_subscribers import OPEN_MAJOR

INCIDENT = "content/incidents/2026-03-10-web-down.md"
RESOLVED_WEB = OPEN_MAJOR.replace("state: identified", "state: resolved").replace(
    "started: 2026-03-10T11:00:00Z", "started: 2026-03-10T11:00:00Z\nresolved: 2026-03-10T11:50:00Z").replace(
    "## 2026-03-10 11:30 UTC", "## 2026-03-10 11:50 UTC — Resolved\n\nThe web app is working again.\n\n## 2026-03-10 11:30 UTC")

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Host app</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src {status}; connect-src {status}">
<script src="{status}embed/banner.js" async{attrs}></script>
</head><body><h1>Our product</h1></body></html>
"""


class Scene:
    """A built status site on one origin and a host page on another."""

    def __init__(self, chromium: Any, site: Path, status_url: str, host_url: str) -> None:
        self.site, self.status_url, self.host_url = site, status_url, host_url
        self.context = chromium.new_context()
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def open(self) -> Any:
        with self.page.expect_response(lambda r: r.url.endswith("/api/v2/summary.json")):
            self.page.goto(self.host_url)
        return self.page

    def banner(self) -> Any:
        return self.page.locator("[data-statusgen-banner]")

    def rebuild(self, incident: str) -> None:
        (self.site / INCIDENT).write_text(incident)
        assert build(self.site, now=NOW).ok

    def recheck(self) -> None:
        with self.page.expect_response(lambda r: r.url.endswith("/api/v2/summary.json")):
            self.page.evaluate("window.dispatchEvent(new Event('focus'))")


@pytest.fixture
def scene(browser: Any, make_site: SiteMaker, tmp_path: Path) -> Iterator[Any]:
    """Makes a Scene: builds a site (with ``incident``, or a quiet one) and serves it and a host page."""
    scenes: list[Scene] = []
    with ExitStack() as stack:
        def make(incident: str | None, attrs: str = "") -> Scene:
            site = make_site({INCIDENT: incident} if incident else {"content/incidents/2026-03-02-api-errors.md": RESOLVED_INCIDENT})
            assert build(site, now=NOW).ok
            status = stack.enter_context(serve(site / "output"))
            host_dir = tmp_path / "host"
            host_dir.mkdir()
            (host_dir / "index.html").write_text(HOST_PAGE.format(status=status, attrs=attrs))
            scenes.append(Scene(browser, site, status, stack.enter_context(serve(host_dir))))
            return scenes[-1]

        yield make
        for made in scenes:
            made.context.close()


def only_local(scene: Scene) -> None:
    outside = [u for u in scene.requests if not (u.startswith(scene.status_url) or u.startswith(scene.host_url))]
    assert outside == []


def test_banner_shows_an_open_incident_with_its_components(scene: Any) -> None:
    s = scene(OPEN_MAJOR)
    s.open()
    banner = s.banner()
    banner.get_by_text("Web app unavailable").wait_for()
    text = " ".join(banner.get_by_role("region", name="Service status").inner_text().split())
    assert "Major outage: Web app unavailable (affecting Web app, API)" in text
    link = banner.get_by_role("link", name="View status")
    assert link.get_attribute("href") == "https://status.example.com/incidents/2026-03-10-web-down/"
    assert s.errors == []  # a strict CSP on the host page reports any inline style or script here
    only_local(s)


def test_banner_can_be_dismissed_and_stays_dismissed_for_that_incident(scene: Any) -> None:
    s = scene(OPEN_MAJOR)
    s.open()
    s.banner().get_by_role("button", name="Dismiss").click()
    assert s.banner().count() == 0
    s.open()
    s.page.wait_for_timeout(200)
    assert s.banner().count() == 0
    assert s.errors == []


def test_banner_goes_away_when_the_incident_is_resolved(scene: Any) -> None:
    s = scene(OPEN_MAJOR)
    s.open()
    s.banner().get_by_text("Web app unavailable").wait_for()
    s.rebuild(RESOLVED_WEB)
    s.recheck()
    s.banner().wait_for(state="detached")
    assert s.errors == []


def test_no_banner_when_all_is_well(scene: Any) -> None:
    s = scene(None)
    s.open()
    s.page.wait_for_timeout(300)
    assert s.banner().count() == 0
    assert s.errors == []
    only_local(s)


def test_banner_can_be_limited_to_some_components(scene: Any) -> None:
    s = scene(OPEN_MAJOR, attrs=' data-components="email"')
    s.open()
    s.page.wait_for_timeout(300)
    assert s.banner().count() == 0
