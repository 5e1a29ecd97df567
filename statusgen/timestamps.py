"""Parsing the timestamps people write, always with an explicit offset."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_RFC3339ISH = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[Zz]|UTC|[+-]\d{2}:?\d{2})?$"
)
_HAS_OFFSET = re.compile(r"(?:[Zz]|UTC|[+-]\d{2}:?\d{2})$")


def iso_utc(moment: datetime) -> str:
    """Machine form, as front matter, ``datetime=`` attributes and feeds write it: ``2026-03-02T14:05:00Z``."""
    if moment.tzinfo is UTC:  # as the model holds every time: a page has dozens, so no converted copy is made
        return moment.isoformat(timespec="seconds")[:-6] + "Z"  # '+00:00' off; always a four-digit year
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def utc_text(moment: datetime) -> str:
    """As update headings and messages write it: ``2026-03-02 14:05 UTC``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


class TimestampError(ValueError):
    """Why a timestamp was refused; the message completes 'X must be ... (got ...)'."""


def parse_timestamp(text: str) -> datetime:
    """Parse ``2026-03-02T14:05:00Z``, ``2026-03-02 14:05+01:00``, ``... UTC``.

    Returns an aware datetime in UTC. A time without an offset is refused:
    guessing a zone would silently shift an incident by hours.
    """
    text = text.strip()
    if not _RFC3339ISH.match(text):
        raise TimestampError("a date and time with an offset, such as 2026-03-02T14:05:00Z")
    if not _HAS_OFFSET.search(text):
        raise TimestampError("a date and time with an offset (Z, UTC or +01:00); the time has none")
    normalized = re.sub(r"\s*UTC$", "+00:00", text)
    normalized = re.sub(r"\s+(?=[+-]\d{2}:?\d{2}$)", "", normalized)
    try:
        parsed = datetime.fromisoformat(normalized)
    except ValueError as exc:
        raise TimestampError(f"a real date and time ({exc})") from exc
    return parsed.astimezone(UTC)


#: English month names, for labels; every stage may name a month.
MONTHS = ("January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December")
