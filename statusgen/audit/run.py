"""Run the audit over a site: every rule, the site's settings, the markers.

Stage-wise this is ``derive``: a pure function of the model and the build
time. ``statusgen check`` and ``statusgen lint`` report its diagnostics; the
internal report renders its figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from statusgen.audit import completeness
from statusgen.audit.cadence import Cadence, cadence
from statusgen.audit.exposure import EXPOSURE_RULES
from statusgen.audit.findings import Context, Finding, Kind
from statusgen.audit.rules import RULES, UNSUPPRESSIBLE
from statusgen.audit.settings import AuditSettings
from statusgen.audit.text import Message
from statusgen.audit.wording import WORDING_RULES
from statusgen.diagnostics import Diagnostic
from statusgen.markers import Marker
from statusgen.model import Incident, IncidentState, Site, Update
from statusgen.obligations import Obligation


@dataclass(frozen=True)
class Audit:
    """The audit's diagnostics (severities applied, suppressions honoured) and
    each audited incident's cadence, by slug."""

    diagnostics: tuple[Diagnostic, ...]
    cadences: dict[str, Cadence]


def message_findings(message: Message, context: Context, settings: AuditSettings, at: datetime, zone: ZoneInfo) -> list[Finding]:
    """Every wording, exposure and completeness finding for one message."""
    found: list[Finding] = []
    for rule in (*WORDING_RULES, *EXPOSURE_RULES):
        found += rule(message, context, settings)
    found += completeness.first_update(message, context, at, zone)
    found += completeness.resolution(message, context)
    found += completeness.postmortem(message, context)
    return found


def _kind(incident: Incident, index: int, update: Update) -> Kind:
    if update.state is IncidentState.RESOLVED and index == len(incident.updates) - 1:
        return Kind.RESOLUTION
    return Kind.FIRST_UPDATE if index == 0 else Kind.UPDATE


def update_findings(site: Site, incident: Incident, index: int, owed: bool) -> list[Finding]:
    """Findings on one update's message, read as the message it is in the
    incident's life (first update, later update, resolution)."""
    update = incident.updates[index]
    policy = site.config.communication_policy
    names = tuple(n for cid in incident.affected() for n in (cid, site.component_names.get(cid, "")) if n)
    state = update.state if isinstance(update.state, IncidentState) else None
    context = Context(_kind(incident, index, update), state, incident.severity, names, owed,
                      policy.cadence(incident.severity) is not None)
    message = Message(incident.path, update.markdown, update.markdown_line)
    return message_findings(message, context, site.config.audit, update.at, site.config.zone)


def _incident_findings(site: Site, incident: Incident, owed: bool) -> list[Finding]:
    found: list[Finding] = []
    for index in range(len(incident.updates)):
        found += update_findings(site, incident, index, owed)
    if incident.summary:
        summary = Message(incident.path, incident.summary, incident.line_of("summary"))
        found += message_findings(summary, Context(Kind.SUMMARY), site.config.audit, incident.started, site.config.zone)
    return found


def _suppress(findings: list[Finding], markers: Iterable[tuple[Marker, str, tuple[int, ...]]]) -> list[Finding]:
    """Drop each finding a valid marker names (one finding per marker, in the
    marker's section of its file); report invalid and unused markers."""
    remaining = list(findings)
    out: list[Finding] = []
    for marker, path, headings in markers:
        if marker.rule not in RULES or marker.rule in UNSUPPRESSIBLE or not marker.reason:
            problem = (f"'{marker.rule}' is not a rule that can be suppressed ('statusgen rules' lists them)"
                       if marker.rule not in RULES or marker.rule in UNSUPPRESSIBLE else
                       f"the marker for '{marker.rule}' gives no reason")
            out.append(Finding("marker-invalid", path, marker.line, marker.column,
                               f"{problem}; write <!-- statusgen-ignore RULE: why this finding does not apply -->"))
            continue

        def same_section(line: int, marker: Marker = marker, headings: tuple[int, ...] = headings) -> bool:
            low, high = sorted((line, marker.line))
            return not any(low < h <= high for h in headings)

        match = next((f for f in remaining if f.path == path and f.rule == marker.rule and same_section(f.line)), None)
        if match is None:
            out.append(Finding("marker-unused", path, marker.line, marker.column,
                               f"this marker suppresses no '{marker.rule}' finding in its section; remove it"))
        else:
            remaining.remove(match)
    return remaining + out


def _diagnostics(findings: Iterable[Finding], settings: AuditSettings) -> tuple[Diagnostic, ...]:
    out = []
    for f in findings:
        severity = settings.severity(f.rule)
        if severity is not None:
            out.append(Diagnostic(f.path, f.line, f.column, severity, f.rule, f.message))
    return tuple(out)


def audit(site: Site, now: datetime, found: dict[str, Obligation]) -> Audit:
    """Audit every incident, maintenance and postmortem of the site at ``now``."""
    zone = site.config.zone
    policy, settings = site.config.communication_policy, site.config.audit
    findings: list[Finding] = []
    markers: list[tuple[Marker, str, tuple[int, ...]]] = []
    cadences: dict[str, Cadence] = {}
    for incident in site.incidents:
        if policy.effective_from is None or incident.started.astimezone(zone).date() >= policy.effective_from:
            timing = cadence(incident, policy, now, zone)
            cadences[incident.slug] = timing
            findings += timing.findings
        obligation = found.get(incident.slug)
        findings += _incident_findings(site, incident, obligation is not None and obligation.required)
        markers += [(m, incident.path, tuple(u.line for u in incident.updates)) for m in incident.markers]
    for maintenance in site.maintenances:
        for update in maintenance.updates:
            message = Message(maintenance.path, update.markdown, update.markdown_line)
            findings += message_findings(message, Context(Kind.MAINTENANCE), settings, update.at, zone)
        markers += [(m, maintenance.path, tuple(u.line for u in maintenance.updates)) for m in maintenance.markers]
    for postmortem in site.postmortems:
        message = Message(postmortem.path, postmortem.markdown, postmortem.markdown_line)
        findings += message_findings(message, Context(Kind.POSTMORTEM), settings, postmortem.published, zone)
        markers += [(m, postmortem.path, ()) for m in postmortem.markers]
    return Audit(_diagnostics(_suppress(findings, markers), settings), cadences)
