"""The benchmark's own measurements: what it reports as a build's peak memory and CPU time."""

from __future__ import annotations

import sys
from pathlib import Path

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


def test_the_rebuilds_append_an_update_to_the_newest_incident_still_going_on(tmp_path: Path) -> None:
    """The edit the benchmark times is what an engineer does during an incident: one more update, the newest, on the
    newest incident not yet resolved; the site still builds, with that update shown first."""
    from bench.corpus import NOW, write_corpus
    from bench.run import edited_incident, with_update
    from statusgen.build import prepare

    site = write_corpus(tmp_path / "site", 400)
    edited = edited_incident(site)
    before = prepare(site, now=NOW)
    assert not isinstance(before, list)
    going_on = [i for i in before.site.incidents if not i.is_resolved]
    assert going_on and edited.stem == going_on[0].slug
    edited.write_text(with_update(edited.read_text(), "One more update."))
    after = prepare(site, now=NOW)
    assert not isinstance(after, list) and not [d for d in after.diagnostics if d.severity.value == "error"]
    incident = after.site.incident(edited.stem)
    assert incident is not None and len(incident.updates) == len(going_on[0].updates) + 1
    assert "One more update." in incident.updates[-1].markdown and incident.updates[-1].at > going_on[0].updates[-1].at
