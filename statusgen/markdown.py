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


@lru_cache(maxsize=1)
def markdown() -> MarkdownIt:
    """The shared parser (building one costs more than parsing a file)."""
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


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
