"""Wording rules: what an update or postmortem should not say.

Each rule reads the writer's own words (quotations and code blanked, see
:class:`~statusgen.audit.text.Message`) and favours silence over a false
alarm: a rule that cries wolf gets turned off. Scope hedges ("some invoices
may be delayed") are not speculation; a promise of the next update is not
an ETA for the fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from statusgen.audit.findings import Context, Finding, Kind, finding_at
from statusgen.audit.settings import AuditSettings
from statusgen.audit.text import APOLOGY, GIVES_CAUSE, Message, phrase_pattern, quote
from statusgen.model import IncidentState

_CAUSE_WORDS = r"(?:caused|due|related|because|the\s+result|a\s+result|linked|triggered|the\s+cause|the\s+culprit|the\s+source)"
_SPECULATION = re.compile(
    r"\b(?:probably|possibly|perhaps|presumably|apparently"
    r"|we\s+(?:think|believe|suspect|assume|guess|reckon)"
    r"|(?:our|the)\s+(?:best\s+)?(?:guess|theory|hunch|suspicion)"
    r"|(?:most|very|quite|highly)\s+likely|likely\s+" + _CAUSE_WORDS +
    r"|(?:might|may|could)\s+(?:be|have\s+been)\s+" + _CAUSE_WORDS +
    r"|(?:seems?|appears?|looks?)\s+to\s+(?:be\s+|have\s+been\s+)?" + _CAUSE_WORDS +
    r"|suspected\s+(?:cause|culprit|source))\b",
    re.IGNORECASE,
)

_FIXED = (r"(?:fixed|resolved|restored|back(?:\s+up|\s+online|\s+to\s+normal)?|working(?:\s+again|\s+normally)?|available(?:\s+again)?"
          r"|operational|recovered|up\s+and\s+running|online)")
_SPAN = (r"(?:\d+|a\s+few|an?|one|two|three|four|five|ten|fifteen|twenty|thirty|several|the\s+next\s+(?:\d+|few|couple\s+of))"
         r"\s*(?:minutes?|mins?|hours?|hrs?|days?)|the\s+(?:next\s+)?hour")
_CLOCK = r"\d{1,2}(?::\d{2}|\s*[ap]\.?m\b)"
_ETA = re.compile(
    r"\b" + _FIXED + r"\s+(?:with)?in\s+(?:about\s+|around\s+|approximately\s+)?(?:" + _SPAN + r")\b"
    r"|\b(?:should|will|shall|expect(?:ed)?\s+to|expect\s+(?:it|this|service|services)\s+to|hope\s+to|aim\s+to)\s+"
    r"(?:be\s+)?(?:\w+\s+){0,2}?" + _FIXED + r"\s+(?:shortly|soon|momentarily|quickly|today|tonight|very\s+soon"
    r"|(?:by|before|around|at)\s+(?:" + _CLOCK + r"|the\s+end\s+of|tomorrow|tonight)"
    r"|(?:with)?in\s+(?:about\s+|around\s+)?(?:" + _SPAN + r"))"
    r"|\b(?:have|get)\s+(?:a|the)\s+fix\s+(?:deployed|out|live|in\s+place|rolled\s+out)\s+(?:with)?in\s+(?:" + _SPAN + r")"
    r"|(?<!no\s)\bETA\b(?:\s+for\s+(?:the\s+)?\w+)?\s*(?:is|of|:)?\s*(?:about\s+|around\s+|approximately\s+|roughly\s+)?(?:\d|" + _SPAN + r")",
    re.IGNORECASE,
)

_PAST = re.compile(r"\b(?:was|were|been|had)\s+(?:\w+\s+)?$", re.IGNORECASE)
_FORMULA = re.compile(
    r"\bany\s+(?:inconvenience|disruption|trouble|issues?|problems?|impact|frustration)\b"
    r"|\binconvenience\b"
    r"|\b(?:for|about)\s+(?:the|this)\s+(?:issue|incident|disruption|trouble|problem|outage)s?\s*[.!]?\s*$",
    re.IGNORECASE,
)

_PASSIVE_ALWAYS = re.compile(r"\b(?:mistakes|errors)\s+(?:were|have\s+been|had\s+been)\s+made\b", re.IGNORECASE)
_PASSIVE_BARE = re.compile(
    r"\b(?:an?|some)\s+(?:unexpected\s+|internal\s+|technical\s+)?(?:error|issue|problem|failure|fault)s?\s+"
    r"(?:occurred|was\s+encountered|were\s+encountered|happened|arose)\b",
    re.IGNORECASE,
)
_ROLE = re.compile(
    r"\b(?:engineer|developer|operator|administrator|admin|employee|contractor|intern|teammate|colleague|technician|"
    r"on-call(?:\s+engineer)?|SRE|DBA)\s+(?P<name>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\b"
)
_POSSESSIVE = re.compile(
    r"\b(?P<name>[A-Z][a-z]+)(?:'s|\u2019s)\s+(?:\w+\s+)?(?:deploy|deployment|change|commit|push|mistake|error|script|"
    r"config|configuration|migration|typo|query|code|release|fault)\b"
)
# A person, unnamed, as the cause: "human error", "a contractor deleted the wrong table".
_PERSON_AT_FAULT = re.compile(
    r"\bhuman\s+error\b|\b(?:an?|the|our|one\s+of\s+our)\s+(?:[\w-]+\s+)?(?:engineer|developer|operator|administrator|admin|"
    r"employee|contractor|intern|technician|team\s+member|staff\s+member)\s+(?:accidentally\s+|mistakenly\s+|wrongly\s+)?"
    r"(?:deleted|removed|dropped|broke|misconfigured|forgot|caused|ran|pushed|deployed|typed|entered|changed|made)\b",
    re.IGNORECASE,
)
_FAULT_WORDS = re.compile(r"\b(?:wrong|mistake\w*|accident\w*|bad|faulty|incorrect\w*|broke|misconfigured|forgot|caused)\b",
                          re.IGNORECASE)
_NOT_NAMES = frozenset({
    "Today", "Yesterday", "Tomorrow", "Tonight", "Last", "This", "Next", "Each", "Every", "Our", "The", "Its",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February",
    "March", "April", "May", "June", "July", "August", "September", "October", "November", "December", "Week",
    "Month", "Year", "Morning", "Evening", "Afternoon", "Night", "Team", "Customer", "Customers", "Company",
    "Nobody", "Someone", "Everyone"
})
_GENERIC_SUPPLIERS = (r"(?:cloud|hosting|infrastructure|network|DNS|CDN|e-?mail|payments?|SMS|telecom|data\s*cent(?:er|re)|"
                      r"third[- ]party|upstream|external)\s+(?:provider|vendor|supplier|partner|service)s?"
                      r"|\b(?:our|a|the|one\s+of\s+our)\s+(?:[\w-]+\s+){0,2}?(?:provider|vendor|supplier|partner)s?\b")
_BLAME_CONTEXT = re.compile(
    r"\b(?:caused|cause|fault|blame|failure|failed|fails|failing|outage|went\s+down|(?:is|was|were|are)\s+down|broke|broken|"
    r"because\s+of|due\s+to|their\s+(?:side|end|fault|systems?|mistake|error)|(?:issue|problem|incident)s?\s+(?:at|with|on))\b",
    re.IGNORECASE,
)

#: Built-in jargon and the plain words to use instead; [audit.jargon] adds to or removes from it.
JARGON = {
    "5xx": "server errors", "p99": "the slowest requests", "p95": "the slowest requests", "OOM": "ran out of memory",
    "OOM-killed": "stopped after running out of memory", "BGP": "internet routing", "k8s": "our hosting platform",
    "Kubernetes": "our hosting platform", "pod": "server", "pods": "servers", "etcd": "a configuration store",
    "IOPS": "disk capacity", "GC pause": "a pause", "thundering herd": "a surge of retries",
    "split-brain": "two systems disagreeing", "replication lag": "a delay copying data",
    "replica lag": "a delay copying data", "connection pool": "connections to our database",
    "deadlock": "requests waiting on each other", "cache stampede": "a surge of requests", "hotfix": "fix",
    "RCA": "postmortem", "MTTR": "time to recover", "noisy neighbour": "another workload",
    "noisy neighbor": "another workload", "TLS handshake": "secure connection", "shard": "part of our database",
    "shards": "parts of our database", "canary": "a small first release", "runbook": "procedure",
    "failover": "switch to a standby system", "RDS": "our database service", "SLO": "reliability target",
}


def speculation(message: Message, context: Context, settings: AuditSettings) -> Iterator[Finding]:
    if context.state is not IncidentState.INVESTIGATING or context.kind not in (Kind.FIRST_UPDATE, Kind.UPDATE):
        return
    extra = phrase_pattern(settings.extra_phrases("speculation"))
    for pattern in (_SPECULATION, extra):
        for match in pattern.finditer(message.own_words) if pattern else ():
            yield finding_at("speculation", message, match.start(),
                       f"{quote(match.group())} guesses at the cause while the incident is still being investigated; "
                       "say what you see and what you are doing, and name the cause once it is identified")
            return


def eta_promise(message: Message, context: Context, settings: AuditSettings) -> Iterator[Finding]:
    if not context.open:
        return
    extra = phrase_pattern(settings.extra_phrases("eta-promise"))
    view = message.own_words
    for pattern in (_ETA, extra):
        for match in pattern.finditer(view) if pattern else ():
            if _PAST.search(view[max(0, match.start() - 12) : match.start()]):
                continue  # "was restored within 20 minutes" reports, it does not promise
            yield finding_at("eta-promise", message, match.start(),
                       f"{quote(match.group())} promises when the fix will land; promise only the next update "
                       "(\"no estimate yet; next update by 14:30 UTC\")")
            return


def performative_apology(message: Message, context: Context, settings: AuditSettings) -> Iterator[Finding]:
    view = message.own_words
    extra = phrase_pattern(settings.extra_phrases("performative-apology"))
    for start, end in message.sentences(view):
        sentence = view[start:end]
        formula = _FORMULA.search(sentence) if APOLOGY.search(sentence) else None
        formula = formula or (extra.search(sentence) if extra else None)
        if formula:
            yield finding_at("performative-apology", message, start + formula.start(),
                       f"the apology ({quote(sentence.strip())}) names no impact; say what the reader could not do "
                       "and for how long, or leave the apology out")


def passive_evasion(message: Message, context: Context, settings: AuditSettings) -> Iterator[Finding]:
    view = message.own_words
    extra = phrase_pattern(settings.extra_phrases("passive-evasion"))
    for pattern in (_PASSIVE_ALWAYS, extra):
        for match in pattern.finditer(view) if pattern else ():
            yield finding_at("passive-evasion", message, match.start(),
                       f"{quote(match.group())} hides who did what; say what happened and own it")
    bare = _PASSIVE_BARE.search(view)
    if bare and not GIVES_CAUSE.search(view):
        yield finding_at("passive-evasion", message, bare.start(),
                   f"{quote(bare.group())} is the whole explanation; say what failed and why, in plain words")


def blame_person(message: Message, context: Context, settings: AuditSettings) -> Iterator[Finding]:
    text = message.own_words
    roster = phrase_pattern(settings.people)
    for match in roster.finditer(text) if roster else ():
        yield finding_at("blame-person", message, match.start(),
                   f"names {quote(match.group())}, who is on the people list in [audit]; public pages are indexed "
                   "forever: describe the change, not who made it")
    for start, end in message.sentences(text):
        sentence = text[start:end]
        fault = _PERSON_AT_FAULT.search(sentence)
        if fault and (fault.group().lower().startswith("human") or _FAULT_WORDS.search(sentence[fault.start():])):
            yield finding_at("blame-person", message, start + fault.start(),
                       f"{quote(fault.group())} puts the fault on a person; say what failed and which safeguard was missing")
    exempt = _NOT_NAMES | {w for name in (*context.components, *settings.vendors) for w in name.split()}
    for pattern in (_ROLE, _POSSESSIVE):
        for match in pattern.finditer(text):
            if match.group("name").split()[0] in exempt:
                continue
            yield finding_at("blame-person", message, match.start(),
                       f"{quote(match.group())} points at a person; describe the change, not who made it "
                       "(\"a configuration change stopped payments\")")


def blame_vendor(message: Message, context: Context, settings: AuditSettings) -> Iterator[Finding]:
    names = phrase_pattern(settings.vendors)
    suppliers = re.compile(_GENERIC_SUPPLIERS, re.IGNORECASE)
    view = message.own_words
    for start, end in message.sentences(view):
        sentence = view[start:end]
        supplier = (names.search(sentence) if names else None) or suppliers.search(sentence)
        if supplier and _BLAME_CONTEXT.search(sentence):
            yield finding_at("blame-vendor", message, start + supplier.start(),
                       f"blames {quote(supplier.group())} ({quote(sentence.strip(), 80)}); describe the effect and "
                       "what you are doing, as if the supplier were reading")


def jargon(message: Message, context: Context, settings: AuditSettings) -> Iterator[Finding]:
    table = dict(JARGON)
    for term, plain in settings.jargon:
        if plain:
            table[term] = plain
        else:
            table.pop(term, None)
    if not table:
        return
    lookup = {term.lower(): plain for term, plain in table.items()}
    pattern = phrase_pattern(table)
    assert pattern is not None
    seen = set()
    for match in pattern.finditer(message.own_words):
        term = match.group().lower()
        if term in seen:
            continue
        seen.add(term)
        yield finding_at("jargon", message, match.start(),
                   f"{quote(match.group())} is jargon to many readers; say \"{lookup[' '.join(term.split())]}\" or explain it")


WORDING_RULES = (speculation, eta_promise, performative_apology, passive_evasion, blame_person, blame_vendor, jargon)
