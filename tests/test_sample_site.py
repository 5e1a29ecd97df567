"""The bundled sample site (the repository root) shows every feature and builds clean."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import jsonschema
import pytest
from icalendar import Calendar

from statusgen.build import build
from statusgen.content import load_site
from statusgen.derive import maintenance_phase
from statusgen.model import MaintenancePhase, Severity, Site
from tests.site_checks import broken_internal_links, soup
from tests.statuspage_schema import SCHEMAS

REPO = Path(__file__).resolve().parent.parent
#: The sample's "present": the day its ongoing incident is happening.
SAMPLE_NOW = datetime(2026, 11, 22, 21, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def sample() -> Site:
    loaded = load_site(REPO, strict=True)
    assert loaded.site is not None, [d.format() for d in loaded.diagnostics]
    assert loaded.diagnostics == ()
    return loaded.site


def test_sample_shows_every_feature(sample: Site) -> None:
    config = sample.config
    assert len(config.components) >= 6
    assert len({c.group for c in config.components if c.group}) >= 2
    assert len(sample.incidents) >= 15
    months = {(i.started.year, i.started.month) for i in sample.incidents}
    assert len(months) >= 6
    assert {i.severity for i in sample.incidents} == set(Severity)
    assert [i.slug for i in sample.incidents if not i.is_resolved] == ["2026-11-22-payment-confirmations-delayed"]
    staggered = [i for i in sample.incidents
                 if len({iv.end for iv in i.intervals}) > 1 and len({iv.component for iv in i.intervals}) > 1]
    assert staggered, "needs a multi-component incident whose components recover at different times"
    phases = {maintenance_phase(m, SAMPLE_NOW) for m in sample.maintenances}
    assert {MaintenancePhase.UPCOMING, MaintenancePhase.COMPLETED} <= phases
    assert len(sample.postmortems) >= 3
    old_sev1_without = [i for i in sample.incidents if i.severity is Severity.SEV1 and i.postmortem is None
                        and i.resolved is not None and SAMPLE_NOW - i.resolved > timedelta(days=90)]
    assert old_sev1_without, "needs a long-resolved sev1 with no postmortem, for the publication index"


def test_sample_builds_with_working_links(tmp_path: Path) -> None:
    for base_url in ("https://status.tallyworks.example/", "https://example.github.io/status/"):
        out = tmp_path / base_url.split("/")[2]
        result = build(REPO, out, base_url=base_url, strict=True, now=SAMPLE_NOW)
        assert result.ok
        assert broken_internal_links(out, base_url) == []
    page = soup(out / "index.html")
    assert page.select_one(".brand svg") is not None, "the sample's themes/ override is used"
    assert page.select_one(".banner-text").get_text(strip=True) == "Partial outage"
    assert "Sign-in service upgrade" in page.find(id="upcoming-h").find_parent("section").get_text()


def test_sample_subscriptions_are_valid(sample: Site, tmp_path: Path) -> None:
    result = build(REPO, tmp_path / "out", now=SAMPLE_NOW, strict=True)
    assert result.ok, result.diagnostics
    out = tmp_path / "out"
    feeds = sorted(out.rglob("feed.*"))
    assert len(feeds) == 2 * (len(sample.config.components) + 2)
    for feed in feeds:
        parsed = feedparser.parse(feed.read_bytes())
        assert not parsed.bozo, (feed, parsed.get("bozo_exception"))
    assert feedparser.parse((out / "feed.atom").read_bytes()).entries[0].title == "[Identified] Payment confirmations delayed"
    for name, schema in SCHEMAS.items():
        jsonschema.validate(json.loads((out / "api/v2" / name).read_text()), schema)
    status = json.loads((out / "api/v2/status.json").read_text())["status"]
    assert status == {"indicator": "major", "description": "Partial System Outage"}
    events = list(Calendar.from_ical((out / "maintenance.ics").read_bytes()).walk("VEVENT"))
    assert len(events) == len(sample.maintenances)


def test_sample_communication_is_clean_except_its_deliberate_lapses(sample: Site) -> None:
    """The sample's messages follow the doctrine. The findings left are the
    lapses it shows on purpose: cadence drift in a July sev1, a late first
    update when monitoring missed a failure, and the open incident's broken
    promise at the sample's present."""
    from statusgen.audit.run import audit
    from statusgen.obligations import obligations

    result = audit(sample, SAMPLE_NOW, obligations(sample, SAMPLE_NOW))
    assert sorted((d.path.rsplit("/", 1)[1], d.line, d.code) for d in result.diagnostics) == [
        ("2026-07-22-payments-unavailable.md", 34, "update-gap"),
        ("2026-07-22-payments-unavailable.md", 43, "promise-missed"),
        ("2026-07-22-payments-unavailable.md", 50, "promise-missed"),
        ("2026-08-27-bank-feed-sync-stalled.md", 34, "first-update-late"),
        ("2026-11-22-payment-confirmations-delayed.md", 12, "promise-missed"),
        ("2026-11-22-payment-confirmations-delayed.md", 12, "stale-incident"),
    ]
    assert all(d.severity.value == "warning" for d in result.diagnostics)
