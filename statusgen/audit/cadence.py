"""Cadence: did the updates go out on time? Read from the timestamps alone.

Each finding is located at the update concerned (the late one, the broken
promise) so the author can jump to it. Figures are returned too, for the
internal report and for the public "first update" fact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from statusgen.audit.findings import Finding
from statusgen.audit.promises import Promise, promises
from statusgen.audit.text import Message
from statusgen.config import CommunicationPolicy
from statusgen.durations import format_duration
from statusgen.model import Incident, IncidentState, Update


@dataclass(frozen=True)
class PromiseOutcome:
    """One promised next update and what became of it."""

    update: Update
    promise: Promise
    kept_at: datetime | None
    """When the next update came (None: not yet, or the incident was resolved without one)."""
    late: timedelta | None
    """How late it came, or how overdue it is at build time (None: kept)."""


@dataclass(frozen=True)
class Cadence:
    """An incident's communication timing, and the findings it earns."""

    first_update_after: timedelta | None
    largest_gap: tuple[timedelta, Update] | None
    promises: tuple[PromiseOutcome, ...]
    findings: tuple[Finding, ...]


def _clock(moment: datetime) -> str:
    return moment.strftime("%H:%M UTC") if moment.second == 0 else moment.strftime("%H:%M:%S UTC")


def _promise_outcomes(incident: Incident, now: datetime, zone: ZoneInfo) -> list[PromiseOutcome]:
    outcomes = []
    for index, update in enumerate(incident.updates):
        if update.state is IncidentState.RESOLVED:
            continue
        made = promises(Message(incident.path, update.markdown, update.markdown_line), update.at, zone)
        if not made:
            continue
        promise = made[0]
        following = incident.updates[index + 1].at if index + 1 < len(incident.updates) else None
        kept_at = following if following is not None else incident.resolved
        checked = kept_at if kept_at is not None else now
        late = checked - promise.due if checked > promise.due else None
        outcomes.append(PromiseOutcome(update, promise, following, late))
    return outcomes


def cadence(incident: Incident, policy: CommunicationPolicy, now: datetime, zone: ZoneInfo) -> Cadence:
    """Timing figures and findings for one incident at build time ``now``."""
    findings: list[Finding] = []
    path, updates = incident.path, incident.updates

    def at_update(rule: str, update: Update | None, message: str) -> None:
        line = update.line if update is not None else incident.line_of("started")
        findings.append(Finding(rule, path, line, 1, message))

    limit = policy.first_update_within
    first = incident.first_update_delay()
    if first is not None and first > limit:
        at_update("first-update-late", updates[0],
                  f"the first update went out {format_duration(first)} after the incident started "
                  f"({_clock(incident.started)}); the policy asks for {format_duration(limit)}")
    elif first is None and not incident.is_resolved and now - incident.started > limit:
        at_update("first-update-late", None,
                  f"no update has gone out {format_duration(now - incident.started)} after the incident started "
                  f"({_clock(incident.started)}); the policy asks for {format_duration(limit)}")

    cadence_limit = policy.cadence(incident.severity)
    open_updates = [u for u in updates if u.state is not IncidentState.RESOLVED]
    gaps = [(later.at - earlier.at, later) for earlier, later in zip(open_updates, updates[1:], strict=False)]
    largest = max(gaps, key=lambda g: g[0], default=None)
    if largest is not None and cadence_limit is not None and largest[0] > cadence_limit:
        gap, later = largest
        at_update("update-gap", later,
                  f"{format_duration(gap)} passed without an update before this one; {incident.severity.value} "
                  f"incidents get an update at least every {format_duration(cadence_limit)}")

    outcomes = _promise_outcomes(incident, now, zone)
    for outcome in outcomes:
        if outcome.late is None:
            continue
        promised = f"{outcome.update.at.strftime('%H:%M UTC')} update promised the next by {_clock(outcome.promise.due)}"
        if outcome.kept_at is not None:
            what = f"it came at {_clock(outcome.kept_at)}, {format_duration(outcome.late)} late"
        elif incident.resolved is not None:
            what = f"none came; the incident was resolved at {_clock(incident.resolved)}, {format_duration(outcome.late)} after"
        else:
            what = f"none has come, {format_duration(outcome.late)} after"
        at_update("promise-missed", outcome.update, f"the {promised}; {what}")

    since: Update | None = None
    for update in (*updates, None):
        if update is not None and update.state is IncidentState.MONITORING:
            since = since or update
            continue
        if since is not None:
            until = update.at if update is not None else (incident.resolved or now)
            if until - since.at > policy.monitoring_longer_than:
                ended = "until now" if update is None and incident.resolved is None else f"until {_clock(until)}"
                at_update("monitoring-too-long", since,
                          f"the incident stayed in monitoring for {format_duration(until - since.at)} ({ended}); "
                          f"resolve it once the fix holds (threshold {format_duration(policy.monitoring_longer_than)})")
        since = None

    if not incident.is_resolved and updates:
        quiet_limit = cadence_limit or policy.stale_after
        quiet = now - updates[-1].at
        if quiet > quiet_limit:
            at_update("stale-incident", updates[-1],
                      f"the incident is open and its latest update is {format_duration(quiet)} old at build time; "
                      f"{incident.severity.value} incidents get an update at least every {format_duration(quiet_limit)}")

    return Cadence(first, largest[:2] if largest else None, tuple(outcomes), tuple(findings))
