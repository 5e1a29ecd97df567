"""One type for every problem statusgen reports, printed like a compiler."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import PurePosixPath


class Severity(Enum):
    """How serious a diagnostic is. Only errors stop a build (warnings too with --strict)."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A problem found in one place of one file.

    ``path`` is relative to the site directory, in POSIX form, so that the
    printed location can be pasted into an editor or a CI annotation as is.
    ``line`` and ``column`` are 1-based; 0 means "the whole file".
    """

    path: str
    line: int
    column: int
    severity: Severity
    code: str
    message: str

    def format(self) -> str:
        """Render as ``path:line:col: severity: message [code]``."""
        return (
            f"{self.path}:{self.line}:{self.column}: "
            f"{self.severity.value}: {self.message} [{self.code}]"
        )


def error(path: str | PurePosixPath, line: int, column: int, code: str, message: str) -> Diagnostic:
    """Build an error diagnostic."""
    return Diagnostic(str(path), line, column, Severity.ERROR, code, message)


def warning(path: str | PurePosixPath, line: int, column: int, code: str, message: str) -> Diagnostic:
    """Build a warning diagnostic."""
    return Diagnostic(str(path), line, column, Severity.WARNING, code, message)


def note(path: str | PurePosixPath, line: int, column: int, code: str, message: str) -> Diagnostic:
    """Build a note: information that never stops anything."""
    return Diagnostic(str(path), line, column, Severity.NOTE, code, message)


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Order diagnostics by file, then position, so output is stable and readable."""
    return sorted(diagnostics, key=lambda d: (d.path, d.line, d.column, d.code, d.message))


def has_errors(diagnostics: Iterable[Diagnostic], *, strict: bool = False) -> bool:
    """True when the diagnostics must stop the build."""
    stopping = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    return any(d.severity in stopping for d in diagnostics)


def did_you_mean(found: str, choices: Sequence[str]) -> str:
    """A ``; did you mean 'x'?`` suffix when a close match exists, else ''."""
    close = difflib.get_close_matches(found, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def one_of(choices: Iterable[str]) -> str:
    """Format a vocabulary for a message: ``a, b, c``."""
    return ", ".join(choices)
