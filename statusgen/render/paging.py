"""Fixed-size pages for lists that grow with the history (pure).

A component's incidents, the postmortem archive, the publication index and a
busy month all grow for as long as the company exists; no page may. Each list
is cut into pages of :data:`PER_PAGE` items, newest first: the first page
keeps the list's own URL (``components/api/``) and the rest follow it
(``components/api/page/2/``), so links into the first page never break.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

#: Items per page: enough to scan a month of a busy service, small enough to stay light.
PER_PAGE = 50


@dataclass(frozen=True)
class Pager:
    """Where one page sits in its list: page ``number`` of ``count``."""

    base: str
    number: int
    count: int
    total: int

    def url(self, number: int) -> str:
        """The page URL path of page ``number`` of this list."""
        return self.base if number == 1 else f"{self.base}page/{number}/"

    @property
    def page(self) -> str:
        return self.url(self.number)

    @property
    def newer(self) -> str | None:
        return self.url(self.number - 1) if self.number > 1 else None

    @property
    def older(self) -> str | None:
        return self.url(self.number + 1) if self.number < self.count else None


def paginate(base: str, items: Sequence[T], per_page: int = PER_PAGE) -> list[tuple[Pager, Sequence[T]]]:
    """Cut ``items`` into pages; an empty list still has its (empty) first page."""
    count = max(1, -(-len(items) // per_page))
    return [(Pager(base, n + 1, count, len(items)), items[n * per_page:(n + 1) * per_page]) for n in range(count)]
