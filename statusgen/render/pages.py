"""Render every page of the site: model + build time -> artifacts (pure)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import jinja2

from statusgen.derive import (
    component_statuses,
    history_months,
    incidents_for_component,
    maintenance_phase,
    maintenances_for_component,
    overview,
    worst,
)
from statusgen.durations import format_duration
from statusgen.model import Impact, Incident, Severity, Site, Update
from statusgen.obligations import ObligationState, figures, obligations
from statusgen.render import Artifact
from statusgen.render.charts import Bar, column_chart, row_chart
from statusgen.render.formatting import Formatter, page_file, relative_root
from statusgen.render.views import ItemView, views_for_site
from statusgen.reports import Report, Reports
from statusgen.timestamps import MONTHS
from statusgen.uptime import Uptime, day_bounds, percent


@dataclass(frozen=True)
class ActiveItem:
    view: ItemView
    latest: Update | None
    worst: Impact


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

    def __init__(self, site: Site, env: jinja2.Environment, now: datetime) -> None:
        self.site = site
        self.env = env
        self.now = now
        self.fmt = Formatter(site.config.zone)
        self.views = views_for_site(site, now)
        self.pages: list[str] = []
        self.statuses = component_statuses(site, now)
        self.obligations = obligations(site, now)
        self.uptime = Uptime(site, now)

    def page(self, template: str, page: str, section: str, *, absolute_root: bool = False, listed: bool = True,
             **values: Any) -> Artifact:
        """Render one template at a page URL path ('' is the root). ``listed``
        pages go in the sitemap."""
        config = self.site.config
        context = {
            "site": config,
            "root": config.base_path if absolute_root else relative_root(page),
            "canonical": config.base_url + page,
            "section": section,
            "fmt": self.fmt,
            "now": self.now,
            **values,
        }
        html = self.env.get_template(template).render(context)
        if listed and not absolute_root:
            self.pages.append(page)
        return Artifact(page_file(page), html.encode("utf-8"))

    def all(self) -> list[Artifact]:
        out = [self.overview(), *self.incident_pages(), *self.history(), *self.components(), *self.postmortems(),
               self.publication(), *self.reports()]
        out.append(self.page("404.html", "404.html", "", absolute_root=True))
        return out

    def overview(self) -> Artifact:
        summary = overview(self.site, self.now, self.statuses)
        active = [
            ActiveItem(self.views[i.slug], i.latest_update(), worst([c.now for c in self.views[i.slug].components]))
            for i in summary.active
        ]
        maintenance_now = [ActiveItem(self.views[m.slug], m.latest_update(), Impact.UNDER_MAINTENANCE) for m in summary.maintenance_now]
        days = [(day, [self.views[i.slug] for i in incidents]) for day, incidents in summary.days]
        return self.page(
            "index.html", "", "status", overview=summary, active=active, maintenance_now=maintenance_now,
            upcoming=[self.views[m.slug] for m in summary.upcoming], days=days, bars=self.uptime_bars(),
            bar_days=self.site.config.uptime.days,
        )

    def uptime_bars(self) -> dict[str, UptimeBar]:
        """Each component's last ``uptime.days`` days: uptime, worst impact and incidents per day."""
        zone = self.site.config.zone
        today = self.now.astimezone(zone).date()
        days = [today - timedelta(days=n) for n in range(self.site.config.uptime.days - 1, -1, -1)]
        bounds = [day_bounds(day, zone) for day in days]  # the same days for every component
        window_start = bounds[0][0]
        recent = [i for i in self.site.incidents if (i.resolved or self.now) >= window_start]
        bars = {}
        for component in self.site.config.components:
            touching = [i for i in recent if component.id in i.affected()]
            cells = []
            for day, (start, end) in zip(days, bounds, strict=True):
                ratio = self.uptime.ratio(component.id, start, end)
                items = tuple(self.views[i.slug] for i in touching if i.started < end and (i.resolved or self.now) >= start)
                cells.append(DayCell(day, ratio, percent(ratio), self.uptime.worst_in(component.id, start, end), items))
            total = self.uptime.ratio(component.id, window_start, bounds[-1][1])
            bars[component.id] = UptimeBar(tuple(cells), percent(total))
        return bars

    def _month_of(self, moment: datetime) -> tuple[str, str]:
        local = self.fmt.local(moment)
        return f"{local.year:04d}/{local.month:02d}", f"{MONTHS[local.month - 1]} {local.year}"

    def _first_update_fact(self, incident: Incident) -> str | None:
        """'12 min after it started', for sites that publish it (``show_first_update``), for every incident alike."""
        delay = incident.first_update_delay()
        if not self.site.config.communication_policy.show_first_update or delay is None:
            return None
        return f"{format_duration(delay)} after it started"

    def incident_pages(self) -> list[Artifact]:
        names = self.site.component_names
        out = []
        for incident in self.site.incidents:
            key, label = self._month_of(incident.started)
            out.append(self.page(
                "incident.html", f"incidents/{incident.slug}/", "history", view=self.views[incident.slug],
                updates=list(reversed(incident.updates)), lead_html=incident.lead_html,
                postmortem=self.site.postmortem(incident.postmortem) if incident.postmortem else None,
                component_names=names, month_key=key, month_label=label, phase=None,
                obligation=self.obligations[incident.slug],
                obligation_text=self.obligations[incident.slug].sentence(self.fmt.moment_date_text),
                first_update=self._first_update_fact(incident),
            ))
        for window in self.site.maintenances:
            key, label = self._month_of(window.scheduled_start)
            out.append(self.page(
                "incident.html", f"incidents/{window.slug}/", "history", view=self.views[window.slug],
                updates=list(reversed(window.updates)), lead_html=window.lead_html, postmortem=None,
                component_names=names, month_key=key, month_label=label, phase=maintenance_phase(window, self.now),
                obligation=None, obligation_text="", first_update=None,
            ))
        return out

    def history(self) -> list[Artifact]:
        months = history_months(self.site, self.now, self.site.config.zone)
        links = []
        for month in months:
            count = len(month.incidents)
            text = "no incidents" if count == 0 else f"{count} incident{'s' if count != 1 else ''}"
            if month.maintenances:
                text += f", {len(month.maintenances)} maintenance"
            links.append(MonthLink(month.key, f"{MONTHS[month.month - 1]} {month.year}", text))
        by_year: dict[int, list[MonthLink]] = defaultdict(list)
        for month, link in zip(months, links, strict=True):
            by_year[month.year].append(link)
        out = [self.page("history_index.html", "history/", "history", years=sorted(by_year.items(), reverse=True))]
        for index, (month, link) in enumerate(zip(months, links, strict=True)):
            items = [self.views[i.slug] for i in month.incidents] + [self.views[m.slug] for m in month.maintenances]
            items.sort(key=lambda v: (v.start, v.slug), reverse=True)
            out.append(self.page(
                "history_month.html", f"history/{month.key}/", "history", label=link.label, views=items,
                newer=links[index - 1] if index > 0 else None,
                older=links[index + 1] if index + 1 < len(links) else None,
            ))
        return out

    def components(self) -> list[Artifact]:
        groups = {g.id: g for g in self.site.config.groups}
        out = []
        for component in self.site.config.components:
            out.append(self.page(
                "component.html", f"components/{component.id}/", "status", component=component,
                group=groups.get(component.group) if component.group else None, current=self.statuses[component.id],
                views=[self.views[i.slug] for i in incidents_for_component(self.site, component.id)],
                windows=[self.views[m.slug] for m in maintenances_for_component(self.site, component.id)],
            ))
        return out

    def postmortems(self) -> list[Artifact]:
        names = self.site.component_names
        entries_by_year: dict[int, list[dict[str, Any]]] = defaultdict(list)
        out = []
        for postmortem in self.site.postmortems:
            incidents: list[Incident] = [i for slug in postmortem.incidents if (i := self.site.incident(slug))]
            severity: Severity | None = min((i.severity for i in incidents), key=lambda s: s.value, default=None)
            components = sorted({names[c] for i in incidents for c in i.affected()})
            year = self.fmt.local(postmortem.published).year
            entries_by_year[year].append({"postmortem": postmortem, "incidents": incidents, "severity": severity, "components": components})
            out.append(self.page("postmortem.html", f"postmortems/{postmortem.slug}/", "postmortems",
                                 postmortem=postmortem, incidents=incidents))
        out.insert(0, self.page("postmortems.html", "postmortems/", "postmortems", years=sorted(entries_by_year.items(), reverse=True)))
        return out

    def publication(self) -> Artifact:
        """The publication index: every incident the policy requires a postmortem for."""
        rows = [o for o in self.obligations.values() if o.required]
        years: dict[int, list[Any]] = defaultdict(list)
        for row in rows:
            years[self.fmt.local(row.incident.started).year].append(row)
        return self.page(
            "publication.html", "publication/", "postmortems", rows=rows, total=figures(rows),
            per_year=[(year, figures(items)) for year, items in sorted(years.items(), reverse=True)],
            views=self.views, policy=self.site.config.postmortem_policy, states=ObligationState,
            names=self.site.component_names, date_text=self.fmt.moment_date_text, fmt_duration=format_duration,
        )

    def reports(self) -> list[Artifact]:
        reports = Reports(self.site, self.now, self.obligations, self.uptime)
        years = [reports.year(year) for year in reports.years()]
        months = [reports.month(year, month) for year, month in reports.months()]
        out = [self.page("reports_index.html", "reports/", "reports", years=years, months=months)]
        for report in years + months:
            out.append(self.page("report.html", f"reports/{report.period.key}/", "reports", report=report,
                                 charts=self._charts(report), views=self.views, duration=_duration, percent=percent))
        return out

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


def _duration(value: timedelta | None) -> str:
    return format_duration(value) if value is not None else "n/a"
