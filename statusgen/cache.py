"""What validating each content file produced, kept between builds.

Reading Markdown and YAML is most of a build: on a 10,000-incident site, 16
of its seconds. A file whose bytes have not changed validates to the same
objects, so they are kept here, under a key made of the file's path and
bytes, and reused. A file whose inode, size, modification and change times
are those it had when a build last read it is not even read again: the key
is taken from that build (see :meth:`ValidationCache.known`). The whole
cache is ignored when anything that could change what validation makes has
changed: statusgen's own code (not only its version, so a development
checkout never reads a stale cache), Python's version, the versions of the libraries
installed beside Markdown's and Jinja's (see :func:`libraries`), ``statusgen.toml``
and a ``--base-url``. A cache that cannot be read is ignored too, and
rebuilt: it can make a build faster, never wrong.

On disk it is ``.statusgen-cache/`` in the site directory (git-ignored by
``statusgen init``): the entries pickled in chunks (see :data:`CHUNK`), each a
file in ``validated/`` listed by ``validated.pickle``, so a build that changed
one file writes one chunk and the list; beside them, what builds derive from
the items and keep the same way (:data:`DERIVED`). A CI runner that restores
that folder between runs gets the speed. It is made of pickles, so it is
trusted like the code: never restore one from a source you would not run code
from.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import io
import itertools
import logging
import mmap
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from statusgen.kept import ends_run
from statusgen.model import Encoded
from statusgen.sources import ContentFile, Stat
from statusgen.write import MARKER, Identity, file_identity

log = logging.getLogger(__name__)

CACHE_DIR = ".statusgen-cache"
FILE = "validated.pickle"

#: What a build derives from the items and keeps between builds besides the validation results, each in
#: ``<kind>.pickle`` and a folder ``<kind>/`` of chunks beside it: by the digest of what each was made from.
DERIVED = ("views", "api", "reports", "uptime")


#: A file changed less than this before a build looked at it is read again by the next build, whatever its
#: times say: a second write within the same tick of the file system's clock would have left them as they
#: were. (Git's index has the same problem and the same cure.) Two seconds covers coarse clocks and small skew.
RACY_NS = 2_000_000_000


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of statusgen's Python sources, of the interpreter's version and of the libraries installed beside the
    ones that make the output (see :func:`libraries`)."""
    digest = hashlib.blake2b(sys.version.encode(), digest_size=16)
    package = Path(__file__).resolve().parent  # as the themes are found, without importing importlib.resources
    for path in sorted(str(p) for p in package.rglob("*.py")):
        digest.update(path.encode())
        digest.update(Path(path).read_bytes())
    for name in libraries():
        digest.update(f"{name}\0".encode())
    return digest.hexdigest()


def libraries() -> list[str]:
    """The names of the distributions installed where the libraries that turn content into output are (Markdown,
    templates, YAML, JSON), versions included (``markdown_it_py-3.0.0.dist-info``): another version of one of them
    may validate or render the same file differently, so what a build keeps is not used by a build with another.
    Reading the folder costs a tenth of a millisecond; asking the package metadata, forty."""
    found = (importlib.util.find_spec(name) for name in ("jinja2", "markdown_it", "orjson", "yaml"))  # not imported
    names: list[str] = []
    for folder in sorted({os.path.dirname(os.path.dirname(spec.origin)) for spec in found if spec and spec.origin}):
        with contextlib.suppress(OSError):
            names += sorted(name for name in os.listdir(folder) if name.endswith((".dist-info", ".egg-info")))
    return names


#: Entries are pickled together in chunks of about this many, in the order the site lists them (the content files
#: by path, the item views as the site orders its items). One pickle of many entries loads in half the time of as
#: many pickles of one (each enum member, time zone and field name is written once per chunk and then referred to);
#: in the site's order, they are loaded next to each other in memory, which a forked worker copies run by run
#: (chunks by the first byte of each key scattered them, and made the rendering 10% slower). A chunk ends after
#: an entry whose name's CRC-32 is a multiple of this, so a file added or removed changes the chunks around it
#: only; a build that changed one file pickles again the chunk it is in, and leaves the others' files as they are.
CHUNK = 128

#: No chunk holds more than this, whatever the names.
CHUNK_MAX = 4 * CHUNK

#: By chunk, the keys of its entries and, on disk, the name of the file holding their pickle (in memory: the
#: entries themselves, by key).
Stored = dict[int, tuple[tuple[bytes, ...], object]]


def ends_chunk(name: str) -> bool:
    """Whether the entry named ``name`` (a path, a slug) ends its chunk: about one in :data:`CHUNK`."""
    return ends_run(name, CHUNK)


class Chunks:
    """Values under digest keys, kept in chunks (see :data:`CHUNK`). With a ``folder``, each chunk is a file
    there, a pickle named by a digest of its bytes, read when one of its entries is first asked for: a build
    that changed one chunk writes one file, not the whole cache again. Without, the entries themselves (in memory).
    ``mapped``: the values a file sets aside are read from it when unpickled (see :func:`read_chunk`), not with
    their entries."""

    def __init__(self, stored: Stored | None = None, *, folder: Path | None, mapped: bool = False) -> None:
        self.stored: Stored = stored or {}
        self.folder = folder
        self.mapped = mapped
        self._where = {key: chunk for chunk, (keys, _) in self.stored.items() for key in keys}
        self._opened: dict[int, dict[bytes, object]] = {}

    def __contains__(self, key: bytes) -> bool:
        return key in self._where

    def _open(self, chunk: int) -> dict[bytes, object] | None:
        """The entries of ``chunk``; None when its pickle is damaged (and it is dropped: what it held is made again)."""
        keys, kept = self.stored[chunk]
        if self.folder is None:
            return cast(dict[bytes, object], kept)
        try:
            entries = read_chunk(self.folder / cast(str, kept), mapped=self.mapped)
            if not isinstance(entries, dict) or len(entries) != len(keys):
                raise ValueError("not the entries its keys say")
        except Exception as exc:  # missing or damaged: what it held is made again, and written anew
            log.info("ignoring a part of the cache in %s: %s", self.folder, exc)
            with contextlib.suppress(OSError):
                (self.folder / cast(str, kept)).unlink(missing_ok=True)
            del self.stored[chunk]
            for key in keys:
                del self._where[key]
            return None
        self._opened[chunk] = entries
        return entries

    def get(self, key: bytes) -> object | None:
        chunk = self._where.get(key)
        if chunk is None:
            return None
        entries = self._opened.get(chunk) or self._open(chunk)
        return entries.get(key) if entries is not None else None

    def keeping(self, order: Iterable[tuple[str, bytes]], used: Mapping[bytes, object], *,
                salt: str) -> tuple[Chunks, bool, list[tuple[str, dict[bytes, object]]]]:
        """Chunks holding exactly ``used``, in ``order`` (each key with its entry's name; any key of ``used`` not
        in it goes last), whether they differ from these, and (with a folder) the files to write for those: each new
        chunk's file name (see :func:`chunk_name`, of ``salt``, the build's) and entries, for :func:`write_chunks`. A
        chunk of the same keys is kept as it was, without asking ``used`` for its entries (which may read them: see
        :class:`statusgen.render.views.Views`)."""
        groups: list[tuple[bytes, ...]] = []
        current: list[bytes] = []
        seen: set[bytes] = set()
        # Then any key of used that order left out (looked for once order is done, so only those are named).
        for name, key in itertools.chain(order, ((key.hex(), key) for key in used if key not in seen)):
            if key in seen or key not in used:
                continue
            seen.add(key)
            current.append(key)
            if ends_chunk(name) or len(current) >= CHUNK_MAX:
                groups.append(tuple(current))
                current = []
        if current:
            groups.append(tuple(current))
        before = {keys: (n, kept) for n, (keys, kept) in self.stored.items()}
        stored: Stored = {}
        opened: dict[int, dict[bytes, object]] = {}
        changed = len(groups) != len(self.stored)
        writes: list[tuple[str, dict[bytes, object]]] = []
        for n, keys in enumerate(groups):
            if (found := before.get(keys)) is not None:
                stored[n] = (keys, found[1])
                if found[0] in self._opened:
                    opened[n] = self._opened[found[0]]
                continue
            entries = {key: value for key in keys if (value := used.get(key)) is not None}
            kept: object = entries
            if self.folder is not None:
                kept = chunk_name(salt, tuple(entries))
                writes.append((kept, entries))
            stored[n], opened[n], changed = (tuple(entries), kept), entries, True
        made = Chunks(stored, folder=self.folder, mapped=self.mapped)
        made._opened = opened  # what is at hand: taken as it is by a next build in this process
        return made, changed, writes


@dataclass
class _Looked:
    """What a build's :meth:`ValidationCache.unchanged` found, for the next build of a warm process: the ``files`` it
    was given; by path, the ``keys`` and ``entries`` it gave (the caller adds those of the files it read, which the
    next build looks at again anyway); the entries the build ``used`` (see :meth:`ValidationCache.finish`); the paths
    it had ``read``, and the key :meth:`ValidationCache.learn` was told of each."""

    files: list[ContentFile]
    keys: dict[str, bytes]
    entries: dict[str, object]
    used: dict[bytes, object]
    read: set[str]
    learned: dict[str, bytes] = field(default_factory=dict)


class ValidationCache:
    """Validation results by source file. ``path`` None keeps them in memory only.
    ``hold``: on disk, and in memory as well from one build to the next, for a process that builds again and again
    (``build --watch``, ``serve``): its first build reads what the last build from the command line kept, each
    later one reads nothing back, and what each changes is saved for the next command-line build.
    ``manifests``: whether the pages of each output are recorded on disk too (see :meth:`pages`); ``serve``'s
    output is a new temporary folder each time, whose record no later build could use."""

    def __init__(self, path: Path | None = None, *, hold: bool = False, manifests: bool = True) -> None:
        self.path = path
        self.hold = hold or path is None
        self.manifests = manifests
        self._salt = ""
        self._entries = Chunks(folder=self._folder(FILE), mapped=not self.hold)
        self._used: dict[bytes, object] = {}
        self._changed = False
        self._loaded = False
        self._manifests: dict[str, PageManifest] = {}
        self._stats: dict[str, tuple[Stat, bytes]] = {}
        self._stats_now: dict[str, tuple[Stat, bytes]] = {}
        self._looked: dict[str, Stat] = {}
        self._looking: _Looked | None = None
        """What this build's :meth:`unchanged` found (a cache that holds its entries), for the next: see :attr:`_last`."""
        self._last: _Looked | None = None
        """What the last build's :meth:`unchanged` found, once it finished; None after any other salt."""
        self._trusted_before = 0
        self._derived: dict[str, Chunks] = {}
        """By kind (see :data:`DERIVED`), what the last build derived, as read from disk or kept by :meth:`keep`."""
        self._derived_salt = ""
        self._later: list[Callable[[], object]] | None = None
        self._here = False
        self._memos: dict[str, dict[str, Any]] = {}
        self._lasting: dict[str, dict[str, Any]] = {}

    def _folder(self, index: str) -> Path | None:
        """Where the chunks listed in the file ``index`` are kept: a folder beside it, of the same name."""
        return self.path.with_name(Path(index).stem) if self.path is not None else None

    @property
    def salt(self) -> str:
        """What the current build's inputs other than the content files digest to (set by :meth:`begin`)."""
        return self._salt

    def pages(self, output: Path) -> PageManifest:
        """The manifest of the pages built into ``output``: one per output folder, kept beside the validation results
        (in memory only without a path, or without ``manifests``)."""
        name = hashlib.blake2b(str(output.resolve()).encode(), digest_size=8).hexdigest()
        if name not in self._manifests:
            kept = self.path.parent / f"pages-{name}.pickle" if self.path is not None and self.manifests else None
            self._manifests[name] = PageManifest(kept)
        return self._manifests[name]

    def begin(self, salt: str) -> None:
        """Start a build whose inputs other than the content files digest to ``salt``."""
        salt = f"{code_digest()}:{salt}"
        if not self._loaded and self.path is not None:
            stored, self._stats = self._read(salt)
            self._entries, self._salt = Chunks(stored, folder=self._folder(FILE), mapped=not self.hold), salt
        self._loaded = True
        if salt != self._salt:
            self._entries, self._stats, self._salt = Chunks(folder=self._folder(FILE), mapped=not self.hold), {}, salt
            self._last = None
        self._looking = None
        self._used, self._changed = {}, False
        self._stats_now, self._looked = {}, {}
        if salt != self._derived_salt:  # another configuration: component names, the time zone may differ
            self._derived, self._derived_salt, self._memos = {}, salt, {}
        self._trusted_before = time.time_ns() - RACY_NS

    def _read(self, salt: str, path: Path | None = None) -> tuple[Stored, dict[str, tuple[Stat, bytes]]]:
        """The chunks and the content files' stats kept in ``path`` (default: the validation results) for ``salt``."""
        path = path or self.path
        assert path is not None
        try:
            with open(path, "rb") as stream:
                stored = pickle.load(stream)
        except FileNotFoundError:
            return {}, {}
        except Exception as exc:  # a damaged or foreign cache costs speed, never the build
            log.info("ignoring the cache in %s: %s", path, exc)
            return {}, {}
        if (not isinstance(stored, dict) or stored.get("salt") != salt or not isinstance(stored.get("chunks"), dict)
                or not isinstance(stored.get("stats"), dict)):
            return {}, {}
        return stored["chunks"], stored["stats"]

    def _save_index(self, path: Path, chunks: Chunks, stats: dict[str, tuple[Stat, bytes]] | None = None) -> None:
        """Write the index :meth:`_read` reads: this build's salt, ``chunks`` (whose folder then keeps only their
        files) and the content files' ``stats`` (the derived kinds have none)."""
        _save(path, {"salt": self._salt, "chunks": chunks.stored, "stats": stats or {}}, chunks)

    def derived(self, kind: str) -> Chunks:
        """By digest of what each was made from, what the last build derived of ``kind`` (see :data:`DERIVED`;
        item views by :func:`statusgen.render.views.view_digest`): read from disk the first time, then what
        :meth:`keep` was given. Dropped with the salt."""
        assert kind in DERIVED
        if kind not in self._derived:
            index = f"{kind}.pickle"
            stored = self._read(self._salt, self.path.with_name(index))[0] if self.path is not None else {}
            self._derived[kind] = Chunks(stored, folder=self._folder(index), mapped=not self.hold)
        return self._derived[kind]

    def memo(self, kind: str, *, lasting: bool = False) -> dict[str, Any] | None:
        """What this process derived of ``kind`` in its builds, by name, each value with what it was made from for the
        deriving code to check (:func:`statusgen.obligations.obligations`, the view digests): kept from one build to
        the next by a cache that holds its entries (:attr:`hold`), whose unchanged items are the same objects from
        build to build, and dropped with the salt. None from any other: its next build's items are new objects.
        ``lasting``: what depends on no build's inputs, only on what is on disk (the output's folders), kept whatever
        the salt."""
        if not self.hold:
            return None
        return (self._lasting if lasting else self._memos).setdefault(kind, {})

    @contextlib.contextmanager
    def saved_later(self, *, here: bool = False) -> Iterator[list[Callable[[], object]]]:
        """Within the block, what :meth:`finish` and :meth:`keep` would save to disk is not saved but queued in the
        list this gives, for the caller to run (:func:`statusgen.build.build` has a forked worker run it while this
        process writes its pages: at 10,000 incidents, 0.07 s of a rebuild). Only from a cache on disk. One that does
        not :attr:`hold` lets go of what it saved later, and reads it from disk when next asked; one that holds keeps
        what it saves in memory at once, for its next build, and only the pickling and writing wait (0.1 s of a warm
        rebuild at 10,000 incidents, which a forked worker's changes to memory could not have kept). ``here``: the
        caller runs the list itself, in this process, once it has answered and before its next build with this cache
        (a warm process: see :func:`statusgen.build.build`'s ``after``): then one that holds leaves the regrouping of
        what it keeps in memory to the list too (about 30 ms of a warm rebuild at 10,000 incidents). What a build that
        fails midway never ran is lost, which costs the next build time, never its output."""
        assert self.path is not None
        self._later, self._here = [], here
        try:
            yield self._later
        finally:
            self._later, self._here = None, False

    def keep(self, kind: str, order: Iterable[tuple[str, bytes]], made: Mapping[bytes, object]) -> None:
        """Keep exactly ``made`` of ``kind`` for the next build, in ``order`` (each one's name and digest, in the
        site's order); on disk, the chunks that changed (or later: see :meth:`saved_later`). ``made`` may read what
        it holds only when asked (see :class:`statusgen.render.views.Views`); a cache that holds its entries
        (:attr:`hold`) reads it all when it regroups them, and reads nothing back in later builds."""
        chunks, order = self.derived(kind), list(order)

        def used() -> Mapping[bytes, object]:
            if self.hold:  # (what could not be read, a damaged chunk's, is left out: made again when asked for)
                return {key: value for key in made if (value := made.get(key)) is not None}
            return made

        def install(kept: Chunks | None) -> None:
            if kept is None:
                self._derived.pop(kind, None)
            else:
                self._derived[kind] = kept

        self._saving(chunks, order, used, self.path.with_name(f"{kind}.pickle") if self.path is not None else None, install)

    def _saving(self, chunks: Chunks, order: Iterable[tuple[str, bytes]], used: Callable[[], Mapping[bytes, object]],
                index: Path | None, install: Callable[[Chunks | None], object],
                stats: dict[str, tuple[Stat, bytes]] | None = None, changed: bool = False) -> None:
        """``chunks`` regrouped to hold exactly ``used()`` in ``order``, given to ``install`` (None: not held), and what
        changed saved (the new chunks' files, then the ``index`` listing them, with ``stats``; also when ``changed``
        says something else did): at once, or, within :meth:`saved_later`, later. A cache that holds its entries
        (:attr:`hold`) regroups them now, for its next build, and leaves only the writing for later (unless the caller
        runs it here: then all of it); any other leaves it all, and reads them from disk when next asked."""
        salt = self._salt

        def write(kept: Chunks, remade: bool, writes: list[tuple[str, dict[bytes, object]]]) -> None:
            if (changed or remade) and index is not None:
                if kept.folder is not None:
                    write_chunks(kept.folder, writes)
                self._save_index(index, kept, stats)

        def regroup() -> tuple[Chunks, bool, list[tuple[str, dict[bytes, object]]]]:
            made = chunks.keeping(order, used(), salt=salt)
            install(made[0])
            return made

        if self._later is not None and not self.hold:
            install(None)
            self._later.append(lambda: write(*chunks.keeping(order, used(), salt=salt)))
            return
        if self._later is not None and self._here:
            self._later.append(lambda: write(*regroup()))
            return
        made = regroup()
        if self._later is not None:
            self._later.append(functools.partial(write, *made))
        else:
            write(*made)

    def unchanged(self, files: list[ContentFile], seen: list[Stat | None],
                  since: tuple[Iterable[str], Mapping[str, int]] | None = None,
                  ) -> tuple[dict[str, bytes], dict[str, object], list[ContentFile]]:
        """Which of ``files`` need not be read again (every file, every build, in one pass), given what a ``stat`` of
        each saw (``seen``, in the same order: see :func:`statusgen.sources.walk`): by path, the key and the entry of
        each file whose inode, size and times are those it had when a build last read it and whose entry this cache
        holds; and the files to read, in order, whose keys :meth:`learn` is told once they are read.
        ``since``: the paths that may have changed since this cache's last build, and the place of each of ``files``
        by path, when ``files`` is the very list that build was given (a warm process's walk, see
        :func:`statusgen.sources.walk_again`): then only those, and the files that build read, are looked at; the
        others are as that build left them (see :class:`_Looked`)."""
        last, self._last = self._last, None
        if since is not None and last is not None and last.files is files:
            return self._unchanged_since(last, files, seen, *since)
        keys: dict[str, bytes] = {}
        entries: dict[str, object] = {}
        unread: list[ContentFile] = []
        self._look(zip(files, seen, strict=True), keys, entries, unread)
        self._looking = _Looked(files, keys, entries, self._used, {file.path for file in unread}) if self.hold else None
        return keys, entries, unread

    def _unchanged_since(self, last: _Looked, files: list[ContentFile], seen: list[Stat | None], paths: Iterable[str],
                         at: Mapping[str, int]) -> tuple[dict[str, bytes], dict[str, object], list[ContentFile]]:
        """:meth:`unchanged` from what the last build's left (``last``), with ``paths`` and the files it read looked at
        again: any other is as it was then, its stat, key and entry those that build kept (in :attr:`_stats` and its
        entries). 11,000 files are not looked at for one edit (25 ms of a warm rebuild)."""
        keys, entries, used, self._stats_now = dict(last.keys), dict(last.entries), dict(last.used), dict(self._stats)
        self._used = used
        for key in last.learned.values():  # what reading them put in, or took out of the cache: looked at again
            used.pop(key, None)
        places = sorted({n for path in (*paths, *last.read) if (n := at.get(path)) is not None})
        for n in places:
            path = files[n].path
            if (was := keys.pop(path, None)) is not None:
                used.pop(was, None)
            entries.pop(path, None)
            self._stats_now.pop(path, None)
        unread: list[ContentFile] = []
        self._look(((files[n], seen[n]) for n in places), keys, entries, unread)
        self._looking = _Looked(files, keys, entries, used, {file.path for file in unread})
        return keys, entries, unread

    def _look(self, pairs: Iterable[tuple[ContentFile, Stat | None]], keys: dict[str, bytes], entries: dict[str, object],
              unread: list[ContentFile]) -> None:
        """Each file of ``pairs`` with what a ``stat`` of it saw: its key and entry put in ``keys`` and ``entries`` when
        it need not be read again, else the file put in ``unread`` (see :meth:`unchanged`)."""
        looked, stats, stats_now, used, held = self._looked, self._stats, self._stats_now, self._used, self._entries
        for file, now in pairs:
            if now is None:
                unread.append(file)
                continue
            path = file.path
            looked[path] = now
            stored = stats.get(path)
            if stored is None or stored[0] != now:
                unread.append(file)
                continue
            stats_now[path] = stored
            key = stored[1]
            entry = held.get(key)
            if entry is None:  # a damaged chunk's: read again
                unread.append(file)
                continue
            used[key] = entries[path] = entry
            keys[path] = key

    def learn(self, file: ContentFile, key: bytes) -> None:
        """Remember the key of ``file``, just read, under the times :meth:`unchanged` saw before it was read (a change
        since gives it new ones); unless it changed too recently for its times to be trusted (see ``RACY_NS``)."""
        if self._looking is not None:
            self._looking.learned[file.path] = key
        stat = self._looked.get(file.path)
        if stat is not None and max(stat[2], stat[3]) < self._trusted_before:
            self._stats_now[file.path] = (stat, key)

    @staticmethod
    def key(file: ContentFile, data: bytes) -> bytes:
        """What validating ``file`` depends on, besides the salt: its path (which gives its kind and slug) and
        its bytes. Digesting the bytes as read, before they are decoded, costs a fifth of digesting the split file."""
        digest = hashlib.blake2b(file.path.encode(), digest_size=20)
        digest.update(b"\0")
        digest.update(data)
        return digest.digest()

    def holds(self, key: bytes) -> bool:
        """Whether an entry is kept under ``key`` (without loading it: a forked worker asks, the build takes it)."""
        return key in self._entries

    def get(self, key: bytes) -> object | None:
        found = self._entries.get(key)
        if found is not None:
            self._used[key] = found
        return found

    def put(self, key: bytes, value: object) -> None:
        self._used[key] = value
        self._changed = True

    def finish(self, order: Iterable[tuple[str, bytes]] = ()) -> None:
        """Keep exactly the entries this build used (so deleted files drop out), in ``order`` (each file's path and
        key, in the site's order), and save them if anything changed: a chunk whose entries are those it held is
        written back as it was read, any other is pickled again (or later: see :meth:`saved_later`)."""
        stats, used = self._stats_now, self._used

        def install(kept: Chunks | None) -> None:
            if self.hold and kept is not None:
                self._entries = kept
            else:  # the entries are not held while the site renders: a next build with this object reads the files again
                self._entries, self._loaded, self._stats = Chunks(folder=self._folder(FILE), mapped=not self.hold), False, {}

        changed = self._changed or stats != self._stats
        if self.hold:
            # Until the entries are regrouped (see saved_later), a file whose entry is new is read again by a next build.
            self._stats = stats
        self._saving(self._entries, order, lambda: used, self.path, install, stats, changed)
        self._used, self._stats_now, self._looked = {}, {}, {}
        self._last, self._looking = self._looking, None


#: How a chunk's file starts: then the length of its entries' pickle (8 bytes, little-endian), that pickle, and
#: the pickles of the :class:`statusgen.model.Encoded` values the entries hold, one after the other, which the
#: entries' pickle names by place. At 10,000 incidents their updates are 46 of the 54 MB of validated chunks,
#: and a rebuild reads those of a hundred (see :func:`read_chunk`).
CHUNK_MARK = b"SGC\x01"


class _ChunkPickler(pickle.Pickler):
    """Pickles a chunk's entries, setting aside the pickle of each :class:`Encoded` value they hold."""

    def __init__(self, stream: io.BytesIO, aside: io.BytesIO) -> None:
        super().__init__(stream, protocol=pickle.HIGHEST_PROTOCOL)
        self.aside = aside

    def persistent_id(self, obj: object) -> tuple[int, int] | None:
        if type(obj) is not Encoded:
            return None
        data = obj.pickled
        start = self.aside.tell()
        self.aside.write(data)
        return start, self.aside.tell() - start


class _ChunkUnpickler(pickle.Unpickler):
    """Unpickles a chunk's entries, each :class:`Encoded` value as a view of ``aside``, read when it is unpickled."""

    def __init__(self, data: bytes, aside: memoryview) -> None:
        super().__init__(io.BytesIO(data))
        self.aside = aside

    def persistent_load(self, pid: object) -> Encoded[object]:
        if not (isinstance(pid, tuple) and len(pid) == 2 and 0 <= pid[0] <= pid[0] + pid[1] <= len(self.aside)):
            raise ValueError(f"an encoded value out of its chunk's bounds: {pid!r}")
        return Encoded(self.aside[pid[0]:pid[0] + pid[1]])


def _pickled(entries: dict[bytes, object]) -> bytes:
    """One chunk's entries, as its file holds them (see :data:`CHUNK_MARK`)."""
    head, aside = io.BytesIO(), io.BytesIO()
    _ChunkPickler(head, aside).dump(entries)
    return b"".join((CHUNK_MARK, head.getbuffer().nbytes.to_bytes(8, "little"), head.getbuffer(), aside.getbuffer()))


def read_chunk(path: Path, *, mapped: bool = False) -> object:
    """What :func:`_pickled` wrote to ``path``. ``mapped``: the values it set aside are left in the file, mapped into
    memory, and read when each is unpickled (0.08 s instead of 0.11 s to read the chunks of 10,000 incidents in a new
    process); the mapping keeps what it maps when the file is replaced or removed (by this build's worker, by a
    build from the command line while ``serve`` runs). The cache only ever replaces its files, never writes over
    one: a file cut short while mapped would stop the process. So only a build that lasts a command maps them; a
    process that builds again and again reads them whole."""
    with open(path, "rb") as stream:
        start = stream.read(len(CHUNK_MARK) + 8)
        if start[:len(CHUNK_MARK)] != CHUNK_MARK or len(start) != len(CHUNK_MARK) + 8:
            raise ValueError("not a chunk of this cache")
        length = int.from_bytes(start[len(CHUNK_MARK):], "little")
        head = stream.read(length)
        if len(head) != length:
            raise ValueError("cut short")
        offset = len(start) + length
        aside = memoryview(b"")
        if mapped and os.fstat(stream.fileno()).st_size > offset:
            with contextlib.suppress(OSError, ValueError):  # a file system that cannot map files: read it whole
                aside = memoryview(mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ))[offset:]
        if not aside:
            aside = memoryview(stream.read())
    return _ChunkUnpickler(head, aside).load()


def chunk_name(salt: str, keys: tuple[bytes, ...]) -> str:
    """The name of the file of a chunk holding the entries under ``keys`` for a build salted ``salt``: a key is a
    digest of what its entry was made from, and the salt of everything else, so two chunks of one name hold the
    same. Named without pickling the chunk, a process that keeps its chunks in memory (see
    :attr:`ValidationCache.hold`) knows their names at once and leaves their writing to a forked worker."""
    digest = hashlib.blake2b(hashlib.blake2b(salt.encode()).digest(), digest_size=16)
    for key in keys:  # each with its length: no two lists of keys make the same bytes
        digest.update(len(key).to_bytes(2, "little") + key)
    return f"{digest.hexdigest()}.pickle"


def write_chunks(folder: Path, writes: Iterable[tuple[str, dict[bytes, object]]]) -> None:
    """Write each chunk's file in ``folder`` (see :meth:`Chunks.keeping`), unless one of that name is there."""
    for name, entries in writes:
        if not (folder / name).is_file():
            _save(folder / name, _pickled(entries))


def _save(path: Path, value: object, chunks: Chunks | None = None) -> None:
    """Replace ``path`` with ``value`` pickled (or, bytes, as they are), at once (never half written); a failure
    only costs speed. ``chunks``: those ``value`` lists, whose folder then keeps only their files."""
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}-", dir=path.parent)
        with os.fdopen(handle, "wb") as stream:
            if isinstance(value, bytes):
                stream.write(value)
            else:
                pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except (OSError, pickle.PicklingError) as exc:  # a read-only checkout still builds
        log.info("could not save the cache in %s: %s", path, exc)
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        return
    if chunks is not None and chunks.folder is not None:  # the files of chunks no longer listed
        listed = {name for _, name in chunks.stored.values()}
        try:
            with os.scandir(chunks.folder) as found:
                for entry in found:
                    if entry.name not in listed:
                        Path(entry.path).unlink(missing_ok=True)
        except OSError as exc:
            log.info("could not remove old parts of the cache in %s: %s", chunks.folder, exc)


#: A page's key, its file's inode, size and modification time (ns) when the build that wrote it ended, and a
#: digest of its bytes (see :func:`page_digest`; empty when unknown).
_Entry = tuple[bytes, int, int, int, bytes]


def page_digest(data: bytes) -> bytes:
    """What a page's bytes digest to: a restored copy of an output is trusted page by page on it."""
    return hashlib.blake2b(data, digest_size=16).digest()


def _same_bytes(path: str, size: int, digest: bytes) -> Identity | None:
    """The identity of the file at ``path`` if it holds ``size`` bytes that digest to ``digest``, else None."""
    try:
        found = os.stat(path)
        if not digest or found.st_size != size:
            return None
        with open(path, "rb") as stream:
            same = page_digest(stream.read()) == digest
    except OSError:
        return None
    return file_identity(found) if same else None


#: By path, the key and file identity of each page found intact in an output folder.
Kept = dict[str, tuple[bytes, Identity]]


def identity(path: str) -> Identity | None:
    """A file's inode, size and modification time (ns); None when it is not there."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return file_identity(found)


@dataclass(frozen=True)
class _Record:
    """What one build wrote into an output folder: each page's key and file identity.
    ``marker`` is the identity of that build's marker file, written new by every build: a folder whose
    marker is another is another build's, and nothing recorded here is true of it."""

    salt: str
    marker: tuple[int, int, int]
    pages: dict[str, _Entry]

    def intact(self, folder: Path, salt: str, elsewhere: Kept | None = None, *, copy: bool = False,
               seen: Mapping[str, Identity] | None = None, restored: Kept | None = None) -> Kept:
        """By path, the key and file identity of each page still in ``folder`` as this build wrote it; none when
        salted otherwise. A page ``elsewhere`` holds intact with the same key is not looked at (nor given).
        ``copy``: ``folder`` is a copy of the output this build wrote (restored by a CI runner's cache, so every
        file has another inode and the marker is another file), and each page is read and digested: intact
        when it still holds the bytes this build wrote. ``seen``: by path, the identity of every file in ``folder``
        (taken when it was listed: see :class:`statusgen.write.Lister`), instead of a ``stat`` of each;
        ``restored``: with ``copy``, the pages already found holding those bytes (see :meth:`PageManifest.restored`),
        instead of reading each."""
        if salt != self.salt:
            return {}
        root, kept, elsewhere = str(folder), {}, elsewhere or {}
        for path, (key, inode, size, modified, digest) in self.pages.items():
            if (there := elsewhere.get(path)) is not None and there[0] == key:
                continue
            file = f"{root}/{path}"
            if copy:
                found = _same_bytes(file, size, digest) if restored is None else restored.get(path, (b"", None))[1]
            elif (found := seen.get(path) if seen is not None else identity(file)) != (inode, size, modified):
                found = None
            if found is not None:
                kept[path] = (key, found)
        return kept


@dataclass(frozen=True)
class Spare:
    """The output before the current one, kept beside it (see :func:`statusgen.write.spare_of`) so that the next
    build updates it into the new output instead of writing every file and folder again."""

    path: Path
    intact: Kept
    """By path, the key and file identity of each page still as the build that wrote it left it."""


@dataclass(frozen=True)
class Reusable:
    """What a build may take from the last two builds into one output folder instead of rendering it."""

    current: Kept
    """By path, the key and file identity of each page intact in the output."""
    spare: Spare | None

    def keys(self, *, spare: bool) -> dict[str, tuple[bytes, ...]]:
        """By path, the keys of the pages that can be reused: from the output, and from the spare if it was taken."""
        keys: dict[str, tuple[bytes, ...]] = {path: (key,) for path, (key, _) in self.current.items()}
        if spare and self.spare is not None:
            for path, (key, _) in self.spare.intact.items():
                keys[path] = (*keys.get(path, ()), key)
        return keys


def _recorded_digest(records: list[dict[str, _Entry]], path: str, key: bytes) -> bytes:
    """The digest the first of ``records`` that holds the page at ``path`` with ``key`` recorded for it (empty when
    none does). A loop, not a generator: a rebuild asks it for each of 12,000 reused pages."""
    for pages in records:
        entry = pages.get(path)
        if entry is not None and entry[0] == key:
            return entry[4]
    return b""


class PageManifest:
    """The pages the last two builds wrote into one output folder, the current output and its spare
    (see :mod:`statusgen.render.keys`): each one's key and its file's identity, so that a file changed
    or replaced since (by hand, by another build, by a post-processing step) is never reused.
    ``path`` None keeps it in memory only (``serve``). On disk, each record is pickled apart, so the current output's,
    which the next build keeps as the spare's, is written again as it was read."""

    VERSION = 4

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._kept: dict[str, _Record | None] | None = None
        self._pickled: dict[str, bytes] = {}
        """Each record of :attr:`_kept` as the file holds it, when it was read from there or written."""

    def _stored(self) -> dict[str, _Record | None]:
        if self._kept is not None or self.path is None:
            return self._kept or {}
        try:
            with open(self.path, "rb") as stream:
                stored = pickle.load(stream)
            if not (isinstance(stored, tuple) and len(stored) == 2 and stored[0] == self.VERSION
                    and isinstance(stored[1], dict)):
                return {}
            kept = {name: pickle.loads(data) for name, data in stored[1].items() if isinstance(data, bytes)}
        except FileNotFoundError:
            return {}
        except Exception as exc:  # like the validation cache: never a reason for a build to fail
            log.info("ignoring the page manifest in %s: %s", self.path, exc)
            return {}
        if not all(isinstance(record, _Record) for record in kept.values()):
            return {}
        self._kept = kept  # read once a build: record() takes the spare's record from it
        self._pickled = {name: stored[1][name] for name in kept}
        return self._kept

    def restored(self, output: Path) -> Kept | None:
        """When ``output`` is a copy of the output this manifest recorded (its marker is another file: a CI runner
        restored it), each of its pages that still holds the bytes the build wrote, whatever the salt of the build
        that asks (:meth:`previous` checks it); None when it is not such a copy. Reading and digesting 12,000
        pages takes about half a second: a forked child does it while the site loads (see
        :class:`statusgen.write.Lister`)."""
        current = self._stored().get("current")
        found = identity(f"{output}/{MARKER}")
        if current is None or found is None or found == current.marker:
            return None
        return current.intact(output, current.salt, copy=True)

    def previous(self, salt: str, output: Path, spare: Path, seen: Mapping[str, Identity] | None = None,
                 restored: Kept | None = None) -> Reusable:
        """What the build salted ``salt`` may reuse from ``output`` and from its ``spare``
        (pages only from a build salted the same; the spare's folders whatever its salt).
        ``seen``: the identity of every file in the spare, by path, when it was just listed; ``restored``: what
        :meth:`restored` found in ``output``, when it was asked already."""
        stored = self._stored()
        current, before = stored.get("current"), stored.get("spare")
        marker, taken = identity(f"{spare}/{MARKER}"), None
        if marker is not None:  # else no spare, or not a build's output
            # One this manifest did not record still serves for its folders.
            taken = Spare(spare, before.intact(spare, salt, seen=seen) if before is not None and marker == before.marker else {})
        keys: Kept = {}
        if current is not None:
            # A page the spare holds with the key the output's has is taken from the spare: the output's is not
            # looked at (half the stat calls of a rebuild where little changed).
            elsewhere = taken.intact if taken is not None else None
            found = identity(f"{output}/{MARKER}")
            if found is not None:  # another marker: a copy, whose pages are each checked by what they hold
                keys = current.intact(output, salt, elsewhere, copy=found != current.marker, restored=restored)
        return Reusable(keys, taken)

    def record(self, salt: str, output: Path, keys: dict[str, bytes], digests: dict[str, bytes],
               identities: dict[str, Identity] | None = None, *, later: list[Callable[[], object]] | None = None) -> None:
        """Keep the keys of the pages just written into ``output``, with their files' identities (``identities``:
        as the build saw them when it wrote or kept each file; a ``stat`` for any other) and digests
        (``digests``: of the pages rendered; a reused page's is the one recorded with its key); the record of
        the output it replaced is kept as the spare's (a build with a manifest always keeps a spare).
        ``later``: all of it is put in it instead of done, for a warm process to run once it has answered and
        before its next build (see :func:`statusgen.build.build`'s ``after``): 10 ms of a warm rebuild at 10,000
        incidents."""
        if later is not None:
            later.append(functools.partial(self.record, salt, output, keys, digests, identities))
            return
        marker = identity(f"{output}/{MARKER}")
        if marker is None:
            return
        stored = self._stored()
        records = [record.pages for record in stored.values() if record is not None]
        root, pages, identities = str(output), {}, identities or {}
        for path, key in keys.items():
            found = identities.get(path) or identity(f"{root}/{path}")
            if found is not None:
                digest = digests.get(path)
                if digest is None:  # reused: its digest is recorded with its key, at its path in one of the records
                    digest = _recorded_digest(records, path, key)
                pages[path] = (key, *found, digest)
        spare = stored.get("current")
        self._kept = {"current": _Record(salt, marker, pages), "spare": spare}
        if self.path is not None:
            before, self._pickled = self._pickled.get("current"), {}
            self._pickled["current"] = pickle.dumps(self._kept["current"], protocol=pickle.HIGHEST_PROTOCOL)
            if spare is not None:  # as it was read or written
                self._pickled["spare"] = before or pickle.dumps(spare, protocol=pickle.HIGHEST_PROTOCOL)
            _save(self.path, (self.VERSION, self._pickled))
