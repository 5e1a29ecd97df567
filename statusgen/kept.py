"""What one build derives and keeps for the next, by a digest of what each value was made from.

Both stages that derive from the model use it: :mod:`statusgen.uptime` keeps the uptime of settled
incidents, and :mod:`statusgen.render` the item views, the API's entries and the reports. The build
hands it what the cache kept (:meth:`statusgen.cache.ValidationCache.derived`) and saves what it made.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol


def ends_run(name: str, every: int) -> bool:
    """Whether the value named ``name`` (a path, a slug) ends its run of values kept together: about one in
    ``every``, chosen by the name alone, so that a value added, removed or changed changes its own run only."""
    return zlib.crc32(name.encode()) % every == 0


#: Past this share of a site's items changed, a warm build derives every item again (see :func:`replaced`).
REPLACED_AT_MOST = 0.1


def replaced(before: Sequence[object], now: Sequence[object],
             made_from: tuple[Sequence[object], Sequence[object]] | None = None) -> list[int] | None:
    """Where ``now`` holds another object than ``before`` (or, with ``made_from``, what each was made from in its
    build and in this one, where that differs): the places of the items a warm build derives again when the others
    are the very objects they were (its load made its site from the last one's, see
    :func:`statusgen.content.load_site`). None when the two differ in length or in more than
    :data:`REPLACED_AT_MOST` of their places."""
    if len(before) != len(now):
        return None
    if made_from is None:
        places = [n for n, item in enumerate(now) if item is not before[n]]
    else:
        then, this = made_from
        places = [n for n, item in enumerate(now) if item is not before[n] or this[n] != then[n]]
    return places if len(places) <= len(now) * REPLACED_AT_MOST else None


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
