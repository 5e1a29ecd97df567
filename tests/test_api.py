"""The JSON API: Statuspage's v2 shape under api/v2/, statusgen's own under api/statusgen/v1/."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

import statusgen.render.api
from statusgen.build import build
from statusgen.render.api import json_bytes, json_bytes_streamed, list_item
from tests.conftest import CONFIG, NOW, RESOLVED_INCIDENT, SiteMaker, build_at
from tests.fixtures_subscribers import MAINTENANCE, OPEN_MAJOR, OPEN_MINOR, POSTMORTEM
from tests.statuspage_schema import SCHEMAS

RESOLVED = ("content/incidents/2026-03-02-api-errors.md", RESOLVED_INCIDENT)


def api(root: Path, name: str) -> Any:
    return json.loads((root / "output/api/v2" / name).read_text(encoding="utf-8"))


def built(make_site: SiteMaker, *files: tuple[str, str], now: Any = NOW) -> Path:
    root = make_site(dict(files))
    result = build(root, now=now)
    assert result.ok, result.diagnostics
    return root


@pytest.mark.parametrize("scenario", ["quiet", "minor", "major", "maintenance", "everything"])
def test_every_file_matches_the_statuspage_schema(make_site: SiteMaker, scenario: str) -> None:
    files = {
        "quiet": [RESOLVED],
        "minor": [RESOLVED, ("content/incidents/2026-03-10-slow-api.md", OPEN_MINOR)],
        "major": [("content/incidents/2026-03-10-web-down.md", OPEN_MAJOR)],
        "maintenance": [("content/incidents/2026-03-10-email-migration.md", MAINTENANCE)],
        "everything": [RESOLVED, ("content/incidents/2026-03-10-slow-api.md", OPEN_MINOR),
                       ("content/incidents/2026-03-10-web-down.md", OPEN_MAJOR),
                       ("content/incidents/2026-03-10-email-migration.md", MAINTENANCE),
                       ("content/postmortems/api-errors.md", POSTMORTEM)],
    }[scenario]
    root = built(make_site, *files)
    for name, schema in SCHEMAS.items():
        jsonschema.validate(api(root, name), schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize(("files", "indicator", "description"), [
    ([RESOLVED], "none", "All Systems Operational"),
    ([RESOLVED, ("content/incidents/2026-03-10-slow-api.md", OPEN_MINOR)], "minor", "Partially Degraded Service"),
    ([("content/incidents/2026-03-10-web-down.md", OPEN_MAJOR)], "critical", "Major System Outage"),
    ([("content/incidents/2026-03-10-email-migration.md", MAINTENANCE)], "none", "Service Under Maintenance"),
])
def test_status_indicator_follows_the_components(make_site: SiteMaker, files: list[tuple[str, str]], indicator: str, description: str) -> None:
    root = built(make_site, *files)
    assert api(root, "status.json")["status"] == {"indicator": indicator, "description": description}
    assert api(root, "summary.json")["status"] == api(root, "status.json")["status"]


def test_summary_lists_statuses_unresolved_incidents_and_current_maintenance(make_site: SiteMaker) -> None:
    root = built(make_site, RESOLVED, ("content/incidents/2026-03-10-web-down.md", OPEN_MAJOR),
                 ("content/incidents/2026-03-10-email-migration.md", MAINTENANCE))
    summary = api(root, "summary.json")
    statuses = {c["id"]: c["status"] for c in summary["components"]}
    assert statuses == {"core": "major_outage", "api": "partial_outage", "web": "major_outage", "email": "under_maintenance"}
    group = next(c for c in summary["components"] if c["group"])
    assert group["components"] == ["api", "web"] and group["position"] == 2
    assert [i["id"] for i in summary["incidents"]] == ["2026-03-10-web-down"]
    assert [(m["id"], m["status"]) for m in summary["scheduled_maintenances"]] == [("2026-03-10-email-migration", "in_progress")]
    assert summary["page"] == {"id": summary["page"]["id"], "name": "Example Status", "url": "https://status.example.com/",
                               "time_zone": "UTC", "updated_at": "2026-03-10T11:30:00Z"}
    assert [i["id"] for i in api(root, "incidents/unresolved.json")["incidents"]] == ["2026-03-10-web-down"]
    assert [i["id"] for i in api(root, "incidents.json")["incidents"]] == ["2026-03-10-web-down", "2026-03-02-api-errors"]


def test_incident_fields_and_updates_in_statuspage_terms(make_site: SiteMaker) -> None:
    root = built(make_site, ("content/incidents/2026-03-10-web-down.md", OPEN_MAJOR))
    incident = api(root, "incidents.json")["incidents"][0]
    assert {k: incident[k] for k in ("id", "name", "status", "impact", "created_at", "updated_at", "started_at",
                                     "monitoring_at", "resolved_at", "shortlink")} == {
        "id": "2026-03-10-web-down", "name": "Web app unavailable", "status": "identified", "impact": "critical",
        "created_at": "2026-03-10T11:05:00Z", "updated_at": "2026-03-10T11:30:00Z", "started_at": "2026-03-10T11:00:00Z",
        "monitoring_at": None, "resolved_at": None, "shortlink": "https://status.example.com/incidents/2026-03-10-web-down/"}
    newest, oldest = incident["incident_updates"]
    assert (newest["status"], oldest["status"]) == ("identified", "investigating")
    assert newest["body"] == "We found the cause and are rolling back."
    assert newest["incident_id"] == "2026-03-10-web-down" and newest["display_at"] == "2026-03-10T11:30:00Z"
    assert oldest["affected_components"] == [{"code": "web", "name": "Web app", "old_status": "operational", "new_status": "partial_outage"}]
    assert newest["affected_components"] == [
        {"code": "web", "name": "Web app", "old_status": "partial_outage", "new_status": "major_outage"},
        {"code": "api", "name": "API", "old_status": "operational", "new_status": "partial_outage"}]
    assert sorted(c["id"] for c in incident["components"]) == ["api", "web"]


def test_resolved_incident_reports_recovery(make_site: SiteMaker) -> None:
    root = built(make_site, RESOLVED)
    incident = api(root, "incidents.json")["incidents"][0]
    assert (incident["status"], incident["impact"], incident["resolved_at"]) == ("resolved", "major", "2026-03-02T15:30:00Z")
    assert incident["incident_updates"][0]["affected_components"] == [
        {"code": "api", "name": "API", "old_status": "partial_outage", "new_status": "operational"}]


@pytest.mark.parametrize(("now", "upcoming", "active", "status"), [
    (NOW - timedelta(days=5), ["2026-03-10-email-migration"], [], "scheduled"),
    (NOW, [], ["2026-03-10-email-migration"], "in_progress"),
    (NOW + timedelta(hours=2), [], [], "completed"),
])
def test_maintenance_files_follow_the_build_time(make_site: SiteMaker, now: Any, upcoming: list[str], active: list[str], status: str) -> None:
    root = built(make_site, ("content/incidents/2026-03-10-email-migration.md", MAINTENANCE), now=now)
    assert [m["id"] for m in api(root, "scheduled-maintenances/upcoming.json")["scheduled_maintenances"]] == upcoming
    assert [m["id"] for m in api(root, "scheduled-maintenances/active.json")["scheduled_maintenances"]] == active
    window = api(root, "scheduled-maintenances.json")["scheduled_maintenances"][0]
    assert (window["status"], window["impact"], window["scheduled_for"], window["scheduled_until"]) == (
        status, "maintenance", "2026-03-10T11:00:00Z", "2026-03-10T13:00:00Z")


def test_cancelled_maintenance_is_neither_upcoming_nor_active(make_site: SiteMaker) -> None:
    cancelled = MAINTENANCE.replace("state: scheduled", "state: cancelled") + (
        "\n## 2026-03-05 09:00 UTC — Cancelled\n\nWe have cancelled this migration; nothing will change.\n")
    root = built(make_site, ("content/incidents/2026-03-10-email-migration.md", cancelled))
    assert api(root, "scheduled-maintenances/active.json")["scheduled_maintenances"] == []
    assert api(root, "summary.json")["components"][-1]["status"] == "operational"
    window = api(root, "scheduled-maintenances.json")["scheduled_maintenances"][0]
    assert (window["status"], window["resolved_at"]) == ("completed", "2026-03-05T09:00:00Z")


def test_incident_lists_hold_the_latest_fifty(make_site: SiteMaker) -> None:
    files = [(f"content/incidents/2026-01-{day:02d}-blip-{n}.md",
              RESOLVED_INCIDENT.replace("2026-03-02", f"2026-01-{day:02d}").replace("Elevated API errors", f"Blip {day}-{n}"))
             for day in range(1, 28) for n in range(2)]
    root = built(make_site, *files)
    incidents = api(root, "incidents.json")["incidents"]
    assert len(incidents) == 50 and incidents[0]["started_at"].startswith("2026-01-27")
    own = json.loads((root / "output/api/statusgen/v1/incidents.json").read_text())
    assert len(own["incidents"]) == 54


def test_statusgen_namespace_carries_severity_and_intervals(make_site: SiteMaker) -> None:
    root = built(make_site, RESOLVED, ("content/postmortems/api-errors.md", POSTMORTEM))
    own = json.loads((root / "output/api/statusgen/v1/incidents.json").read_text())
    assert own["as_of"] == "2026-03-10T12:00:00Z"
    assert own["incidents"] == [{
        "id": "2026-03-02-api-errors", "title": "Elevated API errors", "url": "https://status.example.com/incidents/2026-03-02-api-errors/",
        "severity": "sev2", "state": "resolved", "started": "2026-03-02T14:00:00Z", "resolved": "2026-03-02T15:30:00Z",
        "summary": "", "components": [{"id": "api", "name": "API", "peak_impact": "partial_outage"}],
        "intervals": [{"component": "api", "impact": "partial_outage", "start": "2026-03-02T14:00:00Z", "end": "2026-03-02T15:30:00Z"}],
        "postmortem": "https://status.example.com/postmortems/api-errors/",
    }]


def test_json_escapes_markup(make_site: SiteMaker) -> None:
    hostile = RESOLVED_INCIDENT.replace("title: Elevated API errors", 'title: "</script><img src=x onerror=alert(1)> & \\"quotes\\""')
    root = built(make_site, ("content/incidents/2026-03-02-api-errors.md", hostile))
    raw = (root / "output/api/v2/incidents.json").read_text()
    assert "</script>" not in raw and "<img" not in raw
    assert api(root, "incidents.json")["incidents"][0]["name"] == '</script><img src=x onerror=alert(1)> & "quotes"'


def test_api_is_identical_for_two_builds_of_the_same_moment(make_site: SiteMaker) -> None:
    root = built(make_site, RESOLVED, ("content/incidents/2026-03-10-email-migration.md", MAINTENANCE))
    first = {p: p.read_bytes() for p in sorted((root / "output/api").rglob("*.json"))}
    assert build_at(root).ok
    assert {p: p.read_bytes() for p in sorted((root / "output/api").rglob("*.json"))} == first


#: The API's numbers are counts, percentages, minutes, hours and days. Between 1e-4 and 1e15 both encoders
#: write a float the same way; beyond, both are valid JSON but the exponent is spelled differently (1e-5, 1e-05).
API_FLOATS = st.just(0.0) | st.floats(1e-4, 1e15) | st.floats(-1e15, -1e-4)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | API_FLOATS | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@given(JSON_VALUES)
def test_json_files_are_what_the_standard_encoder_writes(value: object) -> None:
    """orjson writes the API files for speed; the bytes must be those of the documented format, which
    the standard library defines: sorted keys, two-space indent, UTF-8, and <, >, & escaped."""
    expected = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    expected = expected.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"
    assert json_bytes(value) == expected.encode("utf-8")
    assert json.loads(json_bytes(value)) == value


@given(st.dictionaries(st.text(), JSON_VALUES, max_size=4), st.dictionaries(st.text(), st.lists(JSON_VALUES, max_size=4), max_size=3))
def test_streamed_json_is_the_same_file(document: dict[str, object], lists: dict[str, list[object]]) -> None:
    """The long lists of incidents.json and postmortems.json are encoded one item at a time to save memory;
    the file must be what encoding the whole document at once writes, whatever the keys, values and nesting."""
    document = {key: value for key, value in document.items() if key not in lists}
    assert json_bytes_streamed(document, {key: iter(items) for key, items in lists.items()}) == json_bytes({**document, **lists})


@given(st.lists(st.tuples(JSON_VALUES, st.booleans()), max_size=9), st.integers(1, 4))
def test_streamed_items_encoded_together_or_kept_encoded_are_the_same_file(items: list[tuple[object, bool]], batch: int) -> None:
    """Plain items are encoded a batch at a time, between items the API kept encoded from the last build:
    whatever the batch size and wherever the kept items fall, the file is the one encoded whole."""
    values = [value for value, _ in items]
    given_as = [list_item(value) if kept else value for value, kept in items]
    real = statusgen.render.api.BATCH
    statusgen.render.api.BATCH = batch  # (not monkeypatch: hypothesis runs every example in one test call)
    try:
        streamed = json_bytes_streamed({"as_of": 1}, {"items": iter(given_as)})
    finally:
        statusgen.render.api.BATCH = real
    assert streamed == json_bytes({"as_of": 1, "items": values})


def test_every_time_in_every_file_is_utc_to_the_second_whatever_the_zone_and_the_precision_written(make_site: SiteMaker) -> None:
    """Front matter may give an offset and fractions of a second; the API gives UTC, whole seconds, with a Z."""
    written = (RESOLVED_INCIDENT.replace("started: 2026-03-02T14:00:00Z", "started: 2026-03-02T15:00:07.250+01:00")
               .replace("resolved: 2026-03-02T15:30:00Z", "resolved: 2026-03-02 10:30:59.999-05:00"))
    root = make_site({RESOLVED[0]: written, "content/incidents/2026-03-10-email-migration.md": MAINTENANCE,
                      "content/postmortems/api-errors.md": POSTMORTEM},
                     config=CONFIG.replace('timezone = "UTC"', 'timezone = "Asia/Kolkata"'))
    assert build(root, now=NOW).ok
    times: list[str] = []

    def collect(value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                collect(v, k)
        elif isinstance(value, list):
            for v in value:
                collect(v, key)
        elif isinstance(value, str) and key.endswith(("_at", "_for", "_until", "started", "resolved", "start", "end",
                                                        "as_of", "published", "due", "scheduled_start", "scheduled_end")):
            times.append(value)

    for path in sorted((root / "output/api").rglob("*.json")):
        collect(json.loads(path.read_text(encoding="utf-8")))
    assert len(times) > 40
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", t) for t in times), sorted(set(times))
    own = json.loads((root / "output/api/statusgen/v1/incidents.json").read_text(encoding="utf-8"))
    incident = next(i for i in own["incidents"] if i["id"] == "2026-03-02-api-errors")
    assert (incident["started"], incident["resolved"]) == ("2026-03-02T14:00:07Z", "2026-03-02T15:30:59Z")
