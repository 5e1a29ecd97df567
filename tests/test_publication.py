"""The publication index, incident obligations, postmortems.json, reports, uptime bars and `statusgen check`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from statusgen.cli import main
from tests.conftest import SiteMaker, build_at
from tests.policy_fixtures import POLICY_CONFIG, incident, postmortem
from tests.site_checks import soup, text_of
from tests.test_obligations import FILES

P = "content/incidents/"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import write_site

    root = write_site(tmp_path_factory.mktemp("pub"), FILES, config=POLICY_CONFIG)
    result = build_at(root)
    assert result.ok, result.diagnostics
    return root / "output"


def test_index_lists_every_required_incident_with_its_state(built: Path) -> None:
    page = soup(built / "publication/index.html")
    states = [" ".join(row.select("td")[4].get_text(" ", strip=True).split()) for row in page.select("table.publication tbody tr")]
    assert len(states) == 9  # everything required, before the policy included; the not-required sev3 is not listed
    assert states.count("Overdue") == 3
    assert "Before the policy" in states and "Ongoing" in states and "Pending" in states
    assert "Published 4 March 2026 (3.0 days)" in states
    assert "Published 9 March 2026 (8.0 days) Late" in states
    assert "Waived: A provider's outage; their report is linked" in states
    overdue = page.select("tr.ob-overdue")
    assert [r.select_one(".flag").get_text() for r in overdue] == ["Overdue"] * 3  # in text, not only colour


def test_index_headline_figures(built: Path) -> None:
    table = soup(built / "publication/index.html").select_one("table.figures")
    cells = [td.get_text(strip=True) for td in table.select("tbody tr")[0].select("th, td")]
    assert cells == ["All time", "8", "2", "50%", "5.5", "3", "1", "1"]
    assert [tr.select_one("th").get_text() for tr in table.select("tbody tr")] == ["All time", "2026"]


def test_incident_pages_state_their_obligation(built: Path) -> None:
    assert "Postmortem Postmortem due by 13 March 2026" in text_of(built / "incidents/2026-03-08-pending/index.html")
    assert "Postmortem published 4 March 2026" in text_of(built / "incidents/2026-03-01-on-time/index.html")
    assert "No postmortem required: sev3, 12 min of outage" in text_of(built / "incidents/2026-03-03-minor/index.html")
    assert "Postmortem overdue: it was due by 7 March 2026" in text_of(built / "incidents/2026-03-02-overdue/index.html")


def test_index_is_linked_from_the_archive_and_every_footer(built: Path) -> None:
    for page in ("index.html", "postmortems/index.html", "incidents/2026-03-01-late/index.html"):
        hrefs = [a["href"] for a in soup(built / page).select("a")]
        assert any(h.endswith("publication/") for h in hrefs), page


def test_postmortems_json_has_every_obligation(built: Path) -> None:
    data = json.loads((built / "api/statusgen/v1/postmortems.json").read_text())
    assert len(data["incidents"]) == len([k for k in FILES if k.startswith(P)])
    late = next(i for i in data["incidents"] if i["incident"] == "2026-03-01-late")
    assert late["state"] == "published" and late["postmortem"]["late"] is True and late["due"] == "2026-03-06T14:00:00Z"
    assert data["figures"]["overdue"] == 3 and data["figures"]["published_on_time_percent"] == 50
    assert data["policy"]["components"] == ["payments"]


def test_reports_figures(built: Path) -> None:
    text = text_of(built / "reports/2026/03/index.html")
    # March: 9 incidents, each first update at its start; the 8 resolved took 5, 12, 60, 60, 60, 60, 90 and 120
    # minutes (median 60, mean 58.4); 8 owe a postmortem (all but the 12-minute sev3)
    assert "Incidents 9 (1 sev1, 5 sev2, 3 sev3)" in text
    assert "First public update median < 1 min, worst < 1 min" in text
    assert "Time to resolve median 1 h, mean (MTTR) 58 min" in text
    assert "Postmortems 8 owed, 2 published, 3 overdue" in text
    page = soup(built / "reports/2026/index.html")
    assert page.select_one("svg.chart[role=img] title").get_text() == "Incidents per month, 2026"
    months = {tr.th.get_text(strip=True): tr.td.get_text(strip=True) for tr in page.select("table tbody tr") if tr.td}
    assert months["February 2026"] == "1" and months["March 2026"] == "9"


def test_overview_bars_are_compact_and_each_component_page_has_text_for_every_day(built: Path) -> None:
    page = soup(built / "index.html")
    bars = page.select(".uptime-cells")
    assert len(bars) == 3 and all(len(bar.select("li")) == 90 for bar in bars)
    # The overview's cells are colour only (hidden from assistive technology); the link beside them says the figure.
    api = bars[0]
    assert api["aria-hidden"] == "true" and not api.get_text(strip=True)
    link = api.find_parent(class_="uptime").select_one(".uptime-legend a")
    assert link["href"] == "./components/api/"
    assert link["aria-label"].startswith("API: ") and link["aria-label"].endswith("uptime over the last 90 days, day by day")
    # The component page has the day-by-day bar with text for every day.
    detail = soup(built / "components/api/index.html").select_one(".uptime-cells")
    assert detail["aria-label"] == "API: the last 90 days"
    tips = [li.get_text(" ", strip=True) for li in detail.select("li")]
    assert len(tips) == 90 and tips[-1] == "10 March 2026: 100%, no incidents"
    march_2 = next(t for t in tips if t.startswith("2 March 2026"))
    assert "Something broke" in march_2
    assert detail.select("li a")  # days with incidents are links, so keyboard users reach their text
    # A day with an incident has a coloured cell on the overview, the same day as on the component page.
    day = next(n for n, t in enumerate(tips) if t.startswith("2 March 2026"))
    assert api.select("li")[day].get("class") and api.select("li")[day]["class"][0] in {"de", "pa", "ma"}


def run_check(site: Path, *extra: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["check", "-s", str(site), *extra])
    return code, capsys.readouterr().out


def test_check_exit_codes_and_formats(make_site: SiteMaker, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1773144000")  # 2026-03-10 12:00 UTC
    pending = incident(started="2026-03-08T09:00:00Z", resolved="2026-03-08T10:00:00Z", components={"api": "degraded_performance"})
    site = make_site({P + "2026-03-08-pending.md": pending}, config=POLICY_CONFIG)
    code, out = run_check(site, capsys=capsys)
    assert code == 0
    assert out.splitlines() == [
        "content/incidents/2026-03-08-pending.md:6:1: note: the postmortem for 'Something broke' is due by 13 March 2026 "
        "(required: sev2) [postmortem-pending]", "ok: 0 errors, 0 warnings, 1 notes"]

    overdue = pending.replace("2026-03-08", "2026-03-02")
    (site / P / "2026-03-08-pending.md").rename(site / P / "2026-03-02-overdue.md")
    (site / P / "2026-03-02-overdue.md").write_text(overdue)
    code, out = run_check(site, "--format", "json", capsys=capsys)
    assert code == 1
    data = json.loads(out)
    assert data["version"] == 1 and data["ok"] is False and data["counts"] == {"errors": 1, "warnings": 0, "notes": 0}
    assert data["diagnostics"][0] == {"file": "content/incidents/2026-03-02-overdue.md", "line": 6, "column": 1, "severity": "error",
                                      "code": "postmortem-overdue", "message": data["diagnostics"][0]["message"]}
    code, out = run_check(site, "--format", "github", capsys=capsys)
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith("::error file=content/incidents/2026-03-02-overdue.md,line=6,col=1,title=postmortem-overdue::the postmortem for")

    (site / "content/postmortems").mkdir(parents=True)
    (site / "content/postmortems/fixed.md").write_text(postmortem("2026-03-02-overdue", "2026-03-09T10:00:00Z"))
    assert run_check(site, capsys=capsys)[0] == 0


def test_check_reports_content_errors_like_build(make_site: SiteMaker, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site({P + "2026-03-02-bad.md": "---\ntitle: Broken\nseverity: sev9\n---\n"}, config=POLICY_CONFIG)
    code, out = run_check(site, "--format", "github", capsys=capsys)
    assert code == 1
    assert "::error file=content/incidents/2026-03-02-bad.md,line=3," in out
    assert not (site / "output").exists()


def test_github_format_escapes_what_would_break_a_command() -> None:
    from statusgen.check import format_github
    from statusgen.diagnostics import error

    line = format_github([error("a,b:c%.md", 2, 3, "code", "50% done\nnext line")], False).splitlines()[0]
    assert line == "::error file=a%2Cb%3Ac%25.md,line=2,col=3,title=code::50%25 done%0Anext line"


def test_a_years_figures_made_from_its_months_are_those_of_its_incidents(tmp_path: Path) -> None:
    """A year's report takes its months' times (each month's are made once); it says what its incidents alone give."""
    from datetime import timedelta

    from bench.corpus import NOW, write_corpus
    from statusgen.build import prepare
    from statusgen.reports import Reports, year_period

    prepared = prepare(write_corpus(tmp_path / "site", 150), now=NOW + timedelta(days=1))
    assert not isinstance(prepared, list)
    renderer = prepared.renderer
    reports = Reports(prepared.site, renderer.now, renderer.obligations, renderer.uptime)
    months = {(year, month): reports.month(year, month) for year, month in reports.months()}
    assert len(reports.years()) >= 3
    for year in reports.years():
        made = reports.year(year)
        assert made.resolve_mean is not None and made.first_update_median is not None
        alone = Reports(prepared.site, renderer.now, renderer.obligations, renderer.uptime)  # nothing made before
        assert made == alone.report(year_period(year, alone.zone), list(made.incidents), lambda made=made: (made.months, None))
        assert all(m.resolve_mean == months[(year, int(m.period.key[5:]))].resolve_mean for m in made.months)
