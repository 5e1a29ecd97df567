"""Stage 5: pure rendering of the model into artifacts (path + bytes)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Artifact:
    """One output file: a POSIX path relative to the output root, and its bytes.
    ``page`` is the URL path the sitemap lists it under, for listed pages only.
    ``key`` digests what a page was rendered from (see :mod:`statusgen.render.keys`);
    a ``reused`` artifact has no bytes: the previous build's file at ``path`` is still right."""

    path: str
    data: bytes
    page: str | None = None
    key: bytes | None = None
    reused: bool = False
