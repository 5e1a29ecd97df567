"""Python's cyclic garbage collector during a build: kept off what the build holds.

A build makes almost no reference cycles. Validating and loading make frozen
dataclasses, tuples and strings; rendering makes strings; reference counting frees
all of it. The only cycles were the template environment's, about 360 objects
whatever the size of the site (``tests/test_collector.py`` checks that they do not
grow with it), and the page keys'. Yet the collector walks every object the process holds each time
the heap has grown by a quarter, and a build's heap grows from nothing to the whole
site: in a rebuild of the 10,000-incident site, six such walks took 0.8 s of 4.5 s.

So the collector is paused while the site is read, validated and derived, and what
that made is then frozen out of its reach while the pages are written, with the
collector running again for anything else. A forked worker inherits both, so it
does not walk (and copy) the memory it shares with its parent either.

A warm process (``serve``, ``build --watch``) builds again and again, and its
collector, kept off each build, rarely walks the heap in between: so a build leaves
no cyclic garbage at all. The theme's environment is kept while no template or static
file changes (:func:`statusgen.render.theme.load_theme`), and page keys hold no cycle
(:class:`statusgen.render.keys.PageKeys`); a test checks that rebuilds leave nothing.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def collector_kept_off() -> Iterator[Callable[[], None]]:
    """No automatic cyclic collection until the caller calls what this gives, once what it has made will live as
    long as the block: that is then frozen out of the collector's reach, and collection resumes for the rest of the
    block. Leaving the block gives the frozen objects back to the collector and leaves it as it was. Nothing is
    frozen when some other code has frozen objects already: it would be theirs to give back."""
    enabled, froze = gc.isenabled(), False

    def made() -> None:
        nonlocal froze
        if not froze and not gc.get_freeze_count():
            gc.freeze()  # before collection resumes, or its first pass would walk everything made meanwhile
            froze = True
        if enabled:
            gc.enable()

    gc.disable()
    try:
        yield made
    finally:
        if froze:
            gc.unfreeze()
        if enabled:
            gc.enable()
