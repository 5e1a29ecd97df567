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

import functools
import hashlib
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from statusgen.kept import Kept, replaced
from statusgen.model import Impact, Incident, MaintenanceState, Site

_BY_RANK = sorted(Impact, key=lambda impact: impact.rank)

#: A ratio not asked for yet (a ratio may be None).
_UNKNOWN = object()

#: A component's ratios a warm process keeps from build to build, at most (periods move on with the time).
_RATIOS_KEPT = 10_000

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _us(moment: datetime) -> int:
    """An instant as whole microseconds since 1970: exact, and an int compares, hashes and subtracts
    several times faster than an aware datetime (a build sweeps every interval of the history)."""
    return (moment - _EPOCH) // _MICROSECOND


def _seconds(us: int) -> float:
    """What ``timedelta(microseconds=us).total_seconds()`` is, to the last bit."""
    return us / 1_000_000


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _overlap(spans: list[tuple[int, int]], start: int, end: int) -> int:
    total = 0
    for s, e in spans:
        lo, hi = max(s, start), min(e, end)
        if hi > lo:
            total += hi - lo
    return total


@dataclass(frozen=True)
class _Segments:
    """One component's history as disjoint segments, each with the worst impact covering it, in order:
    parallel lists (starts and ends in microseconds, see :func:`_us`), so a query bisects ``starts``."""

    starts: list[int]
    ends: list[int]
    weights: list[float]
    impacts: list[Impact]


#: An impact interval as the sweep takes it: start and end (see :func:`_us`) and the impact's rank.
_Span = tuple[int, int, int]


def _spans_of(incident: Incident, now_us: int, into: dict[str, list[_Span]], only: str | None = None) -> None:
    """Add ``incident``'s impact intervals, up to now, to the spans of their components in ``into`` (of ``only``)."""
    for interval in incident.intervals:
        if only is not None and interval.component != only:
            continue
        end = min(_us(interval.end), now_us) if interval.end is not None else now_us
        start = _us(interval.start)
        if end > start:
            into[interval.component].append((start, end, interval.impact.rank))


def _worst_segments(spans: list[_Span], weights: dict[Impact, float]) -> _Segments:
    """Split overlapping intervals (start, end, impact rank) into disjoint segments, each with the worst
    impact covering it: one sweep over the start and end events in time order."""
    # Counted by rank, so the worst impact covering a moment is the highest rank with a count.
    events = sorted([(start, rank, 1) for start, _, rank in spans] + [(end, rank, -1) for _, end, rank in spans])
    active = [0] * len(_BY_RANK)
    out = _Segments([], [], [], [])
    count, n = len(events), 0
    while n < count:
        left = events[n][0]
        while n < count and events[n][0] == left:
            active[events[n][1]] += events[n][2]
            n += 1
        if n == count:
            break
        right, rank = events[n][0], len(active) - 1
        while rank >= 0 and not active[rank]:
            rank -= 1
        if rank < 0:
            continue
        impact = _BY_RANK[rank]
        if out.ends and out.ends[-1] == left and out.impacts[-1] is impact:
            out.ends[-1] = right
        else:
            out.starts.append(left)
            out.ends.append(right)
            out.weights.append(weights.get(impact, 0.0))
            out.impacts.append(impact)
    return out


def _with_spans(base: _Segments, spans: list[_Span], weights: dict[Impact, float]) -> _Segments:
    """What :func:`_worst_segments` makes of ``base``'s spans and ``spans`` together: the segments of ``base``
    that end before the first of ``spans`` begins stay as they are, the others are swept again with them."""
    if not spans:
        return base
    cut = bisect_right(base.ends, min(start for start, _, _ in spans))
    tail = _worst_segments(spans + [(base.starts[n], base.ends[n], base.impacts[n].rank)
                                    for n in range(cut, len(base.starts))], weights)
    out = _Segments(base.starts[:cut], base.ends[:cut], base.weights[:cut], base.impacts[:cut])
    first = 0
    if out.ends and tail.starts and out.ends[-1] == tail.starts[0] and out.impacts[-1] is tail.impacts[0]:
        out.ends[-1] = tail.ends[0]  # one segment, as a single sweep makes it
        first = 1
    out.starts.extend(tail.starts[first:])
    out.ends.extend(tail.ends[first:])
    out.weights.extend(tail.weights[first:])
    out.impacts.extend(tail.impacts[first:])
    return out


def _settled_as_before(site: Site, now: datetime, state: dict[str, Any]) -> tuple[dict[str, _Segments], list[int]] | None:
    """The segments of the settled incidents, and the places of the others, as the last build of a warm process made
    them (``state``, see :class:`Uptime`), when they still hold: at the same time or later, the same incidents in
    the same places but a few (see :func:`statusgen.kept.replaced`), each of those settled then and now with the same
    impacts, or going on then and now; and none of those going on then settled since. None when they may not."""
    if state["now"] > now:
        return None
    places = replaced(state["incidents"], site.incidents)
    if places is None:
        return None
    before, was_open = state["incidents"], set(state["open"])
    for n in places:
        old, new = before[n], site.incidents[n]
        if new.settled(now) != (n not in was_open) or (n not in was_open and new.intervals != old.intervals):
            return None
    if any(site.incidents[n].settled(now) for n in was_open):
        return None
    return state["bases"], state["open"]


class Uptime:
    """Per-component impact segments, computed once, queried for any period.

    A component's segments are made in two parts: those of its settled incidents (:meth:`Incident.settled`),
    which the build's time cannot change, and with them the intervals of the others, up to now. With
    ``kept`` (and the incidents' ``fingerprints``), the first part is taken from an earlier build that made it from
    the same incidents, by a digest of their fingerprints: only the few incidents still open are swept again."""

    def __init__(self, site: Site, now: datetime, *, fingerprints: Mapping[str, bytes] | None = None,
                 kept: Kept | None = None, memo: dict[str, Any] | None = None,
                 state: dict[str, Any] | None = None) -> None:
        """``memo``: what earlier builds of this process made (see :meth:`statusgen.cache.ValidationCache.memo`):
        a component's ratios are taken from it when its segments and maintenance windows are those it had then; it is
        left holding this build's, with those earlier ones (up to :data:`_RATIOS_KEPT` a component). ``state``: what the
        last build of this process made of the settled incidents, left holding this build's: taken as it is when this
        build's settled incidents have the same impacts (see :func:`_settled_as_before`), without looking at them."""
        self._now = now_us = _us(now)
        weights = {Impact.MAJOR_OUTAGE: 1.0, Impact.PARTIAL_OUTAGE: site.config.uptime.partial_outage_weight}
        components = [c.id for c in site.config.components]
        open_spans: dict[str, list[_Span]] = {cid: [] for cid in components}
        before = _settled_as_before(site, now, state) if state else None
        if before is not None:
            bases, still_open = before
            if kept is not None and state is not None and state["kept"] is not None:
                kept.order.extend(state["kept"][0])
                kept.made.update(state["kept"][1])
            for n in still_open:
                _spans_of(site.incidents[n], now_us, open_spans)
        else:
            bases, still_open = self._settled(site, now, components, weights, open_spans, fingerprints, kept)
        if state is not None:
            state.clear()
            state.update(now=now, incidents=site.incidents, bases=bases, open=still_open,
                         kept=(kept.order, kept.made) if kept is not None else None)
        self._segments: dict[str, _Segments] = {cid: _with_spans(bases[cid], open_spans[cid], weights) for cid in components}
        self._maintenance: dict[str, list[tuple[int, int]]] = {}
        for cid in components:
            windows = [(_us(m.scheduled_start), min(_us(m.scheduled_end), now_us)) for m in site.maintenances
                       if cid in m.components and m.state is not MaintenanceState.CANCELLED and m.scheduled_start < now]
            self._maintenance[cid] = _merge([w for w in windows if w[1] > w[0]])
        self._maintenance_starts = {cid: [start for start, _ in spans] for cid, spans in self._maintenance.items()}
        self._maintenance_ends = {cid: [end for _, end in spans] for cid, spans in self._maintenance.items()}
        # By component, the ratios asked for, by period (as microseconds, the end no later than now); and those an
        # earlier build asked for of the same segments and windows (a ratio depends on nothing else): the overview's
        # bars, the components' pages and the reports ask for 2,400 at a time, most of them each build.
        self._ratios: dict[str, dict[tuple[int, int], float | None]] = {cid: {} for cid in components}
        self._ratios_then: dict[str, dict[tuple[int, int], float | None]] = {}
        if memo is not None:
            for cid in components:
                then = memo.get(cid)
                if then is not None and then[1] == self._maintenance[cid] and then[0] == self._segments[cid]:
                    self._ratios_then[cid] = then[2]
                    if len(then[2]) < _RATIOS_KEPT:  # those this process does not ask for again are kept too
                        self._ratios[cid] = then[2]
                memo[cid] = (self._segments[cid], self._maintenance[cid], self._ratios[cid])

    @staticmethod
    def _settled(site: Site, now: datetime, components: list[str], weights: dict[Impact, float],
                 open_spans: dict[str, list[_Span]], fingerprints: Mapping[str, bytes] | None,
                 kept: Kept | None) -> tuple[dict[str, _Segments], list[int]]:
        """Each component's segments made of its settled incidents (with ``kept``, as an earlier build made them from
        the same incidents, by a digest of their fingerprints), and the places of the others, whose intervals up to
        now are put in ``open_spans``."""
        now_us = _us(now)
        settled: dict[str, list[Incident]] = {cid: [] for cid in components}
        digests = {cid: hashlib.blake2b(b"uptime\0" + cid.encode(), digest_size=20) for cid in components}
        known = kept is not None and fingerprints is not None
        still_open = []
        for n, incident in enumerate(site.incidents):
            if incident.settled(now):
                fingerprint = fingerprints.get(incident.path) if fingerprints is not None else None
                known = known and fingerprint is not None
                for cid in incident.affected():
                    settled[cid].append(incident)
                    if known:
                        digests[cid].update(fingerprint)  # type: ignore[arg-type]
            else:
                still_open.append(n)
                _spans_of(incident, now_us, open_spans)

        def make(cid: str) -> _Segments:
            spans: dict[str, list[_Span]] = {cid: []}
            for incident in settled[cid]:
                _spans_of(incident, now_us, spans, only=cid)
            return _worst_segments(spans[cid], weights)

        bases = {}
        for cid in components:
            base = (kept.take(cid, digests[cid].digest(), functools.partial(make, cid), _Segments)
                    if known and kept is not None else make(cid))
            assert isinstance(base, _Segments)
            bases[cid] = base
        return bases, still_open

    def _segments_in(self, cid: str, start: int, end: int) -> range:
        """The indexes of the segments of ``cid`` that overlap [start, end) (none when it is empty)."""
        if end <= start:
            return range(0)
        segments = self._segments[cid]
        first = max(bisect_left(segments.starts, start) - 1, 0)
        while first < len(segments.starts) and segments.ends[first] <= start and segments.starts[first] < end:
            first += 1
        last = bisect_left(segments.starts, end, lo=first)
        return range(first, last)

    def ratio(self, cid: str, start: datetime, end: datetime) -> float | None:
        """Uptime of one component over [start, end) as 0..1; None when no
        countable time remains (the period is in the future or all maintenance)."""
        # As instants: subtracting two wall-clock times of one zone would be wrong across DST.
        lo_us, hi_us = _us(start), min(_us(end), self._now)
        if hi_us <= lo_us:
            return None
        ratios, period = self._ratios[cid], (lo_us, hi_us)
        found: object = ratios.get(period, _UNKNOWN)
        if found is _UNKNOWN:
            then = self._ratios_then.get(cid)
            found = then.get(period, _UNKNOWN) if then is not None else _UNKNOWN
            if found is _UNKNOWN:
                found = self._ratio(cid, lo_us, hi_us)
            ratios[period] = cast(float | None, found)
        return cast(float | None, found)

    def _ratio(self, cid: str, lo_us: int, hi_us: int) -> float | None:
        # Only the windows that meet the period (they are disjoint and in order): each segment in it is checked
        # against them.
        windows = self._maintenance[cid]
        first = bisect_right(self._maintenance_ends[cid], lo_us)
        maintenance = windows[first:bisect_left(self._maintenance_starts[cid], hi_us, lo=first)]
        counted = (hi_us - lo_us) - _overlap(maintenance, lo_us, hi_us)
        if counted <= 0:
            return None
        segments = self._segments[cid]
        starts, ends, weights = segments.starts, segments.ends, segments.weights
        down = 0.0
        window, windows_left = 0, len(maintenance)
        for n in self._segments_in(cid, lo_us, hi_us):
            lo = starts[n] if starts[n] > lo_us else lo_us
            hi = ends[n] if ends[n] < hi_us else hi_us
            length = hi - lo
            # The windows this segment meets, in one pass: segments and windows are each disjoint and in order, so
            # a window that ends before this segment starts meets no later one either.
            while window < windows_left and maintenance[window][1] <= lo:
                window += 1
            meeting = window
            while meeting < windows_left and maintenance[meeting][0] < hi:
                window_start, window_end = maintenance[meeting]
                length -= (window_end if window_end < hi else hi) - (window_start if window_start > lo else lo)
                meeting += 1
            down += weights[n] * _seconds(length)
        return max(0.0, 1.0 - down / _seconds(counted))

    def worst_in(self, cid: str, start: datetime, end: datetime) -> Impact:
        """The worst impact the component had during [start, end)."""
        impacts = self._segments[cid].impacts
        return max((impacts[n] for n in self._segments_in(cid, _us(start), min(_us(end), self._now))),
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
