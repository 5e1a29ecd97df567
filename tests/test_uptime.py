"""Uptime, computed by hand for overlapping incidents, midnight and month boundaries,
maintenance, and a site zone other than UTC (NOW = 2026-03-10 12:00 UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from statusgen.model import Impact, Site
from statusgen.uptime import Uptime, day_bounds, percent
from tests.conftest import NOW, SiteMaker, load
from tests.policy_fixtures import POLICY_CONFIG, incident

P = "content/incidents/"
FILES = {
    # api partial 10:00-12:00 on 5 March, and another incident's major outage 11:00-11:30 inside it
    P + "2026-03-05-partial.md": incident(started="2026-03-05T10:00:00Z", resolved="2026-03-05T12:00:00Z", components={"api": "partial_outage"}),
    P + "2026-03-05-major.md": incident(started="2026-03-05T11:00:00Z", resolved="2026-03-05T11:30:00Z", components={"api": "major_outage"}),
    # across midnight and the month boundary
    P + "2026-02-28-night.md": incident(started="2026-02-28T23:00:00Z", resolved="2026-03-01T01:00:00Z", components={"api": "major_outage"}),
    # degraded performance never counts
    P + "2026-03-07-slow.md": incident(started="2026-03-07T10:00:00Z", resolved="2026-03-07T18:00:00Z", components={"web": "degraded_performance"}),
    # a major outage that overlaps a maintenance window by one hour
    P + "2026-03-06-window.md": """\
---
title: API upgrade
kind: maintenance
state: completed
scheduled_start: 2026-03-06T02:00:00Z
scheduled_end: 2026-03-06T04:00:00Z
components:
  api: under_maintenance
---

## 2026-03-06 04:00 UTC — Completed

Done.
""",
    P + "2026-03-06-after.md": incident(started="2026-03-06T03:00:00Z", resolved="2026-03-06T05:00:00Z", components={"api": "major_outage"}),
}
DAY = 1440.0


def site_in(make_site: SiteMaker, zone: str) -> Site:
    root = make_site(FILES, config=POLICY_CONFIG.replace('timezone = "UTC"', f'timezone = "{zone}"'), name=zone.replace("/", "-"))
    loaded = load(root)
    assert loaded.site is not None, loaded.diagnostics
    return loaded.site


def day_ratio(uptime: Uptime, site: Site, cid: str, day: date) -> float | None:
    return uptime.ratio(cid, *day_bounds(day, site.config.zone))


def test_overlapping_incidents_take_the_worst_impact(make_site: SiteMaker) -> None:
    site = site_in(make_site, "UTC")
    uptime = Uptime(site, NOW)
    # 10:00-11:00 partial (0.3 x 60) + 11:00-11:30 major (30) + 11:30-12:00 partial (0.3 x 30) = 57 minutes down
    assert day_ratio(uptime, site, "api", date(2026, 3, 5)) == pytest.approx(1 - 57 / DAY)
    assert uptime.worst_in("api", *day_bounds(date(2026, 3, 5), site.config.zone)) is Impact.MAJOR_OUTAGE


def test_midnight_and_month_boundaries(make_site: SiteMaker) -> None:
    site = site_in(make_site, "UTC")
    uptime = Uptime(site, NOW)
    assert day_ratio(uptime, site, "api", date(2026, 2, 28)) == pytest.approx(1 - 60 / DAY)
    assert day_ratio(uptime, site, "api", date(2026, 3, 1)) == pytest.approx(1 - 60 / DAY)
    february = uptime.ratio("api", datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))
    assert february == pytest.approx(1 - 60 / (28 * DAY))
    # March so far: 9.5 days, less the 2-hour window; down 60 (night) + 57 (5 March) + 60 (after the window)
    march = uptime.ratio("api", datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    assert march == pytest.approx(1 - 177 / (9.5 * DAY - 120))


def test_maintenance_time_is_left_out(make_site: SiteMaker) -> None:
    site = site_in(make_site, "UTC")
    uptime = Uptime(site, NOW)
    # the outage 03:00-05:00 overlaps the window 02:00-04:00: only 04:00-05:00 counts, out of 22 hours
    assert day_ratio(uptime, site, "api", date(2026, 3, 6)) == pytest.approx(1 - 60 / (DAY - 120))


def test_degraded_performance_is_not_downtime(make_site: SiteMaker) -> None:
    site = site_in(make_site, "UTC")
    uptime = Uptime(site, NOW)
    assert day_ratio(uptime, site, "web", date(2026, 3, 7)) == 1.0
    assert uptime.worst_in("web", *day_bounds(date(2026, 3, 7), site.config.zone)) is Impact.DEGRADED_PERFORMANCE


def test_days_follow_the_site_zone(make_site: SiteMaker) -> None:
    site = site_in(make_site, "America/New_York")
    uptime = Uptime(site, NOW)
    # 23:00-01:00 UTC is 18:00-20:00 EST: all on 28 February there, nothing on 1 March
    assert day_ratio(uptime, site, "api", date(2026, 2, 28)) == pytest.approx(1 - 120 / DAY)
    assert day_ratio(uptime, site, "api", date(2026, 3, 1)) == 1.0
    # 8 March 2026 is the day clocks go forward there: 23 hours long
    start, end = day_bounds(date(2026, 3, 8), site.config.zone)
    assert (end - start).total_seconds() == 23 * 3600


def test_the_future_is_not_counted(make_site: SiteMaker) -> None:
    site = site_in(make_site, "UTC")
    uptime = Uptime(site, NOW)
    assert day_ratio(uptime, site, "api", date(2026, 3, 11)) is None
    assert day_ratio(uptime, site, "api", date(2026, 3, 10)) == 1.0  # the half day so far


def test_an_ongoing_outage_counts_until_now(make_site: SiteMaker) -> None:
    ongoing = incident(started="2026-03-10T11:00:00Z", resolved=None, components={"web": "major_outage"})
    root = make_site({P + "2026-03-10-down.md": ongoing}, config=POLICY_CONFIG)
    site = load(root).site
    assert site is not None
    assert Uptime(site, NOW).ratio("web", *day_bounds(date(2026, 3, 10), site.config.zone)) == pytest.approx(1 - 60 / 720)


def test_percent_never_rounds_an_outage_up_to_100() -> None:
    assert percent(0.999999) == "99.99%"
    assert percent(1.0) == "100%"
    assert percent(0.96042) == "96.04%"
    assert percent(None) == "no data"
