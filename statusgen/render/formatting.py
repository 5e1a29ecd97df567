"""Formatting times, durations and URLs for pages (pure)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from statusgen.durations import format_duration
from statusgen.timestamps import MONTHS, iso_utc


class Formatter:
    """Shows times in the site's zone, always naming the zone."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def date_text(self, day: date) -> str:
        return f"{day.day} {MONTHS[day.month - 1]} {day.year}"

    def moment_date_text(self, moment: datetime) -> str:
        """The date of a moment, in the site's zone: '9 March 2026'."""
        return self.date_text(self.local(moment).date())

    @staticmethod
    def _clock_text(local: datetime) -> str:
        """'14:05 UTC' for a moment already in the site's zone."""
        return f"{local.hour:02d}:{local.minute:02d} {local.tzname()}"

    def datetime_text(self, moment: datetime) -> str:
        return self._local_datetime_text(self.local(moment))

    def _local_datetime_text(self, local: datetime) -> str:
        """'2 March 2026, 14:05 UTC' for a moment already in the site's zone."""
        return f"{self.date_text(local.date())}, {self._clock_text(local)}"

    def time_element(self, moment: datetime, style: str = "datetime") -> Markup:
        """``<time datetime="…Z">2 March 2026, 14:05 UTC</time>``; styles: datetime, date, time.
        Built with an f-string, not ``Markup.format``: a page has dozens and this is the hot path;
        the ISO time is digits and the style one of three words, so only the text needs escaping."""
        local = self.local(moment)
        if style == "date":
            text = self.date_text(local.date())
        elif style == "time":
            text = self._clock_text(local)
        elif style == "datetime":
            text = self._local_datetime_text(local)
        else:
            raise ValueError(f"unknown time style {style!r}")
        return Markup(f'<time datetime="{iso_utc(moment)}" data-local="{style}">{escape(text)}</time>')

    def end_element(self, start: datetime, end: datetime) -> Markup:
        """The end of a range: just the time when it ends on the day it began."""
        same_day = self.local(start).date() == self.local(end).date()
        return self.time_element(end, "time" if same_day else "datetime")

    @staticmethod
    def duration_between(start: datetime, end: datetime) -> str:
        """'2 h 5 min' from ``start`` to ``end`` (nothing before ``start``): how long something has gone on, on a
        live page, until ``generated``."""
        return format_duration(max(end - start, timedelta(0)))

    def day_element(self, day: date) -> Markup:
        return Markup('<time datetime="{}">{}</time>').format(day.isoformat(), self.date_text(day))


def relative_root(page: str) -> str:
    """The relative prefix from a page's folder to the site root.

    ``page`` is the page's URL path below the root: '' for the root,
    'incidents/x/' for a page in a folder. Relative links keep the site
    working under any path it is served from (GitHub Pages project sites,
    a local ``http.server``) with no rebuild.
    """
    depth = page.count("/")
    return "../" * depth if depth else "./"


def page_file(page: str) -> str:
    """The file a page URL is written to: 'incidents/x/' -> 'incidents/x/index.html'."""
    return f"{page}index.html" if page.endswith("/") or page == "" else page
