"""Browser tests skip on a machine without a browser, and fail instead where CI requires them."""

from __future__ import annotations

import pytest

from tests.browser import chromium_path, unavailable


def test_skips_with_a_reason_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STATUSGEN_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        unavailable("no chromium executable was found on PATH")


def test_fails_when_ci_requires_a_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATUSGEN_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="required here"):
        unavailable("no chromium executable was found on PATH")


def test_a_configured_path_that_does_not_exist_is_no_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATUSGEN_CHROMIUM", "/nonexistent/chromium")
    assert chromium_path() is None
