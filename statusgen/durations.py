"""Durations written by people: ``30m``, ``1h30m``, ``5d``."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"(\d+)\s*([dhm])")
_WHOLE = re.compile(r"^\s*(?:\d+\s*[dhm]\s*)+$")
_UNIT = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}


def parse_duration(text: str) -> timedelta | None:
    """Parse ``5d``, ``2h``, ``30m`` or combinations; None if it isn't one."""
    if not _WHOLE.match(text):
        return None
    total = timedelta(0)
    for amount, unit in _PART.findall(text):
        total += int(amount) * _UNIT[unit]
    return total


def format_duration(delta: timedelta) -> str:
    """A short human duration: '2 h 5 min', '12 min', '3 d 4 h', '< 1 min'."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "< 1 min"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"
