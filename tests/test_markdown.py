"""The one Markdown configuration: raw HTML stays text, and leaving out the raw-HTML rules changes nothing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from statusgen.markdown import _configured, markdown, render

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
