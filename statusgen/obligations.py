"""Postmortem obligations: which incidents owe a postmortem, and where each stands (pure).

The rules, in the order they are applied (docs/publication.md says the same):

1. An incident **requires** a postmortem when any of these holds, and the
   reasons are kept: its severity is in ``severities``; some component was in
   partial or major outage, for longer in all than ``outage_longer_than``
   (overlapping outages on several components count once); it touched a
   component listed in ``components``.
2. A linked postmortem makes it **published**, required or not, with the
   days from resolution to publication; **late** when published after the due date.
3. Otherwise, not required: **not required**, with the reason.
4. Required but started before ``effective_from``: **before the policy**.
5. Required with ``postmortem_waived``: **waived**, with the reason.
6. Required and not resolved: **ongoing**.
7. Required, resolved: due ``due_within`` after resolution; **pending**
   until then, **overdue** from the due time on (judged at the build time).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from statistics import median
from typing import Any

from statusgen.durations import format_duration
from statusgen.kept import replaced
from statusgen.model import Incident, Postmortem, Site, outages


class ObligationState(Enum):
    NOT_REQUIRED = "not_required"
    BEFORE_POLICY = "before_policy"
    ONGOING = "ongoing"
    PENDING = "pending"
    OVERDUE = "overdue"
    PUBLISHED = "published"
    WAIVED = "waived"

    @property
    def label(self) -> str:
        return {"not_required": "Not required", "before_policy": "Before the policy"}.get(self.value, self.value.capitalize())


@dataclass(frozen=True)
class Obligation:
    """One incident's postmortem obligation at the build time."""

    incident: Incident
    state: ObligationState
    required: bool
    reasons: tuple[str, ...]
    """Why it is required ("sev1", "outage of 45 min", "touched Card payments"), or
    for a not-required incident what it was ("sev3, 12 min")."""
    due: datetime | None
    postmortem: Postmortem | None
    days_to_publish: float | None
    late: bool
    in_policy: bool
    """Started on or after ``effective_from`` (always, without one)."""

    @property
    def owed(self) -> bool:
        """Counted in the index's figures: required and under the policy (waived ones included)."""
        return self.required and self.in_policy

    def sentence(self, fmt: Callable[[datetime], str]) -> str:
        """What the incident page says, e.g. 'Postmortem due by 9 March 2026'.

        ``fmt`` writes a moment as a date in the site's zone.
        """
        if self.state is ObligationState.PUBLISHED:
            assert self.postmortem is not None
            return f"Postmortem published {fmt(self.postmortem.published)}" + (" (late)" if self.late else "")
        if self.state is ObligationState.NOT_REQUIRED:
            return f"No postmortem required: {', '.join(self.reasons)}"
        if self.state is ObligationState.BEFORE_POLICY:
            return "No postmortem: this incident predates our postmortem policy"
        if self.state is ObligationState.WAIVED:
            return f"Postmortem waived: {self.incident.waiver}"
        if self.state is ObligationState.ONGOING:
            return "A postmortem will be due after this incident is resolved"
        assert self.due is not None
        if self.state is ObligationState.OVERDUE:
            return f"Postmortem overdue: it was due by {fmt(self.due)}"
        return f"Postmortem due by {fmt(self.due)}"


def outage_time(incident: Incident, until: datetime) -> timedelta:
    """How long any component was in partial or major outage (overlaps counted once), open impacts lasting
    ``until``; kept with a resolved incident (:attr:`Incident.outage`)."""
    return incident.outage if incident.outage is not None else outages(incident.intervals, until)


def obligation(site: Site, incident: Incident, now: datetime) -> Obligation:
    """Apply the rules in the module docstring to one incident (10,000 of them every build of a large site: each
    step is taken only when it can change the outcome)."""
    policy = site.config.postmortem_policy
    outage = outage_time(incident, now)  # kept with a resolved incident; so far, by now, for an open one
    severity = incident.severity
    reasons: list[str] = []
    if severity in policy.severities:
        reasons.append(severity.value)
    if outage > policy.outage_longer_than:
        reasons.append(f"outage of {format_duration(outage)}")
    if policy.components:
        names = site.component_names
        reasons += [f"touched {names[c]}" for c in incident.affected() if c in policy.components]
    required = bool(reasons)
    resolved = incident.resolved
    in_policy = policy.effective_from is None or incident.started.astimezone(UTC).date() >= policy.effective_from
    due = resolved + policy.due_within if resolved is not None and in_policy else None
    postmortem = site.postmortem(incident.postmortem) if incident.postmortem else None
    if postmortem is not None:
        days = None if resolved is None else round(max((postmortem.published - resolved).total_seconds(), 0) / 86400, 1)
        return Obligation(incident, ObligationState.PUBLISHED, required, tuple(reasons), due, postmortem, days,
                          due is not None and postmortem.published > due, in_policy)
    if not required:
        state, reasons = ObligationState.NOT_REQUIRED, [severity.value, f"{format_duration(outage)} of outage" if outage else "no outage"]
    elif not in_policy:
        state = ObligationState.BEFORE_POLICY
    elif incident.waiver:
        state = ObligationState.WAIVED
    elif due is None:
        state = ObligationState.ONGOING
    else:
        state = ObligationState.OVERDUE if now >= due else ObligationState.PENDING
    return Obligation(incident, state, required, tuple(reasons), due, None, None, False, in_policy)


def obligation_moment(site: Site, incident: Incident, now: datetime) -> object:
    """What of ``now`` an incident's obligation depends on, so that the incident, its postmortem and this decide
    its obligation (a property test checks it): ``now`` itself while it is not resolved (its outage so far is
    one of the reasons), and once resolved only whether its due time (``due_within`` after the resolution) has passed."""
    if incident.resolved is None:
        return now
    return now >= incident.resolved + site.config.postmortem_policy.due_within


def obligations(site: Site, now: datetime, memo: dict[str, Any] | None = None) -> dict[str, Obligation]:
    """Every incident's obligation, by slug, newest incident first. ``memo``: what an earlier build of this process
    made (see :meth:`statusgen.cache.ValidationCache.memo`), an obligation taken from it when made from the same
    incident and postmortem (the very objects) at the same :func:`obligation_moment`; it is left holding this
    build's, and under ``fresh`` the slugs made again when only some were at the same ``now`` (a set; None when all
    were looked at, or at another time)."""
    if memo is None:
        return {i.slug: obligation(site, i, now) for i in site.incidents}
    due_within = site.config.postmortem_policy.due_within
    # At the same time or later, with the very postmortems and the same incidents in the same places but a few: the
    # last build's obligations with those few made again (see replaced), and those whose moment time can still move
    # (not resolved, or not yet due then: ``open``); any other's is the same at any later time.
    if memo and memo["now"] <= now and memo["postmortems"] is site.postmortems:
        places = replaced(memo["incidents"], site.incidents)
        # (Each under its slug as it was, so the obligations stay in the incidents' order.)
        if places is not None and all(site.incidents[n].slug == memo["incidents"][n].slug for n in places):
            same_time = memo["now"] == now
            if not same_time:
                places = sorted({*places, *memo["open"]})
            made: dict[str, Obligation] = dict(memo["made"])
            for n in places:
                made[site.incidents[n].slug] = obligation(site, site.incidents[n], now)
            kept_open = set(memo["open"]).difference(places)  # (the same objects, no later moment than then)
            opened = [n for n in places if _moment_may_move(site.incidents[n], now, due_within)]
            memo.update(incidents=site.incidents, made=made, now=now, open=sorted({*kept_open, *opened}),
                        fresh={site.incidents[n].slug for n in places} if same_time else None)
            return made
    made = {}
    kept: dict[str, tuple[Incident, Postmortem | None, object, Obligation]] = {}
    then: dict[str, tuple[Incident, Postmortem | None, object, Obligation]] = memo.get("by slug", {})
    still_open: list[int] = []
    for n, incident in enumerate(site.incidents):
        postmortem = site.postmortem(incident.postmortem) if incident.postmortem else None
        moment = obligation_moment(site, incident, now)
        found = then.get(incident.slug)
        if found is not None and found[0] is incident and found[1] is postmortem and found[2] == moment:
            made[incident.slug] = found[3]
        else:
            made[incident.slug] = obligation(site, incident, now)
        kept[incident.slug] = (incident, postmortem, moment, made[incident.slug])
        if _moment_may_move(incident, now, due_within):
            still_open.append(n)
    memo.clear()
    memo.update({"by slug": kept, "now": now, "incidents": site.incidents, "postmortems": site.postmortems, "made": made,
                 "open": still_open, "fresh": None})
    return made


def _moment_may_move(incident: Incident, now: datetime, due_within: timedelta) -> bool:
    """Whether a later time can give the incident's obligation another :func:`obligation_moment`."""
    return incident.resolved is None or now < incident.resolved + due_within


@dataclass(frozen=True)
class Figures:
    """The index's headline figures for a set of obligations."""

    owed: int
    published: int
    on_time: int
    overdue: int
    pending: int
    waived: int
    median_days: float | None

    @property
    def on_time_percent(self) -> int | None:
        return round(100 * self.on_time / self.published) if self.published else None


def figures(items: list[Obligation]) -> Figures:
    owed = [o for o in items if o.owed]
    published = [o for o in owed if o.state is ObligationState.PUBLISHED]
    days = [o.days_to_publish for o in published if o.days_to_publish is not None]
    return Figures(
        owed=len(owed), published=len(published), on_time=sum(not o.late for o in published),
        overdue=sum(o.state is ObligationState.OVERDUE for o in owed),
        pending=sum(o.state is ObligationState.PENDING for o in owed),
        waived=sum(o.state is ObligationState.WAIVED for o in owed),
        median_days=round(median(days), 1) if days else None,
    )
