"""``statusgen init``: a new status site that builds, checks clean, and deploys.

The files are templates under ``files/`` with ``{name}`` placeholders filled by
plain replacement (the workflow's own ``${{ ... }}`` expressions stay as they are).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib.resources import files
from pathlib import Path

from statusgen.timestamps import iso_utc, utc_text

_SOURCE = files("statusgen.scaffold") / "files"


class InitError(Exception):
    """The target cannot take a new site (it already has one)."""


@dataclass(frozen=True)
class Created:
    """What init wrote, relative to the site directory."""

    paths: tuple[str, ...]


def _fill(name: str, values: dict[str, str]) -> str:
    text = (_SOURCE / name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def init_site(target: Path, *, title: str, base_url: str, install: str, now: datetime) -> Created:
    """Write a new site into ``target`` (created if missing). Refuses to replace
    any file it would write, except that an existing .gitignore is extended."""
    started = (now - timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    first, resolved = started + timedelta(minutes=10), started + timedelta(minutes=40)
    slug = f"{started:%Y-%m-%d}-slow-page-loads"
    values = {
        "title": title.replace("\\", "\\\\").replace('"', '\\"'), "base_url": base_url, "install": install,
        "today": f"{now:%Y-%m-%d}", "started": iso_utc(started), "resolved": iso_utc(resolved),
        "resolved_heading": utc_text(resolved), "first_heading": utc_text(first),
        "start_clock": f"{started:%H:%M}", "end_clock": f"{resolved - timedelta(minutes=5):%H:%M}",
    }
    plan = {
        "statusgen.toml": _fill("statusgen.toml", values),
        f"content/incidents/{slug}.md": _fill("example-incident.md", values),
        "content/postmortems/.gitkeep": "",
        ".gitignore": _fill("gitignore", values),
        ".github/workflows/status.yml": _fill("status.yml", values),
    }
    # An existing .gitignore (a site added to a repository) gains the lines it lacks.
    ignore = target / ".gitignore"
    if ignore.exists():
        have = ignore.read_text(encoding="utf-8")
        missing = [line for line in plan[".gitignore"].splitlines() if line not in have.splitlines()]
        plan[".gitignore"] = have + ("" if have.endswith("\n") or not have else "\n") + "".join(f"{line}\n" for line in missing)
    existing = [rel for rel in plan if rel != ".gitignore" and (target / rel).exists()]
    if existing:
        raise InitError(f"{target} already has {', '.join(existing)}; init only creates new sites")
    for rel, text in plan.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Created(tuple(plan))
