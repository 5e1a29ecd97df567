"""The built wheel carries the default theme and builds a site anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import RESOLVED_INCIDENT, write_site

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("hatchling", reason="building the wheel needs hatchling (in the dev extras)")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", str(out), str(REPO)],
        check=True, capture_output=True, text=True,
    )
    (built,) = out.glob("statusgen-*.whl")
    return built


def test_wheel_contains_the_default_theme(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    theme_files = sorted((REPO / "statusgen" / "themes").rglob("*"))
    expected = {p.relative_to(REPO).as_posix() for p in theme_files if p.is_file()}
    assert expected, "the repository has no theme files?"
    assert expected <= names, expected - names
    assert "statusgen/themes/default/templates/index.html" in names
    assert "statusgen/embed/banner.js" in names


def test_installed_wheel_builds_a_site_outside_the_repository(wheel: Path, tmp_path: Path) -> None:
    unpacked = tmp_path / "installed"
    zipfile.ZipFile(wheel).extractall(unpacked)
    site = write_site(tmp_path / "elsewhere", {"content/incidents/2026-03-02-api.md": RESOLVED_INCIDENT})
    env = {**os.environ, "PYTHONPATH": str(unpacked), "SOURCE_DATE_EPOCH": "1773144000"}
    probe = subprocess.run([sys.executable, "-c", "import statusgen; print(statusgen.__file__)"],
                           cwd=site, env=env, capture_output=True, text=True, check=True)
    assert probe.stdout.strip().startswith(str(unpacked)), "the wheel's copy must be the one imported"
    result = subprocess.run([sys.executable, "-m", "statusgen", "build"], cwd=site, env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert (site / "output" / "incidents" / "2026-03-02-api" / "index.html").is_file()
    (css,) = (site / "output" / "assets").glob("style.*.css")
    assert css.read_bytes() == (REPO / "statusgen" / "themes" / "default" / "static" / "style.css").read_bytes()
    assert (site / "output" / "embed" / "banner.js").read_bytes() == (REPO / "statusgen" / "embed" / "banner.js").read_bytes()
