"""Two processes where it pays: half the work in a forked worker, half here.

A forked child inherits the parent's memory, so the site it works on is never
pickled; only its results come back. Forking is only safe from a process with
one thread (``serve`` and ``build --watch`` run watcher threads, and a fork
taken while another thread holds a lock can deadlock), so :func:`can_fork`
says no there and the work runs in one process, with the same result.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar, cast

Mine = TypeVar("Mine")
Theirs = TypeVar("Theirs")

#: Incidents from which a build divides its work; below it, forking costs more than it saves.
PARALLEL_FROM = 500

# The worker's half, set just before the fork so the child inherits it with everything it refers to.
_THEIRS: Callable[[], object] | None = None


def can_fork() -> bool:
    """True on a system with fork and more than one core, from a single-threaded process."""
    return hasattr(os, "fork") and threading.active_count() == 1 and (os.cpu_count() or 1) > 1


def _run_theirs() -> object:
    assert _THEIRS is not None
    return _THEIRS()


def in_two(theirs: Callable[[], Theirs], mine: Callable[[], Mine]) -> tuple[Mine, Theirs]:
    """Run ``theirs`` in a forked worker while ``mine`` runs here; both results.
    An exception in either is raised here."""
    global _THEIRS
    _THEIRS = theirs
    try:  # unlike multiprocessing.Pool, the executor raises BrokenProcessPool if the worker dies instead of waiting forever
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
            pending = pool.submit(_run_theirs)
            result = mine()
            other = cast(Theirs, pending.result())
    finally:
        _THEIRS = None
    return result, other
