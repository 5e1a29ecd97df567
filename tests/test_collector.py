"""The cyclic collector during a build (statusgen.collector): off while the site is made, kept off the site while it
is written, and everything as it was afterwards, whatever happened; and the premise that makes that safe."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

import statusgen.build
from statusgen.build import build
from statusgen.cache import ValidationCache
from statusgen.collector import collector_kept_off
from tests.conftest import NOW, RESOLVED_INCIDENT, SiteMaker
from tests.policy_fixtures import incident


@pytest.fixture
def collector_as_usual() -> Iterator[None]:
    """Each test starts with the collector on and nothing frozen, and leaves it so."""
    assert gc.isenabled() and not gc.get_freeze_count()
    yield
    gc.enable()
    gc.unfreeze()


def many_incidents(count: int) -> dict[str, str]:
    return {f"content/incidents/2026-02-{1 + n % 28:02d}-n{n}.md": incident(
        started=f"2026-02-{1 + n % 28:02d}T10:00:00Z", resolved=f"2026-02-{1 + n % 28:02d}T11:00:00Z",
        components={"api": "partial_outage", "web": "major_outage"}, changes=[(f"2026-02-{1 + n % 28:02d}T10:20:00Z", "api=major_outage")])
        for n in range(count)}


def spy(monkeypatch: pytest.MonkeyPatch, name: str, seen: list[tuple[str, bool, int]]) -> None:
    """Record, as the build calls ``statusgen.build.<name>``, whether the collector runs and how many objects are frozen."""
    real: Callable[..., Any] = getattr(statusgen.build, name)

    def recorded(*args: Any, **kwargs: Any) -> Any:
        seen.append((name, gc.isenabled(), gc.get_freeze_count()))
        return real(*args, **kwargs)

    monkeypatch.setattr(statusgen.build, name, recorded)


@pytest.mark.usefixtures("collector_as_usual")
def test_the_site_is_made_with_the_collector_off_and_written_with_it_kept_off_the_site(
        make_site: SiteMaker, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site(many_incidents(5))
    seen: list[tuple[str, bool, int]] = []
    spy(monkeypatch, "load_site", seen)
    spy(monkeypatch, "write_site", seen)
    assert build(root, now=NOW, parallel=False).ok
    (_, loading_collects, _), (_, writing_collects, frozen) = seen
    assert not loading_collects
    assert writing_collects and frozen > 10_000  # the site, its views, the templates: all made before writing
    assert gc.isenabled() and not gc.get_freeze_count()


@pytest.mark.usefixtures("collector_as_usual")
def test_a_failed_build_or_an_error_while_writing_leaves_the_collector_as_it_was(
        make_site: SiteMaker, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = make_site({"content/incidents/2026-03-02-x.md": RESOLVED_INCIDENT.replace("sev2", "sev9")}, name="broken")
    assert not build(broken, now=NOW).ok
    assert gc.isenabled() and not gc.get_freeze_count()

    def disk_full(*args: object, **kwargs: object) -> object:
        raise OSError("No space left on device")

    monkeypatch.setattr(statusgen.build, "write_site", disk_full)
    with pytest.raises(OSError):
        build(make_site({"content/incidents/2026-03-02-x.md": RESOLVED_INCIDENT}, name="fine"), now=NOW)
    assert gc.isenabled() and not gc.get_freeze_count()


@pytest.mark.usefixtures("collector_as_usual")
def test_a_caller_that_turned_the_collector_off_or_froze_objects_keeps_what_it_did() -> None:
    gc.disable()
    with collector_kept_off() as made:
        made()
        assert not gc.isenabled()  # not turned on for a caller that had it off
    assert not gc.isenabled()
    gc.enable()
    gc.freeze()
    theirs = gc.get_freeze_count()
    with collector_kept_off() as made:
        made()
        assert gc.get_freeze_count() <= theirs  # nothing of ours frozen with theirs (some of theirs may have been freed)
    assert 0 < gc.get_freeze_count() <= theirs  # and theirs not given back


@pytest.mark.usefixtures("collector_as_usual")
def test_the_cycles_a_build_leaves_do_not_grow_with_the_site(make_site: SiteMaker) -> None:
    """What makes pausing the collector safe: a build's objects are freed by reference counting, but for a fixed few
    (the template environment's), so garbage does not pile up however many pages a build writes."""
    left: list[int] = []
    for count in (2, 60):
        root = make_site(many_incidents(count), name=f"n{count}")
        assert build(root, now=NOW, parallel=False).ok  # the first build compiles templates and imports what it needs
        gc.collect()
        gc.disable()
        try:
            assert build(root, now=NOW, parallel=False, internal=True).ok
        finally:
            left.append(gc.collect())
            gc.enable()
    assert left[0] == left[1], left


@pytest.mark.usefixtures("collector_as_usual")
def test_a_warm_process_leaves_no_garbage_build_after_build(make_site: SiteMaker) -> None:
    """``serve`` and ``build --watch`` rebuild in one process for hours. The collector, kept off the site during each
    build, would rarely walk the heap between them, so a build must leave nothing for it: its page keys are not in a
    reference cycle, and the theme's environment (whose templates and itself point at each other) is kept while no
    template or static file changes."""
    files = many_incidents(10)
    root = make_site(files)
    cache = ValidationCache()
    assert build(root, now=NOW, cache=cache).ok
    gc.collect()
    gc.disable()
    try:
        for hours in range(1, 4):
            (root / "content/incidents/2026-02-02-n1.md").write_text(files["content/incidents/2026-02-02-n1.md"] + f"\nEdit {hours}.\n")
            assert build(root, now=NOW + timedelta(hours=hours), cache=cache).reused  # a rebuild, keys and all
    finally:
        left = gc.collect()
        gc.enable()
    assert left == 0
    (root / "themes/default/templates").mkdir(parents=True)
    (root / "themes/default/templates/404.html").write_text("{% extends 'base.html' %}{% block main %}Lost.{% endblock %}")
    assert build(root, now=NOW, cache=cache).ok
    assert "Lost." in (root / "output/404.html").read_text()  # a changed theme is loaded again
