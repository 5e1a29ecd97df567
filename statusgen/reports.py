"""Reliability reports per month and per year (pure).

A period's incidents are those that *started* in it (in the site's zone).
Time to first update is from ``started`` to the first update; time to
resolve (MTTR) from ``started`` to ``resolved``, over the period's resolved
incidents. Uptime uses :mod:`statusgen.uptime` over the period, up to now.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from statistics import mean, median
from zoneinfo import ZoneInfo

from statusgen.derive import month_key, month_label, month_range
from statusgen.model import Component, Incident, Severity, Site
from statusgen.obligations import Figures, Obligation, figures
from statusgen.uptime import Uptime


@dataclass(frozen=True)
class Period:
    key: str
    """URL part: '2026' or '2026/03'."""
    label: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Report:
    period: Period
    incidents: tuple[Incident, ...]
    by_severity: tuple[tuple[Severity, int], ...]
    first_update_median: timedelta | None
    first_update_worst: timedelta | None
    resolve_median: timedelta | None
    resolve_mean: timedelta | None
    uptime: tuple[tuple[Component, float | None], ...]
    postmortems: Figures
    months: tuple[MonthFigure, ...] = ()
    """For a year: each month's incident count and MTTR, for the charts."""


@dataclass(frozen=True)
class MonthFigure:
    period: Period
    count: int
    resolve_mean: timedelta | None


def _local_start(year: int, month: int, zone: ZoneInfo) -> datetime:
    return datetime(year, month, 1, tzinfo=zone).astimezone(UTC)


def month_period(year: int, month: int, zone: ZoneInfo) -> Period:
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    return Period(month_key(year, month), month_label(year, month),
                  _local_start(year, month, zone), _local_start(*following, zone))


def year_period(year: int, zone: ZoneInfo) -> Period:
    return Period(f"{year:04d}", str(year), _local_start(year, 1, zone), _local_start(year + 1, 1, zone))


def _timing(incidents: list[Incident]) -> tuple[list[timedelta], list[timedelta]]:
    first = [delay for i in incidents if (delay := i.first_update_delay()) is not None]
    resolve = [i.resolved - i.started for i in incidents if i.resolved is not None]
    return first, resolve


def _median(values: list[timedelta]) -> timedelta | None:
    return timedelta(seconds=median(v.total_seconds() for v in values)) if values else None


def _mean(values: list[timedelta]) -> timedelta | None:
    return timedelta(seconds=mean(v.total_seconds() for v in values)) if values else None


#: A set of incidents' times to first update and to resolve, and their mean time to resolve.
Timing = tuple[list[timedelta], list[timedelta], timedelta | None]

#: What a report shows besides its incidents and uptime: a year's month figures, and its incidents' timing (see
#: :meth:`Reports.report`).
Details = Callable[[], tuple[tuple["MonthFigure", ...], Timing | None]]

#: Takes a report kept by an earlier build: (the period's key, a digest of what its report is made from or None,
#: how to make it) -> the report, made or kept (see :meth:`Reports.report`).
Keeper = Callable[[str, bytes | None, Callable[[], Report]], object]


class Reports:
    """Every month and year from the first incident to now.

    With ``made_from`` (by incident slug, what the incident brings to a report: its fingerprint and what the
    postmortem figures count of its obligation) and ``keeper``, a report whose incidents and months are what an
    earlier build's were is taken from it, but for its uptime, made again (:attr:`digests` says what each was
    made from but its uptime)."""

    def __init__(self, site: Site, now: datetime, obligations: dict[str, Obligation], uptime: Uptime, *,
                 made_from: Mapping[str, bytes] | None = None, keeper: Keeper | None = None) -> None:
        self.site, self.now, self.obligations, self.uptime = site, now, obligations, uptime
        self.zone = site.config.zone
        self.by_month: dict[tuple[int, int], list[Incident]] = defaultdict(list)
        for incident in site.incidents:
            local = incident.started.astimezone(self.zone)
            self.by_month[(local.year, local.month)].append(incident)
        self._timings: dict[tuple[int, int], Timing] = {}
        self._made_from, self._keeper = made_from, keeper
        self.digests: dict[str, bytes] = {}
        """By period key, a digest of everything its report was made from (given ``made_from``)."""

    def _month_timing(self, year: int, month: int) -> Timing:
        """A month's times to first update and to resolve, and its MTTR: made once, for its own report and its
        year's (a year's times are its months' together; medians and means do not depend on the order)."""
        key = (year, month)
        if key not in self._timings:
            first, resolve = _timing(self.by_month.get(key, []))
            self._timings[key] = first, resolve, _mean(resolve)
        return self._timings[key]

    def months(self) -> list[tuple[int, int]]:
        """(year, month) from the first incident's month to now's, newest first."""
        if not self.by_month:
            return []
        local_now = self.now.astimezone(self.zone)
        return month_range((min(self.by_month)[0], 1), max(max(self.by_month), (local_now.year, local_now.month)))

    def years(self) -> list[int]:
        return sorted({year for year, _ in self.months()}, reverse=True)

    def _digest(self, period: Period, incidents: list[Incident], started: int) -> bytes | None:
        """What a report but its uptime is made from, besides the code and the configuration: its period, what each
        of its incidents brings (``made_from``) and, for a year, how many of its months have begun. None when unknown."""
        if self._made_from is None:
            return None
        digest = hashlib.blake2b(f"{period.key}\0{started}\0".encode(), digest_size=20)
        for incident in incidents:
            brings = self._made_from.get(incident.slug)
            if brings is None:
                return None
            digest.update(brings)
        return digest.digest()

    def report(self, period: Period, incidents: list[Incident], details: Details | None = None, started: int = 0) -> Report:
        """The report of ``period`` on ``incidents``. ``details``: its month figures (a year's, ``started`` of which
        have begun) and its incidents' timing when made already (else from the incidents), asked for only when
        the report is made, not kept."""
        uptime = tuple((c, self.uptime.ratio(c.id, period.start, period.end)) for c in self.site.config.components)

        def make() -> Report:
            months, timing = details() if details is not None else ((), None)
            if timing is None:
                first, resolve = _timing(incidents)
                timing = first, resolve, _mean(resolve)
            first, resolve, resolve_mean = timing
            counts = {s: 0 for s in Severity}
            for incident in incidents:
                counts[incident.severity] += 1
            return Report(
                period=period, incidents=tuple(incidents), by_severity=tuple(counts.items()),
                first_update_median=_median(first), first_update_worst=max(first, default=None),
                resolve_median=_median(resolve), resolve_mean=resolve_mean, uptime=uptime,
                postmortems=figures([self.obligations[i.slug] for i in incidents]), months=months,
            )

        if self._keeper is None:
            return make()
        digest = self._digest(period, incidents, started)
        if digest is not None:
            self.digests[period.key] = digest
        # Kept without its incidents and uptime, which this build has at hand: a year's report would hold thousands.
        kept = self._keeper(period.key, digest, lambda: dataclasses.replace(make(), incidents=(), uptime=()))
        assert isinstance(kept, Report)
        return dataclasses.replace(kept, period=period, incidents=tuple(incidents), uptime=uptime)

    def month(self, year: int, month: int) -> Report:
        return self.report(month_period(year, month, self.zone), self.by_month.get((year, month), []),
                           lambda: ((), self._month_timing(year, month)))

    def year(self, year: int) -> Report:
        incidents: list[Incident] = []
        periods = []
        for month in range(1, 13):
            incidents += self.by_month.get((year, month), [])
            period = month_period(year, month, self.zone)
            if period.start <= self.now:
                periods.append((month, period))
        incidents.sort(key=attrgetter("started", "slug"), reverse=True)  # keys made in C: a year holds thousands

        def details() -> tuple[tuple[MonthFigure, ...], Timing]:
            first: list[timedelta] = []
            resolve: list[timedelta] = []
            for month in range(1, 13):
                month_first, month_resolve, _ = self._month_timing(year, month)
                first += month_first
                resolve += month_resolve
            figures_by_month = tuple(MonthFigure(period, len(self.by_month.get((year, month), [])), self._month_timing(year, month)[2])
                                     for month, period in periods)
            return figures_by_month, (first, resolve, _mean(resolve))

        return self.report(year_period(year, self.zone), incidents, details, started=len(periods))
