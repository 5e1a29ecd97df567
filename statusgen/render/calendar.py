"""``maintenance.ics``: every maintenance window as an iCalendar event (pure).

Built with the icalendar library, which folds lines, escapes text values and
formats dates as RFC 5545 requires. Each event keeps one UID for its whole
life; its SEQUENCE counts the updates published about the window, so moving
or cancelling a window (which the author announces with an update) raises
it, and a calendar application replaces its copy instead of keeping two.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from icalendar import Calendar, Event

from statusgen import __version__
from statusgen.model import MaintenanceState, Site
from statusgen.render import Artifact


def maintenance_calendar(site: Site) -> Artifact:
    config = site.config
    host = urlsplit(config.base_url).hostname or "statusgen"
    calendar = Calendar()
    calendar.add("prodid", f"-//statusgen//statusgen {__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{config.title}: maintenance")
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    names = site.component_names
    for window in sorted(site.maintenances, key=lambda m: (m.scheduled_start, m.slug)):
        url = f"{config.base_url}incidents/{window.slug}/"
        stamp = max([u.at for u in window.updates], default=window.scheduled_start)
        event = Event()
        event.add("uid", f"{window.slug}@{host}")
        event.add("dtstamp", stamp)
        event.add("last-modified", stamp)
        event.add("dtstart", window.scheduled_start)
        event.add("dtend", window.scheduled_end)
        event.add("sequence", max(len(window.updates) - 1, 0))
        event.add("status", "CANCELLED" if window.state is MaintenanceState.CANCELLED else "CONFIRMED")
        event.add("transp", "TRANSPARENT")
        event.add("summary", window.title)
        lines = [window.summary] if window.summary else []
        if window.components:
            lines.append("Components: " + ", ".join(names[c] for c in window.components))
        lines.append(url)
        event.add("description", "\n".join(lines))
        event.add("url", url)
        calendar.add_component(event)
    return Artifact("maintenance.ics", calendar.to_ical())
