"""What validating each content file produced, kept between builds.

Reading Markdown and YAML is most of a build: on a 10,000-incident site, 16
of its seconds. A file whose text has not changed validates to the same
objects, so they are kept here, under a key made of the file's path and
text, and reused. The whole cache is ignored when anything that could change
what validation makes has changed: statusgen's own code (not only its
version, so a development checkout never reads a stale cache), Python's
version, ``statusgen.toml`` and a ``--base-url``. A cache that cannot be read
is ignored too, and rebuilt: it can make a build faster, never wrong.

On disk it is ``.statusgen-cache/validated.pickle`` in the site directory
(git-ignored by ``statusgen init``); a CI runner that restores that folder
between runs gets the speed. It is a pickle, so it is trusted like the code:
never restore one from a source you would not run code from.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from statusgen.sources import SourceFile

log = logging.getLogger(__name__)

CACHE_DIR = ".statusgen-cache"
FILE = "validated.pickle"


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of statusgen's Python sources and of the interpreter's version."""
    digest = hashlib.blake2b(sys.version.encode(), digest_size=16)
    package = files("statusgen")
    for path in sorted(str(p) for p in Path(str(package)).rglob("*.py")):
        digest.update(path.encode())
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


class ValidationCache:
    """Validation results by source file. ``path`` None keeps them in memory only (``serve``)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._salt = ""
        self._entries: dict[bytes, object] = {}
        self._used: dict[bytes, object] = {}
        self._changed = False
        self._loaded = False

    def begin(self, salt: str) -> None:
        """Start a build whose inputs other than the content files digest to ``salt``."""
        salt = f"{code_digest()}:{salt}"
        if not self._loaded and self.path is not None:
            self._entries, self._salt = self._read(salt), salt
        self._loaded = True
        if salt != self._salt:
            self._entries, self._salt = {}, salt
        self._used, self._changed = {}, False

    def _read(self, salt: str) -> dict[bytes, object]:
        assert self.path is not None
        try:
            with open(self.path, "rb") as stream:
                stored = pickle.load(stream)
        except FileNotFoundError:
            return {}
        except Exception as exc:  # a damaged or foreign cache costs speed, never the build
            log.info("ignoring the cache in %s: %s", self.path, exc)
            return {}
        if not isinstance(stored, dict) or stored.get("salt") != salt or not isinstance(stored.get("entries"), dict):
            return {}
        entries: dict[bytes, object] = stored["entries"]
        return entries

    @staticmethod
    def key(source: SourceFile) -> bytes:
        return hashlib.blake2b(repr(source).encode(), digest_size=20).digest()

    def get(self, key: bytes) -> object | None:
        found = self._entries.get(key)
        if found is not None:
            self._used[key] = found
        return found

    def put(self, key: bytes, value: object) -> None:
        self._used[key] = value
        self._changed = True

    def finish(self) -> None:
        """Keep exactly the entries this build used (so deleted files drop out), and save them if anything changed."""
        self._changed = self._changed or len(self._used) != len(self._entries)
        self._entries = self._used
        if self.path is None or not self._changed:
            return
        temporary = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".validated-", dir=self.path.parent)
            with os.fdopen(handle, "wb") as stream:
                pickle.dump({"salt": self._salt, "entries": self._entries}, stream, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.path)
        except (OSError, pickle.PicklingError) as exc:  # a read-only checkout still builds
            log.info("could not save the cache in %s: %s", self.path, exc)
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)
