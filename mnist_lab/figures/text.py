"""Text from people (a run's name, its label) inside a Plotly figure, shown as typed.

Plotly reads trace names, hover templates, titles and annotations as a small subset of HTML
(`<b>`, `<br>`, `<a href=...>`): a tag in a run's name would vanish from the legend or turn
into a link. Written as entities, `<script>` is drawn as those eight characters.
"""

from __future__ import annotations

import html


def plotly_text(text: object) -> str:
    """`text` for a Plotly name, hover template, title or annotation."""
    return html.escape(str(text), quote=False)
