"""Exposure rules: details that help an attacker and tell a customer nothing.

These read the whole text, code spans and quotations included: an address
in backticks is still published.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from statusgen.audit.findings import Context, Finding, finding_at
from statusgen.audit.settings import AuditSettings
from statusgen.audit.text import Message, quote

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(r"(?<![\w.])" + _OCTET + r"(?:\." + _OCTET + r"){3}(?:/\d{1,2})?(?![\w]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?:/\d{1,3})?(?![\w:])", re.IGNORECASE)
_VERSION_BEFORE = re.compile(r"(?:version|release|v)\s*$", re.IGNORECASE)
_INTERNAL_SUFFIXES = ("internal", "local", "lan", "corp", "intranet", "localdomain", "intra")
_HOST = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_ROLE_HOST = re.compile(
    r"(?<![\w./-])(?:(?:[a-z]+-)*(?:prod|production|stg|staging|preprod|dev)(?:-[a-z0-9]+)*-\d+[a-z]?"
    r"|(?:db|pg|mysql|redis|kafka|web|app|worker|node|host|srv|lb|cache|queue|mq|es)\d*(?:-[a-z]+)*-\d{1,3}[a-z]?)(?![\w/-])"
)
_BANDWIDTH = re.compile(
    r"\b\d+(?:[.,]\d+)?\s?(?:[KMGT]bps|[KMGT]bit/s|[KMGT]b/s|[KMGT]B/s|GbE|gigabits?|terabits?|megabits?)\b"
    r"|\b\d+\s?G(?:bE)?\s+(?:links?|uplinks?|ports?|circuits?|interfaces?|pipes?)\b"
)
_RATE = re.compile(
    r"\b\d[\d,.]*\s*(?:k|K|thousand|million)?\s*(?:requests?|reqs?|queries|connections|calls|messages|events|logins|"
    r"transactions)\s*(?:per|/|a|an|each|every)\s*(?:second|sec|s|minute|min)\b"
    r"|\b\d[\d,.]*\s*(?:k|K)?\s*(?:rps|qps|req/s|tps)\b"
    r"|\brate[- ]limits?\s+(?:of|is|was|at|to)\s+\d",
    re.IGNORECASE,
)
_VULNERABILITY = re.compile(
    r"\b(?:vulnerab\w*|exploit\w*|CVE-\d{4}-\d+|security\s+(?:flaw|hole|issue|bug|weakness)|unpatched|zero-day|0-day|"
    r"remote\s+code\s+execution|RCE|privilege\s+escalation)\b",
    re.IGNORECASE,
)
_VERSION = re.compile(r"\b(?:v|version\s+)?\d+\.\d+(?:\.\d+)+[a-z]?\b|\bv\d+\.\d+\b|\bversion\s+\d+(?:\.\d+)?\b", re.IGNORECASE)
_CVE = re.compile(r"\bCVE-\d{4}-\d{4,}\b", re.IGNORECASE)
_SECRETS = re.compile(
    r"\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{30,}\b|\bxox[abprs]-[A-Za-z0-9-]{10,}|\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----|\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"
    r"|\b(?:password|passwd|pwd|secret|token|api[_ -]?key|access[_ -]?key|client[_ -]?secret)\s*[:=]\s*['\"]?[^\s'\"]{6,}"
    r"|\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"(?<![\w/.-])[A-Za-z0-9+/_-]{32,}={0,2}(?![\w/.-])")


def _looks_random(token: str) -> bool:
    """Mixed case and digits, no long lowercase words: a key, not a slug."""
    return (any(c.isupper() for c in token) and any(c.islower() for c in token) and any(c.isdigit() for c in token)
            and not re.search(r"[a-z]{8,}", token))


def ip_address(message: Message, context: Context, settings: AuditSettings) -> Iterator[Finding]:
    text = message.text
    for match in _IPV4.finditer(text):
        if _VERSION_BEFORE.search(text[max(0, match.start() - 10) : match.start()]):
            continue
        yield finding_at("ip-address", message, match.start(),
                   f"{quote(match.group())} is an IP address; describe the role instead (\"one of our database servers\")")
    for match in _IPV6.finditer(text):
        if match.group().count(":") >= 5 or ("::" in match.group() and re.search(r"[0-9a-f]{2,}", match.group(), re.I)):
            yield finding_at("ip-address", message, match.start(),
                       f"{quote(match.group())} is an IP address; describe the role instead (\"one of our database servers\")")


def internal_host(message: Message, context: Context, settings: AuditSettings) -> Iterator[Finding]:
    suffixes = "|".join(re.escape(s) for s in (*settings.internal_domains, *_INTERNAL_SUFFIXES))
    pattern = re.compile(rf"(?<![\w.-])(?:{_HOST}\.)*{_HOST}\.(?:{suffixes})(?![\w-]|\.[a-z])", re.IGNORECASE)
    for match in pattern.finditer(message.text):
        yield finding_at("internal-host", message, match.start(),
                   f"{quote(match.group())} is an internal host name; describe the role instead")
    for match in _ROLE_HOST.finditer(message.text):
        yield finding_at("internal-host", message, match.start(),
                   f"{quote(match.group())} looks like an internal server name; describe the role instead")


def capacity_figure(message: Message, context: Context, settings: AuditSettings) -> Iterator[Finding]:
    for pattern in (_BANDWIDTH, _RATE):
        for match in pattern.finditer(message.text):
            yield finding_at("capacity-figure", message, match.start(),
                       f"{quote(match.group())} tells an attacker what the system can take; say what happened without the figure")


def vulnerable_version(message: Message, context: Context, settings: AuditSettings) -> Iterator[Finding]:
    text = message.text
    for start, end in message.sentences():
        sentence = text[start:end]
        version = _VERSION.search(sentence)
        if version and _VULNERABILITY.search(sentence):
            yield finding_at("vulnerable-version", message, start + version.start(),
                       f"{quote(version.group())} is a software version beside a vulnerability; say that a security fix "
                       "was applied, without versions")
    if context.open:
        for match in _CVE.finditer(text):
            yield finding_at("vulnerable-version", message, match.start(),
                       f"{quote(match.group())} names a vulnerability while the incident is open; name it once the fix is done")


def credential(message: Message, context: Context, settings: AuditSettings) -> Iterator[Finding]:
    text = message.text
    found = [m for m in _SECRETS.finditer(text)]
    found += [m for m in _TOKEN.finditer(text) if _looks_random(m.group()) and not any(s.start() <= m.start() < s.end() for s in found)]
    for match in sorted(found, key=lambda m: m.start()):
        yield finding_at("credential", message, match.start(),
                   f"{quote(match.group()[:12] + '…')} looks like a secret; remove it and rotate it, assuming it has been copied")


EXPOSURE_RULES = (ip_address, internal_host, capacity_figure, vulnerable_version, credential)
