"""JSON Schemas of Atlassian Statuspage's public v2 API, as its clients rely on it.

Kept in the tests, written from Statuspage's published field names and
vocabularies, so that our files are checked against the shape a client
expects, not against our own code's idea of it.
"""

from __future__ import annotations

from typing import Any

TIME = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"}
TIME_OR_NULL = {"anyOf": [TIME, {"type": "null"}]}
COMPONENT_STATUS = {"enum": ["operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"]}


def obj(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "object", "required": sorted(required), "properties": {**required, **(optional or {})}}


PAGE = obj({"id": {"type": "string"}, "name": {"type": "string"}, "url": {"type": "string", "format": "uri"},
            "time_zone": {"type": "string"}, "updated_at": TIME})
STATUS = obj({"indicator": {"enum": ["none", "minor", "major", "critical"]}, "description": {"type": "string"}})
COMPONENT = obj({
    "id": {"type": "string"}, "name": {"type": "string"}, "status": COMPONENT_STATUS, "created_at": TIME,
    "updated_at": TIME, "position": {"type": "integer"}, "description": {"type": ["string", "null"]},
    "showcase": {"type": "boolean"}, "start_date": {"type": ["string", "null"]}, "group_id": {"type": ["string", "null"]},
    "page_id": {"type": "string"}, "group": {"type": "boolean"}, "only_show_if_degraded": {"type": "boolean"},
}, {"components": {"type": "array", "items": {"type": "string"}}})
AFFECTED = obj({"code": {"type": "string"}, "name": {"type": "string"}, "old_status": COMPONENT_STATUS, "new_status": COMPONENT_STATUS})
UPDATE = obj({
    "id": {"type": "string"}, "incident_id": {"type": "string"}, "body": {"type": "string"},
    "created_at": TIME, "updated_at": TIME, "display_at": TIME,
    "status": {"enum": ["investigating", "identified", "monitoring", "resolved", "postmortem",
                        "scheduled", "in_progress", "verifying", "completed"]},
    "affected_components": {"anyOf": [{"type": "null"}, {"type": "array", "items": AFFECTED}]},
})
INCIDENT = obj({
    "id": {"type": "string"}, "name": {"type": "string"},
    "status": {"enum": ["investigating", "identified", "monitoring", "resolved", "postmortem"]},
    "impact": {"enum": ["none", "minor", "major", "critical"]},
    "created_at": TIME, "updated_at": TIME, "monitoring_at": TIME_OR_NULL, "resolved_at": TIME_OR_NULL,
    "started_at": TIME, "shortlink": {"type": "string", "format": "uri"}, "page_id": {"type": "string"},
    "incident_updates": {"type": "array", "items": UPDATE}, "components": {"type": "array", "items": COMPONENT},
})
MAINTENANCE = obj({
    **INCIDENT["properties"],
    "status": {"enum": ["scheduled", "in_progress", "verifying", "completed"]},
    "impact": {"enum": ["maintenance", "none", "minor", "major", "critical"]},
    "started_at": TIME_OR_NULL, "scheduled_for": TIME, "scheduled_until": TIME,
})


def document(**parts: Any) -> dict[str, Any]:
    schema = obj({"page": PAGE, **parts})
    schema["additionalProperties"] = False
    return schema


SCHEMAS: dict[str, dict[str, Any]] = {
    "status.json": document(status=STATUS),
    "summary.json": document(status=STATUS, components={"type": "array", "items": COMPONENT},
                             incidents={"type": "array", "items": INCIDENT},
                             scheduled_maintenances={"type": "array", "items": MAINTENANCE}),
    "components.json": document(components={"type": "array", "items": COMPONENT}),
    "incidents.json": document(incidents={"type": "array", "items": INCIDENT}),
    "incidents/unresolved.json": document(incidents={"type": "array", "items": INCIDENT}),
    "scheduled-maintenances.json": document(scheduled_maintenances={"type": "array", "items": MAINTENANCE}),
    "scheduled-maintenances/upcoming.json": document(scheduled_maintenances={"type": "array", "items": MAINTENANCE}),
    "scheduled-maintenances/active.json": document(scheduled_maintenances={"type": "array", "items": MAINTENANCE}),
}
