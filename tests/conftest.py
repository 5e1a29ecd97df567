"""Shared fixtures: build small sites from a dict of {path: text} in tmp_path."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from statusgen.build import BuildResult, build
from statusgen.content import Loaded, load_site
from tests.browser import browser  # noqa: F401  (a session fixture for every browser test)

CONFIG = """\
title = "Example Status"
base_url = "https://status.example.com/"
timezone = "UTC"

[[groups]]
id = "core"
name = "Core"

[[components]]
id = "api"
name = "API"
group = "core"

[[components]]
id = "web"
name = "Web app"
group = "core"

[[components]]
id = "email"
name = "Email"
"""

#: A fixed build time for tests: 2026-03-10 12:00 UTC.
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)

RESOLVED_INCIDENT = """\
---
title: Elevated API errors
severity: sev2
state: resolved
started: 2026-03-02T14:00:00Z
resolved: 2026-03-02T15:30:00Z
components:
  api: partial_outage
---

## 2026-03-02 15:30 UTC — Resolved

The API is working normally again.

## 2026-03-02 14:05 UTC — Investigating

We are investigating errors on the API.
"""


def write_site(root: Path, files: dict[str, str], *, config: str | None = CONFIG) -> Path:
    """Write a site: statusgen.toml (unless None) plus the given files (dedented)."""
    root.mkdir(parents=True, exist_ok=True)
    if config is not None:
        (root / "statusgen.toml").write_text(config, encoding="utf-8")
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


SiteMaker = Callable[..., Path]


@pytest.fixture
def make_site(tmp_path: Path) -> SiteMaker:
    def make(files: dict[str, str] | None = None, *, config: str | None = CONFIG, name: str = "site") -> Path:
        return write_site(tmp_path / name, files or {}, config=config)

    return make


def messages(loaded: Loaded | BuildResult) -> list[str]:
    """Every diagnostic as the user sees it."""
    return [d.format() for d in loaded.diagnostics]


def load(root: Path, **kwargs: object) -> Loaded:
    return load_site(root, **kwargs)  # type: ignore[arg-type]


def build_at(root: Path, output: Path | None = None, **kwargs: object) -> BuildResult:
    return build(root, output, now=NOW, **kwargs)  # type: ignore[arg-type]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the audit's per-rule precision and recall on the labelled set."""
    from tests.test_audit_rules import SCORES

    if SCORES:
        terminalreporter.section("communication audit: precision and recall on tests/audit_examples.py")
        for line in SCORES:
            terminalreporter.write_line(line)
