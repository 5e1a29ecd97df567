"""Audit suppression markers: ``<!-- statusgen-ignore RULE: reason -->``.

A marker sits on a line of its own in a content file's Markdown. It is taken
out of the body before the Markdown is parsed (the line is left blank, so
every other line keeps its number), and it reaches the model as a
:class:`Marker` for the communication audit to honour. Raw HTML is off in
statusgen's Markdown, so without this step the comment would be shown to
readers as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MARKER = re.compile(r"^[ \t]*<!--[ \t]*statusgen-ignore\b(?P<rest>.*?)-->[ \t]*$", re.MULTILINE)
_RULE = re.compile(r"^\s*(?P<rule>[A-Za-z0-9_-]*)\s*(?::\s*(?P<reason>.*?))?\s*$", re.DOTALL)


@dataclass(frozen=True)
class Marker:
    """One suppression as written. ``rule`` or ``reason`` may be empty; the
    audit reports that rather than guessing."""

    line: int
    column: int
    rule: str
    reason: str


def strip_markers(body: str, body_line: int) -> tuple[str, tuple[Marker, ...]]:
    """The body with each marker line blanked, and the markers with file lines."""
    markers: list[Marker] = []

    def blank(match: re.Match[str]) -> str:
        parsed = _RULE.match(match.group("rest"))
        rule = parsed.group("rule") if parsed else ""
        reason = (parsed.group("reason") or "") if parsed else match.group("rest").strip()
        line = body_line + body.count("\n", 0, match.start())
        column = match.group().index("<!--") + 1
        markers.append(Marker(line, column, rule.lower(), reason.strip()))
        return ""

    if "statusgen-ignore" not in body:
        return body, ()
    return _MARKER.sub(blank, body), tuple(markers)
