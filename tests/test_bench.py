"""The benchmark's own measurements: what it reports as a build's peak memory and CPU time."""

from __future__ import annotations

import sys

import pytest

import bench.run
from bench.run import Run, SizeResult, timed

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="peak memory is read from /proc")

MB = 2**20


def _touched(size: int) -> bytearray:
    block = bytearray(size)
    for at in range(0, size, 4096):
        block[at] = 1
    return block


def test_the_peak_is_the_builds_own_not_that_of_the_process_that_started_it() -> None:
    """Linux starts a child's ru_maxrss at the RSS of its forking parent: a small command started by a
    benchmark holding 300 MB must not be reported at 300 MB."""
    held = _touched(300 * MB)
    run = timed([sys.executable, "-c", "import time; time.sleep(0.5)"])
    assert len(held) == 300 * MB
    assert run.peak_mb < 100


def test_a_peak_between_two_samples_is_still_seen() -> None:
    """The process grows to 150 MB and frees it at once, well within one 200 ms sampling interval."""
    script = ("import time; time.sleep(0.3); b = bytearray(150 * 2**20)\n"
              "for i in range(0, len(b), 4096): b[i] = 1\n"
              "del b; time.sleep(0.5)")
    assert timed([sys.executable, "-c", script]).peak_mb >= 150


def test_the_cpu_time_counts_the_command_and_the_worker_it_forks() -> None:
    """Two processes that each spin for 0.4 s of CPU: about 0.8 s in all, whatever the wall time."""
    script = ("import os, time\n"
              "def spin():\n"
              "    end = time.process_time() + 0.4\n"
              "    while time.process_time() < end: pass\n"
              "pid = os.fork()\n"
              "spin()\n"
              "if pid == 0: os._exit(0)\n"
              "os.waitpid(pid, 0)")
    run = timed([sys.executable, "-c", script])
    assert 0.75 <= run.cpu_s < 2.0


def test_the_ratio_to_the_floor_pairs_each_build_with_the_floor_run_beside_it() -> None:
    """A slow spell that slows one build and its floor alike leaves their ratio as it was; medians taken
    apart would pair the slow build with another run's fast floor."""
    result = SizeResult(10, builds=[Run(10.0, 1.0, 1.0), Run(30.0, 1.0, 1.0), Run(12.0, 1.0, 1.0)], floors=[5.0, 20.0, 10.0],
                        floor_cpus=[1.0, 1.0, 1.0])
    summary = result.summary()
    assert summary["ratio_to_floor"] == 1.5  # the pairs: 2.0, 1.5, 1.2
    assert summary["ratio_of_medians"] == 1.2  # 12 / 10


def test_the_wall_time_ends_when_the_command_does_not_at_the_next_memory_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    """With samples five seconds apart, a command of a tenth of a second is still timed as one: polling for its
    end between samples had added up to a whole interval to every figure."""
    monkeypatch.setattr(bench.run, "SAMPLE_EVERY", 5.0)
    run = timed([sys.executable, "-c", "import time; time.sleep(0.1)"])
    assert 0.1 <= run.seconds < 2.5
