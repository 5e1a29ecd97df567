"""Edits an engineer makes mid-incident: open, update and resolve incidents,
and start maintenance and postmortem files from templates.

Every edit is a text edit of the lines it changes: comments, key order and
formatting elsewhere in a hand-written file are kept byte for byte. The new
text is validated as ``build`` would validate it before anything is written,
and written atomically (a temporary file renamed over the old one); a refused
edit leaves the file as it was.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from statusgen.config import SiteConfig
from statusgen.diagnostics import Diagnostic, has_errors
from statusgen.model import Impact, Incident, IncidentState, Maintenance, Postmortem, Severity
from statusgen.sources import ContentKind, split_front_matter
from statusgen.timestamps import iso_utc, utc_text
from statusgen.validate import validate_incident, validate_postmortem

FIRST_UPDATE_TEMPLATE = """<<Acknowledge the problem: what customers see, e.g. "Card payments are failing.">>
<<Scope: who or what is affected, e.g. "for customers in the EU".>>
<<What is being done, e.g. "We are investigating.">>"""
"""The first update ``new incident`` writes without -m; its promise is added by :func:`with_promise`."""

MAINTENANCE_TEMPLATE = """---
title: {title}
kind: maintenance
state: scheduled
scheduled_start: {start}
scheduled_end: {end}
components:
{components}
---

## {announced} — Scheduled

<<What will happen, what customers will notice (read-only, brief errors), and what they need to do, if anything.>>
"""

POSTMORTEM_TEMPLATE = """---
title: "<<Title, for example Card payments unavailable on 22 July>>"
incidents: [{incident}]
published: {published}
summary: "<<One or two sentences on what happened and for how long, for listings and feeds>>"
---

## What happened

<<When it started and ended (UTC), who was affected and how: figures, not "many"
or "extended" (duration, share of customers, failed requests). What failed, in
plain words.>>

## Why our safeguards did not stop it

<<Honestly: the missing test, the missing alert, the single point of failure.
No names of people; no blame on suppliers.>>

## What we are doing

- Done: <<what is already fixed, with its date>>
- This week: <<…>>
- Next 30 days: <<…>>
- Next quarter: <<…>>

## Timeline (UTC)

| Time | Event |
|------|-------|
{timeline}
"""


class AuthoringError(Exception):
    """A usage problem: no such incident, a file already exists, a bad value."""


@dataclass(frozen=True)
class Edit:
    """A file's new text, checked, not yet written."""

    path: Path
    relative: str
    text: str
    diagnostics: tuple[Diagnostic, ...]
    item: Incident | Maintenance | Postmortem | None = None
    """The model object the text makes, when it is valid."""

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


def slugify(title: str) -> str:
    """'Payments failing (EU)' -> 'payments-failing-eu'."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:60].rstrip("-") or "incident"


def parse_changes(specs: list[str], config: SiteConfig, allowed: tuple[Impact, ...]) -> list[tuple[str, Impact]]:
    """``api=partial_outage`` options, checked against the site's components."""
    known = [c.id for c in config.components]
    out = []
    for spec in specs:
        cid, _, impact = spec.partition("=")
        if cid not in known:
            raise AuthoringError(f"--component {spec}: '{cid}' is not a component; the site has {', '.join(known)}")
        if impact not in {i.value for i in allowed}:
            raise AuthoringError(f"--component {spec}: impact must be one of {', '.join(i.value for i in allowed)}")
        out.append((cid, Impact(impact)))
    return out


def update_block(at: datetime, state: str, message: str, changes: list[tuple[str, Impact]]) -> str:
    label = state.replace("_", " ").capitalize()
    parts = [f"## {utc_text(at)} — {label}", ""]
    if changes:
        parts += ["Components: " + ", ".join(f"{cid}={impact.value}" for cid, impact in changes), ""]
    parts += [message.strip(), ""]
    return "\n".join(parts) + "\n"


def with_promise(message: str, at: datetime, after: timedelta | None) -> str:
    """The message, ending with "Next update by HH:MM UTC." when ``--next`` asks for it."""
    if after is None:
        return message
    due = at + after
    day = "" if due.date() == at.date() else f"{due:%Y-%m-%d} "
    return f"{message.rstrip()}\n\nNext update by {day}{due:%H:%M} UTC."


def _closing_line(text: str) -> int:
    """The index of the line '---' that closes the front matter (which opens on line 0).
    An edit that disagrees with the validator's reading is refused by it afterwards."""
    lines = text.split("\n")
    closing = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if lines[0].rstrip() != "---" or closing is None:
        raise AuthoringError("the file has no front matter between '---' lines")
    return closing


def _field_pattern(key: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(key)}\s*:(?P<space>\s*)(?P<value>[^#]*?)(?P<rest>\s+#.*)?$")


def field_value(text: str, key: str) -> str | None:
    """A top-level front-matter field's value as written, without its comment."""
    closing = _closing_line(text)
    pattern = _field_pattern(key)
    for line in text.split("\n")[1:closing]:
        if match := pattern.match(line):
            return match.group("value").strip()
    return None


def set_field(text: str, key: str, value: str, *, after: tuple[str, ...] = ()) -> str:
    """Set a top-level front-matter field, keeping its line's trailing comment;
    add it after the first of ``after`` present (else at the end) when missing."""
    lines = text.split("\n")
    closing = _closing_line(text)
    pattern = _field_pattern(key)
    for i in range(1, closing):
        match = pattern.match(lines[i])
        if match:
            lines[i] = f"{key}:{match.group('space') or ' '}{value}{match.group('rest') or ''}"
            return "\n".join(lines)
    index = closing
    for anchor in after:
        found = next((i for i in range(1, closing) if re.match(rf"^{re.escape(anchor)}\s*:", lines[i])), None)
        if found is not None:
            index = found + 1
            break
    lines.insert(index, f"{key}: {value}")
    return "\n".join(lines)


_HEADING = re.compile(r"^## (\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2})", re.MULTILINE)


def insert_update(text: str, block: str) -> str:
    """Add an update where the file's own order puts it: above the newest when
    the timeline is written newest first (the usual order), else at the end."""
    headings = list(_HEADING.finditer(text))
    if not headings:
        return text.rstrip("\n") + "\n\n" + block
    times = [h.group(1).replace("T", " ") for h in headings]
    if len(times) > 1 and times[0] < times[-1]:
        return text.rstrip("\n") + "\n\n" + block
    start = headings[0].start()
    return text[:start] + block + text[start:]


def checked(path: Path, relative: str, text: str, config: SiteConfig | None, *, template: bool = False) -> Edit:
    """Validate a file's would-be text as build does (an incident or maintenance
    file with ``config``, a postmortem without). A ``template``'s placeholders
    are its point: they are left for build and check to refuse, not refused here."""
    kind = ContentKind.INCIDENT if config is not None else ContentKind.POSTMORTEM
    source = split_front_matter(relative, kind, path.stem, text)
    if isinstance(source, Diagnostic):
        return Edit(path, relative, text, (source,))
    item: Incident | Maintenance | Postmortem | None
    if config is not None:
        item, diagnostics = validate_incident(source, config)
    else:
        item, diagnostics, _ = validate_postmortem(source)
    kept = tuple(d for d in diagnostics if not (template and d.code == "placeholder"))
    return Edit(path, relative, text, kept, item)


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder, renamed over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def new_incident_text(title: str, severity: Severity, state: IncidentState, started: datetime,
                      components: list[tuple[str, Impact]], message: str) -> str:
    lines = ["---", f"title: {_yaml_string(title)}", f"severity: {severity.value}", f"state: {state.value}",
             f"started: {iso_utc(started)}", "components:"]
    lines += [f"  {cid}: {impact.value}" for cid, impact in components]
    lines += ["---", "", ""]
    return "\n".join(lines) + update_block(started, state.value, message, [])


def _yaml_string(value: str) -> str:
    """A YAML scalar for a title: plain when safe, else double-quoted."""
    if re.fullmatch(r"[A-Za-z0-9][^:#\n\"'\[\]{},&*!|>%@`]*", value) and not value.endswith(" "):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def maintenance_text(title: str, start: datetime, end: datetime, components: list[str], announced: datetime) -> str:
    return MAINTENANCE_TEMPLATE.format(
        title=_yaml_string(title), start=iso_utc(start), end=iso_utc(end), announced=utc_text(announced),
        components="\n".join(f"  {cid}: under_maintenance" for cid in components),
    )


def postmortem_text(incident_slug: str, published: datetime, timeline: list[tuple[datetime, str]]) -> str:
    rows = "\n".join(f"| {at:%H:%M} | {label} |" for at, label in timeline) or "| <<HH:MM>> | <<event>> |"
    return POSTMORTEM_TEMPLATE.format(incident=incident_slug, published=iso_utc(published), timeline=rows)
