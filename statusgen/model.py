"""Stage 3: the content model. Frozen dataclasses, complete when constructed.

Nothing in here is filled in later: a value either exists whole or the
validator reported why it could not be built.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from statusgen.markers import Marker

if TYPE_CHECKING:
    from statusgen.config import SiteConfig

T = TypeVar("T")


class Severity(Enum):
    """How bad an incident is; sev1 is the worst."""

    SEV1 = "sev1"
    SEV2 = "sev2"
    SEV3 = "sev3"


class Impact(Enum):
    """A component's status, in Statuspage's vocabulary.

    ``rank`` orders them from harmless to worst, so "the worst of several"
    is ``max(..., key=rank)``. Maintenance ranks below every outage: a
    component that is both down and in maintenance is shown as down.
    """

    OPERATIONAL = "operational"
    UNDER_MAINTENANCE = "under_maintenance"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"

    @property
    def rank(self) -> int:
        return _IMPACT_RANK[self]

    @property
    def label(self) -> str:
        """Human label: 'Partial outage'."""
        return self.value.replace("_", " ").capitalize()


_IMPACT_RANK = {impact: rank for rank, impact in enumerate(Impact)}

#: Impacts an incident (not a maintenance) may declare for a component.
INCIDENT_IMPACTS = (Impact.DEGRADED_PERFORMANCE, Impact.PARTIAL_OUTAGE, Impact.MAJOR_OUTAGE)


class IncidentState(Enum):
    """Where an incident stands, in the order it normally moves."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class MaintenanceState(Enum):
    """Where a maintenance window stands, as its author last declared it."""

    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class MaintenancePhase(Enum):
    """What a reader is told about a window at build time (derived)."""

    UPCOMING = "upcoming"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


@dataclass(frozen=True)
class ComponentGroup:
    """A heading under which components are listed on the overview."""

    id: str
    name: str
    description: str
    order: int


@dataclass(frozen=True)
class Component:
    """Something customers use and whose status the page reports."""

    id: str
    name: str
    description: str
    group: str | None
    order: int


@dataclass(frozen=True)
class ImpactChange:
    """An update's record that one component's impact changed at that time."""

    component: str
    impact: Impact


@dataclass(frozen=True)
class Update:
    """One timeline entry: a message published at a time, in a state."""

    anchor: str
    at: datetime
    state: IncidentState | MaintenanceState
    markdown: str
    html: str
    changes: tuple[ImpactChange, ...]
    line: int
    """The file line of the update's heading."""
    markdown_line: int = 0
    """The file line on which ``markdown`` starts, to locate a phrase in it."""


class Encoded(Sequence[T]):
    """A tuple kept as its pickle, unpickled the first time it is asked for: what a pickled incident or maintenance
    window holds instead of its updates (see :meth:`Incident.__getstate__`), and a pickled item view instead of
    its components (:class:`statusgen.render.views.ItemView`).

    A rebuild of a large site takes every unchanged item from the cache, and four updates of about 80 words are
    most of what an incident is made of, as its components are of its view, yet only the items whose pages are
    rendered again (or that a feed or the API shows in full) are ever read update by update. Equal to the tuple
    it holds, and hashed like it."""

    __slots__ = ("_data", "_items")

    def __init__(self, data: bytes | memoryview) -> None:
        self._data: bytes | memoryview | None = data
        """The pickle: its bytes, or where a file of the cache holds them (a view of the file mapped in memory, which
        reads nothing until it is unpickled: see :mod:`statusgen.cache`)."""
        self._items: tuple[T, ...] | None = None

    @classmethod
    def of(cls, values: Sequence[T]) -> Encoded[T]:
        """``values`` as they are pickled: encoded now, unless they are still encoded."""
        if isinstance(values, Encoded) and values._data is not None:
            return values
        return cls(pickle.dumps(tuple(values), protocol=pickle.HIGHEST_PROTOCOL))

    @property
    def pickled(self) -> bytes | memoryview:
        """The values' pickle, without unpickling them when they still are."""
        data = Encoded.of(self)._data
        assert data is not None
        return data

    def __reduce__(self) -> tuple[Any, ...]:
        return Encoded, (bytes(self.pickled),)

    @property
    def items(self) -> tuple[T, ...]:
        """The values, unpickled once (their pickle is then let go: held twice, a large site's would weigh)."""
        if self._items is None:
            assert self._data is not None
            self._items, self._data = pickle.loads(self._data), None
        return self._items

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...

    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        return self.items[index]

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Encoded):
            other = other.items
        return self.items == other if isinstance(other, tuple) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.items)

    def __repr__(self) -> str:
        return repr(self.items) if self._items is not None else f"Encoded({len(self._data or b'')} bytes)"


def _encoded_state(item: Incident | Maintenance) -> dict[str, Any]:
    """What pickling ``item`` keeps of it: its fields, its updates (and an incident's field lines, which only
    diagnostics read) encoded (see :class:`Encoded`)."""
    state = dict(item.__dict__)
    state["updates"] = Encoded.of(item.updates)
    if isinstance(item, Incident) and item.field_lines:
        state["field_lines"] = Encoded.of(item.field_lines)
    return state


@dataclass(frozen=True)
class ImpactInterval:
    """A component had ``impact`` from ``start`` until ``end`` (None: still)."""

    component: str
    impact: Impact
    start: datetime
    end: datetime | None

    def covers(self, moment: datetime) -> bool:
        return self.start <= moment and (self.end is None or moment < self.end)

    def duration(self, until: datetime) -> timedelta:
        end = self.end if self.end is not None else until
        return max(end - self.start, timedelta(0))


#: Earlier than any time: when a resolved incident without impacts is settled.
_ALWAYS = datetime.min.replace(tzinfo=UTC)

#: The impacts that count as an outage for the postmortem policy.
OUTAGE = (Impact.PARTIAL_OUTAGE, Impact.MAJOR_OUTAGE)


def outages(intervals: Sequence[ImpactInterval], until: datetime) -> timedelta:
    """How long some component was in partial or major outage in ``intervals`` (overlaps counted once), those
    still open lasting ``until``."""
    spans = sorted((i.start, i.end or until) for i in intervals if i.impact in OUTAGE)
    total = timedelta(0)
    current: tuple[datetime, datetime] | None = None
    for start, end in spans:
        if current is None or start > current[1]:
            if current is not None:
                total += current[1] - current[0]
            current = (start, end)
        else:
            current = (current[0], max(current[1], end))
    if current is not None:
        total += current[1] - current[0]
    return max(total, timedelta(0))


@dataclass(frozen=True)
class Incident:
    """An unplanned disruption and its timeline.

    ``components`` is the impact each component had when the incident
    started (as written in front matter); ``intervals`` is the full history
    after applying every update's impact changes, ending at ``resolved``.
    ``updates`` are sorted oldest first.
    """

    slug: str
    path: str
    title: str
    severity: Severity
    state: IncidentState
    started: datetime
    resolved: datetime | None
    components: tuple[tuple[str, Impact], ...]
    updates: Sequence[Update]
    """Oldest first: a tuple, or as pickled, :class:`Encoded`."""
    intervals: tuple[ImpactInterval, ...]
    postmortem: str | None
    summary: str
    lead_html: str
    postmortem_at: tuple[int, int] = (1, 1)
    """Line and column of the ``postmortem:`` value, for cross-file diagnostics."""
    waiver: str | None = None
    """``postmortem_waived``: why no postmortem will be published, shown to readers."""
    field_lines: Sequence[tuple[str, int]] = ()
    """Each front-matter field's line, for diagnostics about the incident as a whole."""
    markers: tuple[Marker, ...] = ()
    """Audit suppressions written in the body."""
    touched: tuple[str, ...] = field(init=False, repr=False, compare=False)
    """See :meth:`affected`; made once, since every list of a component's incidents asks each incident."""
    latest: datetime = field(init=False, repr=False, compare=False)
    """The latest of :meth:`moments`; made once (and kept with the validated incident), since every build asks
    each incident when the content last changed what the page says (:func:`statusgen.derive.last_change`)."""
    said: tuple[datetime, datetime] | None = field(init=False, repr=False, compare=False)
    """When the first and the last update went out (None: no update yet): what every build asks of every
    incident (the feeds, the reports), kept so that the updates themselves stay encoded (see :class:`Encoded`)."""

    outage: timedelta | None = field(init=False, repr=False, compare=False)
    """Once resolved, how long some component was in partial or major outage (see :func:`outages`; None while
    not resolved, when it depends on the time): every build's postmortem obligations ask every incident."""
    changed: tuple[tuple[str, datetime], ...] = field(init=False, repr=False, compare=False)
    """Each component the incident's impacts touched, with the latest start or end of one of them: when the
    incident last changed that component's status, unless that is after the build time (see
    :func:`statusgen.derive.component_last_changes`, which every build asks of every incident)."""
    settles: datetime | None = field(init=False, repr=False, compare=False)
    """From when the incident is :meth:`settled` (None: not while it is not resolved or an impact has no end): every
    build asks every incident, for its view and its uptime."""

    def __post_init__(self) -> None:
        seen: dict[str, None] = {}
        for interval in self.intervals:
            seen.setdefault(interval.component, None)
        for component, _ in self.components:
            seen.setdefault(component, None)
        object.__setattr__(self, "touched", tuple(seen))
        object.__setattr__(self, "latest", max(self.moments()))
        object.__setattr__(self, "said", (self.updates[0].at, self.updates[-1].at) if self.updates else None)
        object.__setattr__(self, "outage", outages(self.intervals, self.resolved) if self.resolved is not None else None)
        changed: dict[str, datetime] = {}
        for interval in self.intervals:
            moment = max(interval.start, interval.end) if interval.end is not None else interval.start
            if interval.component not in changed or moment > changed[interval.component]:
                changed[interval.component] = moment
        object.__setattr__(self, "changed", tuple(changed.items()))
        ends = [i.end for i in self.intervals]
        settles = None if self.resolved is None or None in ends else max(cast(list[datetime], ends), default=_ALWAYS)
        object.__setattr__(self, "settles", settles)

    def __getstate__(self) -> dict[str, Any]:
        return _encoded_state(self)

    def moments(self) -> list[datetime]:
        """Every moment at which the incident changed what readers see: its start, its updates, and each
        start and end of a component's impact."""
        moments = [self.started, *(u.at for u in self.updates)]
        return moments + [t for i in self.intervals for t in (i.start, i.end) if t is not None]

    def line_of(self, field: str) -> int:
        """The line of a front-matter field (1 when the field is absent)."""
        return dict(self.field_lines).get(field, 1)

    @property
    def is_resolved(self) -> bool:
        return self.resolved is not None

    def settled(self, now: datetime) -> bool:
        """Whether ``now`` can no longer change what the incident shows: resolved, with every impact over by ``now``
        (its view then depends on the incident alone, and so does what it brings to uptime)."""
        return self.settles is not None and self.settles <= now

    def affected(self) -> tuple[str, ...]:
        """Every component the incident touched, in first-touched order."""
        return self.touched

    def peak_impact(self, component: str) -> Impact:
        """The worst impact the incident had on one component."""
        impacts = [i.impact for i in self.intervals if i.component == component]
        impacts += [impact for cid, impact in self.components if cid == component]
        return max(impacts, key=lambda i: i.rank, default=Impact.OPERATIONAL)

    def latest_update(self) -> Update | None:
        return self.updates[-1] if self.updates else None

    def first_update_delay(self) -> timedelta | None:
        """How long after ``started`` the first public update went out (None: no update yet)."""
        return self.said[0] - self.started if self.said is not None else None


@dataclass(frozen=True)
class Maintenance:
    """A planned window during which components are under maintenance."""

    slug: str
    path: str
    title: str
    state: MaintenanceState
    scheduled_start: datetime
    scheduled_end: datetime
    components: tuple[str, ...]
    updates: Sequence[Update]
    """Oldest first: a tuple, or as pickled, :class:`Encoded`."""
    summary: str
    lead_html: str
    markers: tuple[Marker, ...] = ()
    """Audit suppressions written in the body."""

    def __getstate__(self) -> dict[str, Any]:
        return _encoded_state(self)

    def latest_update(self) -> Update | None:
        return self.updates[-1] if self.updates else None


@dataclass(frozen=True)
class Postmortem:
    """A published account of one or more incidents, for customers."""

    slug: str
    path: str
    title: str
    incidents: tuple[str, ...]
    published: datetime
    summary: str
    html: str
    markdown: str = ""
    """The body as written, for the communication audit."""
    markdown_line: int = 1
    """The file line on which ``markdown`` starts."""
    markers: tuple[Marker, ...] = ()
    """Audit suppressions written in the body."""


@dataclass(frozen=True)
class Site:
    """Everything the content describes, validated and cross-linked.

    Incidents and maintenances are sorted newest first (by ``started`` and
    ``scheduled_start``); postmortems newest first by ``published``.
    """

    config: SiteConfig
    incidents: tuple[Incident, ...]
    maintenances: tuple[Maintenance, ...]
    postmortems: tuple[Postmortem, ...]

    @cached_property
    def component_names(self) -> dict[str, str]:
        """Component id -> display name."""
        return {c.id: c.name for c in self.config.components}

    @cached_property
    def _incidents_by_slug(self) -> dict[str, Incident]:
        return {i.slug: i for i in self.incidents}

    @cached_property
    def _postmortems_by_slug(self) -> dict[str, Postmortem]:
        return {p.slug: p for p in self.postmortems}

    @cached_property
    def _incidents_by_component(self) -> dict[str, tuple[Incident, ...]]:
        found: dict[str, list[Incident]] = {}
        for incident in self.incidents:
            for component in incident.affected():
                found.setdefault(component, []).append(incident)
        return {component: tuple(incidents) for component, incidents in found.items()}

    def incident(self, slug: str) -> Incident | None:
        return self._incidents_by_slug.get(slug)

    def incidents_touching(self, component: str) -> tuple[Incident, ...]:
        """The incidents that touched ``component``, newest first (indexed once: pages and feeds ask for each component)."""
        return self._incidents_by_component.get(component, ())

    def postmortem(self, slug: str) -> Postmortem | None:
        return self._postmortems_by_slug.get(slug)
