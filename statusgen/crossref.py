"""Rules that need more than one file: slugs, output paths, postmortem links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from statusgen.diagnostics import Diagnostic, did_you_mean, error
from statusgen.model import Incident, Maintenance, Postmortem
from statusgen.sources import ContentFile, ContentKind


def duplicate_slugs(files: Sequence[ContentFile]) -> list[Diagnostic]:
    """Two files in one folder tree with the same stem would write one page."""
    seen: dict[ContentKind, dict[str, str]] = {}
    problems = []
    kind, slugs = None, {}
    for source in files:
        if source.kind is not kind:  # files come kind by kind: each kind's slugs looked up once a run, not once a file
            kind = source.kind
            slugs = seen.setdefault(kind, {})
        if source.slug in slugs:
            problems.append(error(
                source.path, 1, 1, "duplicate-slug",
                f"'{source.slug}' is also the slug of {slugs[source.slug]}: both would be written to "
                f"/{source.kind.value}/{source.slug}/; rename one of them",
            ))
        else:
            slugs[source.slug] = source.path
    return problems


def link_postmortems(
    incidents: list[Incident], maintenances: list[Maintenance], postmortems: list[Postmortem],
    named_lines: dict[str, dict[str, int]],
) -> tuple[list[Incident], list[Diagnostic]]:
    """Check every incident/postmortem link, and fill each incident's ``postmortem``.

    A link may be written on either side; where both sides speak they must
    agree, and one incident has at most one postmortem.
    """
    problems: list[Diagnostic] = []
    incident_slugs = {i.slug for i in incidents}
    maintenance_slugs = {m.slug for m in maintenances}
    by_slug = {p.slug: p for p in postmortems}
    claimed: dict[str, Postmortem] = {}
    for postmortem in postmortems:
        lines = named_lines.get(postmortem.slug, {})
        for slug in postmortem.incidents:
            line = lines.get(slug, 1)
            if slug in maintenance_slugs:
                problems.append(error(postmortem.path, line, 1, "postmortem-unknown-incident",
                                      f"incidents names '{slug}', which is a maintenance window, not an incident"))
            elif slug not in incident_slugs:
                problems.append(error(postmortem.path, line, 1, "postmortem-unknown-incident",
                                      f"incidents names '{slug}', but there is no content/incidents/{slug}.md"
                                      f"{did_you_mean(slug, sorted(incident_slugs))}"))
            elif slug in claimed:
                problems.append(error(postmortem.path, line, 1, "postmortem-duplicate",
                                      f"incident '{slug}' is already covered by postmortem '{claimed[slug].slug}' "
                                      f"({claimed[slug].path}); an incident has one postmortem"))
            else:
                claimed[slug] = postmortem
    linked = []
    for incident in incidents:
        named = incident.postmortem
        claimer = claimed.get(incident.slug)
        if named is not None and named not in by_slug:
            problems.append(error(incident.path, *incident.postmortem_at, "incident-unknown-postmortem",
                                  f"postmortem names '{named}', but there is no content/postmortems/{named}.md"
                                  f"{did_you_mean(named, sorted(by_slug))}"))
        elif named is not None and claimer is not None and claimer.slug != named:
            problems.append(error(incident.path, *incident.postmortem_at, "postmortem-mismatch",
                                  f"postmortem is '{named}', but {claimer.path} claims this incident; "
                                  "the incident and the postmortem must name each other"))
        elif named is not None and claimer is None:
            problems.append(error(by_slug[named].path, 1, 1, "postmortem-mismatch",
                                  f"incident '{incident.slug}' names this postmortem, but its incidents "
                                  f"{list(by_slug[named].incidents)} do not include '{incident.slug}'"))
        final = named if named is not None else (claimer.slug if claimer else None)
        linked.append(replace(incident, postmortem=final) if final != incident.postmortem else incident)
    return linked, problems
