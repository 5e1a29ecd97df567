"""Two processes where it pays: half the work in a forked worker, half here.

A forked child inherits the parent's memory, so the site it works on is never
pickled; only its results come back. Forking is only safe from a process with
one thread (a fork taken while another thread holds a lock can deadlock), so
:func:`statusgen.child.can_fork` says no in a process with others and the work runs in one
process, with the same result. (``serve`` and ``build --watch`` run watcher and
server threads, so they build in a process of their own, started before those:
:class:`statusgen.serve.BuildProcess`.)
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import multiprocessing
import os
import pickle
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.sharedctypes import Synchronized
from typing import TypeVar, cast

from statusgen.child import InChild

Mine = TypeVar("Mine")
Theirs = TypeVar("Theirs")

#: Incidents from which a build divides its work; below it, forking costs more than it saves.
PARALLEL_FROM = 500

# The worker's share, set just before the fork so the child inherits it with everything it refers to.
_THEIRS: Sequence[Callable[[], object]] = ()


#: A forked worker ends up with its own copy of most of the site it renders from (reading an object writes
#: its reference count, and the kernel then copies the memory page it is on), so writing in two processes
#: takes about twice what the build holds once the site is prepared. From this much, the build writes in one
#: process: at 100,000 incidents it holds about 1 GB, and two processes peaked above 2 GB.
WRITE_IN_TWO_BELOW = 640 * 2**20


def resident_bytes() -> int | None:
    """This process's resident memory (Linux); None where it cannot be read."""
    try:
        with open("/proc/self/statm") as stream:
            pages = int(stream.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def worth_writing_in_two() -> bool:
    """Whether a forked worker's copy of what this process holds leaves the build within its memory."""
    release_free_memory()
    held = resident_bytes()
    return held is None or held < WRITE_IN_TWO_BELOW


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None on a C library without it."""
    name = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    return cast(Callable[[int], int], trim) if trim is not None else None


def release_free_memory() -> None:
    """Give the pages of the C heap that freed objects left empty back to the system.

    Validating a large site frees far more than it keeps (the files' text, the Markdown
    parser's tokens), and so does each part of the output; glibc keeps those pages. A
    forked worker shares them, and both processes copy every one they allocate into:
    trimming before the fork and between parts takes a quarter off the two processes'
    peak on a 10,000-incident site. A few milliseconds; nothing where there is no glibc.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


class Turns:
    """The next of ``count`` pieces of work to whichever of two processes asks first: made before the fork,
    shared with the forked worker, so that each takes the next piece when it is free and both finish together."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._taken: Synchronized[int] = multiprocessing.get_context("fork").Value("q", 0)

    def take(self) -> int | None:
        """The next piece's index, or None when every piece is taken."""
        with self._taken.get_lock():
            n = self._taken.value
            if n >= self.count:
                return None
            self._taken.value = n + 1
        return n

    def taken(self) -> int:
        """How many pieces either process has taken so far."""
        return min(self._taken.value, self.count)


def _run_theirs(part: int) -> object:
    return _THEIRS[part]()


def _outcome(work: Callable[[], object]) -> bytes:
    """What ``work`` returned, or what it raised, pickled: or, when that cannot be pickled, a description of it."""
    try:
        outcome: tuple[bool, object] = (True, work())
    except BaseException as exc:  # raised again where the work was asked for
        outcome = (False, exc)
    try:
        return pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:
        return pickle.dumps((False, RuntimeError(f"the worker's {'result' if outcome[0] else 'error'} "
                                                 f"could not be sent back: {exc!r} ({outcome[1]!r})")))


class WorkerDied(RuntimeError):
    """The forked worker of :func:`in_two` ended without a result (killed, out of memory)."""


def in_two(theirs: Callable[[], Theirs], mine: Callable[[], Mine]) -> tuple[Mine, Theirs]:
    """Run ``theirs`` in a forked worker while ``mine`` runs here; both results.
    An exception in either is raised here; a worker that dies raises :class:`WorkerDied`.

    A bare fork (see :class:`statusgen.child.InChild`), not a process pool: the worker ends as soon as it has
    written its result, and the result is read as soon as this process is done. A pool's thread that hands the result over and the pool's
    shutdown, which waits for the worker to end, took about 30 ms of each build that writes in two processes."""
    release_free_memory()
    worker = InChild(functools.partial(_outcome, theirs))
    try:
        result = mine()
        data = worker.result()
    finally:
        worker.close()  # (a worker still writing when this process raised is ended)
    if data is None:
        raise WorkerDied("the forked worker ended without a result")
    done, value = pickle.loads(data)
    if not done:
        raise cast(BaseException, value)
    return result, cast(Theirs, value)


def in_two_parts(theirs: Sequence[Callable[[], Theirs]], mine: Callable[[], Mine]) -> tuple[Mine, list[Theirs]]:
    """Like :func:`in_two`, with the worker's share in parts that it runs one after the
    other, sending each result back as it is made: it never holds more than one."""
    global _THEIRS
    _THEIRS = theirs
    release_free_memory()
    try:  # unlike multiprocessing.Pool, the executor raises BrokenProcessPool if the worker dies instead of waiting forever
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
            pending = [pool.submit(_run_theirs, part) for part in range(len(theirs))]
            result = mine()
            others = [cast(Theirs, part.result()) for part in pending]
    finally:
        _THEIRS = ()
    return result, others
