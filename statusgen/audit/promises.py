"""Promised next updates, read from an update's own words.

"Next update by 14:30 UTC", "we will post another update at 3:00 pm",
"next update in 30 minutes", "we will update you within the hour". The CLI's
``--next 30m`` writes the first form into the message, so a promise made on
the command line is visible to readers and is read back the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from statusgen.audit.text import Message

# "next update", or a future verb before update/information/news: never a past "the update at 14:30".
_SUBJECT = (r"(?:\bnext\s+update|\b(?:will|'ll|shall|going\s+to|plan\s+to|expect\s+to|aim\s+to)\s+(?:[\w-]+\s+){0,4}?"
            r"(?:update|information|news))s?\b[^.!?\n]{0,40}?")
_CLOCK = (r"(?P<date>\d{4}-\d{2}-\d{2}[ T])?(?P<hour>\d{1,2})(?::|\.)(?P<minute>\d{2})\s*(?P<ampm>[ap]\.?m\.?)?"
          r"(?:\s*(?P<zone>UTC|GMT|Z)\b)?")
_ABSOLUTE = re.compile(_SUBJECT + r"(?:\bby|\bat|\bbefore|\baround|\bno later than|:)\s+(?:approximately\s+|about\s+|or before\s+)?"
                       + _CLOCK, re.IGNORECASE)
_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10, "fifteen": 15,
          "twenty": 20, "thirty": 30, "forty-five": 45, "forty five": 45, "sixty": 60, "ninety": 90}
_RELATIVE = re.compile(_SUBJECT + r"\b(?:in|within|every)\s+(?:the\s+next\s+|about\s+|approximately\s+)?"
                       r"(?:(?P<count>\d+|an?|one|two|three|four|five|ten|fifteen|twenty|thirty|forty[- ]five|sixty|ninety)\s*"
                       r"(?P<unit>minutes?|mins?|hours?|hrs?)\b|(?P<hour>the\s+(?:next\s+)?hour)\b)", re.IGNORECASE)


@dataclass(frozen=True)
class Promise:
    """The writer promised the next update by ``due``."""

    due: datetime
    position: int
    words: str


def _absolute(match: re.Match[str], at: datetime, zone: ZoneInfo) -> datetime | None:
    hour, minute = int(match.group("hour")), int(match.group("minute"))
    ampm = (match.group("ampm") or "").lower().replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    where = UTC if match.group("zone") else zone
    local = at.astimezone(where)
    written = match.group("date")
    day = datetime.strptime(written.strip().rstrip("T"), "%Y-%m-%d").date() if written else local.date()
    due = datetime(day.year, day.month, day.day, hour, minute, tzinfo=where)
    if not match.group("date") and due < local:  # "by 00:15" written at 23:50 means tomorrow
        due += timedelta(days=1)
    return due.astimezone(UTC)


def _relative(match: re.Match[str], at: datetime) -> datetime:
    if match.group("hour"):
        return at + timedelta(hours=1)
    count_text = match.group("count").lower()
    count = int(count_text) if count_text.isdigit() else _WORDS[count_text.replace("-", " ") if count_text not in _WORDS else count_text]
    unit = match.group("unit").lower()
    return at + (timedelta(hours=count) if unit.startswith("h") else timedelta(minutes=count))


def promises(message: Message, at: datetime, zone: ZoneInfo) -> list[Promise]:
    """Every promised next-update time in the message, in text order. A clock
    time without a zone is read in the site's time zone."""
    view = message.own_words
    found = []
    for match in _ABSOLUTE.finditer(view):
        due = _absolute(match, at, zone)
        if due is not None:
            found.append(Promise(due, match.start(), match.group()))
    for match in _RELATIVE.finditer(view):
        found.append(Promise(_relative(match, at), match.start(), match.group()))
    return sorted(found, key=lambda p: p.position)
