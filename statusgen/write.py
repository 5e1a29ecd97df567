"""Stage 6: the only code that touches the output directory.

The build is written into a fresh directory beside the output, then swapped
in, so a reader (or a deploy step) never sees half a site, and a failed
build leaves the previous output exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from statusgen.render import Artifact

#: Written into every output; we only ever replace a directory that has it.
MARKER = ".statusgen"


class OutputError(Exception):
    """The output directory cannot be used (a usage problem, not content)."""


def check_path(path: str) -> None:
    """Refuse an escaping path: a bug must never write outside the output."""
    parts = PurePosixPath(path)
    if not path or parts.is_absolute() or ".." in parts.parts:
        raise ValueError(f"artifact path {path!r} is not inside the output")


def check_unique(paths: Iterable[str]) -> None:
    """Refuse two artifacts at one path: a bug must never overwrite a page."""
    seen: set[str] = set()
    for path in paths:
        if path in seen:
            raise ValueError(f"two artifacts would be written to {path!r}")
        seen.add(path)


def ensure_replaceable(output: Path) -> None:
    """Raise unless ``output`` is absent, empty, or a previous statusgen build."""
    if output.is_symlink() or (output.exists() and not output.is_dir()):
        raise OutputError(f"{output} exists and is not a directory")
    if output.is_dir() and any(output.iterdir()) and not (output / MARKER).is_file():
        raise OutputError(
            f"{output} is not empty and was not written by statusgen (no {MARKER} file); "
            "refusing to replace it: choose another --output or empty it"
        )


#: From this many files, a replaced output is deleted by a separate process, so the build
#: need not wait: removing 12,000 files takes about 2.5 s on the reference machine.
DELETE_APART_FROM = 2_000


def remove(tree: Path, *, large: bool) -> None:
    """Delete ``tree``: at once when small, otherwise by a detached process that outlives this one."""
    if not large:
        shutil.rmtree(tree, ignore_errors=True)
        return
    subprocess.Popen([sys.executable, "-c", "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)", str(tree)],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


class Staging:
    """A fresh directory beside the output that artifacts are written into as
    they are rendered (so a build never holds the whole site in memory), then
    swapped in whole by :meth:`commit`; :meth:`discard` leaves the output as it was.
    Forked workers write into the same directory, each its own files."""

    def __init__(self, output: Path) -> None:
        ensure_replaceable(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        self.output = output
        self.root = Path(tempfile.mkdtemp(prefix=f".{output.name}.new-", dir=output.parent))
        self._made: set[Path] = set()
        self.files = 0
        """Files written by this process (a forked worker's are not counted here)."""
        for leftover in output.parent.glob(f".{output.name}.old-*"):  # an earlier build's, if its removal was cut short
            remove(leftover, large=True)

    def write(self, artifact: Artifact) -> int:
        """Write one artifact; returns its size."""
        check_path(artifact.path)
        target = self.root / artifact.path
        if target.parent not in self._made:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(target.parent)
        target.write_bytes(artifact.data)
        self.files += 1
        return len(artifact.data)

    def commit(self) -> None:
        (self.root / MARKER).write_text("This directory is written by statusgen build; it is replaced whole on every build.\n")
        os.chmod(self.root, 0o755)
        if self.output.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{self.output.name}.old-", dir=self.output.parent))
            os.replace(self.output, retired / self.output.name)
            os.replace(self.root, self.output)
            remove(retired, large=self.files >= DELETE_APART_FROM)
        else:
            os.replace(self.root, self.output)

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
