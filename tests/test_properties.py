"""Property tests: any input yields a model or diagnostics, never an exception."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statusgen.config import load_config
from statusgen.sources import ConfigSource, ContentKind, split_front_matter
from statusgen.timeline import parse_timeline
from statusgen.validate import validate_incident, validate_postmortem
from tests.conftest import CONFIG, load, write_site

FIELDS = ["title", "severity", "state", "started", "resolved", "components", "kind", "postmortem", "summary",
          "scheduled_start", "scheduled_end", "incidents", "published"]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30),
    st.sampled_from(["sev1", "sev4", "resolved", "maintenance", "2026-03-02T14:00:00Z", "2026-02-30T10:00:00Z",
                     "2026-03-02", "api", "under_maintenance", "partial_outage"]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                      st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=6)
HEADINGS = st.one_of(
    st.text(max_size=40),
    st.builds(lambda d, s: f"{d} — {s}",
              st.sampled_from(["2026-03-02 14:05 UTC", "2026-03-02 14:05", "2026-13-02 14:05 UTC", "2026-03-02T14:05Z"]),
              st.sampled_from(["Resolved", "Identified", "Completed", "fixed", ""])),
)


def yaml_scalar(value: object) -> str:
    import json

    return json.dumps(value, default=str)


@st.composite
def documents(draw: st.DrawFn) -> str:
    fields = draw(st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=8))
    front = "\n".join(f"{key}: {yaml_scalar(value)}" for key, value in fields.items())
    headings = draw(st.lists(HEADINGS, max_size=3))
    body = "\n\n".join(f"## {h}\n\n{draw(st.text(max_size=40))}" for h in headings)
    if draw(st.booleans()):
        body = "Components: " + draw(st.text(max_size=30)) + "\n\n" + body
    raw = draw(st.text(max_size=60))
    return draw(st.sampled_from([f"---\n{front}\n---\n{body}", raw, f"---\n{raw}\n---\n{body}"]))


_config, _ = load_config(ConfigSource("statusgen.toml", CONFIG))
assert _config is not None
CONFIG_MODEL = _config


@settings(max_examples=300, deadline=None)
@given(documents())
def test_incident_files_yield_model_or_diagnostics(text: str) -> None:
    split = split_front_matter("content/incidents/x.md", ContentKind.INCIDENT, "x", text)
    if not hasattr(split, "front_matter"):
        return  # a diagnostic already
    item, diagnostics = validate_incident(split, CONFIG_MODEL)  # type: ignore[arg-type]
    assert item is not None or any(d.severity.value == "error" for d in diagnostics)
    for d in diagnostics:
        assert d.line >= 1 and d.column >= 1


@settings(max_examples=200, deadline=None)
@given(documents())
def test_postmortem_files_yield_model_or_diagnostics(text: str) -> None:
    split = split_front_matter("content/postmortems/x.md", ContentKind.POSTMORTEM, "x", text)
    if not hasattr(split, "front_matter"):
        return
    postmortem, diagnostics, _ = validate_postmortem(split)  # type: ignore[arg-type]
    assert postmortem is not None or diagnostics


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_body_parses_into_a_timeline_or_diagnostics(body: str) -> None:
    timeline, problems = parse_timeline("x.md", body, 5)
    assert all(p.line >= 5 for p in problems)
    assert all(u.line >= 5 for u in timeline.updates)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_config_text_yields_config_or_diagnostics(text: str) -> None:
    config, diagnostics = load_config(ConfigSource("statusgen.toml", text))
    assert config is not None or diagnostics


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(documents(), min_size=1, max_size=3))
def test_whole_site_loads_or_reports(tmp_path_factory: object, texts: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        files = {f"content/incidents/i{n}.md": t for n, t in enumerate(texts)}
        files["content/postmortems/p.md"] = texts[0]
        root = write_site(Path(folder), {})
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
        loaded = load(root)
        assert loaded.site is not None or loaded.diagnostics
