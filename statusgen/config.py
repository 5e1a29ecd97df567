"""The site configuration (``statusgen.toml``): typed, validated, documented.

Every field's docstring is its reference documentation. Unknown sections
and keys are warnings (errors with ``--strict``), so a typo never silently
does nothing.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from statusgen.audit.settings import AuditSettings, load_audit_settings
from statusgen.diagnostics import Diagnostic, did_you_mean, error
from statusgen.model import Component, ComponentGroup, Severity
from statusgen.sources import ConfigSource
from statusgen.toml_checker import TomlChecker, describe_value
from statusgen.toml_lines import KeyPath

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Links:
    """Links shown in the header and footer."""

    home: str | None = None
    """Your product's home page (absolute URL)."""
    support: str | None = None
    """Where customers get help (absolute URL or ``mailto:``)."""


@dataclass(frozen=True)
class PostmortemPolicy:
    """``[policy.postmortem]``: which incidents owe a postmortem, and by when."""

    severities: tuple[Severity, ...] = (Severity.SEV1, Severity.SEV2)
    """Severities that always owe a postmortem. Default ``["sev1", "sev2"]``."""
    outage_longer_than: timedelta = timedelta(minutes=30)
    """Any partial or major outage longer than this owes one. Default ``"30m"``."""
    components: tuple[str, ...] = ()
    """Components for which every incident owes one. Default none."""
    due_within: timedelta = timedelta(days=5)
    """How long after resolution the postmortem is due. Default ``"5d"``."""
    effective_from: date | None = None
    """Incidents that started before this date predate the policy."""


@dataclass(frozen=True)
class CommunicationPolicy:
    """``[policy.communication]``: how quickly and how often updates go out."""

    first_update_within: timedelta = timedelta(minutes=15)
    """Time from ``started`` to the first public update. Default ``"15m"``."""
    cadence_sev1: timedelta | None = timedelta(minutes=30)
    """Longest gap between sev1 updates while unresolved. Default ``"30m"``."""
    cadence_sev2: timedelta | None = timedelta(minutes=60)
    """Longest gap between sev2 updates while unresolved. Default ``"60m"``."""
    cadence_sev3: timedelta | None = None
    """Longest gap for sev3; unset means 'when the state changes'."""
    monitoring_longer_than: timedelta = timedelta(hours=24)
    """How long an incident may stay in ``monitoring`` before the audit says so. Default ``"24h"``."""
    stale_after: timedelta = timedelta(hours=24)
    """For a severity without a cadence: how long an open incident may go
    without an update before the audit calls it stale. Default ``"24h"``."""
    effective_from: date | None = None
    """Incidents that started before this date are not held to the timing
    rules (their wording is still checked: it is still on the page)."""
    show_first_update: bool = False
    """Show readers how soon the first update went out, on each incident page. Default false."""

    def cadence(self, severity: Severity) -> timedelta | None:
        """The longest allowed gap between updates for a severity (None: when the state changes)."""
        return {Severity.SEV1: self.cadence_sev1, Severity.SEV2: self.cadence_sev2, Severity.SEV3: self.cadence_sev3}[severity]


@dataclass(frozen=True)
class UptimePolicy:
    """``[uptime]``: how incident impact turns into an uptime figure."""

    partial_outage_weight: float = 0.3
    """How much of a partial outage's time counts as down (0 to 1). A major
    outage counts fully, degraded performance not at all. Default 0.3."""
    days: int = 90
    """Days shown in the overview's uptime bars. Default 90."""


@dataclass(frozen=True)
class SiteConfig:
    """The whole of ``statusgen.toml``."""

    title: str
    """The page's name, shown in the header and the browser tab. Required."""
    base_url: str
    """Absolute URL the site is published at, ending in ``/``; may carry a
    path (``https://example.github.io/status/``). Required."""
    description: str
    """One sentence for search engines and link previews. Default empty."""
    language: str
    """BCP 47 language tag of the content (``lang`` attribute). Default ``en``."""
    timezone: str
    """IANA time zone in which times are displayed. Default ``UTC``."""
    theme: str
    """Theme folder under ``themes/``; files there override the built-in
    default theme file by file. Default ``default``."""
    overview_days: int
    """How many days of recent incidents the overview lists. Default 7."""
    links: Links
    """``[links]``: home and support links."""
    groups: tuple[ComponentGroup, ...]
    """``[[groups]]``: id, name, optional description and order."""
    components: tuple[Component, ...]
    """``[[components]]``: id, name, optional description, group and order."""
    postmortem_policy: PostmortemPolicy
    """``[policy.postmortem]``."""
    communication_policy: CommunicationPolicy
    """``[policy.communication]``."""
    feed_entries: int = 50
    """How many of the most recent entries each Atom and RSS feed holds. Default 50."""
    uptime: UptimePolicy = UptimePolicy()
    """``[uptime]``."""
    audit: AuditSettings = field(default_factory=AuditSettings)
    """``[audit]``: the communication audit's rules and the site's own word lists."""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_path(self) -> str:
        """The URL path the site lives under: ``/`` or ``/status/``."""
        return urlsplit(self.base_url).path or "/"


_TOP_KEYS = {"title", "base_url", "description", "language", "timezone", "theme", "overview_days", "feed_entries",
             "uptime", "links", "groups", "components", "policy", "audit"}
_LINK_KEYS = {"home", "support"}
_GROUP_KEYS = {"id", "name", "description", "order"}
_COMPONENT_KEYS = {"id", "name", "description", "group", "order"}
_POLICY_SECTIONS = {
    "postmortem": {"severities", "outage_longer_than", "components", "due_within", "effective_from"},
    "communication": {"first_update_within", "cadence_sev1", "cadence_sev2", "cadence_sev3", "monitoring_longer_than",
                      "stale_after", "effective_from", "show_first_update"},
}


def _absolute_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def load_config(source: ConfigSource, *, base_url_override: str | None = None) -> tuple[SiteConfig | None, list[Diagnostic]]:
    """Parse and validate ``statusgen.toml``. Returns the config, or None with errors."""
    try:
        data = tomllib.loads(source.text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        column = getattr(exc, "colno", None)
        message = str(exc)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        if match:
            line, column = int(match.group(1)), int(match.group(2))
            message = message[: match.start()].strip()
        elif line is None:
            line, column = 1, 1
        return None, [error(source.path, line or 1, column or 1, "config-syntax",
                            f"{source.path} is not valid TOML: {message}")]

    check = TomlChecker(source)
    for key in data:
        if key not in _TOP_KEYS:
            check.warn((key,), "config-unknown-key",
                       f"unknown key '{key}' in {source.path}; it is ignored{did_you_mean(key, sorted(_TOP_KEYS))}")

    title = check.string(data, "title", (), required=True)
    base_url = base_url_override if base_url_override is not None else check.string(data, "base_url", (), required=True)
    if base_url and not _absolute_url(base_url):
        where = "--base-url" if base_url_override is not None else "base_url"
        check.err(("base_url",), "config-base-url",
                  f"{where} must be an absolute http(s) URL such as 'https://status.example.com/', found {base_url!r}")
    if base_url and not base_url.endswith("/"):
        base_url += "/"
    description = check.string(data, "description", ())
    language = check.string(data, "language", (), default="en")
    timezone = check.string(data, "timezone", (), default="UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        check.err(("timezone",), "config-timezone",
                  f"timezone must be an IANA time zone name such as 'UTC' or 'Europe/Paris', found {timezone!r}")
        timezone = "UTC"
    theme = check.string(data, "theme", (), default="default")
    if not ID_PATTERN.match(theme):
        check.err(("theme",), "config-theme", f"theme must be a folder name of lowercase letters, digits and hyphens, found {theme!r}")
        theme = "default"
    overview_days = check.integer(data, "overview_days", (), 7)
    if overview_days < 1:
        check.err(("overview_days",), "config-value", f"overview_days must be at least 1, found {overview_days}")
        overview_days = 7
    feed_entries = check.integer(data, "feed_entries", (), 50)
    if feed_entries < 1:
        check.err(("feed_entries",), "config-value", f"feed_entries must be at least 1, found {feed_entries}")
        feed_entries = 50

    links = _load_links(check, data.get("links", {}))
    groups = _load_groups(check, data.get("groups", []))
    components = _load_components(check, data.get("components", []), {g.id for g in groups})
    component_ids = [c.id for c in components]
    postmortem, communication = _load_policy(check, data.get("policy", {}), component_ids)
    uptime = _load_uptime(check, data.get("uptime", {}))
    audit = load_audit_settings(check, data.get("audit", {}))

    if any(d.severity.value == "error" for d in check.diagnostics):
        return None, check.diagnostics
    return SiteConfig(
        title=title, base_url=base_url, description=description, language=language,
        timezone=timezone, theme=theme, overview_days=overview_days, links=links,
        groups=groups, components=components, postmortem_policy=postmortem,
        communication_policy=communication, feed_entries=feed_entries, uptime=uptime, audit=audit,
    ), check.diagnostics


def _load_links(check: TomlChecker, table: object) -> Links:
    if not isinstance(table, dict):
        check.err(("links",), "config-type", f"links must be a table ([links]), found {describe_value(table)}")
        return Links()
    check.unknown_keys(table, _LINK_KEYS, ("links",), "[links]")
    found: dict[str, str | None] = {}
    for key in sorted(_LINK_KEYS):
        value = check.string(table, key, ("links",)) or None
        if value and not (_absolute_url(value) or value.startswith("mailto:")):
            check.err(("links", key), "config-url",
                      f"links.{key} must be an absolute http(s) URL or a mailto: address, found {value!r}")
            value = None
        found[key] = value
    return Links(home=found["home"], support=found["support"])


def _table_list(check: TomlChecker, value: object, name: str) -> list[tuple[int, dict[str, Any]]]:
    if not isinstance(value, list):
        check.err((name,), "config-type", f"{name} must be an array of tables ([[{name}]]), found {describe_value(value)}")
        return []
    out = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            check.err((name, index), "config-type", f"{name}[{index}] must be a table, found {describe_value(item)}")
            continue
        out.append((index, item))
    return out


def _load_id(check: TomlChecker, table: dict[str, Any], where: KeyPath, seen: dict[str, int], kind: str) -> str | None:
    ident = check.string(table, "id", where, required=True)
    if not ident:
        return None
    if not ID_PATTERN.match(ident):
        check.err((*where, "id"), "config-id",
                  f"{kind} id must be lowercase letters, digits and single hyphens (it becomes a URL), found {ident!r}")
        return None
    if ident in seen:
        check.err((*where, "id"), "config-duplicate-id",
                  f"{kind} id '{ident}' is used twice (first on line {seen[ident]})")
        return None
    seen[ident] = check.line((*where, "id"))
    return ident


def _load_groups(check: TomlChecker, value: object) -> tuple[ComponentGroup, ...]:
    groups = []
    seen: dict[str, int] = {}
    for index, table in _table_list(check, value, "groups"):
        where: KeyPath = ("groups", index)
        check.unknown_keys(table, _GROUP_KEYS, where, "[[groups]]")
        ident = _load_id(check, table, where, seen, "group")
        name = check.string(table, "name", where, required=True)
        description = check.string(table, "description", where)
        order = check.integer(table, "order", where, index)
        if ident and name:
            groups.append(ComponentGroup(ident, name, description, order))
    return tuple(sorted(groups, key=lambda g: (g.order, g.id)))


def _load_components(check: TomlChecker, value: object, group_ids: set[str]) -> tuple[Component, ...]:
    components = []
    seen: dict[str, int] = {}
    for index, table in _table_list(check, value, "components"):
        where: KeyPath = ("components", index)
        check.unknown_keys(table, _COMPONENT_KEYS, where, "[[components]]")
        ident = _load_id(check, table, where, seen, "component")
        name = check.string(table, "name", where, required=True)
        description = check.string(table, "description", where)
        group = check.string(table, "group", where) or None
        if group is not None and group not in group_ids:
            hint = did_you_mean(group, sorted(group_ids))
            check.err((*where, "group"), "config-unknown-group",
                      f"component group '{group}' is not declared in [[groups]]{hint}")
            group = None
        order = check.integer(table, "order", where, index)
        if ident and name:
            components.append(Component(ident, name, description, group, order))
    return tuple(sorted(components, key=lambda c: (c.order, c.id)))


def _load_policy(check: TomlChecker, value: object, component_ids: list[str]) -> tuple[PostmortemPolicy, CommunicationPolicy]:
    if not isinstance(value, dict):
        check.err(("policy",), "config-type", f"policy must be a table, found {describe_value(value)}")
        return PostmortemPolicy(), CommunicationPolicy()
    for section in value:
        if section not in _POLICY_SECTIONS:
            check.warn(("policy", section), "config-unknown-key",
                       f"unknown section [policy.{section}]; it is ignored{did_you_mean(section, sorted(_POLICY_SECTIONS))}")
    pm_table = value.get("postmortem", {})
    comm_table = value.get("communication", {})
    postmortem = PostmortemPolicy()
    communication = CommunicationPolicy()
    if isinstance(pm_table, dict):
        where: KeyPath = ("policy", "postmortem")
        check.unknown_keys(pm_table, _POLICY_SECTIONS["postmortem"], where, "[policy.postmortem]")
        severities = postmortem.severities
        if "severities" in pm_table:
            raw = pm_table["severities"]
            valid = {s.value for s in Severity}
            if not isinstance(raw, list) or not all(isinstance(s, str) and s in valid for s in raw):
                check.err((*where, "severities"), "config-type",
                          f"policy.postmortem.severities must be a list drawn from sev1, sev2, sev3, found {raw!r}")
            else:
                severities = tuple(Severity(s) for s in raw)
        components: tuple[str, ...] = ()
        if "components" in pm_table:
            raw = pm_table["components"]
            if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw):
                check.err((*where, "components"), "config-type",
                          f"policy.postmortem.components must be a list of component ids, found {describe_value(raw)}")
            else:
                for cid in raw:
                    if cid not in component_ids:
                        check.err((*where, "components"), "unknown-component",
                                  f"policy.postmortem.components names '{cid}', which is not a component in [[components]]{did_you_mean(cid, component_ids)}")
                components = tuple(raw)
        effective = check.day(pm_table, "effective_from", where)
        postmortem = PostmortemPolicy(
            severities=severities,
            outage_longer_than=check.duration(pm_table, "outage_longer_than", where, postmortem.outage_longer_than) or postmortem.outage_longer_than,
            components=components,
            due_within=check.duration(pm_table, "due_within", where, postmortem.due_within) or postmortem.due_within,
            effective_from=effective,
        )
    else:
        check.err(("policy", "postmortem"), "config-type", f"policy.postmortem must be a table, found {describe_value(pm_table)}")
    if isinstance(comm_table, dict):
        where = ("policy", "communication")
        check.unknown_keys(comm_table, _POLICY_SECTIONS["communication"], where, "[policy.communication]")
        first = check.duration(comm_table, "first_update_within", where, communication.first_update_within)
        communication = CommunicationPolicy(
            first_update_within=first or communication.first_update_within,
            cadence_sev1=check.duration(comm_table, "cadence_sev1", where, communication.cadence_sev1),
            cadence_sev2=check.duration(comm_table, "cadence_sev2", where, communication.cadence_sev2),
            cadence_sev3=check.duration(comm_table, "cadence_sev3", where, communication.cadence_sev3),
            monitoring_longer_than=check.duration(comm_table, "monitoring_longer_than", where,
                                                  communication.monitoring_longer_than) or communication.monitoring_longer_than,
            stale_after=check.duration(comm_table, "stale_after", where, communication.stale_after) or communication.stale_after,
            effective_from=check.day(comm_table, "effective_from", where),
            show_first_update=check.boolean(comm_table, "show_first_update", where, communication.show_first_update),
        )
    else:
        check.err(("policy", "communication"), "config-type", f"policy.communication must be a table, found {describe_value(comm_table)}")
    return postmortem, communication


def _load_uptime(check: TomlChecker, table: object) -> UptimePolicy:
    if not isinstance(table, dict):
        check.err(("uptime",), "config-type", f"uptime must be a table ([uptime]), found {describe_value(table)}")
        return UptimePolicy()
    check.unknown_keys(table, {"partial_outage_weight", "days"}, ("uptime",), "[uptime]")
    weight = table.get("partial_outage_weight", UptimePolicy.partial_outage_weight)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 <= weight <= 1:
        check.err(("uptime", "partial_outage_weight"), "config-value",
                  f"uptime.partial_outage_weight must be a number from 0 to 1, found {describe_value(weight)}")
        weight = UptimePolicy.partial_outage_weight
    days = check.integer(table, "days", ("uptime",), UptimePolicy.days)
    if not 1 <= days <= 366:
        check.err(("uptime", "days"), "config-value", f"uptime.days must be from 1 to 366, found {days}")
        days = UptimePolicy.days
    return UptimePolicy(partial_outage_weight=float(weight), days=days)
