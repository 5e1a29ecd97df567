"""Derived statuses at a fixed build time, from small fixture sites."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.corpus import NOW as CORPUS_NOW
from bench.corpus import write_corpus
from statusgen.build import prepare
from statusgen.derive import (
    component_last_changes,
    component_status_at,
    component_statuses,
    history_months,
    incidents_for_component,
    last_change,
    maintenance_moments,
    maintenance_phase,
    overview,
)
from statusgen.model import Encoded, Impact, ImpactInterval, Incident, IncidentState, MaintenancePhase, Severity, Site, outages
from statusgen.render.feeds import _said_last
from tests.conftest import NOW, RESOLVED_INCIDENT, SiteMaker, load
from tests.policy_fixtures import incident

OPEN = """\
---
title: Web app down
severity: sev1
state: identified
started: 2026-03-10T11:00:00Z
components:
  web: major_outage
  api: degraded_performance
---

## 2026-03-10 11:40 UTC — Identified

Components: api=operational

The API has recovered; the web app is still down.

## 2026-03-10 11:05 UTC — Investigating

We are investigating.
"""

MAINTENANCE = """\
---
title: Database upgrade
kind: maintenance
state: {state}
scheduled_start: {start}
scheduled_end: {end}
components:
  email: under_maintenance
---
"""


def site_with(make_site: SiteMaker, files: dict[str, str]):  # type: ignore[no-untyped-def]
    loaded = load(make_site(files))
    assert loaded.site is not None, [d.format() for d in loaded.diagnostics]
    return loaded.site


def test_open_incident_puts_its_impact_on_components(make_site: SiteMaker) -> None:
    site = site_with(make_site, {"content/incidents/open.md": OPEN})
    assert component_status_at(site, "web", NOW) is Impact.MAJOR_OUTAGE
    # the update at 11:40 restored the API before the incident resolved
    assert component_status_at(site, "api", NOW) is Impact.OPERATIONAL
    assert component_status_at(site, "api", datetime(2026, 3, 10, 11, 30, tzinfo=UTC)) is Impact.DEGRADED_PERFORMANCE
    summary = overview(site, NOW)
    assert summary.status is Impact.MAJOR_OUTAGE
    assert summary.banner == "Major outage"
    assert [i.slug for i in summary.active] == ["open"]


def test_resolved_incident_leaves_components_operational(make_site: SiteMaker) -> None:
    site = site_with(make_site, {"content/incidents/old.md": RESOLVED_INCIDENT})
    assert component_status_at(site, "api", NOW) is Impact.OPERATIONAL
    assert component_status_at(site, "api", datetime(2026, 3, 2, 15, 0, tzinfo=UTC)) is Impact.PARTIAL_OUTAGE
    summary = overview(site, NOW)
    assert summary.status is Impact.OPERATIONAL
    assert summary.banner == "All systems operational"
    assert summary.active == ()


def test_impact_intervals_record_staggered_recovery(make_site: SiteMaker) -> None:
    site = site_with(make_site, {"content/incidents/open.md": OPEN})
    incident = site.incidents[0]
    spans = [(i.component, i.impact.value, i.start.strftime("%H:%M"), i.end and i.end.strftime("%H:%M"))
             for i in incident.intervals]
    assert spans == [("api", "degraded_performance", "11:00", "11:40"), ("web", "major_outage", "11:00", None)]


def test_maintenance_upcoming_in_progress_completed(make_site: SiteMaker) -> None:
    def window(state: str, start: str, end: str):  # type: ignore[no-untyped-def]
        text = MAINTENANCE.format(state=state, start=start, end=end)
        return site_with(make_site, {"content/incidents/m.md": text}).maintenances[0]

    upcoming = window("scheduled", "2026-03-11T02:00:00Z", "2026-03-11T04:00:00Z")
    assert maintenance_phase(upcoming, NOW) is MaintenancePhase.UPCOMING
    # still "scheduled" in the file, but the clock says it has begun
    running = window("scheduled", "2026-03-10T11:00:00Z", "2026-03-10T13:00:00Z")
    assert maintenance_phase(running, NOW) is MaintenancePhase.IN_PROGRESS
    finished = window("scheduled", "2026-03-09T02:00:00Z", "2026-03-09T04:00:00Z")
    assert maintenance_phase(finished, NOW) is MaintenancePhase.COMPLETED
    overrun = window("in_progress", "2026-03-09T02:00:00Z", "2026-03-09T04:00:00Z")
    assert maintenance_phase(overrun, NOW) is MaintenancePhase.IN_PROGRESS


def test_maintenance_in_progress_sets_status_and_banner(make_site: SiteMaker) -> None:
    text = MAINTENANCE.format(state="scheduled", start="2026-03-10T11:00:00Z", end="2026-03-10T13:00:00Z")
    site = site_with(make_site, {"content/incidents/m.md": text})
    assert component_status_at(site, "email", NOW) is Impact.UNDER_MAINTENANCE
    summary = overview(site, NOW)
    assert summary.status is Impact.UNDER_MAINTENANCE
    assert summary.banner == "Scheduled maintenance in progress"
    assert [m.slug for m in summary.maintenance_now] == ["m"]
    later = overview(site, datetime(2026, 3, 10, 14, 0, tzinfo=UTC))
    assert later.status is Impact.OPERATIONAL and later.maintenance_now == ()


def test_outage_outranks_maintenance(make_site: SiteMaker) -> None:
    maint = MAINTENANCE.format(state="in_progress", start="2026-03-10T10:00:00Z", end="2026-03-10T13:00:00Z")
    maint = maint.replace("email: under_maintenance", "web: under_maintenance")
    site = site_with(make_site, {"content/incidents/m.md": maint, "content/incidents/open.md": OPEN})
    assert component_status_at(site, "web", NOW) is Impact.MAJOR_OUTAGE


def test_history_months_fill_quiet_months(make_site: SiteMaker) -> None:
    old = RESOLVED_INCIDENT.replace("2026-03-02", "2025-12-02")
    site = site_with(make_site, {"content/incidents/old.md": old})
    months = history_months(site, NOW, site.config.zone)
    assert [m.key for m in months] == ["2026/03", "2026/02", "2026/01", "2025/12"]
    assert [len(m.incidents) for m in months] == [0, 0, 0, 1]


def test_overview_days_are_in_site_timezone(make_site: SiteMaker) -> None:
    late = RESOLVED_INCIDENT.replace("2026-03-02T14:00:00Z", "2026-03-09T23:30:00Z").replace(
        "2026-03-02T15:30:00Z", "2026-03-09T23:50:00Z").replace("2026-03-02 15:30 UTC", "2026-03-09 23:50 UTC").replace(
        "2026-03-02 14:05 UTC", "2026-03-09 23:35 UTC")
    from tests.conftest import CONFIG
    loaded = load(make_site({"content/incidents/late.md": late}, config=CONFIG.replace('"UTC"', '"Europe/Berlin"')))
    assert loaded.site is not None
    days = dict(overview(loaded.site, NOW).days)
    # 23:30 UTC on 9 March is 00:30 on 10 March in Berlin
    assert [i.slug for i in days[datetime(2026, 3, 10).date()]] == ["late"]


def test_a_components_incidents_are_those_that_touched_it_newest_first(make_site: SiteMaker) -> None:
    files = {f"content/incidents/2026-02-{day:02d}-n{day}.md": incident(
        started=f"2026-02-{day:02d}T10:00:00Z", resolved=f"2026-02-{day:02d}T11:00:00Z",
        components={cid: "partial_outage" for cid in ("api", "web", "email")[:1 + day % 3]},
        changes=[(f"2026-02-{day:02d}T10:30:00Z", "email=major_outage")] if day % 5 == 0 else None)
        for day in range(1, 21)}
    site = site_with(make_site, files)
    for component in ("api", "web", "email"):
        found = incidents_for_component(site, component)
        assert [i.slug for i in found] == [i.slug for i in site.incidents if component in i.affected()]
        assert [i.started for i in found] == sorted((i.started for i in found), reverse=True)
    assert len(incidents_for_component(site, "email")) == 7 + 2  # from the start on days 2, 5, ... 20; joined later on 10 and 15
    assert incidents_for_component(site, "no-such-component") == ()


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    prepared = prepare(write_corpus(tmp_path_factory.mktemp("moments") / "site", 60), now=CORPUS_NOW)
    assert not isinstance(prepared, list)
    return prepared.site


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_last_change_is_the_latest_moment_the_content_mentions_up_to_the_build_time(
        corpus_site: Site, data: st.DataObject) -> None:
    """Each incident's latest moment is made once; an incident that mentions a time after the build's is looked at
    moment by moment. Builds at, just before and just after the moments of the content see every case."""
    site = corpus_site
    said = [t for i in site.incidents for t in
            (i.started, *(u.at for u in i.updates), *(x for v in i.intervals for x in (v.start, v.end) if x is not None))]
    windows = [t for m in site.maintenances for t in (m.scheduled_start, m.scheduled_end, *(u.at for u in m.updates))]
    published = [p.published for p in site.postmortems]
    now = data.draw(st.sampled_from(sorted(said + windows + published)))
    now += timedelta(seconds=data.draw(st.sampled_from([-1, 0, 1, 600])))
    expected = max([t for t in said + published if t <= now]
                   + [t for m in site.maintenances for t in maintenance_moments(m, now)], default=None)
    assert last_change(site, now) == expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_each_components_last_change_is_the_latest_impact_moment_up_to_the_build_time(
        corpus_site: Site, data: st.DataObject) -> None:
    """An incident all of whose moments have passed gives its latest change of each component, made once; the
    others, interval by interval. Builds at, just before and just after each impact's start and end see every case."""
    site = corpus_site
    moments = sorted({t for i in site.incidents for v in i.intervals for t in (v.start, v.end) if t is not None})
    now = data.draw(st.sampled_from(moments)) + timedelta(seconds=data.draw(st.sampled_from([-1, 0, 1, 600])))
    expected: dict[str, datetime | None] = {c.id: None for c in site.config.components}
    for item in site.incidents:
        for v in item.intervals:
            for t in (v.start, v.end):
                if t is not None and t <= now and (expected[v.component] is None or t > cast(datetime, expected[v.component])):
                    expected[v.component] = t
    for window in site.maintenances:
        for cid in window.components:
            t = max(maintenance_moments(window, now), default=None)
            if t is not None and t <= now and (expected[cid] is None or t > cast(datetime, expected[cid])):
                expected[cid] = t
    assert component_last_changes(site, now) == expected


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_overviews_days_hold_the_incidents_that_started_on_each(corpus_site: Site, data: st.DataObject) -> None:
    """The recent days are read from the newest incident down and no further than the first day: what the definition
    gives over every incident, at builds at, just before and just after each start (a day's edges in the site's zone),
    with incidents yet to start (after the build time) and some a day long."""
    site = corpus_site
    zone = site.config.zone
    now = data.draw(st.sampled_from(sorted(i.started for i in site.incidents)))
    now += timedelta(seconds=data.draw(st.sampled_from([-1, 0, 1, 86400])))
    days = overview(site, now).days
    today = now.astimezone(zone).date()
    assert [day for day, _ in days] == [today - timedelta(days=n) for n in range(site.config.overview_days)]
    for day, incidents in days:
        assert list(incidents) == [i for i in site.incidents if i.started.astimezone(zone).date() == day]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_each_components_status_is_the_worst_impact_covering_the_build_time(corpus_site: Site, data: st.DataObject) -> None:
    """Settled incidents are passed over (every impact of theirs is over): the statuses are what the definition gives
    over every interval and window, at, just before and just after each impact's start and end."""
    site = corpus_site
    moments = sorted({t for i in site.incidents for v in i.intervals for t in (v.start, v.end) if t is not None})
    now = data.draw(st.sampled_from(moments)) + timedelta(seconds=data.draw(st.sampled_from([-1, 0, 1])))
    expected = {c.id: Impact.OPERATIONAL for c in site.config.components}
    for item in site.incidents:
        for v in item.intervals:
            if v.start <= now and (v.end is None or now < v.end) and v.impact.rank > expected[v.component].rank:
                expected[v.component] = v.impact
    for window in site.maintenances:
        if maintenance_phase(window, now) is MaintenancePhase.IN_PROGRESS:
            for cid in window.components:
                if Impact.UNDER_MAINTENANCE.rank > expected[cid].rank:
                    expected[cid] = Impact.UNDER_MAINTENANCE
    assert component_statuses(site, now) == expected


def test_a_pickled_item_keeps_its_updates_encoded_and_is_equal_to_the_item(corpus_site: Site) -> None:
    """What the cache keeps of an incident or window holds its updates as one pickle, read when first asked for
    and not before, even when the item is pickled again (the cache saving a chunk); the copy is equal to the item,
    hashes like it, and says when its first and last update went out without reading them."""
    items = [*corpus_site.incidents, *corpus_site.maintenances]
    for item in items:
        copy = pickle.loads(pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL))
        assert isinstance(copy.updates, Encoded)
        again = pickle.dumps(copy, protocol=pickle.HIGHEST_PROTOCOL)
        if isinstance(item, Incident):
            assert isinstance(copy.field_lines, Encoded) and copy.line_of("severity") == item.line_of("severity") > 1
            assert copy.said == ((item.updates[0].at, item.updates[-1].at) if item.updates else None)
            assert copy.first_update_delay() == item.first_update_delay()
            assert copy.outage == (outages(item.intervals, item.resolved) if item.resolved is not None else None)
        assert copy.updates._items is None  # nothing above read them
        assert copy == item and hash(copy) == hash(item)
        assert copy.updates == tuple(item.updates) and list(reversed(copy.updates)) == list(reversed(item.updates))
        assert copy.updates[-1:] == tuple(item.updates)[-1:] and len(copy.updates) == len(item.updates)
        assert pickle.loads(again) == item


def test_when_an_incident_last_said_something_is_its_last_update_up_to_the_build_time(corpus_site: Site) -> None:
    """The feeds order incidents by their last update up to the build time: the one kept with the incident, or,
    when that one is still to come, the latest of the others."""
    for item in corpus_site.incidents:
        for update in item.updates:
            for now in (update.at - timedelta(seconds=1), update.at, update.at + timedelta(seconds=1)):
                assert _said_last(item, now) == max((u.at for u in item.updates if u.at <= now), default=None)


@settings(max_examples=300, deadline=None)
@given(resolved=st.one_of(st.none(), st.integers(0, 400)),
       ends=st.lists(st.one_of(st.none(), st.integers(1, 400)), max_size=4), now=st.integers(-10, 500))
def test_an_incident_is_settled_once_resolved_with_every_impact_over(
        resolved: int | None, ends: list[int | None], now: int) -> None:
    """:meth:`Incident.settled` (from the moment kept with the incident) is what its definition says, for any
    intervals, ended or not, and none at all."""
    t0 = datetime(2026, 1, 1, tzinfo=UTC)

    def at(minutes: int) -> datetime:
        return t0 + timedelta(minutes=minutes)

    intervals = tuple(ImpactInterval("api", Impact.MAJOR_OUTAGE, t0, None if end is None else at(end)) for end in ends)
    item = Incident(slug="i", path="i.md", title="x", severity=Severity.SEV2, state=IncidentState.RESOLVED,
                    started=t0, resolved=None if resolved is None else at(resolved), components=(("api", Impact.MAJOR_OUTAGE),),
                    updates=(), postmortem=None, summary="", lead_html="", intervals=intervals)
    expected = item.resolved is not None and all(i.end is not None and i.end <= at(now) for i in intervals)
    assert item.settled(at(now)) == expected
    assert pickle.loads(pickle.dumps(item)).settled(at(now)) == expected
