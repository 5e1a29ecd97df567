"""Stages 1 to 3 in order: read the site directory into a validated :class:`Site`.

This is what ``build`` (and later ``check`` and ``serve``) call first. It
reads everything and reports every problem before anything is written.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import cast

from statusgen.cache import ValidationCache
from statusgen.config import SiteConfig, load_config
from statusgen.crossref import duplicate_slugs, link_postmortems
from statusgen.diagnostics import Diagnostic, has_errors, sorted_diagnostics
from statusgen.model import Incident, Maintenance, Postmortem, Site
from statusgen.parallel import PARALLEL_FROM, can_fork, in_two_parts
from statusgen.sources import ContentKind, SourceFile, content_files, read_config_source
from statusgen.validate import validate_incident, validate_postmortem


@dataclass(frozen=True)
class Loaded:
    """The site, when it is valid, and every diagnostic found on the way."""

    site: Site | None
    diagnostics: tuple[Diagnostic, ...]
    fingerprints: dict[str, bytes] = field(default_factory=dict)
    """With a cache: by source path, a digest of what each incident, window and postmortem was made from."""


#: Files the forked worker validates before it sends what it made back.
_PART = 500

Validated = tuple[Incident | Maintenance | None, list[Diagnostic]] | tuple[Postmortem | None, list[Diagnostic], dict[str, int]]


def _validate(source: SourceFile, config: SiteConfig) -> Validated:
    return validate_incident(source, config) if source.kind is ContentKind.INCIDENT else validate_postmortem(source)


def validate_all(files: Sequence[SourceFile], config: SiteConfig, cache: ValidationCache | None = None,
                 progress: Callable[[str, int, int], None] | None = None, keys: Sequence[bytes] = ()) -> list[Validated]:
    """Validate every file, in file order: from ``cache`` when it has the file's text (``keys``: each
    file's :meth:`ValidationCache.key`, computed here when not given), in two processes when many files
    are new and forking is safe."""
    keys = (keys or [ValidationCache.key(source) for source in files]) if cache else []
    results: list[Validated | None] = [cast(Validated | None, cache.get(key)) for key in keys] if cache else [None] * len(files)
    missing = [n for n, result in enumerate(results) if result is None]

    def validate(indexes: list[int], report_as: int = 0) -> list[Validated]:
        """Validate the files at ``indexes``; ``report_as`` processes doing the same share (0: say nothing)."""
        out = []
        for done, n in enumerate(indexes):
            if report_as and progress and done % 100 == 0:
                progress("reading", len(files) - len(missing) + report_as * done, len(files))
            out.append(_validate(files[n], config))
        return out

    if len(missing) >= PARALLEL_FROM and can_fork():
        share = missing[1::2]  # the worker's, in parts, so that it does not hold all it made until the end
        parts = [functools.partial(validate, share[start:start + _PART]) for start in range(0, len(share), _PART)]
        mine, made_there = in_two_parts(parts, lambda: validate(missing[0::2], report_as=2))
        theirs = [result for part in made_there for result in part]
        made = [result for pair in zip_longest(mine, theirs) for result in pair if result is not None]
    else:
        made = validate(missing, report_as=1)
    for n, result in zip(missing, made, strict=True):
        results[n] = result
        if cache:
            cache.put(keys[n], result)
    return [result for result in results if result is not None]


def load_site(site_dir: Path, *, base_url: str | None = None, strict: bool = False, cache: ValidationCache | None = None,
              progress: Callable[[str, int, int], None] | None = None) -> Loaded:
    """Read, validate and model the site in ``site_dir``; ``cache`` keeps what
    validating each file made, for the next build."""
    config_source = read_config_source(site_dir)
    if isinstance(config_source, Diagnostic):
        return Loaded(None, (config_source,))
    diagnostics: list[Diagnostic] = []
    config, config_problems = load_config(config_source, base_url_override=base_url)
    diagnostics += config_problems
    if config is None:
        return Loaded(None, tuple(sorted_diagnostics(diagnostics)))

    found = content_files(site_dir)
    diagnostics += duplicate_slugs(found)
    if cache:
        cache.begin(f"{config_source.text}\0{base_url}")
    keys: dict[str, bytes] = {}
    results: dict[str, Validated] = {}
    sources: list[SourceFile] = []
    for file in found:
        key = cache.known(file) if cache else None
        result = cast(Validated | None, cache.get(key)) if cache and key is not None else None
        if key is not None and result is not None:  # unchanged since a build read it: not read again
            keys[file.path], results[file.path] = key, result
            continue
        source = file.read()
        if isinstance(source, Diagnostic):
            diagnostics.append(source)
            continue
        sources.append(source)
        if cache:
            keys[file.path] = ValidationCache.key(source)
            cache.learn(file, keys[file.path])
    source_keys = [keys[source.path] for source in sources] if cache else []
    results.update(zip((s.path for s in sources), validate_all(sources, config, cache, progress, source_keys), strict=True))
    incidents: list[Incident] = []
    maintenances: list[Maintenance] = []
    postmortems: list[Postmortem] = []
    named_lines: dict[str, dict[str, int]] = {}
    for file in found:
        if file.path not in results:
            continue
        result = results[file.path]
        diagnostics += result[1]
        if file.kind is ContentKind.INCIDENT:
            if isinstance(result[0], Incident):
                incidents.append(result[0])
            elif isinstance(result[0], Maintenance):
                maintenances.append(result[0])
        else:
            postmortem, _, lines = cast(tuple[Postmortem | None, list[Diagnostic], dict[str, int]], result)
            named_lines[file.slug] = lines
            if postmortem is not None:
                postmortems.append(postmortem)
    if cache:
        cache.finish()
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
    return Loaded(site, tuple(ordered), fingerprints(site, keys) if cache else {})


def fingerprints(site: Site, keys: dict[str, bytes]) -> dict[str, bytes]:
    """By source path, a digest of what each incident, window and postmortem was made from: its file
    (``keys``, the cache's key of each file) and, for an incident, the postmortem linked to it from
    another file. With the code and ``statusgen.toml``, that is everything the object depends on."""
    made: list[Maintenance | Postmortem] = [*site.maintenances, *site.postmortems]
    out = {m.path: keys[m.path] for m in made if m.path in keys}
    for incident in site.incidents:
        if incident.path in keys:
            out[incident.path] = hashlib.blake2b(keys[incident.path] + f"\0{incident.postmortem}".encode(), digest_size=20).digest()
    return out
