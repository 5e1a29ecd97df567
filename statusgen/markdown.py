"""The one Markdown configuration statusgen uses.

CommonMark with tables and strikethrough; raw HTML is *off*, so ``<script>``
in a content file comes out as text. markdown-it's link validation already
refuses ``javascript:``, ``vbscript:`` and ``data:`` (except images) URLs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token

log = logging.getLogger(__name__)

#: A character one of the enabled inline rules starts at: escape, code span, strikethrough, emphasis,
#: link or image, autolink, entity. Inline text with none of these is plain text to markdown-it...
_INLINE_SYNTAX = re.compile(r"[\\`~*_\[<&]")
#: ... unless a space or tab stands beside a line break (a hard break, or spaces the break rule trims).
_SPACED_BREAKS = (" \n", "\t\n", "\n ", "\n\t")

#: Inline text the fast path must render as markdown-it does, checked when the parser is made.
_PROBES = (
    "", "plain", "two\nlines", "trailing \nspace", "hard  \nbreak", "tab\t\nend", "lead\n  ing", "a: b - c # d = e + f % g",
    "*em* _em_ **strong**", "~~gone~~", "`code`", "[link](https://example.com)", "![img](x.png)", "<https://example.com>",
    "&amp; &copy; &#35;", "back\\*slash", "end!", "colon: here\nand there", "ünïcödé\u00a0text\nsecond", "a]b) c>d \"q\" 'q'",
)


def _plain(content: str) -> bool:
    return _INLINE_SYNTAX.search(content) is None and not any(spaced in content for spaced in _SPACED_BREAKS)


def _inline(state: StateCore) -> None:
    """markdown-it's core ``inline`` rule, except for plain text (see :func:`_plain`), most of an update's prose.

    markdown-it would try every inline rule at each punctuation mark, and make a text token of each line with
    a soft break between: half the time of parsing a body. Plain text gets one text token holding its lines
    instead, which renders to the same HTML (a soft break renders as the line break it stands for); nothing in
    statusgen reads an inline token's children but the renderer."""
    md = state.md
    for token in state.tokens:
        if token.type == "inline":
            if token.children is None:
                token.children = []
            if _plain(token.content):
                if token.content:
                    text = Token("text", "", 0)
                    text.content = token.content
                    token.children.append(text)
            else:
                md.inline.parse(token.content, md, state.env, token.children)


def _configured() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


def _same_html(fast: MarkdownIt, full: MarkdownIt) -> bool:
    """Whether the fast path renders every probe as markdown-it does (a later markdown-it could differ)."""
    for probe in _PROBES:
        if fast.render(probe) != full.render(probe):
            log.debug("inline fast path off: %r parses differently", probe)
            return False
    return True


@lru_cache(maxsize=1)
def markdown() -> MarkdownIt:
    """The shared parser (building one costs more than parsing a file).

    With ``html`` off, markdown-it's two raw-HTML rules still run at every line and every ``<`` and always
    answer "not mine"; taking them out of the chains changes no output (a property test compares) and
    parses a body about 5% faster, on the cold build's largest part. Inline text with no inline syntax
    takes a fast path (:func:`_inline`), used only when it renders a set of probes as markdown-it does."""
    md = _configured().disable(["html_block", "html_inline"])
    fast = _configured().disable(["html_block", "html_inline"])
    fast.core.ruler.at("inline", _inline)
    return fast if _same_html(fast, md) else md


def parse(text: str) -> list[Token]:
    """Block tokens of ``text``; their ``map`` lines are relative to it."""
    return markdown().parse(text)


def render_tokens(tokens: Sequence[Token]) -> str:
    """HTML for a run of tokens from :func:`parse`."""
    md = markdown()
    html: str = md.renderer.render(list(tokens), md.options, {})
    return html


def render(text: str) -> str:
    """HTML for a whole Markdown text."""
    html: str = markdown().render(text)
    return html
