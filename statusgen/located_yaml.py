"""YAML front matter loaded with the file position of every key and value.

libyaml (through PyYAML's C loader, when present) composes the node graph,
which carries 0-based marks relative to the front matter block. We convert
those to 1-based file lines here, once, so validators never do arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from statusgen.diagnostics import Diagnostic, error

try:  # the C loader is several times faster; it matters with thousands of files
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


@dataclass(frozen=True)
class Entry:
    """A YAML value with its position in the file.

    ``raw`` is the scalar's text as written (for timestamps, which we parse
    ourselves so that an offset is never silently assumed); ``items`` holds a
    mapping's entries and ``elements`` a sequence's.
    """

    value: object
    line: int
    column: int
    raw: str | None = None
    key_line: int = 0
    key_column: int = 0
    items: dict[str, Entry] = field(default_factory=dict)
    elements: tuple[Entry, ...] = ()
    kind: str = "scalar"  # scalar | mapping | sequence


#: The tag of a string: what PyYAML's safe constructor makes of a scalar so tagged is its text as parsed.
_STRING = "tag:yaml.org,2002:str"


def _convert(loader: yaml.SafeLoader, node: yaml.Node, line_base: int, path: str, problems: list[Diagnostic],
             key_line: int = 0, key_column: int = 0) -> Entry:
    """``node`` as an :class:`Entry`; ``key_line`` and ``key_column``: where its key is, as a mapping's value."""
    line = line_base + node.start_mark.line
    column = node.start_mark.column + 1
    if isinstance(node, yaml.MappingNode):
        items: dict[str, Entry] = {}
        for key_node, value_node in node.value:
            at_line = line_base + key_node.start_mark.line
            at_column = key_node.start_mark.column + 1
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(error(path, at_line, at_column, "yaml-key", "a key must be a plain name, not a list or a mapping"))
                continue
            key = str(key_node.value)
            if key in items:
                problems.append(
                    error(path, at_line, at_column, "duplicate-key",
                          f"'{key}' is given twice (first on line {items[key].key_line}); keep one")
                )
                continue
            items[key] = _convert(loader, value_node, line_base, path, problems, at_line, at_column)
        return Entry(value={k: e.value for k, e in items.items()}, line=line, column=column, key_line=key_line,
                     key_column=key_column, items=items, kind="mapping")
    if isinstance(node, yaml.SequenceNode):
        elements = tuple(_convert(loader, child, line_base, path, problems) for child in node.value)
        return Entry(value=[e.value for e in elements], line=line, column=column, key_line=key_line,
                     key_column=key_column, elements=elements, kind="sequence")
    value: object
    if node.tag == _STRING:  # most values: the constructor's dispatch would give the same text
        value = node.value
    else:
        try:
            value = loader.construct_object(node, deep=True)
        except (ValueError, OverflowError, yaml.YAMLError):
            # PyYAML's own resolvers can fail on scalars that merely look like a
            # date (2026-02-30); keep the text and let the field's validator judge it.
            value = str(node.value)
    return Entry(value=value, line=line, column=column, raw=str(node.value), key_line=key_line, key_column=key_column)


def load_front_matter(path: str, text: str, line_base: int, block_end_line: int) -> tuple[Entry | None, list[Diagnostic]]:
    """Parse front matter into a located mapping, or explain why it isn't one.

    ``line_base`` is the file line of YAML line 0; ``block_end_line`` is the
    line of the closing '---', used for problems with the whole block.
    """
    problems: list[Diagnostic] = []
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, [error(path, block_end_line, 1, "front-matter-empty",
                                "front matter is empty: expected YAML fields such as 'title:' between the '---' lines")]
        if not isinstance(node, yaml.MappingNode):
            found = "a list" if isinstance(node, yaml.SequenceNode) else f"the value {node.value!r}"
            return None, [error(path, line_base + node.start_mark.line, node.start_mark.column + 1, "front-matter-type",
                                f"front matter must be a mapping of fields ('name: value' lines), found {found}")]
        entry = _convert(loader, node, line_base, path, problems)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = line_base + mark.line if mark else line_base
        column = mark.column + 1 if mark else 1
        what = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        return None, [error(path, line, column, "yaml-syntax", f"front matter is not valid YAML: {what}{context}")]
    except yaml.YAMLError as exc:
        return None, [error(path, line_base, 1, "yaml-syntax", f"front matter is not valid YAML: {exc}")]
    finally:
        loader.dispose()
    return entry, problems
