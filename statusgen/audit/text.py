"""A message as the audit reads it: its text, where it sits in its file, and
views with quotations and code blanked out.

Every view has the same length as the text, so a match position in any view
is a position in the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

# A quotation is the writer reporting someone else's words ("a customer wrote:
# 'we think it is down'"): wording rules do not hold the writer to it.
_QUOTED = re.compile(r'"[^"\n]{1,400}"|\u201c[^\u201d]{1,400}\u201d|\u2018[^\u2019\n]{1,400}\u2019')
_BLOCKQUOTE = re.compile(r"^[ \t]*>.*$", re.MULTILINE)
_CODE = re.compile(r"`[^`\n]+`")
# Sentence ends: ., ! or ? before white space; a blank line; the start of a list item or heading.
_BREAK = re.compile(r"(?<=[.!?])[)\"'\u201d\u2019]?\s+|\n[ \t]*\n|\n(?=[ \t]*(?:[-*+]|\d+[.)]|#{1,6})[ \t])")


#: An apology, however worded; whether it names the impact is a separate question.
APOLOGY = re.compile(r"\b(?:apologi[sz]e|apologies|sorry|regret)\b", re.IGNORECASE)
#: The message says what happened: a cause, or what failed. Read by passive-evasion
#: ("an error occurred" with nothing of this kind) and by the resolution's "what happened".
GIVES_CAUSE = re.compile(
    r"\b(?:because|caused|due\s+to|the\s+cause|root\s+cause|triggered|led\s+to|resulted\s+from|after\s+(?:a|an|the|we|our)|"
    r"when\s+(?:a|an|the|we|our)|(?:failure|fault|bug|change|defect|mistake|misconfiguration|problem)\s+(?:in|to|of|on|with)|"
    r"stopped\s+(?:responding|working)|ran\s+out|filled|slowed|overloaded|expired|crashed|failed|broke|"
    r"we\s+(?:made|deployed|released|changed|ran|applied|introduced))\b",
    re.IGNORECASE,
)


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


@dataclass(frozen=True)
class Message:
    """Text from one content file, starting at ``first_line`` of ``path``."""

    path: str
    text: str
    first_line: int

    def where(self, position: int) -> tuple[int, int]:
        """File line and column of a position in the text."""
        line = self.first_line + self.text.count("\n", 0, position)
        column = position - (self.text.rfind("\n", 0, position) + 1) + 1
        return line, column

    @cached_property
    def own_words(self) -> str:
        """The text with quotations, block quotes and code spans blanked: what
        the writer says in their own voice."""
        spans = [m.span() for pattern in (_QUOTED, _BLOCKQUOTE, _CODE) for m in pattern.finditer(self.text)]
        return _blank(self.text, spans)

    def sentences(self, view: str | None = None) -> Iterator[tuple[int, int]]:
        """Spans of the sentences (and list items) of a view of the text."""
        view = self.text if view is None else view
        start = 0
        for match in _BREAK.finditer(view):
            if view[start : match.start()].strip():
                yield start, match.start()
            start = match.end()
        if view[start:].strip():
            yield start, len(view)


def phrase_pattern(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """A case-insensitive, word-bounded pattern for literal phrases (None: no phrases)."""
    parts = [r"\s+".join(re.escape(word) for word in phrase.split()) for phrase in phrases if phrase.strip()]
    if not parts:
        return None
    return re.compile(r"(?<![\w-])(?:" + "|".join(sorted(parts, key=len, reverse=True)) + r")(?![\w-])", re.IGNORECASE)


def quote(text: str, limit: int = 60) -> str:
    """A matched phrase as a message shows it: one line, at most ``limit`` characters."""
    flat = " ".join(text.split())
    return f"'{flat}'" if len(flat) <= limit else f"'{flat[: limit - 1]}\u2026'"
