"""Stage 5: pure rendering of the model into artifacts (path + bytes)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Artifact:
    """One output file: a POSIX path relative to the output root, and its bytes."""

    path: str
    data: bytes
