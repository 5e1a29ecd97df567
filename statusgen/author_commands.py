"""The authoring commands' glue: options in, one checked edit out.

``new incident``, ``update``, ``resolve``, ``new maintenance`` and ``new
postmortem``. Each reads the site's configuration (not the whole site, so a
broken file elsewhere never blocks an update in the middle of an incident),
builds the new text, prints the communication audit's findings on the new
message (advice, never a block), and writes only when the file validates.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from statusgen.authoring import (
    FIRST_UPDATE_TEMPLATE,
    AuthoringError,
    Edit,
    checked,
    field_value,
    insert_update,
    maintenance_text,
    new_incident_text,
    parse_changes,
    postmortem_text,
    set_field,
    slugify,
    update_block,
    with_promise,
    write_atomically,
)
from statusgen.config import SiteConfig, load_config
from statusgen.diagnostics import Diagnostic
from statusgen.durations import parse_duration
from statusgen.model import INCIDENT_IMPACTS, Impact, Incident, IncidentState, Severity, Site
from statusgen.sources import read_config_source
from statusgen.timestamps import TimestampError, iso_utc, parse_timestamp

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2
_EDITOR_GUIDE = "<!-- Write the update above. Lines in comments like this one are removed. -->\n"


def _config(site_dir: Path) -> SiteConfig:
    source = read_config_source(site_dir)
    if isinstance(source, Diagnostic):
        raise AuthoringError(f"{source.message}: give the site with -s SITE_DIR")
    config, problems = load_config(source)
    if config is None:
        raise AuthoringError("statusgen.toml has errors:\n" + "\n".join(d.format() for d in problems))
    return config


def _moment(text: str | None) -> datetime:
    """--at, read as UTC unless it carries an offset; default now, to the minute."""
    if text is None:
        return datetime.now(UTC).replace(second=0, microsecond=0)
    try:
        return parse_timestamp(text)
    except TimestampError:
        try:
            return parse_timestamp(text.strip() + "Z")
        except TimestampError as exc:
            raise AuthoringError(f"--at {text!r} must be {exc}") from None


def _duration(text: str | None, option: str) -> timedelta | None:
    if text is None:
        return None
    parsed = parse_duration(text)
    if parsed is None:
        raise AuthoringError(f"{option} {text!r} must be a duration such as 30m, 1h or 1h30m")
    return parsed


def read_message(given: str | None, *, required: bool) -> str | None:
    """-m TEXT; -m - reads standard input; none: $VISUAL/$EDITOR on a terminal, else stdin."""
    if given == "-" or (given is None and required and not sys.stdin.isatty()):
        text = sys.stdin.read()
    elif given is not None:
        text = given
    elif not required:
        return None
    else:
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if not editor:
            raise AuthoringError("give the message with -m TEXT, -m - (standard input), or set $EDITOR")
        with tempfile.NamedTemporaryFile("w+", suffix=".md", encoding="utf-8", delete=False) as draft:
            draft.write("\n\n" + _EDITOR_GUIDE)
        try:
            subprocess.run([*shlex.split(editor), draft.name], check=True)
            text = Path(draft.name).read_text(encoding="utf-8")
        except (OSError, subprocess.CalledProcessError) as exc:
            raise AuthoringError(f"the editor ({editor}) failed: {exc}") from None
        finally:
            Path(draft.name).unlink(missing_ok=True)
        text = text.replace(_EDITOR_GUIDE, "")
    text = text.strip()
    if not text:
        raise AuthoringError("the message is empty; nothing was changed")
    return text


def _advise(edit: Edit, at: datetime, config: SiteConfig) -> None:
    """Print the audit's findings on the update posted at ``at``: advice, not a block."""
    from statusgen.audit.run import update_findings
    from statusgen.obligations import obligations

    incident = edit.item if isinstance(edit.item, Incident) else None
    if incident is None:
        return
    site = Site(config, (incident,), (), ())
    index = next(i for i, u in enumerate(incident.updates) if u.at == at)
    for finding in update_findings(site, incident, index, obligations(site, at)[incident.slug].required):
        if config.audit.severity(finding.rule) is not None:
            print(f"advice: {finding.message} [{finding.rule}]", file=sys.stderr)


def _save(edit: Edit, verb: str) -> int:
    if not edit.ok:
        for diagnostic in edit.diagnostics:
            print(diagnostic.format(), file=sys.stderr)
        print(f"statusgen: refused: {edit.relative} would not build; it was left unchanged", file=sys.stderr)
        return EXIT_CONTENT
    write_atomically(edit.path, edit.text)
    print(f"{verb} {edit.relative}")
    return EXIT_OK


def _new_file(site_dir: Path, relative: str) -> Path:
    """Where a new file goes; never over an existing one."""
    path = site_dir / relative
    if path.exists():
        raise AuthoringError(f"{relative} already exists; edit it, or choose another title")
    return path


def _incident_file(site_dir: Path, slug: str) -> tuple[Path, str]:
    relative = f"content/incidents/{slug.removesuffix('.md')}.md"
    path = site_dir / relative
    if not path.is_file():
        raise AuthoringError(f"no incident {slug!r}: {relative} does not exist ('statusgen list' shows the slugs)")
    return path, relative


def run_new_incident(args: argparse.Namespace) -> int:
    config = _config(args.site_dir)
    at = _moment(args.at)
    components = parse_changes(args.component or [], config, INCIDENT_IMPACTS)
    if not components:
        raise AuthoringError("name at least one affected component: --component ID=IMPACT, e.g. --component api=partial_outage")
    state = IncidentState(args.state)
    written = read_message(args.message, required=False)
    template = written is None
    next_after = _duration(args.next, "--next")
    if template:  # a template promises the next update within 30 minutes unless told otherwise
        next_after = next_after or timedelta(minutes=30)
    message = with_promise(written or FIRST_UPDATE_TEMPLATE, at, next_after)
    relative = f"content/incidents/{at:%Y-%m-%d}-{slugify(args.title)}.md"
    path = _new_file(args.site_dir, relative)
    edit = checked(path, relative, new_incident_text(args.title, Severity(args.severity), state, at, components, message),
                   config, template=template)
    if not template:
        _advise(edit, at, config)
    code = _save(edit, "created")
    if code == EXIT_OK and template:
        print("The first update is a template: replace each <<...>> before you push; build and check refuse them.")
    return code


def run_update(args: argparse.Namespace, *, resolve: bool = False) -> int:
    config = _config(args.site_dir)
    path, relative = _incident_file(args.site_dir, args.slug)
    at = _moment(args.at)
    message = read_message(args.message, required=True)
    assert message is not None
    text = path.read_text(encoding="utf-8")
    allowed = (*INCIDENT_IMPACTS, Impact.OPERATIONAL)
    changes = parse_changes(getattr(args, "component", None) or [], config, allowed)
    if resolve:
        state = IncidentState.RESOLVED.value
        text = set_field(text, "resolved", iso_utc(at), after=("started",))
    else:
        message = with_promise(message, at, _duration(args.next, "--next"))
        current = args.state or field_value(text, "state")
        if not current:
            raise AuthoringError("the incident has no state: field; give --state")
        state = str(current)
    text = set_field(text, "state", state, after=("severity", "title"))
    text = insert_update(text, update_block(at, state, message, changes))
    edit = checked(path, relative, text, config)
    _advise(edit, at, config)
    return _save(edit, "resolved" if resolve else "updated")


def run_new_maintenance(args: argparse.Namespace) -> int:
    config = _config(args.site_dir)
    start, now = _moment(args.start), _moment(None)
    length = _duration(args.duration, "--duration")
    assert length is not None
    known = [c.id for c in config.components]
    unknown = [cid for cid in args.component if cid not in known]
    if unknown or not args.component:
        raise AuthoringError(f"--component must name components of this site ({', '.join(known)})")
    relative = f"content/incidents/{start:%Y-%m-%d}-{slugify(args.title)}.md"
    path = _new_file(args.site_dir, relative)
    edit = checked(path, relative, maintenance_text(args.title, start, start + length, args.component, min(now, start)),
                   config, template=True)
    code = _save(edit, "created")
    if code == EXIT_OK:
        print("Replace the <<...>> placeholder with what customers will notice before you push.")
    return code


def run_new_postmortem(args: argparse.Namespace) -> int:
    config = _config(args.site_dir)
    path, _ = _incident_file(args.site_dir, args.incident)
    slug = path.stem
    incident_edit = checked(path, f"content/incidents/{slug}.md", path.read_text(encoding="utf-8"), config)
    incident = incident_edit.item if isinstance(incident_edit.item, Incident) else None
    timeline = [(incident.started, "Incident starts"), *((u.at, f"Update posted: {u.state.label}") for u in incident.updates)] \
        if incident is not None else []
    relative = f"content/postmortems/{slug}.md"
    target = _new_file(args.site_dir, relative)
    edit = checked(target, relative, postmortem_text(slug, _moment(None), timeline), None, template=True)
    code = _save(edit, "created")
    if code == EXIT_OK:
        print(f"Fill in each <<...>>, then add 'postmortem: {slug}' to the incident's front matter.")
    return code


def run(args: argparse.Namespace) -> int:
    """Dispatch an authoring command; usage problems exit 2 with one line."""
    try:
        if args.command == "new":
            return {"incident": run_new_incident, "maintenance": run_new_maintenance, "postmortem": run_new_postmortem}[args.kind](args)
        return run_update(args, resolve=args.command == "resolve")
    except AuthoringError as exc:
        print(f"statusgen: error: {exc}", file=sys.stderr)
        return EXIT_USAGE

