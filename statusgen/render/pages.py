"""Render every page of the site: model + build time -> artifacts (pure)."""

from __future__ import annotations

import functools
import hashlib
import pickle
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Container, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any, TypeVar, cast

import jinja2

from statusgen.derive import (
    component_statuses,
    history_months,
    impacts_at,
    incidents_for_component,
    maintenance_phase,
    maintenances_for_component,
    month_key,
    month_label,
    overview,
    worst,
)
from statusgen.durations import format_duration
from statusgen.kept import Kept, Known
from statusgen.model import Component, Impact, Incident, Maintenance, MaintenancePhase, Postmortem, Severity, Site, Update
from statusgen.obligations import Obligation, ObligationState, figures, obligation_moment, obligations
from statusgen.render import Artifact
from statusgen.render.charts import Bar, column_chart, row_chart
from statusgen.render.formatting import Formatter, page_file, relative_root
from statusgen.render.keys import PageKeys
from statusgen.render.paging import PER_PAGE, Pager, paginate
from statusgen.render.views import ItemView, Views, view_digests, view_span
from statusgen.reports import Report, Reports
from statusgen.uptime import Uptime, day_bounds, percent

T = TypeVar("T")


@dataclass(frozen=True)
class ActiveItem:
    """An overview card: the item's view, its latest update, and what it does to each component now (``now``, by
    component id) and at worst (``worst``)."""

    view: ItemView
    latest: Update | None
    worst: Impact
    now: dict[str, Impact]


#: An incident page with one of these says something about the present (a postmortem not yet published).
_OPEN_OBLIGATIONS = frozenset({ObligationState.ONGOING, ObligationState.PENDING, ObligationState.OVERDUE})

#: Active incidents the overview shows in full, and how many more it lists one line each.
ACTIVE_CARDS, ACTIVE_LINES = 5, 20
#: Rows of recent incidents on the overview; a day with more says how many more, with a link.
RECENT_ROWS = 10
#: Upcoming maintenance windows the overview lists (the soonest); the calendar file has them all.
UPCOMING_ROWS = 10


@dataclass(frozen=True)
class RecentDay:
    """A day of the overview's recent list: the rows shown, and how many it had besides."""

    day: date
    views: list[ItemView]
    more: int
    month_url: str


@dataclass(frozen=True)
class DayCell:
    """One day of a component's uptime bar."""

    day: date
    ratio: float | None
    percent: str
    worst: Impact
    items: tuple[ItemView, ...]


@dataclass(frozen=True)
class UptimeBar:
    cells: tuple[DayCell, ...]
    percent: str


@dataclass(frozen=True)
class MonthLink:
    key: str
    label: str
    count_text: str


class PageRenderer:
    """Holds what every page shares; each method returns artifacts."""

    def __init__(self, site: Site, env: jinja2.Environment, now: datetime, *, fingerprints: Mapping[str, bytes] | None = None,
                 known_views: Known | None = None, known_uptime: Known | None = None,
                 memo: Callable[[str], dict[str, Any] | None] | None = None) -> None:
        """``fingerprints``: by source path, see :func:`statusgen.content.fingerprints` (with a cache);
        ``known_views``: see :func:`views_for_site`; ``known_uptime``: see :class:`Uptime`; ``memo``: by kind, what
        this process derived in its last build (see :meth:`statusgen.cache.ValidationCache.memo`)."""
        self.site = site
        self.env = env
        self.now = now
        self.fmt = Formatter(site.config.zone)
        self.keys: PageKeys | None = None
        """Set by :meth:`reuse`: pages keep a key, and an unchanged one is not rendered again."""
        self.fingerprints: Mapping[str, bytes] = fingerprints or {}
        items: list[Incident | Maintenance] = [*site.incidents, *site.maintenances]
        viewed, owed = (memo("views"), memo("obligations")) if memo is not None else (None, None)
        # The page keys the last build wrote, if it wrote its pages (taken out now: a build that fails leaves none).
        keys_then: tuple[str, Mapping[str, bytes]] | None = viewed.pop("page keys", None) if viewed else None
        self._same: tuple[Mapping[str, bytes], set[str]] | None = None
        """Set by :meth:`reuse`: the last build's page keys, and the slugs of the items not as they were then."""
        self.view_digests = view_digests(items, self.fingerprints, now, viewed)
        """By slug, what each item's view is made from (see :func:`view_digest`), when the item has a fingerprint."""
        self.kept_views = Kept(known_views)
        """By :func:`view_digest`, the views of the items with a fingerprint, for the next build."""
        self.views = Views(site, now, self.view_digests, self.kept_views)
        """By slug, every item's view (each made or read when first asked for)."""
        self.statuses = component_statuses(site, now, memo("statuses") if memo is not None else None)
        self.obligations = obligations(site, now, owed)
        self._memo = memo
        # Where the last build wrote them, its page keys, and the items not as they were then; when both the view
        # digests and the obligations were made again only for those (see kept.replaced).
        self._then: tuple[str, Mapping[str, bytes], set[str]] | None = None
        if keys_then is not None and viewed and owed and viewed["fresh"] is not None and owed["fresh"] is not None:
            self._then = (*keys_then, viewed["fresh"] | owed["fresh"])
        self.kept_uptime = Kept(known_uptime)
        """By a digest of the settled incidents of each component, its uptime segments, for the next build."""
        self.uptime = Uptime(site, now, fingerprints=self.fingerprints, kept=self.kept_uptime,
                             memo=memo("uptime ratios") if memo is not None else None,
                             state=memo("uptime") if memo is not None else None)
        self._bars: dict[str, UptimeBar] = {}

    def page(self, template: str, page: str, section: str, *, absolute_root: bool = False, listed: bool = True,
             live: bool = False, derived: Callable[[], dict[str, Any]] | None = None,
             inputs: tuple[object, ...] | None = None, **values: Any) -> Artifact:
        """Render one template at a page URL path ('' is the root). ``listed``
        pages go in the sitemap. A ``live`` page says what is true at the build time
        (a current status, an ongoing incident, an overdue postmortem), so it says when
        that was (``generated``); any other page stays the same from build to build.
        ``derived``: more values, made only when the page is rendered, and left out of its key: each must follow
        from what the key covers (a report's charts from the report).
        ``inputs``: digests and flags that all of the page's values are made from, besides the configuration
        (see :meth:`_item_page`): the page is keyed by them instead of by its ``values``."""
        path, listed_as = page_file(page), page if listed and not absolute_root else None
        values["generated"] = self.now if live else None
        key = None
        if self.keys is not None:
            where = _where(path, absolute_root, section)
            key = (self.keys.of_inputs(template, where, (*inputs, values["generated"])) if inputs is not None
                   else self.keys.key(template, where, values))
            if self.keys.unchanged(path, key):
                return Artifact(path, b"", listed_as, key, reused=True)
        if derived is not None:
            values.update(derived())
        config = self.site.config
        context = {
            "site": config,
            "root": config.base_path if absolute_root else relative_root(page),
            "canonical": config.base_url + page,
            "section": section,
            "fmt": self.fmt,
            **values,
        }
        html = self.env.get_template(template).render(context)
        return Artifact(path, html.encode("utf-8"), listed_as, key)

    def _unchanged_item_page(self, item: Incident | Maintenance, live: bool, inputs: tuple[object, ...] | None) -> Artifact | None:
        """The reused artifact of an item's page when it is keyed by its inputs (see :meth:`_item_page`) and they
        are those the last build wrote it from: what :meth:`page` returns then, without making its arguments (the
        pages of 10,000 items are looked at every build, and a few dozen rendered)."""
        digest = self.view_digests.get(item.slug)
        if self.keys is None or digest is None or inputs is None:
            return None
        page = f"incidents/{item.slug}/"
        path = page_file(page)
        key = self.keys.of_inputs("incident.html", _where(path, False, "history"), (digest, *inputs, self.now if live else None))
        return Artifact(path, b"", page, key, reused=True) if self.keys.unchanged(path, key) else None

    def _item_page_as_before(self, slug: str, same: tuple[Mapping[str, bytes], set[str]]) -> Artifact | None:
        """At the same build time as the last build, the page of an item that is the very object it was then, with
        the same fingerprint (and for an incident the very same obligation: see :func:`statusgen.kept.replaced`), has
        the key that build wrote it with: every input of that key (:meth:`_unchanged_item_page`) is as it was. So it
        is reused, when still intact, without making them (10,000 pages a warm rebuild, a few of them edited)."""
        keys, fresh = same
        if slug in fresh:
            return None
        page = f"incidents/{slug}/"
        path = page_file(page)
        key = keys.get(path)
        assert self.keys is not None
        return Artifact(path, b"", page, key, reused=True) if key is not None and self.keys.unchanged(path, key) else None

    def _item_page(self, item: Incident | Maintenance, live: bool, inputs: tuple[object, ...] | None,
                   values: Callable[[], dict[str, Any]]) -> Artifact:
        """An incident's or maintenance window's own page, from the ``values`` made only when it is rendered.

        Its key is not a digest of those values but of what they are all made from, besides statusgen's code,
        the theme and the configuration (which salt every key): the item's view digest (its fingerprint and its
        :func:`view_moment`), the ``inputs`` the caller adds (an incident's postmortem's fingerprint and what of the
        time its obligation depends on, a window's phase), and the time when the page is ``live``. So an unchanged
        page is known without making what it shows.
        ``inputs`` None: something has no fingerprint, and the page is keyed by its values."""
        digest = self.view_digests.get(item.slug)
        if digest is None or inputs is None:
            return self.page("incident.html", f"incidents/{item.slug}/", "history", live=live, **values())
        return self.page("incident.html", f"incidents/{item.slug}/", "history", live=live, inputs=(digest, *inputs),
                         derived=values)

    def reuse(self, previous: Mapping[str, Container[bytes]], output: str = "") -> None:
        """Key every page from now on, and reuse those whose key is among ``previous`` (by output path). ``output``:
        where this build writes, for the keys its last build there wrote (see :meth:`_item_page_as_before`)."""
        if self._then is not None and self._then[0] == output:
            self._same = self._then[1:]
        made = self.views.made.items()
        derived = [(view, self.view_digests[slug]) for slug, view in made if slug in self.view_digests]
        shared = [view for slug, view in made if slug not in self.view_digests]
        keys = self.keys = PageKeys(self.site, self.fingerprints, previous, constants=(self.fmt,), shared=shared,
                                    derived=derived)
        # A view made from now on stands in keys as its digest too (or, without one, as the digest of its pickle).
        self.views.made_hook = lambda view, digest: keys.stand_in(view, digest) if digest is not None else keys.share(view)

    def not_found(self) -> Artifact:
        return self.page("404.html", "404.html", "", absolute_root=True)

    def overview(self) -> Artifact:
        """The page every reader loads at once during an incident, so its weight is capped whatever the history:
        full cards for the first :data:`ACTIVE_CARDS` active incidents, one line each for up to
        :data:`ACTIVE_LINES` more, :data:`RECENT_ROWS` rows of recent incidents, the :data:`UPCOMING_ROWS`
        soonest maintenance windows, compact uptime bars."""
        summary = overview(self.site, self.now, self.statuses)
        active = []
        for incident in summary.active:
            impacts = impacts_at(incident, self.now)
            active.append(ActiveItem(self.views[incident.slug], incident.latest_update(), worst(list(impacts.values())), impacts))
        maintenance_now = [ActiveItem(self.views[m.slug], m.latest_update(), Impact.UNDER_MAINTENANCE,
                                      dict.fromkeys(m.components, Impact.UNDER_MAINTENANCE)) for m in summary.maintenance_now]
        more_active = [item.view for item in active[ACTIVE_CARDS:]]
        days, budget = [], RECENT_ROWS
        for day, incidents in summary.days:
            views = [self.views[i.slug] for i in incidents]
            shown = views[:budget]
            budget -= len(shown)
            days.append(RecentDay(day, shown, len(views) - len(shown), f"history/{month_key(day.year, day.month)}/"))
        return self.page(
            "index.html", "", "status", live=True, overview=summary, active=active[:ACTIVE_CARDS], maintenance_now=maintenance_now,
            more_active=more_active[:ACTIVE_LINES], unlisted_active=len(more_active[ACTIVE_LINES:]),
            upcoming=[self.views[m.slug] for m in summary.upcoming[:UPCOMING_ROWS]],
            unlisted_upcoming=len(summary.upcoming[UPCOMING_ROWS:]), days=days,
            bars=self.uptime_bars(), bar_days=self.site.config.uptime.days,
        )

    @cached_property
    def _bar_days(self) -> tuple[list[date], list[tuple[datetime, datetime]], list[Incident]]:
        """The last ``uptime.days`` days, their bounds, and the incidents touching them (the same for every bar)."""
        zone = self.site.config.zone
        today = self.now.astimezone(zone).date()
        days = [today - timedelta(days=n) for n in range(self.site.config.uptime.days - 1, -1, -1)]
        bounds = [day_bounds(day, zone) for day in days]
        recent = [i for i in self.site.incidents if (i.resolved or self.now) >= bounds[0][0]]
        return days, bounds, recent

    @cached_property
    def _bar_items(self) -> dict[str, list[list[ItemView]]]:
        """By component, the views of each of its last ``uptime.days`` days' incidents, in the site's order: those that
        started before the day ended and lasted until it began. In one pass over the recent incidents for every bar."""
        days, bounds, recent = self._bar_days
        per_day: dict[str, list[list[ItemView]]] = {c.id: [[] for _ in days] for c in self.site.config.components}
        starts, ends = [start for start, _ in bounds], [end for _, end in bounds]
        for incident in recent:
            first, last = bisect_right(ends, incident.started), bisect_right(starts, incident.resolved or self.now)
            if first >= last:
                continue
            view = self.views[incident.slug]
            for cid in incident.affected():
                if (cells := per_day.get(cid)) is not None:
                    for n in range(first, last):
                        cells[n].append(view)
        return per_day

    def uptime_bar(self, component: Component) -> UptimeBar:
        """A component's last ``uptime.days`` days: uptime, worst impact and incidents per day
        (made once: the overview and the component's page show the same bar)."""
        if component.id in self._bars:
            return self._bars[component.id]
        days, bounds, _ = self._bar_days
        cells = []
        for day, (start, end), items in zip(days, bounds, self._bar_items[component.id], strict=True):
            ratio = self.uptime.ratio(component.id, start, end)
            cells.append(DayCell(day, ratio, percent(ratio), self.uptime.worst_in(component.id, start, end), tuple(items)))
        bar = self._bars[component.id] = UptimeBar(tuple(cells), percent(self.uptime.ratio(component.id, bounds[0][0], bounds[-1][1])))
        return bar

    def uptime_bars(self) -> dict[str, UptimeBar]:
        """Every component's bar, by id (see :meth:`uptime_bar`)."""
        return {c.id: self.uptime_bar(c) for c in self.site.config.components}

    def obligation_inputs(self, incident: Incident) -> tuple[bytes, object] | None:
        """What an incident's obligation is made from besides the incident and the configuration: its postmortem's
        fingerprint (empty without one) and what of the time it depends on (:func:`obligation_moment`); None when the
        postmortem has no fingerprint."""
        postmortem = self.site.postmortem(incident.postmortem) if incident.postmortem else None
        linked = self.fingerprints.get(postmortem.path) if postmortem is not None else b""
        return (linked, obligation_moment(self.site, incident, self.now)) if linked is not None else None

    def _month_of(self, moment: datetime) -> tuple[str, str]:
        local = self.fmt.local(moment)
        return month_key(local.year, local.month), month_label(local.year, local.month)

    def _first_update_fact(self, incident: Incident) -> str | None:
        """'12 min after it started', for sites that publish it (``show_first_update``), for every incident alike."""
        delay = incident.first_update_delay()
        if not self.site.config.communication_policy.show_first_update or delay is None:
            return None
        return f"{format_duration(delay)} after it started"

    def incident_pages(self, share: int = 0, shares: int = 1) -> Iterator[Artifact]:
        """Every incident's and maintenance window's page, one at a time: the ``share``-th of ``shares``
        runs of them, when processes divide them. Runs, not every ``shares``-th: the items of a run were
        made one after the other and lie together in memory, so a forked worker copies only the memory
        pages of the runs it renders (reading an object writes its reference count)."""

        def run(items: Sequence[T]) -> Sequence[T]:
            return items[len(items) * share // shares:len(items) * (share + 1) // shares]

        same = self._same if self.keys is not None else None
        for incident in run(self.site.incidents):
            if same is not None and (unchanged := self._item_page_as_before(incident.slug, same)) is not None:
                yield unchanged
                continue
            obligation = self.obligations[incident.slug]
            # Going on (how long so far), an impact not over, or a postmortem not yet published: true as of now.
            live = not incident.settled(self.now) or obligation.state in _OPEN_OBLIGATIONS
            inputs = self.obligation_inputs(incident)
            if (unchanged := self._unchanged_item_page(incident, live, inputs)) is not None:
                yield unchanged
                continue
            postmortem = self.site.postmortem(incident.postmortem) if incident.postmortem else None
            yield self._item_page(incident, live, inputs, functools.partial(self._incident_values, incident, obligation, postmortem))
        for window in run(self.site.maintenances):
            if same is not None and (unchanged := self._item_page_as_before(window.slug, same)) is not None:
                yield unchanged
                continue
            phase = maintenance_phase(window, self.now)
            live = phase in (MaintenancePhase.UPCOMING, MaintenancePhase.IN_PROGRESS)
            if (unchanged := self._unchanged_item_page(window, live, (phase,))) is not None:
                yield unchanged
                continue
            yield self._item_page(window, live, (phase,), functools.partial(self._window_values, window, phase))

    def _incident_values(self, incident: Incident, obligation: Obligation, postmortem: Postmortem | None) -> dict[str, Any]:
        key, label = self._month_of(incident.started)
        return dict(view=self.views[incident.slug], item=incident, postmortem=postmortem, component_names=self.site.component_names,
                    month_key=key, month_label=label, phase=None, obligation=obligation,
                    obligation_text=obligation.sentence(self.fmt.moment_date_text), first_update=self._first_update_fact(incident))

    def _window_values(self, window: Maintenance, phase: MaintenancePhase) -> dict[str, Any]:
        key, label = self._month_of(window.scheduled_start)
        return dict(view=self.views[window.slug], item=window, postmortem=None, component_names=self.site.component_names,
                    month_key=key, month_label=label, phase=phase, obligation=None, obligation_text="", first_update=None)

    def history(self) -> Iterator[Artifact]:
        months = history_months(self.site, self.now, self.site.config.zone)
        links = []
        for month in months:
            count = len(month.incidents)
            text = "no incidents" if count == 0 else f"{count} incident{'s' if count != 1 else ''}"
            if month.maintenances:
                text += f", {len(month.maintenances)} maintenance"
            links.append(MonthLink(month.key, month_label(month.year, month.month), text))
        by_year: dict[int, list[MonthLink]] = defaultdict(list)
        for month, link in zip(months, links, strict=True):
            by_year[month.year].append(link)
        yield self.page("history_index.html", "history/", "history", live=True, years=sorted(by_year.items(), reverse=True))
        for index, (month, link) in enumerate(zip(months, links, strict=True)):
            # Newest first, as their views' start (an incident's, a window's scheduled one) and slug order them.
            items: list[Incident | Maintenance] = [*month.incidents, *month.maintenances]
            items.sort(key=lambda i: (view_span(i)[0], i.slug), reverse=True)
            newer, older = links[index - 1] if index > 0 else None, links[index + 1] if index + 1 < len(links) else None
            for pager, shown in paginate(f"history/{month.key}/", items):
                digests = self._items_digests(shown)
                inputs = (link.label, pager, newer, older, digests) if digests is not None else None
                listed, derived = self._listed(shown, inputs)
                yield self.page("history_month.html", pager.page, "history", live=self._open(shown), label=link.label,
                                pager=pager, newer=newer, older=older, inputs=inputs, derived=derived, **listed)

    def _views_of(self, items: Sequence[Incident | Maintenance]) -> list[ItemView]:
        return [self.views[item.slug] for item in items]

    def _listed(self, items: Sequence[Incident | Maintenance], inputs: tuple[object, ...] | None, *,
                by_slug: bool = False) -> tuple[dict[str, Any], Callable[[], dict[str, Any]] | None]:
        """The ``views`` of a list page showing ``items`` (a list, or ``by_slug``): a value when the page is keyed by
        its values (no ``inputs``), else made only if the page is rendered (see :meth:`page`)."""
        def views() -> dict[str, Any]:
            listed = self._views_of(items)
            return {"views": {view.slug: view for view in listed} if by_slug else listed}

        return (views(), None) if inputs is None else ({}, views)

    def _items_digests(self, items: Sequence[Incident | Maintenance]) -> tuple[bytes, ...] | None:
        """What a list of ``items`` shows is made from (their :func:`view_digest`, in order), to key a list page by
        instead of pickling their views; None when one has no digest (the page is then keyed by its values)."""
        found = [self.view_digests.get(item.slug) for item in items]
        return None if None in found else tuple(cast(list[bytes], found))

    def _open(self, items: Sequence[Incident | Maintenance]) -> bool:
        """Whether a list shows what time alone changes: a maintenance window not over (its row names the phase).
        An incident's row does not change while nothing is written about it, even while it is going on."""
        return any(isinstance(item, Maintenance) and item.scheduled_end > self.now for item in items)

    def components(self) -> Iterator[Artifact]:
        groups = {g.id: g for g in self.site.config.groups}
        for component in self.site.config.components:
            windows = maintenances_for_component(self.site, component.id)
            for pager, items in paginate(f"components/{component.id}/", incidents_for_component(self.site, component.id)):
                first = pager.number == 1
                # A later page is keyed by what it is made from (the first, always live, shows the bar and windows too).
                digests = None if first else self._items_digests(items)
                current = self.statuses[component.id]
                inputs = (component.id, pager, current, digests) if digests is not None else None
                listed, derived = self._listed(items, inputs)
                yield self.page(
                    "component.html", pager.page, "status", live=first or self._open(items), component=component, pager=pager,
                    group=groups.get(component.group) if component.group else None, current=current,
                    windows=self._views_of(windows) if first else [], bar=self.uptime_bar(component) if first else None,
                    bar_days=self.site.config.uptime.days, inputs=inputs, derived=derived, **listed,
                )

    def postmortems(self) -> Iterator[Artifact]:
        names = self.site.component_names
        entries: list[dict[str, Any]] = []
        for postmortem in self.site.postmortems:
            incidents: list[Incident] = [i for slug in postmortem.incidents if (i := self.site.incident(slug))]
            severity: Severity | None = min((i.severity for i in incidents), key=lambda s: s.value, default=None)
            components = sorted({names[c] for i in incidents for c in i.affected()})
            year = self.fmt.local(postmortem.published).year
            entries.append({"postmortem": postmortem, "incidents": incidents, "severity": severity, "components": components, "year": year})
            yield self.page("postmortem.html", f"postmortems/{postmortem.slug}/", "postmortems",
                            postmortem=postmortem, incidents=incidents)
        for pager, page_entries in paginate("postmortems/", entries):  # newest first, so each page's years run down
            by_year: dict[int, list[dict[str, Any]]] = defaultdict(list)
            for entry in page_entries:
                by_year[entry["year"]].append(entry)
            yield self.page("postmortems.html", pager.page, "postmortems", pager=pager, years=sorted(by_year.items(), reverse=True))

    def publication(self) -> Iterator[Artifact]:
        """The publication index: every incident the policy requires a postmortem for."""
        rows = [o for o in self.obligations.values() if o.required]
        years: dict[int, list[Any]] = defaultdict(list)
        for row in rows:
            years[self.fmt.local(row.incident.started).year].append(row)
        total = figures(rows)
        per_year = [(year, figures(items)) for year, items in sorted(years.items(), reverse=True)]
        # The figures (which count what is overdue now) are on the first page only, so later pages change
        # only when one of their own rows does.
        for pager, page_rows in paginate("publication/", rows):
            first = pager.number == 1
            inputs = self._publication_inputs(page_rows, pager, total if first else None, per_year if first else [])
            listed, derived = self._listed([row.incident for row in page_rows], inputs, by_slug=True)
            yield self.page(
                "publication.html", pager.page, "postmortems", rows=page_rows, pager=pager,
                live=first or any(row.state in _OPEN_OBLIGATIONS for row in page_rows),
                total=total if first else None, per_year=per_year if first else [],
                policy=self.site.config.postmortem_policy, states=ObligationState,
                names=self.site.component_names, date_text=self.fmt.moment_date_text, fmt_duration=format_duration,
                inputs=inputs, derived=derived, **listed,
            )

    def _publication_inputs(self, rows: Sequence[Obligation], pager: Pager, total: object,
                            per_year: object) -> tuple[object, ...] | None:
        """What a page of the publication index is made from besides its place and the configuration: each row's
        incident (by its view's digest, which covers its fingerprint) and obligation (see :meth:`obligation_inputs`),
        where it is among the pages, and the figures it shows; None when something has no digest (the page is then
        keyed by its values)."""
        made: list[object] = [pager, total, per_year]
        for row in rows:
            digest, inputs = self.view_digests.get(row.incident.slug), self.obligation_inputs(row.incident)
            if digest is None or inputs is None:
                return None
            made.append((digest, *inputs))
        return tuple(made)

    def reports(self, kept: Kept | None = None) -> list[Artifact]:
        """Every report's page. ``kept``: reports an earlier build made, by a digest of what each was made from,
        taken when this build's would be made from the same (see :class:`Reports`); that digest then stands in
        for the report in its page's key."""
        made_from: dict[str, bytes] | None = None
        keeper = None
        if kept is not None:
            made_from = {}
            # In a warm process, what an incident brings is taken from its last build when made from the same
            # fingerprint and the very obligation (see obligations()): 10,000 of them each build.
            memo = self._memo("reports") if self._memo is not None else None
            then = memo.get("made from", {}) if memo is not None else {}
            now: dict[str, tuple[bytes, Obligation, bytes]] = {}
            for incident in self.site.incidents:
                if (fingerprint := self.fingerprints.get(incident.path)) is not None:
                    o = self.obligations[incident.slug]  # what figures() counts of it
                    found = then.get(incident.slug)
                    if found is not None and found[1] is o and found[0] == fingerprint:
                        brings = found[2]
                    else:
                        brings = fingerprint + f"{o.owed:d}{o.late:d}{o.days_to_publish}:{o.state.value}".encode()
                    made_from[incident.slug] = brings
                    now[incident.slug] = (fingerprint, o, brings)
            if memo is not None:
                memo["made from"] = now

            def keeper(name: str, digest: bytes | None, make: Callable[[], Report]) -> object:
                return kept.take(name, digest, make, Report)

        reports = Reports(self.site, self.now, self.obligations, self.uptime, made_from=made_from, keeper=keeper)
        years = [reports.year(year) for year in reports.years()]
        months = [reports.month(year, month) for year, month in reports.months()]
        if self.keys is not None:
            for report in years + months:
                if (digest := reports.digests.get(report.period.key)) is not None:  # and its uptime, made again
                    uptime = pickle.dumps([(c.id, ratio) for c, ratio in report.uptime], protocol=5)
                    self.keys.stand_in(report, hashlib.blake2b(b"report\0" + digest + uptime, digest_size=20).digest())
        out = [self.page("reports_index.html", "reports/", "reports", live=True, years=years, months=months)]
        for report in years + months:
            listed = report.incidents if not report.months and len(report.incidents) <= PER_PAGE else ()
            out.append(self.page("report.html", f"reports/{report.period.key}/", "reports", live=report.period.end > self.now,
                                 report=report, derived=functools.partial(self._charts_of, report), views={i.slug: self.views[i.slug] for i in listed},
                                 duration=_duration, percent=percent, list_limit=PER_PAGE))
        return out

    def _charts_of(self, report: Report) -> dict[str, Any]:
        return {"charts": self._charts(report)}

    def _charts(self, report: Report) -> dict[str, Any]:
        charts: dict[str, Any] = {}
        key = report.period.key.replace("/", "-")
        if report.months:
            charts["incidents"] = column_chart(f"c-inc-{key}", f"Incidents per month, {report.period.label}", [
                Bar(m.period.label[:3], m.count, str(m.count)) for m in report.months])
            charts["mttr"] = column_chart(f"c-mttr-{key}", f"Mean time to resolve per month, {report.period.label}", [
                Bar(m.period.label[:3], m.resolve_mean.total_seconds() / 60 if m.resolve_mean else 0, _duration(m.resolve_mean))
                for m in report.months])
        known = [ratio for _, ratio in report.uptime if ratio is not None]
        if known:
            floor = min(99.0, float(int(min(known) * 100)))
            charts["uptime_floor"] = floor
            charts["uptime"] = row_chart(f"c-up-{key}", f"Uptime per component, {report.period.label} (axis from {floor:g}% to 100%)", [
                Bar(component.name, ratio * 100 if ratio is not None else floor, percent(ratio)) for component, ratio in report.uptime],
                floor, 100.0)
        return charts


def _where(path: str, absolute_root: bool, section: str) -> str:
    """Where a page is, as its key has it (what the context adds follows from it and the configuration)."""
    return f"{path}\0{absolute_root}\0{section}"


def _duration(value: timedelta | None) -> str:
    return format_duration(value) if value is not None else "n/a"
