"""The one place that runs the pipeline in order."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from statusgen.check import policy_findings
from statusgen.content import load_site
from statusgen.diagnostics import Diagnostic, Severity, error, has_errors, sorted_diagnostics
from statusgen.render import Artifact
from statusgen.render.api import StatuspageApi, postmortems_api, statusgen_api
from statusgen.render.badges import badge_files
from statusgen.render.calendar import maintenance_calendar
from statusgen.render.feeds import feeds
from statusgen.render.pages import PageRenderer
from statusgen.render.site_files import assets, banner_script, headers, nojekyll, robots, sitemap
from statusgen.render.theme import load_theme
from statusgen.write import write_output

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


def render_site(site_dir: Path, *, base_url: str | None = None, strict: bool = False, now: datetime | None = None,
                internal: bool = False) -> tuple[list[Artifact] | None, list[Diagnostic], int]:
    """Read, validate and render; nothing is written. Returns (artifacts, diagnostics, pages).
    ``internal`` adds the communication report, which the public build never holds."""
    diagnostics: list[Diagnostic] = []
    if now is None:
        now, problem = build_time()
        if problem:
            return None, [problem], 0
    loaded = load_site(site_dir, base_url=base_url, strict=strict)
    diagnostics += loaded.diagnostics
    if loaded.site is None or has_errors(diagnostics, strict=strict):
        return None, diagnostics, 0
    theme, problems = load_theme(site_dir, loaded.site.config.theme)
    diagnostics += problems
    if theme is None:
        return None, diagnostics, 0
    site = loaded.site
    renderer = PageRenderer(site, theme.env, now)
    artifacts = renderer.all()
    artifacts += [sitemap(site, renderer.pages), robots(site), nojekyll(), headers(site), *assets(theme.static)]
    artifacts += feeds(site, now) + StatuspageApi(site, now, renderer.statuses).files() + statusgen_api(site, now)
    artifacts.append(postmortems_api(site, now, renderer.obligations))
    # A status page must always publish: an overdue postmortem is reported, never a reason to stop.
    diagnostics = sorted_diagnostics([*diagnostics, *policy_findings(site, now, renderer.obligations, overdue=Severity.NOTE)])
    artifacts += [maintenance_calendar(site), banner_script(), *badge_files(site, renderer.statuses)]
    if internal:  # the audit's rules are only compiled when asked for
        from statusgen.audit.run import audit
        from statusgen.render.internal import audit_page

        artifacts.append(audit_page(renderer, audit(site, now, renderer.obligations)))
    return artifacts, diagnostics, len(renderer.pages) + 1


def build(site_dir: Path, output: Path | None = None, *, base_url: str | None = None, strict: bool = False,
          now: datetime | None = None, internal: bool = False) -> BuildResult:
    """Build the site in ``site_dir`` into ``output`` (default ``site_dir/output``,
    or ``site_dir/output-internal`` for an internal build)."""
    started = time.perf_counter()
    output = output if output is not None else site_dir / ("output-internal" if internal else "output")
    artifacts, diagnostics, pages = render_site(site_dir, base_url=base_url, strict=strict, now=now, internal=internal)
    if artifacts is None:
        return BuildResult(False, tuple(diagnostics))
    files, size = write_output(output, artifacts)
    seconds = time.perf_counter() - started
    log.info("wrote %d files to %s in %.2fs", files, output, seconds)
    return BuildResult(True, tuple(diagnostics), pages, files, size, seconds, output)
