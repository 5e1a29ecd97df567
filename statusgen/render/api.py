"""The machine-readable API: static JSON files (pure).

``api/v2/`` speaks Atlassian Statuspage's public v2 API: its paths, field
names and value vocabularies, so an existing Statuspage client works against
a statusgen site unchanged. statusgen's own, richer data lives apart, under
``api/statusgen/v1/``, so that no Statuspage client meets a key it does not
know. docs/api.md documents both, and where statusgen differs.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

import orjson

from statusgen.derive import (
    component_last_changes,
    first_moment,
    impacts_at,
    last_change,
    maintenance_phase,
    worst,
)
from statusgen.kept import Kept, ends_run
from statusgen.model import (
    Component,
    ComponentGroup,
    Impact,
    Incident,
    IncidentState,
    Maintenance,
    MaintenancePhase,
    MaintenanceState,
    Severity,
    Site,
    Update,
)
from statusgen.obligations import Obligation, figures
from statusgen.render import Artifact

#: Statuspage lists at most this many incidents and maintenances per file.
LIST_LIMIT = 50

#: Our severities as Statuspage incident impacts.
SEVERITY_IMPACT = {Severity.SEV1: "critical", Severity.SEV2: "major", Severity.SEV3: "minor"}

#: The page's overall status (the same rule as the overview's banner) as a
#: Statuspage indicator and description.
INDICATOR = {
    Impact.OPERATIONAL: ("none", "All Systems Operational"),
    Impact.UNDER_MAINTENANCE: ("none", "Service Under Maintenance"),
    Impact.DEGRADED_PERFORMANCE: ("minor", "Partially Degraded Service"),
    Impact.PARTIAL_OUTAGE: ("major", "Partial System Outage"),
    Impact.MAJOR_OUTAGE: ("critical", "Major System Outage"),
}

#: What Statuspage calls a maintenance in each phase we derive.
_PHASE_STATUS = {
    MaintenancePhase.UPCOMING: "scheduled",
    MaintenancePhase.IN_PROGRESS: "in_progress",
    MaintenancePhase.COMPLETED: "completed",
    MaintenancePhase.CANCELLED: "completed",
}


#: Datetimes are written by orjson, in C, as ``2026-03-02T14:05:00Z`` (what :func:`statusgen.timestamps.iso_utc`
#: writes): the API of a long history holds a hundred thousand of them. :func:`_utc` makes sure each is in UTC.
_JSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z | orjson.OPT_OMIT_MICROSECONDS


def _inert(data: bytes) -> bytes:
    return data.replace(b"<", b"\\u003c").replace(b">", b"\\u003e").replace(b"&", b"\\u0026")


def json_bytes(value: object) -> bytes:
    """Stable JSON: sorted keys, two-space indent, UTF-8, final newline.

    Every string is escaped for JSON; ``<``, ``>`` and ``&`` are escaped too,
    so a file stays inert even if someone serves it as HTML. orjson writes
    what ``json.dumps(indent=2, sort_keys=True, ensure_ascii=False)`` would,
    byte for byte, 20 times faster (the standard encoder has no C path with an indent);
    and a datetime in UTC as ``2026-03-02T14:05:00Z``.
    """
    return _inert(orjson.dumps(value, option=_JSON_OPTIONS)) + b"\n"


def list_item(item: object) -> bytes:
    """How :func:`json_bytes_streamed` writes ``item`` in one of its lists."""
    return _inert(orjson.dumps(item, option=_JSON_OPTIONS)).replace(b"\n", b"\n    ")


#: Plain items of a streamed list encoded together, in one call to the encoder: 10,000 calls for the rows of a
#: large site's postmortems.json cost more than encoding the rows.
BATCH = 256


def _list_items(items: list[Any]) -> bytes:
    """What :func:`list_item` writes for each of ``items``, joined as :func:`json_bytes_streamed` joins them.

    orjson writes a list as ``[``, each item indented one level on lines of its own (none holds a raw newline),
    separated by ``,``, then ``]``: without the brackets and the first indent, and one level deeper, those are
    the items as they are joined."""
    return _inert(orjson.dumps(items, option=_JSON_OPTIONS))[4:-2].replace(b"\n", b"\n  ")


def _pieces(items: Iterable[Any]) -> Iterator[bytes]:
    """The items of a streamed list, encoded: ``bytes`` as they are (see :func:`list_item`), the others
    :data:`BATCH` at a time (see :func:`_list_items`)."""
    batch: list[Any] = []
    for item in items:
        if not isinstance(item, bytes):
            batch.append(item)
            if len(batch) < BATCH:
                continue
            item = b""
        if batch:
            yield _list_items(batch)
            batch = []
        if item:
            yield item
    if batch:
        yield _list_items(batch)


def json_bytes_streamed(document: dict[str, Any], lists: dict[str, Iterable[Any]]) -> bytes:
    """What :func:`json_bytes` writes for ``document`` with ``lists`` among its keys,
    made a few list items at a time: every incident of a long history as Python objects
    at once would take four times the memory of the file they become.

    Items are encoded apart from the document and indented to their depth (two levels: a list that
    is a member of the top-level object); JSON strings cannot hold a raw newline,
    so every newline in an item's text is one of its line breaks. An item that is
    ``bytes`` is taken as :func:`list_item` wrote it.
    """
    assert not document.keys() & lists.keys(), "a key is either a plain member or a streamed list"
    # The pieces joined once at the end: a buffer grown piece by piece and then copied into bytes touched the 10 MB
    # of a large site's incidents.json three times over (30 ms of a warm rebuild at 10,000 incidents), this once.
    out = [b"{"]
    for n, key in enumerate(sorted([*document, *lists])):
        out.append(b",\n" if n else b"\n")
        if key not in lists:  # '{\n  "key": value\n}' without its braces
            out.append(_inert(orjson.dumps({key: document[key]}, option=_JSON_OPTIONS))[2:-2])
            continue
        out.append(b"  " + _inert(orjson.dumps(key)) + b": [")
        empty = True
        for piece in _pieces(lists[key]):
            out.append(b"\n    " if empty else b",\n    ")
            out.append(piece)
            empty = False
        out.append(b"]" if empty else b"\n  ]")
    out.append(b"\n}\n" if len(out) > 1 else b"}\n")
    return b"".join(out)


def page_id(site: Site) -> str:
    """A stable, opaque page id derived from the site's URL."""
    return hashlib.sha256(site.config.base_url.encode("utf-8")).hexdigest()[:12]


def _utc(moment: datetime) -> datetime:
    """``moment`` in UTC, for the encoder to write with a ``Z`` (the model's times already are: then it is ``moment``)."""
    return moment.astimezone(UTC)


def _time(moment: datetime | None) -> datetime | None:
    return _utc(moment) if moment is not None else None


class StatuspageApi:
    """Builds every ``api/v2/`` file for one site at one build time."""

    def __init__(self, site: Site, now: datetime, statuses: dict[str, Impact]) -> None:
        self.site = site
        self.now = now
        self.page_id = page_id(site)
        self.statuses = statuses
        self.changed = component_last_changes(site, now)
        self.updated_at = last_change(site, now) or now
        self.created_at = min(first_moment(site) or self.updated_at, self.updated_at)
        self.component_list = self._component_list()
        self.component_objects = {c["id"]: c for c in self.component_list if not c["group"]}

    # -- shared objects -------------------------------------------------

    def page(self) -> dict[str, Any]:
        config = self.site.config
        return {"id": self.page_id, "name": config.title, "url": config.base_url,
                "time_zone": config.timezone, "updated_at": _utc(self.updated_at)}

    def status(self) -> dict[str, str]:
        indicator, description = INDICATOR[worst(list(self.statuses.values()))]
        return {"indicator": indicator, "description": description}

    def component(self, component: Component, position: int) -> dict[str, Any]:
        changed = self.changed[component.id]
        return {
            "id": component.id, "name": component.name, "status": self.statuses[component.id].value,
            "created_at": _utc(self.created_at), "updated_at": _utc(changed or self.created_at),
            "position": position, "description": component.description or None, "showcase": True,
            "start_date": None, "group_id": component.group, "page_id": self.page_id, "group": False,
            "only_show_if_degraded": False,
        }

    def group(self, group: ComponentGroup, members: list[Component], position: int) -> dict[str, Any]:
        changed = max((t for c in members if (t := self.changed[c.id])), default=None)
        return {
            "id": group.id, "name": group.name, "status": worst([self.statuses[c.id] for c in members]).value,
            "created_at": _utc(self.created_at), "updated_at": _utc(changed or self.created_at),
            "position": position, "description": group.description or None, "showcase": False,
            "start_date": None, "group_id": None, "page_id": self.page_id, "group": True,
            "only_show_if_degraded": False, "components": [c.id for c in members],
        }

    def _component_list(self) -> list[dict[str, Any]]:
        """Components and group entries in the overview's order, as Statuspage lists them."""
        config = self.site.config
        out: list[dict[str, Any]] = []
        position = 1
        for component in config.components:
            if component.group is None:
                out.append(self.component(component, position))
                position += 1
        for group in config.groups:
            members = [c for c in config.components if c.group == group.id]
            if not members:
                continue
            out.append(self.group(group, members, position))
            position += 1
            for index, component in enumerate(members, start=1):
                out.append(self.component(component, index))
        return out

    def _components_by_id(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        return [self.component_objects[cid] for cid in ids]

    def _update(self, item_id: str, update: Update, status: str, affected: list[dict[str, str]] | None) -> dict[str, Any]:
        at = _utc(update.at)
        return {
            "id": f"{item_id}--{update.anchor}", "incident_id": item_id, "status": status,
            "body": update.markdown.strip(), "created_at": at, "updated_at": at, "display_at": at,
            "affected_components": affected, "deliver_notifications": True, "custom_tweet": None, "tweet_id": None,
        }

    # -- incidents and maintenances -------------------------------------

    def incident(self, incident: Incident) -> dict[str, Any]:
        names = self.site.component_names
        updates = []
        before = {cid: Impact.OPERATIONAL for cid in incident.affected()}
        for update in incident.updates:
            after = impacts_at(incident, update.at)
            changed = [{"code": cid, "name": names[cid], "old_status": before[cid].value, "new_status": after[cid].value}
                       for cid in after if after[cid] is not before[cid]]
            updates.append(self._update(incident.slug, update, update.state.value, changed or None))
            before = after
        first_published = incident.updates[0].at if incident.updates else incident.started
        latest = incident.updates[-1].at if incident.updates else incident.started
        monitoring = next((u.at for u in incident.updates if u.state is IncidentState.MONITORING), None)
        return {
            "id": incident.slug, "name": incident.title, "status": incident.state.value,
            "impact": SEVERITY_IMPACT[incident.severity],
            "created_at": _utc(first_published), "updated_at": _utc(max(latest, incident.resolved or latest)),
            "started_at": _utc(incident.started), "monitoring_at": _time(monitoring),
            "resolved_at": _time(incident.resolved), "shortlink": self._url(incident.slug),
            "page_id": self.page_id, "scheduled_for": None, "scheduled_until": None,
            "incident_updates": list(reversed(updates)),
            "components": self._components_by_id(incident.affected()),
        }

    def maintenance(self, window: Maintenance) -> dict[str, Any]:
        names = self.site.component_names
        updates = []
        for index, update in enumerate(window.updates):
            status = "completed" if update.state is MaintenanceState.CANCELLED else update.state.value
            changed = None
            if index == 0:
                changed = [{"code": cid, "name": names[cid], "old_status": Impact.OPERATIONAL.value,
                            "new_status": Impact.UNDER_MAINTENANCE.value} for cid in window.components] or None
            updates.append(self._update(window.slug, update, status, changed))
        phase = maintenance_phase(window, self.now)
        status = _PHASE_STATUS[phase]
        if phase is MaintenancePhase.IN_PROGRESS and window.state is MaintenanceState.VERIFYING:
            status = "verifying"
        first = window.updates[0].at if window.updates else window.scheduled_start
        latest = max([u.at for u in window.updates] + [t for t in (window.scheduled_start, window.scheduled_end) if t <= self.now],
                     default=first)
        started = next((u.at for u in window.updates if u.state is MaintenanceState.IN_PROGRESS), None)
        if started is None and phase in (MaintenancePhase.IN_PROGRESS, MaintenancePhase.COMPLETED):
            started = window.scheduled_start
        resolved = None
        if phase is MaintenancePhase.COMPLETED:
            resolved = next((u.at for u in window.updates if u.state is MaintenanceState.COMPLETED), window.scheduled_end)
        elif phase is MaintenancePhase.CANCELLED:
            resolved = window.updates[-1].at if window.updates else None
        return {
            "id": window.slug, "name": window.title, "status": status, "impact": "maintenance",
            "created_at": _utc(first), "updated_at": _utc(latest), "started_at": _time(started),
            "monitoring_at": None, "resolved_at": _time(resolved), "shortlink": self._url(window.slug),
            "page_id": self.page_id, "scheduled_for": _utc(window.scheduled_start),
            "scheduled_until": _utc(window.scheduled_end), "incident_updates": list(reversed(updates)),
            "components": self._components_by_id(window.components),
        }

    def _url(self, slug: str) -> str:
        return f"{self.site.config.base_url}incidents/{slug}/"

    def _maintenances(self, *phases: MaintenancePhase) -> list[dict[str, Any]]:
        chosen = [m for m in self.site.maintenances if maintenance_phase(m, self.now) in phases]
        chosen.sort(key=lambda m: (m.scheduled_start, m.slug), reverse=True)
        return [self.maintenance(m) for m in chosen[:LIST_LIMIT]]

    # -- files ----------------------------------------------------------

    def files(self) -> list[Artifact]:
        page = self.page()
        unresolved = [self.incident(i) for i in self.site.incidents if not i.is_resolved]
        upcoming = self._maintenances(MaintenancePhase.UPCOMING)
        active = self._maintenances(MaintenancePhase.IN_PROGRESS)
        everything = self._maintenances(*MaintenancePhase)
        components = self.component_list
        documents: dict[str, dict[str, Any]] = {
            "status.json": {"page": page, "status": self.status()},
            "summary.json": {"page": page, "components": components, "incidents": unresolved,
                             "scheduled_maintenances": active + upcoming, "status": self.status()},
            "components.json": {"page": page, "components": components},
            "incidents.json": {"page": page, "incidents": [self.incident(i) for i in self.site.incidents[:LIST_LIMIT]]},
            "incidents/unresolved.json": {"page": page, "incidents": unresolved},
            "scheduled-maintenances.json": {"page": page, "scheduled_maintenances": everything},
            "scheduled-maintenances/upcoming.json": {"page": page, "scheduled_maintenances": upcoming},
            "scheduled-maintenances/active.json": {"page": page, "scheduled_maintenances": active},
        }
        return [Artifact(f"api/v2/{name}", json_bytes(doc)) for name, doc in documents.items()]


class Fragments(Kept):
    """Encoded runs of list items kept from one build to the next, by a digest of what each run was made from."""

    def run(self, name: str, digest: bytes | None, make: Callable[[], list[Any]]) -> bytes:
        """The encoded items (see :func:`_list_items`) of the run named ``name`` made from what digests to ``digest``
        (None: unknown, always made)."""
        data = self.take(name, digest, lambda: _list_items(make()), bytes)
        assert isinstance(data, bytes)
        return data


#: A run of the full incident list ends after an incident whose slug's CRC-32 is a multiple of this (about one in
#: this many), so that an incident added, removed or edited changes the run it is in and no other. A run is kept
#: whole: a rebuild takes 80 runs from the last build instead of 10,000 entries.
RUN = 128


def _runs(incidents: Sequence[Incident]) -> Iterator[Sequence[Incident]]:
    start = 0
    for n, incident in enumerate(incidents, 1):
        if ends_run(incident.slug, RUN):
            yield incidents[start:n]
            start = n
    if start < len(incidents):
        yield incidents[start:]


def statusgen_api(site: Site, now: datetime, fingerprints: Mapping[str, bytes] | None = None,
                  fragments: Fragments | None = None) -> list[Artifact]:
    """``api/statusgen/v1/``: what Statuspage's shape has no room for.

    ``incidents.json`` lists every incident (not only the latest 50) with
    its severity, per-component impact intervals and postmortem link, and
    every maintenance window with the phase it is in at the build time.
    An incident's entry follows from the incident and its postmortem link alone, so
    with ``fingerprints`` (see :func:`statusgen.content.fingerprints`) and ``fragments``
    each is encoded once and kept for the builds after.
    """
    base = site.config.base_url
    names = site.component_names
    phases = {m.slug: maintenance_phase(m, now) for m in site.maintenances}
    fingerprints = fingerprints or {}
    fragments = fragments or Fragments()

    def entry(i: Incident) -> dict[str, Any]:
        return {
            "id": i.slug, "title": i.title, "url": f"{base}incidents/{i.slug}/", "severity": i.severity.value,
            "state": i.state.value, "started": _utc(i.started), "resolved": _time(i.resolved), "summary": i.summary,
            "components": [{"id": cid, "name": names[cid], "peak_impact": i.peak_impact(cid).value} for cid in i.affected()],
            "intervals": [{"component": v.component, "impact": v.impact.value, "start": _utc(v.start), "end": _time(v.end)}
                          for v in i.intervals],
            "postmortem": f"{base}postmortems/{i.postmortem}/" if i.postmortem else None,
        }

    def run_digest(run: Sequence[Incident]) -> bytes | None:
        """What a run's entries are made from (each incident's fingerprint, which covers its path); None when one
        has none."""
        found = [fingerprints.get(i.path) for i in run]
        return None if None in found else hashlib.blake2b(b"api run\0" + b"".join(cast(list[bytes], found)), digest_size=20).digest()

    def entries(run: Sequence[Incident]) -> list[dict[str, Any]]:
        return [entry(i) for i in run]

    incidents = (fragments.run(run[0].slug, run_digest(run), functools.partial(entries, run)) for run in _runs(site.incidents))
    maintenances = ({
        "id": m.slug, "title": m.title, "url": f"{base}incidents/{m.slug}/", "state": m.state.value,
        "phase": phases[m.slug].value, "scheduled_start": _utc(m.scheduled_start),
        "scheduled_end": _utc(m.scheduled_end), "summary": m.summary, "components": list(m.components),
    } for m in site.maintenances)
    document = {"as_of": _utc(now), "page": {"name": site.config.title, "url": base}}
    return [Artifact("api/statusgen/v1/incidents.json",
                     json_bytes_streamed(document, {"incidents": incidents, "maintenances": maintenances}))]


def postmortems_api(site: Site, now: datetime, found: dict[str, Obligation], *, fingerprints: Mapping[str, bytes] | None = None,
                    inputs: Callable[[Incident], tuple[object, ...] | None] | None = None,
                    fragments: Fragments | None = None) -> Artifact:
    """``api/statusgen/v1/postmortems.json``: every incident's obligation, for auditors.

    A row follows from the incident, its postmortem and what of the time its obligation depends on (``inputs``:
    :meth:`statusgen.render.pages.PageRenderer.obligation_inputs`), given the configuration: so with ``fingerprints``
    and ``fragments`` the rows are kept in runs, as ``incidents.json``'s are, and a run is encoded again only when
    one of its incidents, their postmortems or their obligations' moments changed."""
    base = site.config.base_url
    policy = site.config.postmortem_policy
    fingerprints = fingerprints or {}
    fragments = fragments or Fragments()

    def row(o: Obligation) -> dict[str, Any]:
        return {
            "incident": o.incident.slug, "title": o.incident.title, "url": f"{base}incidents/{o.incident.slug}/",
            "severity": o.incident.severity.value, "started": _utc(o.incident.started), "resolved": _time(o.incident.resolved),
            "components": list(o.incident.affected()), "required": o.required, "in_policy": o.in_policy, "reasons": list(o.reasons),
            "state": o.state.value, "due": _time(o.due), "waiver": o.incident.waiver,
            "postmortem": {"url": f"{base}postmortems/{o.postmortem.slug}/", "published": _utc(o.postmortem.published),
                           "days_to_publish": o.days_to_publish, "late": o.late} if o.postmortem else None,
        }

    def run_digest(run: Sequence[Incident]) -> bytes | None:
        """What a run's rows are made from: each incident's fingerprint and obligation inputs; None when one has none."""
        if inputs is None:
            return None
        made: list[tuple[object, ...]] = []
        for incident in run:
            fingerprint, more = fingerprints.get(incident.path), inputs(incident)
            if fingerprint is None or more is None:
                return None
            made.append((fingerprint, *more))
        return hashlib.blake2b(b"postmortems run\0" + pickle.dumps(made, protocol=5), digest_size=20).digest()

    def rows(run: Sequence[Incident]) -> list[dict[str, Any]]:
        return [row(found[incident.slug]) for incident in run]

    # Named apart from incidents.json's runs, which start at the same slugs and are kept beside them.
    listed = (fragments.run(f"postmortems/{run[0].slug}", run_digest(run), functools.partial(rows, run))
              for run in _runs(site.incidents))
    total = figures(list(found.values()))
    document = {
        "as_of": _utc(now),
        "policy": {"severities": [s.value for s in policy.severities],
                   "outage_longer_than_minutes": policy.outage_longer_than.total_seconds() / 60,
                   "components": list(policy.components), "due_within_hours": policy.due_within.total_seconds() / 3600,
                   "effective_from": policy.effective_from.isoformat() if policy.effective_from else None},
        "figures": {"owed": total.owed, "published": total.published, "published_on_time": total.on_time,
                    "published_on_time_percent": total.on_time_percent, "median_days_to_publish": total.median_days,
                    "overdue": total.overdue, "pending": total.pending, "waived": total.waived},
    }
    return Artifact("api/statusgen/v1/postmortems.json", json_bytes_streamed(document, {"incidents": listed}))
