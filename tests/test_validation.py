"""Every validation rule, with the exact diagnostic a user sees and its line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import statusgen.content
from statusgen.sources import ContentFile, ContentKind, in_path_order
from tests.conftest import RESOLVED_INCIDENT, SiteMaker, load, messages, write_site

INC = "content/incidents/2026-03-02-api.md"
PM = "content/postmortems/2026-03-api.md"


def errors_for(make_site: SiteMaker, text: str, path: str = INC, extra: dict[str, str] | None = None) -> list[str]:
    loaded = load(make_site({path: text, **(extra or {})}))
    assert loaded.site is None, "expected the site to be refused"
    return messages(loaded)


def test_valid_incident_has_no_diagnostics(make_site: SiteMaker) -> None:
    loaded = load(make_site({INC: RESOLVED_INCIDENT}))
    assert messages(loaded) == []
    assert loaded.site is not None
    assert [i.slug for i in loaded.site.incidents] == ["2026-03-02-api"]


def test_yaml_that_does_not_parse(make_site: SiteMaker) -> None:
    text = "---\ntitle: Broken\nseverity: [sev2\nstate: resolved\n---\n"
    assert errors_for(make_site, text) == [
        f"{INC}:4:6: error: front matter is not valid YAML: did not find expected ',' or ']' "
        "(while parsing a flow sequence) [yaml-syntax]"
    ]


def test_front_matter_missing(make_site: SiteMaker) -> None:
    assert errors_for(make_site, "# Just Markdown\n") == [
        f"{INC}:1:1: error: front matter is missing: the file must start with a line '---', "
        "then YAML fields, then '---' [front-matter-missing]"
    ]


def test_front_matter_not_a_mapping(make_site: SiteMaker) -> None:
    assert errors_for(make_site, "---\n- a\n- b\n---\n") == [
        f"{INC}:2:1: error: front matter must be a mapping of fields ('name: value' lines), found a list [front-matter-type]"
    ]


def test_front_matter_unclosed(make_site: SiteMaker) -> None:
    assert errors_for(make_site, "---\ntitle: x\n") == [
        f"{INC}:1:1: error: front matter is not closed: expected a second line '---' after the YAML fields [front-matter-unclosed]"
    ]


def test_file_not_utf8(make_site: SiteMaker) -> None:
    root = make_site()
    target = root / INC
    target.parent.mkdir(parents=True)
    target.write_bytes(b"---\ntitle: caf\xe9\n---\n")
    loaded = load(root)
    assert messages(loaded) == [
        f"{INC}:2:11: error: file is not valid UTF-8: byte 0xe9 cannot be decoded; save the file as UTF-8 [encoding]"
    ]


def test_a_file_that_cannot_be_read_is_reported_not_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_site(tmp_path / "site", {})
    gone = ContentFile(INC, ContentKind.INCIDENT, "gone", str(root / INC))  # listed, then removed before it was read
    monkeypatch.setattr(statusgen.content, "content_files", lambda site_dir: [gone])
    assert messages(load(root)) == [f"{INC}:1:1: error: the file cannot be read: No such file or directory [file-unreadable]"]


def test_empty_file(make_site: SiteMaker) -> None:
    assert errors_for(make_site, "") == [
        f"{INC}:1:1: error: file is empty; expected front matter between '---' lines, then Markdown [file-empty]"
    ]


def test_missing_required_fields(make_site: SiteMaker) -> None:
    text = "---\ntitle: Something\n---\n"
    assert errors_for(make_site, text) == [
        f"{INC}:1:1: error: severity is required: add 'severity: sev2' to the front matter [missing-field]",
        f"{INC}:1:1: error: started is required: add 'started: 2026-03-02T14:05:00Z' to the front matter [missing-field]",
        f"{INC}:1:1: error: state is required: add 'state: investigating' to the front matter [missing-field]",
        f"{INC}:1:1: warning: incident names no components: the overview cannot show what it affects [no-components]",
    ]


def test_unknown_field_warns_and_strict_refuses(make_site: SiteMaker) -> None:
    text = RESOLVED_INCIDENT.replace("severity: sev2\n", "severity: sev2\nseverty: sev1\n")
    root = make_site({INC: text})
    loaded = load(root)
    assert loaded.site is not None
    assert messages(loaded) == [
        f"{INC}:4:1: warning: unknown field 'severty'; it is ignored; did you mean 'severity'? [unknown-field]"
    ]
    assert load(root, strict=True).site is None


def test_wrong_type(make_site: SiteMaker) -> None:
    text = RESOLVED_INCIDENT.replace("title: Elevated API errors", "title: [a, b]")
    assert errors_for(make_site, text) == [f"{INC}:2:8: error: title must be text (got a list) [field-type]"]


def test_unknown_severity_state_impact_kind(make_site: SiteMaker) -> None:
    text = (RESOLVED_INCIDENT.replace("severity: sev2", "severity: sev4")
            .replace("api: partial_outage", "api: partial"))
    assert errors_for(make_site, text) == [
        f"{INC}:3:11: error: severity must be one of sev1, sev2, sev3 (got 'sev4'); did you mean 'sev3'? [severity-value]",
        f"{INC}:8:8: error: impact of component 'api' must be one of degraded_performance, partial_outage, "
        "major_outage (got 'partial'); did you mean 'partial_outage'? [impact-value]",
    ]
    text = RESOLVED_INCIDENT.replace("state: resolved", "state: fixed")
    assert errors_for(make_site, text)[0] == (
        f"{INC}:4:8: error: state must be one of investigating, identified, monitoring, resolved (got 'fixed') [state-value]"
    )
    text = RESOLVED_INCIDENT.replace("title: Elevated API errors", "title: X\nkind: outage")
    assert errors_for(make_site, text) == [
        f"{INC}:3:7: error: kind must be one of incident, maintenance (got 'outage') [kind-value]"
    ]


def test_unknown_component_suggests(make_site: SiteMaker) -> None:
    text = RESOLVED_INCIDENT.replace("  api: partial_outage", "  apii: partial_outage")
    assert errors_for(make_site, text) == [
        f"{INC}:8:3: error: component 'apii' is not declared in statusgen.toml; did you mean 'api'? [unknown-component]"
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-02T14:00:00", "started must be a date and time with an offset (Z, UTC or +01:00); the time has none "
                                "(got '2026-03-02T14:00:00')"),
        ("2026-03-02", "started must be a date and time with an offset, such as 2026-03-02T14:05:00Z (got '2026-03-02')"),
        ("yesterday", "started must be a date and time with an offset, such as 2026-03-02T14:05:00Z (got 'yesterday')"),
        ("2026-02-30T10:00:00Z", "started must be a real date and time (day is out of range for month) "
                                 "(got '2026-02-30T10:00:00Z')"),
    ],
)
def test_bad_timestamps(make_site: SiteMaker, value: str, expected: str) -> None:
    text = RESOLVED_INCIDENT.replace("started: 2026-03-02T14:00:00Z", f"started: {value}")
    assert errors_for(make_site, text) == [f"{INC}:5:10: error: {expected} [timestamp]"]


def test_resolved_before_started(make_site: SiteMaker) -> None:
    text = RESOLVED_INCIDENT.replace("resolved: 2026-03-02T15:30:00Z", "resolved: 2026-03-02T13:00:00Z")
    assert errors_for(make_site, text)[0] == (
        f"{INC}:6:11: error: resolved (2026-03-02 13:00 UTC) is before started (2026-03-02 14:00 UTC) [resolved-before-started]"
    )


def test_update_outside_started_resolved(make_site: SiteMaker) -> None:
    text = (RESOLVED_INCIDENT.replace("## 2026-03-02 14:05 UTC — Investigating", "## 2026-03-02 13:55 UTC — Investigating")
            .replace("## 2026-03-02 15:30 UTC — Resolved", "## 2026-03-02 15:45 UTC — Resolved"))
    assert errors_for(make_site, text) == [
        f"{INC}:11:4: error: update at 2026-03-02 15:45 UTC is after the incident was resolved (2026-03-02 15:30 UTC) "
        "[update-after-resolved]",
        f"{INC}:15:4: error: update at 2026-03-02 13:55 UTC is before the incident started (2026-03-02 14:00 UTC) "
        "[update-before-started]",
    ]


def test_two_updates_at_the_same_time(make_site: SiteMaker) -> None:
    text = RESOLVED_INCIDENT.replace("## 2026-03-02 14:05 UTC — Investigating", "## 2026-03-02 15:30 UTC — Investigating")
    assert errors_for(make_site, text) == [
        f"{INC}:15:4: error: two updates at 2026-03-02 15:30 UTC (the other is on line 11); each update needs its own time "
        "[update-duplicate-time]"
    ]


def test_state_disagrees_with_latest_update(make_site: SiteMaker) -> None:
    text = RESOLVED_INCIDENT.replace("## 2026-03-02 15:30 UTC — Resolved", "## 2026-03-02 15:30 UTC — Monitoring")
    assert errors_for(make_site, text) == [
        f"{INC}:4:8: error: state is 'resolved' but the latest update (2026-03-02 15:30 UTC, line 11) says 'monitoring'; "
        "they must agree [state-mismatch]"
    ]


def test_resolved_set_while_not_resolved_and_the_reverse(make_site: SiteMaker) -> None:
    text = RESOLVED_INCIDENT.replace("state: resolved", "state: monitoring").replace(
        "## 2026-03-02 15:30 UTC — Resolved", "## 2026-03-02 15:30 UTC — Monitoring")
    assert errors_for(make_site, text) == [
        f"{INC}:6:11: error: resolved is set but state is 'monitoring': set state: resolved, or remove resolved "
        "[resolved-not-resolved]"
    ]
    text = RESOLVED_INCIDENT.replace("resolved: 2026-03-02T15:30:00Z\n", "")
    assert errors_for(make_site, text) == [
        f"{INC}:4:8: error: state is 'resolved' but resolved is not set: add 'resolved:' with the time it was resolved "
        "[resolved-missing]"
    ]


def test_update_heading_that_does_not_parse(make_site: SiteMaker) -> None:
    text = RESOLVED_INCIDENT.replace("## 2026-03-02 14:05 UTC — Investigating", "## Investigating at 14:05")
    assert errors_for(make_site, text) == [
        f"{INC}:15:4: error: update heading 'Investigating at 14:05' does not parse: expected "
        "'YYYY-MM-DD HH:MM UTC — State', for example '## 2026-03-02 14:05 UTC — Identified' [update-heading]"
    ]


def test_update_heading_without_offset_and_unknown_state(make_site: SiteMaker) -> None:
    text = (RESOLVED_INCIDENT.replace("## 2026-03-02 14:05 UTC — Investigating", "## 2026-03-02 14:05 — Investigating")
            .replace("## 2026-03-02 15:30 UTC — Resolved", "## 2026-03-02 15:30 UTC — Fixed"))
    assert errors_for(make_site, text) == [
        f"{INC}:11:27: error: update state must be one of Investigating, Identified, Monitoring, Resolved (got 'Fixed') "
        "[update-state]",
        f"{INC}:15:4: error: update heading time '2026-03-02 14:05' must be a date and time with an offset "
        "(Z, UTC or +01:00); the time has none [update-time]",
    ]


def test_components_line_errors(make_site: SiteMaker) -> None:
    text = RESOLVED_INCIDENT.replace(
        "The API is working normally again.",
        "Components: api=fine, dashboard=operational, web\n\nThe API is working normally again.")
    assert errors_for(make_site, text) == [
        f"{INC}:13:17: error: impact of component 'api' must be one of degraded_performance, partial_outage, "
        "major_outage, operational (got 'fine') [impact-value]",
        f"{INC}:13:23: error: component 'dashboard' is not declared in statusgen.toml [unknown-component]",
        f"{INC}:13:46: error: component change 'web' does not parse: expected 'component=impact', "
        "for example 'Components: api=operational, dashboard=degraded_performance' [components-line]",
    ]


def test_postmortem_naming_unknown_incident(make_site: SiteMaker) -> None:
    pm = "---\ntitle: PM\nincidents: [2026-03-02-apx]\npublished: 2026-03-04T10:00:00Z\nsummary: S.\n---\nBody\n"
    assert errors_for(make_site, pm, PM, {INC: RESOLVED_INCIDENT}) == [
        f"{PM}:3:1: error: incidents names '2026-03-02-apx', but there is no content/incidents/2026-03-02-apx.md; "
        "did you mean '2026-03-02-api'? [postmortem-unknown-incident]"
    ]


def test_incident_and_postmortem_naming_different_partners(make_site: SiteMaker) -> None:
    other = RESOLVED_INCIDENT.replace("Elevated API errors", "Other")
    incident = RESOLVED_INCIDENT.replace("severity: sev2", "severity: sev2\npostmortem: 2026-03-api")
    pm = "---\ntitle: PM\nincidents: [2026-03-05-other]\npublished: 2026-03-06T10:00:00Z\nsummary: S.\n---\n"
    files = {INC: incident, "content/incidents/2026-03-05-other.md": other, PM: pm}
    loaded = load(make_site(files))
    assert messages(loaded) == [
        f"{PM}:1:1: error: incident '2026-03-02-api' names this postmortem, but its incidents ['2026-03-05-other'] "
        "do not include '2026-03-02-api' [postmortem-mismatch]"
    ]


def test_two_postmortems_claim_one_incident(make_site: SiteMaker) -> None:
    pm = "---\ntitle: PM\nincidents: [2026-03-02-api]\npublished: 2026-03-04T10:00:00Z\nsummary: S.\n---\n"
    files = {INC: RESOLVED_INCIDENT, PM: pm, "content/postmortems/2026-03-api-again.md": pm}
    assert messages(load(make_site(files))) == [
        f"{PM}:3:1: error: incident '2026-03-02-api' is already covered by postmortem '2026-03-api-again' "
        "(content/postmortems/2026-03-api-again.md); an incident has one postmortem [postmortem-duplicate]"
    ]


def test_incident_naming_missing_postmortem(make_site: SiteMaker) -> None:
    text = RESOLVED_INCIDENT.replace("severity: sev2", "severity: sev2\npostmortem: 2026-03-apj")
    assert errors_for(make_site, text) == [
        f"{INC}:4:13: error: postmortem names '2026-03-apj', but there is no content/postmortems/2026-03-apj.md "
        "[incident-unknown-postmortem]"
    ]


def test_slug_outside_allowed_characters(make_site: SiteMaker) -> None:
    path = "content/incidents/2026_03_02 API.md"
    assert errors_for(make_site, RESOLVED_INCIDENT, path) == [
        f"{path}:1:1: error: file name '2026_03_02 API' must be a slug of lowercase letters, digits and single hyphens "
        "(it becomes the page's URL), such as '2026-03-02-api-errors' [slug]"
    ]


def test_two_files_one_output_path(make_site: SiteMaker) -> None:
    files = {INC: RESOLVED_INCIDENT, "content/incidents/2026/2026-03-02-api.md": RESOLVED_INCIDENT}
    assert messages(load(make_site(files))) == [
        f"{INC}:1:1: error: '2026-03-02-api' is also the slug of content/incidents/2026/2026-03-02-api.md: both would be "
        "written to /incidents/2026-03-02-api/; rename one of them [duplicate-slug]"
    ]


def test_warnings_resolved_without_updates_and_no_components(make_site: SiteMaker) -> None:
    text = "---\ntitle: Quiet\nseverity: sev3\nstate: resolved\nstarted: 2026-03-02T14:00:00Z\nresolved: 2026-03-02T14:10:00Z\n---\n"
    loaded = load(make_site({INC: text}))
    assert loaded.site is not None
    assert messages(loaded) == [
        f"{INC}:1:1: warning: incident names no components: the overview cannot show what it affects [no-components]",
        f"{INC}:1:1: warning: resolved incident has no updates: readers will see no timeline [no-updates]",
    ]


def test_every_problem_in_every_file_is_reported(make_site: SiteMaker) -> None:
    files = {
        INC: RESOLVED_INCIDENT.replace("severity: sev2", "severity: high"),
        "content/incidents/2026-03-03-web.md": RESOLVED_INCIDENT.replace("state: resolved", "state: done"),
        PM: "---\ntitle: [x\n---\n",
    }
    codes = [d.code for d in load(make_site(files)).diagnostics]
    assert codes == ["severity-value", "state-value", "yaml-syntax"]


def test_maintenance_rules(make_site: SiteMaker) -> None:
    text = (
        "---\ntitle: DB upgrade\nkind: maintenance\nstate: scheduled\nstarted: 2026-03-01T00:00:00Z\n"
        "scheduled_start: 2026-03-12T02:00:00Z\nscheduled_end: 2026-03-12T01:00:00Z\ncomponents:\n  api: major_outage\n---\n"
    )
    assert errors_for(make_site, text) == [
        f"{INC}:5:1: error: started does not apply to maintenance: the window is scheduled_start to scheduled_end, and the "
        "'In progress' and 'Completed' updates record when it really ran [field-not-allowed]",
        f"{INC}:7:16: error: scheduled_end (2026-03-12 01:00 UTC) must be after scheduled_start (2026-03-12 02:00 UTC) "
        "[window-order]",
        f"{INC}:9:8: error: impact of component 'api' must be one of under_maintenance (got 'major_outage') [impact-value]",
    ]


def test_duplicate_yaml_key(make_site: SiteMaker) -> None:
    text = RESOLVED_INCIDENT.replace("severity: sev2", "severity: sev2\nseverity: sev1")
    assert errors_for(make_site, text) == [
        f"{INC}:4:1: error: 'severity' is given twice (first on line 3); keep one [duplicate-key]"
    ]


@given(st.lists(st.lists(st.sampled_from(["a", "a-b", "b", "2026", "2026-03", "x.md", "a.md", "b-c.md"]), min_size=1, max_size=3)
                .map("/".join), unique=True))
def test_content_files_are_taken_folder_by_folder(names: list[str]) -> None:
    """A folder's files come together, in name order, whether the folder is flat (sorted as they are) or not."""
    assert in_path_order(names) == sorted(names, key=lambda name: name.split("/"))
