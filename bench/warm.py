"""The rebuild inside a warm process, as ``statusgen build --watch`` (and ``serve``) do it.

Run as ``python -m bench.warm SITE OUT INCIDENT_FILE [HOURS]`` on a site just built into OUT
from the command line with its cache, at ``SOURCE_DATE_EPOCH``: watches the site as
``build --watch`` does (its :class:`statusgen.serve.Watch`, its rebuilds in a
:class:`statusgen.serve.BuildProcess` whose cache is the site's, held in memory), appends an
update to the incident named (:mod:`bench.run` names the newest one still going on) and waits
for the rebuild the watcher starts, built as ``HOURS`` (default 1) later; then does so three more
times, each ``HOURS`` after the one before (each time the incident as it was with one update
appended, in new words); restores the file and prints the seconds of the first rebuild (which
reads the cache from disk and looks at every file) and the median of the others (which look at
the files the watcher saw change).

A rebuild is timed from when the watcher starts it, once no file has changed for its quiet
period (:data:`statusgen.serve.QUIET`), until it has answered. ``HOURS`` 0 keeps the build
time where it was: the pages that show the time they were made (the overview, lists with
something still going on) are then unchanged, so what is left is what the edit itself costs.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.run import STEADY_RUNS, with_update
from statusgen.build import BuildResult, build_time
from statusgen.cache import CACHE_DIR, FILE, ValidationCache
from statusgen.serve import Rebuilder, Watch
from statusgen.sources import Changes

#: Seconds to wait for a rebuild before the benchmark gives up.
PATIENCE = 300


class _Timed(Rebuilder):
    """The watcher's rebuilder, each rebuild timed and built at the next of ``moments``."""

    def __init__(self, site: Path, output: Path, moments: list[datetime]) -> None:
        super().__init__(site, output, cache=ValidationCache(site / CACHE_DIR / FILE, hold=True))
        self.moments = moments
        self.seconds: list[float] = []
        self.failed: list[str] = []
        self.done = threading.Semaphore(0)

    def _arguments(self, changes: Changes | None) -> dict[str, Any]:
        return {**super()._arguments(changes), "now": self.moments[min(len(self.seconds), len(self.moments) - 1)]}

    def rebuild(self, changes: Changes | None = None) -> BuildResult:
        started = time.perf_counter()
        result = super().rebuild(changes)
        self.seconds.append(time.perf_counter() - started)
        if not result.ok:
            self.failed += [d.format() for d in result.diagnostics]
        self.done.release()
        return result


def main(site: Path, output: Path, name: str, hours: int = 1) -> tuple[float, float]:
    incident = site / "content" / "incidents" / name
    original = incident.read_text()
    now, _ = build_time()
    rebuilds = 1 + STEADY_RUNS
    rebuilder = _Timed(site, output, [now + timedelta(hours=hours * (n + 1)) for n in range(rebuilds)])
    try:
        with Watch(rebuilder):
            for n in range(rebuilds):
                # Each time an update appended, its words new each time; the watcher rebuilds once it has been quiet.
                incident.write_text(with_update(original, f"Update {n + 1} added for the benchmark."))
                if not rebuilder.done.acquire(timeout=PATIENCE):
                    raise SystemExit(f"bench.warm: no rebuild within {PATIENCE} s of an edit")
                assert not rebuilder.failed, rebuilder.failed
                # The build process saves its cache after it answers, while the next edit waits for the quiet period.
    finally:
        incident.write_text(original)
        rebuilder.close()
    return rebuilder.seconds[0], statistics.median(rebuilder.seconds[1:])


if __name__ == "__main__":
    hours = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    print(" ".join(f"{value:.3f}" for value in main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], hours)))
