"""``statusgen check`` and ``statusgen lint``: the build's validation, the
postmortem policy's findings, and the communication audit's.

Output formats: ``text`` (compiler style), ``json`` (stable, versioned; see
docs/publication.md) and ``github`` (workflow commands, so findings become
annotations on a pull request).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from statusgen.content import load_site
from statusgen.diagnostics import Diagnostic, Severity, error, has_errors, note, sorted_diagnostics
from statusgen.model import Site
from statusgen.obligations import Obligation, ObligationState, obligations
from statusgen.render.formatting import Formatter

JSON_VERSION = 1


def policy_findings(site: Site, now: datetime, found: dict[str, Obligation], *, overdue: Severity = Severity.ERROR) -> list[Diagnostic]:
    """An overdue postmortem (an error for ``check``, a note for ``build``) and
    a pending one (a note), located at the incident's ``resolved:`` line."""
    day = Formatter(site.config.zone).moment_date_text
    out = []
    for item in found.values():
        incident = item.incident
        if item.state not in (ObligationState.OVERDUE, ObligationState.PENDING) or item.due is None:
            continue
        where = (incident.path, incident.line_of("resolved"), 1)
        if item.state is ObligationState.OVERDUE:
            days = (now - item.due).days
            late = f"{days} day{'s' if days != 1 else ''} ago" if days >= 1 else "less than a day ago"
            message = (f"the postmortem for '{incident.title}' was due by {day(item.due)} ({late}; required: "
                       f"{', '.join(item.reasons)}): publish one in content/postmortems/ naming '{incident.slug}', "
                       f"or add postmortem_waived: \"reason\"")
            out.append(replace(error(*where, "postmortem-overdue", message), severity=overdue))
        else:
            out.append(note(*where, "postmortem-pending",
                            f"the postmortem for '{incident.title}' is due by {day(item.due)} (required: {', '.join(item.reasons)})"))
    return out


def check(site_dir: Path, now: datetime, *, strict: bool = False, only: str | None = None) -> tuple[list[Diagnostic], bool]:
    """Every diagnostic, and whether the check passed. ``only`` (a path
    relative to the site, as diagnostics name it) keeps that file's, and
    passes when that file is clean; when errors elsewhere stop the site from
    loading (so the audit could not run), one note on the file says so."""
    from statusgen.audit.run import audit  # not at module level: build imports this module, and needs no audit

    loaded = load_site(site_dir, strict=strict)
    diagnostics = list(loaded.diagnostics)
    if loaded.site is not None:
        found = obligations(loaded.site, now)
        diagnostics += policy_findings(loaded.site, now, found)
        diagnostics += audit(loaded.site, now, found).diagnostics
    if only is not None:
        elsewhere = sum(d.severity is Severity.ERROR and d.path != only for d in diagnostics)
        diagnostics = [d for d in diagnostics if d.path == only]
        if loaded.site is None and elsewhere:
            diagnostics.append(note(only, 0, 0, "site-not-loaded",
                                    f"{elsewhere} error{'s' if elsewhere != 1 else ''} in other files stopped the site from "
                                    "loading, so this file was only validated, not audited; run statusgen check"))
            return sorted_diagnostics(diagnostics), False
    diagnostics = sorted_diagnostics(diagnostics)
    return diagnostics, loaded.site is not None and not has_errors(diagnostics, strict=strict)


def counts(diagnostics: list[Diagnostic]) -> dict[str, int]:
    return {f"{s.value}s": sum(d.severity is s for d in diagnostics) for s in Severity}


def format_text(diagnostics: list[Diagnostic], ok: bool) -> str:
    lines = [d.format() for d in diagnostics]
    n = counts(diagnostics)
    lines.append(f"{'ok' if ok else 'failed'}: {n['errors']} errors, {n['warnings']} warnings, {n['notes']} notes")
    return "\n".join(lines) + "\n"


def format_json(diagnostics: list[Diagnostic], ok: bool) -> str:
    document = {
        "version": JSON_VERSION, "ok": ok, "counts": counts(diagnostics),
        "diagnostics": [{"file": d.path, "line": d.line, "column": d.column, "severity": d.severity.value,
                         "code": d.code, "message": d.message} for d in diagnostics],
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def format_github(diagnostics: list[Diagnostic], ok: bool) -> str:
    """GitHub Actions workflow commands: ``::error file=…,line=…,col=…,title=…::message``."""
    lines = []
    for d in diagnostics:
        properties = [f"file={_escape_property(d.path)}"]
        if d.line:
            properties.append(f"line={d.line}")
        if d.column:
            properties.append(f"col={d.column}")
        properties.append(f"title={_escape_property(d.code)}")
        lines.append(f"::{_GITHUB_LEVEL[d.severity]} {','.join(properties)}::{_escape_data(d.message)}")
    n = counts(diagnostics)
    lines.append(f"statusgen check {'passed' if ok else 'failed'}: {n['errors']} errors, {n['warnings']} warnings, {n['notes']} notes")
    return "\n".join(lines) + "\n"


FORMATS = {"text": format_text, "json": format_json, "github": format_github}
