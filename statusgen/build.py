"""The one place that runs the pipeline in order."""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import functools
import itertools
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any, cast

from statusgen.cache import ValidationCache, page_digest
from statusgen.check import policy_findings
from statusgen.child import InChild, can_fork
from statusgen.collector import collector_kept_off
from statusgen.content import load_site
from statusgen.diagnostics import Diagnostic, Severity, error, has_errors, sorted_diagnostics
from statusgen.kept import Kept
from statusgen.model import Site
from statusgen.parallel import PARALLEL_FROM, Turns, in_two, release_free_memory, worth_writing_in_two
from statusgen.render import Artifact
from statusgen.render.api import Fragments, StatuspageApi, postmortems_api, statusgen_api
from statusgen.render.badges import badge_files
from statusgen.render.calendar import maintenance_calendar
from statusgen.render.feeds import feeds
from statusgen.render.pages import PageRenderer
from statusgen.render.site_files import assets, banner_script, headers, nojekyll, robots, sitemap
from statusgen.render.theme import Theme, load_theme
from statusgen.sources import Changes, Walked
from statusgen.write import Identity, Lister, Listing, Staging, check_unique, spare_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildResult:
    """What a build did: diagnostics always; counts only when it wrote."""

    ok: bool
    diagnostics: tuple[Diagnostic, ...]
    pages: int = 0
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    output: Path | None = None
    reused: int = 0
    """Files unchanged since the previous build, taken from it instead of made again (pages, feeds, the calendar)."""


def build_time(environ: dict[str, str] | None = None, clock: datetime | None = None) -> tuple[datetime, Diagnostic | None]:
    """The moment the site describes ("now").

    ``SOURCE_DATE_EPOCH`` when set (reproducible builds); otherwise the
    current UTC time rounded down to the minute, so two builds of one commit
    within the same minute are byte-identical while scheduled rebuilds still
    move time forward (maintenance starts and ends without a commit).
    """
    env = os.environ if environ is None else environ
    raw = env.get("SOURCE_DATE_EPOCH")
    if raw is not None and raw.strip():
        try:
            return datetime.fromtimestamp(int(raw), UTC), None
        except (ValueError, OverflowError, OSError):
            now = (clock or datetime.now(UTC)).replace(second=0, microsecond=0)
            return now, error("SOURCE_DATE_EPOCH", 0, 0, "source-date-epoch",
                              f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970 (got {raw!r})")
    return (clock or datetime.now(UTC)).replace(second=0, microsecond=0), None


#: A callback for long builds: (what is being done, how many of it so far, of how many or 0 when unknown).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Section:
    """A named part of the output, made by one call, in build order."""

    name: str
    make: Callable[[], Iterable[Artifact]]
    pinned: bool = False
    """Made first, and by this process when a forked worker shares the build; the worker and this
    process take every other section in order, each the next one when it is free."""


#: Parts the incident pages come in when two processes share them: small enough that whichever finishes
#: last waits little for the other, few enough that taking one costs nothing.
INCIDENT_SHARES = 6


def sections(site: Site, theme: Theme, renderer: PageRenderer, now: datetime, *, internal: bool = False,
             shares: int = 1, fragments: Fragments | None = None, reports: Kept | None = None,
             warm: bool = False) -> list[Section]:
    """Everything a build writes but the sitemap, which lists the pages of all of them, longest first
    after the pinned ones. The incident pages, most of the work, come in ``shares`` sections of equal size.
    ``fragments``: the API's list items kept from the last build, and those of this one (see :class:`Fragments`);
    ``reports``: the same of the reports (see :meth:`PageRenderer.reports`). Both are made by this process."""
    parts = [
        # The API and feeds take the most memory at once: first, before the pages both processes
        # touch have been copied, and so that what they freed is given back before the worker grows. Not in a
        # ``warm`` process's rebuild, which renders few pages: there the overview and the feeds go to whichever
        # process is free, so that the two finish together.
        Section("overview", lambda: [renderer.overview()], pinned=not warm),
        Section("feeds", lambda: feeds(site, now, renderer.keys), pinned=not warm),
        Section("api", lambda: [*StatuspageApi(site, now, renderer.statuses).files(), *statusgen_api(site, now, renderer.fingerprints, fragments)],
                pinned=True),
        # Pinned: the runs of rows it keeps for the next build must be made by this process, which saves them.
        Section("postmortems api", lambda: [postmortems_api(site, now, renderer.obligations, fingerprints=renderer.fingerprints,
                                                            inputs=renderer.obligation_inputs, fragments=fragments)],
                pinned=True),
        *(Section(f"incidents {n + 1}/{shares}", functools.partial(renderer.incident_pages, n, shares))
          for n in range(shares)),
        Section("components", renderer.components),
        Section("history", renderer.history),
        Section("publication", renderer.publication),
        # Pinned: what it keeps for the next build must be made by this process, which saves it.
        Section("reports", lambda: renderer.reports(reports), pinned=True),
        Section("postmortems", renderer.postmortems),
        Section("site files", lambda: [
            renderer.not_found(), robots(site), nojekyll(), headers(site), *assets(theme.static),
            maintenance_calendar(site, renderer.keys), banner_script(), *badge_files(site, renderer.statuses)]),
    ]
    if internal:  # the audit's rules are only compiled when asked for
        def internal_report() -> list[Artifact]:
            from statusgen.audit.run import audit
            from statusgen.render.internal import audit_page

            return [audit_page(renderer, audit(site, now, renderer.obligations))]

        parts.append(Section("internal report", internal_report))
    return parts


@dataclass(frozen=True)
class Written:
    """What writing some sections put in the staging directory: every path, the listed pages, the bytes."""

    paths: list[str]
    pages: list[str]
    bytes: int
    keys: dict[str, builtins.bytes]
    """By path, the key of each page that has one (for the next build's reuse)."""
    digests: dict[str, builtins.bytes]
    """By path, the digest of each page with a key that was rendered (not reused): see :func:`page_digest`."""
    reused: int
    """Files (pages, feeds, the calendar) taken as they were from the previous output instead of made again."""
    identities: dict[str, Identity]
    """By path, each page's file identity as it was written or kept (see :attr:`Staging.identities`)."""
    listed: Listing | None = None
    """What the spare held when the worker began (see :meth:`Staging.prune`), when a worker took part."""
    from_spare: bytearray | None = None
    """With ``spare_implied`` (see :func:`write_sections`), for each of :attr:`paths`, 1 where the page was the spare's
    as it was: its key and identity, left out of :attr:`keys` and :attr:`identities`, are the spare's."""


@dataclass(frozen=True)
class _Sent:
    """A forked worker's :class:`Written` as it sends it back: its paths and pages each joined into one string, and
    the keys and identities of the pages the spare had as they were left for this process to take from the spare (at
    10,000 incidents, a rebuild's worker writes 11,000 of them, and their keys and identities were 20 ms of pickling
    it and reading it back, between the end of the worker's pages and the build's end)."""

    paths: str
    pages: str
    written: Written

    @staticmethod
    def of(written: Written) -> _Sent:
        return _Sent("\0".join(written.paths), "\0".join(written.pages),
                     dataclasses.replace(written, paths=[], pages=[]))

    def taken(self, intact: Mapping[str, tuple[bytes, Identity]] | None) -> Written:
        """The :class:`Written` sent, with the keys and identities of its pages taken from the spare's ``intact``."""
        written, paths = self.written, self.paths.split("\0") if self.paths else []
        keys, identities = written.keys, written.identities
        if written.from_spare is not None:
            assert intact is not None
            for path in itertools.compress(paths, written.from_spare):
                keys[path], identities[path] = intact[path]
        return dataclasses.replace(written, paths=paths, pages=self.pages.split("\0") if self.pages else [],
                                   keys=keys, identities=identities, from_spare=None)


def write_sections(parts: Iterable[Section], staging: Staging, progress: Progress | None = None, *,
                   others: Synchronized[int] | None = None, count_into: Synchronized[int] | None = None,
                   spare_implied: bool = False) -> Written:
    """Render each section and write its files as they come, so no more than one page is held at a time.
    When two processes write, the worker keeps its count in ``count_into`` and the progress line adds ``others``.
    ``spare_implied``: the pages that are the spare's as they were are only marked (see :attr:`Written.from_spare`)."""
    paths: list[str] = []
    pages: list[str] = []
    keys: dict[str, bytes] = {}
    digests: dict[str, bytes] = {}
    size = reused = 0
    implied = staging.spare_implied = spare_implied and staging.spare is not None
    from_spare = bytearray() if implied else None
    for part in parts:
        release_free_memory()  # what the section before freed: a forked worker would copy those pages as it reused them
        for artifact in part.make():
            size += staging.write(artifact)
            paths.append(artifact.path)
            if artifact.page is not None:
                pages.append(artifact.page)
            if from_spare is not None:
                from_spare.append(staging.from_spare)
                if staging.from_spare:  # (a key, and reused)
                    reused += 1
                    continue
            if artifact.key is not None:
                keys[artifact.path] = artifact.key
                reused += artifact.reused
                if not artifact.reused:
                    digests[artifact.path] = page_digest(artifact.data)
            if len(paths) % 100 == 0:
                if count_into is not None:
                    count_into.value = len(paths)
                if progress:
                    progress("writing", len(paths) + (others.value if others is not None else 0), 0)
    return Written(paths, pages, size, keys, digests, reused, dict(staging.identities), from_spare=from_spare)


def _run(saves: list[Callable[[], object]], after: list[Callable[[], object]] | None = None) -> None:
    """Run what the cache saves later (see :meth:`ValidationCache.saved_later`), once; or, with ``after``, move it
    there for the caller (see :func:`build`)."""
    if after is not None:
        after += saves
        saves.clear()
    while saves:
        saves.pop(0)()


def write_site(parts: list[Section], staging: Staging, *, parallel: bool, progress: Progress | None = None,
               listed: Listing | None = None, saves: list[Callable[[], object]] | None = None) -> Written:
    """Write every section, in two processes when ``parallel``: this process writes the pinned sections
    while a forked worker starts on the others, and then each takes the next one not yet taken, so both
    finish at about the same time whether most pages are rendered (a cold build) or reused (a rebuild).
    ``listed``: the spare's listing when it was taken already; else the worker takes it first.
    ``saves``: what the cache saves later, which a forked worker takes first (and this process then forgets);
    without one, left for the caller."""
    if not parallel:
        return write_sections(parts, staging, progress)
    counted: Synchronized[int] = multiprocessing.get_context("fork").Value("q", 0)
    shared = [part for part in parts if not part.pinned]
    turns = Turns(len(shared))

    def take() -> Iterator[Section]:
        while (n := turns.take()) is not None:
            yield shared[n]

    def worker() -> _Sent:
        # First what the spare holds, for the prune: this process does not wait for it at the end; and what the
        # cache saves (the site's validation, the views and uptime it derived), which this process would wait for.
        taken = staging.listing() if staging.spare is not None and listed is None else None
        _run(saves or [])
        return _Sent.of(dataclasses.replace(write_sections(take(), staging, count_into=counted, spare_implied=True),
                                            listed=taken))

    def mine() -> Written:
        if saves is not None:
            saves.clear()  # the worker, forked by now, saves them
        return write_sections(itertools.chain((p for p in parts if p.pinned), take()), staging, progress, others=counted)

    mine_written, sent = in_two(worker, mine)
    theirs = sent.taken(staging.spare.intact if staging.spare is not None else None)
    return Written(mine_written.paths + theirs.paths, mine_written.pages + theirs.pages, mine_written.bytes + theirs.bytes,
                   mine_written.keys | theirs.keys, mine_written.digests | theirs.digests, mine_written.reused + theirs.reused,
                   mine_written.identities | theirs.identities, theirs.listed)


@dataclass(frozen=True)
class Prepared:
    """A valid site, ready to render, with what validating it found."""

    site: Site
    theme: Theme
    renderer: PageRenderer
    diagnostics: list[Diagnostic]


def prepare(site_dir: Path, *, base_url: str | None = None, strict: bool = False, now: datetime,
            cache: ValidationCache | None = None, progress: Progress | None = None,
            walked: InChild[Walked] | None = None, changes: Changes | None = None) -> Prepared | list[Diagnostic]:
    """Read, validate and derive; nothing is rendered. The diagnostics alone when the site cannot be built.
    ``walked``, ``changes``: see :func:`build`."""
    compiled = cache.path.parent / "templates" if cache is not None and cache.path is not None else None
    themes: list[tuple[Theme | None, list[Diagnostic]]] = []  # compiled while a forked worker starts validating
    loaded = load_site(site_dir, base_url=base_url, strict=strict, cache=cache, progress=progress,
                       meanwhile=lambda config: themes.append(load_theme(site_dir, config.theme, compiled)),
                       walked=walked.result() if walked is not None and cache is not None else None, changes=changes)
    diagnostics = list(loaded.diagnostics)
    if loaded.site is None or has_errors(diagnostics, strict=strict):
        return diagnostics
    theme, problems = themes[0] if themes else load_theme(site_dir, loaded.site.config.theme, compiled)
    diagnostics += problems
    if theme is None:
        return diagnostics
    renderer = PageRenderer(loaded.site, theme.env, now, fingerprints=loaded.fingerprints,
                            known_views=cache.derived("views") if cache is not None else None,
                            known_uptime=cache.derived("uptime") if cache is not None else None,
                            memo=cache.memo if cache is not None else None)
    # A status page must always publish: an overdue postmortem is reported, never a reason to stop.
    diagnostics = sorted_diagnostics([*diagnostics, *policy_findings(loaded.site, now, renderer.obligations, overdue=Severity.NOTE)])
    return Prepared(loaded.site, theme, renderer, diagnostics)


def start_lister(output: Path, cache: ValidationCache | None) -> Lister | None:
    """A child taking the listing of ``output``'s spare, for the prune, and the check of a restored output's pages,
    while a build with ``cache`` loads the site (see :class:`Lister`); None where there is nothing to list or it
    cannot fork."""
    spare = spare_of(output)
    if cache is None or not can_fork() or not (spare.is_dir() or output.is_dir()):
        return None
    return Lister(spare if spare.is_dir() else None, functools.partial(cache.pages(output).restored, output),
                  cache.memo("folders", lasting=True), output)


def build(site_dir: Path, output: Path | None = None, *, base_url: str | None = None, strict: bool = False,
          now: datetime | None = None, internal: bool = False, parallel: bool | None = None,
          cache: ValidationCache | None = None, progress: Progress | None = None,
          leave: list[object] | None = None, after: list[Callable[[], object]] | None = None,
          walked: InChild[Walked] | None = None, changes: Changes | None = None,
          lister: Lister | None = None) -> BuildResult:
    """Build the site in ``site_dir`` into ``output`` (default ``site_dir/output``,
    or ``site_dir/output-internal`` for an internal build).

    ``parallel`` (default: when the site is large, forking is safe and the build holds little enough
    that a worker's copy of it fits: see :data:`statusgen.parallel.WRITE_IN_TWO_BELOW`) divides
    the rendering between two processes; the output is the same byte for byte.
    ``cache`` keeps what validating each file made, so the next build reads only what changed.
    ``leave``: a list the build puts what it made in (the site, what was derived from it) instead of freeing it,
    for a process that ends right after and need not free it (see :func:`statusgen.cli.run`).
    ``after``: a list the build puts what it would save to disk of ``cache`` and of its page manifest in, instead
    of saving it (here, or in the forked worker before it renders), for a caller that answers first and saves
    after (a warm process: see :class:`statusgen.serve.BuildProcess`); with the saves, what brings the cache's and
    the manifest's memory up to date for the next build (see :meth:`ValidationCache.saved_later`). They must run, in
    order, in this process, before the next build with ``cache``.
    ``walked``: a child taking :func:`statusgen.sources.walk` of ``site_dir`` for this build, started before the build
    was imported (see :func:`statusgen.cli.main`); the build waits for its result, or walks itself without one, and
    ends the child either way.
    ``changes``: what a watcher saw change since an earlier build with ``cache`` (see :class:`statusgen.sources.Changes`):
    a process that builds again and again looks at those files only, when it made that build's walk.
    ``lister``: what :func:`start_lister` started for this output with ``cache`` since the last build into it, if
    anything (a warm process starts it once a file has changed, while the watcher waits for the files to settle);
    else the build starts one. The build ends it either way.
    """
    started = time.perf_counter()
    output = output if output is not None else site_dir / ("output-internal" if internal else "output")
    if now is None:
        now, problem = build_time()
        if problem:
            return BuildResult(False, (problem,))
    spare = spare_of(output)
    if lister is not None and (lister.output != output or cache is None):  # (not this build's)
        lister.close()
        lister = None
    if lister is None:
        lister = start_lister(output, cache)
    try:
        return _build(site_dir, output, base_url=base_url, strict=strict, now=now, internal=internal, parallel=parallel,
                      cache=cache, progress=progress, started=started, spare=spare, lister=lister, leave=leave, after=after,
                      walked=walked, changes=changes)
    finally:
        if lister is not None:
            lister.close()
        if walked is not None:
            walked.close()


def _sitemap(site: Site, pages: list[str], memo: dict[str, Any] | None) -> list[Artifact]:
    """:func:`sitemap`; in a process that builds again and again (``memo``: see
    :meth:`ValidationCache.memo`), the last build's when it listed the same pages (8 ms of a warm rebuild at
    10,000 incidents; the memo goes with the configuration, which gives the addresses)."""
    if memo is None:
        return sitemap(site, pages)
    # As a set, in any order: the two processes' pages come as they take sections. (Pages listed twice: not kept.)
    unique = frozenset(pages)
    listed = unique if len(unique) == len(pages) else None
    if listed is not None and memo.get("pages") == listed:
        return cast(list[Artifact], memo["made"])
    made = sitemap(site, pages)
    memo.update(pages=listed, made=made)
    return made


def _build(site_dir: Path, output: Path, *, base_url: str | None, strict: bool, now: datetime, internal: bool,
           parallel: bool | None, cache: ValidationCache | None, progress: Progress | None, started: float,
           spare: Path, lister: Lister | None, leave: list[object] | None,
           after: list[Callable[[], object]] | None, walked: InChild[Walked] | None,
           changes: Changes | None) -> BuildResult:
    # What the cache saves of validating (and of the views and uptime it derived) is saved by the forked worker, if
    # there is one, while this process writes its pages; else by this process once the pages are written; or, with
    # ``after``, by the caller once it has answered (with what the cache regroups in memory for the next build).
    later: contextlib.AbstractContextManager[list[Callable[[], object]]] = (
        cache.saved_later(here=after is not None) if cache is not None and cache.path is not None
        else contextlib.nullcontext([]))
    with collector_kept_off() as site_made, later as saves:  # see statusgen.collector
        prepared = prepare(site_dir, base_url=base_url, strict=strict, now=now, cache=cache, progress=progress, walked=walked,
                           changes=changes)
        if not isinstance(prepared, Prepared):
            _run(saves, after)
            return BuildResult(False, tuple(prepared))
        if cache is not None:  # exactly what this build made: what it no longer makes is dropped
            renderer = prepared.renderer

            def keep_derived() -> None:
                cache.keep("views", *renderer.views.kept())
                cache.keep("uptime", renderer.kept_uptime.order, renderer.kept_uptime.made)

            if after is not None:  # only the next build uses them: once this one has answered (10 ms at 10,000 incidents)
                after.append(keep_derived)
            else:
                keep_derived()
        else:  # every page is rendered: every view made once, here, rather than by each process that needs it
            prepared.renderer.views.make_all()
        if leave is not None:
            leave.append(prepared)
        site = prepared.site
        if parallel is None:
            parallel = (len(site.incidents) + len(site.maintenances) >= PARALLEL_FROM and can_fork()
                        and worth_writing_in_two())
        # The API and the reports are made by this process, which keeps what they made for the next build.
        fragments = Fragments(cache.derived("api")) if cache is not None else None
        reports = Kept(cache.derived("reports")) if cache is not None else None
        parts = sections(site, prepared.theme, prepared.renderer, now, internal=internal, shares=INCIDENT_SHARES if parallel else 1,
                         fragments=fragments, reports=reports, warm=after is not None)
        manifest, salt = (cache.pages(output), f"{cache.salt}\0{prepared.theme.digest}\0{internal}") if cache else (None, "")
        # The spare as it was listed, its files' identities, and the pages of a restored output found intact.
        taken = lister.result() if lister is not None else None
        if manifest is not None:  # with a cache, the output before this one is kept and updated into the next
            reusable = manifest.previous(salt, output, spare, seen=taken[1] if taken is not None else None,
                                         restored=taken[2] if taken is not None else None)
            staging = Staging(output, spare=reusable.spare, keep=True)
            prepared.renderer.reuse(reusable.keys(spare=staging.spare is not None), str(output))
        else:
            staging = Staging(output)
        listed = taken[0] if taken is not None and staging.spare is not None else None
        site_made()
        try:
            written = write_site(parts, staging, parallel=parallel, progress=progress, listed=listed,
                                 saves=saves if after is None else None)
            maps = _sitemap(site, written.pages, cache.memo("sitemap") if cache is not None else None)
            size = written.bytes + sum(staging.write(artifact) for artifact in maps)
            paths = [*written.paths, *(artifact.path for artifact in maps)]
            check_unique(paths)
            staging.prune(paths, written.listed or listed)
            staging.commit()
        except BaseException:
            staging.discard()
            raise
        # Still inside: the collector would walk the whole site for what these read and make.
        if cache is not None and (viewed := cache.memo("views")) is not None:  # for the next build (see PageRenderer)
            viewed["page keys"] = (str(output), written.keys)
        if cache is not None:
            for kind, made in (("api", fragments), ("reports", reports)):
                if made is not None:
                    cache.keep(kind, made.order, made.made)
        _run(saves, after)  # all of it when no worker took it
        if manifest is not None:
            manifest.record(salt, output, written.keys, written.digests, written.identities | staging.identities,
                            later=after)
    files = len(written.paths) + len(maps) + 1  # the marker file too
    seconds = time.perf_counter() - started
    log.info("wrote %d files to %s in %.2fs", files, output, seconds)
    return BuildResult(True, tuple(prepared.diagnostics), len(written.pages) + 1, files, size, seconds, output, written.reused)
