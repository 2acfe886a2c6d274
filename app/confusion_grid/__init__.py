"""Confusion matrices (Errors' and Compare's difference of two runs): a components v2 element
(`confusion_grid.html`, `.css` and `.js` beside this file), a grid of buttons the browser lays out
from cells that `mnist_lab.figures.predictions.matrix_cells` builds.

It replaced Plotly charts. Plotly's 4.7 MB script was the one chart script on Errors' first
view: in a fresh browser, a deep link to a cell spent about a second of one long task on it
before the matrix showed. The grid needs no chart library, shows the chosen pair however
it was chosen (click, link or list), and a click is a click: no double-click timing to lose it.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

GRID = Path(__file__).parent
_confusion_grid = st.components.v2.component(
    "confusion_grid", html=(GRID / "confusion_grid.html").read_text(),
    css=(GRID / "confusion_grid.css").read_text(), js=(GRID / "confusion_grid.js").read_text(),
)


def last_click(key: str) -> dict | None:
    """The matrix's latest click, {"cell": [true, predicted], "at": ms}, before it is drawn
    again: the page decides the chosen pair first, and the matrix then shows it."""
    state = st.session_state.get(key)
    return (state or {}).get("click")


def confusion_matrix(cells: dict, *, key: str, title: str = "",
                     selected: tuple[int, int] | None = None, clickable: bool = False) -> None:
    """Draw the matrix of `cells` (`figures.confusion_cells`, `figures.confusion_difference_cells`);
    with `clickable`, its clicks are read by `last_click(key)`."""
    _confusion_grid(key=key, on_click_change=lambda: None,
                    data={**cells, "title": title, "selected": list(selected) if selected else None,
                          "clickable": clickable})
