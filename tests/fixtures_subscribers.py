"""Fixture content for the feed, API, calendar and badge tests (NOW is 2026-03-10 12:00 UTC)."""

from __future__ import annotations

OPEN_MINOR = """\
---
title: Slow API responses
severity: sev3
state: investigating
started: 2026-03-10T11:30:00Z
components:
  api: degraded_performance
---

## 2026-03-10 11:40 UTC — Investigating

API responses are slower than usual. Next update by 12:40 UTC.
"""

OPEN_MAJOR = """\
---
title: Web app unavailable
severity: sev1
state: identified
started: 2026-03-10T11:00:00Z
components:
  web: partial_outage
---

## 2026-03-10 11:30 UTC — Identified

Components: web=major_outage, api=partial_outage

We found the cause and are rolling back.

## 2026-03-10 11:05 UTC — Investigating

The web app fails to load for some customers.
"""

MAINTENANCE = """\
---
title: Email provider migration
kind: maintenance
state: scheduled
scheduled_start: 2026-03-10T11:00:00Z
scheduled_end: 2026-03-10T13:00:00Z
components:
  email: under_maintenance
summary: Moving invoice email to a new provider.
---

## 2026-03-01 09:00 UTC — Scheduled

We will move invoice email to a new provider. Email may be delayed by a few minutes.
"""

POSTMORTEM = """\
---
title: API errors on 2 March
incidents: [2026-03-02-api-errors]
published: 2026-03-05T10:00:00Z
summary: A configuration change overloaded the API's database pool.
---

## What happened

For 90 minutes, 12% of API requests failed.
"""
