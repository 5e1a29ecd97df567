"""Atom and RSS feeds, through feedgen (pure).

One entry per published update, not per incident, so a reader sees each
new update as new. An entry's id is the absolute URL of the update's anchor
(``…/incidents/<slug>/#update-20260302T140500Z``): it never changes when
other updates are added. Every time in a feed comes from the content, never
from the clock, so a rebuild announces nothing again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter

from markupsafe import Markup, escape

from statusgen import __version__
from statusgen.derive import impacts_at, maintenance_phase, maintenances_for_component
from statusgen.model import Impact, Incident, Maintenance, MaintenancePhase, MaintenanceState, Postmortem, Site
from statusgen.render import Artifact
from statusgen.render.formatting import Formatter
from statusgen.render.keys import PageKeys

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedItem:
    """One entry: the same fields feed Atom and RSS."""

    id: str
    title: str
    link: str
    html: str
    published: datetime


@dataclass(frozen=True)
class FeedSpec:
    """One feed pair: where it lives and what page it describes."""

    path: str
    """Folder below the root ('' or 'components/api/'): files are <path>feed.atom and feed.rss."""
    title: str
    subtitle: str
    items: list[FeedItem]


def _impact_list(names: dict[str, str], impacts: dict[str, Impact]) -> Markup:
    if not impacts:
        return Markup("")
    # Escaped one by one into an f-string: what Markup.format makes, without its formatter's machinery.
    rows = "".join(f"<li>{escape(names[cid])}: {escape(impact.label)}</li>" for cid, impact in impacts.items())
    return Markup(f"<p>Affected components:</p><ul>{rows}</ul>")


def incident_items(site: Site, incident: Incident, now: datetime) -> list[FeedItem]:
    """One item per update published by ``now``."""
    url = f"{site.config.base_url}incidents/{incident.slug}/"
    names = site.component_names
    items = []
    for update in incident.updates:
        if update.at > now:
            continue
        html = Markup(update.html) + _impact_list(names, impacts_at(incident, update.at))
        items.append(FeedItem(f"{url}#{update.anchor}", f"[{update.state.label}] {incident.title}",
                              f"{url}#{update.anchor}", str(html), update.at))
    return items


_MAINTENANCE_TITLE = {
    MaintenanceState.SCHEDULED: "Maintenance scheduled",
    MaintenanceState.IN_PROGRESS: "Maintenance in progress",
    MaintenanceState.VERIFYING: "Maintenance verifying",
    MaintenanceState.COMPLETED: "Maintenance completed",
    MaintenanceState.CANCELLED: "Maintenance cancelled",
}


def maintenance_items(site: Site, window: Maintenance, now: datetime, fmt: Formatter) -> list[FeedItem]:
    """A window is announced by each of its updates, and also when it starts
    and when it completes if no update says so (a window that the clock opens
    and closes is still announced at both moments)."""
    url = f"{site.config.base_url}incidents/{window.slug}/"
    names = site.component_names
    when = Markup("<p>Scheduled: {} to {}.</p>").format(fmt.datetime_text(window.scheduled_start), fmt.datetime_text(window.scheduled_end))
    affected = _impact_list(names, {cid: Impact.UNDER_MAINTENANCE for cid in window.components})
    items = []
    states = set()
    for update in window.updates:
        if update.at > now:
            continue
        assert isinstance(update.state, MaintenanceState)
        states.add(update.state)
        items.append(FeedItem(f"{url}#{update.anchor}", f"[{_MAINTENANCE_TITLE[update.state]}] {window.title}",
                              f"{url}#{update.anchor}", str(Markup(update.html) + when + affected), update.at))
    phase = maintenance_phase(window, now)
    if phase is MaintenancePhase.CANCELLED:
        return items
    if phase in (MaintenancePhase.IN_PROGRESS, MaintenancePhase.COMPLETED) and not states & {MaintenanceState.IN_PROGRESS}:
        at = min(window.scheduled_start, now)
        items.append(FeedItem(f"{url}#started", f"[{_MAINTENANCE_TITLE[MaintenanceState.IN_PROGRESS]}] {window.title}",
                              url, str(Markup("<p>The maintenance window has started.</p>") + when + affected), at))
    if phase is MaintenancePhase.COMPLETED and MaintenanceState.COMPLETED not in states and window.scheduled_end <= now:
        items.append(FeedItem(f"{url}#completed", f"[{_MAINTENANCE_TITLE[MaintenanceState.COMPLETED]}] {window.title}",
                              url, str(Markup("<p>The maintenance window has ended.</p>") + when), window.scheduled_end))
    return items


def _postmortem_url(site: Site, postmortem: Postmortem) -> str:
    return f"{site.config.base_url}postmortems/{postmortem.slug}/"


def postmortem_item(site: Site, postmortem: Postmortem) -> FeedItem:
    url = _postmortem_url(site, postmortem)
    html = Markup("<p><strong>{}</strong></p>").format(postmortem.summary) + Markup(postmortem.html)
    return FeedItem(url, f"Postmortem: {postmortem.title}", url, str(html), postmortem.published)


def render_feed(site: Site, spec: FeedSpec, keys: PageKeys | None = None) -> list[Artifact]:
    """The Atom and RSS files of one feed, newest entries first, at most
    ``feed_entries`` of them. With ``keys``, each file is keyed by its entries (all it is made from besides the
    configuration and the code, which salt the keys), and one an earlier build made from the same is not made again."""
    config = site.config
    items = sorted(spec.items, key=lambda i: (i.published, i.id), reverse=True)[: config.feed_entries]
    page_url = config.base_url + spec.path
    updated = items[0].published if items else _EPOCH
    out = []
    for kind, mime in (("atom", "application/atom+xml"), ("rss", "application/rss+xml")):
        path, key = f"{spec.path}feed.{kind}", None
        if keys is not None:
            key = keys.key(f"feed.{kind}", path, {"title": spec.title, "subtitle": spec.subtitle, "items": items})
            if keys.unchanged(path, key):
                out.append(Artifact(path, b"", key=key, reused=True))
                continue
        # Imported here: feedgen brings lxml and dateutil (a hundredth of a second), and a rebuild whose feeds all
        # hold what they held (no update since, as in a rebuild to move the time on) needs none of it.
        from feedgen.feed import FeedGenerator

        feed = FeedGenerator()
        feed.id(page_url)
        feed.title(spec.title)
        feed.author({"name": config.title, "uri": config.links.home or config.base_url})
        feed.subtitle(spec.subtitle)
        feed.link(href=page_url, rel="alternate", type="text/html")
        feed.link(href=f"{page_url}feed.{kind}", rel="self", type=mime)
        feed.language(config.language)
        feed.updated(updated)
        feed.lastBuildDate(updated)
        feed.generator("statusgen", version=__version__)
        for item in items:
            entry = feed.add_entry(order="append")
            entry.id(item.id)
            entry.guid(item.id, permalink=True)
            entry.title(item.title)
            entry.link(href=item.link, rel="alternate", type="text/html")
            entry.content(item.html, type="html")
            entry.published(item.published)
            entry.updated(item.published)
        data = feed.atom_str(pretty=True) if kind == "atom" else feed.rss_str(pretty=True)
        out.append(Artifact(path, data, key=key))
    return out


def _said_last(incident: Incident, now: datetime) -> datetime | None:
    """When ``incident`` last said something up to ``now``: its updates are in time order (validation sorts
    them), so it is the last one, unless that one is still to come."""
    if incident.said is None:
        return None
    if incident.said[1] <= now:
        return incident.said[1]
    return max((u.at for u in incident.updates if u.at <= now), default=None)


def feed_specs(site: Site, now: datetime, fmt: Formatter) -> list[FeedSpec]:
    """The site feed, one per component, and the postmortem feed.

    A feed holds only its newest ``feed_entries`` entries, so only the
    incidents that can reach them have their entries made: the rest of a
    long history costs a comparison each, not a rendering.
    """
    config = site.config
    made: dict[str, list[FeedItem]] = {}

    def items_of(incident: Incident) -> list[FeedItem]:
        if incident.slug not in made:
            made[incident.slug] = incident_items(site, incident, now)
        return made[incident.slug]

    windows = {m.slug: maintenance_items(site, m, now, fmt) for m in site.maintenances}
    # Every incident by when it last said something, newest first, once: each feed takes those it lists from the
    # top of it and stops at the first too old for it, instead of sorting all of them again. (The sort is stable,
    # and a component's incidents are in the site's order, so a feed's order is that of sorting its own.)
    # (The usual case inline, and sort keys made in C: 10,000 incidents each build.)
    ordered: list[tuple[datetime, Incident]] = []
    for incident in site.incidents:
        said = incident.said
        if said is not None and (at := said[1] if said[1] <= now else _said_last(incident, now)) is not None:
            ordered.append((at, incident))
    ordered.sort(key=itemgetter(0), reverse=True)

    def newest(component: str | None, slugs: list[str]) -> list[FeedItem]:
        """The entries of the maintenance windows named ``slugs`` and of the incidents that touched ``component`` (all
        when None) that can be among the feed's newest."""
        items = [item for slug in slugs for item in windows[slug]]
        for at, incident in ordered:
            if component is not None and component not in incident.affected():
                continue
            if len(items) >= config.feed_entries:
                kept = sorted(items, key=lambda i: i.published, reverse=True)[config.feed_entries - 1].published
                if at < kept:  # every entry of this incident and of the older ones is older than the last one kept
                    break
            items += items_of(incident)
        return items

    specs = [FeedSpec("", config.title, config.description or f"Incidents and maintenance for {config.title}",
                      newest(None, [m.slug for m in site.maintenances]))]
    for component in config.components:
        specs.append(FeedSpec(f"components/{component.id}/", f"{config.title}: {component.name}",
                              f"Incidents and maintenance affecting {component.name}",
                              newest(component.id, [m.slug for m in maintenances_for_component(site, component.id)])))
    specs.append(FeedSpec("postmortems/", f"{config.title}: postmortems", f"Postmortems published by {config.title}",
                          # Only the newest it holds are made, chosen as the feed orders them (by time, then address).
                          [postmortem_item(site, p) for p in sorted(
                              (p for p in site.postmortems if p.published <= now),
                              key=lambda p: (p.published, _postmortem_url(site, p)), reverse=True)[:config.feed_entries]]))
    return specs


def feeds(site: Site, now: datetime, keys: PageKeys | None = None) -> list[Artifact]:
    """Every feed's files; with ``keys``, those whose entries are what an earlier build's were are reused."""
    fmt = Formatter(site.config.zone)
    return [artifact for spec in feed_specs(site, now, fmt) for artifact in render_feed(site, spec, keys)]

