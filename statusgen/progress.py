"""What a long build is doing, on one line of a terminal.

Nothing is shown for the first second, so a small site's build prints its
summary line and nothing else, and nothing at all when the output is not a
terminal (CI logs get the summary line only).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

#: Seconds before the first progress line, and between two.
DELAY, INTERVAL = 1.0, 0.1


class TerminalProgress:
    """A progress callback for :func:`statusgen.build.build` that redraws one line."""

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.clock = clock
        self.started = self.clock()
        self.last = 0.0
        self.shown = False

    @classmethod
    def for_stream(cls, stream: TextIO) -> TerminalProgress | None:
        """A progress line on ``stream`` when it is a terminal; None otherwise."""
        return cls(stream) if stream.isatty() else None

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = self.clock()
        if now - self.started < DELAY or now - self.last < INTERVAL:
            return
        self.last, self.shown = now, True
        count = f"{done:,} of {total:,} files" if total else f"{done:,} files"
        self.stream.write(f"\r\x1b[K{stage} {count}, {now - self.started:.0f}s")
        self.stream.flush()

    def clear(self) -> None:
        """Erase the progress line before the summary is printed."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False
