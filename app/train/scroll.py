"""Bring a place on the page into view: a components v2 element that scrolls to itself.

Drawn once, where the eye should go next (the Train page draws it in the card of the run just
started, which is otherwise below the layer table and out of view at 1280x800).
"""

from __future__ import annotations

import streamlit as st

_scroll_target = st.components.v2.component(
    "scroll_into_view",
    html='<div class="scroll-target"></div>',
    js="""export default function ({parentElement}) {
  parentElement.querySelector(".scroll-target").scrollIntoView({block: "start"});
}""",
)


def scroll_here(key: str) -> None:
    """Scroll the page so that this point is at the top of the view, once, when it is drawn."""
    _scroll_target(key=key)
