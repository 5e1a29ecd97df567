"""The validation cache, the two-process build and the progress line change
how fast a build is, never what it writes."""

from __future__ import annotations

import filecmp
import io
import mmap
import os
import pickle
import time
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import statusgen.build
import statusgen.cache
import statusgen.content
import statusgen.parallel
import statusgen.render.views
from bench.corpus import NOW, write_corpus
from statusgen.build import build
from statusgen.cache import CACHE_DIR, FILE, ValidationCache
from statusgen.cli import main
from statusgen.progress import TerminalProgress
from statusgen.render import site_files
from statusgen.sources import Changes, ContentFile, ContentKind

SAMPLE = Path(__file__).resolve().parent.parent


def same_tree(a: Path, b: Path) -> bool:
    """True when both trees hold the same files with the same bytes."""
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    if files_a != files_b:
        return False
    match, mismatch, errors = filecmp.cmpfiles(a, b, [str(p) for p in files_a], shallow=False)
    return not mismatch and not errors and len(match) == len(files_a)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus") / "site", 150)


def test_two_processes_write_the_same_bytes_as_one(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(statusgen.content, "PARALLEL_FROM", 10)  # validation in two processes as well,
    monkeypatch.setattr(statusgen.content, "_PART", 7)  # in many parts,
    monkeypatch.setattr(statusgen.content, "can_fork", lambda: True)  # even after the browser tests (see below)
    two = build(corpus, tmp_path / "two", now=NOW, parallel=True)
    monkeypatch.setattr(statusgen.content, "can_fork", lambda: False)  # validation in one process too
    one = build(corpus, tmp_path / "one", now=NOW, parallel=False)
    assert one.ok and two.ok
    assert (one.files, one.bytes, one.pages) == (two.files, two.bytes, two.pages)
    assert same_tree(tmp_path / "one", tmp_path / "two")


def test_two_processes_take_the_files_in_parts_and_the_site_keeps_file_order(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each process takes the next part when it is free, so both validate some of the parts, never the same
    file twice, and the site is the one a single process makes; ``meanwhile`` runs once, in this process."""
    real = statusgen.content._validate

    def noted(source: statusgen.content.SourceFile, config: object) -> object:
        with open(tmp_path / f"validated-by-{os.getpid()}", "a", encoding="utf-8") as log:
            log.write(source.path + "\n")
        time.sleep(0.002)  # so that neither process can take every part before the other asks
        return real(source, config)  # type: ignore[arg-type]

    def meanwhile(config: object) -> None:
        """This process's own work: it ends once the worker has started, which the worker does without it."""
        called_in.append(os.getpid())
        waited = time.monotonic()
        while not [p for p in tmp_path.glob("validated-by-*") if p.name != f"validated-by-{os.getpid()}"]:
            assert time.monotonic() - waited < 30, "the worker never started on the files"
            time.sleep(0.001)

    monkeypatch.setattr(statusgen.content, "_validate", noted)
    monkeypatch.setattr(statusgen.content, "PARALLEL_FROM", 10)
    monkeypatch.setattr(statusgen.content, "_PART", 7)
    # Forking is safe here, but can_fork() says no once the browser tests ran: their session's Playwright driver
    # keeps a thread (asyncio's child watcher) waiting until the session ends, idle and holding no lock.
    monkeypatch.setattr(statusgen.content, "can_fork", lambda: True)
    called_in: list[int] = []
    two = statusgen.content.load_site(corpus, meanwhile=meanwhile)
    logs = {int(p.name.rsplit("-", 1)[1]): p.read_text(encoding="utf-8").split() for p in tmp_path.glob("validated-by-*")}
    for p in tmp_path.glob("validated-by-*"):
        p.unlink()
    monkeypatch.setattr(statusgen.content, "can_fork", lambda: False)
    one = statusgen.content.load_site(corpus, meanwhile=lambda config: called_in.append(-1))

    assert called_in == [os.getpid(), -1]
    assert len(logs) == 2 and os.getpid() in logs  # both processes validated files
    paths = [path for log in logs.values() for path in log]
    assert len(paths) == len(set(paths))
    assert sorted(paths) == sorted(f.path for f in statusgen.content.content_files(corpus))
    assert all(len(log) >= 7 for log in logs.values())
    assert two.site is not None and two.site == one.site
    assert two.diagnostics == one.diagnostics


def test_a_failure_in_the_worker_fails_the_build_and_keeps_the_old_output(corpus: Path, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    assert build(corpus, out, now=NOW, parallel=False).ok
    before = (out / "index.html").read_bytes()

    parent, real = os.getpid(), statusgen.build.write_sections

    def broken_in_the_worker(*args: object, **kwargs: object) -> object:
        if os.getpid() != parent:
            raise RuntimeError("a bug in the worker")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(statusgen.build, "write_sections", broken_in_the_worker)
    with pytest.raises(RuntimeError, match="a bug in the worker"):
        build(corpus, out, now=NOW, parallel=True)
    assert (out / "index.html").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]  # no staging left behind


def count_validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = statusgen.content._validate

    def counting(source: statusgen.content.SourceFile, config: object) -> object:
        seen.append(source.path)
        return real(source, config)  # type: ignore[arg-type]

    monkeypatch.setattr(statusgen.content, "_validate", counting)
    monkeypatch.setattr(statusgen.content, "can_fork", lambda: False)  # so every call is counted here
    return seen


def test_the_cache_revalidates_only_changed_files_and_the_output_matches_a_full_build(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    write_corpus(site, 60)
    cache_file = site / CACHE_DIR / FILE
    seen = count_validations(monkeypatch)
    assert build(site, tmp_path / "first", now=NOW, cache=ValidationCache(cache_file)).ok
    everything = len(seen)
    assert everything == len(list((site / "content").rglob("*.md"))) and cache_file.is_file()
    assert list((site / CACHE_DIR / "templates").iterdir())  # compiled templates, used by the builds below

    edited = sorted((site / "content/incidents").glob("*-incident-*.md"))[3]
    edited.write_text(edited.read_text() + "\nA sentence added later.\n")
    seen.clear()
    cached = build(site, tmp_path / "cached", now=NOW, cache=ValidationCache(cache_file))  # a new process's view
    assert seen == [f"content/incidents/{edited.name}"]
    assert "A sentence added later." in (tmp_path / "cached" / f"incidents/{edited.stem}/index.html").read_text()
    seen.clear()
    full = build(site, tmp_path / "full", now=NOW)
    assert len(seen) == everything
    assert cached.ok and full.ok and cached.diagnostics == full.diagnostics
    assert same_tree(tmp_path / "cached", tmp_path / "full")

    config = site / "statusgen.toml"
    config.write_text(config.read_text().replace('title = "', 'title = "Renamed ', 1))
    seen.clear()
    assert build(site, tmp_path / "renamed", now=NOW, cache=ValidationCache(cache_file)).ok
    assert len(seen) == everything  # another configuration: nothing is reused


def test_a_held_cache_starts_from_the_last_build_on_disk_then_reads_nothing_back_and_saves_what_it_validates(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """build --watch: its first rebuild takes what the command line's build validated and wrote, each later one
    reads no part of the cache again, and what they validate is there for the next command-line build."""
    site, out = tmp_path / "site", tmp_path / "out"
    write_corpus(site, 60)
    cache_file = site / CACHE_DIR / FILE
    seen = count_validations(monkeypatch)
    assert build(site, out, now=NOW, cache=ValidationCache(cache_file)).ok
    opened: list[object] = []
    real_open = statusgen.cache.Chunks._open

    def counting(self: statusgen.cache.Chunks, chunk: int) -> object:
        opened.append((self.folder.name if self.folder else None, chunk))
        return real_open(self, chunk)

    monkeypatch.setattr(statusgen.cache.Chunks, "_open", counting)
    held = ValidationCache(cache_file, hold=True)
    pages = len(list(out.rglob("*.html")))
    for n, edited in enumerate(sorted((site / "content/incidents").glob("*-incident-*.md"))[3:6]):
        edited.write_text(edited.read_text() + "\nA sentence added later.\n")
        seen.clear()
        opened.clear()
        rebuilt = build(site, out, now=NOW, cache=held)
        assert rebuilt.ok and seen == [f"content/incidents/{edited.name}"]
        assert rebuilt.reused > pages * 0.9  # the pages of the build before, the first time too
        assert bool(opened) == (n == 0)
    seen.clear()
    assert build(site, tmp_path / "after", now=NOW, cache=ValidationCache(cache_file)).ok
    assert seen == []  # a new process's build finds every file validated
    assert same_tree(out, tmp_path / "after")


def test_serve_takes_the_validation_cache_but_keeps_its_pages_record_in_memory(tmp_path: Path) -> None:
    """serve builds into a new temporary folder each time: a record of its pages on disk could serve no later build."""
    site = tmp_path / "site"
    write_corpus(site, 30)
    cache = ValidationCache(site / CACHE_DIR / FILE, hold=True, manifests=False)
    assert build(site, tmp_path / "served", now=NOW, cache=cache).ok
    assert build(site, tmp_path / "served", now=NOW, cache=cache).reused > 0
    assert (site / CACHE_DIR / FILE).is_file() and not list((site / CACHE_DIR).glob("pages-*"))


def count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = ContentFile.read_bytes

    def counting(self: ContentFile) -> object:
        seen.append(self.path)
        return real(self)

    monkeypatch.setattr(ContentFile, "read_bytes", counting)
    return seen


def test_files_unchanged_since_a_build_read_them_are_not_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = write_corpus(tmp_path / "site", 40)
    monkeypatch.setattr(statusgen.cache, "RACY_NS", 0)  # files written a moment ago count as settled
    reads, cache_file = count_reads(monkeypatch), site / CACHE_DIR / FILE
    first = build(site, tmp_path / "first", now=NOW, cache=ValidationCache(cache_file))
    assert first.ok and len(reads) == len(list((site / "content").rglob("*.md")))
    reads.clear()
    second = build(site, tmp_path / "second", now=NOW, cache=ValidationCache(cache_file))
    assert reads == [] and second.diagnostics == first.diagnostics
    assert same_tree(tmp_path / "first", tmp_path / "second")

    # The same size and modification time, another text: the change time, which no tool sets back, tells.
    edited = sorted((site / "content/incidents").glob("*-incident-*.md"))[2]
    before, text = edited.stat(), edited.read_text()
    end = text.rindex(".")
    edited.write_text(f"{text[:end]}!{text[end + 1:]}")
    os.utime(edited, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (edited.stat().st_size, edited.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    reads.clear()
    third = build(site, tmp_path / "third", now=NOW, cache=ValidationCache(cache_file))
    assert reads == [f"content/incidents/{edited.name}"]
    full = build(site, tmp_path / "full", now=NOW)
    assert third.ok and full.ok and third.diagnostics == full.diagnostics
    assert same_tree(tmp_path / "third", tmp_path / "full") and not same_tree(tmp_path / "third", tmp_path / "first")


def test_a_file_changed_just_before_a_build_is_read_again_by_the_next(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = write_corpus(tmp_path / "site", 20)  # every file written a moment ago: within RACY_NS of the build
    reads, validations = count_reads(monkeypatch), count_validations(monkeypatch)
    cache_file = site / CACHE_DIR / FILE
    assert build(site, tmp_path / "first", now=NOW, cache=ValidationCache(cache_file)).ok
    everything = len(reads)
    reads.clear()
    validations.clear()
    assert build(site, tmp_path / "second", now=NOW, cache=ValidationCache(cache_file)).ok
    assert len(reads) == everything and validations == []  # read again, but their text is known


def test_another_version_of_a_library_ignores_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build after markdown-it (or Jinja, or any library installed beside them) was upgraded validates every file
    and renders every page again: the same file may give other HTML."""
    site = write_corpus(tmp_path / "site", 20)
    cache_file = site / CACHE_DIR / FILE
    assert build(site, tmp_path / "out", now=NOW, cache=ValidationCache(cache_file)).ok
    installed = statusgen.cache.libraries()
    assert any(name.startswith("markdown_it_py-") for name in installed)
    seen = count_validations(monkeypatch)
    statusgen.cache.code_digest.cache_clear()
    assert build(site, tmp_path / "out", now=NOW, cache=ValidationCache(cache_file)).ok
    assert seen == []  # the same libraries: nothing validated again
    upgraded = [name.replace("markdown_it_py-", "markdown_it_py-9") for name in installed]
    monkeypatch.setattr(statusgen.cache, "libraries", lambda: upgraded)
    statusgen.cache.code_digest.cache_clear()
    try:
        again = build(site, tmp_path / "out", now=NOW, cache=ValidationCache(cache_file))
    finally:
        statusgen.cache.code_digest.cache_clear()
    assert again.ok and len(seen) == len(list((site / "content").rglob("*.md"))) and again.reused == 0


def test_a_damaged_cache_is_ignored_and_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    write_corpus(site, 20)
    cache_file = site / CACHE_DIR / FILE
    cache_file.parent.mkdir()
    cache_file.write_bytes(b"not a pickle at all")
    seen = count_validations(monkeypatch)
    assert build(site, tmp_path / "out", now=NOW, cache=ValidationCache(cache_file)).ok
    assert seen and cache_file.read_bytes() != b"not a pickle at all"
    seen.clear()
    assert build(site, tmp_path / "out", now=NOW, cache=ValidationCache(cache_file)).ok
    assert seen == []


def chunks_of(cache_file: Path) -> list[tuple[tuple[bytes, ...], str]]:
    """The chunks a cache file lists, in order: the keys of each, and the name of its file."""
    import pickle

    stored = pickle.loads(cache_file.read_bytes())["chunks"]
    return [stored[n] for n in range(len(stored))]


def test_a_held_cache_keeps_what_it_can_read_of_what_it_carries(tmp_path: Path) -> None:
    """A process that builds again and again reads at once what a build carries for the next (see
    :class:`statusgen.render.views.Views`); a value that cannot be read (its chunk damaged) is left out, not a
    reason for the build to fail."""
    from collections.abc import Iterator, Mapping

    class Carried(Mapping[bytes, object]):
        def __getitem__(self, key: bytes) -> object:
            if key == b"lost":
                raise KeyError(key)
            return key.decode()

        def __iter__(self) -> Iterator[bytes]:
            return iter([b"kept", b"lost"])

        def __len__(self) -> int:
            return 2

    cache = ValidationCache(tmp_path / FILE, hold=True)
    cache.begin("salt")
    cache.keep("views", [("kept", b"kept"), ("lost", b"lost")], Carried())
    assert cache.derived("views").get(b"kept") == "kept" and cache.derived("views").get(b"lost") is None


def test_a_damaged_chunk_is_validated_again_and_the_others_are_kept(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(statusgen.cache, "CHUNK", 4)
    site = tmp_path / "site"
    write_corpus(site, 20)
    cache_file = site / CACHE_DIR / FILE
    assert build(site, tmp_path / "out", now=NOW, cache=ValidationCache(cache_file)).ok
    chunks = chunks_of(cache_file)
    damaged, (keys, name) = max(enumerate(chunks), key=lambda chunk: len(chunk[1][0]))
    assert len(keys) >= 1 and sum(len(k) for k, _ in chunks) > len(keys)
    folder = site / CACHE_DIR / "validated"
    assert {p.name for p in folder.iterdir()} == {n for _, n in chunks}  # one file per chunk, and no other
    (folder / name).write_bytes(b"not a pickle")
    seen = count_validations(monkeypatch)
    assert build(site, tmp_path / "again", now=NOW, cache=ValidationCache(cache_file)).ok
    assert len(seen) == len(keys)  # that chunk's files, and no other
    assert same_tree(tmp_path / "out", tmp_path / "again")
    again_keys, again_name = chunks_of(cache_file)[damaged]
    assert again_keys == keys and again_name == name  # written again, the same bytes as before it was damaged
    assert set(cast(dict[bytes, object], statusgen.cache.read_chunk(folder / name))) == set(keys)

    (folder / name).unlink()  # a chunk's file lost: the same
    seen.clear()
    assert build(site, tmp_path / "again", now=NOW, cache=ValidationCache(cache_file)).ok
    assert len(seen) == len(keys) and (folder / name).is_file()


def test_a_chunk_reads_its_entries_and_leaves_their_updates_in_the_file_until_they_are_asked_for(
        tmp_path: Path) -> None:
    """A chunk's file sets aside the pickles of the updates its incidents hold (what a rebuild mostly does not
    read): reading the chunk unpickles its entries only, each update list a view of the file (mapped), unread; read,
    they are the items' own; and they stay readable when a later build replaces or removes the file."""
    site = tmp_path / "site"
    write_corpus(site, 12)
    loaded = statusgen.build.load_site(site)
    assert loaded.site is not None
    items = {item.slug.encode(): item for item in [*loaded.site.incidents, *loaded.site.maintenances]}
    path = tmp_path / "chunk"
    data = statusgen.cache._pickled(items)
    path.write_bytes(data)
    entries_end = len(statusgen.cache.CHUNK_MARK) + 8 + int.from_bytes(data[len(statusgen.cache.CHUNK_MARK):][:8], "little")
    for item in items.values():  # each update list's pickle is in the file once, after the entries' own pickle
        updates = pickle.dumps(tuple(item.updates), protocol=pickle.HIGHEST_PROTOCOL)
        assert data.count(updates) == 1 and data.index(updates) >= entries_end
    whole = cast(dict[bytes, Any], statusgen.cache.read_chunk(path))
    read = cast(dict[bytes, Any], statusgen.cache.read_chunk(path, mapped=True))
    assert all(isinstance(item.updates._data, memoryview) and isinstance(item.updates._data.obj, mmap.mmap)
               for item in read.values())
    assert all(isinstance(item.updates._data, memoryview) and isinstance(item.updates._data.obj, bytes)
               for item in whole.values())  # read with the file, as a process that builds again and again does
    replaced = tmp_path / "replaced"
    replaced.write_bytes(b"written by another build")
    os.replace(replaced, path)  # as the cache replaces its files
    assert read == items == whole
    assert [item.updates for item in read.values()] == [tuple(item.updates) for item in items.values()]
    path.unlink()
    again = tmp_path / "again"
    again.write_bytes(statusgen.cache._pickled(read))  # pickled again as read: the same bytes
    assert again.read_bytes() == data


def test_a_chunk_is_read_whole_where_files_cannot_be_mapped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    write_corpus(site, 3)
    loaded = statusgen.build.load_site(site)
    assert loaded.site is not None
    items = {i.slug.encode(): i for i in loaded.site.incidents}
    path = tmp_path / "chunk"
    path.write_bytes(statusgen.cache._pickled(items))

    def refused(*args: object, **kwargs: object) -> None:
        raise OSError("no mapping here")

    monkeypatch.setattr(mmap, "mmap", refused)
    read = cast(dict[bytes, Any], statusgen.cache.read_chunk(path, mapped=True))
    assert all(isinstance(i.updates._data, memoryview) and isinstance(i.updates._data.obj, bytes) for i in read.values())
    assert read == items


@pytest.mark.parametrize("mapped", [False, True])
@pytest.mark.parametrize("damage", [lambda data: data[:-1], lambda data: data[:20], lambda data: b"x" + data[1:]])
def test_a_chunk_cut_short_or_not_of_this_cache_is_refused(tmp_path: Path, damage: Any, mapped: bool) -> None:
    site = tmp_path / "site"
    write_corpus(site, 3)
    loaded = statusgen.build.load_site(site)
    assert loaded.site is not None
    path = tmp_path / "chunk"
    path.write_bytes(damage(statusgen.cache._pickled({i.slug.encode(): i for i in loaded.site.incidents})))
    with pytest.raises(ValueError):
        statusgen.cache.read_chunk(path, mapped=mapped)


def spy_pickled(monkeypatch: pytest.MonkeyPatch) -> list[set[bytes]]:
    """The keys of each chunk pickled from now on (of the validation results and of the item views)."""
    pickled: list[set[bytes]] = []
    real = statusgen.cache._pickled
    monkeypatch.setattr(statusgen.cache, "_pickled", lambda entries: pickled.append(set(entries)) or real(entries))
    return pickled


def test_a_chunks_file_is_named_by_the_salt_and_its_keys_and_another_salt_writes_its_own(
        tmp_path: Path) -> None:
    """A chunk's file name follows from the build's salt and the chunk's keys (in order), so a process that holds
    its chunks in memory knows it without pickling them. A build salted otherwise (another configuration, code or
    library version) validates again into files of other names, never taking the old files for its own: each file's
    name says what it holds."""
    name = statusgen.cache.chunk_name
    assert name("a", (b"1", b"2")) == name("a", (b"1", b"2"))
    assert len({name("a", (b"1", b"2")), name("b", (b"1", b"2")), name("a", (b"2", b"1")), name("a", (b"1",))}) == 4
    site = write_corpus(tmp_path / "site", 20)
    cache_file = site / CACHE_DIR / FILE
    assert build(site, tmp_path / "out", now=NOW, cache=ValidationCache(cache_file)).ok
    before = {n for _, n in chunks_of(cache_file)}
    config = site / "statusgen.toml"
    config.write_text(config.read_text().replace('title = "', 'title = "Our ', 1))  # the same keys, another salt
    assert build(site, tmp_path / "out", now=NOW, cache=ValidationCache(cache_file)).ok
    after = {n for _, n in chunks_of(cache_file)}
    assert len(after) == len(before) and not after & before
    assert {p.name for p in (site / CACHE_DIR / "validated").iterdir()} == after


def test_chunks_follow_the_file_order_and_an_edit_pickles_again_only_its_own(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(statusgen.cache, "CHUNK", 4)
    site = write_corpus(tmp_path / "site", 40)
    cache_file = site / CACHE_DIR / FILE
    assert build(site, tmp_path / "out", now=NOW, cache=ValidationCache(cache_file)).ok
    before = chunks_of(cache_file)
    files = sorted((site / "content").rglob("*.md"))
    paths = [f"content/{f.relative_to(site / 'content').as_posix()}" for f in files]
    keyed = [ValidationCache.key(ContentFile(path, ContentKind.INCIDENT, "", ""), f.read_bytes())
             for path, f in zip(paths, files, strict=True)]
    assert [key for keys, _ in before for key in keys] == keyed  # the site's order: content files by path
    ends = [n for n, (keys, _) in enumerate(before) if statusgen.cache.ends_chunk(paths[keyed.index(keys[-1])])]
    assert len(before) > 3 and len(ends) >= len(before) - 1  # each chunk but the last ends where a name says

    edited = files[5]
    edited.write_text(edited.read_text() + "\nA sentence added later.\n")
    new_key = ValidationCache.key(ContentFile(paths[5], ContentKind.INCIDENT, "", ""), edited.read_bytes())
    pickled = spy_pickled(monkeypatch)
    assert build(site, tmp_path / "out", now=NOW, cache=ValidationCache(cache_file)).ok
    after = chunks_of(cache_file)
    mine = next(n for n, (keys, _) in enumerate(before) if keyed[5] in keys)
    assert len(after) == len(before) and [after[n] for n in range(len(after)) if n != mine] == \
        [before[n] for n in range(len(before)) if n != mine]  # every other chunk written back as it was read
    assert after[mine][0] == tuple(new_key if key == keyed[5] else key for key in before[mine][0])
    entries = {key for keys, _ in after for key in keys}  # not the item views, kept beside them
    assert [keys for keys in pickled if keys <= entries] == [set(after[mine][0])]
    assert {p.name for p in (site / CACHE_DIR / "validated").iterdir()} == {n for _, n in after}  # the old one removed

    # A file added between two others changes the chunk it lands in, and no other.
    source = next(f for f in files[10:] if "incidents" in f.parts and "postmortem" not in f.read_text())
    source.with_name(source.stem + "-b.md").write_text(source.read_text())
    pickled.clear()
    assert build(site, tmp_path / "out", now=NOW, cache=ValidationCache(cache_file)).ok
    grown = chunks_of(cache_file)
    assert len([keys for keys in pickled if keys <= {key for keys, _ in grown for key in keys}]) <= 2
    assert len(set(grown) - set(after)) <= 2 and len(set(after) - set(grown)) <= 2


def test_warnings_from_cached_files_are_still_reported(make_site: object, tmp_path: Path) -> None:
    from tests.conftest import write_site

    site = write_site(tmp_path / "site", {"content/incidents/2026-03-01-x.md": (
        "---\ntitle: No components\nseverity: sev3\nstate: resolved\nstarted: 2026-03-01T10:00:00Z\n"
        "resolved: 2026-03-01T11:00:00Z\n---\n\n## 2026-03-01 11:00 UTC — Resolved\n\nFixed.\n")})
    cache = ValidationCache(site / CACHE_DIR / FILE)
    first = build(site, now=NOW, cache=cache)
    again = build(site, now=NOW, cache=ValidationCache(site / CACHE_DIR / FILE))
    assert first.ok and again.ok
    codes = [d.code for d in first.diagnostics]
    assert "no-components" in codes and [d.code for d in again.diagnostics] == codes


def test_the_cli_keeps_the_cache_unless_told_not_to(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site"
    write_corpus(site, 5)
    assert main(["build", "-s", str(site), "--no-cache"]) == 0
    assert not (site / CACHE_DIR).exists()
    assert main(["build", "-s", str(site)]) == 0
    assert (site / CACHE_DIR / FILE).is_file()
    out = capsys.readouterr().out
    assert out.count("Built ") == 2 and "pages (" in out and "s -> " in out  # counts and time, always


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_waits_a_second_then_redraws_one_line_and_clears_it() -> None:
    stream, clock = io.StringIO(), FakeClock()
    progress = TerminalProgress(stream, clock)
    progress("reading", 100, 10_000)
    assert stream.getvalue() == ""  # a build under a second shows nothing but its summary
    clock.now = 1.2
    progress("reading", 5_000, 10_000)
    clock.now = 1.25
    progress("reading", 5_100, 10_000)  # within 0.1 s of the last line: not redrawn
    clock.now = 2.0
    progress("writing", 3_000, 0)
    assert stream.getvalue() == "\r\x1b[Kreading 5,000 of 10,000 files, 1s\r\x1b[Kwriting 3,000 files, 2s"
    progress.clear()
    assert stream.getvalue().endswith("\r\x1b[K")
    assert TerminalProgress.for_stream(io.StringIO()) is None  # not a terminal: no progress at all


def test_a_sitemap_past_the_limit_becomes_an_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(site_files, "SITEMAP_URLS", 20)
    result = build(SAMPLE, tmp_path / "out", now=NOW)
    assert result.ok
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    index = ET.parse(tmp_path / "out" / "sitemap.xml").getroot()
    parts = [loc.text or "" for loc in index.findall("s:sitemap/s:loc", ns)]
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex" and len(parts) == 3
    urls = []
    for n, url in enumerate(parts, 1):
        assert url.endswith(f"/sitemap-{n}.xml")
        urls += [loc.text for loc in ET.parse(tmp_path / "out" / f"sitemap-{n}.xml").getroot().findall("s:url/s:loc", ns)]
    assert len(urls) == len(set(urls)) == result.pages - 1  # every listed page once (the 404 page is not listed)


def test_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    import os
    from concurrent.futures.process import BrokenProcessPool

    from statusgen.parallel import WorkerDied, in_two, in_two_parts

    with pytest.raises(WorkerDied):
        in_two(lambda: os._exit(3), lambda: "mine")
    with pytest.raises(BrokenProcessPool):
        in_two_parts([lambda: os._exit(3)], lambda: "mine")
    assert in_two(lambda: "theirs", lambda: "mine") == ("mine", "theirs")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="a process's state is read from /proc")
def test_a_child_ends_once_its_work_is_done_and_one_no_longer_wanted_at_once() -> None:
    """A child does not wait for its result to be read (it would share this process's memory meanwhile): with a
    result larger than a pipe holds, it has ended (a zombie, not yet reaped) before :meth:`InChild.result` is asked.
    A child whose work is no longer wanted is ended by :meth:`InChild.close`, not waited for."""
    import time

    from statusgen.child import InChild

    big = InChild(lambda: b"x" * 2_000_000)
    pid = big._pid
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
        assert time.monotonic() < deadline, "the child is still running"
        time.sleep(0.01)
    assert big.result() == b"x" * 2_000_000 and big.result() == b"x" * 2_000_000
    slow = InChild(lambda: time.sleep(60))
    started = time.monotonic()
    slow.close()
    assert time.monotonic() - started < 10 and slow.result() is None


def test_what_either_process_raises_is_raised_here() -> None:
    from statusgen.parallel import in_two

    def mine() -> str:
        raise KeyError("mine")

    with pytest.raises(ZeroDivisionError):
        in_two(lambda: 1 // 0, lambda: "mine")
    with pytest.raises(KeyError, match="mine"):
        in_two(lambda: "theirs", mine)
    with pytest.raises(RuntimeError, match="could not be sent back"):
        in_two(lambda: (lambda: None), lambda: "mine")  # a result that cannot be pickled
    assert in_two(lambda: list(range(100_000)), lambda: "mine") == ("mine", list(range(100_000)))  # more than a pipe holds


def wait_until_gone(path: Path, seconds: float = 20.0) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return not path.exists()


def test_a_large_replaced_output_is_deleted_apart_and_leftovers_are_swept(tmp_path: Path) -> None:
    from statusgen.write import Staging, remove

    tree = tmp_path / "big"
    for n in range(50):
        (tree / str(n)).mkdir(parents=True)
        (tree / str(n) / "index.html").write_text("x")
    remove(tree, large=True)  # returns at once; a detached process deletes it
    assert wait_until_gone(tree)

    leftover = tmp_path / ".out.old-abc123" / "out"
    leftover.mkdir(parents=True)
    (leftover / "index.html").write_text("from a build whose clean-up was cut short")
    staging = Staging(tmp_path / "out")
    staging.discard()
    assert wait_until_gone(leftover.parent)


@pytest.mark.parametrize(("held", "in_two"), [(100 * 2**20, True), (2 * 2**30, False)])
def test_a_build_whose_worker_would_copy_too_much_writes_in_one_process(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, held: int, in_two: bool) -> None:
    monkeypatch.setattr(statusgen.build, "PARALLEL_FROM", 10)
    monkeypatch.setattr(statusgen.build, "can_fork", lambda: True)
    monkeypatch.setattr(statusgen.parallel, "resident_bytes", lambda: held)
    chosen, real = [], statusgen.build.write_site

    def recording(*args: object, parallel: bool, **kwargs: object) -> object:
        chosen.append(parallel)
        return real(*args, parallel=parallel, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(statusgen.build, "write_site", recording)
    assert build(corpus, tmp_path / "out", now=NOW).ok
    assert chosen == [in_two]


@given(st.lists(st.tuples(st.sampled_from([f"item-{n}" for n in range(400)]), st.integers(0, 60)), max_size=300),
       st.sets(st.integers(0, 80), max_size=80))
def test_kept_chunks_hold_each_used_entry_once_in_the_given_order_then_the_rest(
        order: list[tuple[str, int]], used_keys: set[int]) -> None:
    """What a build keeps (Chunks.keeping): exactly the entries it used, each once, in the order given (its first
    mention), then those the order left out; a chunk ends after an entry whose name ends chunks or at its size
    limit; kept again from the same, nothing differs."""
    def key(n: int) -> bytes:
        return n.to_bytes(2, "big")

    used = {key(n): f"value {n}" for n in used_keys}
    named = [(name, key(n)) for name, n in order]
    expected: list[bytes] = []
    for _, k in named:
        if k in used and k not in expected:
            expected.append(k)
    expected += [k for k in used if k not in expected]
    names = {}
    for name, k in named:
        names.setdefault(k, name)
    made, _, _ = statusgen.cache.Chunks(folder=None).keeping(named, used, salt="")
    chunks = [entries for _, (_, entries) in sorted(made.stored.items())]
    assert [k for entries in chunks for k in entries] == expected
    assert all(entries[k] == used[k] for entries in chunks for k in entries)
    for entries in chunks[:-1]:  # each but the last ends where a name says so, or full
        last = list(entries)[-1]
        assert len(entries) == statusgen.cache.CHUNK_MAX or statusgen.cache.ends_chunk(names.get(last, last.hex()))
    again, changed, _ = made.keeping(named, used, salt="")
    assert not changed and again.stored.keys() == made.stored.keys()


@pytest.mark.parametrize("hold", [False, True], ids=["a command's cache", "a warm process's cache"])
@pytest.mark.parametrize("parallel", [True, False], ids=["two processes", "one process"])
def test_what_the_cache_keeps_is_saved_by_the_worker_while_this_process_writes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: bool, hold: bool) -> None:
    """The site's validation and the item views and uptime kept for the next build are saved by the forked worker
    first, while this process writes its pages, instead of by this process before and after writing; without a
    worker, by this process. Either way the next build, in a new process, validates nothing and makes no lasting
    view again. So too for a cache that holds what it keeps in memory for its own next build (``build --watch``):
    that build, in this process, reads nothing from disk and writes what a full build writes."""
    site = write_corpus(tmp_path / "site", 60)
    monkeypatch.setattr(statusgen.cache, "RACY_NS", 0)  # files written a moment ago count as settled
    saved = tmp_path / "saved.txt"  # which process saved each part, across the fork
    real_save = ValidationCache._save_index

    def recording(self: ValidationCache, path: Path, chunks: statusgen.cache.Chunks, stats: Any = None) -> None:
        with open(saved, "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()} {path.name}\n")
        real_save(self, path, chunks, stats)

    monkeypatch.setattr(ValidationCache, "_save_index", recording)
    cache_file = site / CACHE_DIR / FILE
    held = ValidationCache(cache_file, hold=True)
    assert build(site, tmp_path / "out", now=NOW, cache=held if hold else ValidationCache(cache_file), parallel=parallel).ok
    by = {name: int(pid) for pid, name in (line.split() for line in saved.read_text().splitlines())}
    assert by.keys() == {FILE, "views.pickle", "uptime.pickle", "api.pickle", "reports.pickle"}
    assert all((by[name] != os.getpid()) == parallel for name in (FILE, "views.pickle", "uptime.pickle"))
    assert by["api.pickle"] == by["reports.pickle"] == os.getpid()  # made while this process writes

    reads, views = count_reads(monkeypatch), []
    real_view = statusgen.render.views.incident_view
    monkeypatch.setattr(statusgen.render.views, "incident_view", lambda *args: views.append(args) or real_view(*args))
    assert build(site, tmp_path / "again", now=NOW, cache=ValidationCache(cache_file), parallel=parallel).ok
    # No incident's view is made again, not even of those going on: an incident's view does not change with the time.
    assert reads == [] and views == []
    assert same_tree(tmp_path / "out", tmp_path / "again")
    if hold:  # its next build takes what it holds, an edit later, and writes what a build from nothing writes
        monkeypatch.setattr(statusgen.cache, "read_chunk", lambda *args, **kwargs: pytest.fail("read from disk"))
        edited = sorted((site / "content/incidents").glob("*-incident-*.md"))[3]
        edited.write_text(edited.read_text() + "\nA sentence added later.\n")
        reads.clear()
        assert build(site, tmp_path / "out", now=NOW + timedelta(hours=1), cache=held, parallel=parallel).ok
        assert reads == [f"content/incidents/{edited.name}"]  # what it holds was kept as this build left it
        monkeypatch.undo()
        assert build(site, tmp_path / "full", now=NOW + timedelta(hours=1)).ok
        assert same_tree(tmp_path / "out", tmp_path / "full")


@pytest.mark.parametrize("parallel", [True, False], ids=["two processes", "one process"])
def test_a_build_asked_to_leave_its_saves_to_the_caller_writes_nothing_of_its_cache_until_they_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: bool) -> None:
    """A warm process answers first and saves after (``after``, see :class:`statusgen.serve.BuildProcess`): the build
    returns with its site written and nothing of its cache or page manifest on disk changed, neither by this process
    nor by the forked worker. Once the caller runs what it left (which also brings what the cache and the manifest
    hold in memory up to date), the next build, in the warm process and then in a new one, finds what it finds when
    the build saved it all itself: it validates nothing, reuses as many files, and writes what a full build writes."""
    monkeypatch.setattr(statusgen.cache, "RACY_NS", 0)  # files written a moment ago count as settled

    def rebuilt(name: str, leave: bool) -> tuple[int, list[str], int, list[str]]:
        site = write_corpus(tmp_path / name, 60)
        cache_dir, out = site / CACHE_DIR, tmp_path / f"{name}-out"
        held = ValidationCache(cache_dir / FILE, hold=True)
        assert build(site, out, now=NOW, cache=held, parallel=parallel).ok

        def on_disk() -> dict[str, tuple[int, int]]:
            return {str(p.relative_to(cache_dir)): (p.stat().st_mtime_ns, p.stat().st_ino)
                    for p in cache_dir.rglob("*") if p.is_file() and "templates" not in p.parts}

        before = on_disk()
        edited = sorted((site / "content/incidents").glob("*-incident-*.md"))[3]
        edited.write_text(edited.read_text() + "\nA sentence added later.\n")
        after: list[Any] = [] if leave else None  # type: ignore[assignment]
        assert build(site, out, now=NOW + timedelta(hours=1), cache=held, parallel=parallel, after=after).ok
        assert "A sentence added later." in (out / "incidents" / edited.stem / "index.html").read_text()
        if leave:
            assert on_disk() == before and after  # nothing saved yet: all of it left to the caller
            for save in after:
                save()
        assert on_disk() != before
        assert build(site, tmp_path / f"{name}-full", now=NOW + timedelta(hours=1)).ok
        with monkeypatch.context() as patched:
            warm_reads = count_reads(patched)
            warm = build(site, out, now=NOW + timedelta(hours=1), cache=held, parallel=parallel)
        assert warm.ok and same_tree(out, tmp_path / f"{name}-full")
        with monkeypatch.context() as patched:
            reads = count_reads(patched)
            again = build(site, out, now=NOW + timedelta(hours=1), cache=ValidationCache(cache_dir / FILE), parallel=parallel)
        assert again.ok and same_tree(out, tmp_path / f"{name}-full")
        return again.reused, reads, warm.reused, warm_reads

    left, saved = rebuilt("left", True), rebuilt("saved", False)
    assert left == saved and left[1] == left[3] == [] and left[0] > 0 and left[2] > 0


@pytest.mark.parametrize("child", ["walks", "fails"])
def test_the_command_line_has_a_child_look_at_the_content_files_while_it_imports_the_build(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, child: str) -> None:
    """``statusgen build`` with a cache forks a child that lists the content files and looks at each (``walk``)
    while this process imports the build; the build takes its result instead of walking them itself. When the
    child fails, the build walks them itself. Either way the rebuild reads only the edited file and writes what a
    build without a cache writes; without a cache, nothing walks them (the files are listed, not looked at)."""
    import statusgen.child
    import statusgen.sources

    site = write_corpus(tmp_path / "site", 30)
    monkeypatch.setattr(statusgen.cache, "RACY_NS", 0)  # files written a moment ago count as settled
    monkeypatch.setattr(statusgen.child, "can_fork", lambda: True)  # as from a new process
    walks = tmp_path / "walks.txt"  # which process walked, across the fork
    real_walk = statusgen.sources.walk
    parent = os.getpid()

    def walk(site_dir: Path) -> Any:
        with open(walks, "a", encoding="utf-8") as log:
            log.write(f"{'parent' if os.getpid() == parent else 'child'}\n")
        if child == "fails" and os.getpid() != parent:
            raise OSError("the child could not look")
        return real_walk(site_dir)

    monkeypatch.setattr(statusgen.sources, "walk", walk)
    monkeypatch.setattr(statusgen.content, "walk", walk)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(NOW.timestamp())))
    assert main(["build", "-s", str(site)]) == 0
    edited = sorted((site / "content/incidents").glob("*-incident-*.md"))[3]
    edited.write_text(edited.read_text() + "\nA sentence added later.\n")
    walks.unlink()
    with monkeypatch.context() as patched:
        reads = count_reads(patched)
        assert main(["build", "-s", str(site)]) == 0
    assert reads == [f"content/incidents/{edited.name}"]
    assert walks.read_text().split() == (["child"] if child == "walks" else ["child", "parent"])
    walks.unlink()
    assert main(["build", "-s", str(site), "--no-cache", "-o", str(tmp_path / "full")]) == 0
    assert not walks.exists()
    assert same_tree(site / "output", tmp_path / "full")


_EDITS = ("text", "text of a linked one", "unlink", "relink", "started", "warning", "delete", "postmortem", "nothing", "copy")


@given(st.lists(st.tuples(st.sampled_from(_EDITS), st.integers(0, 39)), min_size=1, max_size=6))
@example([("unlink", 0), ("text of a linked one", 0)])  # linked by its postmortem alone, then edited
@example([("warning", 1), ("text", 2)])  # another incident's warning, carried
@example([("relink", 5)])  # an incident naming another's postmortem
@example([("relink", 0), ("text", 0)])  # after a load that failed, one from every file
@settings(max_examples=20, deadline=None)
def test_a_warm_process_loads_what_a_new_one_loads_whatever_changed(tmp_path_factory: pytest.TempPathFactory,
                                                                    edits: list[tuple[str, int]]) -> None:
    """A warm process's loads, one after each edit, with one cache that holds what it read, each told which file
    changed as a watcher tells it (see :class:`Changes`): each gives the site, the diagnostics and the fingerprints
    that a load from nothing gives. When only the text of some incidents changed, the site is made from the last
    one's (no link, sort or fingerprint of every item); else from every file. Only a file added or removed has every
    file looked at again, by the walk and by the cache; else the cache looks at the changed file and at those the
    last load read, no other."""
    site = write_corpus(tmp_path_factory.mktemp("site") / "site", 40)
    held = ValidationCache(hold=True)
    made_from_every_file, warned, walks, looked, read = [], set(), [], [], []
    real_site_of, real_walk = statusgen.content._site_of, statusgen.content.walk
    real_look, real_learn = ValidationCache._look, ValidationCache.learn

    def look(cache: ValidationCache, pairs: Any, *rest: Any) -> None:
        pairs = list(pairs)
        if cache is held:
            looked.extend(file.path for file, _ in pairs)
        real_look(cache, pairs, *rest)

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(statusgen.cache, "RACY_NS", 0)  # files written a moment ago count as settled
        patched.setattr(statusgen.content, "_site_of", lambda *a: made_from_every_file.append(1) or real_site_of(*a))
        patched.setattr(statusgen.content, "walk", lambda *a: walks.append(1) or real_walk(*a))
        patched.setattr(ValidationCache, "_look", look)
        patched.setattr(ValidationCache, "learn",
                        lambda cache, file, key: (cache is held and read.append(file.path)) or real_learn(cache, file, key))
        made = statusgen.content.load_site(site, cache=held, changes=Changes(None, "0", frozenset())).site is not None
        for k, (edit, n) in enumerate(edits, 1):
            files = sorted((site / "content/incidents").glob("*-incident-*.md"))
            # Those a postmortem names (each names its incident too, until "unlink" takes that away).
            named = {slug for pm in (site / "content/postmortems").glob("*.md")
                     for line in pm.read_text().split("\n") if line.startswith("incidents: [")
                     for slug in line[len("incidents: ["):-1].split(", ")}
            linked = [f for f in files if f.stem in named]
            among = linked if edit in ("text of a linked one", "unlink") else files
            file = among[n % len(among)]
            text = file.read_text()
            if edit.startswith("text"):
                file.write_text(text + f"\nA sentence added for edit {n}.\n")
            elif edit == "unlink":  # the postmortem still names it: linked all the same
                file.write_text("\n".join(line for line in text.split("\n") if not line.startswith("postmortem: ")))
            elif edit == "relink":  # names a postmortem that does not name it: an error
                head, _, body = text.partition("\n---\n")
                lines = [line for line in head.split("\n") if not line.startswith("postmortem: ")]
                postmortem = sorted((site / "content/postmortems").glob("*.md"))[0].stem
                file.write_text("\n".join([*lines, f"postmortem: {postmortem}"]) + "\n---\n" + body)
            elif edit == "started":
                file.write_text(text.replace("started: 20", "started: 19", 1))
            elif edit == "warning":  # no components: a warning of its own
                warned.add(file)
                head, _, body = text.partition("\n---\n")
                file.write_text("\n".join(line for line in head.split("\n") if not line.startswith(("components:", "  ")))
                                + "\n---\n" + body)
            elif edit == "delete" and file not in linked:
                file.unlink()
            elif edit == "postmortem":
                file = sorted((site / "content/postmortems").glob("*.md"))[n % 4]
                file.write_text(file.read_text() + f"\nA sentence added for edit {n}.\n")
            elif edit == "copy":
                file = file.with_name(f"{file.stem}-copy-{k}.md")
                file.write_text(text)
            made_from_every_file.clear()
            walks.clear()
            changes = Changes(str(k - 1), str(k), frozenset({file.relative_to(site).as_posix()}))
            read_before, read[:], looked[:] = set(read), [], []
            warm = statusgen.content.load_site(site, cache=held, changes=changes)
            assert len(walks) == (edit == "copy" or (edit == "delete" and not file.exists())), edit
            if not walks:
                assert set(looked) <= {file.relative_to(site).as_posix(), *read_before}, edit
            if made and edit in ("text", "text of a linked one", "nothing") and file not in warned:
                assert not made_from_every_file, edit  # the text of one incident alone changed
            new = statusgen.content.load_site(site, cache=ValidationCache())
            assert warm.site == new.site and warm.diagnostics == new.diagnostics and warm.fingerprints == new.fingerprints
            made = warm.site is not None
        read[:] = []  # and the cache holds what it needs: a load of every file reads none
        assert statusgen.content.load_site(site, cache=held).site == new.site and not read
