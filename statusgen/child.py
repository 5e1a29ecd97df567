"""Work done by a forked child while this process goes on, its result sent back pickled through a pipe.

A module of its own, importing nothing heavy: the command line forks a child before it imports the build
(see :func:`statusgen.cli.main`), so that the child's work overlaps the tenth of a second the imports take.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import tempfile
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
    when the child failed; :meth:`close` ends the child either way. Only from a process that :func:`can_fork`.

    The child writes its result into an anonymous file, not a pipe, and ends as soon as it has: a child blocked on a
    full pipe until this process reads would keep sharing this process's memory meanwhile, and each first write here
    to a page they share copies it (a warm rebuild's preparation ran 10 ms slower with the spare's lister waiting)."""

    def __init__(self, work: Callable[[], T]) -> None:
        self._file = _anonymous_file()
        pid = os.fork()
        if pid == 0:  # the child: only its work and the file, then gone
            code = 1
            try:
                data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
                view = memoryview(data)
                while view:
                    view = view[os.write(self._file, view):]
                code = 0
            finally:
                os._exit(code)
        self._pid: int | None = pid
        self._done = False
        self._taken: T | None = None

    def result(self) -> T | None:
        """What ``work`` returned (waiting for it), or None when the child could not make it. Asked again, the same."""
        if not self._done:
            self._done = True
            if self._pid is not None:
                try:
                    _, status = os.waitpid(self._pid, 0)
                    self._pid = None
                    data = b""
                    if os.waitstatus_to_exitcode(status) == 0:
                        os.lseek(self._file, 0, os.SEEK_SET)
                        with os.fdopen(os.dup(self._file), "rb") as stream:
                            data = stream.read()
                    self._taken = pickle.loads(data) if data else None
                except Exception:  # a child cut short: its work is done again where it is needed
                    self._taken = None
            self.close()
        return self._taken

    def close(self) -> None:
        """End the child (its work is no longer wanted, or done) and let its file go."""
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self._pid, 0)
            self._pid = None
        if self._file >= 0:
            os.close(self._file)
            self._file = -1


def _anonymous_file() -> int:
    """A file descriptor of a new file with no name, in memory where the system allows it."""
    if hasattr(os, "memfd_create"):
        with contextlib.suppress(OSError):
            return os.memfd_create("statusgen-child", getattr(os, "MFD_CLOEXEC", 0))
    fd, name = tempfile.mkstemp(prefix="statusgen-child-")
    os.unlink(name)
    return fd
