"""Small incidents for the policy, index, uptime and report tests."""

from __future__ import annotations

POLICY_CONFIG = """\
title = "Example Status"
base_url = "https://status.example.com/"
timezone = "UTC"

[[components]]
id = "api"
name = "API"

[[components]]
id = "web"
name = "Web app"

[[components]]
id = "payments"
name = "Payments"

[policy.postmortem]
components = ["payments"]
effective_from = 2026-03-01

# These fixtures test the postmortem policy; the audit of their one-line
# messages is tested on its own (tests/test_audit_*.py).
[audit.rules]
first-update-incomplete = "off"
resolution-incomplete = "off"
postmortem-incomplete = "off"
update-gap = "off"
stale-incident = "off"
first-update-late = "off"
"""


def incident(*, title: str = "Something broke", severity: str = "sev2", started: str, resolved: str | None,
             components: dict[str, str], changes: list[tuple[str, str]] | None = None, postmortem: str | None = None,
             waived: str | None = None) -> str:
    """An incident file; ``changes`` are (time, 'api=major_outage, ...') updates between start and resolution."""
    lines = ["---", f"title: {title}", f"severity: {severity}", f"state: {'resolved' if resolved else 'investigating'}",
             f"started: {started}"]
    if resolved:
        lines.append(f"resolved: {resolved}")
    if postmortem:
        lines.append(f"postmortem: {postmortem}")
    if waived:
        lines.append(f'postmortem_waived: "{waived}"')
    lines.append("components:")
    lines += [f"  {cid}: {impact}" for cid, impact in components.items()]
    lines += ["---", ""]
    body = []
    if resolved:
        body.append(f"## {resolved[:10]} {resolved[11:16]} UTC — Resolved\n\nResolved.\n")
    for at, change in reversed(changes or []):
        body.append(f"## {at[:10]} {at[11:16]} UTC — Identified\n\nComponents: {change}\n\nWe found it.\n")
    body.append(f"## {started[:10]} {started[11:16]} UTC — Investigating\n\nWe are looking into it.\n")
    return "\n".join(lines) + "\n".join(body)


def postmortem(slug: str, published: str) -> str:
    return f"""---
title: Postmortem for {slug}
incidents: [{slug}]
published: {published}
summary: What happened and what we changed.
---

## What happened

Things.
"""
