"""The internal communication report (``statusgen build --internal``).

Never part of the public build: it names every lapse, with file and line, for
the team that wrote the updates. It is not listed in the sitemap and asks
search engines not to index it, but what keeps it private is where it is
written (``output-internal/`` by default) and that CI deploys ``output/``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from statusgen.audit.rules import RULES
from statusgen.audit.run import Audit
from statusgen.diagnostics import Diagnostic, sorted_diagnostics
from statusgen.durations import format_duration
from statusgen.render import Artifact
from statusgen.render.pages import PageRenderer
from statusgen.render.views import ItemView

PAGE = "internal/communication/"


@dataclass(frozen=True)
class IncidentRow:
    """One audited incident's timing and findings."""

    view: ItemView
    first_update: str
    first_late: bool
    largest_gap: str
    gap_late: bool
    promises: str
    findings: tuple[Diagnostic, ...]


@dataclass(frozen=True)
class RuleCount:
    id: str
    severity: str
    summary: str
    count: int


def audit_page(renderer: PageRenderer, result: Audit) -> Artifact:
    """One page: findings by rule, then each incident's timing and findings,
    then findings in maintenance windows and postmortems."""
    site = renderer.site
    policy = site.config.communication_policy
    by_path: dict[str, list[Diagnostic]] = {}
    for d in sorted_diagnostics(result.diagnostics):
        by_path.setdefault(d.path, []).append(d)
    rows = []
    for incident in site.incidents:
        timing = result.cadences.get(incident.slug)
        findings = tuple(by_path.pop(incident.path, []))
        if timing is None and not findings:
            continue
        cadence = policy.cadence(incident.severity)
        first, gap = (timing.first_update_after, timing.largest_gap) if timing else (None, None)
        kept = sum(p.late is None for p in timing.promises) if timing else 0
        made = len(timing.promises) if timing else 0
        rows.append(IncidentRow(
            view=renderer.views[incident.slug],
            first_update=format_duration(first) if first is not None else "none yet",
            first_late=first is not None and first > policy.first_update_within,
            largest_gap=format_duration(gap[0]) if gap else "one update",
            gap_late=gap is not None and cadence is not None and gap[0] > cadence,
            promises=f"{kept} of {made} kept" if made else "none made",
            findings=findings,
        ))
    counts = Counter(d.code for d in result.diagnostics)
    rules = [RuleCount(rule.id, rule.severity.value, rule.summary, counts[rule.id]) for rule in RULES.values() if counts[rule.id]]
    return renderer.page(
        "internal_communication.html", PAGE, "", listed=False, live=True, rows=rows, rules=rules, others=sorted(by_path.items()),
        total=len(result.diagnostics), policy=policy, fmt_duration=format_duration,
    )
