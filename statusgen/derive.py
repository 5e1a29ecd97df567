"""Stage 4: pure computations on the model, at a given build time.

Nothing here reads a clock or a file: ``now`` is always a parameter, so the
same content and the same ``now`` always derive the same page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from statusgen.kept import replaced
from statusgen.model import (
    Component,
    ComponentGroup,
    Impact,
    Incident,
    Maintenance,
    MaintenancePhase,
    MaintenanceState,
    Site,
)
from statusgen.timestamps import MONTHS

BANNER_TEXT = {
    Impact.OPERATIONAL: "All systems operational",
    Impact.UNDER_MAINTENANCE: "Scheduled maintenance in progress",
    Impact.DEGRADED_PERFORMANCE: "Degraded performance",
    Impact.PARTIAL_OUTAGE: "Partial outage",
    Impact.MAJOR_OUTAGE: "Major outage",
}


def maintenance_phase(window: Maintenance, now: datetime) -> MaintenancePhase:
    """What readers are told about a window at ``now``.

    The author's state wins where it says more than the clock can: a window
    marked completed is completed; one marked in progress or verifying is in
    progress, even past its scheduled end (it overran). A window still marked
    ``scheduled`` follows the clock, so a scheduled rebuild opens and closes
    it without a commit. A cancelled window is cancelled whatever the clock says.
    """
    if window.state is MaintenanceState.CANCELLED:
        return MaintenancePhase.CANCELLED
    if window.state is MaintenanceState.COMPLETED:
        return MaintenancePhase.COMPLETED
    if window.state in (MaintenanceState.IN_PROGRESS, MaintenanceState.VERIFYING):
        return MaintenancePhase.IN_PROGRESS
    if now < window.scheduled_start:
        return MaintenancePhase.UPCOMING
    if now < window.scheduled_end:
        return MaintenancePhase.IN_PROGRESS
    return MaintenancePhase.COMPLETED


def worst(impacts: list[Impact]) -> Impact:
    """The worst of several impacts (operational when there are none)."""
    return max(impacts, key=lambda i: i.rank, default=Impact.OPERATIONAL)


def component_statuses(site: Site, now: datetime, memo: dict[str, Any] | None = None) -> dict[str, Impact]:
    """Every component's status at ``now``: the worst impact any incident
    interval covering ``now``, or any maintenance in progress, puts on it. ``memo``: what an earlier build of this
    process found (see :meth:`statusgen.cache.ValidationCache.memo`), left holding this build's: at the same time or
    later, with the same incidents in the same places but a few (see :func:`statusgen.kept.replaced`), only those
    few and the incidents not settled then are looked at (a settled incident stays settled)."""
    statuses = {c.id: Impact.OPERATIONAL for c in site.config.components}
    places = replaced(memo["incidents"], site.incidents) if memo and memo["now"] <= now else None
    looked: Iterable[int] = sorted({*memo["unsettled"], *places}) if memo and places is not None else range(len(site.incidents))
    unsettled = []
    for n in looked:
        incident = site.incidents[n]
        if incident.settled(now):  # every impact over by now (nine in ten): none covers it
            continue
        unsettled.append(n)
        for interval in incident.intervals:
            if interval.covers(now) and interval.impact.rank > statuses[interval.component].rank:
                statuses[interval.component] = interval.impact
    for window in site.maintenances:
        if maintenance_phase(window, now) is MaintenancePhase.IN_PROGRESS:
            for cid in window.components:
                if Impact.UNDER_MAINTENANCE.rank > statuses[cid].rank:
                    statuses[cid] = Impact.UNDER_MAINTENANCE
    if memo is not None:
        memo.update(now=now, incidents=site.incidents, unsettled=unsettled)
    return statuses


def component_status_at(site: Site, component_id: str, now: datetime) -> Impact:
    """One component's status at ``now`` (see :func:`component_statuses`)."""
    return component_statuses(site, now)[component_id]


def open_incidents(site: Site) -> list[Incident]:
    """Unresolved incidents, newest first."""
    return [i for i in site.incidents if not i.is_resolved]


@dataclass(frozen=True)
class GroupStatus:
    """A group heading with its components' statuses (group None: ungrouped)."""

    group: ComponentGroup | None
    components: tuple[tuple[Component, Impact], ...]
    status: Impact


@dataclass(frozen=True)
class Overview:
    """Everything the overview page says, at one moment."""

    status: Impact
    banner: str
    groups: tuple[GroupStatus, ...]
    active: tuple[Incident, ...]
    maintenance_now: tuple[Maintenance, ...]
    upcoming: tuple[Maintenance, ...]
    days: tuple[tuple[date, tuple[Incident, ...]], ...]


def overview(site: Site, now: datetime, statuses: dict[str, Impact] | None = None) -> Overview:
    """Derive the overview: banner, grouped statuses, active and recent items.

    ``statuses`` is :func:`component_statuses` at ``now``, when the caller has it already.
    """
    statuses = statuses if statuses is not None else component_statuses(site, now)
    groups: list[GroupStatus] = []
    by_group: dict[str | None, list[tuple[Component, Impact]]] = defaultdict(list)
    for component in site.config.components:
        by_group[component.group].append((component, statuses[component.id]))
    for group in site.config.groups:
        members = tuple(by_group.get(group.id, ()))
        if members:
            groups.append(GroupStatus(group, members, worst([s for _, s in members])))
    if by_group.get(None):
        members = tuple(by_group[None])
        groups.insert(0, GroupStatus(None, members, worst([s for _, s in members])))
    overall = worst(list(statuses.values()))
    zone = site.config.zone
    return Overview(
        status=overall,
        banner=BANNER_TEXT[overall],
        groups=tuple(groups),
        active=tuple(open_incidents(site)),
        maintenance_now=tuple(m for m in site.maintenances if maintenance_phase(m, now) is MaintenancePhase.IN_PROGRESS),
        upcoming=tuple(sorted(
            (m for m in site.maintenances if maintenance_phase(m, now) is MaintenancePhase.UPCOMING),
            key=lambda m: m.scheduled_start,
        )),
        days=recent_days(site, now, zone, site.config.overview_days),
    )


def recent_days(site: Site, now: datetime, zone: ZoneInfo, count: int) -> tuple[tuple[date, tuple[Incident, ...]], ...]:
    """The last ``count`` days in the site's zone, newest first, with the
    incidents that started on each (an empty tuple is a quiet day)."""
    today = now.astimezone(zone).date()
    first = today - timedelta(days=count - 1)
    by_day: dict[date, list[Incident]] = defaultdict(list)
    for incident in site.incidents:  # newest first: the rest of a long history started before the first day
        day = incident.started.astimezone(zone).date()
        if day < first:
            break
        if day <= today:
            by_day[day].append(incident)
    return tuple((today - timedelta(days=n), tuple(by_day.get(today - timedelta(days=n), ()))) for n in range(count))


def month_key(year: int, month: int) -> str:
    """A month's path segment, as history pages and monthly reports use it: '2026/03'."""
    return f"{year:04d}/{month:02d}"


def month_label(year: int, month: int) -> str:
    """A month as readers see it: 'March 2026'."""
    return f"{MONTHS[month - 1]} {year}"


@dataclass(frozen=True)
class Month:
    """One month of history: its incidents and maintenances, newest first."""

    year: int
    month: int
    incidents: tuple[Incident, ...]
    maintenances: tuple[Maintenance, ...]

    @property
    def key(self) -> str:
        return month_key(self.year, self.month)


def history_months(site: Site, now: datetime, zone: ZoneInfo) -> tuple[Month, ...]:
    """Every month from the first incident or maintenance to ``now``'s month
    (or to the last item, if later), newest first; quiet months included so
    that the month navigation has no holes."""
    incidents: dict[tuple[int, int], list[Incident]] = defaultdict(list)
    windows: dict[tuple[int, int], list[Maintenance]] = defaultdict(list)
    for incident in site.incidents:
        local = incident.started.astimezone(zone)
        incidents[(local.year, local.month)].append(incident)
    for window in site.maintenances:
        local = window.scheduled_start.astimezone(zone)
        windows[(local.year, local.month)].append(window)
    keys = set(incidents) | set(windows)
    if not keys:
        return ()
    local_now = now.astimezone(zone)
    span = month_range(min(keys), max(max(keys), (local_now.year, local_now.month)))
    return tuple(Month(year, month, tuple(incidents.get((year, month), ())), tuple(windows.get((year, month), ())))
                 for year, month in span)


def month_range(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    """Every (year, month) from ``last`` back to ``first``, both included, newest first."""
    out = []
    year, month = first
    while (year, month) <= last:
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return list(reversed(out))


def incident_duration(incident: Incident, now: datetime) -> timedelta:
    """From started to resolved, or to ``now`` while it is ongoing."""
    end = incident.resolved if incident.resolved is not None else now
    return max(end - incident.started, timedelta(0))


def incidents_for_component(site: Site, component_id: str) -> tuple[Incident, ...]:
    """Incidents that touched a component, newest first."""
    return site.incidents_touching(component_id)


def maintenances_for_component(site: Site, component_id: str) -> tuple[Maintenance, ...]:
    """Maintenance windows on a component, newest first."""
    return tuple(m for m in site.maintenances if component_id in m.components)


def impacts_at(incident: Incident, moment: datetime) -> dict[str, Impact]:
    """Each component the incident touched, with the impact it had at ``moment``
    (operational once the incident no longer affected it)."""
    return {
        cid: next((i.impact for i in incident.intervals if i.component == cid and i.covers(moment)), Impact.OPERATIONAL)
        for cid in incident.affected()
    }


def maintenance_moments(window: Maintenance, now: datetime) -> list[datetime]:
    """When a window changed what readers see, up to ``now``: its updates and,
    unless cancelled, its scheduled start and end once they have passed."""
    moments = [u.at for u in window.updates if u.at <= now]
    if window.state is not MaintenanceState.CANCELLED:
        moments += [t for t in (window.scheduled_start, window.scheduled_end) if t <= now]
    return moments


def incident_moments(incident: Incident, now: datetime) -> list[datetime]:
    """When an incident changed what readers see, up to ``now``."""
    return [t for t in incident.moments() if t <= now]


def last_change(site: Site, now: datetime) -> datetime | None:
    """The latest moment up to ``now`` at which the content changed what the
    page says. None when nothing has."""
    # An incident whose latest moment has passed gives that one; only one that mentions a later time (an update
    # written ahead) is looked at moment by moment.
    moments = [incident.latest for incident in site.incidents if incident.latest <= now]
    moments += [t for incident in site.incidents if incident.latest > now for t in incident_moments(incident, now)]
    moments += [t for window in site.maintenances for t in maintenance_moments(window, now)]
    moments += [p.published for p in site.postmortems if p.published <= now]
    return max(moments, default=None)


def component_last_changes(site: Site, now: datetime) -> dict[str, datetime | None]:
    """For every component, the latest moment up to ``now`` at which its
    status changed (None when it never has), in one pass over the content."""
    latest: dict[str, datetime | None] = {c.id: None for c in site.config.components}

    def seen(cid: str, moment: datetime | None) -> None:
        current = latest[cid]
        if moment is not None and moment <= now and (current is None or moment > current):
            latest[cid] = moment

    for incident in site.incidents:
        if incident.latest <= now:  # every moment it mentions has passed: its latest change of each component
            for cid, moment in incident.changed:
                current = latest[cid]
                if current is None or moment > current:
                    latest[cid] = moment
            continue
        for interval in incident.intervals:
            seen(interval.component, interval.start)
            seen(interval.component, interval.end)
    for window in site.maintenances:
        moments = maintenance_moments(window, now)
        for cid in window.components:
            seen(cid, max(moments, default=None))
    return latest


def first_moment(site: Site) -> datetime | None:
    """The earliest time the content mentions: when the page's history begins."""
    moments = [i.started for i in site.incidents] + [m.scheduled_start for m in site.maintenances]
    moments += [u.at for m in site.maintenances for u in m.updates]
    moments += [p.published for p in site.postmortems]
    return min(moments, default=None)
