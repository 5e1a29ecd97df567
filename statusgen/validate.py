"""Stage 2: turn each source file into a model object, or into diagnostics.

One function per content type; each reports every problem it can find in
its file, then builds the frozen model object only if there were no errors.
Cross-file rules (postmortem links, slugs, output paths) live in
:mod:`statusgen.crossref`.
"""

from __future__ import annotations

import re
from datetime import datetime

from statusgen.config import SiteConfig
from statusgen.diagnostics import Diagnostic, did_you_mean, error, has_errors, one_of
from statusgen.fields import FieldReader, describe
from statusgen.located_yaml import Entry, load_front_matter
from statusgen.markdown import render
from statusgen.model import (
    INCIDENT_IMPACTS,
    Impact,
    ImpactChange,
    ImpactInterval,
    Incident,
    IncidentState,
    Maintenance,
    MaintenanceState,
    Postmortem,
    Severity,
    Update,
)
from statusgen.sources import SourceFile
from statusgen.timeline import RawUpdate, parse_timeline
from statusgen.timestamps import utc_text

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: A template's ``<<...>>``: never published (``statusgen new`` writes them).
PLACEHOLDER = re.compile(r"<<[^<>\n]{1,300}>>")

INCIDENT_FIELDS = ("title", "kind", "severity", "state", "components", "started", "resolved", "postmortem",
                   "postmortem_waived", "summary")
MAINTENANCE_FIELDS = ("title", "kind", "state", "components", "scheduled_start", "scheduled_end", "summary")
POSTMORTEM_FIELDS = ("title", "incidents", "published", "summary")

_MAINTENANCE_ONLY = {
    "started": "started does not apply to maintenance: the window is scheduled_start to scheduled_end, "
               "and the 'In progress' and 'Completed' updates record when it really ran",
    "resolved": "resolved does not apply to maintenance: add a '— Completed' update and set state: completed",
    "severity": "severity does not apply to maintenance; remove it",
    "postmortem": "postmortem does not apply to maintenance; remove it",
}


def update_anchor(at: datetime) -> str:
    """A stable id for an update, unique within its incident (times are unique)."""
    return "update-" + at.strftime("%Y%m%dT%H%M%SZ")


def _front_matter(source: SourceFile) -> tuple[Entry | None, list[Diagnostic]]:
    closing_line = source.body_line - 1
    return load_front_matter(source.path, source.front_matter, source.front_matter_line, closing_line)


def placeholder_diagnostics(source: SourceFile) -> list[Diagnostic]:
    """An error for each template placeholder left in the file, so a template
    can never be published by accident."""
    out = []
    for part, first_line in ((source.front_matter, source.front_matter_line), (source.body, source.body_line)):
        for match in PLACEHOLDER.finditer(part):
            line = first_line + part.count("\n", 0, match.start())
            column = match.start() - (part.rfind("\n", 0, match.start()) + 1) + 1
            text = match.group() if len(match.group()) <= 60 else match.group()[:57] + "…>>"
            out.append(error(source.path, line, column, "placeholder",
                             f"template placeholder {text} must be replaced with your own words before publishing"))
    return out


def _slug_diagnostics(source: SourceFile) -> list[Diagnostic]:
    if SLUG_PATTERN.match(source.slug):
        return []
    return [error(source.path, 1, 1, "slug",
                  f"file name '{source.slug}' must be a slug of lowercase letters, digits and single hyphens "
                  "(it becomes the page's URL), such as '2026-03-02-api-errors'")]


def _component_map(reader: FieldReader, config: SiteConfig, allowed: tuple[Impact, ...], example: str) -> list[tuple[str, Impact]]:
    entry = reader.at("components")
    if entry is None or entry.value is None:
        return []
    if entry.kind != "mapping":
        reader.err(entry.line, entry.column, "field-type",
                   f"components must be a mapping from component id to impact, such as '{example}' (got {describe(entry)})")
        return []
    known = [c.id for c in config.components]
    names = [i.value for i in allowed]
    out = []
    for cid, value in entry.items.items():
        ok = True
        if cid not in known:
            reader.err(value.key_line, value.key_column, "unknown-component",
                       f"component '{cid}' is not declared in statusgen.toml{did_you_mean(cid, known)}")
            ok = False
        if value.kind != "scalar" or value.raw not in names:
            hint = did_you_mean(value.raw, names) if value.raw else ""
            reader.err(value.line, value.column, "impact-value",
                       f"impact of component '{cid}' must be one of {one_of(names)} (got {describe(value)}){hint}")
            ok = False
        if ok and value.raw is not None:
            out.append((cid, Impact(value.raw)))
    return out


def _check_updates(
    reader: FieldReader, raw_updates: tuple[RawUpdate, ...], vocabulary: type[IncidentState] | type[MaintenanceState],
    config: SiteConfig, change_impacts: tuple[Impact, ...],
) -> tuple[list[Update], bool]:
    """Check each update's state and changes. Returns the updates and whether
    every update survived (a dropped one makes state comparisons meaningless)."""
    names = [s.value for s in vocabulary]
    labels = ", ".join(s.label for s in vocabulary)
    known = [c.id for c in config.components]
    impact_names = [i.value for i in change_impacts]
    updates: list[Update] = []
    seen: dict[datetime, int] = {}
    complete = True
    for raw in raw_updates:
        ok = True
        key = raw.state.strip().lower().replace(" ", "_").replace("-", "_")
        if key not in names:
            reader.err(raw.line, raw.state_column, "update-state",
                       f"update state must be one of {labels} (got {raw.state!r})"
                       f"{did_you_mean(raw.state.capitalize(), [s.label for s in vocabulary])}")
            ok = False
        if raw.at in seen:
            reader.err(raw.line, 4, "update-duplicate-time",
                       f"two updates at {utc_text(raw.at)} (the other is on line {seen[raw.at]}); each update needs its own time")
            ok = False
        else:
            seen[raw.at] = raw.line
        changes = []
        for change in raw.changes:
            if change.component not in known:
                reader.err(change.line, change.column, "unknown-component",
                           f"component '{change.component}' is not declared in statusgen.toml{did_you_mean(change.component, known)}")
                ok = False
            elif change.impact not in impact_names:
                reader.err(change.line, change.column + len(change.component) + 1, "impact-value",
                           f"impact of component '{change.component}' must be one of {one_of(impact_names)} "
                           f"(got {change.impact!r}){did_you_mean(change.impact, impact_names)}")
            else:
                changes.append(ImpactChange(change.component, Impact(change.impact)))
        complete = complete and ok
        if ok:
            updates.append(Update(
                anchor=update_anchor(raw.at), at=raw.at, state=vocabulary(key), markdown=raw.markdown,
                html=raw.html, changes=tuple(changes), line=raw.line, markdown_line=raw.markdown_line,
            ))
    updates.sort(key=lambda u: u.at)
    return updates, complete


def impact_intervals(
    started: datetime, resolved: datetime | None, initial: list[tuple[str, Impact]], updates: list[Update]
) -> tuple[ImpactInterval, ...]:
    """Each component's impact over time: from ``started``, changed by updates, closed at ``resolved``."""
    events: dict[str, list[tuple[datetime, Impact]]] = {}
    for cid, impact in initial:
        events.setdefault(cid, []).append((started, impact))
    for update in updates:
        for change in update.changes:
            events.setdefault(change.component, []).append((update.at, change.impact))
    intervals: list[ImpactInterval] = []
    for cid, changes in events.items():
        current: tuple[datetime, Impact] | None = None
        for at, impact in sorted(changes, key=lambda c: c[0]):
            if resolved is not None and at >= resolved:
                break
            if current is not None and current[1] == impact:
                continue
            if current is not None and current[1] is not Impact.OPERATIONAL:
                intervals.append(ImpactInterval(cid, current[1], current[0], at))
            current = (at, impact)
        if current is not None and current[1] is not Impact.OPERATIONAL:
            intervals.append(ImpactInterval(cid, current[1], current[0], resolved))
    return tuple(sorted(intervals, key=lambda i: (i.start, i.component)))


def validate_incident(source: SourceFile, config: SiteConfig) -> tuple[Incident | Maintenance | None, list[Diagnostic]]:
    """Validate an incident (or maintenance) file and build its model object."""
    root, diagnostics = _front_matter(source)
    diagnostics = _slug_diagnostics(source) + placeholder_diagnostics(source) + diagnostics
    timeline, timeline_problems = parse_timeline(source.path, source.body, source.body_line)
    diagnostics += timeline_problems
    if root is None:
        return None, diagnostics
    kind_entry = root.items.get("kind")
    kind = kind_entry.raw if kind_entry is not None and kind_entry.kind == "scalar" else "incident"
    if kind_entry is not None and kind not in ("incident", "maintenance"):
        diagnostics.append(error(source.path, kind_entry.line, kind_entry.column, "kind-value",
                                 f"kind must be one of incident, maintenance (got {describe(kind_entry)})"
                                 f"{did_you_mean(str(kind), ['incident', 'maintenance'])}"))
        return None, diagnostics
    if kind == "maintenance":
        built: Incident | Maintenance | None
        built, problems = _maintenance(source, root, config, timeline.lead_html, timeline.updates, not timeline_problems)
    else:
        built, problems = _incident(source, root, config, timeline.lead_html, timeline.updates, not timeline_problems)
    diagnostics += problems
    # an update whose heading did not parse is missing from the object: never hand it on
    return (None if has_errors(diagnostics) else built), diagnostics


def _incident(
    source: SourceFile, root: Entry, config: SiteConfig, lead_html: str, raw_updates: tuple[RawUpdate, ...],
    timeline_complete: bool,
) -> tuple[Incident | None, list[Diagnostic]]:
    r = FieldReader(source.path, root, INCIDENT_FIELDS)
    r.unknown_fields({
        "scheduled_start": "scheduled_start applies only to maintenance: add 'kind: maintenance' or remove it",
        "scheduled_end": "scheduled_end applies only to maintenance: add 'kind: maintenance' or remove it",
    })
    title = r.string("title", required=True, example="Elevated API error rates")
    severity = r.choice("severity", Severity, required=True, example="sev2")
    state = r.choice("state", IncidentState, required=True, example="investigating")
    started = r.timestamp("started", required=True)
    resolved = r.timestamp("resolved")
    postmortem = r.string("postmortem")
    waiver = r.string("postmortem_waived")
    if waiver is not None and not waiver.strip() and (waiver_entry := r.at("postmortem_waived")) is not None:
        r.err(waiver_entry.line, waiver_entry.column, "waiver-reason",
              "postmortem_waived must give the reason, which readers see in the publication index")
    summary = r.string("summary") or ""
    components = _component_map(r, config, INCIDENT_IMPACTS, "api: partial_outage")
    updates, complete = _check_updates(r, raw_updates, IncidentState, config, (*INCIDENT_IMPACTS, Impact.OPERATIONAL))
    complete = complete and timeline_complete

    state_entry, resolved_entry = r.at("state"), r.at("resolved")
    if postmortem is not None and not SLUG_PATTERN.match(postmortem):
        entry = r.at("postmortem")
        assert entry is not None
        r.err(entry.line, entry.column, "postmortem-slug",
              f"postmortem must be the slug of a file in content/postmortems/ (got {postmortem!r})")
    if started and resolved and resolved < started and resolved_entry:
        r.err(resolved_entry.line, resolved_entry.column, "resolved-before-started",
              f"resolved ({utc_text(resolved)}) is before started ({utc_text(started)})")
    if state is not None and state_entry is not None:
        if state is IncidentState.RESOLVED and resolved_entry is None:
            r.err(state_entry.line, state_entry.column, "resolved-missing",
                  "state is 'resolved' but resolved is not set: add 'resolved:' with the time it was resolved")
        if state is not IncidentState.RESOLVED and resolved_entry is not None:
            r.err(resolved_entry.line, resolved_entry.column, "resolved-not-resolved",
                  f"resolved is set but state is '{state.value}': set state: resolved, or remove resolved")
        if complete and updates and updates[-1].state is not state:
            latest = updates[-1]
            r.err(state_entry.line, state_entry.column, "state-mismatch",
                  f"state is '{state.value}' but the latest update ({utc_text(latest.at)}, line {latest.line}) "
                  f"says '{latest.state.value}'; they must agree")
    if started:
        for update in updates:
            if update.at < started:
                r.err(update.line, 4, "update-before-started",
                      f"update at {utc_text(update.at)} is before the incident started ({utc_text(started)})")
            elif resolved and update.at > resolved:
                r.err(update.line, 4, "update-after-resolved",
                      f"update at {utc_text(update.at)} is after the incident was resolved ({utc_text(resolved)})")
    if state is IncidentState.RESOLVED and not raw_updates:
        r.warn(1, 1, "no-updates", "resolved incident has no updates: readers will see no timeline")
    if r.at("components") is None and not any(u.changes for u in updates):
        r.warn(1, 1, "no-components", "incident names no components: the overview cannot show what it affects")

    if has_errors(r.diagnostics) or title is None or severity is None or state is None or started is None:
        return None, r.diagnostics
    return Incident(
        slug=source.slug, path=source.path, title=title, severity=severity, state=state,
        started=started, resolved=resolved, components=tuple(components), updates=tuple(updates),
        intervals=impact_intervals(started, resolved, components, updates), postmortem=postmortem,
        summary=summary, lead_html=lead_html,
        postmortem_at=(pm_entry.line, pm_entry.column) if (pm_entry := r.at("postmortem")) is not None else (1, 1),
        waiver=waiver.strip() if waiver else None,
        field_lines=tuple((key, entry.line) for key, entry in root.items.items()),
        markers=source.markers,
    ), r.diagnostics


def _maintenance(
    source: SourceFile, root: Entry, config: SiteConfig, lead_html: str, raw_updates: tuple[RawUpdate, ...],
    timeline_complete: bool,
) -> tuple[Maintenance | None, list[Diagnostic]]:
    r = FieldReader(source.path, root, MAINTENANCE_FIELDS)
    r.unknown_fields(_MAINTENANCE_ONLY)
    title = r.string("title", required=True, example="Database upgrade")
    state = r.choice("state", MaintenanceState, required=True, example="scheduled")
    start = r.timestamp("scheduled_start", required=True)
    end = r.timestamp("scheduled_end", required=True)
    summary = r.string("summary") or ""
    components = _component_map(r, config, (Impact.UNDER_MAINTENANCE,), "api: under_maintenance")
    updates, complete = _check_updates(r, raw_updates, MaintenanceState, config, ())
    complete = complete and timeline_complete
    end_entry, state_entry = r.at("scheduled_end"), r.at("state")
    if start and end and end <= start and end_entry:
        r.err(end_entry.line, end_entry.column, "window-order",
              f"scheduled_end ({utc_text(end)}) must be after scheduled_start ({utc_text(start)})")
    if complete and state is not None and state_entry is not None and updates and updates[-1].state is not state:
        latest = updates[-1]
        r.err(state_entry.line, state_entry.column, "state-mismatch",
              f"state is '{state.value}' but the latest update ({utc_text(latest.at)}, line {latest.line}) "
              f"says '{latest.state.value}'; they must agree")
    if r.at("components") is None:
        r.warn(1, 1, "no-components", "maintenance names no components: the overview cannot show what it affects")
    if has_errors(r.diagnostics) or title is None or state is None or start is None or end is None:
        return None, r.diagnostics
    return Maintenance(
        slug=source.slug, path=source.path, title=title, state=state, scheduled_start=start,
        scheduled_end=end, components=tuple(cid for cid, _ in components), updates=tuple(updates),
        summary=summary, lead_html=lead_html, markers=source.markers,
    ), r.diagnostics


def validate_postmortem(source: SourceFile) -> tuple[Postmortem | None, list[Diagnostic], dict[str, int]]:
    """Validate a postmortem file. Also returns the line of each incident it names."""
    root, diagnostics = _front_matter(source)
    diagnostics = _slug_diagnostics(source) + placeholder_diagnostics(source) + diagnostics
    if root is None:
        return None, diagnostics, {}
    r = FieldReader(source.path, root, POSTMORTEM_FIELDS)
    r.unknown_fields()
    title = r.string("title", required=True, example="Elevated API errors on 2 March")
    published = r.timestamp("published", required=True)
    summary = r.string("summary", required=True, example="One or two sentences for listings and feeds.")
    incidents: dict[str, int] = {}
    entry = r.at("incidents")
    if entry is None or entry.value is None:
        r.missing("incidents", "[2026-03-02-api-errors]")
    else:
        elements = entry.elements if entry.kind == "sequence" else (entry,)
        if not elements:
            r.err(entry.line, entry.column, "field-empty", "incidents must name at least one incident slug")
        for element in elements:
            if element.kind != "scalar" or not isinstance(element.value, str) or not SLUG_PATTERN.match(element.value):
                r.err(element.line, element.column, "field-type",
                      f"incidents must be a list of incident slugs such as [2026-03-02-api-errors] (got {describe(element)})")
            else:
                incidents.setdefault(element.value, element.line)
    if has_errors(diagnostics + r.diagnostics) or title is None or published is None or summary is None:
        return None, diagnostics + r.diagnostics, incidents
    return Postmortem(
        slug=source.slug, path=source.path, title=title, incidents=tuple(incidents),
        published=published, summary=summary, html=render(source.body),
        markdown=source.body, markdown_line=source.body_line, markers=source.markers,
    ), diagnostics + r.diagnostics, incidents

