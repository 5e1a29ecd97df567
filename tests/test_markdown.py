"""The one Markdown configuration: raw HTML stays text, and leaving out the raw-HTML rules changes nothing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statusgen.markdown import _configured, _inline, _plain, _same_html, markdown, render

#: Pieces that start, end or look like raw HTML, among ordinary Markdown.
PIECES = st.sampled_from([
    "<div>", "</div>", "<script>alert(1)</script>", "<!-- note -->", "<?php x ?>", "<![CDATA[x]]>", "<!DOCTYPE html>",
    "<b>bold</b>", "<a href=x onclick=y>z</a>", "<img src=x onerror=y>", "<https://example.com>", "<me@example.com>",
    "<", ">", "&amp;", "&lt;", "**", "_", "`", "    ", "\n", "\n\n", "- ", "1. ", "> ", "# ", "| a | b |\n|---|---|\n",
    "```\n", "[x](y)", "text", "~~gone~~", "\\<",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(PIECES, st.text(max_size=12)), max_size=24).map("".join))
def test_leaving_out_the_raw_html_rules_changes_no_output(text: str) -> None:
    """With ``html`` off those rules never claim anything; the parser without them renders what the parser with them does."""
    assert "html_block" in _configured().block.ruler.get_active_rules()
    assert render(text) == _configured().render(text)


def test_raw_html_is_text() -> None:
    assert "html_block" not in markdown().block.ruler.get_active_rules()
    assert "html_inline" not in markdown().inline.ruler.get_active_rules()
    assert render("<script>alert(1)</script>\n\nA <b>b</b>.") == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n<p>A &lt;b&gt;b&lt;/b&gt;.</p>\n")


#: Prose as updates are written: words and spaces, line breaks with and without spaces beside them, and
#: punctuation, either only what is no inline syntax or every ASCII punctuation mark.
_WORDS = ["errors", "We", "é", "\u00a0", "—", " ", "  ", "\t", "\n", " \n", "  \n", "\t\n", "\n ", "\n\t", "\n   "]
PROSE = st.one_of(st.lists(st.sampled_from([*_WORDS, *"!\"#$%'()+,-./:;=>?@]^{|}"]), max_size=30).map("".join),
                  st.lists(st.sampled_from([*_WORDS, *"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"]), max_size=30).map("".join))


@settings(max_examples=600, deadline=None)
@given(st.lists(PROSE, min_size=1, max_size=4).map("\n\n".join))
def test_the_plain_text_fast_path_renders_what_markdown_it_does(text: str) -> None:
    """The fast path takes text with no inline syntax; whatever it takes or leaves, the HTML is markdown-it's."""
    assert render(text) == _configured().disable(["html_block", "html_inline"]).render(text)


def test_the_fast_path_is_taken_for_plain_prose_and_left_for_anything_else() -> None:
    assert markdown() is not _configured()
    tokens = markdown().parse("We are looking into errors: payments fail - some of them.\nMore soon.\n")
    assert [child.type for child in tokens[1].children or []] == ["text"]  # markdown-it's own would be text, softbreak, text
    for syntax in ("*a*", "`a`", "a\\", "[a](b)", "&amp;", "~~a~~", "<a@b.c>", "_a_", "a  \nb", "a\n b"):
        assert not _plain(syntax), syntax
    assert _plain("A plain: sentence - with # and ! and > and ] marks.\nOn two lines.")


def test_a_fast_path_that_renders_differently_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """The probes catch a fast path that would change the HTML (as a later markdown-it might), and the
    parser then goes without it."""
    fast = _configured().disable(["html_block", "html_inline"])
    fast.core.ruler.at("inline", _inline)
    full = _configured().disable(["html_block", "html_inline"])
    assert _same_html(fast, full)
    monkeypatch.setattr("statusgen.markdown._SPACED_BREAKS", ())  # would take "hard  \nbreak" as plain text
    assert not _same_html(fast, full)
    markdown.cache_clear()
    try:
        rules = {rule.name: rule.fn for rule in markdown().core.ruler.__rules__}
        assert rules["inline"] is not _inline
    finally:
        monkeypatch.undo()
        markdown.cache_clear()
