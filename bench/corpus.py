"""Write a realistic status site of N incidents, the same bytes for the same N and seed.

Shape (issue 8): 12 components in 3 groups; 1 to 3 components per incident; 4
timeline updates of about 80 words; severities mixed; dates over 3 years;
10% of incidents in the last two weeks (a few still open); one postmortem per
10 incidents; some maintenance windows. The messages follow the doctrine, so
the communication audit has realistic text to read.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

NOW = datetime(2026, 11, 22, 21, 0, tzinfo=UTC)
GROUPS = {"core": ["web", "api", "sign-in", "search"], "money": ["payments", "payouts", "bank-feeds", "invoicing"],
          "delivery": ["email", "webhooks", "exports", "notifications"]}
IMPACTS = ["degraded_performance", "partial_outage", "major_outage"]
SEVERITIES = ["sev1"] * 1 + ["sev2"] * 3 + ["sev3"] * 6
SENTENCES = [
    "Some customers are seeing errors when they open the dashboard or save an invoice.",
    "Requests to the affected service are slower than usual, and some time out after thirty seconds.",
    "We are investigating and have brought in the team that runs this part of the system.",
    "No data has been lost, and anything submitted during this time will be processed.",
    "If an action failed for you, it is safe to try it again once this update says so.",
    "We have found the cause: a configuration change made earlier today, which we are reverting now.",
    "Error rates have fallen since the change was reverted, and we are watching them closely.",
    "The backlog of delayed work is being processed in the order it arrived.",
    "Customers in every region were affected, though most requests still succeeded.",
    "We are sorry: for this period you could not rely on the service to do its job.",
    "We are adding an automatic check so that a change like this is stopped before it reaches you.",
    "A postmortem with what happened and what we are changing will follow within five days.",
]


def _message(rng: random.Random, words: int = 80) -> str:
    out: list[str] = []
    while sum(len(s.split()) for s in out) < words:
        out.append(rng.choice(SENTENCES))
    return "\n".join(out)


def _config(n: int) -> str:
    lines = [f'title = "Benchmark Status ({n} incidents)"', 'base_url = "https://status.bench.example/"', ""]
    for group, components in GROUPS.items():
        lines += ["[[groups]]", f'id = "{group}"', f'name = "{group.capitalize()}"', ""]
        for cid in components:
            lines += ["[[components]]", f'id = "{cid}"', f'name = "{cid.replace("-", " ").capitalize()}"', f'group = "{group}"', ""]
    # The postmortem policy starts after the corpus, so a build is not a wall of overdue notes.
    lines += ["[policy.postmortem]", "effective_from = 2027-01-01", ""]
    return "\n".join(lines)


def write_corpus(root: Path, n: int, *, seed: int = 1) -> Path:
    """Write the site into ``root`` (which must not exist yet); returns it."""
    rng = random.Random(seed)
    components = [c for group in GROUPS.values() for c in group]
    incidents, postmortems = root / "content" / "incidents", root / "content" / "postmortems"
    incidents.mkdir(parents=True)
    postmortems.mkdir(parents=True)
    (root / "statusgen.toml").write_text(_config(n), encoding="utf-8")
    span = timedelta(days=3 * 365)
    for i in range(n):
        recent = i % 10 == 0
        started = NOW - (timedelta(minutes=rng.randint(90, 14 * 24 * 60)) if recent else
                         timedelta(days=14) + span * rng.random())
        started = started.replace(second=0, microsecond=0)
        ongoing = recent and i % 200 == 0
        severity = rng.choice(SEVERITIES)
        affected = rng.sample(components, rng.randint(1, 3))
        steps = sorted(rng.sample(range(5, 80), 3))
        times = [started + timedelta(minutes=m) for m in (3, *steps)]
        states = ["investigating", "identified", "monitoring", "monitoring" if ongoing else "resolved"]
        slug = f"{started:%Y-%m-%d}-incident-{i:06d}"
        has_postmortem = i % 10 == 5 and not ongoing
        front = ["---", f"title: Incident {i} affecting {', '.join(affected)}", f"severity: {severity}",
                 f"state: {states[-1]}", f"started: {started:%Y-%m-%dT%H:%M:%SZ}"]
        if not ongoing:
            front.append(f"resolved: {times[-1]:%Y-%m-%dT%H:%M:%SZ}")
        if has_postmortem:
            front.append(f"postmortem: {slug}")
        front += ["components:", *(f"  {cid}: {rng.choice(IMPACTS)}" for cid in affected), "---", ""]
        body = [f"## {at:%Y-%m-%d %H:%M} UTC — {state.capitalize()}\n\n{_message(rng)}\n" for at, state in
                zip(reversed(times), reversed(states), strict=True)]
        (incidents / f"{slug}.md").write_text("\n".join(front) + "\n" + "\n".join(body), encoding="utf-8")
        if has_postmortem:
            published = times[-1] + timedelta(days=2)
            (postmortems / f"{slug}.md").write_text(
                f"---\ntitle: Postmortem for incident {i}\nincidents: [{slug}]\n"
                f"published: {published:%Y-%m-%dT%H:%M:%SZ}\nsummary: What happened and what we changed.\n---\n\n"
                f"## What happened\n\n{_message(rng, 120)}\n\n## Why our safeguards did not stop it\n\n{_message(rng, 60)}\n\n"
                f"## What we are doing\n\n- This week: {rng.choice(SENTENCES)}\n- Next quarter: {rng.choice(SENTENCES)}\n",
                encoding="utf-8")
    for j in range(max(1, n // 100)):
        start = (NOW - span * rng.random() + timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
        (incidents / f"{start:%Y-%m-%d}-maintenance-{j:05d}.md").write_text(
            f"---\ntitle: Planned maintenance {j}\nkind: maintenance\nstate: scheduled\n"
            f"scheduled_start: {start:%Y-%m-%dT%H:%M:%SZ}\nscheduled_end: {start + timedelta(hours=2):%Y-%m-%dT%H:%M:%SZ}\n"
            f"components:\n  {rng.choice(components)}: under_maintenance\n---\n\n"
            f"## {min(start, NOW) - timedelta(days=3):%Y-%m-%d %H:%M} UTC — Scheduled\n\n{_message(rng, 40)}\n",
            encoding="utf-8")
    return root
