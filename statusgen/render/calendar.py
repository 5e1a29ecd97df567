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

from statusgen import __version__
from statusgen.model import MaintenanceState, Site
from statusgen.render import Artifact
from statusgen.render.keys import PageKeys

PATH = "maintenance.ics"


def maintenance_calendar(site: Site, keys: PageKeys | None = None) -> Artifact:
    """The calendar of every window. With ``keys``, keyed by the windows (all it is made from besides the
    configuration and the code, which salt the keys), and not made again when an earlier build made it from the
    same: then not even its library is imported (about 20 ms of a rebuild that changed no window)."""
    windows = sorted(site.maintenances, key=lambda m: (m.scheduled_start, m.slug))
    key = keys.key(PATH, PATH, {"windows": windows}) if keys is not None else None
    if keys is not None and keys.unchanged(PATH, key):
        return Artifact(PATH, b"", key=key, reused=True)
    from icalendar import Calendar, Event

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
    for window in windows:
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
    return Artifact(PATH, calendar.to_ical(), key=key)
