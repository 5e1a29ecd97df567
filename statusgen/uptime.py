"""Uptime from incident impact intervals (pure).

For one component over a period: at each moment the component's impact is
the worst impact of any incident covering it. A major outage counts as down,
a partial outage as ``partial_outage_weight`` down (default 0.3), degraded
performance as up. Time inside the component's maintenance windows (as
scheduled; cancelled windows excepted) is left out of both the downtime and
the period. Time after the build's ``now`` is not counted.

    uptime = 1 - weighted downtime / (period - maintenance)

The overview's bars and the reports use this one computation.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from statusgen.model import Impact, MaintenanceState, Site

_BY_RANK = sorted(Impact, key=lambda impact: impact.rank)


@dataclass(frozen=True)
class Segment:
    start: datetime
    end: datetime
    weight: float
    impact: Impact


def _merge(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _overlap(spans: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> timedelta:
    total = timedelta(0)
    for s, e in spans:
        lo, hi = max(s, start), min(e, end)
        if hi > lo:
            total += hi - lo
    return total


class Uptime:
    """Per-component impact segments, computed once, queried for any period."""

    def __init__(self, site: Site, now: datetime) -> None:
        self.now = now
        weights = {Impact.MAJOR_OUTAGE: 1.0, Impact.PARTIAL_OUTAGE: site.config.uptime.partial_outage_weight}
        self.segments: dict[str, list[Segment]] = {}
        self.maintenance: dict[str, list[tuple[datetime, datetime]]] = {}
        intervals: dict[str, list[tuple[datetime, datetime, Impact]]] = {c.id: [] for c in site.config.components}
        for incident in site.incidents:
            for interval in incident.intervals:
                end = min(interval.end or now, now)
                if end > interval.start:
                    intervals[interval.component].append((interval.start, end, interval.impact))
        for cid, spans in intervals.items():
            self.segments[cid] = self._worst_segments(spans, weights)
        for cid in intervals:
            windows = [(m.scheduled_start, min(m.scheduled_end, now)) for m in site.maintenances
                       if cid in m.components and m.state is not MaintenanceState.CANCELLED and m.scheduled_start < now]
            self.maintenance[cid] = _merge([w for w in windows if w[1] > w[0]])
        self._starts = {cid: [s.start for s in segs] for cid, segs in self.segments.items()}

    @staticmethod
    def _worst_segments(spans: list[tuple[datetime, datetime, Impact]], weights: dict[Impact, float]) -> list[Segment]:
        """Split overlapping intervals into disjoint segments, each with the worst
        impact covering it: one sweep over the sorted start and end events."""
        # Counted by rank, so the worst impact covering a moment is the highest rank with a count.
        events: dict[datetime, list[tuple[int, int]]] = {}
        for start, end, impact in spans:
            events.setdefault(start, []).append((impact.rank, 1))
            events.setdefault(end, []).append((impact.rank, -1))
        active = [0] * len(_BY_RANK)
        out: list[Segment] = []
        moments = sorted(events)
        for left, right in pairwise(moments):
            for rank, delta in events[left]:
                active[rank] += delta
            rank = len(active) - 1
            while rank >= 0 and not active[rank]:
                rank -= 1
            if rank < 0:
                continue
            impact = _BY_RANK[rank]
            if out and out[-1].end == left and out[-1].impact is impact:
                out[-1] = Segment(out[-1].start, right, out[-1].weight, impact)
            else:
                out.append(Segment(left, right, weights.get(impact, 0.0), impact))
        return out

    def _segments_in(self, cid: str, start: datetime, end: datetime) -> list[Segment]:
        segments = self.segments[cid]
        index = max(bisect_left(self._starts[cid], start) - 1, 0)
        found = []
        for segment in segments[index:]:
            if segment.start >= end:
                break
            if segment.end > start:
                found.append(segment)
        return found

    def ratio(self, cid: str, start: datetime, end: datetime) -> float | None:
        """Uptime of one component over [start, end) as 0..1; None when no
        countable time remains (the period is in the future or all maintenance)."""
        # In UTC: subtracting two times that share a zone gives wall-clock time, wrong across DST.
        start, end = start.astimezone(UTC), min(end, self.now).astimezone(UTC)
        if end <= start:
            return None
        maintenance = self.maintenance[cid]
        counted = (end - start) - _overlap(maintenance, start, end)
        if counted <= timedelta(0):
            return None
        down = 0.0
        for segment in self._segments_in(cid, start, end):
            lo, hi = max(segment.start, start), min(segment.end, end)
            span = (hi - lo) - _overlap(maintenance, lo, hi)
            down += segment.weight * span.total_seconds()
        return max(0.0, 1.0 - down / counted.total_seconds())

    def worst_in(self, cid: str, start: datetime, end: datetime) -> Impact:
        """The worst impact the component had during [start, end)."""
        return max((s.impact for s in self._segments_in(cid, start, min(end, self.now))),
                   key=lambda i: i.rank, default=Impact.OPERATIONAL)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """A calendar day in the site's zone as an instant range (23 or 25 hours on DST changes)."""
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def percent(ratio: float | None) -> str:
    """'99.95%' (two decimals, never rounded up to 100 unless it is 100), or 'no data'."""
    if ratio is None:
        return "no data"
    if ratio >= 1.0:
        return "100%"
    return f"{min(ratio * 100, 99.99):.2f}%"
