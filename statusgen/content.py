"""Stages 1 to 3 in order: read the site directory into a validated :class:`Site`.

This is what ``build`` (and later ``check`` and ``serve``) call first. It
reads everything and reports every problem before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from statusgen.config import load_config
from statusgen.crossref import duplicate_slugs, link_postmortems
from statusgen.diagnostics import Diagnostic, has_errors, sorted_diagnostics
from statusgen.model import Incident, Maintenance, Postmortem, Site
from statusgen.sources import ContentKind, read_sources
from statusgen.validate import validate_incident, validate_postmortem


@dataclass(frozen=True)
class Loaded:
    """The site, when it is valid, and every diagnostic found on the way."""

    site: Site | None
    diagnostics: tuple[Diagnostic, ...]


def load_site(site_dir: Path, *, base_url: str | None = None, strict: bool = False) -> Loaded:
    """Read, validate and model the site in ``site_dir``."""
    sources = read_sources(site_dir)
    diagnostics = list(sources.diagnostics)
    if sources.config is None:
        return Loaded(None, tuple(sorted_diagnostics(diagnostics)))
    config, config_problems = load_config(sources.config, base_url_override=base_url)
    diagnostics += config_problems
    if config is None:
        return Loaded(None, tuple(sorted_diagnostics(diagnostics)))

    diagnostics += duplicate_slugs(sources.files)
    incidents: list[Incident] = []
    maintenances: list[Maintenance] = []
    postmortems: list[Postmortem] = []
    named_lines: dict[str, dict[str, int]] = {}
    for source in sources.files:
        if source.kind is ContentKind.INCIDENT:
            item, problems = validate_incident(source, config)
            diagnostics += problems
            if isinstance(item, Incident):
                incidents.append(item)
            elif isinstance(item, Maintenance):
                maintenances.append(item)
        else:
            postmortem, problems, lines = validate_postmortem(source)
            diagnostics += problems
            named_lines[source.slug] = lines
            if postmortem is not None:
                postmortems.append(postmortem)
    linked, link_problems = link_postmortems(incidents, maintenances, postmortems, named_lines)
    diagnostics += link_problems
    ordered = sorted_diagnostics(diagnostics)
    if has_errors(ordered, strict=strict):
        return Loaded(None, tuple(ordered))
    site = Site(
        config=config,
        incidents=tuple(sorted(linked, key=lambda i: (i.started, i.slug), reverse=True)),
        maintenances=tuple(sorted(maintenances, key=lambda m: (m.scheduled_start, m.slug), reverse=True)),
        postmortems=tuple(sorted(postmortems, key=lambda p: (p.published, p.slug), reverse=True)),
    )
    return Loaded(site, tuple(ordered))
