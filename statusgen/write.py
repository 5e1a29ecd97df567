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
from pathlib import Path

from statusgen.render import Artifact

#: Written into every output; we only ever replace a directory that has it.
MARKER = ".statusgen"


class OutputError(Exception):
    """The output directory cannot be used (a usage problem, not content)."""


def check_path(path: str) -> None:
    """Refuse an escaping path: a bug must never write outside the output."""
    if not path or path.startswith("/") or ".." in path.split("/"):
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
        self._root = str(self.root)
        self._made: set[str] = set()
        self.files = 0
        """Files written by this process (a forked worker's are not counted here)."""
        for leftover in output.parent.glob(f".{output.name}.old-*"):  # an earlier build's, if its removal was cut short
            remove(leftover, large=True)

    def write(self, artifact: Artifact) -> int:
        """Write one artifact; returns its size. (Plain strings and ``os``: this runs once per file.)"""
        check_path(artifact.path)
        target = f"{self._root}/{artifact.path}"
        folder = target.rpartition("/")[0]
        if folder not in self._made:
            os.makedirs(folder, exist_ok=True)
            self._made.add(folder)
        self.files += 1
        if artifact.reused:
            return self._reuse(artifact.path, target)
        with open(target, "wb") as stream:
            return stream.write(artifact.data)

    def _reuse(self, path: str, target: str) -> int:
        """Put the current output's file at ``path`` in the new output too: a hard link (no copy, no
        rendering), or a copy where the file system has none. Files are never changed in place, so the
        two outputs may share it."""
        source = f"{self.output}/{path}"
        try:
            try:
                os.link(source, target)
            except OSError:
                if not os.path.isfile(source):
                    raise
                shutil.copyfile(source, target)
            return os.stat(target).st_size
        except OSError as exc:
            raise OutputError(f"{source} was removed or changed while the site was being built ({exc.strerror}); "
                              "build again") from exc

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
