"""Plain values that templates show: one shape for incidents and maintenance
in lists, so a list template never branches on what it is listing."""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from statusgen.derive import incident_duration, maintenance_phase
from statusgen.durations import format_duration
from statusgen.model import (
    Encoded,
    Impact,
    Incident,
    IncidentState,
    Maintenance,
    MaintenanceState,
    Severity,
    Site,
)
from statusgen.render import Kept


@dataclass(frozen=True)
class IntervalView:
    impact: Impact
    start: datetime
    end: datetime | None
    duration: str


@dataclass(frozen=True)
class ComponentImpactView:
    id: str
    name: str
    peak: Impact
    now: Impact
    intervals: tuple[IntervalView, ...]


@dataclass(frozen=True)
class ItemView:
    """An incident or maintenance window as lists and headers show it."""

    slug: str
    url: str
    title: str
    is_maintenance: bool
    severity: Severity | None
    state: IncidentState | MaintenanceState
    start: datetime
    end: datetime | None
    duration: str
    ongoing_text: str
    summary: str
    components: Sequence[ComponentImpactView]
    """A tuple, or as pickled (a view kept for the next build), :class:`statusgen.model.Encoded`: only the pages
    rendered again read the components of a view taken from the cache."""

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["components"] = Encoded.of(self.components)
        return state


def incident_view(site: Site, incident: Incident, now: datetime) -> ItemView:
    """The view of an incident at ``now``."""
    names = site.component_names
    components = []
    for cid in incident.affected():
        intervals = tuple(
            IntervalView(i.impact, i.start, i.end, format_duration(i.duration(now)))
            for i in incident.intervals if i.component == cid
        )
        current = next((i.impact for i in incident.intervals if i.component == cid and i.covers(now)), Impact.OPERATIONAL)
        components.append(ComponentImpactView(cid, names[cid], incident.peak_impact(cid), current, intervals))
    return ItemView(
        slug=incident.slug, url=f"incidents/{incident.slug}/", title=incident.title, is_maintenance=False,
        severity=incident.severity, state=incident.state, start=incident.started, end=incident.resolved,
        duration=format_duration(incident_duration(incident, now)), ongoing_text="ongoing",
        summary=incident.summary, components=tuple(components),
    )


def maintenance_view(site: Site, window: Maintenance, now: datetime) -> ItemView:
    """The view of a maintenance window at ``now``."""
    names = site.component_names
    phase = maintenance_phase(window, now)
    components = tuple(
        ComponentImpactView(cid, names[cid], Impact.UNDER_MAINTENANCE, Impact.UNDER_MAINTENANCE, ())
        for cid in window.components
    )
    return ItemView(
        slug=window.slug, url=f"incidents/{window.slug}/", title=window.title, is_maintenance=True,
        severity=None, state=window.state, start=window.scheduled_start, end=window.scheduled_end,
        duration=format_duration(window.scheduled_end - window.scheduled_start), ongoing_text=phase.label.lower(),
        summary=window.summary, components=components,
    )


def view_moment(item: Incident | Maintenance, now: datetime) -> object:
    """What of ``now`` an item's view depends on, so that the item and this decide its view (a property test
    checks it): nothing (None) for an incident that is resolved and every interval of which has ended by
    ``now``, the phase for a maintenance window, ``now`` itself for any other incident."""
    if isinstance(item, Maintenance):
        return maintenance_phase(item, now)
    return None if item.settled(now) else now


def view_digest(item: Incident | Maintenance, fingerprint: bytes, now: datetime) -> bytes:
    """A digest of what an item's view is made from, given statusgen's code and the configuration: the item
    (its ``fingerprint``, see :func:`statusgen.content.fingerprints`) and its :func:`view_moment`. Two views
    with the same digest are the same, so it stands in for the view in page keys and keys kept views."""
    moment = pickle.dumps(view_moment(item, now), protocol=5)
    return hashlib.blake2b(b"view\0" + fingerprint + moment, digest_size=20).digest()


def views_for_site(site: Site, now: datetime, digests: Mapping[str, bytes] | None = None,
                   kept: Kept | None = None) -> dict[str, ItemView]:
    """Every item's view, computed once per build and shared by all pages, by slug. With ``kept``, an item's view
    an earlier build made from the same (by :func:`view_digest`; ``digests``: this build's, by slug) is taken
    instead of made again, and this build's are kept in it for the next."""
    views: dict[str, ItemView] = {}
    items: list[Incident | Maintenance] = [*site.incidents, *site.maintenances]
    for item in items:
        def make(item: Incident | Maintenance = item) -> ItemView:
            return incident_view(site, item, now) if isinstance(item, Incident) else maintenance_view(site, item, now)

        digest = digests.get(item.slug) if digests is not None else None
        view = kept.take(item.slug, digest, make, ItemView) if kept is not None else make()
        assert isinstance(view, ItemView)
        views[item.slug] = view
    return views
