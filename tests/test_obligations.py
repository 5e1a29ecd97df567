"""Each obligation state, from fixture incidents at a fixed build time (NOW = 2026-03-10 12:00 UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from statusgen.obligations import ObligationState, figures, obligations, outage_time
from tests.conftest import NOW, SiteMaker, load
from tests.policy_fixtures import POLICY_CONFIG, incident, postmortem

P = "content/incidents/"
FILES = {
    P + "2026-03-02-overdue.md": incident(started="2026-03-02T14:00:00Z", resolved="2026-03-02T15:30:00Z", components={"api": "degraded_performance"}),
    P + "2026-03-08-pending.md": incident(started="2026-03-08T09:00:00Z", resolved="2026-03-08T10:00:00Z", components={"api": "degraded_performance"}),
    P + "2026-03-10-ongoing.md": incident(severity="sev1", started="2026-03-10T11:00:00Z", resolved=None, components={"web": "major_outage"}),
    P + "2026-03-03-minor.md": incident(severity="sev3", started="2026-03-03T10:00:00Z", resolved="2026-03-03T10:12:00Z",
                                       components={"api": "partial_outage"}),
    P + "2026-03-04-long.md": incident(severity="sev3", started="2026-03-04T10:00:00Z", resolved="2026-03-04T11:00:00Z",
                                      components={"api": "degraded_performance"},
                                      changes=[("2026-03-04T10:10:00Z", "api=partial_outage, web=major_outage"),
                                               ("2026-03-04T10:30:00Z", "api=degraded_performance"),
                                               ("2026-03-04T10:45:00Z", "web=operational")]),
    P + "2026-03-05-payments.md": incident(severity="sev3", started="2026-03-05T10:00:00Z", resolved="2026-03-05T10:05:00Z",
                                          components={"payments": "degraded_performance"}),
    P + "2026-03-01-on-time.md": incident(started="2026-03-01T10:00:00Z", resolved="2026-03-01T12:00:00Z",
                                         components={"api": "degraded_performance"}, postmortem="on-time"),
    P + "2026-03-01-late.md": incident(started="2026-03-01T13:00:00Z", resolved="2026-03-01T14:00:00Z",
                                      components={"web": "degraded_performance"}, postmortem="late"),
    P + "2026-03-06-waived.md": incident(started="2026-03-06T10:00:00Z", resolved="2026-03-06T11:00:00Z",
                                        components={"api": "degraded_performance"}, waived="A provider's outage; their report is linked"),
    P + "2026-02-20-before.md": incident(severity="sev1", started="2026-02-20T10:00:00Z", resolved="2026-02-20T11:00:00Z",
                                        components={"api": "major_outage"}),
    "content/postmortems/on-time.md": postmortem("2026-03-01-on-time", "2026-03-04T12:00:00Z"),
    "content/postmortems/late.md": postmortem("2026-03-01-late", "2026-03-09T14:00:00Z"),
}


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    from tests.conftest import write_site

    root = write_site(tmp_path_factory.mktemp("policy"), FILES, config=POLICY_CONFIG)
    loaded = load(root)
    assert loaded.site is not None, loaded.diagnostics
    return dict(obligations(loaded.site, NOW))


@pytest.mark.parametrize(("slug", "state", "reasons"), [
    ("2026-03-02-overdue", ObligationState.OVERDUE, ("sev2",)),
    ("2026-03-08-pending", ObligationState.PENDING, ("sev2",)),
    ("2026-03-10-ongoing", ObligationState.ONGOING, ("sev1", "outage of 1 h")),
    ("2026-03-03-minor", ObligationState.NOT_REQUIRED, ("sev3", "12 min of outage")),
    ("2026-03-04-long", ObligationState.OVERDUE, ("outage of 35 min",)),
    ("2026-03-05-payments", ObligationState.OVERDUE, ("touched Payments",)),
    ("2026-03-01-on-time", ObligationState.PUBLISHED, ("sev2",)),
    ("2026-03-01-late", ObligationState.PUBLISHED, ("sev2",)),
    ("2026-03-06-waived", ObligationState.WAIVED, ("sev2",)),
    ("2026-02-20-before", ObligationState.BEFORE_POLICY, ("sev1", "outage of 1 h")),
])
def test_each_state(states: dict, slug: str, state: ObligationState, reasons: tuple[str, ...]) -> None:  # type: ignore[type-arg]
    found = states[slug]
    assert (found.state, found.reasons) == (state, reasons)


def test_outage_overlaps_count_once(states: dict) -> None:  # type: ignore[type-arg]
    # api partial 10:10-10:30 and web major 10:10-10:45 overlap: 35 minutes in all, not 55.
    assert outage_time(states["2026-03-04-long"].incident, NOW) == timedelta(minutes=35)


def test_an_outage_of_exactly_the_threshold_is_not_longer_than_it(make_site: SiteMaker) -> None:
    text = incident(severity="sev3", started="2026-03-04T10:00:00Z", resolved="2026-03-04T10:30:00Z", components={"api": "major_outage"})
    root = make_site({P + "2026-03-04-thirty.md": text}, config=POLICY_CONFIG)
    site = load(root).site
    assert site is not None
    found = obligations(site, NOW)["2026-03-04-thirty"]
    assert (found.state, found.reasons) == (ObligationState.NOT_REQUIRED, ("sev3", "30 min of outage"))


def test_due_dates_days_and_lateness(states: dict) -> None:  # type: ignore[type-arg]
    assert states["2026-03-02-overdue"].due == datetime(2026, 3, 7, 15, 30, tzinfo=UTC)
    on_time, late = states["2026-03-01-on-time"], states["2026-03-01-late"]
    assert (on_time.days_to_publish, on_time.late) == (3.0, False)
    assert (late.days_to_publish, late.late) == (8.0, True)
    assert states["2026-02-20-before"].due is None and not states["2026-02-20-before"].owed


def test_sentences_for_incident_pages(states: dict) -> None:  # type: ignore[type-arg]
    day = lambda moment: f"{moment.day} March {moment.year}"  # noqa: E731
    assert states["2026-03-08-pending"].sentence(day) == "Postmortem due by 13 March 2026"
    assert states["2026-03-01-on-time"].sentence(day) == "Postmortem published 4 March 2026"
    assert states["2026-03-01-late"].sentence(day) == "Postmortem published 9 March 2026 (late)"
    assert states["2026-03-03-minor"].sentence(day) == "No postmortem required: sev3, 12 min of outage"
    assert states["2026-03-06-waived"].sentence(day) == "Postmortem waived: A provider's outage; their report is linked"
    assert states["2026-03-02-overdue"].sentence(day) == "Postmortem overdue: it was due by 7 March 2026"


def test_overdue_is_judged_at_the_build_time(make_site: SiteMaker) -> None:
    root = make_site({P + "2026-03-02-overdue.md": FILES[P + "2026-03-02-overdue.md"]}, config=POLICY_CONFIG)
    site = load(root).site
    assert site is not None
    due = datetime(2026, 3, 7, 15, 30, tzinfo=UTC)
    assert obligations(site, due - timedelta(minutes=1))["2026-03-02-overdue"].state is ObligationState.PENDING
    assert obligations(site, due)["2026-03-02-overdue"].state is ObligationState.OVERDUE


def test_figures(states: dict) -> None:  # type: ignore[type-arg]
    found = figures(list(states.values()))
    # owed: overdue x3, pending, ongoing, on time, late, waived; not owed: before the policy, not required
    assert (found.owed, found.published, found.on_time, found.overdue, found.pending, found.waived) == (8, 2, 1, 3, 1, 1)
    assert found.on_time_percent == 50 and found.median_days == 5.5


def test_waiver_needs_a_reason(make_site: SiteMaker) -> None:
    text = incident(started="2026-03-06T10:00:00Z", resolved="2026-03-06T11:00:00Z", components={"api": "degraded_performance"}, waived=" ")
    root = make_site({P + "2026-03-06-waived.md": text}, config=POLICY_CONFIG)
    assert [d.code for d in load(root).diagnostics] == ["waiver-reason"]
