"""The built-in theme's list row and uptime bar, made in Python.

Every list page shows its items as rows (``incident_row`` in ``macros.html``): a
component's pages, the history months, the overview. A rebuild renders about 2,900
of them and a full build of 10,000 incidents about 30,000, and a Jinja macro call
costs far more than the few tags a row is made of. A component's first page shows
its uptime bar (``uptime_bar``), 90 cells each with its own text: a quarter of the
time a rebuild spends on the components' pages. So the built-in theme's templates
call the functions made here, which make the very bytes the macros do (a test
compares them on every kind of item and bar, with text that needs escaping); a site
whose own ``macros.html`` overrides the macros gets its macros.
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


def uptime_bar(name: str, bar: Any, days: int, fmt: Formatter, root: str) -> Markup:
    """The built-in ``uptime_bar(name, bar, days, fmt, root)``: a component's last ``days`` days, cell by cell."""
    cells = []
    for cell in bar.cells:
        if cell.items:
            text = f"{escape(fmt.date_text(cell.day))}: {escape(cell.percent)}; " + "; ".join(escape(v.title) for v in cell.items)
            tip = f'<a href="{escape(root)}{escape(cell.items[0].url)}"><span class="tip">{text}</span></a>'
        else:
            tip = f'<span class="tip">{escape(fmt.date_text(cell.day))}: {escape(cell.percent)}, no incidents</span>'
        cells.append(f'    <li class="cell c-{escape(cell.worst.value)}">{tip}</li>\n')
    return Markup(
        f'<div class="uptime">\n  <ol class="uptime-cells" aria-label="{escape(name)}: the last {escape(days)} days">\n'
        f'{"".join(cells)}  </ol>\n  <p class="uptime-legend"><span>{escape(days)} days ago</span>'
        f'<span>{escape(bar.percent)} uptime</span><span>Today</span></p>\n</div>'
    )
