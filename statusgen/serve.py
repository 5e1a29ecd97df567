"""``statusgen serve`` and ``statusgen build --watch``: one watch-and-rebuild loop.

A change under content/, themes/ or statusgen.toml schedules a rebuild after
a short quiet period (so saving ten files rebuilds once). A broken edit never
replaces the last good build: its diagnostics go to the terminal and, in
``serve``, to an overlay on every open page, which reload by themselves once
the content builds again. The live-reload script is added to pages as they
are served; it is never written into the built site. The builds run in a process
of their own (:class:`BuildProcess`), which keeps what it validated from one build to
the next and, having no other thread, may fork as a command-line build does.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from statusgen.build import BuildResult, build, start_lister
from statusgen.cache import CACHE_DIR, FILE, ValidationCache
from statusgen.child import can_fork
from statusgen.sources import Changes
from statusgen.write import Lister

log = logging.getLogger(__name__)

#: Seconds without a file event that the watcher waits for before it rebuilds (so saving ten files rebuilds once).
QUIET = 0.25
WATCHED = ("content", "themes", "statusgen.toml")
LIVE_PATH = "/__statusgen/"


@dataclass(frozen=True)
class BuildState:
    """What the latest rebuild did; ``version`` counts rebuilds, good or bad."""

    version: int
    ok: bool
    diagnostics: tuple[str, ...]


def _run_builds(requests: Connection, theirs: Connection, cache: ValidationCache) -> None:
    """The loop of a :class:`BuildProcess`: a build for each request, with ``cache``, until the other end closes."""
    theirs.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the process that started this one to handle
    lister: Lister | None = None
    try:
        while True:
            try:
                kind, arguments = requests.recv()
            except (EOFError, OSError):
                return
            if kind == "expect":  # a build of this output is coming: its spare is listed meanwhile (see expect)
                if lister is not None:
                    lister.close()
                lister = start_lister(arguments["output"], cache)
                continue
            taken, lister = lister, None
            if not _built(requests, cache, taken, arguments):
                return
    finally:
        if lister is not None:
            lister.close()


def _built(requests: Connection, cache: ValidationCache, lister: Lister | None, arguments: dict[str, Any]) -> bool:
    """Build for one request of :func:`_run_builds` and answer it; False when the other end is gone."""
    # What the build saves to disk of its cache and its page manifest, and what it regroups of them in memory for
    # the next build, is done once it has answered: the site is written by then, and the watcher's quiet period
    # leaves the time before the next rebuild (about 0.12 s of each rebuild at 10,000 incidents, which the caller
    # no longer waits for).
    after: list[Callable[[], object]] = []
    try:
        outcome: tuple[str, object] = ("ok", build(cache=cache, after=after, lister=lister, **arguments))
    except Exception as exc:  # a bug: raised again where the build was asked for, with this traceback
        outcome = ("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        after.clear()  # what a build that failed midway saved would be of a part of it
    try:
        requests.send(outcome)
    except (EOFError, OSError):
        return False
    try:
        for save in after:
            save()
    except Exception as exc:  # the cache only makes builds faster: the next one makes again what was not saved
        log.warning("could not save the cache after a build: %s", exc)
    return True


class BuildError(Exception):
    """A build in a :class:`BuildProcess` raised (a bug, not a content mistake): the message holds its traceback."""


class BuildProcess:
    """A process that runs the builds of ``serve`` and ``build --watch``, one after the other, keeping what each
    validated for the next (as a warm process does). Started while this process has a single thread (before the
    watcher and the server start theirs), it has a single thread too, so it can fork: a rebuild there writes in two
    processes and lists the spare while it loads, as a build from the command line does, which a build among
    the server's threads cannot. Its builds use ``cache`` (this process's copy is left as it is). It ends when
    :meth:`close` is called or this process exits."""

    def __init__(self, cache: ValidationCache | None = None) -> None:
        context = multiprocessing.get_context("fork")
        self._requests, theirs = context.Pipe()
        # Not a daemon: a daemonic process may not start the worker a build forks.
        self._process = context.Process(target=_run_builds, args=(theirs, self._requests, cache or ValidationCache()),
                                        name="statusgen-builds")
        self._process.start()
        theirs.close()
        self._lock = threading.Lock()
        atexit.register(self.close)  # before multiprocessing's own exit handler, which waits for the process

    def build(self, **arguments: Any) -> BuildResult:
        """What :func:`statusgen.build.build` returns for ``arguments`` (but ``cache``), built in the process.
        Raises :class:`BuildError` for a bug in the build, ``EOFError`` or ``OSError`` when the process is gone."""
        with self._lock:
            self._requests.send(("build", arguments))
            kind, value = self._requests.recv()
        if kind == "error":
            raise BuildError(value)
        assert isinstance(value, BuildResult)
        return value

    def expect(self, output: Path) -> None:
        """Tell the process that a build into ``output`` is coming: it lists that output's spare meanwhile (see
        :func:`statusgen.build.start_lister`), while the watcher waits for the files to settle, instead of once the
        build has started (at 10,000 incidents, 0.15 s in a child, which a warm build waited for). Nothing to
        wait for; raises ``EOFError`` or ``OSError`` when the process is gone."""
        with self._lock:
            self._requests.send(("expect", {"output": output}))

    def close(self) -> None:
        """End the process (once it finishes the build it is running, if any)."""
        atexit.unregister(self.close)
        self._requests.close()
        self._process.join(timeout=30)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()


class Rebuilder:
    """Rebuilds the site into ``output`` and lets waiters know when it has: in a :class:`BuildProcess` when this
    process can fork when the rebuilder is made, else here (with the same result, in one process).
    ``cache`` (default: one in memory) must hold what it read from one build to the next (see
    :attr:`ValidationCache.hold`): a rebuild then reads only the files that changed."""

    def __init__(self, site_dir: Path, output: Path, *, base_url: str | None = None, strict: bool = False,
                 report: Callable[[BuildResult], object] | None = None, cache: ValidationCache | None = None) -> None:
        self.site_dir, self.output, self.base_url, self.strict = site_dir, output, base_url, strict
        self.report = report or (lambda result: None)
        self._changed = threading.Condition()
        self._state = BuildState(0, True, ())
        self._closed = False
        self._cache = cache or ValidationCache()
        assert self._cache.hold
        self._builds = BuildProcess(self._cache) if can_fork() else None

    @property
    def state(self) -> BuildState:
        with self._changed:
            return self._state

    def _arguments(self, changes: Changes | None) -> dict[str, Any]:
        """What :func:`statusgen.build.build` is given (but the cache)."""
        return {"site_dir": self.site_dir, "output": self.output, "base_url": self.base_url, "strict": self.strict,
                "changes": changes}

    def _build(self, changes: Changes | None) -> BuildResult:
        arguments = self._arguments(changes)
        if self._builds is not None:
            try:
                return self._builds.build(**arguments)
            except (EOFError, OSError) as exc:  # the process is gone (killed, out of memory): build here from now on
                log.warning("the build process ended (%s); building in this process from now on", exc)
                self._builds.close()
                self._builds = None
        return build(cache=self._cache, **arguments)

    def close(self) -> None:
        """End the build process, if there is one, and answer every reader still waiting for a rebuild."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        if self._builds is not None:
            self._builds.close()
            self._builds = None

    def expect(self) -> None:
        """A file changed: a rebuild follows once the files settle, and the build process starts on what it can
        meanwhile (see :meth:`BuildProcess.expect`)."""
        if self._builds is not None:
            with contextlib.suppress(EOFError, OSError):  # gone: the rebuild finds out, and builds here
                self._builds.expect(self.output)

    def rebuild(self, changes: Changes | None = None) -> BuildResult:
        """Build now. ``changes``: what the watcher saw change since it asked for a build before (see
        :class:`Journal`)."""
        result = self._build(changes)
        with self._changed:
            self._state = BuildState(self._state.version + 1, result.ok, tuple(d.format() for d in result.diagnostics))
            self._changed.notify_all()
        self.report(result)
        return result

    def wait(self, version: int, timeout: float) -> BuildState:
        """The state once a rebuild newer than ``version`` is done, or after ``timeout``, or once the rebuilder
        is closed (so a page's long poll does not hold its server thread past the server's end)."""
        with self._changed:
            self._changed.wait_for(lambda: self._closed or self._state.version > version, timeout=timeout)
            return self._state


class Journal:
    """The files a watcher saw change between one rebuild it asked for and the next (see :class:`Changes`), by
    path relative to the site. A folder created, removed or moved (which tells nothing of the files in it) makes the
    next rebuild look at every file."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._paths: set[str] = set()
        self._since: str | None = None  # the first rebuild looks at every file: its walk follows nothing this saw

    def note(self, path: str, *, folder: bool = False) -> None:
        """``path`` changed; a ``folder``: only one that holds content files, or may (the output's are nothing)."""
        with self._lock:
            if not folder:
                self._paths.add(path)
            elif path == "content" or path.startswith("content/"):
                self._since = None

    def take(self) -> Changes:
        """What changed since the last take, for the rebuild about to start: which the next take's changes follow."""
        with self._lock:
            token = uuid.uuid4().hex
            changes = Changes(self._since, token, frozenset(self._paths))
            self._paths.clear()
            self._since = token
            return changes


class _Changes(FileSystemEventHandler):
    """Debounces file events under the watched paths into rebuilds, and notes the files they name."""

    def __init__(self, site_dir: Path, rebuilder: Rebuilder, quiet: float) -> None:
        self.site_dir = site_dir.resolve()
        self._site = os.path.abspath(site_dir)
        self.journal = Journal()
        self.rebuilder, self.quiet = rebuilder, quiet
        self._last = 0.0
        self._pending = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="statusgen-rebuild", daemon=True)
        self._thread.start()

    def relevant(self, path: str) -> bool:
        try:
            relative = Path(path).resolve().relative_to(self.site_dir)
        except ValueError:
            return False
        name = relative.name
        if name.startswith(".") or name.endswith(("~", ".swp", ".tmp")):
            return False  # editors' and our own temporary files
        return bool(relative.parts) and relative.parts[0] in WATCHED

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        paths = [str(event.src_path), str(getattr(event, "dest_path", "") or "")]
        for path in paths:
            # Every file, temporary ones too: the walk lists any Markdown file in the content folders. Not a
            # folder's "modified" (a file in it created, removed or renamed), which its file's own event tells of.
            if path and not (event.is_directory and event.event_type == "modified"):
                relative = os.path.relpath(os.path.abspath(path), self._site)
                if not relative.startswith(".."):
                    self.journal.note(relative.replace(os.sep, "/"), folder=event.is_directory)
        if any(p and self.relevant(p) for p in paths):
            self._last = time.monotonic()
            self._pending.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            if not self._pending.wait(timeout=0.2):
                continue
            self.rebuilder.expect()
            while time.monotonic() - self._last < self.quiet:
                time.sleep(self.quiet / 4)
            self._pending.clear()
            try:
                self.rebuilder.rebuild(self.journal.take())
            except Exception:  # a bug must not kill the watch loop; it is logged with its traceback
                log.exception("rebuild failed")

    def stop(self) -> None:
        self._stop.set()


class Watch:
    """Watches a site and rebuilds it; use as a context manager."""

    def __init__(self, rebuilder: Rebuilder, *, quiet: float = QUIET) -> None:
        self.rebuilder = rebuilder
        self.changes = _Changes(rebuilder.site_dir, rebuilder, quiet)
        self.observer = Observer()
        # The site folder itself only shallowly (statusgen.toml; content/ or themes/ appearing):
        # a recursive watch would also follow output/, which every build replaces.
        self.observer.schedule(self.changes, str(rebuilder.site_dir), recursive=False)
        for name in WATCHED:
            if (rebuilder.site_dir / name).is_dir():
                self.observer.schedule(self.changes, str(rebuilder.site_dir / name), recursive=True)

    def __enter__(self) -> Watch:
        self.observer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.changes.stop()
        self.observer.stop()
        self.observer.join(timeout=5)


LIVE_SCRIPT = """(function () {
  "use strict";
  var version = -1, box = null;
  function overlay(lines) {
    if (!box) {
      box = document.createElement("div");
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:2147483647;" +
        "margin:0;padding:1rem 1.25rem;background:#1d1d1f;color:#f5f5f7;font:13px/1.5 ui-monospace,monospace;" +
        "border-top:4px solid #d70015;white-space:pre-wrap";
      document.body.appendChild(box);
    }
    box.textContent = "statusgen: the last edit does not build; this page is the last good build.\\n\\n" + lines.join("\\n");
  }
  function show(state) {
    if (version !== -1 && state.version !== version && state.ok) { location.reload(); return; }
    version = state.version;
    if (!state.ok) { overlay(state.diagnostics); } else if (box) { box.remove(); box = null; }
  }
  function poll() {
    fetch("/__statusgen/wait?version=" + version).then(function (r) { return r.json(); })
      .then(function (state) { show(state); poll(); })
      .catch(function () { setTimeout(poll, 1000); });
  }
  fetch("/__statusgen/state").then(function (r) { return r.json(); }).then(function (state) { show(state); poll(); });
})();
"""
_TAG = f'<script src="{LIVE_PATH}live.js"></script>'.encode()


def _handler(rebuilder: Rebuilder) -> type[SimpleHTTPRequestHandler]:
    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(rebuilder.output), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s " + format, self.address_string(), *args)

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _state(self, state: BuildState) -> None:
            body = {"version": state.version, "ok": state.ok, "diagnostics": list(state.diagnostics)}
            self._send(200, json.dumps(body).encode(), "application/json")

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == LIVE_PATH + "live.js":
                self._send(200, LIVE_SCRIPT.encode(), "text/javascript; charset=utf-8")
            elif url.path == LIVE_PATH + "state":
                self._state(rebuilder.state)
            elif url.path == LIVE_PATH + "wait":
                version = int((parse_qs(url.query).get("version") or ["-1"])[0] or -1)
                self._state(rebuilder.wait(version, timeout=25))
            else:
                target = Path(self.translate_path(url.path))
                if target.is_dir() and url.path.endswith("/"):
                    target = target / "index.html"  # a folder without its slash is redirected by the base class
                if target.suffix == ".html" and target.is_file():
                    html = target.read_bytes()
                    at = html.rfind(b"</body>")
                    html = html[:at] + _TAG + html[at:] if at >= 0 else html + _TAG
                    self._send(200, html, "text/html; charset=utf-8")
                else:
                    super().do_GET()

    return Handler


class _PreviewServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A reader who closes or reloads a page while it waits for the next build (or downloads a file)
        leaves nothing to answer: that is no error to print a traceback for. Anything else still is."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            log.debug("%s went away before its answer was sent", client_address)
            return
        super().handle_error(request, client_address)


def make_server(rebuilder: Rebuilder, host: str, port: int) -> ThreadingHTTPServer:
    """An HTTP server for the built site plus the live-reload endpoints (port 0: any free port)."""
    return _PreviewServer((host, port), _handler(rebuilder))


def _announce_rebuilds(report: Callable[[BuildResult], object]) -> Callable[[BuildResult], object]:
    def announce(result: BuildResult) -> None:
        report(result)
        if not result.ok:
            print("statusgen: still serving the last good build; fix the file and save to rebuild", flush=True)
    return announce


def watch_build(site_dir: Path, output: Path, *, base_url: str | None, strict: bool,
                report: Callable[[BuildResult], object], on_disk: bool = True) -> int:
    """``build --watch``: rebuild into ``output`` on every change until Ctrl-C. ``on_disk``: through the cache
    of the build before (``.statusgen-cache``), so the first rebuild takes from it what that build validated and wrote."""
    cache = ValidationCache(site_dir / CACHE_DIR / FILE, hold=True) if on_disk else ValidationCache()
    rebuilder = Rebuilder(site_dir, output, base_url=base_url, strict=strict, report=report, cache=cache)
    try:
        with Watch(rebuilder):  # announced once watching, so an edit right after the message is seen
            print(f"Watching {', '.join(WATCHED)} in {site_dir} (Ctrl-C to stop)", flush=True)
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        print("Stopped.")
    finally:
        rebuilder.close()
    return 0


def serve(site_dir: Path, *, host: str, port: int, base_url: str | None,
          report: Callable[[BuildResult, Path], object]) -> int:
    """``statusgen serve``: build into a temporary folder, serve it, rebuild on change, until Ctrl-C."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="statusgen-serve-"))
    output = folder / "site"
    # What the last build validated is taken from the site's cache (the pages are made anew in the new folder),
    # unless another base URL makes it another site: a cache holds one, and the next `statusgen build` would
    # find it replaced by serve's.
    cache = ValidationCache(site_dir / CACHE_DIR / FILE, hold=True, manifests=False) if base_url is None else ValidationCache()
    rebuilder = Rebuilder(site_dir, output, base_url=base_url, report=_announce_rebuilds(lambda r: report(r, output)),
                          cache=cache)
    try:
        first = rebuilder.rebuild()
        try:
            server = make_server(rebuilder, host, port)
        except OSError as exc:
            print(f"statusgen: error: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        bound_port = server.server_address[1]
        if not first.ok:
            print("statusgen: nothing to serve until the content builds; the server is waiting", flush=True)
        with Watch(rebuilder):
            print(f"Serving {site_dir} at http://{host}:{bound_port}/ (Ctrl-C to stop)", flush=True)
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                print("Stopped.")
            finally:
                server.server_close()
        return 0
    finally:
        rebuilder.close()
        shutil.rmtree(folder, ignore_errors=True)
