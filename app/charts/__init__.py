"""Plotly charts as every page draws them: one config, and a toolbar that downloads PNG and SVG.

Plotly's camera gives one format; `downloads.js` (a components v2 element the dashboard mounts
once, for every page) adds an SVG button beside it in every chart's toolbar. Small charts keep
only the two download buttons: the zoom buttons would cover their titles.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

_downloads = st.components.v2.component(
    "chart_downloads", js=(Path(__file__).with_name("downloads.js")).read_text())


def install_chart_downloads() -> None:
    """Add the SVG button to every chart's toolbar in this browser tab (drawn by the dashboard's
    frame, before the page, so every page has it)."""
    # No key: a keyed element holds session state, and a deep link's first run must find
    # none to be routed through the dashboard (common.route_through_dashboard).
    _downloads()


def chart_config(name: str, *, small: bool = False) -> dict:
    """Plotly's config: downloads named for the chart (mnist-lab-NAME.png, twice the pixels
    of the screen for print; .svg), no Plotly logo."""
    config = {"displaylogo": False,
              "toImageButtonOptions": {"filename": f"mnist-lab-{name}", "scale": 2}}
    if small:
        config["modeBarButtons"] = [["toImage"]]
    return config


def plotly_chart(figure, *, key: str, small: bool = False, where=st, **kwargs):
    """`st.plotly_chart` (or `where.plotly_chart`, a column's) with `chart_config`; `key` names
    the chart's downloads too. Returns what Streamlit returns (a selection event, when asked)."""
    return where.plotly_chart(figure, key=key, config=chart_config(key, small=small), **kwargs)
