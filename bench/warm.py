"""The rebuild inside a warm process, as ``statusgen build --watch`` (and ``serve``) do it.

Run as ``python -m bench.warm SITE OUT INCIDENT_FILE [HOURS]`` on a site just built into OUT
from the command line with its cache, at ``SOURCE_DATE_EPOCH``: starts a
:class:`statusgen.serve.BuildProcess` whose cache is the site's, held in memory (as
``build --watch`` starts one after its first build), adds a sentence to one incident's
last update and rebuilds as ``HOURS`` (default 1) later, then does so three more times,
each ``HOURS`` after the one before; restores the file and prints the seconds of the first
rebuild (which reads the cache from disk) and the median of the others.

Each rebuild starts after the watcher's quiet period (:data:`statusgen.serve.QUIET`), as
``build --watch`` starts it. ``HOURS`` 0 keeps the build time where it was: the pages that
show the time they were made (the overview, lists with something still going on) are then
unchanged, so what is left is what the edit itself costs.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from bench.run import STEADY_RUNS
from statusgen.build import build_time
from statusgen.cache import CACHE_DIR, FILE, ValidationCache
from statusgen.serve import QUIET, BuildProcess


def main(site: Path, output: Path, name: str, hours: int = 1) -> tuple[float, float]:
    builds = BuildProcess(ValidationCache(site / CACHE_DIR / FILE, hold=True))  # as build --watch runs its builds
    incident = site / "content" / "incidents" / name
    original = incident.read_text()
    now, _ = build_time()
    seconds = []
    try:
        for n in range(1 + STEADY_RUNS):
            # Each time one more sentence in its last update, ``hours`` later than the build before.
            incident.write_text(original + "\nA sentence added for the benchmark.\n" * (n + 1))
            # As the watcher has it: the rebuild starts once no file has changed for its quiet period. (The build
            # process saves its cache after it answers, meanwhile: the time of a rebuild is that of the site's.)
            time.sleep(QUIET)
            started = time.perf_counter()
            rebuilt = builds.build(site_dir=site, output=output, now=now + timedelta(hours=hours * (n + 1)))
            seconds.append(time.perf_counter() - started)
            assert rebuilt.ok, [d.format() for d in rebuilt.diagnostics]
    finally:
        incident.write_text(original)
        builds.close()
    return seconds[0], statistics.median(seconds[1:])


if __name__ == "__main__":
    hours = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    print(" ".join(f"{value:.3f}" for value in main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], hours)))
