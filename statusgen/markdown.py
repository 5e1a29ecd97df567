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
from markdown_it.rules_block.state_block import StateBlock
from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token

log = logging.getLogger(__name__)

#: A character one of the enabled inline rules starts at: escape, code span, strikethrough, emphasis,
#: link or image, autolink, entity. Inline text with none of these is plain text to markdown-it...
_INLINE_SYNTAX = re.compile(r"[\\`~*_\[<&]")
#: ... unless a space or tab stands beside a line break (a hard break, or spaces the break rule trims).
_SPACED_BREAKS = (" \n", "\t\n", "\n ", "\n\t")

#: Markdown the fast paths must parse and render as markdown-it does, checked when the parser is made.
_PROBES = (
    "", "plain", "two\nlines", "trailing \nspace", "hard  \nbreak", "tab\t\nend", "lead\n  ing", "a: b - c # d = e + f % g",
    "*em* _em_ **strong**", "~~gone~~", "`code`", "[link](https://example.com)", "![img](x.png)", "<https://example.com>",
    "&amp; &copy; &#35;", "back\\*slash", "end!", "colon: here\nand there", "ünïcödé\u00a0text\nsecond", "a]b) c>d \"q\" 'q'",
    "One\ntwo\n\nThree", "Words \n", "Words\u00a0\n\nMore", "Title\n===", "Title\n---", "Words\n- item", "Words\n1. item",
    "Words\n# Heading", "Words\n> quote", "Words\n```\ncode\n```", "Words\n    indented", "Words\n\tTab", "a | b\n--|--\nc | d",
    "Head | er\n-- | --", "- item\n  lazy\nText", "> quote\nlazy text", "1. one\n\n   Text", "Text\n***", "Text\n[ref]: /url",
    "## 2026-03-02 14:05 UTC — Identified\n\nComponents: api=degraded_performance\n\nWe are looking.\nMore soon.\n",
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


def _plain_paragraph(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A paragraph at the top level whose every line starts with a letter, unindented, and which does not end
    in a space: no block but a paragraph can start at such a line, or end it, so markdown-it's paragraph rule
    would take it, after trying each other block rule at its first line and the rules that can end a
    paragraph at every line after (twice: a setext heading's rule scans it first). This makes the same tokens
    at once. Anything else is left to markdown-it's rules."""
    if silent or state.parentType != "root" or state.blkIndent:
        return False
    src, begins, ends = state.src, state.bMarks, state.eMarks
    line = start
    while line < end and begins[line] < ends[line]:
        if not src[begins[line]].isalpha():  # the line's first character, before any indentation
            return False
        line += 1
    if line == start or src[ends[line - 1] - 1].isspace():
        return False
    state.line = line
    state.push("paragraph_open", "p", 1).map = [start, line]
    inline = state.push("inline", "", 0)
    inline.content, inline.map, inline.children = src[begins[start]:ends[line - 1]], [start, line], []
    state.push("paragraph_close", "p", -1)
    return True


def _configured() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


def _own_rules() -> MarkdownIt:
    """The configuration with markdown-it's own rules, less the two raw-HTML ones: what the fast paths must match."""
    return _configured().disable(["html_block", "html_inline"])


def _shape(tokens: Sequence[Token]) -> list[tuple[object, ...]]:
    """What :mod:`statusgen.timeline` reads of block tokens: everything but an inline token's children."""
    return [(t.type, t.tag, t.nesting, t.map, t.level, t.content, t.markup, t.info, t.attrs, t.block, t.hidden) for t in tokens]


def _same_output(fast: MarkdownIt, full: MarkdownIt) -> bool:
    """Whether the fast paths give every probe markdown-it's own block tokens and HTML (a later markdown-it could differ)."""
    for probe in _PROBES:
        mine, theirs = fast.parse(probe), full.parse(probe)  # parsed once each, then rendered from the tokens
        if _shape(mine) != _shape(theirs) or _render_with(fast, mine) != _render_with(full, theirs):
            log.debug("Markdown fast paths off: %r parses differently", probe)
            return False
    return True


def _fast() -> MarkdownIt:
    fast = _own_rules()
    fast.block.ruler.before("table", "plain_paragraph", _plain_paragraph)
    fast.core.ruler.at("inline", _inline)
    return fast


@lru_cache(maxsize=1)
def markdown() -> MarkdownIt:
    """The shared parser (building one costs more than parsing a file).

    With ``html`` off, markdown-it's two raw-HTML rules still run at every line and every ``<`` and always
    answer "not mine"; taking them out of the chains changes no output (a property test compares) and
    parses a body about 5% faster, on the cold build's largest part. Plain paragraphs and inline text with no
    inline syntax take fast paths (:func:`_plain_paragraph`, :func:`_inline`), used only when they give a set
    of probes markdown-it's own block tokens and HTML."""
    md = _own_rules()
    fast = _fast()
    return fast if _same_output(fast, md) else md


def parse(text: str) -> list[Token]:
    """Block tokens of ``text``; their ``map`` lines are relative to it."""
    return markdown().parse(text)


def _render_with(md: MarkdownIt, tokens: Sequence[Token]) -> str:
    """HTML for a run of tokens that ``md`` parsed."""
    html: str = md.renderer.render(list(tokens), md.options, {})
    return html


def render_tokens(tokens: Sequence[Token]) -> str:
    """HTML for a run of tokens from :func:`parse`."""
    return _render_with(markdown(), tokens)


def render(text: str) -> str:
    """HTML for a whole Markdown text."""
    html: str = markdown().render(text)
    return html
