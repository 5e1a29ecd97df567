"""statusgen init and list: a new site that builds and checks clean, a workflow
that does what the docs promise, and the pre-commit hook this repository offers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from statusgen.build import build
from statusgen.check import check
from statusgen.cli import main
from statusgen.scaffold import InitError, init_site

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_init_creates_a_site_that_builds_and_checks_clean(tmp_path: Path) -> None:
    site = tmp_path / "status"
    created = init_site(site, title='Acme "Cloud" Status', base_url="https://acme.github.io/status/", install="statusgen", now=NOW)
    assert "statusgen.toml" in created.paths and ".github/workflows/status.yml" in created.paths
    result = build(site, now=NOW)
    assert result.ok and not result.diagnostics, [d.format() for d in result.diagnostics]
    page = BeautifulSoup((site / "output/index.html").read_text(), "html.parser")
    assert page.title is not None and page.title.get_text() == 'Acme "Cloud" Status'
    diagnostics, ok = check(site, NOW, strict=True)
    assert ok and diagnostics == []
    toml = (site / "statusgen.toml").read_text()
    assert "# timezone = \"UTC\"" in toml and "# cadence_sev1 = \"30m\"" in toml  # defaults shown, commented
    assert "/output/" in (site / ".gitignore").read_text().splitlines()


def test_workflow_checks_pull_requests_deploys_main_and_rebuilds_on_a_schedule(tmp_path: Path) -> None:
    init_site(tmp_path, title="Status", base_url="https://status.example.com/", install="git+https://example.com/statusgen",
              now=NOW)
    workflow = yaml.safe_load((tmp_path / ".github/workflows/status.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key "on" as true
    assert set(triggers) == {"pull_request", "push", "schedule", "workflow_dispatch"}
    assert triggers["push"]["branches"] == ["main"] and triggers["schedule"][0]["cron"]
    check_job, deploy = workflow["jobs"]["check"], workflow["jobs"]["deploy"]
    assert check_job["if"] == "github.event_name == 'pull_request'"
    runs = [step.get("run") for step in check_job["steps"]]
    assert 'pip install "git+https://example.com/statusgen"' in runs and "statusgen check --format github" in runs
    assert deploy["if"] == "github.event_name != 'pull_request'"
    assert deploy["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    uses = [step.get("uses", "") for step in deploy["steps"]]
    assert [u.split("@")[0] for u in uses if u.startswith("actions/") and "pages" in u] == [
        "actions/configure-pages", "actions/upload-pages-artifact", "actions/deploy-pages"]
    upload = next(s for s in deploy["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "output"
    assert "statusgen build" in [s.get("run") for s in deploy["steps"]]
    steps = [s.get("uses", s.get("run", "")) for s in deploy["steps"]]
    cache = next(s for s in deploy["steps"] if s.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["path"].split() == [".statusgen-cache", "output", ".output.spare"]
    assert steps.index(cache["uses"]) < steps.index("statusgen build")
    assert deploy["environment"]["url"] == "${{ steps.deployment.outputs.page_url }}"


def test_init_never_replaces_files_but_extends_a_gitignore(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".gitignore").write_text("node_modules/\n")
    init_site(tmp_path, title="Status", base_url="https://status.example.com/", install="statusgen", now=NOW)
    assert (tmp_path / ".gitignore").read_text().splitlines()[:2] == ["node_modules/", "/output/"]
    before = (tmp_path / "statusgen.toml").read_text()
    with pytest.raises(InitError, match=r"already has statusgen\.toml"):
        init_site(tmp_path, title="Other", base_url="https://other.example.com/", install="statusgen", now=NOW)
    assert (tmp_path / "statusgen.toml").read_text() == before
    assert main(["init", str(tmp_path)]) == 2
    assert "init only creates new sites" in capsys.readouterr().err


def test_list_shows_state_severity_and_age(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(datetime(2026, 11, 22, 21, 0, tzinfo=UTC).timestamp())))
    assert main(["list", "-s", str(REPO), "--open"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["STATE", "SEVERITY", "AGE", "SLUG", "TITLE"]
    assert lines[1].split()[:5] == ["identified", "sev2", "2", "h", "20"]
    assert lines[1].endswith("2026-11-22-payment-confirmations-delayed  Payment confirmations delayed")
    assert len(lines) == 2
    assert main(["list", "-s", str(REPO)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 17  # header + 16 incidents


def test_this_repository_offers_a_pre_commit_hook() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "statusgen-check" and hook["entry"] == "statusgen check"
    assert hook["language"] == "python" and hook["pass_filenames"] is False
