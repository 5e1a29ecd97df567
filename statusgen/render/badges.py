"""Status badges: small SVGs and shields.io endpoint JSON (pure)."""

from __future__ import annotations

from markupsafe import Markup

from statusgen.derive import worst
from statusgen.model import Impact, Site
from statusgen.render import Artifact
from statusgen.render.api import json_bytes

#: Badge colours, each dark enough for white text at 4.5:1 or better.
BADGE_COLOUR = {
    Impact.OPERATIONAL: "#1a7f37",
    Impact.UNDER_MAINTENANCE: "#0a58ca",
    Impact.DEGRADED_PERFORMANCE: "#8a5a00",
    Impact.PARTIAL_OUTAGE: "#b54700",
    Impact.MAJOR_OUTAGE: "#c0182a",
}

#: shields.io's named colours for the same statuses.
SHIELDS_COLOUR = {
    Impact.OPERATIONAL: "brightgreen",
    Impact.UNDER_MAINTENANCE: "blue",
    Impact.DEGRADED_PERFORMANCE: "yellow",
    Impact.PARTIAL_OUTAGE: "orange",
    Impact.MAJOR_OUTAGE: "red",
}

_NARROW = set("fijlrtI!.,:;'|()[] ")
_WIDE = set("mwMW@%")


def text_width(text: str) -> int:
    """Approximate width in pixels of ``text`` in 11px Verdana-like type."""
    width = 0.0
    for char in text:
        if char in _NARROW:
            width += 4.0
        elif char in _WIDE:
            width += 10.5
        elif char.isupper() or char.isdigit():
            width += 7.5
        else:
            width += 6.6
    return round(width)


def badge_svg(label: str, status: Impact) -> bytes:
    """A two-part badge, ``label | Status``, with the status as real text."""
    message = status.label
    left, right = text_width(label) + 12, text_width(message) + 12
    total = left + right
    svg = Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" aria-label="{label}: {message}">'
        "<title>{label}: {message}</title>"
        '<rect width="{left}" height="20" fill="#444"/>'
        '<rect x="{left}" width="{right}" height="20" fill="{colour}"/>'
        '<g fill="#fff" font-family="Verdana,DejaVu Sans,Geneva,sans-serif" font-size="11" text-anchor="middle">'
        '<text x="{lx}" y="14">{label}</text><text x="{rx}" y="14">{message}</text></g></svg>\n'
    ).format(total=total, label=label, message=message, left=left, right=right, colour=BADGE_COLOUR[status],
             lx=left / 2, rx=left + right / 2)
    return str(svg).encode("utf-8")


def shields_endpoint(label: str, status: Impact) -> dict[str, object]:
    """shields.io endpoint JSON (schemaVersion 1)."""
    return {"schemaVersion": 1, "label": label, "message": status.label, "color": SHIELDS_COLOUR[status]}


def badge_files(site: Site, statuses: dict[str, Impact]) -> list[Artifact]:
    """``badge.svg`` for the page, one per component, and their shields.io endpoints."""
    overall = worst(list(statuses.values()))
    out = [Artifact("badge.svg", badge_svg("status", overall)),
           Artifact("api/statusgen/v1/shields/status.json", json_bytes(shields_endpoint("status", overall)))]
    for component in site.config.components:
        status = statuses[component.id]
        out.append(Artifact(f"components/{component.id}/badge.svg", badge_svg(component.name, status)))
        out.append(Artifact(f"api/statusgen/v1/shields/components/{component.id}.json",
                            json_bytes(shields_endpoint(component.name, status))))
    return out
