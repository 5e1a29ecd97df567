"""The authoring commands: files that build, hand formatting kept, refused
edits leaving files unchanged, templates that can never be published."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from statusgen.cli import main
from tests.conftest import SiteMaker, build_at, load

P = "content/incidents/"
HAND_WRITTEN = """\
---
# Written by hand during the incident; keep this comment.
title: "Elevated API errors"   # the customer-facing title
severity: sev2
state: investigating  # will change
started: 2026-03-02T14:00:00Z
components:
  api: partial_outage     # aligned on purpose
---

A lead paragraph, wrapped
at an odd width.

## 2026-03-02 14:05 UTC — Investigating

We are investigating errors on the API for some customers.
Next update by 14:35 UTC.
"""


def run(*argv: str) -> int:
    return main(list(argv))


def test_update_then_resolve_keeps_every_hand_written_line(make_site: SiteMaker) -> None:
    site = make_site({P + "2026-03-02-api.md": HAND_WRITTEN})
    path = site / P / "2026-03-02-api.md"
    assert run("update", "2026-03-02-api", "-s", str(site), "--state", "identified", "--at", "2026-03-02 14:30",
               "--component", "api=degraded_performance", "--next", "30m",
               "-m", "We found the faulty change and are reverting it.") == 0
    assert run("resolve", "2026-03-02-api", "-s", str(site), "--at", "2026-03-02T15:00:00Z", "-m", "Fixed.") == 0
    text = path.read_text()
    before, after = HAND_WRITTEN.splitlines(), text.splitlines()
    changed = [line for line in before if line not in after]
    assert changed == ["state: investigating  # will change"]  # the one line an edit had to change
    assert "state: resolved  # will change" in after and "resolved: 2026-03-02T15:00:00Z" in after
    assert after.index("resolved: 2026-03-02T15:00:00Z") == after.index("started: 2026-03-02T14:00:00Z") + 1
    assert text.index("## 2026-03-02 15:00 UTC — Resolved") < text.index("## 2026-03-02 14:30 UTC — Identified") < \
        text.index("## 2026-03-02 14:05 UTC — Investigating")
    assert "Components: api=degraded_performance\n\nWe found the faulty change and are reverting it.\n\nNext update by 15:00 UTC." in text
    loaded = load(site)
    assert loaded.site is not None and not loaded.diagnostics
    (incident,) = loaded.site.incidents
    assert [u.state.value for u in incident.updates] == ["investigating", "identified", "resolved"]
    assert incident.resolved is not None and incident.intervals[-1].end == incident.resolved


def test_a_refused_edit_leaves_the_file_byte_for_byte(make_site: SiteMaker, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site({P + "2026-03-02-api.md": HAND_WRITTEN})
    path = site / P / "2026-03-02-api.md"
    stamp = path.stat().st_mtime_ns
    # an update before the incident started would not build
    assert run("update", "2026-03-02-api", "-s", str(site), "--at", "2026-03-02 13:00", "-m", "Early.") == 1
    err = capsys.readouterr().err
    assert "is before the incident started" in err and "was left unchanged" in err
    assert path.read_text() == HAND_WRITTEN and path.stat().st_mtime_ns == stamp
    assert run("update", "2026-03-02-api", "-s", str(site), "--component", "nope=major_outage", "-m", "x") == 2
    assert "'nope' is not a component" in capsys.readouterr().err
    assert run("update", "missing", "-s", str(site), "-m", "x") == 2
    assert path.read_text() == HAND_WRITTEN
    assert [p.name for p in path.parent.iterdir()] == ["2026-03-02-api.md"]  # no temporary file left behind


def test_new_incident_builds_and_its_promise_is_held(make_site: SiteMaker, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site({})
    assert run("new", "incident", "Card payments failing", "-s", str(site), "--severity", "sev1", "--component",
               "api=major_outage", "--at", "2026-03-09T10:00:00+01:00", "--next", "30m",
               "-m", "We are investigating failed card payments for all customers.") == 0
    out = capsys.readouterr()
    assert out.out == "created content/incidents/2026-03-09-card-payments-failing.md\n" and "advice" not in out.err
    text = (site / P / "2026-03-09-card-payments-failing.md").read_text()
    assert "started: 2026-03-09T09:00:00Z" in text and "Next update by 09:30 UTC." in text
    assert build_at(site).ok
    assert run("check", "-s", str(site)) == 0  # SOURCE_DATE_EPOCH unset: "now" is today, long after 09:30
    assert "promise-missed" in capsys.readouterr().out


def test_a_template_cannot_be_published_until_its_placeholders_are_replaced(make_site: SiteMaker,
                                                                            capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site({})
    assert run("new", "incident", "Slow dashboard", "-s", str(site), "--severity", "sev3", "--component",
               "web=degraded_performance", "--at", "2026-03-09 10:00") == 0
    assert "template" in capsys.readouterr().out
    result = build_at(site)
    assert not result.ok
    errors = [d.format() for d in result.diagnostics if d.code == "placeholder"]
    assert len(errors) == 3 and errors[0].startswith("content/incidents/2026-03-09-slow-dashboard.md:12:1: error: template placeholder <<Acknowledge")
    assert run("check", "-s", str(site)) == 1
    path = site / P / "2026-03-09-slow-dashboard.md"
    text = path.read_text()
    start, end = text.index("<<Acknowledge"), text.index("Next update")
    path.write_text(text[:start] + "Dashboards are slow for some customers; we are investigating.\n\n" + text[end:])
    assert build_at(site).ok


def test_messages_from_standard_input_and_from_the_editor(make_site: SiteMaker, monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    site = make_site({P + "2026-03-02-api.md": HAND_WRITTEN})
    monkeypatch.setattr(sys, "stdin", _Stdin("Still investigating; no change yet.\n"))
    assert run("update", "2026-03-02-api", "-s", str(site), "--at", "2026-03-02 14:20", "-m", "-") == 0
    editor = tmp_path / "editor.py"
    editor.write_text("import sys\nopen(sys.argv[1], 'w').write('Written in the editor.\\n')\n")
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(sys, "stdin", _Stdin("", tty=True))
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    monkeypatch.delenv("VISUAL", raising=False)
    assert run("update", "2026-03-02-api", "-s", str(site), "--at", "2026-03-02 14:40") == 0
    text = (site / P / "2026-03-02-api.md").read_text()
    assert "Still investigating; no change yet." in text and "Written in the editor." in text
    monkeypatch.delenv("EDITOR")
    assert run("update", "2026-03-02-api", "-s", str(site), "--at", "2026-03-02 14:50") == 2


def test_new_maintenance_and_new_postmortem_start_from_templates(make_site: SiteMaker) -> None:
    site = make_site({P + "2026-03-02-api.md": HAND_WRITTEN.replace("state: investigating", "state: resolved\nresolved: 2026-03-02T15:00:00Z")
                      + "\n## 2026-03-02 15:00 UTC — Resolved\n\nFixed.\n"})
    assert run("new", "maintenance", "Database upgrade", "-s", str(site), "--start", "2026-03-20 02:00", "--duration", "2h",
               "--component", "api", "--component", "web") == 0
    assert run("new", "postmortem", "2026-03-02-api", "-s", str(site)) == 0
    postmortem = (site / "content/postmortems/2026-03-02-api.md").read_text()
    for heading in ("## What happened", "## Why our safeguards did not stop it", "## What we are doing"):
        assert heading in postmortem
    assert "| 14:00 | Incident starts |" in postmortem and "| 15:00 | Update posted: Resolved |" in postmortem
    result = build_at(site)
    placeholders = {d.path for d in result.diagnostics if d.code == "placeholder"}
    assert placeholders == {"content/incidents/2026-03-20-database-upgrade.md", "content/postmortems/2026-03-02-api.md"}


class _Stdin:
    def __init__(self, text: str, *, tty: bool = False) -> None:
        self.text, self.tty = text, tty

    def read(self) -> str:
        return self.text

    def isatty(self) -> bool:
        return self.tty


def test_config_is_required(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("update", "x", "-s", str(tmp_path), "-m", "x") == 2
    assert "no statusgen.toml" in capsys.readouterr().err


def test_the_audit_advises_on_the_new_message_without_blocking(make_site: SiteMaker, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site({P + "2026-03-02-api.md": HAND_WRITTEN})
    assert run("update", "2026-03-02-api", "-s", str(site), "--at", "2026-03-02 14:20",
               "-m", "We think the database is probably to blame.") == 0
    err = capsys.readouterr().err
    assert "advice: 'We think' guesses at the cause" in err and "[speculation]" in err
    assert "We think the database" in (site / P / "2026-03-02-api.md").read_text()
