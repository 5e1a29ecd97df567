"""statusgen serve and build --watch: rebuild on change, serve the new page,
keep the last good build while a file is broken, reload open pages, stop
cleanly on Ctrl-C. Real HTTP on an ephemeral loopback port, real file events."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import statusgen.serve
from statusgen.serve import BuildError, Journal, Rebuilder, Watch, make_server
from statusgen.sources import Changes
from tests.conftest import RESOLVED_INCIDENT, SiteMaker

PAGE = "incidents/2026-03-02-api/"
FILE = "content/incidents/2026-03-02-api.md"


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        body: bytes = response.read()
        return body.decode("utf-8")


def state_after(base: str, version: int) -> dict[str, Any]:
    """Long-poll until the rebuild after ``version`` is done."""
    data: dict[str, Any] = json.loads(get(f"{base}__statusgen/wait?version={version}"))
    assert data["version"] > version, "no rebuild happened within the wait"
    return data


@pytest.fixture
def served(make_site: SiteMaker, tmp_path: Path) -> Iterator[tuple[Path, str, Rebuilder]]:
    site = make_site({FILE: RESOLVED_INCIDENT})
    rebuilder = Rebuilder(site, tmp_path / "served")
    assert rebuilder.rebuild().ok
    server = make_server(rebuilder, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    with Watch(rebuilder, quiet=0.1):
        thread.start()
        try:
            yield site, f"http://127.0.0.1:{server.server_address[1]}/", rebuilder
        finally:
            server.shutdown()
            server.server_close()
            rebuilder.close()  # answers the pages still waiting for a rebuild, so their threads end
            for left in threading.enumerate():
                if left.name.endswith("(process_request_thread)"):
                    left.join(timeout=10)
                    assert not left.is_alive(), "a request thread outlived the server"


def test_a_rebuilder_builds_in_a_process_of_its_own_that_keeps_its_cache(
        make_site: SiteMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(statusgen.serve, "can_fork", lambda: True)  # as serve starts it: before any other thread
    site = make_site({FILE: RESOLVED_INCIDENT})
    rebuilder = Rebuilder(site, tmp_path / "served")
    builds = rebuilder._builds
    assert builds is not None
    process = builds._process
    try:
        assert process.is_alive() and process.pid != os.getpid()
        first = rebuilder.rebuild()
        assert first.ok and first.reused == 0
        (site / FILE).write_text(RESOLVED_INCIDENT.replace("working normally again", "back to full speed"))
        again = rebuilder.rebuild()
        assert again.ok and again.reused > 0  # the process kept what it validated and the pages' keys
        assert "back to full speed" in (tmp_path / "served" / PAGE / "index.html").read_text()
    finally:
        rebuilder.close()
    assert not process.is_alive() and rebuilder._builds is None


def test_a_bug_in_the_build_process_is_raised_here_and_a_process_that_died_is_replaced_by_building_here(
        make_site: SiteMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(statusgen.serve, "can_fork", lambda: True)
    real = statusgen.serve.build

    def failing(site_dir: Path, *args: Any, **kwargs: Any) -> Any:
        if (site_dir / "fail").exists():
            raise RuntimeError("a bug in the build")
        return real(site_dir, *args, **kwargs)

    monkeypatch.setattr(statusgen.serve, "build", failing)  # before the fork: the process has it too
    site = make_site({FILE: RESOLVED_INCIDENT})
    rebuilder = Rebuilder(site, tmp_path / "served")
    try:
        (site / "fail").touch()
        with pytest.raises(BuildError, match="RuntimeError: a bug in the build") as raised:
            rebuilder.rebuild()
        assert "Traceback" in str(raised.value) and "in failing" in str(raised.value)
        (site / "fail").unlink()
        assert rebuilder.rebuild().ok  # the process goes on after a failed build
        builds = rebuilder._builds
        assert builds is not None
        os.kill(builds._process.pid or 0, signal.SIGKILL)
        builds._process.join()
        (site / FILE).write_text(RESOLVED_INCIDENT.replace("working normally again", "back to full speed"))
        assert rebuilder.rebuild().ok and rebuilder._builds is None  # built here, from now on
        assert "back to full speed" in (tmp_path / "served" / PAGE / "index.html").read_text()
    finally:
        rebuilder.close()


def test_the_build_process_lists_the_spare_once_told_a_build_is_coming(
        make_site: SiteMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Told that a build is coming (as the watcher tells it at a change's first event), the build process starts the
    lister of the output's spare at once, and the build takes that one instead of starting its own."""
    import statusgen.build

    monkeypatch.setattr(statusgen.serve, "can_fork", lambda: True)
    log = tmp_path / "listers.txt"  # who started each lister, across the fork
    real = statusgen.build.start_lister

    def start_lister(output: Path, cache: Any, who: str = "build") -> Any:
        with open(log, "a") as stream:
            stream.write(f"{who}\n")
        return real(output, cache)

    monkeypatch.setattr(statusgen.build, "start_lister", start_lister)
    monkeypatch.setattr(statusgen.serve, "start_lister", lambda output, cache: start_lister(output, cache, "expect"))
    site = make_site({FILE: RESOLVED_INCIDENT})
    rebuilder = Rebuilder(site, tmp_path / "served")
    try:
        assert rebuilder.rebuild().ok and rebuilder.rebuild().ok  # a spare now
        log.unlink()
        (site / FILE).write_text(RESOLVED_INCIDENT.replace("working normally again", "back to full speed"))
        rebuilder.expect()
        assert rebuilder.rebuild().ok
        assert "back to full speed" in (tmp_path / "served" / PAGE / "index.html").read_text()
        assert log.read_text().split() == ["expect"]  # the build took it
        assert rebuilder.rebuild().ok
        assert log.read_text().split() == ["expect", "build"]  # none was expected
    finally:
        rebuilder.close()


def test_closing_the_rebuilder_answers_the_readers_still_waiting(make_site: SiteMaker, tmp_path: Path) -> None:
    """A page's long poll holds a server thread for up to 25 s: when serve ends, it is answered at once."""
    rebuilder = Rebuilder(make_site({FILE: RESOLVED_INCIDENT}), tmp_path / "served")
    answered: list[object] = []
    waiting = threading.Thread(target=lambda: answered.append(rebuilder.wait(0, timeout=30)))
    waiting.start()
    time.sleep(0.2)
    assert waiting.is_alive() and not answered  # no rebuild yet
    rebuilder.close()
    waiting.join(timeout=5)
    assert not waiting.is_alive() and answered


def test_serve_rebuilds_after_a_change_and_keeps_the_last_good_build_while_broken(served: tuple[Path, str, Rebuilder]) -> None:
    site, base, rebuilder = served
    page = get(base + PAGE)
    assert "The API is working normally again." in page and '<script src="/__statusgen/live.js"></script></body>' in page

    (site / FILE).write_text(RESOLVED_INCIDENT.replace("working normally again", "back to full speed"))
    state = state_after(base, 1)
    assert state["ok"] and "back to full speed" in get(base + PAGE)

    (site / FILE).write_text(RESOLVED_INCIDENT.replace("severity: sev2", "severity: sev9"))
    state = state_after(base, state["version"])
    assert not state["ok"]
    assert any("[severity-value]" in line and line.startswith(FILE + ":3:") for line in state["diagnostics"])
    assert "back to full speed" in get(base + PAGE)  # the last good build, still served

    (site / FILE).write_text(RESOLVED_INCIDENT)
    assert state_after(base, state["version"])["ok"]
    assert "working normally again" in get(base + PAGE)
    built = (rebuilder.output / PAGE / "index.html").read_text()
    assert "__statusgen" not in built  # the live-reload script is never written into the site


def test_the_journal_names_the_files_changed_between_two_rebuilds() -> None:
    """Each rebuild is told what changed since the one before it (see Changes); a folder in content/ created, removed
    or moved tells nothing of the files in it, so the rebuild after it looks at every file (``since`` None)."""
    journal = Journal()
    first = journal.take()
    assert first.since is None and first.paths == frozenset()  # nothing seen before the first: every file
    journal.note("content/incidents/a.md")
    journal.note("statusgen.toml")
    journal.note("output", folder=True)  # the output's folders are nothing to the content
    second = journal.take()
    assert second.since == first.token and second.paths == {"content/incidents/a.md", "statusgen.toml"}
    journal.note("content/incidents/2025", folder=True)
    journal.note("content/incidents/b.md")
    third = journal.take()
    assert third.since is None and third.paths == {"content/incidents/b.md"}
    assert len({first.token, second.token, third.token}) == 3
    fourth = journal.take()
    assert fourth.since == third.token and fourth.paths == frozenset()


def test_a_rebuild_sees_files_added_edited_removed_and_moved_in_with_their_folder(
        served: tuple[Path, str, Rebuilder], tmp_path: Path) -> None:
    """The watcher tells each rebuild which files changed, and the rebuild looks at those only (see Changes): yet
    every kind of change shows, a folder of incidents moved in from elsewhere too."""
    site, base, rebuilder = served
    told: list[Changes | None] = []
    real = rebuilder.rebuild

    def rebuild(changes: Changes | None = None) -> Any:
        told.append(changes)
        return real(changes)

    rebuilder.rebuild = rebuild  # type: ignore[method-assign]
    added = "content/incidents/2026-03-05-db.md"
    (site / added).write_text(RESOLVED_INCIDENT.replace("2026-03-02", "2026-03-05").replace("Elevated API errors", "Slow database"))
    version = state_after(base, 1)["version"]
    assert "Slow database" in get(base + "incidents/2026-03-05-db/")
    (site / FILE).write_text(RESOLVED_INCIDENT.replace("working normally again", "back to full speed"))
    version = state_after(base, version)["version"]
    assert "back to full speed" in get(base + PAGE)
    assert told[-1] is not None and told[-1].since == told[-2].token  # (a Changes) and it follows the one before
    folder = tmp_path / "elsewhere" / "2025"
    folder.mkdir(parents=True)
    (folder / "2025-12-01-cdn.md").write_text(RESOLVED_INCIDENT.replace("2026-03-02", "2025-12-01").replace("Elevated API errors", "Slow CDN"))
    (site / added).unlink()
    os.rename(folder, site / "content/incidents/2025")
    version = state_after(base, version)["version"]
    assert "Slow CDN" in get(base + "incidents/2025-12-01-cdn/")
    with pytest.raises(urllib.error.HTTPError):
        get(base + "incidents/2026-03-05-db/")
    moved = site / "content/incidents/2025/2025-12-01-cdn.md"
    moved.write_text(moved.read_text().replace("Slow CDN", "Slower CDN"))
    state_after(base, version)
    assert "Slower CDN" in get(base + "incidents/2025-12-01-cdn/")
    assert told[-1] is not None and told[-1].since is not None and moved.relative_to(site).as_posix() in told[-1].paths


def test_a_reader_who_leaves_before_the_answer_is_no_error(served: tuple[Path, str, Rebuilder],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A page closed or reloaded while it waits for the next build breaks the pipe its answer goes to: the
    server says nothing of it. Any other failure of a request still prints its traceback."""
    server = make_server(served[2], "127.0.0.1", 0)
    try:
        for gone in (BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "Connection reset by peer")):
            try:
                raise gone
            except ConnectionError:
                server.handle_error(None, ("127.0.0.1", 50000))
        assert capsys.readouterr().err == ""
        try:
            raise ValueError("a bug")
        except ValueError:
            server.handle_error(None, ("127.0.0.1", 50000))
        assert "ValueError: a bug" in capsys.readouterr().err
    finally:
        server.server_close()


def test_saving_many_files_at_once_rebuilds_once(served: tuple[Path, str, Rebuilder]) -> None:
    site, base, rebuilder = served
    for n in range(5):
        (site / f"content/incidents/2026-03-0{n + 3}-more.md").write_text(RESOLVED_INCIDENT.replace("2026-03-02", f"2026-03-0{n + 3}"))
    state = state_after(base, 1)
    time.sleep(0.6)
    assert state["ok"] and rebuilder.state.version <= 3  # debounced: one rebuild, two at most if the events straddle it


def test_open_pages_show_the_errors_and_reload_when_fixed(served: tuple[Path, str, Rebuilder], browser: Any) -> None:
    site, base, _ = served
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base + PAGE)
    page.wait_for_timeout(300)
    (site / FILE).write_text(RESOLVED_INCIDENT.replace("state: resolved", "state: fixed"))
    overlay = page.get_by_role("alert")
    overlay.wait_for(timeout=15_000)
    assert "[state-value]" in overlay.inner_text() and "last good build" in overlay.inner_text()
    (site / FILE).write_text(RESOLVED_INCIDENT.replace("working normally again", "fully recovered"))
    page.get_by_text("fully recovered").wait_for(timeout=15_000)  # the page reloaded itself
    assert page.get_by_role("alert").count() == 0 and errors == []


class Running:
    """A statusgen process whose output is read by a thread, so a missing line
    fails the test after a timeout instead of blocking it forever."""

    def __init__(self, argv: list[str], cwd: Path) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("SOURCE_DATE_EPOCH", None)
        self.process = subprocess.Popen([sys.executable, "-m", "statusgen", *argv], cwd=cwd, env=env, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, pattern: str, timeout: float = 30) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            if match := re.search(pattern, line):
                return match
        raise AssertionError(f"no line matching {pattern!r} in:\n{''.join(self.seen)}")

    def interrupt(self) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=15)


@pytest.mark.parametrize("base_url", [None, "http://localhost:9/"], ids=["as built", "another base URL"])
def test_serve_command_binds_loopback_and_stops_cleanly_on_ctrl_c(make_site: SiteMaker, base_url: str | None) -> None:
    site = make_site({FILE: RESOLVED_INCIDENT})
    running = Running(["serve", "--port", "0", *(["--base-url", base_url] if base_url else [])], site)
    try:
        match = running.wait_for(r"Serving \S+ at (http://127\.0\.0\.1:\d+/)")
        assert "Elevated API errors" in get(match.group(1) + PAGE)
        assert running.interrupt() == 0
        running.wait_for(r"^Stopped\.")
        assert not any("Traceback" in line or "Warning" in line for line in running.seen)
        # What it validated is kept for the next build, unless it built another site than that build will;
        # its pages, in a folder now removed, are not recorded.
        assert (site / ".statusgen-cache/validated.pickle").is_file() == (base_url is None)
        assert not list(site.glob(".statusgen-cache/pages-*"))
    finally:
        running.process.kill()


def test_build_watch_rebuilds_output_and_stops_cleanly(make_site: SiteMaker) -> None:
    site = make_site({FILE: RESOLVED_INCIDENT})
    running = Running(["build", "--watch"], site)
    try:
        running.wait_for(r"^Watching ")
        (site / FILE).write_text(RESOLVED_INCIDENT.replace("working normally again", "rebuilt by the watcher"))
        # The first rebuild takes the pages that did not change from the build before it, through its cache.
        assert int(running.wait_for(r"^Built \d+ pages \(\d+ files, [^,]+, (\d+) unchanged\)").group(1)) > 0
        assert "rebuilt by the watcher" in (site / "output" / PAGE / "index.html").read_text()
        (site / FILE).write_text("---\ntitle: broken\n")
        running.wait_for(r"build failed with \d+ errors?; output was left unchanged")
        assert "rebuilt by the watcher" in (site / "output" / PAGE / "index.html").read_text()
        assert running.interrupt() == 0
        assert not any("Traceback" in line or "Warning" in line for line in running.seen)
    finally:
        running.process.kill()
