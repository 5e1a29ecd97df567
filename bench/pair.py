"""Warm rebuilds of this checkout against another, in pairs: what one change gained.

Run as ``python -m bench.pair OTHER [PAIRS] [HOURS]``, where OTHER is a checkout of the
code to compare with (``git worktree add --detach /tmp/before <commit>``; from ``e99d90e``
on, whose ``bench/warm.py`` drives the watcher; compile both, ``python -m compileall -q
statusgen bench``, as ``make bench`` does). Each checkout gets its own copy of the
10,000-incident corpus, built once from the command line; then one warm process per
checkout watches its copy as ``build --watch`` does (``bench.warm``), and the two take
turns: an edit (an update appended to the newest incident going on, as ``bench.warm`` does), the watcher's
rebuild, timed from when the watcher asks for it until it has answered, then the other's
(alternating which goes first). Both see the same minutes
of the machine, so the median of the differences tells a change of 10 ms apart from the
host's drift, which ``make bench``'s runs half an hour apart cannot. ``HOURS`` (default
0): how much later each rebuild is built than the one before; 0 keeps the same minute.
Prints each side's median and the median of the differences (this checkout's minus
the other's), leaving the first two pairs out (each process reads its cache from disk).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

def child(site: Path, hours: int) -> None:
    """One side: a warm process watching ``site``, which prints the seconds of the watcher's next rebuild each time a
    line comes in on standard input (once the parent has edited a file)."""
    from bench.warm import _Timed
    from statusgen.build import build_time
    from statusgen.serve import Watch

    now, _ = build_time()
    rebuilder = _Timed(site, site / "output", [now + timedelta(hours=hours * (n + 1)) for n in range(1000)])
    try:
        with Watch(rebuilder):
            for _line in sys.stdin:
                if not rebuilder.done.acquire(timeout=300):
                    raise SystemExit("bench.pair: no rebuild within 300 s of an edit")
                print(f"{rebuilder.seconds[-1]:.4f}", flush=True)
    finally:
        rebuilder.close()


def main(other: Path, pairs: int = 16, hours: int = 0) -> None:
    # Here, not at the top: the child runs this file with the other checkout's bench package.
    from bench.run import EPOCH, ROOT, corpus, edited_incident, with_update

    source = corpus(10_000)
    name = edited_incident(source).name
    original = (source / "content" / "incidents" / name).read_text()
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    with tempfile.TemporaryDirectory(prefix="statusgen-pair-") as scratch:
        sides: dict[str, subprocess.Popen[str]] = {}
        for side, tree in (("other", other.resolve()), ("this", ROOT.parent)):
            site = Path(scratch) / side
            shutil.copytree(source, site, ignore=shutil.ignore_patterns("output", ".output.spare", ".statusgen-cache"))
            side_env = {**env, "PYTHONPATH": str(tree)}
            subprocess.run([sys.executable, "-m", "statusgen", "build"], cwd=site, env=side_env, check=True,
                           capture_output=True)
            # This file, as a script, with the checkout's own statusgen and bench.warm.
            sides[side] = subprocess.Popen([sys.executable, __file__, "--child", str(site), str(hours)],
                                           cwd=tree, env=side_env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        times: dict[str, list[float]] = {"other": [], "this": []}
        try:
            for n in range(pairs):
                for side in ("other", "this") if n % 2 == 0 else ("this", "other"):
                    process = sides[side]
                    assert process.stdin is not None and process.stdout is not None
                    # An update appended, as bench.warm does, in new words each time (written here: the other
                    # checkout may be older than this one's edit).
                    (Path(scratch) / side / "content" / "incidents" / name).write_text(
                        with_update(original, f"Update {n + 1} added for the benchmark."))
                    process.stdin.write("go\n")
                    process.stdin.flush()
                    times[side].append(float(process.stdout.readline()))
                    time.sleep(0.5)  # what a warm process does after it answers, before the next edit
        finally:
            for process in sides.values():
                if process.stdin is not None:
                    process.stdin.close()
                process.wait(timeout=120)
    before, after = times["other"][2:], times["this"][2:]
    differences = [b - a for a, b in zip(before, after, strict=True)]
    print(f"other {statistics.median(before):.3f} s, this {statistics.median(after):.3f} s; "
          f"difference {1000 * statistics.median(differences):+.1f} ms (median of {len(differences)} pairs; "
          f"this faster in {sum(d < 0 for d in differences)})")


if __name__ == "__main__":
    if sys.argv[1] == "--child":
        child(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        main(Path(sys.argv[1]), *(int(arg) for arg in sys.argv[2:4]))
