"""What a rule found, before the site's settings give it a severity."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from statusgen.audit.text import Message
from statusgen.model import IncidentState, Severity


@dataclass(frozen=True)
class Finding:
    """A rule's finding at a place in a file."""

    rule: str
    path: str
    line: int
    column: int
    message: str


def finding_at(rule: str, message: Message, position: int, text: str) -> Finding:
    """A finding located at a position in a message's text."""
    line, column = message.where(position)
    return Finding(rule, message.path, line, column, text)


class Kind(Enum):
    """Which message of an incident's life a text is: the rules differ."""

    FIRST_UPDATE = "first update"
    UPDATE = "update"
    RESOLUTION = "resolution"
    MAINTENANCE = "maintenance update"
    POSTMORTEM = "postmortem"
    SUMMARY = "summary"


@dataclass(frozen=True)
class Context:
    """What a wording rule needs to know about the message it reads."""

    kind: Kind
    state: IncidentState | None = None
    """The incident's state as of this update (None for maintenance and postmortems)."""
    severity: Severity | None = None
    components: tuple[str, ...] = ()
    """Names (and ids) of the components the incident affects: words that give scope."""
    postmortem_owed: bool = False
    has_cadence: bool = True
    """Whether the severity has a cadence, so a first update must give a time."""

    @property
    def open(self) -> bool:
        """An incident update written while the incident was still open."""
        return self.kind in (Kind.FIRST_UPDATE, Kind.UPDATE) and self.state not in (None, IncidentState.RESOLVED)
