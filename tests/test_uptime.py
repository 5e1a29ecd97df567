"""Uptime, computed by hand for overlapping incidents, midnight and month boundaries,
maintenance, and a site zone other than UTC (NOW = 2026-03-10 12:00 UTC)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from statusgen.kept import Kept
from statusgen.model import Impact, ImpactInterval, Incident, IncidentState, Maintenance, MaintenanceState, Severity, Site
from statusgen.uptime import Uptime, _with_spans, _worst_segments, day_bounds, percent
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


# -- any history: the sweep agrees with counting minute by minute ------------------------------------------------------

T0 = datetime(2026, 3, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
RANKED = [Impact.DEGRADED_PERFORMANCE, Impact.PARTIAL_OUTAGE, Impact.MAJOR_OUTAGE]
#: Intervals of one or two components, in minutes from T0: (component, impact, start, length or None for ongoing).
SPANS = st.lists(st.tuples(st.sampled_from(["api", "web"]), st.sampled_from(RANKED), st.integers(0, 300),
                           st.one_of(st.none(), st.integers(1, 120))), max_size=12)
WINDOWS = st.lists(st.tuples(st.integers(0, 300), st.integers(1, 90), st.booleans()), max_size=3)


def _history(base: Site, spans: list[tuple[str, Impact, int, int | None]], windows: list[tuple[int, int, bool]]) -> Site:
    def at(minutes: int) -> datetime:
        return T0 + minutes * MINUTE

    incidents = tuple(
        Incident(slug=f"i{n}", path=f"i{n}.md", title="x", severity=Severity.SEV2, state=IncidentState.RESOLVED,
                 started=at(start), resolved=None if length is None else at(start + length), components=((cid, impact),),
                 updates=(), postmortem=None, summary="", lead_html="",
                 intervals=(ImpactInterval(cid, impact, at(start), None if length is None else at(start + length)),))
        for n, (cid, impact, start, length) in enumerate(spans))
    maintenances = tuple(
        Maintenance(slug=f"m{n}", path=f"m{n}.md", title="m", components=("api",), updates=(), summary="", lead_html="",
                    state=MaintenanceState.CANCELLED if cancelled else MaintenanceState.COMPLETED,
                    scheduled_start=at(start), scheduled_end=at(start + length))
        for n, (start, length, cancelled) in enumerate(windows))
    return dataclasses.replace(base, incidents=incidents, maintenances=maintenances)


def _by_minute(site: Site, cid: str, now: datetime, start: datetime, end: datetime) -> tuple[float | None, Impact]:
    """The ratio and the worst impact over [start, end), counted one minute at a time (every moment here is whole minutes)."""
    weights = {Impact.MAJOR_OUTAGE: 1.0, Impact.PARTIAL_OUTAGE: site.config.uptime.partial_outage_weight}
    counted, down, worst_seen = 0, 0.0, Impact.OPERATIONAL
    moment = start
    while moment < min(end, now):
        covering = [i.impact for incident in site.incidents for i in incident.intervals
                    if i.component == cid and i.start <= moment < (i.end or now)]
        impact = max(covering, key=lambda i: i.rank, default=Impact.OPERATIONAL)
        worst_seen = max(worst_seen, impact, key=lambda i: i.rank)
        in_window = any(cid in m.components and m.state is not MaintenanceState.CANCELLED
                        and m.scheduled_start <= moment < m.scheduled_end for m in site.maintenances)
        if not in_window:
            counted += 1
            down += weights.get(impact, 0.0)
        moment += MINUTE
    return (1 - down / counted if counted else None), worst_seen


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spans=SPANS, windows=WINDOWS, now_at=st.integers(0, 420), period=st.tuples(st.integers(-30, 420), st.integers(0, 300)))
def test_any_history_gives_what_counting_each_minute_gives(make_site: SiteMaker, spans: list[tuple[str, Impact, int, int | None]],
                                                           windows: list[tuple[int, int, bool]], now_at: int,
                                                           period: tuple[int, int]) -> None:
    site = _history(site_in(make_site, "UTC"), spans, windows)
    now = T0 + now_at * MINUTE
    start, end = T0 + period[0] * MINUTE, T0 + (period[0] + period[1]) * MINUTE
    uptime = Uptime(site, now)
    for cid in ("api", "web"):
        ratio, worst_seen = _by_minute(site, cid, now, start, end)
        assert uptime.ratio(cid, start, end) == (pytest.approx(ratio) if ratio is not None else None)
        assert uptime.worst_in(cid, start, end) is worst_seen


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spans=SPANS, windows=WINDOWS, earlier=st.integers(0, 420), later=st.integers(0, 420))
def test_segments_kept_from_an_earlier_build_are_those_made_again(make_site: SiteMaker, spans: list[tuple[str, Impact, int, int | None]],
                                                                  windows: list[tuple[int, int, bool]], earlier: int, later: int) -> None:
    """A component's segments are its settled incidents' (kept by their fingerprints) with the others' swept in: built
    after an earlier build kept them, at any later time, they are those a build without anything kept makes."""
    site = _history(site_in(make_site, "UTC"), spans, windows)
    fingerprints = {incident.path: incident.path.encode() for incident in site.incidents}
    first, now = Kept(), T0 + max(earlier, later) * MINUTE
    Uptime(site, T0 + min(earlier, later) * MINUTE, fingerprints=fingerprints, kept=first)
    second = Kept(first.made)
    uptime = Uptime(site, now, fingerprints=fingerprints, kept=second)
    assert uptime._segments == Uptime(site, now)._segments
    for cid in ("api", "web"):  # a component none of whose incidents settled since: its part was taken, not made again
        settled_then, settled_now = ({i.slug for i in site.incidents if cid in i.affected() and i.resolved is not None
                                      and i.resolved <= T0 + minutes * MINUTE} for minutes in (min(earlier, later), max(earlier, later)))
        if settled_then == settled_now:
            taken = [name for name, _ in second.order if name == cid]
            assert taken and second.made[dict(second.order)[cid]] is first.made[dict(first.order)[cid]]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spans=SPANS, windows=WINDOWS, times=st.tuples(st.integers(0, 420), st.integers(0, 420)), edited=st.integers(0, 11),
       periods=st.lists(st.tuples(st.integers(-30, 420), st.integers(0, 300)), min_size=1, max_size=6))
@example(spans=[("api", Impact.MAJOR_OUTAGE, 0, 60)], windows=[], times=(100, 100), edited=0, periods=[(0, 120)])
def test_ratios_taken_from_an_earlier_build_are_those_made_again(
        make_site: SiteMaker, spans: list[tuple[str, Impact, int, int | None]], windows: list[tuple[int, int, bool]],
        times: tuple[int, int], edited: int, periods: list[tuple[int, int]]) -> None:
    """A warm process's builds share their ratios (``memo``) when a component's segments and maintenance windows are
    those they were: at any two times, after one interval is lengthened (and, for odd ``edited``, a maintenance window
    removed), each ratio is what an Uptime made from nothing gives. At the same time, with nothing changed, each ratio
    is the earlier build's, not made again."""
    before = _history(site_in(make_site, "UTC"), spans, windows)
    changed = [(cid, impact, start, (length or 0) + 7 if n == edited else length)
               for n, (cid, impact, start, length) in enumerate(spans)]
    after = _history(site_in(make_site, "UTC"), changed, windows[edited % 2:])
    memo: dict[str, object] = {}
    bounds = [(T0 + start * MINUTE, T0 + (start + length) * MINUTE) for start, length in periods]
    earlier = Uptime(before, T0 + times[0] * MINUTE, memo=memo)
    for cid in ("api", "web"):
        for b in bounds:
            earlier.ratio(cid, *b)
    for site, minutes in ((after, times[1]), (before, times[1]), (before, times[1])):
        warm = Uptime(site, T0 + minutes * MINUTE, memo=memo)
        fresh = Uptime(site, T0 + minutes * MINUTE)
        assert all(warm.ratio(cid, *b) == fresh.ratio(cid, *b) for cid in ("api", "web") for b in bounds)
    again = Uptime(before, T0 + times[1] * MINUTE, memo=memo)
    again._ratio = None  # type: ignore[assignment,method-assign]  # nothing is made again: a call would fail
    assert all(again.ratio(cid, *b) == Uptime(before, T0 + times[1] * MINUTE).ratio(cid, *b) for cid in ("api", "web") for b in bounds)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spans=SPANS, windows=WINDOWS, times=st.tuples(st.integers(0, 420), st.integers(0, 420)),
       edits=st.lists(st.tuples(st.sampled_from(["text", "longer", "ended", "reopened"]), st.integers(0, 11)), max_size=2))
@example(spans=[("api", Impact.MAJOR_OUTAGE, 0, 60), ("api", Impact.PARTIAL_OUTAGE, 200, None)], windows=[],
         times=(100, 300), edits=[("text", 0)])
@example(spans=[("api", Impact.MAJOR_OUTAGE, 0, 60)], windows=[], times=(100, 100), edits=[("longer", 0)])
def test_a_warm_process_takes_the_settled_segments_from_its_last_build_while_they_hold(
        make_site: SiteMaker, monkeypatch: pytest.MonkeyPatch, spans: list[tuple[str, Impact, int, int | None]],
        windows: list[tuple[int, int, bool]], times: tuple[int, int], edits: list[tuple[str, int]]) -> None:
    """Two builds of a warm process (one ``state``), at any two times, after some incidents were edited (other
    objects in their places): the text alone, an impact made longer, every impact ended, or going on again. The
    second's segments are those an Uptime made from nothing gives; and when only text changed, later, with no
    incident settled since, it took the settled part from the first without looking at every incident."""
    import statusgen.kept
    monkeypatch.setattr(statusgen.kept, "REPLACED_AT_MOST", 1.0)  # (a few incidents here: each edit is many of them)
    site = _history(site_in(make_site, "UTC"), spans, windows)
    state: dict[str, object] = {}
    then, now = T0 + times[0] * MINUTE, T0 + times[1] * MINUTE
    Uptime(site, then, state=state)
    incidents = list(site.incidents)
    for edit, n in edits:
        if not incidents:
            break
        n %= len(incidents)
        interval = incidents[n].intervals[0]
        if edit == "text":
            incidents[n] = dataclasses.replace(incidents[n], title="edited")
        elif edit == "longer" and interval.end is not None:
            longer = dataclasses.replace(interval, end=interval.end + 5 * MINUTE)
            incidents[n] = dataclasses.replace(incidents[n], intervals=(longer,), resolved=longer.end)
        elif edit == "ended":
            ended = dataclasses.replace(interval, end=interval.start + MINUTE)
            incidents[n] = dataclasses.replace(incidents[n], intervals=(ended,), resolved=ended.end)
        elif edit == "reopened":
            incidents[n] = dataclasses.replace(incidents[n], intervals=(dataclasses.replace(interval, end=None),), resolved=None)
    edited = dataclasses.replace(site, incidents=tuple(incidents))
    swept: list[int] = []
    real = Uptime._settled
    monkeypatch.setattr(Uptime, "_settled", staticmethod(lambda *args: swept.append(1) or real(*args)))
    warm = Uptime(edited, now, state=state)
    assert warm._segments == Uptime(edited, now)._segments
    text_only = all(edit == "text" for edit, _ in edits)
    if text_only and then <= now and all(i.settled(then) == i.settled(now) for i in site.incidents):
        assert len(swept) == 1  # (the Uptime made from nothing)


@given(st.lists(st.tuples(st.integers(0, 40), st.integers(1, 20), st.sampled_from(RANKED), st.booleans()), max_size=14))
@example([(0, 10, Impact.MAJOR_OUTAGE, False), (10, 5, Impact.MAJOR_OUTAGE, True)])  # an open one going on from where one ended
def test_segments_swept_in_two_parts_are_those_swept_at_once(spans: list[tuple[int, int, Impact, bool]]) -> None:
    """Sweeping some intervals into the segments made of the others (the open incidents into the settled ones) gives
    the segments one sweep of all of them gives, joined where they meet with the same impact."""
    weights = {Impact.MAJOR_OUTAGE: 1.0, Impact.PARTIAL_OUTAGE: 0.3}
    base = [(start, start + length, impact.rank) for start, length, impact, later in spans if not later]
    added = [(start, start + length, impact.rank) for start, length, impact, later in spans if later]
    assert _with_spans(_worst_segments(base, weights), added, weights) == _worst_segments(base + added, weights)
