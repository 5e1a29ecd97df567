"""With a cache, the output a build replaces is kept beside it as the spare, and the next
build updates the spare into the new output instead of writing every folder and file
again. Whatever the spare holds, the result is what a full build writes."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import statusgen.build
import statusgen.cache
import statusgen.write
from bench.corpus import NOW, write_corpus
from statusgen.build import build
from statusgen.cache import CACHE_DIR, FILE, Spare, ValidationCache
from statusgen.render import Artifact
from statusgen.write import MARKER, FolderMemo, Staging, list_tree, spare_of
from tests.test_cache_parallel import same_tree
from tests.test_page_reuse import record_reuse, restore_as_ci_does

LATER = NOW + timedelta(hours=1)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "site", 40)


def cached_build(site: Path, out: Path, now: object = NOW, parallel: bool = False) -> int:
    """Build as a new process would, with the cache on disk; the number of pages reused."""
    result = build(site, out, now=now, cache=ValidationCache(site / CACHE_DIR / FILE), parallel=parallel)  # type: ignore[arg-type]
    assert result.ok, [d.format() for d in result.diagnostics]
    return result.reused


def full_build(site: Path, out: Path, now: object = NOW) -> Path:
    assert build(site, out, now=now, parallel=False).ok  # type: ignore[arg-type]
    return out


def incidents(site: Path) -> list[Path]:
    return sorted((site / "content/incidents").glob("*-incident-*.md"))


@pytest.mark.parametrize("parallel", [False, True], ids=["one process", "two processes"])
def test_the_replaced_output_becomes_the_spare_and_the_next_build_updates_it(site: Path, tmp_path: Path,
                                                                            parallel: bool) -> None:
    out = tmp_path / "out"
    cached_build(site, out, parallel=parallel)
    assert not spare_of(out).exists()  # nothing was replaced yet
    cached_build(site, out, parallel=parallel)
    spare = spare_of(out)
    assert (spare / MARKER).is_file()
    unchanged = f"incidents/{incidents(site)[5].stem}"
    folder = os.stat(spare / unchanged).st_ino

    edited = incidents(site)[3]
    edited.write_text(edited.read_text() + "\nA sentence added later.\n")
    removed = incidents(site)[8]
    removed.unlink()
    (spare / "added by a deploy step" / "x.txt").parent.mkdir()
    (spare / "added by a deploy step" / "x.txt").write_text("not statusgen's")
    cached_build(site, out, LATER, parallel=parallel)

    # The spare's folders became the output's: not created again.
    assert os.stat(out / unchanged).st_ino == folder
    assert "A sentence added later." in (out / f"incidents/{edited.stem}/index.html").read_text()
    assert not (out / f"incidents/{removed.stem}").exists()  # pruned, folder and all
    assert not (out / "added by a deploy step").exists()
    assert same_tree(out, full_build(site, tmp_path / "full", LATER))
    # Empty folders alone left in the spare (no file of it gone, once both hold the same pages): pruned too.
    cached_build(site, out, LATER, parallel=parallel)
    (spare_of(out) / "empty" / "inside").mkdir(parents=True)
    cached_build(site, out, LATER, parallel=parallel)
    assert not (out / "empty").exists() and same_tree(out, tmp_path / "full")


@pytest.mark.parametrize("parallel", [False, True], ids=["one process", "two processes"])
@pytest.mark.parametrize("lister", ["listed early", "early listing failed"])
def test_the_spare_is_listed_while_the_site_loads_and_again_where_that_failed(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: bool, lister: str) -> None:
    out = tmp_path / "out"
    cached_build(site, out, parallel=parallel)
    cached_build(site, out, parallel=parallel)
    spare = spare_of(out)
    (spare / "added by a deploy step").mkdir()
    (spare / "added by a deploy step" / "x.txt").write_text("not statusgen's")
    removed = incidents(site)[8]
    removed.unlink()
    # Which folder each listing walked, from whichever process took it: the spare (by a child, before the
    # build takes it) or the folder the build writes into (by the build, once it has taken the spare).
    walked = tmp_path / "walked.txt"
    real = statusgen.write.list_tree

    def listing(root: str, seen: dict[str, tuple[int, int, int]] | None = None) -> tuple[set[str], list[str]]:
        with open(walked, "a") as log:
            log.write(("spare" if root == str(spare) else "staged") + "\n")
        if lister == "early listing failed" and root == str(spare):
            raise OSError("cut short")
        return real(root, seen)

    monkeypatch.setattr(statusgen.write, "list_tree", listing)
    # As from a new process, whatever threads this test process runs: the child's listing is what is tested.
    monkeypatch.setattr(statusgen.build, "can_fork", lambda: True)
    looked_at: list[str] = []  # the spare's files this process looked at one by one
    real_identity = statusgen.cache.identity

    def identity(path: str) -> tuple[int, int, int] | None:
        if path.startswith(f"{spare}/"):
            looked_at.append(path)
        return real_identity(path)

    monkeypatch.setattr(statusgen.cache, "identity", identity)
    cached_build(site, out, LATER, parallel=parallel)
    assert walked.read_text().split() == (["spare"] if lister == "listed early" else ["spare", "staged"])
    # Its pages' identities come with the listing; without it, each page is looked at.
    assert looked_at == [f"{spare}/{MARKER}"] if lister == "listed early" else len(looked_at) > 40
    assert not (out / "added by a deploy step").exists()
    assert not (out / f"incidents/{removed.stem}").exists()
    assert same_tree(out, full_build(site, tmp_path / "full", LATER))


@pytest.mark.parametrize("child", ["checked meanwhile", "check failed"])
def test_a_restored_output_is_checked_by_a_child_while_the_site_loads(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, child: str) -> None:
    """A CI runner's restored output: its pages are read and digested by the lister's child, in parallel with
    loading; where the child fails, by this process, with the same result."""
    out = tmp_path / "out"
    cached_build(site, out)
    restore_as_ci_does(site, out)
    tampered = out / "postmortems/index.html"
    tampered.write_bytes(tampered.read_bytes().replace(b"<h1>", b"<H1>", 1))  # the same size, other bytes
    checked = tmp_path / "checked.txt"  # by which process each page was read, across the fork
    real_same_bytes, real_restored = statusgen.cache._same_bytes, statusgen.cache.PageManifest.restored

    def same_bytes(path: str, size: int, digest: bytes) -> object:
        with open(checked, "a") as log:
            log.write(f"{os.getpid()}\n")
        return real_same_bytes(path, size, digest)

    def restored(self: statusgen.cache.PageManifest, output: Path) -> object:
        if child == "check failed":
            raise OSError("cut short")
        return real_restored(self, output)

    monkeypatch.setattr(statusgen.cache, "_same_bytes", same_bytes)
    monkeypatch.setattr(statusgen.cache.PageManifest, "restored", restored)
    monkeypatch.setattr(statusgen.build, "can_fork", lambda: True)  # as from a new process (see above)
    taken = record_reuse(monkeypatch)
    reused = cached_build(site, out, LATER)
    pids = checked.read_text().split()
    assert len(pids) > 40 and (os.getpid() not in map(int, pids)) == (child == "checked meanwhile")
    assert reused == len(taken) > 40 and "postmortems/index.html" not in taken
    assert same_tree(out, full_build(site, tmp_path / "full", LATER))


def test_a_restored_output_reuses_the_pages_the_builds_before_had_reused(site: Path, tmp_path: Path) -> None:
    """A page reused build after build keeps the digest of its bytes in the manifest, so a CI runner that restores
    the output after such builds still recognises it."""
    out = tmp_path / "out"
    cached_build(site, out)
    cached_build(site, out)
    steady = cached_build(site, out)  # every page reused, from a build that had reused it too
    assert steady > 40
    restore_as_ci_does(site, out)
    assert cached_build(site, out) == steady


def test_a_page_the_spare_has_from_two_builds_ago_is_kept_in_place(site: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    out, edited = tmp_path / "out", incidents(site)[3]
    original = edited.read_text()
    cached_build(site, out)
    edited.write_text(original + "\nA sentence added later.\n")
    cached_build(site, out)
    edited.write_text(original)  # back to what the spare was built from
    page = f"incidents/{edited.stem}/index.html"
    in_spare = os.stat(spare_of(out) / page).st_ino

    linked = record_reuse(monkeypatch)
    reused = cached_build(site, out)
    assert os.stat(out / page).st_ino == in_spare  # neither rendered nor linked: it was already there
    assert page not in linked and reused > len(linked)
    assert same_tree(out, full_build(site, tmp_path / "full"))


def test_a_page_the_spare_has_older_is_taken_from_the_output(site: Path, tmp_path: Path) -> None:
    out, edited = tmp_path / "out", incidents(site)[3]
    cached_build(site, out)
    edited.write_text(edited.read_text() + "\nA sentence added later.\n")
    cached_build(site, out)  # the spare has the page before the edit, the output after it
    page = f"incidents/{edited.stem}/index.html"
    assert "A sentence added later." not in (spare_of(out) / page).read_text()
    cached_build(site, out)
    assert os.stat(out / page).st_ino == os.stat(spare_of(out) / page).st_ino  # linked from the output
    assert same_tree(out, full_build(site, tmp_path / "full"))


def test_a_spare_changed_by_hand_is_never_trusted(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    cached_build(site, out)
    cached_build(site, out)
    spare = spare_of(out)
    page = spare / f"incidents/{incidents(site)[2].stem}/index.html"
    page.unlink()  # a new file in its place: another inode
    page.write_text("edited by hand")
    (out / "index.html.gz").write_bytes(b"added by a deploy step")  # becomes the spare's with the next build
    cached_build(site, out)
    (spare / "assets" / "stray.txt").write_text("left by hand")
    cached_build(site, out)
    assert "edited by hand" not in (out / page.relative_to(spare)).read_text()
    assert same_tree(out, full_build(site, tmp_path / "full"))  # the extra files are gone


def test_a_spare_no_manifest_recorded_serves_for_its_folders(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    full_build(site, out)
    cached_build(site, out)  # the first build with a cache: the output it replaces was never recorded
    spare = spare_of(out)
    assert spare.is_dir()
    (spare / "stray.txt").write_text("from an unrecorded build")
    gone = incidents(site)[4]
    gone.unlink()
    folder = os.stat(spare / f"incidents/{incidents(site)[6].stem}").st_ino
    cached_build(site, out)
    assert os.stat(out / f"incidents/{incidents(site)[6].stem}").st_ino == folder
    assert same_tree(out, full_build(site, tmp_path / "full"))


def test_two_processes_update_the_spare_the_same_way(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    cached_build(site, out, parallel=True)
    cached_build(site, out, parallel=True)
    edited = incidents(site)[7]
    edited.write_text(edited.read_text() + "\nA sentence added later.\n")
    assert cached_build(site, out, LATER, parallel=True) > 0
    assert same_tree(out, full_build(site, tmp_path / "full", LATER))


def test_a_failed_build_leaves_the_output_and_a_build_without_cache_drops_the_spare(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    cached_build(site, out)
    cached_build(site, out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def broken(self: object, kept: object = None) -> list[object]:
        raise RuntimeError("a bug in the reports")

    monkeypatch.setattr("statusgen.render.pages.PageRenderer.reports", broken)
    with pytest.raises(RuntimeError, match="a bug in the reports"):
        cached_build(site, out, LATER)
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    monkeypatch.undo()

    cached_build(site, out, LATER)  # the spare was spent on the failed build: written fresh, still right
    assert spare_of(out).is_dir()
    full_build(site, out, LATER)
    assert not spare_of(out).exists()


def spare_with(root: Path, files: dict[str, str]) -> Spare:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    (root / MARKER).write_text("")
    return Spare(root, {})


@pytest.mark.parametrize("listed_first", [False, True], ids=["listed at the end", "listed before writing"])
def test_a_file_where_a_folder_goes_and_a_folder_where_a_file_goes_are_replaced(tmp_path: Path, listed_first: bool) -> None:
    out = tmp_path / "out"
    spare = spare_with(tmp_path / ".out.spare", {"a": "a file", "b/index.html": "a page", "c/d/e.json": "{}",
                                                  "f/g/h.html": "gone", "f/kept.html": "old"})
    staging = Staging(out, spare=spare, keep=True)
    assert staging.spare is spare
    listed = staging.listing() if listed_first else None  # as a forked worker takes it, while the build writes
    written = [Artifact("a/index.html", b"now a folder"), Artifact("b", b"now a file"), Artifact("c/x.json", b"[]"),
               Artifact("f/kept.html", b"new")]
    for artifact in written:
        staging.write(artifact)
    staging.prune([a.path for a in written], listed)
    staging.commit()
    assert (out / "a/index.html").read_bytes() == b"now a folder"
    assert (out / "b").read_bytes() == b"now a file"
    assert (out / "c/x.json").read_bytes() == b"[]" and not (out / "c/d").exists()
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        ".statusgen", "a", "a/index.html", "b", "c", "c/x.json", "f", "f/kept.html"]


@pytest.mark.parametrize("parallel", [False, True], ids=["one process", "two processes"])
def test_the_manifest_records_each_page_as_it_is_on_disk(site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        parallel: bool) -> None:
    """The identities the manifest keeps are those the build saw as it wrote, linked or kept each page (no
    ``stat`` of every page at the end): they must be the files' own, or the next build would render them all."""
    import pickle

    monkeypatch.setattr(statusgen.build, "can_fork", lambda: True)
    out = tmp_path / "out"
    before = None
    for n, now in enumerate([NOW, NOW, LATER, LATER + timedelta(hours=1)]):
        if n == 2:
            edited = incidents(site)[3]
            edited.write_text(edited.read_text() + "\nA sentence added later.\n")
        cached_build(site, out, now, parallel=parallel)
        manifest = next((site / CACHE_DIR).glob("pages-*.pickle"))
        records = pickle.loads(manifest.read_bytes())[1]
        # The record of the output this build replaced is the spare's, written again as it was read.
        assert records.get("spare") == before
        before = records["current"]
        pages = pickle.loads(records["current"]).pages
        assert len(pages) > 40 and {page.relative_to(out).as_posix() for page in out.rglob("*.html")} <= pages.keys()
        for path, (_, inode, size, modified, _) in pages.items():
            found = os.stat(out / path)
            assert (inode, size, modified) == (found.st_ino, found.st_size, found.st_mtime_ns), path
    assert cached_build(site, out, LATER + timedelta(hours=1), parallel=parallel) == len(pages)  # all reused


def _tree(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)


def test_a_listing_takes_each_folder_unchanged_since_the_last_one_from_it_and_finds_every_change(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A warm process lists the spare with what its last listing of that folder found (FolderMemo): a folder whose
    identity (inode, times) is what it was is not read again, and every file is still looked at. Files added,
    removed and changed in place, folders removed, renamed and made: the listing and the identities are those of a
    listing from nothing, and only the folders that changed were read."""
    root = tmp_path / "tree"
    _tree(root, {"top.txt": "1", "a/x.txt": "1", "a/b/y.txt": "1", "c/z.txt": "1", "d/w.txt": "1",
                 "u/v/w.txt": "1", "u/v2/w.txt": "1"})
    always = time.time_ns() + 10**12  # every folder settled: the test waits a tick of the clock instead
    memo = FolderMemo({}, always)
    assert list_tree(str(root), {}, memo) == list_tree(str(root))
    known = dict(memo.made)
    assert set(known) == {"", "a/", "a/b/", "c/", "d/", "u/", "u/v/", "u/v2/"} and memo.gone == []
    time.sleep(0.05)
    (root / "a/x.txt").write_text("changed in place")
    (root / "c/new.txt").write_text("1")
    for path in ("a/b/y.txt", "a/b"):
        (root / path).unlink() if path.endswith(".txt") else (root / path).rmdir()
    os.rename(root / "d", root / "e")
    _tree(root, {"f/g/h.txt": "1"})
    read: list[str] = []
    real_scandir = os.scandir

    def scandir(path: str) -> Any:
        read.append(os.path.relpath(path, root))
        return real_scandir(path)

    seen: dict[str, tuple[int, int, int]] = {}
    again = FolderMemo(known, always)
    with monkeypatch.context() as patched:
        patched.setattr(os, "scandir", scandir)
        listed = list_tree(str(root), seen, again)
    fresh_seen: dict[str, tuple[int, int, int]] = {}
    assert listed == list_tree(str(root), fresh_seen) and seen == fresh_seen
    assert sorted(read) == [".", "a", "c", "e", "f", "f/g"]  # not u, u/v, u/v2
    assert sorted(again.gone) == ["a/b/", "d/"]
    FolderMemo.update(known, again.made, again.gone)
    assert set(known) == {"", "a/", "c/", "e/", "f/", "f/g/", "u/", "u/v/", "u/v2/"}
    # A folder changed too lately for its times to tell (see RACY_NS) is read again, whatever they say.
    read.clear()
    with monkeypatch.context() as patched:
        patched.setattr(os, "scandir", scandir)
        list_tree(str(root), {}, FolderMemo(known, 0))
    assert len(read) == len(known)


def test_a_warm_process_lists_the_spare_from_what_it_found_two_builds_before(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The warm process's first build lists the output too (the next spare); each later one reads only the spare's
    folders that changed since (a handful), and still writes what a full build writes, after edits, a removed
    incident, a file added to the spare and a page of it changed by hand."""
    monkeypatch.setattr(statusgen.cache, "RACY_NS", 0)  # folders written a moment ago count as settled
    monkeypatch.setattr(statusgen.build, "can_fork", lambda: True)  # the lister's child, as from a new process
    out, held = tmp_path / "out", ValidationCache(site / CACHE_DIR / FILE, hold=True)
    cached_build(site, out)
    cached_build(site, out)
    log = tmp_path / "read.txt"  # the spare's folders each listing read, from the lister's child
    real_scandir = os.scandir

    def scandir(path: str) -> Any:
        with open(log, "a") as stream:
            stream.write(f"{path}\n")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    folders = []
    for n, later in enumerate((LATER, LATER, LATER + timedelta(hours=1), LATER + timedelta(hours=1))):
        time.sleep(0.05)  # a tick of the file system's clock after the last build's writes
        edited = incidents(site)[3 + n]
        edited.write_text(edited.read_text() + "\nA sentence added later.\n")
        if n == 2:
            incidents(site)[8].unlink()
            (spare_of(out) / "added by hand.txt").write_text("not statusgen's")
            page = spare_of(out) / f"incidents/{incidents(site)[20].stem}/index.html"
            page.write_bytes(page.read_bytes().replace(b"<h1", b"<h1 class=\"by-hand\"", 1))
        log.unlink(missing_ok=True)
        result = build(site, out, now=later, cache=held, parallel=False)
        assert result.ok
        spare_read = [line for line in log.read_text().split("\n") if line.startswith(str(spare_of(out).parent))]
        folders.append(len(spare_read))
        assert same_tree(out, full_build(site, tmp_path / f"full-{n}", later))
    memos = held.memo("folders", lasting=True)
    assert memos is not None and len(memos) == 2  # the output's and the spare's: the two folders the builds alternate
    total = sum(len(known) for known in memos.values()) // 2
    assert folders[0] > total and all(count < total // 3 for count in folders[1:]), (folders, total)
