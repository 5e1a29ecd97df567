"""Typed reads from a parsed TOML document, with diagnostics located at the key."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from statusgen.diagnostics import Diagnostic, did_you_mean, error, warning
from statusgen.durations import parse_duration
from statusgen.sources import ConfigSource
from statusgen.toml_lines import KeyPath, key_lines, line_for


class TomlChecker:
    """Collects diagnostics for one TOML document, locating keys by path.

    Each reader returns the value or the default, and records why it fell back."""

    def __init__(self, source: ConfigSource) -> None:
        self.path = source.path
        self.lines = key_lines(source.text)
        self.diagnostics: list[Diagnostic] = []

    def line(self, path: KeyPath) -> int:
        return line_for(self.lines, path)

    def err(self, path: KeyPath, code: str, message: str) -> None:
        self.diagnostics.append(error(self.path, self.line(path), 1, code, message))

    def warn(self, path: KeyPath, code: str, message: str) -> None:
        self.diagnostics.append(warning(self.path, self.line(path), 1, code, message))

    def unknown_keys(self, table: dict[str, Any], known: set[str], where: KeyPath, label: str) -> None:
        for key in table:
            if key not in known:
                hint = did_you_mean(key, sorted(known))
                self.warn((*where, key), "config-unknown-key",
                          f"unknown key '{key}' in {label}; it is ignored{hint}")

    def string(self, table: dict[str, Any], key: str, where: KeyPath, *, required: bool = False,
               default: str = "") -> str:
        name = dotted((*where, key))
        if key not in table:
            if required:
                self.err(where, "config-missing", f"{name} is required: add '{key} = \"...\"'")
            return default
        value = table[key]
        if not isinstance(value, str):
            self.err((*where, key), "config-type", f"{name} must be a string, found {describe_value(value)}")
            return default
        return value

    def integer(self, table: dict[str, Any], key: str, where: KeyPath, default: int) -> int:
        if key not in table:
            return default
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.err((*where, key), "config-type", f"{dotted((*where, key))} must be a whole number, found {describe_value(value)}")
            return default
        return value

    def duration(self, table: dict[str, Any], key: str, where: KeyPath, default: timedelta | None) -> timedelta | None:
        if key not in table:
            return default
        value = table[key]
        parsed = parse_duration(value) if isinstance(value, str) else None
        if parsed is None:
            self.err((*where, key), "config-type",
                     f"{dotted((*where, key))} must be a duration such as \"30m\", \"2h\" or \"5d\", found {describe_value(value)}")
            return default
        return parsed

    def boolean(self, table: dict[str, Any], key: str, where: KeyPath, default: bool) -> bool:
        if key not in table:
            return default
        value = table[key]
        if not isinstance(value, bool):
            self.err((*where, key), "config-type", f"{dotted((*where, key))} must be true or false, found {describe_value(value)}")
            return default
        return value

    def day(self, table: dict[str, Any], key: str, where: KeyPath) -> date | None:
        """A TOML local date (``2026-01-01``, unquoted), or None when absent."""
        if key not in table:
            return None
        value = table[key]
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        self.err((*where, key), "config-type",
                 f"{dotted((*where, key))} must be a date such as 2026-01-01, found {describe_value(value)}")
        return None

    def strings(self, table: dict[str, Any], key: str, where: KeyPath) -> tuple[str, ...]:
        """A list of non-empty strings (empty when absent)."""
        if key not in table:
            return ()
        value = table[key]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.err((*where, key), "config-type",
                     f"{dotted((*where, key))} must be a list of non-empty strings, found {describe_value(value)}")
            return ()
        return tuple(v.strip() for v in value)


def dotted(path: KeyPath) -> str:
    """``policy.postmortem.severities`` or ``components[2].id``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def describe_value(value: object) -> str:
    """What a wrong value is, for a message: ``the string 'x'``, ``a table``."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"
