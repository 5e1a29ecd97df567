"""Stage 5: pure rendering of the model into artifacts (path + bytes)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


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


class Known(Protocol):
    """What an earlier build made, by a digest of what each was made from (the cache's kept item views, API
    entries and reports: :meth:`statusgen.cache.ValidationCache.derived`); None for a digest it does not hold."""

    def get(self, digest: bytes, /) -> object | None: ...

    def __contains__(self, digest: bytes, /) -> bool: ...


@dataclass
class Kept:
    """Values kept from one build to the next (see :meth:`statusgen.cache.ValidationCache.derived`) by a digest of
    what each was made from: ``known``, the last build's; ``made``, this build's, in ``order`` (name, digest)."""

    known: Known | None = None
    made: dict[bytes, object] = field(default_factory=dict)
    order: list[tuple[str, bytes]] = field(default_factory=list)

    def take(self, name: str, digest: bytes | None, make: Callable[[], object], kind: type) -> object:
        """The value named ``name`` made from what digests to ``digest`` (None: unknown, always made): the last
        build's when it kept one of ``kind``, else made; kept for the next build either way."""
        found = self.known.get(digest) if self.known is not None and digest is not None else None
        value = found if isinstance(found, kind) else make()
        if digest is not None:
            self.made[digest] = value
            self.order.append((name, digest))
        return value
