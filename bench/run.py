"""`make bench`: full builds of generated sites against the floor, in one run.

For each size N (1,000 and 10,000; 100,000 with BENCH_LARGE=1) it builds the
same seeded corpus BENCH_RUNS times (default 5), each in a fresh process, and
runs the floor (bench/floor.py) as many times, each right after a build, so both
of a pair see the same machine. Cold builds run with --no-cache. It prints the
median and spread of wall time, peak memory, files and bytes written, time per
incident, the ratio to the floor (the median of each pair's ratio), and
10,000/1,000 (linearity); then, on the 10,000-incident site,
the rebuild after editing one incident (with the cache the build before it
left; the first such rebuild, then the median of three more, each toggling the
edit an hour later; then once more as a CI runner that restored the cache, the
output and its spare has them, every file a new copy); the same one-incident rebuilds
inside a warm process, as build --watch makes them after the build it starts with (each an
hour after the one before, and again all at the same minute); and
the rebuild after editing statusgen.toml's title (a change that invalidates the cache).
Results are also written to bench/results/latest.json.

Peak memory is the largest sum of the proportional set sizes (PSS) of the
build's processes, sampled every 200 ms (a build of a large site forks one
worker, which shares most of its memory with its parent; PSS counts a shared
page once, split between them), or the largest process's own peak RSS if that
is larger. That peak is each process's high-water mark as /proc reports it
while the build runs, not the ``ru_maxrss`` that waiting for the build
returns: Linux starts a child's ``ru_maxrss`` from the RSS of the process that
forked it, so it would report this benchmark's own size for a small build.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bench.corpus import NOW, write_corpus

ROOT = Path(__file__).resolve().parent
CORPORA = ROOT / ".corpus"
EPOCH = str(int(NOW.timestamp()))


@dataclass
class Run:
    seconds: float
    peak_mb: float
    cpu_s: float
    """User and system CPU time of the process and of every child it waited for (a forked worker)."""


@dataclass
class SizeResult:
    incidents: int
    builds: list[Run] = field(default_factory=list)
    floors: list[float] = field(default_factory=list)
    floor_cpus: list[float] = field(default_factory=list)
    files: int = 0
    megabytes: float = 0.0
    incremental: dict[str, float] = field(default_factory=dict)

    def median(self) -> float:
        return statistics.median(r.seconds for r in self.builds)

    def paired_ratio(self) -> float:
        """The median of each run's build time over the floor that ran right after it: a slow minute of the
        machine slows both of a pair, so their ratio holds still where a ratio of two medians need not."""
        return statistics.median(run.seconds / floor for run, floor in zip(self.builds, self.floors, strict=True))

    def summary(self) -> dict[str, object]:
        seconds = [r.seconds for r in self.builds]
        return {
            "incidents": self.incidents, "runs": len(seconds), "median_s": round(self.median(), 3),
            "min_s": round(min(seconds), 3), "max_s": round(max(seconds), 3),
            "peak_memory_mb": round(max(r.peak_mb for r in self.builds), 1),
            "floor_median_s": round(statistics.median(self.floors), 3),
            "ratio_to_floor": round(self.paired_ratio(), 2),
            "ratio_of_medians": round(self.median() / statistics.median(self.floors), 2),
            "cpu_median_s": round(statistics.median(r.cpu_s for r in self.builds), 3),
            "floor_cpu_median_s": round(statistics.median(self.floor_cpus), 3),
            "ms_per_incident": round(1000 * self.median() / self.incidents, 3),
            "files": self.files, "output_mb": round(self.megabytes, 1),
            "incremental_s": {k: round(v, 3) for k, v in self.incremental.items()},
        }


def corpus(n: int) -> Path:
    """The corpus for n incidents, regenerated when the generator changes."""
    stamp = hashlib.sha256((ROOT / "corpus.py").read_bytes()).hexdigest()[:12]
    target = CORPORA / f"{n}-{stamp}"
    if not (target / "statusgen.toml").is_file():
        shutil.rmtree(target, ignore_errors=True)
        print(f"  writing a corpus of {n:,} incidents...", flush=True)
        write_corpus(target, n)
    return target


def _kb(text: str, field: str) -> int:
    """The value of ``field`` (in kB) in a /proc status or smaps_rollup text, 0 when it is missing."""
    return next((int(line.split()[1]) for line in text.splitlines() if line.startswith(field)), 0)


def tree_memory_kb(pid: int) -> tuple[int, int]:
    """Of a process and all its descendants, from /proc (0 where it cannot be read): the sum of their
    proportional set sizes, and the largest of their own peak RSS so far (``VmHWM``, which exec resets).
    PSS divides each shared page among the processes that map it, so the sum is the tree's real footprint:
    a forked worker's copy-on-write pages are not counted twice."""
    total = largest = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            total += _kb(Path(f"/proc/{current}/smaps_rollup").read_text(), "Pss:")
            largest = max(largest, _kb(Path(f"/proc/{current}/status").read_text(), "VmHWM:"))
            pending += [int(c) for c in Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total, largest


def children_cpu_s() -> float:
    """The CPU time (user and system) of every child this process has waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


#: How often the memory of a timed command's processes is read: reading smaps_rollup costs the machine some CPU.
SAMPLE_EVERY = 0.2


def timed(argv: list[str], cwd: Path | None = None, epoch: str = EPOCH) -> Run:
    """Run a command; its wall time, its peak memory (the largest of the process tree's summed PSS,
    sampled every :data:`SAMPLE_EVERY` seconds, and the largest single process's peak RSS) and its CPU time.
    The memory is sampled by a thread, and the wall time ends when the command does (until `5e09cee` it ended
    at the first sample after, up to 0.2 s later, which every figure of the bench before then includes)."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": epoch}
    cpu_before = children_cpu_s()
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_kb = 0
    ended = threading.Event()

    def sample() -> None:
        nonlocal peak_kb
        while not ended.is_set():
            peak_kb = max(peak_kb, *tree_memory_kb(process.pid))
            ended.wait(SAMPLE_EVERY)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # Waited for without being reaped, so that its pid cannot be another process's while the sampler reads it.
    os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
    seconds = time.perf_counter() - started
    ended.set()
    sampler.join()
    if process.wait() != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{process.stderr.read().decode() if process.stderr else ''}")
    return Run(seconds, peak_kb / 1024, children_cpu_s() - cpu_before)


def build(site: Path, output: Path, *, cache: bool = False, epoch: str = EPOCH) -> Run:
    return timed([sys.executable, "-m", "statusgen", "build", "-s", str(site), "-o", str(output),
                  *([] if cache else ["--no-cache"])], epoch=epoch)


#: Rebuilds run an hour after the build before them, as a push or a scheduled run would: the pages that
#: say what is true at the build time (the overview, ongoing incidents, ...) must be rendered again.
LATER = str(int(EPOCH) + 3600)

#: Rebuilds after the first one whose median is reported as the steady state.
STEADY_RUNS = 3


def floor(site: Path, scratch: Path) -> tuple[float, float]:
    """The floor's own wall time (it times itself, without its interpreter's start) and its process's CPU time."""
    cpu_before = children_cpu_s()
    done = subprocess.run([sys.executable, "-m", "bench.floor", str(site), str(scratch)], cwd=ROOT.parent,
                          capture_output=True, text=True, check=True)
    return float(done.stdout.split()[0]), children_cpu_s() - cpu_before


def measure(n: int, runs: int, work: Path) -> SizeResult:
    """``runs`` cold builds, each followed by the floor, each into a folder of its own. Nothing is deleted until
    the last of them is done: on this machine's file system (ext4 mounted with ``discard``), deleting a tree of
    12,000 files left the kernel work that made each later run's file writes slower (the floor of 1,000
    incidents went from 0.17 to 1.79 s of system time over eight runs that each deleted the one before, and
    stayed at 0.12 to 0.18 s over six that deleted nothing). :func:`main` deletes them once everything is timed."""
    site, output = corpus(n), work / f"out-{n}"
    runs_dir = work / f"runs-{n}"
    shutil.rmtree(runs_dir, ignore_errors=True)
    shutil.rmtree(output, ignore_errors=True)
    result = SizeResult(n)
    for run in range(runs):
        result.builds.append(build(site, runs_dir / f"build-{run}"))
        seconds, cpu = floor(site, runs_dir / f"floor-{run}")
        result.floors.append(seconds)
        result.floor_cpus.append(cpu)
    (runs_dir / f"build-{runs - 1}").rename(output)  # the site the rebuilds start from
    written = [p for p in output.rglob("*") if p.is_file()]
    result.files, result.megabytes = len(written), sum(p.stat().st_size for p in written) / 1_048_576
    return result


def restore_as_ci_does(site: Path, output: Path) -> None:
    """Give the output, its spare and the content files new inodes (copies keep modification times, as a cache's
    archive does), as a CI runner has them after restoring its cache (as `statusgen init` writes the step) in a
    fresh checkout."""
    for folder in (output, output.with_name(f".{output.name}.spare"), site / "content"):
        aside = folder.with_name(folder.name + ".aside")
        folder.rename(aside)
        shutil.copytree(aside, folder)
        shutil.rmtree(aside)


def edited_incident(site: Path) -> Path:
    """The incident the rebuilds edit: the newest one still going on, as an engineer updates it during an incident
    (the case this tool must be fast for: its page, the overview, the feeds, the API and its lists all change)."""
    files = sorted((site / "content" / "incidents").glob("*-incident-*.md"), reverse=True)
    return next(file for file in files if "\nstate: monitoring\n" in file.read_text())


def with_update(text: str, note: str = "A note added for the benchmark.") -> str:
    """An incident's file with one more update, ``note``, a minute after its newest (the corpus writes the newest
    first), as an engineer appends one to an incident still going on."""
    head, _, rest = text.partition("\n## ")
    newest = datetime.strptime(rest[:16], "%Y-%m-%d %H:%M")
    return f"{head}\n## {newest + timedelta(minutes=1):%Y-%m-%d %H:%M} UTC — Monitoring\n\n{note}\n\n## {rest}"


def incremental(result: SizeResult, work: Path) -> None:
    """Rebuild after appending an update to the newest incident still going on, then after a title change, each an
    hour later."""
    site, output = corpus(result.incidents), work / f"out-{result.incidents}"
    incident = edited_incident(site)
    config = site / "statusgen.toml"
    original_incident, original_config = incident.read_text(), config.read_text()
    try:
        edited = with_update(original_incident)
        shutil.rmtree(site / ".statusgen-cache", ignore_errors=True)
        build(site, output, cache=True)  # the build before the edit, which leaves the cache
        incident.write_text(edited)
        result.incremental["one_incident_edited"] = build(site, output, cache=True, epoch=LATER).seconds
        # Then as an engineer pushing one change after another sees it: the output and its spare both
        # recorded. Each rebuild toggles the edit and runs another hour later; the median of STEADY_RUNS.
        steady = []
        for n in range(STEADY_RUNS):
            time.sleep(2)  # the edit older than the cache's racy window, as between two real edits
            incident.write_text(original_incident if n % 2 == 0 else edited)
            steady.append(build(site, output, cache=True, epoch=str(int(LATER) + 3600 * (n + 1))).seconds)
        result.incremental["one_incident_edited_steady"] = statistics.median(steady)
        # Then as a CI runner sees it: the cache, the output and its spare restored by its cache action, in a fresh
        # checkout (every file a new one); the edit toggled once more.
        restore_as_ci_does(site, output)
        incident.write_text(original_incident if STEADY_RUNS % 2 == 0 else edited)
        later = str(int(LATER) + 3600 * (STEADY_RUNS + 1))
        result.incremental["one_incident_edited_ci"] = build(site, output, cache=True, epoch=later).seconds
        # Then in a warm process, as build --watch has it: its first rebuild after the build from the command line
        # it starts with (the content as it was, its times older than the cache's racy window), then three more.
        for hours, name in ((1, "one_incident_edited_warm"), (0, "one_incident_edited_warm_same_minute")):
            # The second time at the build time of the first, as two saves within a minute of each other are built:
            # only what the edit changed is made again, so this is what the edit itself costs.
            incident.write_text(original_incident)
            time.sleep(2)
            build(site, output, cache=True)
            warm = subprocess.run([sys.executable, "-m", "bench.warm", str(site), str(output), incident.name, str(hours)],
                                  cwd=ROOT.parent, env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
                                  capture_output=True, text=True, check=True)
            first, then = warm.stdout.split()
            result.incremental[name] = float(first)
            result.incremental[f"{name}_steady"] = float(then)
        config.write_text(original_config.replace("title = \"", "title = \"Edited ", 1))
        result.incremental["title_edited"] = build(site, output, cache=True, epoch=LATER).seconds
        config.write_text(original_config)
    finally:
        incident.write_text(original_incident)
        config.write_text(original_config)


def main() -> int:
    sizes = [1_000, 10_000] + ([100_000] if os.environ.get("BENCH_LARGE") == "1" else [])
    runs = int(os.environ.get("BENCH_RUNS", "5"))
    work = CORPORA / "work"
    work.mkdir(parents=True, exist_ok=True)
    print(f"statusgen benchmark: {runs} cold builds per size, floor interleaved; {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}", flush=True)
    results = []
    for n in sizes:
        print(f"{n:,} incidents", flush=True)
        result = measure(n, 1 if n >= 100_000 else runs, work)
        if n == 10_000:
            incremental(result, work)
        results.append(result)
        s = result.summary()
        print(f"  build  median {s['median_s']:.2f} s (min {s['min_s']:.2f}, max {s['max_s']:.2f}), "
              f"peak {s['peak_memory_mb']:.0f} MB, {s['files']:,} files, {s['output_mb']:.0f} MB, "
              f"{s['ms_per_incident']:.2f} ms per incident", flush=True)
        print(f"  floor  median {s['floor_median_s']:.2f} s; build / floor = {s['ratio_to_floor']:.2f} (median of the "
              f"{s['runs']} runs' own ratios; {s['ratio_of_medians']:.2f} as the ratio of the two medians)", flush=True)
        print(f"  CPU    build {s['cpu_median_s']:.2f} s, floor {s['floor_cpu_median_s']:.2f} s (medians of user and system "
              "time, all processes)", flush=True)
        if result.incremental:
            print("  rebuild after editing one incident: {one_incident_edited:.2f} s the first time after the cache was made, "
                  "{one_incident_edited_steady:.2f} s from then on; on a CI runner that restored the cache, the "
                  "output and its spare: {one_incident_edited_ci:.2f} s; in a warm process, as build --watch: "
                  "{one_incident_edited_warm:.2f} s, then {one_incident_edited_warm_steady:.2f} s (each an hour after the one before; "
                  "{one_incident_edited_warm_same_minute_steady:.2f} s at the same minute); "
                  "after editing the title: {title_edited:.2f} s".format(**result.incremental), flush=True)
    for n in sizes:
        shutil.rmtree(work / f"runs-{n}", ignore_errors=True)
    by_size = {r.incidents: r for r in results}
    linearity = by_size[10_000].median() / by_size[1_000].median()
    print(f"linearity: time(10,000) / time(1,000) = {linearity:.2f}")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    report = {"commit": commit, "cpus": os.cpu_count(), "python": platform.python_version(),
              "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "linearity_10k_1k": round(linearity, 2),
              "sizes": [r.summary() for r in results], "raw": [asdict(r) for r in results]}
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"results: {ROOT / 'results' / 'latest.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
