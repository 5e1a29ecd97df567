"""The audit's rules: each has an id, a default severity, and the why.

The ids are the diagnostic codes users see (``[speculation]``), the keys they
configure in ``[audit.rules]``, and what a suppression marker names. The
explanations are printed by ``statusgen rules`` and form docs/audit.md's
reference, so they are written for the person fixing the message.
"""

from __future__ import annotations

from dataclasses import dataclass

from statusgen.diagnostics import Severity


@dataclass(frozen=True)
class Rule:
    """One check the audit can make."""

    id: str
    severity: Severity
    group: str
    """``cadence``, ``wording``, ``exposure`` or ``completeness``."""
    summary: str
    explanation: str
    rewrite: str
    """How to fix a finding, with an example where one helps."""
    phrases: bool = False
    """Whether ``[audit.phrases]`` may add phrases to this rule."""


_W, _E = Severity.WARNING, Severity.ERROR

RULES: dict[str, Rule] = {rule.id: rule for rule in (
    Rule("first-update-late", _W, "cadence", "the first public update came later than the policy allows",
         "Customers who hit the failure look at the status page first. Until the first update is out, "
         "they assume nobody knows.",
         "Post a short first update as soon as the incident is confirmed; details can follow. "
         "The limit is [policy.communication] first_update_within."),
    Rule("update-gap", _W, "cadence", "a gap between updates was longer than the severity's cadence",
         "Readers of an open incident expect news at a predictable rhythm; silence reads as neglect. "
         "\"No progress yet\" is a valid update.",
         "Post at least every cadence_sev1 / cadence_sev2 while the incident is open, even to say nothing has changed."),
    Rule("promise-missed", _W, "cadence", "a promised next update came late or never came",
         "\"Next update by 14:30 UTC\" is a promise; missing it costs more trust than not making it.",
         "Post by the promised time, even to say there is no news, and promise the next one."),
    Rule("monitoring-too-long", _W, "cadence", "an incident stayed in monitoring longer than the threshold",
         "An incident left in monitoring keeps the page amber and the banner up after the problem is over.",
         "Resolve it once the fix has held, or explain what is still being watched."),
    Rule("stale-incident", _W, "cadence", "an open incident has had no update for longer than its cadence",
         "At build time the newest update is older than the cadence allows: readers see a page that looks abandoned.",
         "Post an update now, even if only to say the work continues, or resolve the incident."),
    Rule("speculation", _W, "wording", "the update guesses at the cause before it is known",
         "A guess in an investigating update is repeated as fact by readers and often turns out wrong.",
         "Say what you see and what you are doing: \"We are seeing failed sign-ins and are investigating.\" "
         "Name the cause once it is identified.", phrases=True),
    Rule("eta-promise", _W, "wording", "the update promises when the fix will land",
         "An estimate for the fix that slips is remembered longer than the outage.",
         "Promise only the next update: \"We do not have an estimate yet; next update by 14:30 UTC.\"", phrases=True),
    Rule("performative-apology", _W, "wording", "the apology does not name what went wrong for the reader",
         "\"We apologize for any inconvenience\" reads as a formula; it tells the reader nothing was understood.",
         "Name the impact: \"We are sorry: for 40 minutes you could not send invoices.\" Or leave the apology out "
         "until the resolution.", phrases=True),
    Rule("blame-person", _E, "wording", "the text names or points at a person",
         "Public pages are indexed forever. Blaming a person is unfair, and it tells customers the system had "
         "no safeguards.",
         "Describe the change, not who made it: \"A configuration change stopped payments.\""),
    Rule("blame-vendor", _W, "wording", "the text blames a supplier",
         "Write as if the supplier reads it; an unconfirmed \"our provider is down\" is worse still. Customers chose "
         "you, not your suppliers.",
         "Describe the effect and what you are doing: \"A service we use to send email was delaying messages; "
         "we have moved sending to a second service.\""),
    Rule("ip-address", _E, "exposure", "the text gives an IP address",
         "Addresses help an attacker map your network and say nothing to a customer.",
         "Describe the role instead: \"one of our database servers\"."),
    Rule("internal-host", _E, "exposure", "the text gives an internal host name",
         "Internal names show an attacker how the system is laid out.",
         "Describe the role instead: \"a server in our payments system\"."),
    Rule("capacity-figure", _W, "exposure", "the text gives a link capacity or the request rate the system can take",
         "A figure for what knocks the system over is a recipe for knocking it over again.",
         "Say what happened without the figure: \"a surge of traffic larger than we had prepared for\"."),
    Rule("vulnerable-version", _E, "exposure",
         "the text gives a software version beside a vulnerability, or a CVE before the fix is done",
         "Exact versions beside a vulnerability tell an attacker what to try, here and elsewhere. A CVE number is "
         "fine once the fix is done and the issue is public.",
         "Say a security fix was applied, without versions; name the CVE once resolved."),
    Rule("credential", _E, "exposure", "the text contains something that looks like a secret",
         "A key or password on a public page is compromised the moment it is published.",
         "Remove it, and rotate it: assume it has been copied."),
    Rule("passive-evasion", _W, "wording", "passive wording hides who did what",
         "\"Mistakes were made\" and a bare \"an error occurred\" read as evasion.",
         "Say what happened and own it: \"A change we made to our database settings caused the errors.\"",
         phrases=True),
    Rule("jargon", _W, "wording", "a term a non-technical reader cannot follow",
         "The status page is read by customers, not by your engineers.",
         "Use the plain words suggested, or set your own list in [audit.jargon]."),
    Rule("first-update-incomplete", _W, "completeness",
         "the first update lacks an acknowledgement, the scope, or when the next update comes",
         "A first update needs only four things: that there is a problem, who or what is affected, what is being "
         "done, and when the next update comes.",
         "\"We are investigating failed card payments for some customers. Next update by 14:30 UTC.\""),
    Rule("resolution-incomplete", _W, "completeness",
         "the resolution update lacks a part readers need",
         "The resolution is the most remembered message: it confirms the fix, says plainly what happened, names "
         "the impact with an apology, says what will stop a recurrence, and points to the postmortem when one "
         "is owed.",
         "\"Resolved: from 13:48 to 14:40 UTC the API was unavailable after a storage failure. We are sorry: you "
         "could not reach your data. We are removing that single point of failure; a postmortem will follow "
         "within five days.\""),
    Rule("postmortem-incomplete", _W, "completeness",
         "the postmortem does not answer one of the three questions, or gives no figures",
         "A customer postmortem answers: what happened; why our safeguards did not stop it; what we have done "
         "and will do, with time frames. It gives numbers (duration, share of customers, failed requests).",
         "Use the headings \"What happened\", \"Why our safeguards did not stop it\" and \"What we are doing\", "
         "with actions dated \"this week\", \"next 30 days\" or \"next quarter\"."),
    Rule("marker-invalid", _E, "markers", "a suppression marker names no known rule or gives no reason",
         "A suppression without a reason cannot be reviewed.",
         "Write <!-- statusgen-ignore RULE: why this finding does not apply -->."),
    Rule("marker-unused", _W, "markers", "a suppression marker suppresses nothing",
         "A stale marker would silently hide a future finding.",
         "Remove the marker."),
)}

#: Rules that a marker may not suppress (they are about markers).
UNSUPPRESSIBLE = frozenset({"marker-invalid", "marker-unused"})
