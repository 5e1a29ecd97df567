"""``[audit]`` in statusgen.toml: which rules run, how loud, and the site's own words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from statusgen.audit.rules import RULES
from statusgen.diagnostics import Severity, did_you_mean
from statusgen.toml_checker import TomlChecker, describe_value
from statusgen.toml_lines import KeyPath

_KEYS = {"rules", "phrases", "people", "vendors", "internal_domains", "jargon"}
_LEVELS = {"off": None, "note": Severity.NOTE, "warning": Severity.WARNING, "error": Severity.ERROR}


@dataclass(frozen=True)
class AuditSettings:
    """``[audit]``: per-site configuration of the communication audit."""

    levels: tuple[tuple[str, Severity | None], ...] = ()
    """``[audit.rules]``: rule id = "off", "note", "warning" or "error"."""
    phrases: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """``[audit.phrases]``: rule id = extra phrases that rule reports (for
    speculation, eta-promise, performative-apology and passive-evasion)."""
    people: tuple[str, ...] = ()
    """Names that must never appear on the page (your staff roster)."""
    vendors: tuple[str, ...] = ()
    """Supplier names that must not be blamed (generic ones such as "our cloud provider" are built in)."""
    internal_domains: tuple[str, ...] = ()
    """Domains whose host names are internal (``corp.example.com``); ``.internal``, ``.local``,
    ``.lan`` and ``.corp`` are built in."""
    jargon: tuple[tuple[str, str], ...] = ()
    """``[audit.jargon]``: term = plain words to use instead; an empty string
    removes a built-in term."""

    def severity(self, rule: str) -> Severity | None:
        """The severity a rule reports at on this site (None: turned off)."""
        return dict(self.levels).get(rule, RULES[rule].severity)

    def extra_phrases(self, rule: str) -> tuple[str, ...]:
        return dict(self.phrases).get(rule, ())


def load_audit_settings(check: TomlChecker, table: object) -> AuditSettings:
    """Read ``[audit]``; unknown rule ids are errors, since a typo would leave a rule on."""
    if not isinstance(table, dict):
        check.err(("audit",), "config-type", f"audit must be a table ([audit]), found {describe_value(table)}")
        return AuditSettings()
    check.unknown_keys(table, _KEYS, ("audit",), "[audit]")
    return AuditSettings(
        levels=_levels(check, table.get("rules", {})),
        phrases=_phrases(check, table.get("phrases", {})),
        people=check.strings(table, "people", ("audit",)),
        vendors=check.strings(table, "vendors", ("audit",)),
        internal_domains=tuple(d.lower().lstrip(".") for d in check.strings(table, "internal_domains", ("audit",))),
        jargon=_jargon(check, table.get("jargon", {})),
    )


def _rule_table(check: TomlChecker, value: object, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        check.err(("audit", name), "config-type", f"audit.{name} must be a table, found {describe_value(value)}")
        return {}
    known = sorted(RULES)
    out = {}
    for rule, setting in value.items():
        if rule not in RULES:
            check.err(("audit", name, rule), "config-unknown-rule",
                      f"audit.{name} names '{rule}', which is not a rule{did_you_mean(rule, known)}; "
                      "'statusgen rules' lists them")
        else:
            out[rule] = setting
    return out


def _levels(check: TomlChecker, value: object) -> tuple[tuple[str, Severity | None], ...]:
    out = []
    for rule, level in _rule_table(check, value, "rules").items():
        if not isinstance(level, str) or level not in _LEVELS:
            check.err(("audit", "rules", rule), "config-value",
                      f"audit.rules.{rule} must be one of off, note, warning, error, found {describe_value(level)}")
        else:
            out.append((rule, _LEVELS[level]))
    return tuple(out)


def _phrases(check: TomlChecker, value: object) -> tuple[tuple[str, tuple[str, ...]], ...]:
    out = []
    for rule, phrases in _rule_table(check, value, "phrases").items():
        where: KeyPath = ("audit", "phrases", rule)
        if not RULES[rule].phrases:
            takes = ", ".join(r.id for r in RULES.values() if r.phrases)
            check.err(where, "config-value", f"rule '{rule}' takes no phrases; these do: {takes}")
        elif not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
            check.err(where, "config-type", f"audit.phrases.{rule} must be a list of phrases, found {describe_value(phrases)}")
        else:
            out.append((rule, tuple(p.strip() for p in phrases)))
    return tuple(out)


def _jargon(check: TomlChecker, value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        check.err(("audit", "jargon"), "config-type", f"audit.jargon must be a table of term = \"plain words\", found {describe_value(value)}")
        return ()
    out = []
    for term, plain in value.items():
        if not isinstance(plain, str):
            check.err(("audit", "jargon", term), "config-type",
                      f"audit.jargon.{term} must be the plain words to use instead (a string; \"\" removes a built-in term), "
                      f"found {describe_value(plain)}")
        else:
            out.append((term, plain.strip()))
    return tuple(out)
