"""Work done by a forked child while this process goes on, its result sent back pickled through a pipe.

A module of its own, importing nothing heavy: the command line forks a child before it imports the build
(see :func:`statusgen.cli.main`), so that the child's work overlaps the tenth of a second the imports take.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


def can_fork() -> bool:
    """True on a system with fork and more than one core, from a single-threaded process (a fork taken while
    another thread holds a lock can deadlock)."""
    return hasattr(os, "fork") and threading.active_count() == 1 and (os.cpu_count() or 1) > 1


class InChild(Generic[T]):
    """What ``work`` returns, made by a forked child while this process goes on. The child runs ``work`` and
    nothing of this process's afterwards (it ends with ``os._exit``). :meth:`result` waits for it and is None
    when the child failed; :meth:`close` ends the child either way. Only from a process that :func:`can_fork`."""

    def __init__(self, work: Callable[[], T]) -> None:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: only its work and the pipe, then gone
            code = 1
            try:
                os.close(read)
                data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as stream:
                    stream.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self._pid: int | None = pid
        self._read = os.fdopen(read, "rb")
        self._done = False
        self._taken: T | None = None

    def result(self) -> T | None:
        """What ``work`` returned (waiting for it), or None when the child could not make it. Asked again, the same."""
        if not self._done:
            self._done = True
            if self._pid is not None:
                try:
                    data = self._read.read()
                    self._taken = pickle.loads(data) if data else None
                except Exception:  # a child cut short: its work is done again where it is needed
                    self._taken = None
            self.close()
        return self._taken

    def close(self) -> None:
        """Stop reading (a child still writing then ends) and reap the child."""
        if self._pid is None:
            return
        self._read.close()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self._pid, 0)
        self._pid = None
