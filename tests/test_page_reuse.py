"""A rebuild takes the pages whose inputs did not change from the previous output
instead of rendering them again, and still writes exactly what a full build writes."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import statusgen.build
import statusgen.cache
import statusgen.render.api
import statusgen.render.pages
import statusgen.render.views
from bench.corpus import NOW, write_corpus
from statusgen.build import build, prepare
from statusgen.cache import CACHE_DIR, FILE, ValidationCache
from statusgen.derive import component_statuses
from statusgen.durations import format_duration
from statusgen.model import Encoded, Incident, Site
from statusgen.obligations import ObligationState, obligation_moment, obligations
from statusgen.render.keys import PageKeys
from statusgen.render.pages import _OPEN_OBLIGATIONS as OPEN
from statusgen.render.pages import PageRenderer
from statusgen.render.paging import paginate
from statusgen.render.views import view_digest, view_digests, view_moment, views_for_site
from statusgen.write import Staging
from tests.test_cache_parallel import same_tree

LATER = NOW + timedelta(hours=1)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "site", 60)


def cache_of(site: Path) -> ValidationCache:
    """The cache as a new process finds it on disk."""
    return ValidationCache(site / CACHE_DIR / FILE)


def caches(site: Path, kind: str) -> Callable[[], ValidationCache]:
    """The cache each build of a test is given: ``disk``, read from disk, as a new process finds it; else the one
    object a warm process keeps from build to build: ``held``, on disk as well (serve, build --watch), or ``memory``
    only (build --watch --no-cache)."""
    if kind == "disk":
        return lambda: cache_of(site)
    warm = ValidationCache(site / CACHE_DIR / FILE, hold=True) if kind == "held" else ValidationCache()
    return lambda: warm


#: Each test of what a rebuild takes from the last build, with each kind of cache (see :func:`caches`).
EVERY_CACHE = pytest.mark.parametrize("kind", ["memory", "held", "disk"],
                                      ids=["warm process", "warm process on disk", "new process"])


def record_reuse(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    taken: list[str] = []
    real = Staging._reuse

    def recording(self: Staging, path: str, target: str) -> int:
        taken.append(path)
        return real(self, path, target)

    monkeypatch.setattr(Staging, "_reuse", recording)
    return taken


def record_prepared(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What each build from now on prepared (its site, renderer and views), in order."""
    made: list[Any] = []
    real_prepare = statusgen.build.prepare

    def keeping(*args: Any, **kwargs: Any) -> Any:
        made.append(real_prepare(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(statusgen.build, "prepare", keeping)
    return made


def record_written(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the files a build writes anew (rendered, not reused)."""
    written: list[str] = []
    real = Staging._write

    def recording(self: Staging, artifact: Any, target: str) -> int:
        if not artifact.reused:
            written.append(artifact.path)
        return real(self, artifact, target)

    monkeypatch.setattr(Staging, "_write", recording)
    return written


def test_a_rebuild_an_hour_later_reuses_unchanged_pages_and_writes_what_a_full_build_writes(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    assert build(site, out, now=NOW, cache=cache_of(site), parallel=False).ok
    edited = sorted((site / "content/incidents").glob("*-incident-*.md"))[3]
    edited.write_text(edited.read_text() + "\nA sentence added later.\n")
    untouched = sorted((site / "content/incidents").glob("*-incident-*.md"))[10]
    inode = (out / f"incidents/{untouched.stem}/index.html").stat().st_ino

    taken = record_reuse(monkeypatch)
    again = build(site, out, now=LATER, cache=cache_of(site), parallel=False)
    full = build(site, tmp_path / "full", now=LATER)  # no cache: everything rendered
    assert again.ok and full.ok
    assert same_tree(out, tmp_path / "full")

    assert again.reused == len(taken) > again.pages * 0.7
    assert f"incidents/{edited.stem}/index.html" not in taken
    assert "A sentence added later." in (out / f"incidents/{edited.stem}/index.html").read_text()
    assert "index.html" not in taken  # the overview says what is true now: rendered at every new time
    assert (out / f"incidents/{untouched.stem}/index.html").stat().st_ino == inode  # the same file, linked


def test_two_processes_reuse_the_same_pages(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert build(site, out, now=NOW, cache=cache_of(site), parallel=True).ok
    again = build(site, out, now=LATER, cache=cache_of(site), parallel=True)
    assert build(site, tmp_path / "full", now=LATER, parallel=False).ok
    assert again.ok and again.reused > again.pages * 0.7
    assert same_tree(out, tmp_path / "full")


def test_a_page_changed_in_the_output_since_is_rendered_again(site: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    assert build(site, out, now=NOW, cache=cache_of(site)).ok
    page = out / "postmortems/index.html"
    original = page.read_bytes()
    page.write_bytes(original.replace(b"<h1>", b"<h1>Edited by hand "))
    (out / "404.html").unlink()
    taken = record_reuse(monkeypatch)
    again = build(site, out, now=NOW, cache=cache_of(site), parallel=False)
    assert again.ok and taken
    assert "postmortems/index.html" not in taken and "404.html" not in taken
    assert page.read_bytes() == original and (out / "404.html").is_file()


def restore_as_ci_does(site: Path, out: Path) -> None:
    """What a CI runner that restores the cache and the output has: the same files, each a new one (another
    inode, a new change time), in a fresh checkout (every content file new too), and no spare."""
    for folder in (out, site / "content"):
        aside = folder.with_name(folder.name + ".aside")
        folder.rename(aside)
        shutil.copytree(aside, folder)  # copies keep the modification times, as a cache's archive does
        shutil.rmtree(aside)
    shutil.rmtree(out.with_name(f".{out.name}.spare"), ignore_errors=True)


def test_a_restored_output_is_reused_page_by_page_on_what_each_page_holds(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    assert build(site, out, now=NOW, cache=cache_of(site), parallel=False).ok
    restore_as_ci_does(site, out)
    edited = sorted((site / "content/incidents").glob("*-incident-*.md"))[3]
    edited.write_text(edited.read_text() + "\nA sentence added later.\n")
    # A page changed in the copy, to the same size: only what it holds tells it from the page the build wrote.
    tampered = out / "postmortems/index.html"
    original = tampered.read_bytes()
    tampered.write_bytes(original.replace(b"<h1>", b"<H1>", 1))
    assert tampered.stat().st_size == len(original)

    taken = record_reuse(monkeypatch)
    again = build(site, out, now=LATER, cache=cache_of(site), parallel=False)
    assert build(site, tmp_path / "full", now=LATER).ok
    assert again.ok and again.reused == len(taken) > again.pages * 0.7
    assert "postmortems/index.html" not in taken and f"incidents/{edited.stem}/index.html" not in taken
    assert same_tree(out, tmp_path / "full")

    # The output this build wrote is recorded with the digests of the pages it reused too: restored once
    # more and built at the same time, every page is reused.
    restore_as_ci_does(site, out)
    feeds = len(list(out.rglob("feed.*")))  # the feeds are kept by their entries too, the calendar by its windows
    assert build(site, out, now=LATER, cache=cache_of(site), parallel=True).reused == again.pages + feeds + 1
    assert same_tree(out, tmp_path / "full")


def test_a_theme_change_reuses_nothing(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert build(site, out, now=NOW, cache=cache_of(site)).ok
    assert build(site, out, now=NOW, cache=cache_of(site)).reused > 0
    override = site / "themes/default/templates/brand.html"
    override.parent.mkdir(parents=True)
    override.write_text('<span class="brand-name">Our brand</span>\n')
    again = build(site, out, now=NOW, cache=cache_of(site))
    assert again.ok and again.reused == 0
    assert "Our brand" in (out / "postmortems/index.html").read_text()


def test_without_a_cache_nothing_is_kept_or_reused(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert build(site, out, now=NOW).ok
    assert build(site, out, now=NOW).reused == 0
    assert not (site / CACHE_DIR).exists()


def test_serve_keeps_its_page_keys_in_memory(site: Path, tmp_path: Path) -> None:
    cache = ValidationCache()  # as serve and --watch hold it
    assert build(site, tmp_path / "out", now=NOW, cache=cache, parallel=False).ok
    assert build(site, tmp_path / "out", now=NOW, cache=cache, parallel=False).reused > 0
    assert not (site / CACHE_DIR).exists()


def text_of(out: Path, page: str) -> str:
    return (out / page).read_text()


def test_only_pages_that_depend_on_the_time_say_when_they_were_generated(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert build(site, out, now=NOW).ok
    prepared = prepare(site, now=NOW)
    assert not isinstance(prepared, list)
    resolved = next(i for i in prepared.site.incidents
                    if i.is_resolved and prepared.renderer.obligations[i.slug].state.value in ("published", "not_required"))
    ongoing = next(i for i in prepared.site.incidents if not i.is_resolved)
    assert "Page generated" in text_of(out, "index.html")
    assert "Page generated" in text_of(out, f"incidents/{ongoing.slug}/index.html")
    assert "Page generated" in text_of(out, "publication/index.html")
    assert "Page generated" not in text_of(out, f"incidents/{resolved.slug}/index.html")
    assert "Page generated" not in text_of(out, "postmortems/index.html")
    assert "Times are shown in" in text_of(out, f"incidents/{resolved.slug}/index.html")


def test_how_long_an_incident_has_gone_on_is_said_by_live_pages_and_its_lists_stay_the_same(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An ongoing incident's own page and the overview say how long so far, as of when they were built; a list that
    shows it (a history month, a component's later page) says "ongoing", and is the same an hour and a half later."""
    monkeypatch.setattr(statusgen.render.pages, "paginate", lambda base, items: paginate(base, items, 2))
    # Going on since August, so that lists show it beyond their first page.
    (site / "content/incidents/2026-08-01-incident-long.md").write_text(
        "---\ntitle: Webhooks delayed\nseverity: sev3\nstate: monitoring\nstarted: 2026-08-01T10:00:00Z\ncomponents:\n"
        "  webhooks: partial_outage\n---\n\n## 2026-08-01 10:20 UTC — Monitoring\n\nWebhooks are delivered late.\n")
    later = NOW + timedelta(minutes=90)
    for now, out in ((NOW, tmp_path / "now"), (later, tmp_path / "later")):
        assert build(site, out, now=now).ok
    prepared = prepare(site, now=NOW)
    assert not isinstance(prepared, list)
    ongoing = [i for i in prepared.site.incidents if not i.is_resolved]
    assert ongoing
    for incident in ongoing:
        for now, out in ((NOW, tmp_path / "now"), (later, tmp_path / "later")):
            page = text_of(out, f"incidents/{incident.slug}/index.html")
            assert f"{format_duration(now - incident.started)} so far (ongoing)" in page and "Page generated" in page
    first = ongoing[0]  # the overview's first card
    for now, out in ((NOW, tmp_path / "now"), (later, tmp_path / "later")):
        assert f"ongoing for {format_duration(now - first.started)}" in text_of(out, "index.html")
    # Lists that show one: none lists a maintenance window (whose phase the time changes) but the history's.
    checked = []
    for page in sorted((tmp_path / "now").rglob("index.html")):
        name, text = page.relative_to(tmp_path / "now").as_posix(), page.read_text()
        listing = name.startswith("history/2") or (name.startswith("components/") and "/page/" in name)
        if listing and "sev-maint" not in text and any(f"incidents/{i.slug}/" in text for i in ongoing):
            assert text == text_of(tmp_path / "later", name) and "Page generated" not in text, name
            checked.append(name.split("/")[0])
    assert {"history", "components"} <= set(checked)


def test_a_key_changes_with_any_value_and_only_with_them(site: Path) -> None:
    prepared = prepare(site, now=NOW, cache=cache_of(site))
    assert not isinstance(prepared, list)
    incident = prepared.site.incidents[0]
    view = prepared.renderer.views[incident.slug]

    def keys() -> PageKeys:
        return PageKeys(prepared.site, prepared.renderer.fingerprints, {}, shared=prepared.renderer.views.values())

    first = keys().key("incident.html", "p", {"item": incident, "view": view})
    assert first is not None
    assert keys().key("incident.html", "p", {"item": incident, "view": view}) == first  # another build's keys
    # A copy of a known object, or of a shared view, with one field changed is not mistaken for it.
    assert keys().key("incident.html", "p", {"item": dataclasses.replace(incident, title="Other"), "view": view}) != first
    assert keys().key("incident.html", "p", {"item": incident, "view": dataclasses.replace(view, duration="1 min")}) != first
    assert keys().key("incident.html", "q", {"item": incident, "view": view}) != first
    assert keys().key("incident.html", "p", {"item": incident, "view": view, "cannot": lambda: 1}) is None


def test_the_fingerprint_of_an_incident_follows_its_file(site: Path) -> None:
    before = prepare(site, now=NOW, cache=cache_of(site))
    assert not isinstance(before, list)
    edited = before.site.incidents[5]
    (site / edited.path).write_text((site / edited.path).read_text() + "\nMore.\n")
    after = prepare(site, now=NOW, cache=cache_of(site))
    assert not isinstance(after, list)
    changed = {path for path, fingerprint in before.renderer.fingerprints.items() if fingerprint != after.renderer.fingerprints.get(path)}
    assert changed == {edited.path}
    assert os.path.isfile(site / edited.path)


@pytest.fixture(scope="module")
def corpus_model(tmp_path_factory: pytest.TempPathFactory) -> Site:
    root = write_corpus(tmp_path_factory.mktemp("views") / "site", 150)
    start = NOW + timedelta(days=1)  # a window the moments below see upcoming, in progress and completed
    (root / "content/incidents/window-soon.md").write_text(
        f"---\ntitle: Database upgrade\nkind: maintenance\nstate: scheduled\nscheduled_start: {start:%Y-%m-%dT%H:%M:%SZ}\n"
        f"scheduled_end: {start + timedelta(days=2):%Y-%m-%dT%H:%M:%SZ}\ncomponents:\n  api: under_maintenance\n---\n\n"
        "The API will be read-only while the database is upgraded.\n")
    prepared = prepare(root, now=NOW)
    assert not isinstance(prepared, list)
    return prepared.site


def test_the_corpus_has_views_that_change_with_time_and_views_that_do_not(corpus_model: Site) -> None:
    """A window's view changes with its phase; an incident's never does, even while it is going on (how long so far
    and its impact now are made by the live pages that show them)."""
    assert any(not incident.settled(NOW) for incident in corpus_model.incidents)
    assert {view_moment(incident, NOW) for incident in corpus_model.incidents} == {None}
    assert len({view_moment(window, NOW) for window in corpus_model.maintenances}) > 1


MINUTES = st.integers(-60 * 24 * 30, 60 * 24 * 30)  # a month either side of the corpus's present


@settings(max_examples=40, deadline=None)
@given(MINUTES, MINUTES)
def test_an_items_view_follows_from_the_item_and_its_moment(corpus_model: Site, a: int, b: int) -> None:
    """What page keys rely on when an item's view stands in as its fingerprint and its moment."""
    one, two = NOW + timedelta(minutes=a), NOW + timedelta(minutes=b)
    views_one, views_two = views_for_site(corpus_model, one), views_for_site(corpus_model, two)
    for item in (*corpus_model.incidents, *corpus_model.maintenances):
        if view_moment(item, one) == view_moment(item, two):
            assert views_one[item.slug] == views_two[item.slug], item.slug


def under_policy(model: Site) -> Site:
    """The corpus with its postmortem policy in force (the bench's starts after it): obligations pending and overdue."""
    policy = dataclasses.replace(model.config.postmortem_policy, effective_from=None)
    return dataclasses.replace(model, config=dataclasses.replace(model.config, postmortem_policy=policy))


def test_the_corpus_has_obligations_that_change_with_time_and_obligations_that_do_not(corpus_model: Site) -> None:
    model = under_policy(corpus_model)
    moments = [obligation_moment(model, incident, NOW) for incident in model.incidents]
    assert True in moments and False in moments and NOW in moments
    states = {o.state for o in obligations(model, NOW).values()}
    assert {ObligationState.PENDING, ObligationState.OVERDUE, ObligationState.ONGOING} <= states


@settings(max_examples=40, deadline=None)
@given(MINUTES, MINUTES)
def test_an_obligation_follows_from_the_incident_its_postmortem_and_its_moment(corpus_model: Site, a: int, b: int) -> None:
    """What the incident pages' keys rely on: with the same moment, the same obligation."""
    model = under_policy(corpus_model)
    one, two = NOW + timedelta(minutes=a), NOW + timedelta(minutes=b)
    first, second = obligations(model, one), obligations(model, two)
    for incident in model.incidents:
        if obligation_moment(model, incident, one) == obligation_moment(model, incident, two):
            assert first[incident.slug] == second[incident.slug], incident.slug


_WARM_EDITS = ("nothing", "incident", "fingerprint", "postmortem", "renamed", "many", "ended", "reopened")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(MINUTES, st.sampled_from(_WARM_EDITS), st.integers(0, 59)), min_size=2, max_size=6))
@example([(0, "nothing", 0), (0, "incident", 3), (0, "fingerprint", 4), (0, "postmortem", 0), (0, "renamed", 5)])
def test_a_warm_process_remembers_obligations_and_view_digests_only_while_they_hold(
        corpus_model: Site, builds: list[tuple[int, str, int]]) -> None:
    """A warm process's builds, one after the other at any times (later or earlier, or the same), with one memo
    each, after any edit: an incident's text (another object in its place), its fingerprint alone, a postmortem
    (another object), an incident renamed, many incidents at once, one whose impacts all end or go on again: every obligation,
    view digest and component status is what they are made from scratch, in the same order, whatever the memo held
    from the build before."""
    model = under_policy(corpus_model)
    fingerprints = {item.path: hashlib.blake2b(item.path.encode(), digest_size=20).digest()
                    for item in (*model.incidents, *model.maintenances)}
    owed: dict[str, Any] = {}  # the memos
    viewed: dict[str, Any] = {}
    statused: dict[str, Any] = {}
    for minute, edit, n in builds:
        now = NOW + timedelta(minutes=minute)
        incidents = list(model.incidents)
        n %= len(incidents)
        if edit == "incident":
            incidents[n] = dataclasses.replace(incidents[n], summary=incidents[n].summary + " More.")
        elif edit == "fingerprint":
            fingerprints = {**fingerprints, incidents[n].path: hashlib.blake2b(fingerprints[incidents[n].path]).digest()[:20]}
        elif edit == "renamed":
            incidents[n] = dataclasses.replace(incidents[n], slug=incidents[n].slug + "-renamed")
        elif edit == "many":
            incidents = [dataclasses.replace(i, summary=i.summary + " More.") for i in incidents]
        elif edit == "ended":  # every impact over a minute after it began, and resolved then
            ended = incidents[n].started + timedelta(minutes=1)
            incidents[n] = dataclasses.replace(incidents[n], resolved=ended, intervals=tuple(
                dataclasses.replace(interval, end=ended) for interval in incidents[n].intervals))
        elif edit == "reopened":  # no longer resolved, every impact going on
            incidents[n] = dataclasses.replace(incidents[n], resolved=None, intervals=tuple(
                dataclasses.replace(interval, end=None) for interval in incidents[n].intervals))
        elif edit == "postmortem":  # the same incident objects, another postmortem object
            linked = next(p for p in model.postmortems if p.incidents)
            edited = dataclasses.replace(linked, published=linked.published + timedelta(days=3))
            model = dataclasses.replace(model, postmortems=tuple(edited if p is linked else p for p in model.postmortems))
        model = dataclasses.replace(model, incidents=tuple(incidents))
        items = [*model.incidents, *model.maintenances]
        # In order too: the publication index lists the obligations as they come.
        assert list(obligations(model, now, owed).items()) == list(obligations(model, now).items())
        assert list(view_digests(items, fingerprints, now, viewed).items()) == [
            (i.slug, view_digest(i, fingerprints[i.path], now)) for i in items]
        assert component_statuses(model, now, statused) == component_statuses(model, now)


def test_a_warm_build_at_the_same_time_derives_again_only_what_changed(corpus_model: Site,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """At the same time, after one incident was edited (another object in its place), a warm process makes that
    incident's obligation and view digest again, and takes every other from its last build; later, also those that
    the time can change."""
    import statusgen.obligations
    import statusgen.render.views

    model = under_policy(corpus_model)
    fingerprints = {item.path: hashlib.blake2b(item.path.encode(), digest_size=20).digest()
                    for item in (*model.incidents, *model.maintenances)}
    owed: dict[str, Any] = {}
    viewed: dict[str, Any] = {}
    obligations(model, NOW, owed)
    view_digests([*model.incidents, *model.maintenances], fingerprints, NOW, viewed)
    incidents = list(model.incidents)
    incidents[7] = dataclasses.replace(incidents[7], summary="Edited.")
    model = dataclasses.replace(model, incidents=tuple(incidents))
    made: list[str] = []
    digested: list[bytes] = []
    real_obligation, real_digest = statusgen.obligations.obligation, statusgen.render.views._view_digest
    monkeypatch.setattr(statusgen.obligations, "obligation", lambda site, i, now: made.append(i.slug) or real_obligation(site, i, now))
    monkeypatch.setattr(statusgen.render.views, "_view_digest", lambda f, moment: digested.append(f) or real_digest(f, moment))
    obligations(model, NOW, owed)
    view_digests([*model.incidents, *model.maintenances], fingerprints, NOW, viewed)
    assert made == [incidents[7].slug] and digested == [fingerprints[incidents[7].path]]
    # An hour later, another edited: that one's again, and besides only the obligations whose moment can still move
    # (not resolved, or not yet due), and the windows' view digests (their phase).
    due_within = model.config.postmortem_policy.due_within
    moving = {i.slug for i in model.incidents if i.resolved is None or i.resolved + due_within > NOW}
    incidents[9] = dataclasses.replace(incidents[9], summary="Edited too.")
    model = dataclasses.replace(model, incidents=tuple(incidents))
    made.clear()
    digested.clear()
    obligations(model, NOW + timedelta(hours=1), owed)
    view_digests([*model.incidents, *model.maintenances], fingerprints, NOW + timedelta(hours=1), viewed)
    assert moving and set(made) == moving | {incidents[9].slug} and len(made) == len(set(made))
    assert sorted(digested) == sorted([fingerprints[incidents[9].path], *(fingerprints[m.path] for m in model.maintenances)])


def count_incident_values(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The incidents whose page's values are made (only for a page that is rendered)."""
    made: list[str] = []
    real = PageRenderer._incident_values

    def counting(self: PageRenderer, incident: Incident, *args: Any) -> dict[str, Any]:
        made.append(incident.slug)
        return real(self, incident, *args)

    monkeypatch.setattr(PageRenderer, "_incident_values", counting)
    return made


@EVERY_CACHE
def test_an_incident_page_is_made_again_only_when_its_item_postmortem_or_obligation_changes(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    config = site / "statusgen.toml"
    config.write_text(config.read_text().replace("effective_from = 2027-01-01\n", ""))  # the policy in force
    prepared = prepare(site, now=NOW)
    assert not isinstance(prepared, list)
    linked = next(i for i in prepared.site.incidents if i.postmortem and i.is_resolved)
    cache = caches(site, kind)
    out, full = tmp_path / "out", tmp_path / "full"

    def rebuilt(now: datetime) -> list[str]:
        made = count_incident_values(monkeypatch)
        assert build(site, out, now=now, cache=cache(), parallel=False).ok
        monkeypatch.undo()
        assert build(site, full, now=now).ok
        assert same_tree(out, full)
        return sorted(made)

    def live(now: datetime) -> list[str]:
        """The incidents whose page says what is true at ``now`` (going on, or a postmortem owed), and so when it was made."""
        at = prepare(site, now=now)
        assert not isinstance(at, list)
        return sorted(i.slug for i in at.site.incidents if not i.is_resolved or at.renderer.obligations[i.slug].state in OPEN)

    assert len(rebuilt(NOW)) == len(prepared.site.incidents)
    # A second later: the pages that say what is true now are made again, and only they.
    later = NOW + timedelta(seconds=1)
    assert 0 < len(live(later)) < len(prepared.site.incidents) - 10 and linked.slug not in live(later)
    assert rebuilt(later) == live(later)
    # Past the soonest due time: a postmortem overdue now, and said so.
    pending = [o for o in prepared.renderer.obligations.values() if o.state is ObligationState.PENDING and o.due]
    soonest = min(pending, key=lambda o: (o.due, o.incident.slug))
    assert soonest.due is not None
    assert rebuilt(soonest.due) == live(soonest.due)
    assert "overdue" in text_of(out, f"incidents/{soonest.incident.slug}/index.html")
    # At the same time, the postmortem's file edited, not the incident's: the page that links it, and only it.
    postmortem = site / "content/postmortems" / f"{linked.postmortem}.md"
    postmortem.write_text(postmortem.read_text().replace("title: Postmortem", "title: Our postmortem", 1))
    assert rebuilt(soonest.due) == [linked.slug]
    assert "Our postmortem" in text_of(out, f"incidents/{linked.slug}/index.html")


@EVERY_CACHE
def test_a_rebuild_shows_a_maintenance_window_in_each_phase_as_a_full_build_does(
        site: Path, tmp_path: Path, kind: str) -> None:
    """A window's view and page change with its phase, though its file does not: a rebuild as it starts and as it
    ends, with each kind of cache, writes what a full build writes, its page saying so."""
    start = NOW + timedelta(days=1)
    (site / "content/incidents/window-soon.md").write_text(
        f"---\ntitle: Database upgrade\nkind: maintenance\nstate: scheduled\nscheduled_start: {start:%Y-%m-%dT%H:%M:%SZ}\n"
        f"scheduled_end: {start + timedelta(hours=2):%Y-%m-%dT%H:%M:%SZ}\ncomponents:\n  api: under_maintenance\n---\n\n"
        "The API will be read-only while the database is upgraded.\n")
    cache = caches(site, kind)
    out, full = tmp_path / "out", tmp_path / "full"
    for now, phase in ((NOW, "Upcoming"), (start + timedelta(hours=1), "In progress"), (start + timedelta(hours=3), "Completed")):
        assert build(site, out, now=now, cache=cache()).ok
        assert build(site, full, now=now).ok
        assert same_tree(out, full), now
        assert phase in text_of(out, "incidents/window-soon/index.html")


@EVERY_CACHE
def test_the_views_of_unchanged_items_are_taken_from_the_last_build(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    made: list[str] = []
    real = statusgen.render.views.incident_view

    def counting(model: Site, incident: Incident) -> object:
        made.append(incident.slug)
        return real(model, incident)

    monkeypatch.setattr(statusgen.render.views, "incident_view", counting)
    cache = caches(site, kind)
    assert build(site, tmp_path / "out", now=NOW, cache=cache()).ok
    assert (site / CACHE_DIR / "views.pickle").is_file() == (kind != "memory")
    everything = len(made)
    made.clear()
    assert build(site, tmp_path / "out", now=LATER, cache=cache()).ok
    # An incident's view does not change with the time, even while it is going on: none is made again.
    prepared = prepare(site, now=LATER)
    assert not isinstance(prepared, list)
    assert any(not i.settled(LATER) for i in prepared.site.incidents) and everything and made == []
    assert build(site, tmp_path / "full", now=LATER).ok
    assert same_tree(tmp_path / "out", tmp_path / "full")

    config = site / "statusgen.toml"
    config.write_text(config.read_text().replace('name = "Web"', 'name = "Website"', 1))
    made.clear()
    assert build(site, tmp_path / "out", now=LATER, cache=cache()).ok
    assert len(made) == everything  # another configuration: no view is taken from before


@EVERY_CACHE
def test_the_api_encodes_again_only_the_run_of_incidents_that_changed(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """The full incident list is kept in runs (about four incidents here): an edit encodes its run again, and no
    other, not even those of incidents still going on (an entry does not depend on the time)."""
    import statusgen.render.api

    monkeypatch.setattr(statusgen.render.api, "RUN", 4)
    encoded: list[list[str]] = []
    real = statusgen.render.api._list_items

    def counting(items: list[Any]) -> bytes:
        if items and "severity" in items[0] and "intervals" in items[0]:  # a run of the full list
            encoded.append([item["id"] for item in items])
        return real(items)

    monkeypatch.setattr(statusgen.render.api, "_list_items", counting)
    cache = caches(site, kind)

    assert build(site, tmp_path / "out", now=NOW, cache=cache()).ok
    incidents = sorted(path.stem for path in (site / "content/incidents").glob("*-incident-*.md"))
    assert sorted(i for run in encoded for i in run) == incidents and len(encoded) > 4
    edited = sorted((site / "content/incidents").glob("*-incident-*.md"))[4]
    edited.write_text(edited.read_text() + "\nA sentence added later.\n")
    runs = {run[0]: run for run in encoded}
    encoded.clear()
    assert build(site, tmp_path / "out", now=LATER, cache=cache()).ok
    assert len(encoded) == 1 and edited.stem in encoded[0] and encoded[0] == runs[encoded[0][0]]
    assert build(site, tmp_path / "full", now=LATER).ok
    assert same_tree(tmp_path / "out", tmp_path / "full")


@EVERY_CACHE
def test_the_postmortem_api_encodes_again_only_the_runs_whose_incidents_postmortems_or_obligations_changed(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """postmortems.json's rows are kept in runs (about four incidents here), each made again when one of its
    incidents, their postmortems or what of the time their obligations depend on changed: those of incidents still
    going on whenever the time moves, one whose postmortem was edited, one whose postmortem came due; no other."""
    import statusgen.render.api

    config = site / "statusgen.toml"
    config.write_text(config.read_text().replace("effective_from = 2027-01-01\n", ""))  # the policy in force
    monkeypatch.setattr(statusgen.render.api, "RUN", 4)
    encoded: list[list[str]] = []
    real = statusgen.render.api._list_items

    def counting(items: list[Any]) -> bytes:
        if items and "reasons" in items[0]:  # a run of postmortems.json's rows
            encoded.append([item["incident"] for item in items])
        return real(items)

    monkeypatch.setattr(statusgen.render.api, "_list_items", counting)
    cache = caches(site, kind)
    out, full = tmp_path / "out", tmp_path / "full"

    def rebuilt(now: datetime) -> list[str]:
        encoded.clear()
        assert build(site, out, now=now, cache=cache()).ok
        made = sorted(slug for run in encoded for slug in run)
        assert build(site, full, now=now).ok
        assert same_tree(out, full)
        return made

    prepared = prepare(site, now=NOW)
    assert not isinstance(prepared, list)
    incidents = prepared.site.incidents
    assert rebuilt(NOW) == sorted(i.slug for i in incidents)
    runs = {slug: run for run in encoded for slug in run}

    def runs_of(slugs: set[str]) -> list[str]:
        return sorted({slug for changed in slugs for slug in runs[changed]})

    going_on = {i.slug for i in incidents if not i.is_resolved}
    assert going_on and len(runs_of(going_on)) < len(incidents) // 2
    assert rebuilt(LATER) == runs_of(going_on)
    # At the same time, the postmortem's file edited (its publication a day later), not the incident's: its run only.
    linked = next(i for i in incidents if i.postmortem and i.is_resolved and i.slug not in runs_of(going_on))
    postmortem = site / "content/postmortems" / f"{linked.postmortem}.md"
    published = prepared.site.postmortem(cast(str, linked.postmortem))
    assert published is not None
    stamp = published.published.strftime("%Y-%m-%dT%H:%M")
    assert stamp in postmortem.read_text()
    later_stamp = (published.published + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    postmortem.write_text(postmortem.read_text().replace(stamp, later_stamp, 1))
    assert rebuilt(LATER) == runs_of({linked.slug})
    # Past the soonest due time of a postmortem still to come: that incident's run, besides those still going on.
    pending = [o for o in prepared.renderer.obligations.values() if o.state is ObligationState.PENDING and o.due
               and o.incident.slug not in runs_of(going_on)]
    soonest = min(pending, key=lambda o: (o.due, o.incident.slug))
    assert soonest.due is not None and soonest.due > LATER
    assert rebuilt(soonest.due) == runs_of(going_on | {soonest.incident.slug})


@EVERY_CACHE
def test_the_reports_of_periods_whose_incidents_did_not_change_are_taken_from_the_last_build(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    import statusgen.reports

    made: list[int] = []  # how many incidents each report made had
    real = statusgen.reports._timing

    def counting(incidents: list[Incident]) -> object:
        made.append(len(incidents))
        return real(incidents)

    monkeypatch.setattr(statusgen.reports, "_timing", counting)
    cache = caches(site, kind)

    assert build(site, tmp_path / "out", now=NOW, cache=cache()).ok
    months = len(made)  # each month's timing is made once, for its report and its year's
    assert months > 30
    made.clear()
    assert build(site, tmp_path / "out", now=LATER, cache=cache()).ok
    assert made == []  # an hour later, nothing any report counts has changed (their uptime is made again)
    edited = sorted((site / "content/incidents").glob("*-incident-*.md"))[4]
    assert "severity: sev1" not in edited.read_text()
    page = tmp_path / "out" / "reports" / edited.name[:7].replace("-", "/") / "index.html"
    before = page.read_text()
    edited.write_text(edited.read_text().replace("severity: sev", "severity: sev1\n# was: sev", 1))
    assert build(site, tmp_path / "out", now=LATER + timedelta(hours=1), cache=cache()).ok
    # Its year, from the times of each of its twelve months (its month's made once, for both reports).
    month = edited.name[:7]
    in_year = len(list((site / "content/incidents").glob(f"{month[:4]}-*-incident-*.md")))
    assert len(made) == 12 and sum(made) == in_year
    assert build(site, tmp_path / "full", now=LATER + timedelta(hours=1)).ok
    assert same_tree(tmp_path / "out", tmp_path / "full")
    assert page.read_text() != before  # one more sev1 in its month


def test_a_feed_is_made_again_only_when_its_entries_change(site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import feedgen.feed  # (imported by the feeds only when one is made)

    made: list[str] = []
    real = feedgen.feed.FeedGenerator

    def counting() -> object:
        made.append("feed")
        return real()

    monkeypatch.setattr(feedgen.feed, "FeedGenerator", counting)
    out = tmp_path / "out"
    assert build(site, out, now=NOW, cache=cache_of(site), parallel=False).ok
    every = len(made)
    assert every == 2 * (1 + 12 + 1)  # Atom and RSS: the site's, each component's, the postmortems'
    made.clear()
    assert build(site, out, now=LATER, cache=cache_of(site), parallel=False).ok
    assert made == []  # an hour later, no feed has a new entry
    # An old incident's edit reaches no feed (each holds the newest entries); the newest incident's reaches the
    # site's feed and those of the components it touched.
    incidents = sorted((site / "content/incidents").glob("*-incident-*.md"))
    assert not any(incidents[0].stem in feed.read_text() for feed in out.rglob("feed.atom"))
    incidents[0].write_text(incidents[0].read_text() + "\nA sentence added later.\n")
    assert build(site, out, now=LATER, cache=cache_of(site), parallel=False).ok
    assert made == []
    newest = max(incidents, key=lambda p: p.name)
    newest.write_text(newest.read_text() + "\nA sentence added later.\n")
    assert build(site, out, now=LATER, cache=cache_of(site), parallel=False).ok
    touched = newest.read_text().split("components:\n", 1)[1].split("---", 1)[0].count(": ")
    assert len(made) == 2 * (1 + touched)
    assert build(site, tmp_path / "full", now=LATER).ok
    assert same_tree(out, tmp_path / "full")
    assert "A sentence added later." in (out / "feed.atom").read_text()


def test_the_maintenance_calendar_is_made_again_only_when_a_window_changes(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import icalendar

    made: list[str] = []
    real = icalendar.Calendar

    def counting() -> object:
        made.append("calendar")
        return real()

    monkeypatch.setattr(icalendar, "Calendar", counting)
    out = tmp_path / "out"
    assert build(site, out, now=NOW, cache=cache_of(site), parallel=False).ok
    assert made == ["calendar"]
    assert build(site, out, now=LATER, cache=cache_of(site), parallel=False).ok
    assert made == ["calendar"]  # an hour later: the same windows
    window = sorted((site / "content/incidents").glob("*-maintenance-*.md"))[0]
    window.write_text(window.read_text().replace("title: ", "title: Moved ", 1))
    assert build(site, out, now=LATER, cache=cache_of(site), parallel=False).ok
    assert made == ["calendar", "calendar"]
    assert "SUMMARY:Moved " in (out / "maintenance.ics").read_text()
    assert build(site, tmp_path / "full", now=LATER).ok
    assert same_tree(out, tmp_path / "full")


def test_a_new_process_reads_in_full_only_the_items_it_shows_in_full(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An incident taken from the cache keeps its updates encoded, and a kept view its components
    (:class:`Encoded`): preparing the site reads none of them, and the rebuild only the updates of the incidents
    whose pages it renders again and of those that the feeds and Statuspage's incident list show in full, and the
    components of the views that the pages it renders show, so most of a long history is never unpickled."""
    site = write_corpus(tmp_path / "site", 240)
    out = tmp_path / "out"
    assert build(site, out, now=NOW, cache=cache_of(site), parallel=False).ok
    edited = sorted((site / "content/incidents").glob("*-incident-*.md"))[3]
    edited.write_text(edited.read_text() + "\nA sentence added later.\n")

    decoded: list[Encoded] = []
    real = Encoded.items.fget
    assert real is not None

    def items(self: Encoded) -> Any:
        if self._items is None:
            decoded.append(self)
        return real(self)

    monkeypatch.setattr(Encoded, "items", property(items))
    prepared = prepare(site, now=LATER, cache=cache_of(site))
    assert not isinstance(prepared, list)
    encoded = [i for i in prepared.site.incidents if isinstance(i.updates, Encoded)]
    assert len(encoded) == len(prepared.site.incidents) - 1  # all but the edited one, validated again
    views = prepared.renderer.views
    kept = [v.components for v in views.values() if isinstance(v.components, Encoded)]
    assert len(kept) > len(views) / 2  # the views of the incidents over, taken from the last build
    assert all(i.updates._items is None for i in encoded) and all(components._items is None for components in kept)
    decoded.clear()  # (the field lines of incidents with an overdue postmortem were read: their notes say where)

    made = record_prepared(monkeypatch)
    rendered = record_written(monkeypatch)
    assert build(site, out, now=LATER, cache=cache_of(site), parallel=False).ok
    incidents = made[0].site.incidents
    by_updates = {id(i.updates): i.slug for i in incidents}
    windows = {id(m.updates) for m in made[0].site.maintenances}  # (a few, all shown by the calendar)
    of_views = {id(v.components): v.slug for v in made[0].renderer.views.values()}
    read = {by_updates[id(updates)] for updates in decoded if id(updates) in by_updates}
    assert all(id(e) in by_updates or id(e) in windows or id(e) in of_views for e in decoded)
    in_feeds = {slug for feed in out.rglob("feed.atom") for slug in re.findall(r"incidents/([^/]+)/", feed.read_text())}
    shown = ({path.split("/")[1] for path in rendered if path.startswith("incidents/")} | in_feeds
             | {i.slug for i in incidents[:statusgen.render.api.LIST_LIMIT]} | {i.slug for i in incidents if not i.is_resolved})
    assert read <= shown
    assert len(read) < len(incidents) / 2
    read_views = {of_views[id(components)] for components in decoded if id(components) in of_views}
    linked = {slug for path in rendered if path.endswith(".html")
              for slug in re.findall(r'href="[./]*incidents/([^/"]+)/"', (out / path).read_text())}
    assert read_views <= linked | {path.split("/")[1] for path in rendered if path.startswith("incidents/")}
    assert read_views  # (at this size the live pages list most incidents: their bound is that they are linked)
    assert build(site, tmp_path / "full", now=LATER).ok
    assert same_tree(out, tmp_path / "full")


def test_a_site_given_by_another_path_reuses_its_pages(site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the site is does not change what its pages are made from: a build given the site's folder by a relative
    path (as ``statusgen build`` in the site is) and the next given it by an absolute one (``-s``, a script, a CI
    runner's checkout elsewhere) reuse each other's pages. The theme's folders stood in its digest by their paths."""
    (site / "themes/default/templates").mkdir(parents=True)  # a site's own template, beside the built-in ones
    (site / "themes/default/templates/404.html").write_text('{% extends "base.html" %}{% block main %}Gone.{% endblock %}\n')
    same = shutil.copytree(site, tmp_path / "same")  # built by the same path twice, for comparison
    assert build(same, same / "output", now=NOW, cache=cache_of(same), parallel=False).ok
    expected = build(same, same / "output", now=LATER, cache=cache_of(same), parallel=False).reused
    monkeypatch.chdir(site.parent)
    assert build(Path(site.name), Path(site.name) / "output", now=NOW, cache=cache_of(Path(site.name)), parallel=False).ok
    again = build(site, site / "output", now=LATER, cache=cache_of(site), parallel=False)
    assert again.ok and again.reused == expected > 100
    assert build(site, tmp_path / "full", now=LATER).ok
    assert same_tree(site / "output", tmp_path / "full")


def test_list_pages_keyed_by_their_items_are_made_again_when_anything_they_show_changes(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Later component pages, history months and publication pages are keyed by their items' digests and what else
    they show, not by their pickled values: an ongoing incident's worse impact changes its component's status, shown
    on every page of the component; a month more changes the months beside the newest; each time, the pages a full
    build writes are written."""
    import statusgen.render.pages
    from statusgen.render.paging import paginate

    monkeypatch.setattr(statusgen.render.pages, "paginate", lambda base, items: paginate(base, items, 3))  # many pages
    out = tmp_path / "out"
    assert build(site, out, now=NOW, cache=cache_of(site), parallel=False).ok
    before = prepare(site, now=NOW)
    assert not isinstance(before, list)
    ongoing = next(i for i in before.site.incidents if not i.is_resolved and i.components)
    cid, impact = ongoing.components[0]
    path = site / ongoing.path
    path.write_text(path.read_text().replace(f"  {cid}: {impact.value}\n", f"  {cid}: major_outage\n", 1))
    after = prepare(site, now=NOW)
    assert not isinstance(after, list) and after.renderer.statuses[cid] != before.renderer.statuses[cid]
    deep = out / f"components/{cid}/page/2/index.html"
    assert deep.is_file() and ongoing.slug not in deep.read_text()  # it shows the status, not the incident

    rebuilt = build(site, out, now=NOW, cache=cache_of(site), parallel=False)
    assert rebuilt.ok and rebuilt.reused > 0
    assert build(site, tmp_path / "full", now=NOW, parallel=False).ok
    assert same_tree(out, tmp_path / "full")
    month_later = NOW + timedelta(days=31)
    assert build(site, out, now=month_later, cache=cache_of(site), parallel=False).ok
    assert build(site, tmp_path / "full later", now=month_later, parallel=False).ok
    assert same_tree(out, tmp_path / "full later")


def test_publication_pages_are_made_again_when_their_number_changes(site: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Each page of the publication index says which page it is and of how many: a required incident older than all
    the others, which opens a page at the end, makes every page again, though most still list the same rows."""
    import statusgen.render.pages
    from statusgen.render.paging import paginate

    def old_incident(n: int) -> None:
        day = f"2021-01-{n + 1:02d}"
        (site / f"content/incidents/{day}-old-outage-{n}.md").write_text(
            f"---\ntitle: An old outage {n}\nseverity: sev1\nstate: resolved\nstarted: {day}T10:00:00Z\n"
            f"resolved: {day}T12:00:00Z\ncomponents:\n  api: major_outage\n---\n\n"
            f"## {day} 10:05 UTC — Investigating\n\nThe API fails.\n\n## {day} 12:00 UTC — Resolved\n\nIt works again.\n")

    prepared = prepare(site, now=NOW)
    assert not isinstance(prepared, list)
    required = sum(o.required for o in prepared.renderer.obligations.values())
    size = max(2, required // 4)
    for n in range(-required % size):  # the last page full
        old_incident(n)
    monkeypatch.setattr(statusgen.render.pages, "paginate", lambda base, items: paginate(base, items, size))
    out = tmp_path / "out"
    assert build(site, out, now=NOW, cache=cache_of(site), parallel=False).ok
    pages = len(list((out / "publication").rglob("index.html")))
    old_incident(-required % size)  # one more, the oldest: a page more
    assert build(site, out, now=NOW, cache=cache_of(site), parallel=False).ok
    assert len(list((out / "publication").rglob("index.html"))) == pages + 1 >= 4
    assert build(site, tmp_path / "full", now=NOW, parallel=False).ok
    assert same_tree(out, tmp_path / "full")


def test_a_rebuild_makes_only_the_views_its_pages_show_and_keeps_the_others_for_the_next(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Item views are made (or read from the cache) when a page asks for one: a rebuild asks for those of the
    pages it renders again and of the few pages keyed by their values, not for a long history's. The views it did
    not ask for are still kept, so the build after it makes again only the views of what changed."""
    # Pages of five, and no report listing its incidents: as a history of thousands is shown.
    monkeypatch.setattr(statusgen.render.pages, "paginate", lambda base, items: paginate(base, items, 5))
    monkeypatch.setattr(statusgen.render.pages, "PER_PAGE", 0)
    site = write_corpus(tmp_path / "site", 240)
    out = tmp_path / "out"
    assert build(site, out, now=NOW, cache=cache_of(site), parallel=False).ok
    incidents = sorted((site / "content/incidents").glob("*-incident-*.md"))

    made = record_prepared(monkeypatch)
    views_made: list[str] = []
    real_view = statusgen.render.views.incident_view
    monkeypatch.setattr(statusgen.render.views, "incident_view",
                        lambda site, incident: views_made.append(incident.slug) or real_view(site, incident))
    for n, edited in enumerate(incidents[3:5], 1):
        edited.write_text(edited.read_text() + "\nA sentence added later.\n")
        made.clear()
        views_made.clear()
        assert build(site, out, now=NOW + timedelta(hours=n), cache=cache_of(site), parallel=False).ok
        renderer = made[0].renderer
        asked = set(renderer.views.made)
        assert len(asked) < len(renderer.views) / 2
        # Made anew: the edited incident's view alone (an hour later, that of an incident going on is the same).
        assert views_made == [edited.stem]
    assert build(site, tmp_path / "full", now=NOW + timedelta(hours=2)).ok
    assert same_tree(out, tmp_path / "full")


def test_an_unchanged_item_page_is_known_without_making_its_arguments(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every build looks at every item's page: one whose inputs are those of the last build is taken as it is,
    keyed as :meth:`PageRenderer.page` keys it, without making what rendering it would need."""
    site = write_corpus(tmp_path / "site", 60)
    out = tmp_path / "out"
    assert build(site, out, now=NOW, cache=cache_of(site), parallel=False).ok
    made: list[str] = []
    real = PageRenderer._item_page

    def item_page(self: PageRenderer, item: Any, *args: Any) -> Any:
        made.append(item.slug)
        return real(self, item, *args)

    monkeypatch.setattr(PageRenderer, "_item_page", item_page)
    edited = sorted((site / "content/incidents").glob("*-incident-*.md"))[3]
    edited.write_text(edited.read_text() + "\nA sentence added later.\n")
    assert build(site, out, now=NOW, cache=cache_of(site), parallel=False).ok
    assert made == [edited.stem]  # at the same time, only the edited incident's page is made
    assert build(site, tmp_path / "full", now=NOW).ok
    assert same_tree(out, tmp_path / "full")


def test_a_build_without_a_cache_makes_every_view_before_it_writes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It renders every page, so a forked worker would make again every view it shows: they are made before."""
    site = write_corpus(tmp_path / "site", 30)
    made = record_prepared(monkeypatch)
    counts: list[tuple[int, int]] = []
    real = statusgen.build.write_site

    def writing(*args: Any, **kwargs: Any) -> Any:
        views = made[0].renderer.views
        counts.append((len(views.made), len(views)))
        return real(*args, **kwargs)

    monkeypatch.setattr(statusgen.build, "write_site", writing)
    assert build(site, tmp_path / "out", now=NOW).ok
    assert counts[0][0] == counts[0][1] > 30


@pytest.mark.parametrize("parallel", [False, True], ids=["one process", "two processes"])
def test_at_the_same_minute_a_warm_build_takes_the_keys_of_the_item_pages_that_did_not_change(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: bool) -> None:
    """A warm build at the same minute as the last one takes each item page's key from it when the item is the very
    object it was (and its obligation too): only the edited incidents' pages are keyed from their inputs, and the
    output is what a full build writes. After a build that failed, at least the pages of what changed since the
    last good one are keyed again (the file fixed, validated anew, is another object); an hour later, every page."""
    monkeypatch.setattr(statusgen.cache, "RACY_NS", 0)  # files written a moment ago count as settled
    out, held = tmp_path / "out", ValidationCache(site / CACHE_DIR / FILE, hold=True)
    keyed = tmp_path / "keyed.txt"  # the item pages keyed from their inputs, from whichever process made them
    real = PageRenderer._unchanged_item_page

    def unchanged(self: PageRenderer, item: Any, live: bool, inputs: Any) -> Any:
        if self.keys is not None:  # (a build without a cache keys nothing)
            with open(keyed, "a") as stream:
                stream.write(f"{item.slug}\n")
        return real(self, item, live, inputs)

    monkeypatch.setattr(PageRenderer, "_unchanged_item_page", unchanged)
    items = len([*(site / "content/incidents").glob("*.md")])
    files = sorted((site / "content/incidents").glob("*-incident-*.md"))

    def rebuilt(now: datetime, *edited: Path) -> list[str]:
        for file in edited:
            file.write_text(file.read_text() + "\nA sentence added later.\n")
        keyed.unlink(missing_ok=True)
        assert build(site, out, now=now, cache=held, parallel=parallel).ok
        assert same_tree(out, full_build(site, tmp_path / "full", now))
        return keyed.read_text().split() if keyed.exists() else []

    assert len(rebuilt(NOW)) == items  # the first build keys every page
    assert rebuilt(NOW) == []  # nothing changed: every key as it was
    assert sorted(rebuilt(NOW, files[3], files[11])) == sorted([files[3].stem, files[11].stem])
    assert rebuilt(NOW) == []
    broken = files[5].read_text()
    files[5].write_text(broken.replace("severity: ", "severity: sev9\nx: ", 1))
    assert not build(site, out, now=NOW, cache=held, parallel=parallel).ok
    files[5].write_text(broken)
    # The load after a failed one makes the site from every file, so an incident a postmortem links is another
    # object too: more pages are keyed, at least those two; the next edit's build is back to one.
    assert {files[5].stem, files[7].stem} <= set(rebuilt(NOW, files[7]))
    assert rebuilt(NOW, files[9]) == [files[9].stem]
    assert len(rebuilt(LATER)) == items


def full_build(site: Path, out: Path, now: datetime) -> Path:
    shutil.rmtree(out, ignore_errors=True)
    assert build(site, out, now=now, parallel=False).ok
    return out
