"""The rebuild inside a warm process, as ``statusgen serve`` and ``build --watch`` do it.

Run as ``python -m bench.warm SITE OUT INCIDENT_FILE``: builds once with an
in-memory cache, adds a sentence to one incident's first update, rebuilds as an hour later, restores the
file, and prints the seconds of the rebuild alone.
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path

from statusgen.build import build, build_time
from statusgen.cache import ValidationCache


def main(site: Path, output: Path, name: str) -> float:
    cache = ValidationCache()
    now, _ = build_time()
    first = build(site, output, cache=cache, parallel=False, now=now)
    assert first.ok
    incident = site / "content" / "incidents" / name
    original = incident.read_text()
    try:
        incident.write_text(original + "\nA sentence added to its first update for the benchmark.\n")
        started = time.perf_counter()
        # An hour later, as in bench/run.py; serve's threads rule out forking.
        rebuilt = build(site, output, cache=cache, parallel=False, now=now + timedelta(hours=1))
        seconds = time.perf_counter() - started
        assert rebuilt.ok, [d.format() for d in rebuilt.diagnostics]
    finally:
        incident.write_text(original)
    return seconds


if __name__ == "__main__":
    print(f"{main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]):.3f}")
