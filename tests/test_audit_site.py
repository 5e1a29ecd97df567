"""The audit over whole sites: cadence figures on hand-computed fixtures,
suppression markers, per-site configuration, and where findings go."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from statusgen.audit.run import audit
from statusgen.check import check
from statusgen.cli import main
from statusgen.diagnostics import sorted_diagnostics
from statusgen.obligations import obligations
from tests.conftest import CONFIG, NOW, SiteMaker, build_at, load

P = "content/incidents/"
# Completeness rules are measured on the labelled set; here they would only add noise.
QUIET = CONFIG + """
[policy.postmortem]
effective_from = 2027-01-01

[audit.rules]
first-update-incomplete = "off"
resolution-incomplete = "off"
"""

# sev1, started 09:00. First update 09:22 (22 min: late against 15 min). It
# promises 09:45; the next update comes 09:52 (7 min late), the largest open
# gap is 09:52 -> 10:40 (48 min: more than sev1's 30 min). Monitoring from
# 10:40 to the resolution at 11:00 (20 min: fine).
TIMED = """\
---
title: Payments failing
severity: sev1
state: resolved
started: 2026-03-02T09:00:00Z
resolved: 2026-03-02T11:00:00Z
components:
  api: major_outage
---

## 2026-03-02 11:00 UTC — Resolved

Payments work again.

## 2026-03-02 10:40 UTC — Monitoring

A fix is in place; we are watching it.

## 2026-03-02 09:52 UTC — Identified

We found the faulty change and are reverting it.

## 2026-03-02 09:22 UTC — Investigating

We are investigating failed payments. Next update by 09:45 UTC.
"""


def findings(site: Path, now: object = NOW) -> list[str]:
    loaded = load(site)
    assert loaded.site is not None, loaded.diagnostics
    result = audit(loaded.site, now, obligations(loaded.site, now))  # type: ignore[arg-type]
    return [d.format() for d in sorted_diagnostics(result.diagnostics)]


def test_cadence_figures_and_findings_for_a_hand_computed_incident(make_site: SiteMaker) -> None:
    site = make_site({P + "2026-03-02-payments.md": TIMED}, config=QUIET)
    loaded = load(site)
    assert loaded.site is not None
    result = audit(loaded.site, NOW, obligations(loaded.site, NOW))
    timing = result.cadences["2026-03-02-payments"]
    assert timing.first_update_after == timedelta(minutes=22)
    assert timing.largest_gap is not None and timing.largest_gap[0] == timedelta(minutes=48)
    (promise,) = timing.promises
    assert promise.late == timedelta(minutes=7)
    assert [d.format() for d in sorted_diagnostics(result.diagnostics)] == [
        "content/incidents/2026-03-02-payments.md:15:1: warning: 48 min passed without an update before this one; "
        "sev1 incidents get an update at least every 30 min [update-gap]",
        "content/incidents/2026-03-02-payments.md:23:1: warning: the first update went out 22 min after the incident "
        "started (09:00 UTC); the policy asks for 15 min [first-update-late]",
        "content/incidents/2026-03-02-payments.md:23:1: warning: the 09:22 UTC update promised the next by 09:45 UTC; "
        "it came at 09:52 UTC, 7 min late [promise-missed]",
    ]


def test_open_incident_stale_and_unkept_promise_at_build_time(make_site: SiteMaker) -> None:
    text = TIMED.replace("state: resolved", "state: investigating").replace("resolved: 2026-03-02T11:00:00Z\n", "")
    text = text.split("## 2026-03-02 11:00")[0].rstrip() + "\n\n" + "## 2026-03-02 09:22" + text.split("## 2026-03-02 09:22")[1]
    text = text.replace("## 2026-03-02 10:40 UTC — Monitoring", "").replace("## 2026-03-02 09:52 UTC — Identified", "")
    text = "\n".join(line for line in text.splitlines() if "watching it" not in line and "reverting" not in line) + "\n"
    site = make_site({P + "2026-03-02-payments.md": text}, config=QUIET)
    now = NOW.replace(day=2, hour=10, minute=30)  # 68 min after the only update
    out = findings(site, now)
    assert any("[stale-incident]" in f and "1 h 8 min old" in f for f in out), out
    assert any("[promise-missed]" in f and "none has come, 45 min after" in f for f in out), out


def test_monitoring_too_long_and_policy_thresholds(make_site: SiteMaker) -> None:
    text = TIMED.replace("resolved: 2026-03-02T11:00:00Z", "resolved: 2026-03-03T12:00:00Z").replace(
        "## 2026-03-02 11:00 UTC — Resolved", "## 2026-03-03 12:00 UTC — Resolved")
    site = make_site({P + "2026-03-02-payments.md": text}, config=QUIET)
    assert ("content/incidents/2026-03-02-payments.md:15:1: warning: the incident stayed in monitoring for 1 d 1 h (until "
            "12:00 UTC); resolve it once the fix holds (threshold 1 d) [monitoring-too-long]") in findings(site)
    relaxed = QUIET.replace("[audit.rules]", '[policy.communication]\nmonitoring_longer_than = "2d"\nfirst_update_within = "30m"\n'
                                              'cadence_sev1 = "1h"\n\n[audit.rules]')
    site = make_site({P + "2026-03-02-payments.md": text}, config=relaxed, name="relaxed")
    # the 25 h wait in monitoring is still a gap against the cadence: readers waited that long
    assert [f.rsplit("[", 1)[1] for f in findings(site)] == ["update-gap]", "promise-missed]"]


def test_effective_from_exempts_old_incidents_from_timing_but_not_wording(make_site: SiteMaker) -> None:
    text = TIMED.replace("We found the faulty change", "Engineer Marlin's change broke it. We found the faulty change")
    config = QUIET.replace("[audit.rules]", "[policy.communication]\neffective_from = 2026-03-05\n\n[audit.rules]")
    site = make_site({P + "2026-03-02-payments.md": text}, config=config)
    assert [f.rsplit("[", 1)[1] for f in findings(site)] == ["blame-person]"]


def test_a_marker_suppresses_one_finding_in_its_update_and_is_not_published(make_site: SiteMaker, tmp_path: Path) -> None:
    text = TIMED.replace("We are investigating failed payments.",
                         "We are investigating failed payments; we think it is the card network.\n\n"
                         "<!-- statusgen-ignore speculation: the card network confirmed it to us at 09:20 -->\n")
    site = make_site({P + "2026-03-02-payments.md": text}, config=QUIET)
    out = findings(site)
    assert not any("[speculation]" in f for f in out)
    result = build_at(site, tmp_path / "out")
    page = (tmp_path / "out/incidents/2026-03-02-payments/index.html").read_text()
    assert result.ok and "statusgen-ignore" not in page and "card network confirmed" not in page
    assert "we think it is the card network" in BeautifulSoup(page, "html.parser").get_text()


def test_markers_that_are_wrong_or_stale_are_reported(make_site: SiteMaker) -> None:
    text = TIMED.replace("Payments work again.", "Payments work again.\n\n<!-- statusgen-ignore speculation: no longer needed -->\n"
                         "<!-- statusgen-ignore speculaton: typo -->\n<!-- statusgen-ignore jargon -->\n")
    site = make_site({P + "2026-03-02-payments.md": text}, config=QUIET)
    out = [f for f in findings(site) if "marker" in f]
    assert out == [
        "content/incidents/2026-03-02-payments.md:15:1: warning: this marker suppresses no 'speculation' finding in its "
        "section; remove it [marker-unused]",
        "content/incidents/2026-03-02-payments.md:16:1: error: 'speculaton' is not a rule that can be suppressed ('statusgen "
        "rules' lists them); write <!-- statusgen-ignore RULE: why this finding does not apply --> [marker-invalid]",
        "content/incidents/2026-03-02-payments.md:17:1: error: the marker for 'jargon' gives no reason; write <!-- "
        "statusgen-ignore RULE: why this finding does not apply --> [marker-invalid]",
    ]


def test_configuration_turns_rules_off_changes_severity_and_adds_words(make_site: SiteMaker) -> None:
    text = """\
    ---
    title: Payments failing
    severity: sev1
    state: investigating
    started: 2026-03-02T09:00:00Z
    components:
      api: major_outage
    ---

    ## 2026-03-02 09:52 UTC — Investigating

    We reckon Kestrel Quay saw it on db7.ops.example. We are still looking.

    ## 2026-03-02 09:22 UTC — Investigating

    We are investigating failed payments. Next update by 09:45 UTC.
    """
    config = QUIET + """update-gap = "off"
first-update-late = "note"
stale-incident = "off"
speculation = "error"

[audit]
people = ["Kestrel Quay"]
internal_domains = ["ops.example"]

[audit.phrases]
speculation = ["we reckon"]
"""
    site = make_site({P + "2026-03-02-payments.md": text}, config=config)
    assert sorted(f.split(": ", 2)[1] + " " + f.rsplit("[", 1)[1] for f in findings(site)) == [
        "error blame-person]", "error internal-host]", "error speculation]",
        "note first-update-late]", "warning promise-missed]",
    ]


def test_bad_audit_configuration_is_reported_at_its_line(make_site: SiteMaker) -> None:
    config = CONFIG + '\n[audit.rules]\nspeculaton = "off"\njargon = "loud"\n\n[audit.phrases]\nip-address = ["x"]\n'
    loaded = load(make_site({}, config=config))
    assert [d.format() for d in loaded.diagnostics] == [
        "statusgen.toml:24:1: error: audit.rules names 'speculaton', which is not a rule; did you mean 'speculation'?; "
        "'statusgen rules' lists them [config-unknown-rule]",
        "statusgen.toml:25:1: error: audit.rules.jargon must be one of off, note, warning, error, found the string 'loud' "
        "[config-value]",
        "statusgen.toml:28:1: error: rule 'ip-address' takes no phrases; these do: speculation, eta-promise, "
        "performative-apology, passive-evasion [config-value]",
    ]


def test_check_lint_and_rules_commands(make_site: SiteMaker, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(NOW.timestamp())))
    leaky = TIMED.replace("Payments work again.", "Payments work again after we restarted 10.1.2.3.")
    site = make_site({P + "2026-03-02-payments.md": TIMED, P + "2026-03-03-leaky.md": leaky.replace("Payments failing", "Leaky")},
                     config=QUIET)
    assert main(["check", "-s", str(site), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    codes = {(d["file"].rsplit("/", 1)[1], d["code"], d["severity"]) for d in data["diagnostics"]}
    assert ("2026-03-03-leaky.md", "ip-address", "error") in codes
    assert ("2026-03-02-payments.md", "update-gap", "warning") in codes

    assert main(["lint", str(site / P / "2026-03-02-payments.md")]) == 0
    out = capsys.readouterr().out
    assert "leaky" not in out and "[update-gap]" in out and out.endswith("ok: 0 errors, 3 warnings, 0 notes\n")
    assert main(["lint", str(site / P / "2026-03-03-leaky.md"), "--format", "github"]) == 1
    assert "::error file=content/incidents/2026-03-03-leaky.md,line=13,col=40,title=ip-address::" in capsys.readouterr().out
    (site / P / "2026-03-04-broken.md").write_text("---\ntitle: Broken\n---\n")
    assert main(["lint", str(site / P / "2026-03-02-payments.md")]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "content/incidents/2026-03-02-payments.md:0:0: note: 3 errors in other files stopped the site from loading, so this "
        "file was only validated, not audited; run statusgen check [site-not-loaded]", "failed: 0 errors, 0 warnings, 1 notes"]
    assert main(["lint", str(site / "statusgen.toml")]) == 2
    assert "is not under" in capsys.readouterr().err

    assert main(["rules"]) == 0
    listing = capsys.readouterr().out
    assert listing.splitlines()[0].split()[:2] == ["first-update-late", "warning"] and "credential" in listing
    assert main(["rules", "speculation"]) == 0
    assert capsys.readouterr().out.startswith("speculation (warning by default, wording): ")
    assert main(["rules", "speculaton"]) == 2
    assert "did you mean 'speculation'?" in capsys.readouterr().err


def test_check_passes_the_whole_site_when_only_warnings(make_site: SiteMaker) -> None:
    site = make_site({P + "2026-03-02-payments.md": TIMED}, config=QUIET)
    diagnostics, ok = check(site, NOW)
    assert ok and diagnostics and all(d.severity.value == "warning" for d in diagnostics)
    assert not check(site, NOW, strict=True)[1]


def test_internal_report_is_built_only_on_request_and_never_listed(make_site: SiteMaker, tmp_path: Path) -> None:
    site = make_site({P + "2026-03-02-payments.md": TIMED}, config=QUIET)
    public = build_at(site, tmp_path / "public")
    assert public.ok and not (tmp_path / "public/internal").exists()
    internal = build_at(site, tmp_path / "internal", internal=True)
    assert internal.ok
    page = BeautifulSoup((tmp_path / "internal/internal/communication/index.html").read_text(), "html.parser")
    assert page.find("meta", attrs={"name": "robots"})["content"] == "noindex, nofollow"
    (row,) = page.select("table.publication tbody tr")
    cells = [td.get_text(" ", strip=True) for td in row.select("td")]
    assert cells[0].startswith("Payments failing") and cells[2] == "22 min Late" and cells[3] == "48 min Too long"
    assert cells[4] == "0 of 1 kept" and "update-gap" in cells[5] and "promise-missed" in cells[5]
    assert "internal" not in (tmp_path / "internal/sitemap.xml").read_text()


def test_first_update_fact_is_shown_for_every_incident_when_the_site_chooses(make_site: SiteMaker, tmp_path: Path) -> None:
    def fact(config: str, out: str) -> str | None:
        site = make_site({P + "2026-03-02-payments.md": TIMED}, config=config, name=f"site-{out}")
        assert build_at(site, tmp_path / out).ok
        page = BeautifulSoup((tmp_path / out / "incidents/2026-03-02-payments/index.html").read_text(), "html.parser")
        found = [dt for dt in page.select(".facts dt") if dt.get_text() == "First update"]
        return found[0].find_next_sibling("dd").get_text() if found else None

    assert fact(QUIET, "default") is None
    shown = QUIET.replace("[audit.rules]", "[policy.communication]\nshow_first_update = true\n\n[audit.rules]")
    # shown even though it was late: publishing only the flattering figures is what the doctrine forbids
    assert fact(shown, "shown") == "22 min after it started"
