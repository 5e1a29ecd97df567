"""Stage 6: the only code that touches the output directory.

The build is written into a directory beside the output, then swapped in, so
a reader (or a deploy step) never sees half a site, and a failed build leaves
the previous output exactly as it was. That directory is a fresh one, or, for
a build with a cache, the output before the previous one (the *spare*),
updated in place into the new output.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from statusgen.child import InChild
from statusgen.render import Artifact

if TYPE_CHECKING:
    from statusgen.cache import Kept, Spare

#: A file's inode, size and modification time (ns): what tells that a page is still the file a build wrote.
Identity = tuple[int, int, int]


def file_identity(found: os.stat_result) -> Identity:
    """The :data:`Identity` in a ``stat`` result."""
    return found.st_ino, found.st_size, found.st_mtime_ns


#: What a directory holds: its files, and its folders, each after the folders inside it (see :meth:`Staging.listing`).
Listing = tuple[set[str], list[str]]

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


def spare_of(output: Path) -> Path:
    """Where the output before the current one is kept, when a build keeps it (see :class:`Staging`)."""
    return output.parent / f".{output.name}.spare"


class Staging:
    """A directory beside the output that artifacts are written into as they are rendered (so a build
    never holds the whole site in memory), then swapped in whole by :meth:`commit`; :meth:`discard`
    leaves the output as it was. Forked workers write into the same directory, each its own files.

    The directory is a fresh one, or, given a ``spare``, the output before the current one, updated in
    place: its folders are already there (creating 12,000 of them is a large part of a build on some
    file systems), its pages that are still right stay, every other file is replaced, and :meth:`prune`
    removes what this build does not write. With ``keep``, the replaced output becomes the next spare."""

    def __init__(self, output: Path, *, spare: Spare | None = None, keep: bool = False) -> None:
        ensure_replaceable(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        self.output = output
        self.keep = keep
        self.root = Path(tempfile.mkdtemp(prefix=f".{output.name}.new-", dir=output.parent))
        self.spare = spare
        """The spare this build updates, None when it writes a fresh directory."""
        if spare is not None:
            try:
                os.replace(spare.path, self.root)  # onto the empty new folder: the spare is taken whole or not at all
            except OSError:
                self.spare = None
        self._root = str(self.root)
        self._made: set[str] = set()
        self.files = 0
        """Files written by this process (a forked worker's are not counted here)."""
        self.identities: dict[str, Identity] = {}
        """With ``keep``, by path, the identity of each page (artifact with a key) this process wrote or kept, as
        it wrote or kept it: what the page manifest records, without a ``stat`` of every page once the build is done.
        Not those :attr:`from_spare` says of, when :attr:`spare_implied` (their identity is the spare's)."""
        self.from_spare = False
        """Whether the artifact last written was the spare's page as it was (its key and identity those in
        ``spare.intact``): nothing was written."""
        self.spare_implied = False
        """Set by a forked worker, whose caller knows the spare too: see :attr:`identities`."""
        for leftover in output.parent.glob(f".{output.name}.old-*"):  # an earlier build's, if its removal was cut short
            remove(leftover, large=True)
        # Where the spare's replaced files go: deleting a file's last link costs as much as creating a folder
        # on some file systems, so they are moved aside (a rename) and deleted apart once the build is done.
        self._trash = tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=output.parent) if self.spare else ""
        self._trashed = 0

    def write(self, artifact: Artifact) -> int:
        """Write one artifact; returns its size. (Plain strings and ``os``: this runs once per file.)"""
        check_path(artifact.path)
        target = f"{self._root}/{artifact.path}"
        self.files += 1
        self.from_spare = False
        if self.spare is not None:
            kept = self.spare.intact.get(artifact.path)
            if artifact.reused and kept is not None and kept[0] == artifact.key:
                self.from_spare = True
                if not self.spare_implied:
                    self.identities[artifact.path] = kept[1]
                return kept[1][1]  # already there: the spare's page is this build's page
            try:
                return self._write(artifact, target)
            except (FileExistsError, NotADirectoryError, IsADirectoryError):
                _clear(self._root, artifact.path)  # the spare has a file where a folder goes, or the other way
        return self._write(artifact, target)

    def _write(self, artifact: Artifact, target: str) -> int:
        folder = target.rpartition("/")[0]
        if folder not in self._made:
            os.makedirs(folder, exist_ok=True)
            self._made.add(folder)
        if self.spare is not None:  # never written through: the spare's file may be linked into the current output too
            self._trashed += 1
            with contextlib.suppress(FileNotFoundError):
                os.rename(target, f"{self._trash}/{os.getpid()}-{self._trashed}")
        if artifact.reused:
            return self._reuse(artifact.path, target)
        with open(target, "xb") as stream:
            size = stream.write(artifact.data)
            if self.keep and artifact.key is not None:
                stream.flush()  # its size and time once written, not what the buffer has left so far
                found = os.fstat(stream.fileno())
                self.identities[artifact.path] = file_identity(found)
        return size

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
            found = os.stat(target)
        except OSError as exc:
            raise OutputError(f"{source} was removed or changed while the site was being built ({exc.strerror}); "
                              "build again") from exc
        if self.keep:
            self.identities[path] = file_identity(found)
        return found.st_size

    def listing(self) -> Listing:
        """What the directory holds now (see :func:`list_tree`). Taken from the spare by a forked worker while this
        process writes, or by :class:`Lister` before the spare is taken, for :meth:`prune`: 10,000 folders take a while."""
        return list_tree(self._root)

    def prune(self, written: Iterable[str], listed: Listing | None = None) -> None:
        """Remove whatever the spare held that this build did not write (pages of deleted incidents, files a
        deploy step added to the output, ...), and the folders that leaves empty: the new output holds exactly
        what a fresh one would. ``listed``: the :meth:`listing` of the spare, taken any time after this build
        took it (only this build writes here since, and what it writes stays); by default taken now."""
        if self.spare is None:
            return
        files, folders = listed if listed is not None else self.listing()
        keep = {*written, MARKER}
        needed = {folder for path in keep for folder in _parents(path)}
        for path in files - keep:
            if path in needed or any(folder in keep for folder in _parents(path)):
                continue  # a folder now, or under what is a file now: replaced by what this build wrote there
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{self._root}/{path}")
        for folder in folders:  # each after what it holds
            if folder not in needed and folder not in keep:
                with contextlib.suppress(FileNotFoundError, NotADirectoryError):  # gone, or under what is a file now
                    os.rmdir(f"{self._root}/{folder}")

    def _empty_trash(self) -> None:
        if not self._trash:
            return
        try:
            os.rmdir(self._trash)  # empty: nothing was replaced
        except OSError:
            remove(Path(self._trash), large=True)

    def commit(self) -> None:
        self._empty_trash()
        marker = self.root / MARKER
        marker.unlink(missing_ok=True)
        marker.write_text("This directory is written by statusgen build; it is replaced whole on every build.\n")
        os.chmod(self.root, 0o755)
        spare = spare_of(self.output)
        _retire(spare, self.output.name)  # one this build did not take is obsolete now: only the output replaced is kept
        if self.output.exists():
            if self.keep:
                os.replace(self.output, spare)
                os.replace(self.root, self.output)
                return
            retired = Path(tempfile.mkdtemp(prefix=f".{self.output.name}.old-", dir=self.output.parent))
            os.replace(self.output, retired / self.output.name)
            os.replace(self.root, self.output)
            remove(retired, large=self.files >= DELETE_APART_FROM)
        else:
            os.replace(self.root, self.output)

    def discard(self) -> None:
        self._empty_trash()
        if self.spare is not None:  # as large as an output
            _retire(self.root, self.output.name)
        else:
            shutil.rmtree(self.root, ignore_errors=True)


#: What a listing found in each folder of a tree, by its path with a final slash ("" for the tree itself): the
#: folder's identity (inode, modification and change times, ns) and its entries, each a name and whether it is a folder.
Folders = dict[str, tuple[tuple[int, int, int], tuple[tuple[str, bool], ...]]]


@dataclass
class FolderMemo:
    """What an earlier listing of a tree found in its folders (``known``), for :func:`list_tree` to take a folder's
    entries from instead of reading it again, when the folder is as it was and was last changed before
    ``trusted_before`` (ns since 1970: a change within the same tick of the file system's clock would leave its
    times as they were, see :data:`statusgen.cache.RACY_NS`); and what this listing found that differs (``made``)
    and which known folders it did not find (``gone``), to bring ``known`` up to date (see :meth:`update`)."""

    known: Folders
    trusted_before: int
    made: Folders = field(default_factory=dict)
    gone: list[str] = field(default_factory=list)

    @staticmethod
    def update(known: Folders, made: Folders, gone: Iterable[str]) -> None:
        """Bring ``known`` up to what a listing with it found (its ``made`` and ``gone``)."""
        known.update(made)
        for folder in gone:
            known.pop(folder, None)


def _entries(where: str, prefix: str, memo: FolderMemo | None) -> tuple[tuple[str, bool], ...]:
    """The folder ``where``'s entries, each a name and whether it is a folder: with a ``memo``, from the last listing
    when the folder (``prefix`` in the tree) is as it was then and settled, else read (and noted in the memo)."""
    if memo is None:
        with os.scandir(where) as listed:
            return tuple((entry.name, entry.is_dir(follow_symlinks=False)) for entry in listed)
    found = os.stat(where)
    now = (found.st_ino, found.st_mtime_ns, found.st_ctime_ns)
    then = memo.known.get(prefix)
    if then is not None and then[0] == now and max(now[1], now[2]) < memo.trusted_before:
        return then[1]
    entries = _entries(where, prefix, None)
    memo.made[prefix] = (now, entries)
    return entries


def list_tree(root: str, seen: dict[str, Identity] | None = None, memo: FolderMemo | None = None) -> Listing:
    """What the directory ``root`` holds: its files, and its folders, each after the folders inside it.
    ``seen``: filled with each file's identity (inode, size, modification time), as ``os.stat`` gives it.
    ``memo``: what an earlier listing found in each folder, taken for a folder unchanged since (a file changed in
    place leaves its folder as it was, so every file is still looked at); filled with what differs."""
    files: set[str] = set()
    folders: list[str] = []  # each before what it holds, then turned around
    visited: set[str] = set()
    pending = [""]
    while pending:  # (not a nested function calling itself: a reference cycle, left for the collector)
        prefix = pending.pop()
        for name, folder in _entries(f"{root}/{prefix}" if prefix else root, prefix, memo):
            path = f"{prefix}{name}"
            if folder:
                folders.append(path)
                pending.append(f"{path}/")
            else:
                files.add(path)
                if seen is not None:
                    with contextlib.suppress(OSError):
                        seen[path] = file_identity(os.stat(f"{root}/{path}"))
        visited.add(prefix)
    if memo is not None:
        memo.gone = [folder for folder in memo.known if folder not in visited]
    folders.reverse()
    return files, folders


def _listed_with(memos: dict[str, Any], spare: Path | None, output: Path | None,
                 seen: dict[str, Identity]) -> tuple[Listing | None, list[tuple[str, Folders, list[str]]]]:
    """The :func:`list_tree` of ``spare`` (its files' identities in ``seen``) taken with what ``memos`` (see
    :class:`Lister`) has of it, and ``output`` listed too when ``memos`` has nothing of it; and, by inode, what each
    listing found that differs (see :class:`FolderMemo`): only that goes back to this process."""
    from statusgen.cache import RACY_NS  # (the cache imports this module)

    trusted = time.time_ns() - RACY_NS
    listed: Listing | None = None
    changed: list[tuple[str, Folders, list[str]]] = []  # for each folder, even one not listed again
    for tree, wanted in ((spare, True), (output, False)):
        if tree is None or not tree.is_dir():
            continue
        inode = str(os.stat(tree).st_ino)
        if not wanted and inode in memos:
            changed.append((inode, {}, []))
            continue
        memo = FolderMemo(memos.get(inode, {}), trusted)
        found = list_tree(str(tree), seen if wanted else None, memo)
        listed = found if wanted else listed
        changed.append((inode, memo.made, memo.gone))
    return listed, changed


class Lister:
    """The :func:`list_tree` of a folder (the spare) and its files' identities, and what ``also`` returns, taken by
    a forked child while this process goes on (a rebuild lists the spare while it loads the site: the spare's
    10,000 folders took a sixth of a second of the worker's time before it could write, and a ``stat`` of its
    12,000 pages a twentieth of a second before the worker was forked; a restored output's pages are checked
    by their bytes meanwhile too, see :meth:`statusgen.cache.PageManifest.restored`). Only from a process that
    :func:`statusgen.child.can_fork`; what the child found is what the folders held when it looked, so nothing
    else may change them before it is used. :meth:`result` is None when the child failed; :meth:`close` ends it
    either way."""

    def __init__(self, folder: Path | None, also: Callable[[], Kept | None] | None = None,
                 memos: dict[str, Any] | None = None, beside: Path | None = None) -> None:
        """``memos``: by a folder's inode (as text), what this process's last listing of it found in each of its
        folders (see :class:`FolderMemo`): a process that builds again and again lists the spare, which it wrote two
        builds ago, mostly from it (0.10 s instead of 0.15 s at 10,000 incidents). ``beside``: the output, which is
        the next build's spare: listed too when ``memos`` has nothing of it yet, for that build. :meth:`result`
        brings ``memos`` up to date, and leaves in it only these two folders'."""
        self._memos = memos
        self.output = beside
        """The output this lists the spare of (when given)."""

        def take() -> tuple[Listing | None, dict[str, Identity], Kept | None, list[tuple[str, Folders, list[str]]]]:
            seen: dict[str, Identity] = {}
            listed: Listing | None = None
            changed: list[tuple[str, Folders, list[str]]] = []
            if memos is None:
                listed = list_tree(str(folder), seen) if folder is not None else None
            else:
                listed, changed = _listed_with(memos, folder, beside, seen)
            return listed, seen, also() if also is not None else None, changed

        self._child = InChild(take)
        self._updated = False

    def result(self) -> tuple[Listing | None, dict[str, Identity], Kept | None] | None:
        """The listing (None without a folder), by path each listed file's identity, and what ``also`` returned
        (waiting for them); None when the child could not take them. Asked for again, the same."""
        taken = self._child.result()
        if not isinstance(taken, tuple):
            return None
        if self._memos is not None and not self._updated:
            self._updated = True
            kept = {inode: self._memos.get(inode, {}) for inode, _, _ in taken[3]}
            for inode, made, gone in taken[3]:
                FolderMemo.update(kept[inode], made, gone)
            self._memos.clear()
            self._memos.update(kept)
        return taken[0], taken[1], taken[2]

    def close(self) -> None:
        """Stop reading (a child still writing then ends) and reap the child."""
        self._child.close()


def _parents(path: str) -> Iterator[str]:
    """The folders above ``path``, inside the output (not the output itself)."""
    folder = path.rpartition("/")[0]
    while folder:
        yield folder
        folder = folder.rpartition("/")[0]


def _clear(root: str, path: str) -> None:
    """Remove whatever stands in the way of writing ``path``: a file where one of its folders goes, a folder where it goes."""
    for folder in reversed([*_parents(path)]):
        if os.path.isfile(f"{root}/{folder}") or os.path.islink(f"{root}/{folder}"):
            os.unlink(f"{root}/{folder}")
            return
    if os.path.isdir(f"{root}/{path}") and not os.path.islink(f"{root}/{path}"):
        shutil.rmtree(f"{root}/{path}")
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{root}/{path}")


def _retire(tree: Path, output_name: str) -> None:
    """Remove ``tree``, a folder as large as an output, if it is there: renamed at once out of the way
    (to where the next build sweeps it if this removal is cut short), and deleted by a detached process."""
    if not tree.exists():
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{output_name}.old-", dir=tree.parent))
    os.replace(tree, retired / tree.name)
    remove(retired, large=True)
