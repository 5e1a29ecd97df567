"""Plain values that templates show: one shape for incidents and maintenance
in lists, so a list template never branches on what it is listing."""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from statusgen.derive import incident_duration, maintenance_phase
from statusgen.durations import format_duration
from statusgen.kept import Kept, Known, replaced
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


@dataclass(frozen=True)
class IntervalView:
    impact: Impact
    start: datetime
    end: datetime | None
    duration: str
    """How long it lasted, once it has an end; empty while it has none (a live page says how long so far:
    ``fmt.duration_between(start, generated)``)."""


@dataclass(frozen=True)
class ComponentImpactView:
    id: str
    name: str
    peak: Impact
    intervals: tuple[IntervalView, ...]


@dataclass(frozen=True)
class ItemView:
    """An incident or maintenance window as lists and headers show it. It follows from the item alone, and for a
    window from the phase it is in (see :func:`view_moment`): what changes with the time while nothing is written
    (how long an incident has gone on, the impact it has now) is not in it, but made by the live pages that show
    it (the incident's own page, the overview), which say when they were built."""

    slug: str
    url: str
    title: str
    is_maintenance: bool
    severity: Severity | None
    state: IncidentState | MaintenanceState
    start: datetime
    end: datetime | None
    duration: str
    """How long it lasted (a window: is scheduled to last); empty for an incident still going on."""
    ongoing_text: str
    summary: str
    components: Sequence[ComponentImpactView]
    """A tuple, or as pickled (a view kept for the next build), :class:`statusgen.model.Encoded`: only the pages
    rendered again read the components of a view taken from the cache."""

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["components"] = Encoded.of(self.components)
        return state


def view_span(item: Incident | Maintenance) -> tuple[datetime, datetime | None]:
    """When an item's view starts and ends (None: not yet): an incident's start and resolution, a window's
    scheduled times. Lists sort and tell live pages by it without making the views."""
    if isinstance(item, Incident):
        return item.started, item.resolved
    return item.scheduled_start, item.scheduled_end


def incident_view(site: Site, incident: Incident) -> ItemView:
    """The view of an incident (the same at any time)."""
    names = site.component_names
    components = []
    for cid in incident.affected():
        intervals = tuple(
            IntervalView(i.impact, i.start, i.end, format_duration(i.duration(i.end)) if i.end is not None else "")
            for i in incident.intervals if i.component == cid
        )
        components.append(ComponentImpactView(cid, names[cid], incident.peak_impact(cid), intervals))
    start, end = view_span(incident)
    return ItemView(
        slug=incident.slug, url=f"incidents/{incident.slug}/", title=incident.title, is_maintenance=False,
        severity=incident.severity, state=incident.state, start=start, end=end,
        duration=format_duration(incident_duration(incident, end)) if end is not None else "", ongoing_text="ongoing",
        summary=incident.summary, components=tuple(components),
    )


def maintenance_view(site: Site, window: Maintenance, now: datetime) -> ItemView:
    """The view of a maintenance window at ``now``."""
    names = site.component_names
    phase = maintenance_phase(window, now)
    components = tuple(
        ComponentImpactView(cid, names[cid], Impact.UNDER_MAINTENANCE, ())
        for cid in window.components
    )
    start, end = view_span(window)
    return ItemView(
        slug=window.slug, url=f"incidents/{window.slug}/", title=window.title, is_maintenance=True,
        severity=None, state=window.state, start=start, end=end,
        duration=format_duration(window.scheduled_end - window.scheduled_start), ongoing_text=phase.label.lower(),
        summary=window.summary, components=components,
    )


def view_moment(item: Incident | Maintenance, now: datetime) -> object:
    """What of ``now`` an item's view depends on, so that the item and this decide its view (a property test
    checks it): the phase for a maintenance window, nothing (None) for an incident."""
    if isinstance(item, Maintenance):
        return maintenance_phase(item, now)
    return None


def view_digest(item: Incident | Maintenance, fingerprint: bytes, now: datetime) -> bytes:
    """A digest of what an item's view is made from, given statusgen's code and the configuration: the item
    (its ``fingerprint``, see :func:`statusgen.content.fingerprints`) and its :func:`view_moment`. Two views
    with the same digest are the same, so it stands in for the view in page keys and keys kept views."""
    return _view_digest(fingerprint, view_moment(item, now))


def _view_digest(fingerprint: bytes, moment: object) -> bytes:
    pickled = _NO_MOMENT if moment is None else pickle.dumps(moment, protocol=5)  # None: every incident
    return hashlib.blake2b(b"view\0" + fingerprint + pickled, digest_size=20).digest()


#: The pickle of a settled incident's :func:`view_moment`.
_NO_MOMENT = pickle.dumps(None, protocol=5)


def view_digests(items: Sequence[Incident | Maintenance], fingerprints: Mapping[str, bytes], now: datetime,
                 memo: dict[str, Any] | None = None) -> dict[str, bytes]:
    """By slug, the :func:`view_digest` of each of ``items`` that has a fingerprint. ``memo``: what an earlier build
    of this process made (see :meth:`statusgen.cache.ValidationCache.memo`), left holding this build's: with the same
    items in the same places but a few (other objects, or other fingerprints), the last build's digests with those
    few made again (see :func:`statusgen.kept.replaced`), and at another time the maintenance windows' too (an
    incident's does not depend on the time); else a digest taken from it when made from the same fingerprint and
    moment. It holds under ``fresh`` the slugs made again in the first case at the same ``now`` (a set), None
    otherwise."""
    prints = [fingerprints.get(item.path) for item in items]
    if memo:
        places = replaced(memo["items"], items, (memo["prints"], prints))
        # (Each under its slug as it was, so the digests stay in the items' order.)
        if places is not None and all(items[n].slug == memo["items"][n].slug and prints[n] is not None
                                      and memo["prints"][n] is not None for n in places):
            same_time = memo["now"] == now
            if not same_time:  # the windows too, which come after the incidents
                first = len(items)
                while first and isinstance(items[first - 1], Maintenance):
                    first -= 1
                places = sorted({*places, *(n for n in range(first, len(items)) if prints[n] is not None)})
            made: dict[str, bytes] = dict(memo["made"])
            for n in places:
                made[items[n].slug] = view_digest(items[n], cast(bytes, prints[n]), now)
            memo.update(items=items, prints=prints, made=made, now=now,
                        fresh={items[n].slug for n in places} if same_time else None)
            return made
    made = {}
    kept: dict[str, tuple[bytes, object, bytes]] = {}
    then: dict[str, tuple[bytes, object, bytes]] = memo.get("by slug", {}) if memo is not None else {}
    for item, fingerprint in zip(items, prints, strict=True):
        if fingerprint is None:
            continue
        moment = view_moment(item, now)
        found = then.get(item.slug)
        digest = found[2] if found is not None and found[0] == fingerprint and found[1] == moment else \
            _view_digest(fingerprint, moment)
        made[item.slug] = digest
        kept[item.slug] = (fingerprint, moment, digest)
    if memo is not None:
        memo.clear()
        memo.update({"by slug": kept, "now": now, "items": items, "prints": prints, "made": made, "fresh": None})
    return made


class Views(Mapping[str, ItemView]):
    """Every item's view, by slug, made the first time it is asked for: or, with ``kept``, taken from the views an
    earlier build made from the same (by :func:`view_digest`; ``digests``: this build's, by slug). A rebuild asks only
    for the views of the pages it renders again and of the few pages keyed by their values, so it reads few of the
    views it kept. ``made_hook`` is told of each view as it is made (the page keys then stand it in by its digest)."""

    def __init__(self, site: Site, now: datetime, digests: Mapping[str, bytes] | None = None,
                 kept: Kept | None = None) -> None:
        self._site, self._now, self._kept = site, now, kept
        self._digests: Mapping[str, bytes] = digests or {}
        items: list[Incident | Maintenance] = [*site.incidents, *site.maintenances]
        self._items = {item.slug: item for item in items}
        self.made: dict[str, ItemView] = {}
        """The views made so far, by slug."""
        self.made_hook: Callable[[ItemView, bytes | None], object] | None = None

    def __getitem__(self, slug: str) -> ItemView:
        view = self.made.get(slug)
        if view is not None:
            return view
        item, digest = self._items[slug], self._digests.get(slug)

        def make() -> ItemView:
            if isinstance(item, Incident):
                return incident_view(self._site, item)
            return maintenance_view(self._site, item, self._now)

        found = self._kept.take(slug, digest, make, ItemView) if self._kept is not None else make()
        assert isinstance(found, ItemView)
        self.made[slug] = found
        if self.made_hook is not None:
            self.made_hook(found, digest)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, slug: object) -> bool:
        return slug in self._items

    def make_all(self) -> None:
        """Make every view now: before a build that renders every page forks its worker, so that the two processes
        share them instead of each making those it shows (0.19 s at 10,000 items, made twice)."""
        for slug in self._items:
            self[slug]

    def kept(self) -> tuple[list[tuple[str, bytes]], Mapping[bytes, object]]:
        """What to keep for the next build: the digests of the items whose view lasts, in the site's order, and by
        digest each view, made or as the last build kept it (read only if its chunk is written again). The view of
        such an item whose digest the last build did not keep (edited, new, in another phase) is made now, so the next
        build finds it."""
        assert self._kept is not None
        known = self._kept.known
        order = list(self._digests.items())
        for slug, digest in order:
            if slug not in self.made and (known is None or digest not in known):
                self[slug]
        return order, _Carried(self._kept.made, known, [digest for _, digest in order])


class _Carried(Mapping[bytes, object]):
    """The values under ``keys``: those ``made``, else as ``known`` holds them (read when first asked for)."""

    def __init__(self, made: Mapping[bytes, object], known: Known | None, keys: Iterable[bytes]) -> None:
        self._made, self._known = made, known
        self._keys = dict.fromkeys(key for key in keys if key in made or (known is not None and key in known))

    def __getitem__(self, key: bytes) -> object:
        if key not in self._keys:
            raise KeyError(key)
        found = self._made.get(key)
        if found is None and self._known is not None:
            found = self._known.get(key)
        if found is None:  # a kept chunk that could not be read
            raise KeyError(key)
        return found

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys


def views_for_site(site: Site, now: datetime, digests: Mapping[str, bytes] | None = None,
                   kept: Kept | None = None) -> dict[str, ItemView]:
    """Every item's view, made at once (see :class:`Views`)."""
    views = Views(site, now, digests, kept)
    return {slug: views[slug] for slug in views}
