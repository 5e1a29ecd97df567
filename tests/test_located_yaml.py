"""Front matter loaded with positions: the values are PyYAML's own, and every entry knows its line."""

from __future__ import annotations

from datetime import date, datetime

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from statusgen.located_yaml import Entry, load_front_matter

#: Scalars as written, of every kind the safe loader resolves: plain and quoted text, numbers, booleans,
#: nulls, dates and times, explicit tags, text that only looks like a date, and characters YAML treats apart.
SCALARS = (
    "investigating", "Elevated API error rates", "'quoted: text'", '"double \\"quoted\\""', "''", "12", "-3", "0x1f",
    "1.5", ".inf", "1e3", "true", "no", "On", "null", "~", "", "2026-03-02", "2026-03-02T14:05:00Z",
    "2026-03-02 14:05 UTC", "2026-02-30", "2026-03-02T25:00:00Z", "!!str 42", "!!int '7'", "1:30", "api=degraded",
    "a # comment", "ünïcödé", "<script>", "|-\n    two\n    lines", ">\n    folded\n    text",
)

KEYS = st.sampled_from(["title", "state", "started", "resolved", "summary", "kind", "postmortem", "x_1"])


@st.composite
def front_matter(draw: st.DrawFn) -> tuple[str, dict[str, int]]:
    """A mapping as text, and the line (1-based, in the text) of each top-level key."""
    lines: list[str] = []
    key_lines: dict[str, int] = {}
    for key in draw(st.lists(KEYS, min_size=1, max_size=6, unique=True)):
        key_lines[key] = sum(line.count("\n") + 1 for line in lines) + 1  # a block scalar spans lines
        shape = draw(st.sampled_from(["scalar", "mapping", "sequence", "flow"]))
        if shape == "scalar":
            lines.append(f"{key}: {draw(st.sampled_from(SCALARS))}".rstrip())
        elif shape == "mapping":
            lines.append(f"{key}:")
            for sub in draw(st.lists(st.sampled_from(["api", "web", "db", "2026"]), min_size=1, max_size=3, unique=True)):
                lines.append(f"  {sub}: {draw(st.sampled_from(SCALARS[:20]))}".rstrip())
        elif shape == "sequence":
            lines.append(f"{key}:")
            lines += [f"  - {value}".rstrip() for value in draw(st.lists(st.sampled_from(SCALARS[:20]), min_size=1, max_size=3))]
        else:
            lines.append(f"{key}: [{', '.join(draw(st.lists(st.sampled_from(['a', '1', 'true', 'b c']), max_size=3)))}]")
    return "\n".join(lines) + "\n", key_lines


def expected(text: str) -> object:
    """PyYAML's own reading of ``text``, scalar by scalar, so that a date it cannot make stays text."""
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    loader = yaml.CSafeLoader("")

    def build(n: yaml.Node) -> object:
        if isinstance(n, yaml.MappingNode):
            return {str(k.value): build(v) for k, v in n.value}
        if isinstance(n, yaml.SequenceNode):
            return [build(v) for v in n.value]
        try:
            return loader.construct_object(n, deep=True)
        except (ValueError, OverflowError, yaml.YAMLError):
            return str(n.value)

    return build(node)


@settings(max_examples=300, deadline=None)
@given(front_matter())
def test_values_are_pyyamls_and_every_key_knows_its_line(case: tuple[str, dict[str, int]]) -> None:
    text, key_lines = case
    entry, problems = load_front_matter("content/incidents/x.md", text, 2, 2 + text.count("\n"))
    assert entry is not None and not problems
    assert entry.value == expected(text)
    for key, line in key_lines.items():
        item = entry.items[key]
        assert (item.key_line, item.key_column) == (line + 1, 1)  # line_base 2 is the text's first line
        assert item.line in (line + 1, line + 2)  # on the key's line, or the next for a block


def test_strings_dates_and_failed_dates() -> None:
    text = "title: 2026-02-30\nstarted: 2026-03-02\nat: 2026-03-02T14:05:00Z\nn: !!str 42\nq: '7'\n"
    entry, problems = load_front_matter("x.md", text, 1, 7)
    assert entry is not None and not problems
    assert entry.value["title"] == "2026-02-30"  # type: ignore[index]
    assert entry.items["title"].raw == "2026-02-30"
    assert entry.value["started"] == date(2026, 3, 2)  # type: ignore[index]
    assert isinstance(entry.value["at"], datetime)  # type: ignore[index]
    assert entry.value["n"] == "42" and entry.value["q"] == "7"  # type: ignore[index]
    assert isinstance(entry.items["n"], Entry) and entry.items["n"].key_line == 4
