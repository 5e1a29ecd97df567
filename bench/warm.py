"""The rebuild inside a warm process, as ``statusgen serve`` and ``build --watch`` do it.

Run as ``python -m bench.warm SITE OUT INCIDENT_FILE``: builds once with an
in-memory cache, adds a sentence to one incident's last update and rebuilds as an hour later, then does so
three more times; restores the file and prints the seconds of the first rebuild and the median of the others.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from bench.run import STEADY_RUNS
from statusgen.build import build, build_time
from statusgen.cache import ValidationCache


def main(site: Path, output: Path, name: str) -> tuple[float, float]:
    cache = ValidationCache()
    now, _ = build_time()
    first = build(site, output, cache=cache, parallel=False, now=now)
    assert first.ok
    incident = site / "content" / "incidents" / name
    original = incident.read_text()
    seconds = []
    try:
        for n in range(1 + STEADY_RUNS):
            # Each time one more sentence in its last update, an hour later than the build before.
            incident.write_text(original + "\nA sentence added for the benchmark.\n" * (n + 1))
            started = time.perf_counter()
            # serve's threads rule out forking.
            rebuilt = build(site, output, cache=cache, parallel=False, now=now + timedelta(hours=n + 1))
            seconds.append(time.perf_counter() - started)
            assert rebuilt.ok, [d.format() for d in rebuilt.diagnostics]
    finally:
        incident.write_text(original)
    return seconds[0], statistics.median(seconds[1:])


if __name__ == "__main__":
    print(" ".join(f"{value:.3f}" for value in main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3])))
