"""The built-in list row and uptime bar made in Python give the very bytes of the theme's ``incident_row`` and
``uptime_bar`` macros, and a site's own ``macros.html`` still decides how its rows and bars look."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.corpus import NOW, write_corpus
from statusgen.build import build, prepare
from statusgen.model import IncidentState, MaintenanceState, Severity
from statusgen.render.formatting import Formatter
from statusgen.render.theme import load_theme
from statusgen.render.views import ComponentImpactView, ItemView

SAMPLE_SITE = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def views(tmp_path_factory: pytest.TempPathFactory) -> list[ItemView]:
    """Every view of a small corpus and of the sample site: ongoing, resolved and maintenance, with and without
    a summary, in one to three components."""
    found: list[ItemView] = []
    for site, now in ((write_corpus(tmp_path_factory.mktemp("rows") / "site", 40), NOW),
                      (SAMPLE_SITE, datetime(2026, 11, 22, 20, tzinfo=UTC))):
        prepared = prepare(site, now=now)
        assert not isinstance(prepared, list)
        found += prepared.renderer.views.values()
    return found


def both(view: ItemView, root: str, zone: str = "UTC") -> tuple[str, str]:
    """The row of ``view`` as the built-in theme's templates make it, and as its macro does."""
    theme, problems = load_theme(Path("/nonexistent"), "default")
    assert theme is not None and not problems
    fmt = Formatter(ZoneInfo(zone))
    macro = theme.env.get_template("macros.html").module.incident_row  # type: ignore[attr-defined]
    return str(theme.env.globals["incident_row"](view, fmt, root)), str(macro(view, fmt, root))


def test_every_kind_of_row_is_the_macros_own(views: list[ItemView]) -> None:
    kinds = {(v.is_maintenance, v.end is None, bool(v.summary), len(v.components)) for v in views}
    assert len(kinds) >= 6
    for view in views:
        for root in ("", "../", "../../../"):
            made, expected = both(view, root)
            assert made == expected


text = st.text(st.sampled_from(list("ab <>&\"'é—")), max_size=12)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_text_that_needs_escaping_is_escaped_as_the_macro_does(views: list[ItemView], data: st.DataObject) -> None:
    view = data.draw(st.sampled_from(views))
    names = data.draw(st.lists(text, max_size=3))
    maintenance = data.draw(st.booleans())
    changed = dataclasses.replace(
        view, title=data.draw(text), url=data.draw(text), summary=data.draw(text), duration=data.draw(text),
        ongoing_text=data.draw(text), is_maintenance=maintenance,
        severity=None if maintenance else data.draw(st.sampled_from(list(Severity))),
        state=data.draw(st.sampled_from(list(MaintenanceState) if maintenance else list(IncidentState))),
        end=data.draw(st.sampled_from([None, view.start + timedelta(hours=1)])),
        start=view.start + timedelta(minutes=data.draw(st.integers(0, 10**6))),
        components=tuple(ComponentImpactView(f"c{n}", name, c.peak, ())
                         for n, (name, c) in enumerate(zip(names, [view.components[0]] * 3, strict=False))),
    )
    made, expected = both(changed, data.draw(text), zone=data.draw(st.sampled_from(["UTC", "Asia/Kolkata"])))
    assert made == expected


def test_a_sites_own_macros_make_its_rows_and_bars(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_corpus(site, 12)
    builtin = (Path(__file__).resolve().parent.parent / "statusgen/themes/default/templates/macros.html").read_text()
    own = site / "themes/default/templates/macros.html"
    own.parent.mkdir(parents=True)
    own.write_text(builtin.replace('<li class="incident-row">', '<li class="incident-row own">')
                   .replace('<ol class="uptime-cells" aria-label', '<ol class="uptime-cells own" aria-label'))
    assert build(site, tmp_path / "out", now=NOW).ok
    pages = {page: page.read_text() for page in (tmp_path / "out").rglob("*.html")}
    own_rows = [page.relative_to(tmp_path / "out").parts[0] for page, html in pages.items() if 'incident-row own' in html]
    assert {"index.html", "components", "history"} <= set(own_rows)
    assert 'class="uptime-cells own"' in (tmp_path / "out/components/api/index.html").read_text()
    # Components and history list rows of the macro only (the overview's upcoming windows and the postmortem
    # archive have rows of their own templates).
    assert not [page for page, html in pages.items() if '<li class="incident-row">' in html
                and page.relative_to(tmp_path / "out").parts[0] in ("components", "history")]


@pytest.fixture(scope="module")
def bars(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, Any]]:
    """Every component's bar of a small corpus (incidents in its last days) and of the sample site."""
    found: list[tuple[str, Any]] = []
    for site, now in ((write_corpus(tmp_path_factory.mktemp("bars") / "site", 60), NOW),
                      (SAMPLE_SITE, datetime(2026, 11, 22, 20, tzinfo=UTC))):
        prepared = prepare(site, now=now)
        assert not isinstance(prepared, list)
        found += [(c.name, prepared.renderer.uptime_bar(c)) for c in prepared.site.config.components]
    return found


def both_bars(name: str, bar: Any, root: str) -> tuple[str, str]:
    theme, _ = load_theme(Path("/nonexistent"), "default")
    assert theme is not None
    fmt = Formatter(ZoneInfo("UTC"))
    macro = theme.env.get_template("macros.html").module.uptime_bar  # type: ignore[attr-defined]
    return str(theme.env.globals["uptime_bar"](name, bar, len(bar.cells), fmt, root)), str(macro(name, bar, len(bar.cells), fmt, root))


def test_every_bar_is_the_macros_own(bars: list[tuple[str, Any]]) -> None:
    assert any(cell.items for _, bar in bars for cell in bar.cells) and any(not cell.items for _, bar in bars for cell in bar.cells)
    for name, bar in bars:
        made, expected = both_bars(name, bar, "../../")
        assert made == expected


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_bars_text_is_escaped_as_the_macro_does(bars: list[tuple[str, Any]], views: list[ItemView],
                                                  data: st.DataObject) -> None:
    _, bar = data.draw(st.sampled_from(bars))
    n = data.draw(st.integers(0, len(bar.cells) - 1))
    items = tuple(dataclasses.replace(data.draw(st.sampled_from(views)), title=data.draw(text), url=data.draw(text))
                  for _ in range(data.draw(st.integers(0, 3))))
    cells = list(bar.cells)
    cells[n] = dataclasses.replace(cells[n], items=items, percent=data.draw(text))
    changed = dataclasses.replace(bar, cells=tuple(cells), percent=data.draw(text))
    made, expected = both_bars(data.draw(text), changed, data.draw(text))
    assert made == expected
