"""Completeness rules: what the first update, the resolution and a postmortem
must each contain (docs/audit.md lists the parts and the words that count).

These look for any of many phrasings, so they stay quiet when a part is
there in other words; they speak when none is found.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from statusgen.audit.findings import Context, Finding, Kind, finding_at
from statusgen.audit.promises import promises
from statusgen.audit.text import APOLOGY, GIVES_CAUSE, Message

_I = re.IGNORECASE
_ACKNOWLEDGE = re.compile(
    r"\b(?:we(?:'re|\s+are)?\s+(?:aware|investigating|looking|seeing|working|experiencing|currently)|we\s+have\s+"
    r"(?:identified|detected|received|been\s+alerted|seen)|investigating|(?:is|are)\s+(?:failing|down|unavailable|slow|"
    r"degraded|delayed|not)|errors?|delay(?:s|ed)?|outage|disruption|unable|cannot|can't|could\s+not|fail(?:ed|s|ing|ures?)?|"
    r"slow(?:er)?|problems?|issues?|unavailable|interrupted)\b", _I)
_SCOPE = re.compile(
    r"\b(?:customers?|users?|accounts?|teams?|organi[sz]ations?|workspaces?|regions?|everyone|all|some|most|several|"
    r"a\s+(?:small\s+)?(?:number|subset|share|few)|percent)\b|%", _I)
_WHEN_CHANGES = re.compile(r"\b(?:will|'ll)\s+(?:\w+\s+){0,3}?(?:update|post|let\s+you\s+know)\b|\bupdate\s+(?:when|as\s+soon\s+as|once)\b"
                           r"|\bwhen\s+(?:that|this|it|the\s+\w+)\s+changes\b", _I)

_RESOLVED = re.compile(
    r"\b(?:resolved|fixed|restored|recovered|back\s+to\s+normal|working\s+(?:normally|again|as\s+expected)|operating\s+normally|"
    r"fully\s+operational|no\s+longer|(?:is|are)\s+back|again|normally|(?:normal|usual)\s+(?:speed|levels?|service)|caught\s+up|delivered)\b", _I)
_PREVENTION = re.compile(
    r"\b(?:prevent\w*|recurrence|recur|happen\s+again|(?:so|to\s+ensure|to\s+make\s+sure)\s+(?:that\s+)?(?:this|it)\s+"
    r"(?:does\s+not|doesn't|will\s+not|won't|cannot|can't)|going\s+forward|in\s+(?:the\s+)?future|safeguards?|"
    r"we\s+(?:are|will|have)\s+(?:now\s+)?(?:add|adding|added|improv\w+|chang\w+|introduc\w+|review\w*|fix\w*|put\w*|build\w*|"
    r"monitor\w*|mov\w+|remov\w+|replac\w+|test\w*|alert\w*)|follow-ups?|can\s+no\s+longer|no\s+longer\s+(?:can|able)|"
    r"now\s+(?:runs?|renews?|includes?|replaces?|restarts?|checks?|alerts?|spreads?|tests?|uses?|requires?|blocks?|limits?|"
    r"retries|(?:\w+\s+){0,2}automatically)|before\s+(?:changing|any\s+change|deploying|releasing|it\s+reaches))\b", _I)
_POSTMORTEM_POINTER = re.compile(
    r"\b(?:post-?mortem|incident\s+(?:report|review)|write-?up|full\s+report|root\s+cause\s+analysis|detailed\s+report)\b", _I)

_HEADING = re.compile(r"^#{1,6}\s+(?P<title>.+?)\s*#*\s*$", re.MULTILINE)
_PM_HAPPENED = re.compile(r"\b(?:what\s+happened|summary|overview|impact|description|incident\s+summary)\b", _I)
_PM_SAFEGUARDS = re.compile(
    r"\b(?:safeguards?|why\s+(?:it|this|our|we|did|didn't|did\s+not|was|wasn't|were)|what\s+went\s+wrong|contributing|"
    r"root\s+causes?|detection|lessons)\b", _I)
_PM_ACTIONS = re.compile(
    r"\b(?:what\s+we(?:'re|\s+are|\s+will|\s+have)\s+(?:doing|do|done)|actions?|follow[- ]?ups?|next\s+steps|prevent\w*|"
    r"remediation|improvements?|changes\s+we)\b", _I)
_TIME_FRAME = re.compile(
    r"\b(?:this\s+week|next\s+week|(?:next|within)\s+(?:\d+|a\s+few|two|three|four|six)\s+(?:days|weeks|months)|"
    r"next\s+(?:month|quarter|year)|by\s+(?:the\s+end\s+of\s+)?(?:January|February|March|April|May|June|July|August|September|"
    r"October|November|December|Q[1-4]|\d{1,2}\s+[A-Z][a-z]+|\d{4}-\d{2}-\d{2})|Q[1-4](?:\s+\d{4})?|done|completed)\b", _I)
_FIGURE = re.compile(
    r"\b\d[\d,.]*\s*(?:%|percent|minutes?|mins?|hours?|h\b|seconds?|customers?|users?|accounts?|requests?|invoices?|"
    r"payments?|transactions?|e-?mails?|orders?|jobs?|messages?|webhooks?|calls?)|\b\d[\d,.]*%", _I)


def _names_component(text: str, names: tuple[str, ...]) -> bool:
    """Whether the text names an affected component: its name, or a word of
    it of four letters or more, singular or plural ("webhook deliveries")."""
    words = {w.lower().rstrip("s") for name in names for w in re.split(r"[^\w-]+", name) if len(w) >= 4}
    words |= {name.lower().rstrip("s") for name in names if name}
    if not words:
        return False
    pattern = r"\b(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")(?:s|es)?\b"
    return re.search(pattern, text, _I) is not None


def _listing(missing: list[str]) -> str:
    return missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " or " + missing[-1]


def first_update(message: Message, context: Context, at: datetime, zone: ZoneInfo) -> Iterator[Finding]:
    """The first update of an open incident: acknowledgement, scope, next-update time."""
    if context.kind is not Kind.FIRST_UPDATE or not context.open:
        return
    view = message.own_words
    missing = []
    if not _ACKNOWLEDGE.search(view):
        missing.append("that there is a problem")
    if not _SCOPE.search(view) and not _names_component(view, context.components):
        missing.append("who or what is affected")
    if not promises(message, at, zone) and (context.has_cadence or not _WHEN_CHANGES.search(view)):
        missing.append("when the next update comes (\"next update by 14:30 UTC\")" if context.has_cadence
                       else "when the next update comes")
    if missing:
        yield finding_at("first-update-incomplete", message, 0,
                       f"the first update does not say {_listing(missing)}; a first update acknowledges the problem, "
                       "gives its scope, says what is being done, and when the next update comes")


def resolution(message: Message, context: Context) -> Iterator[Finding]:
    """The resolution update: resolved, what happened, apology, prevention, postmortem pointer."""
    if context.kind is not Kind.RESOLUTION:
        return
    view = message.own_words
    parts = [
        ("that it is resolved", _RESOLVED), ("what happened", GIVES_CAUSE), ("an apology naming the impact", APOLOGY),
        ("what will prevent a recurrence", _PREVENTION),
    ]
    missing = [label for label, pattern in parts if not pattern.search(view)]
    if context.postmortem_owed and not _POSTMORTEM_POINTER.search(view):
        missing.append("that a postmortem will follow")
    if missing:
        yield finding_at("resolution-incomplete", message, 0,
                       f"the resolution update does not say {_listing(missing)}")


def postmortem(message: Message, context: Context) -> Iterator[Finding]:
    """A postmortem: the three answers (by heading or in words), time frames, and figures."""
    if context.kind is not Kind.POSTMORTEM:
        return
    headings = " / ".join(m.group("title") for m in _HEADING.finditer(message.text))
    missing = []
    if not _PM_HAPPENED.search(headings) and not GIVES_CAUSE.search(message.own_words):
        missing.append("what happened")
    if not _PM_SAFEGUARDS.search(headings):
        missing.append("why our safeguards did not stop it")
    if not _PM_ACTIONS.search(headings):
        missing.append("what we are doing about it")
    elif not _TIME_FRAME.search(message.own_words):
        missing.append("time frames for the actions (\"this week\", \"next 30 days\", \"next quarter\")")
    if not _FIGURE.search(message.own_words):
        missing.append("figures for the impact (duration, share of customers, failed requests)")
    if missing:
        yield finding_at("postmortem-incomplete", message, 0, f"the postmortem does not give {_listing(missing)}")
