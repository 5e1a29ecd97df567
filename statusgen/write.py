"""Stage 6: the only code that touches the output directory.

The build is written into a fresh directory beside the output, then swapped
in, so a reader (or a deploy step) never sees half a site, and a failed
build leaves the previous output exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from statusgen.render import Artifact

#: Written into every output; we only ever replace a directory that has it.
MARKER = ".statusgen"


class OutputError(Exception):
    """The output directory cannot be used (a usage problem, not content)."""


def check_paths(artifacts: Iterable[Artifact]) -> list[Artifact]:
    """Refuse duplicate or escaping paths: a bug must never overwrite a page."""
    seen: set[str] = set()
    checked = []
    for artifact in artifacts:
        path = PurePosixPath(artifact.path)
        if path.is_absolute() or ".." in path.parts or not artifact.path:
            raise ValueError(f"artifact path {artifact.path!r} is not inside the output")
        if artifact.path in seen:
            raise ValueError(f"two artifacts would be written to {artifact.path!r}")
        seen.add(artifact.path)
        checked.append(artifact)
    return checked


def ensure_replaceable(output: Path) -> None:
    """Raise unless ``output`` is absent, empty, or a previous statusgen build."""
    if output.is_symlink() or (output.exists() and not output.is_dir()):
        raise OutputError(f"{output} exists and is not a directory")
    if output.is_dir() and any(output.iterdir()) and not (output / MARKER).is_file():
        raise OutputError(
            f"{output} is not empty and was not written by statusgen (no {MARKER} file); "
            "refusing to replace it: choose another --output or empty it"
        )


def write_output(output: Path, artifacts: Iterable[Artifact]) -> tuple[int, int]:
    """Write artifacts atomically into ``output``. Returns (files, bytes)."""
    checked = check_paths(artifacts)
    ensure_replaceable(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.new-", dir=output.parent))
    total = 0
    try:
        made: set[Path] = set()
        for artifact in checked:
            target = staging / artifact.path
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            target.write_bytes(artifact.data)
            total += len(artifact.data)
        (staging / MARKER).write_text("This directory is written by statusgen build; it is replaced whole on every build.\n")
        os.chmod(staging, 0o755)
        if output.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=output.parent))
            os.replace(output, retired / output.name)
            os.replace(staging, output)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return len(checked) + 1, total
