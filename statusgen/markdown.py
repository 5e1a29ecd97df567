"""The one Markdown configuration statusgen uses.

CommonMark with tables and strikethrough; raw HTML is *off*, so ``<script>``
in a content file comes out as text. markdown-it's link validation already
refuses ``javascript:``, ``vbscript:`` and ``data:`` (except images) URLs.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token


def _configured() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


@lru_cache(maxsize=1)
def markdown() -> MarkdownIt:
    """The shared parser (building one costs more than parsing a file).

    With ``html`` off, markdown-it's two raw-HTML rules still run at every line and every ``<`` and always
    answer "not mine"; taking them out of the chains changes no output (a property test compares) and
    parses a body about 5% faster, on the cold build's largest part."""
    return _configured().disable(["html_block", "html_inline"])


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
