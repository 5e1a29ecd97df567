"""Reading typed fields out of located front matter, with diagnostics."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import Enum
from typing import TypeVar

from statusgen.diagnostics import Diagnostic, did_you_mean, error, one_of, warning
from statusgen.located_yaml import Entry
from statusgen.timestamps import TimestampError, parse_timestamp

E = TypeVar("E", bound=Enum)


def describe(entry: Entry) -> str:
    """What a value is, for 'expected X (got Y)' messages."""
    if entry.kind == "mapping":
        return "a mapping"
    if entry.kind == "sequence":
        return "a list"
    value = entry.value
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return repr(value)
    return f"{entry.raw}" if entry.raw is not None else repr(value)


class FieldReader:
    """Reads the fields of one file's front matter, collecting diagnostics."""

    def __init__(self, path: str, root: Entry, known: Sequence[str]) -> None:
        self.path = path
        self.root = root
        self.known = known
        self.diagnostics: list[Diagnostic] = []

    def err(self, line: int, column: int, code: str, message: str) -> None:
        self.diagnostics.append(error(self.path, line, column, code, message))

    def warn(self, line: int, column: int, code: str, message: str) -> None:
        self.diagnostics.append(warning(self.path, line, column, code, message))

    def at(self, key: str) -> Entry | None:
        return self.root.items.get(key)

    def unknown_fields(self, not_allowed: dict[str, str] | None = None) -> None:
        """Warn on unknown fields; error on fields that do not apply here."""
        for key, entry in self.root.items.items():
            if not_allowed and key in not_allowed:
                self.err(entry.key_line, entry.key_column, "field-not-allowed", not_allowed[key])
            elif key not in self.known:
                self.warn(entry.key_line, entry.key_column, "unknown-field",
                          f"unknown field '{key}'; it is ignored{did_you_mean(key, self.known)}")

    def missing(self, key: str, example: str) -> None:
        self.err(1, 1, "missing-field", f"{key} is required: add '{key}: {example}' to the front matter")

    def string(self, key: str, *, required: bool = False, example: str = "...") -> str | None:
        entry = self.at(key)
        if entry is None or entry.value is None:
            if required:
                self.missing(key, example)
            return None
        if entry.kind != "scalar" or not isinstance(entry.value, str):
            if entry.kind == "scalar" and entry.raw is not None and not isinstance(entry.value, bool | type(None)):
                # a number or date written where text is expected: take the text as written
                return entry.raw
            self.err(entry.line, entry.column, "field-type", f"{key} must be text (got {describe(entry)})")
            return None
        if required and not entry.value.strip():
            self.err(entry.line, entry.column, "field-empty", f"{key} must not be empty")
            return None
        return entry.value

    def choice(self, key: str, enum: type[E], allowed: Iterable[E] | None = None, *,
               required: bool = False, example: str = "...") -> E | None:
        entry = self.at(key)
        values = list(allowed) if allowed is not None else list(enum)
        names = [v.value for v in values]
        if entry is None or entry.value is None:
            if required:
                self.missing(key, example)
            return None
        text = entry.raw if entry.kind == "scalar" else None
        if text is None or text not in names:
            found = describe(entry)
            hint = did_you_mean(text, names) if text else ""
            self.err(entry.line, entry.column, f"{key}-value",
                     f"{key} must be one of {one_of(names)} (got {found}){hint}")
            return None
        return enum(text)

    def timestamp(self, key: str, *, required: bool = False) -> datetime | None:
        entry = self.at(key)
        if entry is None or entry.value is None:
            if required:
                self.missing(key, "2026-03-02T14:05:00Z")
            return None
        if entry.kind != "scalar" or entry.raw is None:
            self.err(entry.line, entry.column, "timestamp", f"{key} must be a date and time with an offset (got {describe(entry)})")
            return None
        try:
            return parse_timestamp(entry.raw)
        except TimestampError as exc:
            self.err(entry.line, entry.column, "timestamp", f"{key} must be {exc} (got {entry.raw!r})")
            return None
