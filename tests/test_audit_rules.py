"""The wording, exposure and completeness rules against the labelled set:
every example classified as labelled, and precision and recall per rule
printed in the test output (see conftest's terminal summary)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from statusgen.audit.findings import Context, Kind
from statusgen.audit.rules import RULES
from statusgen.audit.run import message_findings
from statusgen.audit.settings import AuditSettings
from statusgen.audit.text import Message
from statusgen.model import IncidentState, Severity
from tests.audit_examples import EXAMPLES, Example

SETTINGS = AuditSettings(people=("Juniper Kestrel",), vendors=("Examplecloud", "MailCo"),
                         internal_domains=("corp.tallyworks.example",))
COMPONENTS = ("api", "Public API", "web", "Web app")
AT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
_CONTEXTS = {
    "first": Context(Kind.FIRST_UPDATE, IncidentState.INVESTIGATING, Severity.SEV2, COMPONENTS),
    "update": Context(Kind.UPDATE, IncidentState.INVESTIGATING, Severity.SEV2, COMPONENTS),
    "identified": Context(Kind.UPDATE, IncidentState.IDENTIFIED, Severity.SEV2, COMPONENTS),
    "monitoring": Context(Kind.UPDATE, IncidentState.MONITORING, Severity.SEV2, COMPONENTS),
    "resolution": Context(Kind.RESOLUTION, IncidentState.RESOLVED, Severity.SEV2, COMPONENTS),
    "resolution-owed": Context(Kind.RESOLUTION, IncidentState.RESOLVED, Severity.SEV2, COMPONENTS, postmortem_owed=True),
    "postmortem": Context(Kind.POSTMORTEM),
    "maintenance": Context(Kind.MAINTENANCE),
}
MESSAGE_RULES = sorted(r.id for r in RULES.values() if r.group in ("wording", "exposure", "completeness"))
SCORES: list[str] = []
"""Filled by test_precision_and_recall; printed by conftest after the run."""


def fired(example: Example) -> set[str]:
    message = Message("content/incidents/example.md", example.text, 10)
    return {f.rule for f in message_findings(message, _CONTEXTS[example.kind], SETTINGS, AT, ZoneInfo("UTC"))}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.text[:50])
def test_example_is_classified_as_labelled(example: Example) -> None:
    """Each example gets exactly its labels, except the misses the set admits to."""
    assert fired(example) == (example.expect - example.known_miss)


def test_every_rule_has_bad_and_good_examples() -> None:
    bad = Counter(rule for e in EXAMPLES for rule in e.expect)
    near = Counter(e.kind for e in EXAMPLES if not e.expect)
    for rule in MESSAGE_RULES:
        assert bad[rule] >= 3, f"{rule} needs at least three bad examples"
    assert sum(near.values()) >= 40, "the set needs near misses: messages that must stay quiet"


def test_precision_and_recall() -> None:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for example in EXAMPLES:
        got = fired(example)
        for rule in got & example.expect:
            tp[rule] += 1
        for rule in got - example.expect:
            fp[rule] += 1
        for rule in example.expect - got:
            fn[rule] += 1
    SCORES.clear()
    SCORES.append(f"{'rule':<26}{'tp':>4}{'fp':>4}{'fn':>4}{'precision':>11}{'recall':>8}")
    for rule in MESSAGE_RULES:
        precision = tp[rule] / (tp[rule] + fp[rule]) if tp[rule] + fp[rule] else 1.0
        recall = tp[rule] / (tp[rule] + fn[rule]) if tp[rule] + fn[rule] else 1.0
        SCORES.append(f"{rule:<26}{tp[rule]:>4}{fp[rule]:>4}{fn[rule]:>4}{precision:>11.2f}{recall:>8.2f}")
        assert precision == 1.0, f"{rule} raised a false alarm on the labelled set"
        assert recall >= 0.75, f"{rule} misses too much of the labelled set"
    total_tp, total_fp, total_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    SCORES.append(f"{'all rules':<26}{total_tp:>4}{total_fp:>4}{total_fn:>4}"
                  f"{total_tp / (total_tp + total_fp):>11.2f}{total_tp / (total_tp + total_fn):>8.2f}")


def test_every_rule_is_documented() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs/audit.md").read_text()
    missing = [rule for rule in RULES if f"| `{rule}` |" not in text]
    assert not missing, f"docs/audit.md lacks a row for {missing}"
