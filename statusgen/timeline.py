"""Split an incident body into its lead and its timeline of updates.

Syntax (documented in docs/content-format.md)::

    Optional lead paragraph.

    ## 2026-03-02 14:05 UTC — Identified

    Components: api=degraded_performance, dashboard=operational

    The update's Markdown.

Every second-level heading starts an update. The optional first paragraph
``Components: id=impact, ...`` records impact changes at the update's time;
it is shown as structured text, not as prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from markdown_it.token import Token

from statusgen.diagnostics import Diagnostic, error
from statusgen.markdown import parse, render_tokens
from statusgen.timestamps import TimestampError, parse_timestamp

HEADING_EXAMPLE = "'## 2026-03-02 14:05 UTC — Identified'"
_HEADING = re.compile(
    r"^(?P<when>\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?:UTC|Z|[+-]\d{2}:?\d{2}))?)"
    r"\s+(?:—|–|--|-|\|)\s+(?P<state>\S.*?)\s*$"
)
_COMPONENTS_LINE = re.compile(r"^components\s*:\s*(?P<rest>.*)$", re.IGNORECASE)
_CHANGE = re.compile(r"^\s*(?P<id>[^=\s,]+)\s*=\s*(?P<impact>[^=\s,]+)\s*$")


@dataclass(frozen=True)
class RawChange:
    """``id=impact`` as written; vocabulary is checked by the validator."""

    component: str
    impact: str
    line: int
    column: int


@dataclass(frozen=True)
class RawUpdate:
    """An update whose heading parsed; its state word is not yet checked."""

    at: datetime
    state: str
    line: int
    state_column: int
    markdown: str
    markdown_line: int
    html: str
    changes: tuple[RawChange, ...]


@dataclass(frozen=True)
class Timeline:
    """The body, split: lead HTML and the updates in file order."""

    lead_html: str
    updates: tuple[RawUpdate, ...]


def _slice_lines(lines: list[str], start: int, end: int) -> str:
    return "".join(lines[start:end]).strip("\n")


def _parse_changes(path: str, text: str, line: int, column: int, problems: list[Diagnostic]) -> tuple[RawChange, ...]:
    changes = []
    offset = 0
    for part in text.split(","):
        part_column = column + offset + (len(part) - len(part.lstrip()))
        offset += len(part) + 1
        if not part.strip():
            continue
        match = _CHANGE.match(part)
        if match is None:
            problems.append(error(
                path, line, part_column, "components-line",
                f"component change {part.strip()!r} does not parse: expected 'component=impact', "
                "for example 'Components: api=operational, dashboard=degraded_performance'",
            ))
            continue
        changes.append(RawChange(match.group("id"), match.group("impact"), line, part_column))
    return tuple(changes)


def parse_timeline(path: str, body: str, body_line: int) -> tuple[Timeline, list[Diagnostic]]:
    """Parse a body; report headings that do not parse. Lines are file lines."""
    problems: list[Diagnostic] = []
    tokens = parse(body)
    lines = body.splitlines(keepends=True)
    starts = [i for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h2" and t.level == 0]
    lead_end = starts[0] if starts else len(tokens)
    lead_html = render_tokens(tokens[:lead_end])
    updates: list[RawUpdate] = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(tokens)
        heading = tokens[start + 1]
        heading_map = tokens[start].map or [0, 1]
        heading_line = body_line + heading_map[0]
        raw_line = lines[heading_map[0]] if heading_map[0] < len(lines) else ""
        text_column = raw_line.find(heading.content) + 1 if heading.content else 1
        match = _HEADING.match(heading.content)
        if match is None:
            problems.append(error(
                path, heading_line, max(text_column, 1), "update-heading",
                f"update heading {heading.content!r} does not parse: expected "
                f"'YYYY-MM-DD HH:MM UTC — State', for example {HEADING_EXAMPLE}",
            ))
            continue
        try:
            at = parse_timestamp(match.group("when"))
        except TimestampError as exc:
            problems.append(error(
                path, heading_line, max(text_column, 1), "update-time",
                f"update heading time {match.group('when')!r} must be {exc}",
            ))
            continue
        content: list[Token] = tokens[start + 3 : end]
        changes: tuple[RawChange, ...] = ()
        if len(content) >= 3 and content[0].type == "paragraph_open" and content[1].map is not None:
            inline = content[1]
            first = _COMPONENTS_LINE.match(inline.content)
            if first is not None and "\n" not in inline.content:
                assert inline.map is not None
                change_line = body_line + inline.map[0]
                source_line = lines[inline.map[0]]
                rest_column = source_line.find(first.group("rest")) + 1 if first.group("rest") else len(source_line)
                changes = _parse_changes(path, first.group("rest"), change_line, rest_column, problems)
                if not changes and not any(p.line == change_line for p in problems):
                    problems.append(error(path, change_line, 1, "components-line",
                                          "'Components:' names no change: expected 'component=impact, ...'"))
                content = content[3:]
        first_line = next((t.map[0] for t in content if t.map is not None), None)
        end_map = tokens[end].map if end < len(tokens) else None
        end_line = end_map[0] if end_map is not None else len(lines)
        markdown_text = _slice_lines(lines, first_line, end_line) if first_line is not None else ""
        updates.append(RawUpdate(
            at=at,
            state=match.group("state"),
            line=heading_line,
            state_column=max(text_column, 1) + match.start("state"),
            markdown=markdown_text,
            markdown_line=body_line + (first_line if first_line is not None else heading_map[1]),
            html=render_tokens(content),
            changes=changes,
        ))
    return Timeline(lead_html, tuple(updates)), problems
