"""Atom and RSS feeds: valid, one entry per update, stable ids, content times only."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from lxml import etree

import statusgen.render.feeds as feeds_module
from bench.corpus import NOW as CORPUS_NOW
from bench.corpus import write_corpus
from statusgen.build import build
from statusgen.render.formatting import Formatter
from tests.conftest import CONFIG, NOW, RESOLVED_INCIDENT, SiteMaker, build_at, load
from tests.fixtures_subscribers import MAINTENANCE, OPEN_MAJOR, POSTMORTEM

ATOM = "{http://www.w3.org/2005/Atom}"
INCIDENT_URL = "https://status.example.com/incidents/2026-03-02-api-errors/"


def parse(path: Path) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, f"{path}: {parsed.get('bozo_exception')}"
    return parsed


def site_files(*extra: tuple[str, str]) -> dict[str, str]:
    return {"content/incidents/2026-03-02-api-errors.md": RESOLVED_INCIDENT, **dict(extra)}


def test_every_feed_parses_and_is_linked_from_pages(make_site: SiteMaker) -> None:
    root = make_site(site_files(("content/postmortems/api-errors.md", POSTMORTEM)))
    assert build_at(root).ok
    out = root / "output"
    feeds = sorted(p.relative_to(out).as_posix() for p in out.rglob("feed.*"))
    assert feeds == ["components/api/feed.atom", "components/api/feed.rss", "components/email/feed.atom",
                     "components/email/feed.rss", "components/web/feed.atom", "components/web/feed.rss",
                     "feed.atom", "feed.rss", "postmortems/feed.atom", "postmortems/feed.rss"]
    for feed in feeds:
        parse(out / feed)
    index = (out / "index.html").read_text()
    assert '<link rel="alternate" type="application/atom+xml" title="Example Status (Atom)" href="./feed.atom">' in index
    assert 'href="./feed.rss"' in index and 'href="./maintenance.ics"' in index
    component = (out / "components/api/index.html").read_text()
    assert 'type="application/atom+xml" title="API (Atom)" href="../../components/api/feed.atom"' in component
    assert 'href="../postmortems/feed.atom"' in (out / "postmortems/index.html").read_text()


def test_one_entry_per_update_newest_first_with_anchor_links(make_site: SiteMaker) -> None:
    root = make_site(site_files())
    assert build_at(root).ok
    feed = parse(root / "output/feed.atom")
    assert [e.title for e in feed.entries] == ["[Resolved] Elevated API errors", "[Investigating] Elevated API errors"]
    assert [e.id for e in feed.entries] == [INCIDENT_URL + "#update-20260302T153000Z", INCIDENT_URL + "#update-20260302T140500Z"]
    assert feed.entries[1].link == INCIDENT_URL + "#update-20260302T140500Z"
    investigating = feed.entries[1].content[0].value
    assert "We are investigating errors on the API." in investigating
    assert "<li>API: Partial outage</li>" in investigating
    assert "<li>API: Operational</li>" in feed.entries[0].content[0].value
    assert feed.feed.updated == "2026-03-02T15:30:00+00:00"
    rss = parse(root / "output/feed.rss")
    assert [e.id for e in rss.entries] == [e.id for e in feed.entries]
    assert rss.entries[0].published_parsed[:5] == (2026, 3, 2, 15, 30)


def test_ids_are_stable_and_only_a_new_update_is_new(make_site: SiteMaker) -> None:
    head, _, rest = RESOLVED_INCIDENT.partition("## 2026-03-02 15:30 UTC")
    open_incident = head.replace("state: resolved", "state: investigating").replace("resolved: 2026-03-02T15:30:00Z\n", "")
    open_incident += "## 2026-03-02 14:05 UTC" + rest.split("## 2026-03-02 14:05 UTC")[1]
    root = make_site({"content/incidents/2026-03-02-api-errors.md": open_incident})
    assert build_at(root).ok
    before = {e.id: e.updated for e in parse(root / "output/feed.atom").entries}
    assert build(root, now=NOW + timedelta(days=3)).ok
    assert {e.id: e.updated for e in parse(root / "output/feed.atom").entries} == before

    (root / "content/incidents/2026-03-02-api-errors.md").write_text(RESOLVED_INCIDENT)
    assert build(root, now=NOW + timedelta(days=3)).ok
    after = {e.id: e.updated for e in parse(root / "output/feed.atom").entries}
    assert set(after) - set(before) == {INCIDENT_URL + "#update-20260302T153000Z"}
    assert {k: after[k] for k in before} == before


def test_feed_bytes_do_not_depend_on_the_clock(make_site: SiteMaker) -> None:
    root = make_site(site_files(("content/postmortems/api-errors.md", POSTMORTEM)))
    assert build_at(root).ok
    first = {p.name + str(p.parent): p.read_bytes() for p in (root / "output").rglob("feed.*")}
    assert build(root, now=NOW + timedelta(days=40)).ok
    assert {p.name + str(p.parent): p.read_bytes() for p in (root / "output").rglob("feed.*")} == first


def test_feeds_hold_the_most_recent_n_entries(make_site: SiteMaker) -> None:
    updates = "\n".join(f"## 2026-03-02 14:{m:02d} UTC — Investigating\n\nStill investigating ({m}).\n" for m in range(10, 60, 5))
    incident = RESOLVED_INCIDENT.split("## 2026-03-02 15:30")[0].replace("state: resolved", "state: investigating")
    incident = incident.replace("resolved: 2026-03-02T15:30:00Z\n", "") + updates
    root = make_site({"content/incidents/2026-03-02-api-errors.md": incident}, config="feed_entries = 3\n" + CONFIG)
    assert build_at(root).ok
    entries = parse(root / "output/feed.atom").entries
    assert [e.id.rsplit("T", 1)[1] for e in entries] == ["145500Z", "145000Z", "144500Z"]


@pytest.mark.parametrize(("now", "expected"), [
    (NOW - timedelta(days=5), ["[Maintenance scheduled] Email provider migration"]),
    (NOW, ["[Maintenance in progress] Email provider migration", "[Maintenance scheduled] Email provider migration"]),
    (NOW + timedelta(hours=2), ["[Maintenance completed] Email provider migration",
                                "[Maintenance in progress] Email provider migration",
                                "[Maintenance scheduled] Email provider migration"]),
])
def test_maintenance_is_announced_when_scheduled_started_and_completed(make_site: SiteMaker, now: object, expected: list[str]) -> None:
    root = make_site({"content/incidents/2026-03-10-email-migration.md": MAINTENANCE})
    assert build(root, now=now).ok  # type: ignore[arg-type]
    entries = parse(root / "output/components/email/feed.atom").entries
    assert [e.title for e in entries] == expected
    times = [e.published for e in entries]
    assert times == ["2026-03-10T13:00:00+00:00", "2026-03-10T11:00:00+00:00", "2026-03-01T09:00:00+00:00"][-len(expected):]


def test_component_feed_holds_only_that_components_items(make_site: SiteMaker) -> None:
    root = make_site(site_files(("content/incidents/2026-03-10-web-down.md", OPEN_MAJOR)))
    assert build_at(root).ok
    web = {e.title for e in parse(root / "output/components/web/feed.atom").entries}
    assert web == {"[Identified] Web app unavailable", "[Investigating] Web app unavailable"}
    api = {e.title for e in parse(root / "output/components/api/feed.atom").entries}
    assert "[Resolved] Elevated API errors" in api and "[Identified] Web app unavailable" in api
    assert parse(root / "output/components/email/feed.atom").entries == []


def test_postmortem_feed_has_one_entry_per_postmortem(make_site: SiteMaker) -> None:
    root = make_site(site_files(("content/postmortems/api-errors.md", POSTMORTEM)))
    assert build_at(root).ok
    entries = parse(root / "output/postmortems/feed.atom").entries
    assert [(e.title, e.id) for e in entries] == [("Postmortem: API errors on 2 March", "https://status.example.com/postmortems/api-errors/")]
    assert "For 90 minutes, 12% of API requests failed." in entries[0].content[0].value


def test_atom_meets_rfc_4287_requirements(make_site: SiteMaker) -> None:
    root = make_site(site_files(("content/postmortems/api-errors.md", POSTMORTEM)))
    assert build_at(root).ok
    for path in (root / "output").rglob("feed.atom"):
        feed = etree.parse(str(path)).getroot()
        assert feed.tag == f"{ATOM}feed"
        for child in ("id", "title", "updated", "author"):
            assert feed.find(f"{ATOM}{child}") is not None, (path, child)
        assert feed.find(f"{ATOM}link[@rel='self']") is not None
        for entry in feed.findall(f"{ATOM}entry"):
            for child in ("id", "title", "updated", "content"):
                assert entry.find(f"{ATOM}{child}") is not None, (path, child)
            link = entry.find(f"{ATOM}link")  # no rel means rel="alternate" (RFC 4287, 4.2.7.2)
            assert link is not None and link.get("rel", "alternate") == "alternate"
            assert link.get("href").startswith("https://status.example.com/")


def test_markup_in_titles_and_updates_is_escaped(make_site: SiteMaker) -> None:
    hostile = RESOLVED_INCIDENT.replace("title: Elevated API errors", 'title: "<script>alert(1)</script> & co"')
    hostile = hostile.replace("We are investigating errors on the API.", "<img src=x onerror=alert(1)> investigating")
    # A component's name too, in the list of affected components each entry ends with.
    root = make_site({"content/incidents/2026-03-02-api-errors.md": hostile},
                     config=CONFIG.replace('name = "API"', 'name = "API <b onclick=x>& co"'))
    assert build_at(root).ok
    raw = (root / "output/feed.atom").read_text()
    assert "<script>" not in raw and "<img" not in raw and "<b " not in raw
    entry = parse(root / "output/feed.atom").entries[1]
    assert entry.title == "[Investigating] <script>alert(1)</script> & co"
    assert "&lt;img src=x onerror=alert(1)&gt;" in entry.content[0].value
    assert "<li>API &lt;b onclick=x&gt;&amp; co: Partial outage</li>" in entry.content[0].value


def test_an_incident_is_placed_by_the_last_update_it_has_made_by_the_build_time(make_site: SiteMaker) -> None:
    from statusgen.build import prepare
    from statusgen.render.feeds import _said_last

    prepared = prepare(make_site({"content/incidents/2026-03-02-api.md": RESOLVED_INCIDENT}), now=NOW)
    assert not isinstance(prepared, list)
    incident = prepared.site.incidents[0]
    times = [u.at for u in incident.updates]
    assert len(times) >= 2 and times == sorted(times)
    assert _said_last(incident, times[-1]) == times[-1]
    assert _said_last(incident, times[-1] - timedelta(seconds=1)) == times[-2]  # the last one still to come
    assert _said_last(incident, times[0] - timedelta(seconds=1)) is None


def test_the_postmortem_feed_makes_only_the_entries_it_holds_the_newest_by_time_then_address(
        make_site: SiteMaker, monkeypatch: pytest.MonkeyPatch) -> None:
    """Of a long archive, only the entries the feed holds are made; when published at the same time, they are the
    ones the feed's own order (time, then address) puts first, whatever the site's order of their slugs."""
    loaded = load(make_site(site_files(("content/postmortems/api-errors.md", POSTMORTEM)))).site
    assert loaded is not None
    site, base = loaded, loaded.postmortems[0]
    archive = tuple(dataclasses.replace(base, slug=slug, published=base.published - timedelta(days=days))
                    for slug, days in (("a", 0), ("a-b", 0), ("a-c", 0), ("b", 1), ("c", 2)))
    site = dataclasses.replace(site, config=dataclasses.replace(site.config, feed_entries=2), postmortems=archive)
    made: list[str] = []
    real = feeds_module.postmortem_item
    monkeypatch.setattr(feeds_module, "postmortem_item", lambda s, p: made.append(p.slug) or real(s, p))
    spec = next(spec for spec in feeds_module.feed_specs(site, NOW, Formatter(site.config.zone)) if spec.path == "postmortems/")
    everything = sorted((real(site, p) for p in archive), key=lambda i: (i.published, i.id), reverse=True)
    assert spec.items == everything[:2] and len(made) == 2


def test_the_feed_library_is_loaded_only_when_a_feed_is_made_again(tmp_path: Path) -> None:
    """A rebuild whose feeds hold what they held (a scheduled rebuild that moves the time on) reuses every feed file
    and never imports feedgen, lxml and dateutil (nor, with no file changed, markdown-it and YAML); one with a new
    update in a feed does. Through the command line, as CI runs it: parsing its options (the authoring commands'
    among them) imports none of them either."""
    site = write_corpus(tmp_path / "site", 30)
    script = ("import sys; from statusgen.cli import main; code = main(['build', '-s', sys.argv[1]]); "
              "print(code == 0, 'feedgen' in sys.modules, *(name in sys.modules for name in ('markdown_it', 'yaml', 'frontmatter')))")

    def built(now: datetime) -> str:
        return subprocess.run([sys.executable, "-c", script, str(site)], capture_output=True, text=True, check=True,
                              env={**os.environ, "SOURCE_DATE_EPOCH": str(int(now.timestamp()))}).stdout.splitlines()[-1]

    assert built(CORPUS_NOW) == "True True True True True"
    # Nor Markdown and YAML, when no file changed: nothing is validated.
    assert built(CORPUS_NOW + timedelta(hours=1)) == "True False False False False"
    newest = sorted((site / "content/incidents").glob("*-incident-*.md"))[-1]
    newest.write_text(newest.read_text() + "\nA sentence added to its last update.\n")
    assert built(CORPUS_NOW + timedelta(hours=2)) == "True True True True True"
