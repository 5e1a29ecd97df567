"""The one Markdown configuration: raw HTML stays text, and leaving out the raw-HTML rules changes nothing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it.rules_block.state_block import StateBlock

from statusgen.markdown import _configured, _fast, _inline, _own_rules, _plain, _same_output, _shape, markdown, render

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
#: punctuation, either only what is no inline syntax or every ASCII punctuation mark and pieces of inline syntax.
_WORDS = ["errors", "We", "é", "\u00a0", "—", " ", "  ", "\t", "\n", " \n", "  \n", "\t\n", "\n ", "\n\t", "\n   "]
PROSE = st.one_of(st.lists(st.sampled_from([*_WORDS, *"!\"#$%'()+,-./:;=>?@]^{|}"]), max_size=30).map("".join),
                  st.lists(st.sampled_from([*_WORDS, *"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", "&amp;", "&#35;", "_em_", "*em*",
                                            "`code`", "[a](b)", "<https://example.com>", "~~gone~~", "\\*"]),
                           max_size=30).map("".join))


@settings(max_examples=600, deadline=None)
@given(st.lists(PROSE, min_size=1, max_size=4).map("\n\n".join))
def test_the_plain_text_fast_path_renders_what_markdown_it_does(text: str) -> None:
    """The fast path takes text with no inline syntax; whatever it takes or leaves, the HTML is markdown-it's."""
    assert render(text) == _own_rules().render(text)


def test_the_fast_path_is_taken_for_plain_prose_and_left_for_anything_else() -> None:
    assert markdown() is not _configured()
    tokens = markdown().parse("We are looking into errors: payments fail - some of them.\nMore soon.\n")
    assert [child.type for child in tokens[1].children or []] == ["text"]  # markdown-it's own would be text, softbreak, text
    for syntax in ("*a*", "`a`", "a\\", "[a](b)", "&amp;", "~~a~~", "<a@b.c>", "_a_", "a  \nb", "a\n b"):
        assert not _plain(syntax), syntax
    assert _plain("A plain: sentence - with # and ! and > and ] marks.\nOn two lines.")


#: Lines of every kind that starts, continues or ends a block, and plain lines of prose.
LINES = st.sampled_from([
    "We are looking into it.", "Errors: payments fail", "Zürich is affected", "Word ", "Word\t", "Word\u00a0", "", "", " lead",
    "   three", "    code", "\tTab", "- item", "* item", "+ item", "1. one", "2) two", "# Heading", "## 2026-03-02 14:05 UTC — Fixed",
    "===", "---", "***", "> quote", "```", "~~~", "a | b", "--|--", "| a |", "[ref]: /url", "<div>", "Components: api=operational",
    "___", "_a_", "12 errors", "(note)", "Ünïcode", "\u00a0nbsp",
])


@settings(max_examples=600, deadline=None)
@given(st.lists(LINES, max_size=14).map("\n".join))
def test_the_plain_paragraph_fast_path_gives_markdown_it_s_block_tokens(text: str) -> None:
    """Whatever mix of blocks surrounds a plain paragraph, the block tokens (their lines, which the timeline reads)
    and the HTML are markdown-it's."""
    full = _own_rules()
    assert _shape(markdown().parse(text)) == _shape(full.parse(text))
    assert render(text) == full.render(text)


def test_a_plain_paragraph_is_taken_at_once() -> None:
    calls: list[str] = []
    md = _fast()
    for rule in md.block.ruler.__rules__:
        rule.fn = (lambda fn, name: lambda *args: calls.append(name) or fn(*args))(rule.fn, rule.name)
    md.block.ruler.__compiled__ = None  # the rule chains are cached: make them again from the wrapped rules
    md.parse("We are looking into it.\nMore soon: payments fail.\n\n## 2026-03-02 14:05 UTC — Fixed\n")
    assert calls[0] == "plain_paragraph" and "paragraph" not in calls and "lheading" not in calls
    assert "heading" in calls  # the heading went through markdown-it's rules


def test_a_fast_path_that_renders_differently_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """The probes catch a fast path that would change the HTML or the block tokens (as a later markdown-it
    might), and the parser then goes without them."""
    full = _own_rules()
    assert _same_output(_fast(), full)
    monkeypatch.setattr("statusgen.markdown._SPACED_BREAKS", ())  # would take "hard  \nbreak" as plain text
    assert not _same_output(_fast(), full)
    monkeypatch.undo()
    broken = _fast()
    broken.block.ruler.at("plain_paragraph", lambda state, start, end, silent: False if silent else _one_line(state, start))
    assert not _same_output(broken, full)
    monkeypatch.setattr("statusgen.markdown._same_output", lambda fast, full: False)
    markdown.cache_clear()
    try:
        rules = {rule.name: rule.fn for rule in markdown().core.ruler.__rules__}
        assert rules["inline"] is not _inline
        assert "plain_paragraph" not in markdown().block.ruler.get_active_rules()
    finally:
        monkeypatch.undo()
        markdown.cache_clear()


def _one_line(state: StateBlock, start: int) -> bool:
    """A wrong plain-paragraph rule: takes one line starting with a letter as a whole paragraph."""
    begin = state.bMarks[start]
    if state.parentType != "root" or not state.src[begin:begin + 1].isalpha():
        return False
    state.line = start + 1
    state.push("paragraph_open", "p", 1).map = [start, start + 1]
    inline = state.push("inline", "", 0)
    inline.content, inline.map, inline.children = state.src[begin:state.eMarks[start]], [start, start + 1], []
    state.push("paragraph_close", "p", -1)
    return True
