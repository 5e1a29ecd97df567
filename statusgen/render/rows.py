"""The built-in theme's list row, made in Python.

Every list page shows its items as rows (``incident_row`` in ``macros.html``): a
component's pages, the history months, the overview. A rebuild renders about 2,900
of them and a full build of 10,000 incidents about 30,000, and a Jinja macro call
costs far more than the few tags a row is made of. So the built-in theme's
templates call :func:`incident_row` made here, which makes the very bytes the
macro does (a test compares the two on every kind of item, with text that needs
escaping); a site whose own ``macros.html`` overrides the macro gets its macro.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape

from statusgen.render.formatting import Formatter
from statusgen.render.views import ItemView


def incident_row_maker(severity: Callable[[Any], Any], state_label: Callable[[Any], Any]) -> Callable[..., Markup]:
    """The built-in ``incident_row(view, fmt, root)``, showing badges with the theme's ``severity`` and
    ``state_label`` macros."""

    def incident_row(view: ItemView, fmt: Formatter, root: str) -> Markup:
        badge = '<span class="sev sev-maint">Maintenance</span>' if view.is_maintenance else severity(view.severity)
        when = escape(view.duration) if view.end else escape(view.ongoing_text)
        names = ", ".join(escape(c.name) for c in view.components)
        summary = f'<p class="summary">{escape(view.summary)}</p>' if view.summary else ""
        return Markup(
            '<li class="incident-row">\n  <div class="incident-row-head">\n'
            f'    <a class="incident-title" href="{escape(root)}{escape(view.url)}">{escape(view.title)}</a>\n'
            f'{badge}    {state_label(view.state)}\n  </div>\n'
            f'  <p class="meta">{fmt.time_element(view.start)} · {when}{" · " + names if view.components else ""}</p>\n'
            f'{summary}</li>'
        )

    return incident_row
