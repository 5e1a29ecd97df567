"""Stages 1 to 3 in order: read the site directory into a validated :class:`Site`.

This is what ``build`` (and later ``check`` and ``serve``) call first. It
reads everything and reports every problem before anything is written.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from operator import attrgetter
from pathlib import Path
from typing import Any, cast

from statusgen.cache import ValidationCache
from statusgen.child import can_fork
from statusgen.config import SiteConfig, load_config
from statusgen.crossref import duplicate_slugs, link_postmortems
from statusgen.diagnostics import Diagnostic, has_errors, sorted_diagnostics
from statusgen.model import Incident, Maintenance, Postmortem, Site
from statusgen.parallel import PARALLEL_FROM, Turns, in_two_parts
from statusgen.sources import (
    Changes,
    ContentFile,
    ContentKind,
    SourceFile,
    Walked,
    content_files,
    read_config_source,
    walk,
    walk_again,
)


@dataclass(frozen=True)
class Loaded:
    """The site, when it is valid, and every diagnostic found on the way."""

    site: Site | None
    diagnostics: tuple[Diagnostic, ...]
    fingerprints: dict[str, bytes] = field(default_factory=dict)
    """With a cache: by source path, a digest of what each incident, window and postmortem was made from."""


#: Files a process takes at a time when two share the validation: the one that finishes first waits
#: for at most one part, and the worker sends back each part it made as it finishes it.
_PART = 200

Validated = tuple[Incident | Maintenance | None, list[Diagnostic]] | tuple[Postmortem | None, list[Diagnostic], dict[str, int]]


def _validate(source: SourceFile, config: SiteConfig) -> Validated:
    # Imported when a file is validated (Markdown and YAML are a fifth of the imports): a rebuild where no file
    # changed (a scheduled one, say) validates none.
    from statusgen.validate import validate_incident, validate_postmortem

    return validate_incident(source, config) if source.kind is ContentKind.INCIDENT else validate_postmortem(source)


#: What reading one file gave: its cache key (None without a cache) and what validating it made, or the
#: problem that kept it from being read as text, or None when the cache holds what validating it makes.
Outcome = tuple[bytes | None, Validated | Diagnostic | None]


def _read_and_validate(file: ContentFile, config: SiteConfig, cache: ValidationCache | None) -> Outcome:
    data = file.read_bytes()
    if isinstance(data, Diagnostic):
        return None, data
    key = ValidationCache.key(file, data) if cache else None
    if cache and key is not None and cache.holds(key):  # not even decoded
        return key, None
    source = file.parse(data)
    if isinstance(source, Diagnostic):
        return None, source
    return key, _validate(source, config)


def validate_all(files: Sequence[ContentFile], config: SiteConfig, cache: ValidationCache | None = None,
                 progress: Callable[[str, int, int], None] | None = None, *, total: int = 0,
                 meanwhile: Callable[[], object] | None = None) -> list[tuple[bytes | None, Validated | Diagnostic]]:
    """Read and validate every file, in file order, in two processes when there are many and forking is
    safe; a file whose text ``cache`` knows is taken from it. Each file is read only when its turn comes,
    by the process that validates it, so the texts of a large site are never all held at once.
    ``total``: the files of the whole site, for the progress line (the others came from the cache).
    ``meanwhile``: work of this process's own to do first, while the worker starts on the files."""
    total = max(total, len(files))
    parts = [range(start, min(start + _PART, len(files))) for start in range(0, len(files), _PART)]
    turns = Turns(len(parts)) if len(files) >= PARALLEL_FROM and can_fork() else None

    def work(indexes: range, reporting: bool = False) -> list[Outcome]:
        out = []
        for n in indexes:
            if reporting and progress and n % 100 == 0:
                done = turns.taken() * _PART if turns is not None else n
                progress("reading", total - len(files) + min(done, len(files)), total)
            out.append(_read_and_validate(files[n], config, cache))
        return out

    def theirs() -> tuple[int, list[Outcome]] | None:
        assert turns is not None
        n = turns.take()
        return None if n is None else (n, work(parts[n]))

    def mine() -> dict[int, list[Outcome]]:
        if meanwhile is not None:
            meanwhile()
        order = iter(turns.take, None) if turns is not None else range(len(parts))
        return {n: work(parts[n], reporting=True) for n in order}

    if turns is not None:
        # Each process takes the next part when it is free: both finish at about the same time, whatever
        # the files cost and whatever else this process does first. The worker sends back each part it
        # took as it finishes it (and None for each it found taken), so it never holds more than one.
        by_part, made_there = in_two_parts([theirs] * len(parts), mine)
        by_part.update(part for part in made_there if part is not None)
    else:
        by_part = mine()
    outcomes = [outcome for n in range(len(parts)) for outcome in by_part[n]]
    results: list[tuple[bytes | None, Validated | Diagnostic]] = []
    for file, (key, made) in zip(files, outcomes, strict=True):
        fresh = made is not None
        if made is None:  # the cache holds it
            assert cache is not None and key is not None
            made = cast(Validated | None, cache.get(key))
            if made is None:  # a damaged entry: validated again
                made, fresh = _read_and_validate(file, config, None)[1], True
        if cache and key is not None:
            if fresh and not isinstance(made, Diagnostic):
                cache.put(key, cast(Validated, made))
            cache.learn(file, key)
        assert made is not None
        results.append((key, made))
    return results


def load_site(site_dir: Path, *, base_url: str | None = None, strict: bool = False, cache: ValidationCache | None = None,
              progress: Callable[[str, int, int], None] | None = None,
              meanwhile: Callable[[SiteConfig], object] | None = None,
              walked: Walked | None = None, changes: Changes | None = None) -> Loaded:
    """Read, validate and model the site in ``site_dir``; ``cache`` keeps what
    validating each file made, for the next build. ``meanwhile`` is called with the configuration, once it
    is valid, while a forked worker starts validating (see :func:`validate_all`). ``walked``: the content files
    and their stats as :func:`statusgen.sources.walk` took them for this build, when it was taken already.
    ``changes``: what a watcher saw change since an earlier build of this process (see :func:`_walked`)."""
    config_source = read_config_source(site_dir)
    if isinstance(config_source, Diagnostic):
        return Loaded(None, (config_source,))
    diagnostics: list[Diagnostic] = []
    config, config_problems = load_config(config_source, base_url_override=base_url)
    diagnostics += config_problems
    if config is None:
        return Loaded(None, tuple(sorted_diagnostics(diagnostics)))

    at: dict[str, int] = {}
    looked_again: Iterable[str] | None = None  # the files looked at again, when the walk was made from the last one
    if walked is not None:
        found, seen = walked
    elif cache:
        (found, seen), at, looked_again = _walked(site_dir, cache.memo("walk"), changes)
    else:  # nothing to compare them with: listed, not looked at
        found, seen = content_files(site_dir), []
    diagnostics += duplicate_slugs(found)
    if cache:
        cache.begin(f"{config_source.text}\0{base_url}")
        if walked is None and (kept := cache.memo("walk")) is not None:  # for the next build (see _walked)
            kept.update(token=changes.token if changes is not None else None, walked=(found, seen), at=at)
    # What is unchanged since a build read it is not read again.
    keys, results, unread = cast(tuple[dict[str, bytes], dict[str, Validated], list[ContentFile]],
                                 cache.unchanged(found, seen, (looked_again, at) if looked_again is not None else None)
                                 ) if cache else ({}, {}, list(found))
    for file, (key, made) in zip(unread, validate_all(unread, config, cache, progress, total=len(found),
                                                             meanwhile=meanwhile and functools.partial(meanwhile, config)), strict=True):
        if isinstance(made, Diagnostic):
            diagnostics.append(made)
            continue
        if key is not None:
            keys[file.path] = key
        results[file.path] = made
    if cache:
        cache.finish((file.path, keys[file.path]) for file in found if file.path in keys)
    memo = cache.memo("load") if cache else None
    # A warm process whose last load had these very files, all but a few incidents' the same objects: that load's
    # site with those incidents put in (see _as_before). Else the site is made from every file.
    paths = [file.path for file in found] if memo is not None else []
    again = _as_before(memo, config, paths, results, keys) if memo else None
    if again is not None:
        site, carried, prints = again
    else:
        site, carried = _site_of(config, found, results)
        prints = fingerprints(site, keys) if cache else {}
    ordered = sorted_diagnostics([*diagnostics, *carried])
    if has_errors(ordered, strict=strict):
        if memo is not None:
            memo.clear()
        return Loaded(None, tuple(ordered))
    if memo is not None:
        # Made from the last site, the incidents are where they were (each started when it did).
        at = memo["at"] if again is not None else {incident.path: n for n, incident in enumerate(site.incidents)}
        memo.clear()
        memo.update(paths=paths, results=results, site=site, carried=carried, fingerprints=prints, at=at)
    return Loaded(site, tuple(ordered), prints)


def _walked(site_dir: Path, memo: dict[str, Any] | None,
            changes: Changes | None) -> tuple[Walked, dict[str, int], Iterable[str] | None]:
    """What :func:`walk` takes of ``site_dir`` now, with the place of each file by path: in a process that builds again
    and again (``memo``: see :meth:`ValidationCache.memo`), from the walk of the build that ``changes`` follows with
    the files it names looked at again (see :func:`walk_again`), when this process made that walk and kept it (see
    :func:`load_site`); else every file is looked at (50 ms of a warm rebuild at 10,000 incidents). Third, the paths
    looked at again in the first case (the others are as that build saw them), None in the second."""
    if memo and changes is not None and changes.since is not None and memo["token"] == changes.since:
        again = walk_again(memo["walked"], memo["at"], changes.paths)
        if again is not None:
            return again, memo["at"], changes.paths
    walked = walk(site_dir)
    return walked, {file.path: n for n, file in enumerate(walked[0])} if memo is not None else {}, None


def _site_of(config: SiteConfig, found: Sequence[ContentFile],
             results: dict[str, Validated]) -> tuple[Site, list[Diagnostic]]:
    """The site made from what validating each of ``found`` gave (``results``, by path; a file without one could
    not be read), with what validating said of the files and what linking postmortems found."""
    incidents: list[Incident] = []
    maintenances: list[Maintenance] = []
    postmortems: list[Postmortem] = []
    named_lines: dict[str, dict[str, int]] = {}
    diagnostics: list[Diagnostic] = []
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
    linked, link_problems = link_postmortems(incidents, maintenances, postmortems, named_lines)
    diagnostics += link_problems
    site = Site(
        config=config,
        # Newest first, then by slug; attrgetter makes the keys in C (3 ms for 10,000 incidents, against 4 to 5 ms).
        incidents=tuple(sorted(linked, key=attrgetter("started", "slug"), reverse=True)),
        maintenances=tuple(sorted(maintenances, key=attrgetter("scheduled_start", "slug"), reverse=True)),
        postmortems=tuple(sorted(postmortems, key=attrgetter("published", "slug"), reverse=True)),
    )
    return site, diagnostics


def _as_before(memo: dict[str, Any], config: SiteConfig, paths: list[str], results: dict[str, Validated],
               keys: dict[str, bytes]) -> tuple[Site, list[Diagnostic], dict[str, bytes]] | None:
    """What :func:`_site_of` and :func:`fingerprints` would make, from what the last load of a warm process made
    (``memo``, see :meth:`ValidationCache.memo`), when that is cheaper to tell: the same files (``paths``, in order), each
    validated to the very object it was then but some incidents, each still an incident that started when it did,
    names the postmortem it named and has nothing said of it, then or now. Those take their places in the site (with
    their postmortem links as they were) and their fingerprints are made again; None when anything else changed.
    About 40 ms of a warm rebuild at 10,000 incidents: the postmortem links, the sort, the fingerprints."""
    before: dict[str, Validated] = memo["results"]
    if len(results) != len(paths) or len(paths) != len(before) or memo["paths"] != paths:
        return None
    incidents = list(memo["site"].incidents)
    made = memo["fingerprints"]
    for path in [path for path, result in results.items() if result is not before[path]]:
        new, old = results[path], before[path]
        now, then = new[0], old[0]
        if (not isinstance(now, Incident) or not isinstance(then, Incident) or new[1] or old[1]
                or now.postmortem != then.postmortem or now.started != then.started):
            return None
        if made is memo["fingerprints"]:
            made = dict(made)
        n = memo["at"][path]
        link = incidents[n].postmortem  # as linking made it: the postmortems are as they were
        incidents[n] = now if now.postmortem == link else replace(now, postmortem=link)
        made.update(_fingerprints([incidents[n]], keys))
    site = memo["site"]
    return Site(config=config, incidents=tuple(incidents), maintenances=site.maintenances, postmortems=site.postmortems), \
        memo["carried"], made


def fingerprints(site: Site, keys: dict[str, bytes]) -> dict[str, bytes]:
    """By source path, a digest of what each incident, window and postmortem was made from: its file
    (``keys``, the cache's key of each file) and, for an incident, the postmortem linked to it from
    another file. With the code and ``statusgen.toml``, that is everything the object depends on."""
    made: list[Maintenance | Postmortem] = [*site.maintenances, *site.postmortems]
    out = {m.path: keys[m.path] for m in made if m.path in keys}
    out.update(_fingerprints(site.incidents, keys))
    return out


def _fingerprints(incidents: Iterable[Incident], keys: dict[str, bytes]) -> dict[str, bytes]:
    """The :func:`fingerprints` of ``incidents``."""
    out: dict[str, bytes] = {}
    for incident in incidents:
        key = keys.get(incident.path)
        if key is not None:  # an incident no postmortem is linked to is made from its file alone (nine in ten)
            out[incident.path] = key if incident.postmortem is None else hashlib.blake2b(
                key + f"\0{incident.postmortem}".encode(), digest_size=20).digest()
    return out
