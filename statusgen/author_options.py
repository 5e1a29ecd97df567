"""The authoring commands' options (``new``, ``update``, ``resolve``), apart from what runs them
(:mod:`statusgen.author_commands`), so that every command line can parse its options without importing
the authoring stack: a ``build`` would otherwise import Markdown and YAML parsing it may not need."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from statusgen.model import IncidentState, Severity


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser],
                site: Callable[[argparse.ArgumentParser], None]) -> None:
    """The authoring commands' options; ``site`` adds the shared -s/--site option."""
    new = commands.add_parser("new", help="start an incident, maintenance window or postmortem")
    kinds = new.add_subparsers(dest="kind", metavar="KIND", required=True)
    incident = kinds.add_parser("incident", help="open an incident with its first update",
                                description="Create content/incidents/<date>-<slug>.md. Without -m the first update is "
                                            "a template whose <<placeholders>> build and check refuse until replaced.")
    incident.add_argument("title")
    incident.add_argument("--severity", required=True, choices=[s.value for s in Severity])
    incident.add_argument("--component", action="append", metavar="ID=IMPACT", help="repeatable: api=partial_outage")
    incident.add_argument("--state", default="investigating", choices=[s.value for s in IncidentState if s.value != "resolved"])
    incident.add_argument("-m", "--message", metavar="TEXT", help="the first update; - reads standard input")
    incident.add_argument("--next", metavar="DURATION", help="promise the next update after this long (default with a template: 30m)")
    incident.add_argument("--at", metavar="TIME", help="when it started (UTC unless an offset is given); default now")
    site(incident)
    maintenance = kinds.add_parser("maintenance", help="schedule a maintenance window")
    maintenance.add_argument("title")
    maintenance.add_argument("--start", required=True, metavar="TIME", help="UTC unless an offset is given")
    maintenance.add_argument("--duration", required=True, metavar="DURATION", help="e.g. 2h")
    maintenance.add_argument("--component", action="append", required=True, metavar="ID")
    site(maintenance)
    postmortem = kinds.add_parser("postmortem", help="start a postmortem for an incident")
    postmortem.add_argument("incident", metavar="INCIDENT_SLUG")
    site(postmortem)

    update = commands.add_parser("update", help="add an update to an incident",
                                 description="Append a timeline update, set state, record impact changes. The file is "
                                             "validated before it is written and left unchanged if it would not build.")
    update.add_argument("slug", metavar="SLUG")
    update.add_argument("--state", choices=[s.value for s in IncidentState if s.value != "resolved"],
                        help="default: unchanged (use 'statusgen resolve' to resolve)")
    update.add_argument("-m", "--message", metavar="TEXT", help="- reads standard input; none opens $EDITOR")
    update.add_argument("--next", metavar="DURATION", help="promise the next update after this long, e.g. 30m")
    update.add_argument("--component", action="append", metavar="ID=IMPACT", help="repeatable: api=degraded_performance")
    update.add_argument("--at", metavar="TIME", help="UTC unless an offset is given; default now")
    site(update)
    resolve = commands.add_parser("resolve", help="resolve an incident with a final update")
    resolve.add_argument("slug", metavar="SLUG")
    resolve.add_argument("-m", "--message", metavar="TEXT", help="- reads standard input; none opens $EDITOR")
    resolve.add_argument("--at", metavar="TIME", help="UTC unless an offset is given; default now")
    site(resolve)
