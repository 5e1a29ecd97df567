"""Timestamps as pages, feeds and the API write them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from statusgen.timestamps import iso_utc

ZONES = st.one_of(st.just(UTC), st.builds(lambda minutes: timezone(timedelta(minutes=minutes)), st.integers(-1439, 1439)))


@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=ZONES))
def test_iso_utc_is_the_moment_in_utc_to_the_second_whatever_its_zone(moment: datetime) -> None:
    """The shortcut for times already in UTC writes what converting them would."""
    expected = moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
    assert iso_utc(moment) == expected
    assert iso_utc(moment.astimezone(UTC)) == expected


def test_iso_utc_always_writes_four_digits_of_year() -> None:
    assert iso_utc(datetime(33, 3, 2, 14, 5, 7, 999999, tzinfo=UTC)) == "0033-03-02T14:05:07Z"
