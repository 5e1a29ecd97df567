"""The command line: exit codes, messages, and never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

import statusgen.cli
from statusgen import __version__
from statusgen.cli import main
from statusgen.cli import run as run_command
from tests.conftest import RESOLVED_INCIDENT, SiteMaker
from tests.site_checks import tree_bytes


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1773144000"}
    return subprocess.run([sys.executable, "-m", "statusgen", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)


def test_build_success_prints_one_summary_line(make_site: SiteMaker) -> None:
    root = make_site({"content/incidents/2026-03-02-api.md": RESOLVED_INCIDENT})
    result = run("build", "-s", str(root))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    # 9 pages of history and archive, the publication index, and reports: index, 2026, January to March
    assert lines[0].startswith("Built 15 pages (")
    assert lines[0].endswith(f"-> {root / 'output'}/index.html")
    # the sev2 owes a postmortem, due 7 March: the build says so and still succeeds
    assert result.stderr.splitlines() == [
        "content/incidents/2026-03-02-api.md:6:1: note: the postmortem for 'Elevated API errors' was due by 7 March 2026 "
        "(2 days ago; required: sev2, outage of 1 h 30 min): publish one in content/postmortems/ naming '2026-03-02-api', "
        "or add postmortem_waived: \"reason\" [postmortem-overdue]"]


def test_content_error_exits_1_without_traceback_and_keeps_output(make_site: SiteMaker) -> None:
    root = make_site({"content/incidents/2026-03-02-api.md": RESOLVED_INCIDENT})
    assert run("build", "-s", str(root)).returncode == 0
    before = tree_bytes(root / "output")
    (root / "content/incidents/2026-03-02-api.md").write_text(RESOLVED_INCIDENT.replace("sev2", "sev9"))
    result = run("build", "-s", str(root))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "content/incidents/2026-03-02-api.md:3:11: error: severity must be one of sev1, sev2, sev3 (got 'sev9'); "
        "did you mean 'sev3'? [severity-value]",
        f"statusgen: build failed with 1 error; {root / 'output'} was left unchanged",
    ]
    assert tree_bytes(root / "output") == before


def test_strict_turns_warnings_into_failure(make_site: SiteMaker) -> None:
    text = RESOLVED_INCIDENT.replace("severity: sev2", "severity: sev2\nowner: team-a")
    root = make_site({"content/incidents/2026-03-02-api.md": text})
    assert run("build", "-s", str(root)).returncode == 0
    result = run("build", "-s", str(root), "--strict")
    assert result.returncode == 1
    assert "warning: unknown field 'owner'" in result.stderr


def test_output_and_base_url_options(make_site: SiteMaker, tmp_path: Path) -> None:
    root = make_site({"content/incidents/2026-03-02-api.md": RESOLVED_INCIDENT})
    out = tmp_path / "public"
    result = run("build", "-s", str(root), "-o", str(out), "--base-url", "https://example.github.io/status/")
    assert result.returncode == 0, result.stderr
    assert "<loc>https://example.github.io/status/</loc>" in (out / "sitemap.xml").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "--no-such-flag"], "unrecognized arguments"),
        (["frobnicate"], "invalid choice"),
        ([], "usage:"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr


def test_missing_site_dir_is_a_usage_error(tmp_path: Path) -> None:
    result = run("build", "-s", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr


def test_directory_without_config_is_a_content_error(tmp_path: Path) -> None:
    result = run("build", "-s", str(tmp_path))
    assert result.returncode == 1
    assert "error: no statusgen.toml" in result.stderr


def test_foreign_output_directory_is_a_usage_error(make_site: SiteMaker, tmp_path: Path) -> None:
    root = make_site({"content/incidents/2026-03-02-api.md": RESOLVED_INCIDENT})
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "keep.md").write_text("x")
    result = run("build", "-s", str(root), "-o", str(tmp_path / "docs"))
    assert result.returncode == 2
    assert "refusing to replace it" in result.stderr
    assert (tmp_path / "docs" / "keep.md").is_file()


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"statusgen {__version__}"


def test_after_a_build_the_command_ends_without_freeing_what_the_build_made(
        make_site: SiteMaker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from statusgen.build import Prepared
    from statusgen.cache import ValidationCache

    root = make_site({"content/incidents/2026-03-02-api.md": RESOLVED_INCIDENT})
    left: list[object] = []
    assert main(["build", "-s", str(root)], left=left) == 0
    assert [type(kept) for kept in left] == [Prepared, ValidationCache]  # the site, and the cache that holds its parts
    assert main(["build", "-s", str(root), "--no-cache"], left=(no_cache := [])) == 0 and len(no_cache) == 2

    ended: list[int] = []
    # Only where the command ends: a process the build forks ends with os._exit too, and must.
    monkeypatch.setattr(statusgen.cli, "os", types.SimpleNamespace(_exit=ended.append))
    monkeypatch.setattr(sys, "argv", ["statusgen", "build", "-s", str(root)])
    run_command()
    assert ended == [0] and capsys.readouterr().out.startswith("Built ")
    (root / "content/incidents/2026-03-02-api.md").write_text(RESOLVED_INCIDENT.replace("sev2", "sev9"))
    run_command()
    assert ended == [0, 1]
    # Any other command ends as usual, through SystemExit.
    monkeypatch.setattr(sys, "argv", ["statusgen", "list", "-s", str(root)])
    with pytest.raises(SystemExit):
        run_command()
    assert ended == [0, 1]
