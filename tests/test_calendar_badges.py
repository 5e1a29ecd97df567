"""maintenance.ics, badges and the shields.io endpoints."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from icalendar import Calendar
from lxml import etree

from tests.conftest import CONFIG, SiteMaker, build_at
from tests.fixtures_subscribers import MAINTENANCE, OPEN_MAJOR

WINDOW = "content/incidents/2026-03-10-email-migration.md"


def events(root: Path) -> list:  # type: ignore[type-arg]
    calendar = Calendar.from_ical((root / "output/maintenance.ics").read_bytes())
    return list(calendar.walk("VEVENT"))


def test_calendar_has_one_utc_event_per_window(make_site: SiteMaker) -> None:
    later = MAINTENANCE.replace("2026-03-10T11:00:00Z", "2026-04-01T22:00:00+02:00").replace("2026-03-10T13:00:00Z", "2026-04-02T01:00:00+02:00")
    root = make_site({WINDOW: MAINTENANCE, "content/incidents/2026-04-01-second.md": later.replace("Email provider migration", "Second window")})
    assert build_at(root).ok
    found = events(root)
    assert [str(e["SUMMARY"]) for e in found] == ["Email provider migration", "Second window"]
    first, second = found
    assert str(first["UID"]) == "2026-03-10-email-migration@status.example.com"
    assert first.decoded("DTSTART") == datetime(2026, 3, 10, 11, 0, tzinfo=UTC)
    assert second.decoded("DTSTART") == datetime(2026, 4, 1, 20, 0, tzinfo=UTC)
    assert second.decoded("DTEND").utcoffset().total_seconds() == 0
    assert (root / "output/maintenance.ics").read_bytes().count(b"DTSTART:20260401T200000Z") == 1
    assert str(first["STATUS"]) == "CONFIRMED" and int(first["SEQUENCE"]) == 0
    assert "Components: Email" in str(first["DESCRIPTION"])


def test_moving_a_window_raises_its_sequence_and_keeps_its_uid(make_site: SiteMaker) -> None:
    root = make_site({WINDOW: MAINTENANCE})
    assert build_at(root).ok
    before = events(root)[0]
    moved = MAINTENANCE.replace("2026-03-10T11:00:00Z", "2026-03-12T11:00:00Z").replace("2026-03-10T13:00:00Z", "2026-03-12T13:00:00Z")
    moved += "\n## 2026-03-08 10:00 UTC — Scheduled\n\nWe have moved this window to 12 March, 11:00 to 13:00 UTC.\n"
    (root / WINDOW).write_text(moved)
    assert build_at(root).ok
    after = events(root)[0]
    assert after["UID"] == before["UID"]
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("DTSTART") == datetime(2026, 3, 12, 11, 0, tzinfo=UTC)
    assert after.decoded("DTSTAMP") == datetime(2026, 3, 8, 10, 0, tzinfo=UTC)


def test_cancelled_window_is_cancelled_in_the_calendar(make_site: SiteMaker) -> None:
    cancelled = MAINTENANCE.replace("state: scheduled", "state: cancelled") + (
        "\n## 2026-03-05 09:00 UTC — Cancelled\n\nWe have cancelled this migration.\n")
    root = make_site({WINDOW: cancelled})
    assert build_at(root).ok
    event = events(root)[0]
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 1


def test_badges_carry_the_status_as_text(make_site: SiteMaker) -> None:
    config = CONFIG.replace('name = "Email"', 'name = "R&D <mail>"')
    root = make_site({"content/incidents/2026-03-10-web-down.md": OPEN_MAJOR}, config=config)
    assert build_at(root).ok
    out = root / "output"
    svg = etree.parse(str(out / "badge.svg")).getroot()
    assert svg.get("aria-label") == "status: Major outage"
    assert [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")] == ["status", "Major outage"]
    web = etree.parse(str(out / "components/web/badge.svg")).getroot()
    assert web.get("aria-label") == "Web app: Major outage"
    email = etree.parse(str(out / "components/email/badge.svg")).getroot()  # parses: the name is escaped
    assert email.get("aria-label") == "R&D <mail>: Operational"
    shields = json.loads((out / "api/statusgen/v1/shields/status.json").read_text())
    assert shields == {"schemaVersion": 1, "label": "status", "message": "Major outage", "color": "red"}
    api = json.loads((out / "api/statusgen/v1/shields/components/api.json").read_text())
    assert (api["label"], api["message"], api["color"]) == ("API", "Partial outage", "orange")


def test_host_files_allow_cross_origin_reads_of_the_api(make_site: SiteMaker) -> None:
    root = make_site({})
    assert build_at(root).ok
    headers = (root / "output/_headers").read_text()
    assert "/api/*\n  Access-Control-Allow-Origin: *\n  Cache-Control: public, max-age=60\n" in headers
    assert "/assets/*\n  Cache-Control: public, max-age=31536000, immutable\n" in headers
    rules = [line for line in headers.splitlines() if not line.startswith(" ")]

    def matches(rule: str, path: str) -> bool:
        return path.startswith(rule[:-1]) if rule.endswith("*") else path == rule

    # no URL matches two rules: Netlify and Cloudflare Pages differ on how they would combine
    assert [(a, b) for a in rules for b in rules if a != b and matches(a, b.replace("*", "page/"))] == []
    assert "/" in rules and "/*" not in rules and "/incidents/*" in rules
    script = (root / "output/embed/banner.js").read_bytes()
    assert len(script) < 5 * 1024 and b"api/v2/summary.json" in script
