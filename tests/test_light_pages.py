"""Pages stay light however long the history: the overview is capped, and
every list that grows with the history is cut into linked pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.corpus import NOW, write_corpus
from statusgen.build import build
from statusgen.render.paging import PER_PAGE, paginate
from tests.site_checks import soup

N = 1_200  # 120 in the last two weeks, 6 of them still open


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_corpus(tmp_path_factory.mktemp("big") / "site", N)
    result = build(root, now=NOW)
    assert result.ok, [d.format() for d in result.diagnostics]
    return root / "output"


def test_paginate_cuts_lists_and_keeps_the_first_page_at_the_list_url() -> None:
    pages = paginate("components/api/", list(range(120)), per_page=50)
    assert [(p.page, len(items)) for p, items in pages] == [
        ("components/api/", 50), ("components/api/page/2/", 50), ("components/api/page/3/", 20)]
    first, last = pages[0][0], pages[-1][0]
    assert (first.newer, first.older) == (None, "components/api/page/2/")
    assert (last.newer, last.older) == ("components/api/page/2/", None)
    assert [list(items) for _, items in paginate("x/", [])] == [[]]  # an empty list still has its page


def test_overview_weight_is_capped(big: Path) -> None:
    html = (big / "index.html").read_bytes()
    assert len(html) <= 60_000, len(html)
    page = soup(big / "index.html")
    assert len(page.select(".cards > li")) == 5  # 6 open incidents: 5 in full, the sixth on one line
    also = page.select(".more-active + ul.list > li")
    assert len(also) == 1 and also[0].select_one('a[href^="./incidents/"]')
    recent_rows = page.select("#recent-h ~ ol .incident-row")
    assert len(recent_rows) == 10
    more = [a.get_text(" ", strip=True) for a in page.select("#recent-h ~ ol .more a")]
    assert more and all(re.fullmatch(r"\d+( more)? incidents? that day", text) for text in more)
    # Every link on the overview stays on the site, and the page loads at most one stylesheet and one script.
    assert len(page.select('link[rel="stylesheet"]')) == 1 and len(page.select("script[src]")) == 1
    fetched = [tag.get("src") or tag["href"] for tag in page.select("[src], link[rel~=stylesheet], link[rel~=icon]")]
    assert fetched and not [url for url in fetched if url.startswith(("http:", "https:", "//"))]


@pytest.mark.parametrize("list_url", ["components/api/", "postmortems/", "publication/"])
def test_lists_that_grow_with_the_history_are_paged(big: Path, list_url: str) -> None:
    pages, url = [], list_url
    while url:
        page = soup(big / url / "index.html")
        pages.append(page)
        nav = page.select_one("nav.pages")
        older = nav.select_one('a[rel="next"]') if nav else None
        url = list_url + older["href"].rsplit(list_url, 1)[1] if older else ""
    assert len(pages) > 1, list_url
    sizes = [len(p.select("table.publication tbody tr, #inc-h ~ ul > li, section[aria-labelledby^=pm] li")) for p in pages]
    assert all(size == PER_PAGE for size in sizes[:-1]) and 0 < sizes[-1] <= PER_PAGE
    titles = [p.title.get_text() for p in pages]
    assert len(set(titles)) == len(titles)  # page 2 says it is page 2
    assert "page 2 of" in titles[1]
    assert max((big / list_url / "page/2/index.html").stat().st_size, (big / list_url / "index.html").stat().st_size) < 200_000


def test_every_incident_of_a_component_is_on_exactly_one_of_its_pages(big: Path) -> None:
    seen: list[str] = []
    for path in sorted((big / "components/api").rglob("index.html")):
        seen += [a["href"].rsplit("incidents/", 1)[1] for a in soup(path).select(".list .incident-title")]
    listed = sorted(set(seen))
    assert len(seen) == len(listed)
    expected = sorted(p.stem + "/" for p in (big.parent / "content/incidents").glob("*.md")
                      if re.search(r"^  api:", p.read_text(), re.M))
    assert listed == expected


def test_yearly_reports_link_to_months_instead_of_listing_every_incident(big: Path) -> None:
    page = soup(big / "reports/2025/index.html")
    assert not page.select("#list-h ~ ul li")
    assert page.select_one('#list-h ~ p a[href$="history/"]')


def test_the_overview_lists_the_ten_soonest_maintenance_windows(tmp_path: Path) -> None:
    from datetime import timedelta

    root = write_corpus(tmp_path / "site", 20)
    for j in range(12):
        start = (NOW + timedelta(days=j + 1)).replace(minute=0, second=0, microsecond=0)
        (root / f"content/incidents/{start:%Y-%m-%d}-upcoming-{j:02d}.md").write_text(
            f"---\ntitle: Upcoming window {j:02d}\nkind: maintenance\nstate: scheduled\n"
            f"scheduled_start: {start:%Y-%m-%dT%H:%M:%SZ}\nscheduled_end: {start + timedelta(hours=1):%Y-%m-%dT%H:%M:%SZ}\n"
            f"components:\n  api: under_maintenance\n---\n\n## {NOW - timedelta(days=1):%Y-%m-%d %H:%M} UTC — Scheduled\n\n"
            "We will upgrade the API's database; requests may be slower for a few minutes.\n")
    assert build(root, now=NOW).ok
    page = soup(root / "output/index.html")
    titles = [a.get_text() for a in page.select("#upcoming-h ~ ul .incident-title")]
    assert titles == [f"Upcoming window {j:02d}" for j in range(10)]  # the soonest first
    assert page.select_one("#upcoming-h ~ p.more").get_text(" ", strip=True) == \
        "2 more windows are scheduled; the calendar has them all."
