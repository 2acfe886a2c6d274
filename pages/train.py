"""Train: design a network with a live layer preview, start it in the background, watch it learn.

The page never trains. Train writes a queued run and starts `python -m mnist_lab train` for it;
`train_runs` draws the runs in progress live, so coming back to the page (or reloading it)
re-attaches to them.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.charts import plotly_chart
from app.common import RUN_PARAM, route_through_dashboard
from app.readers import get_store
from app.train.augmentation import augmentation_figure
from app.train.form import Form, check_names, config_form
from app.train.runs import LAST_STARTED, runs_section
from mnist_lab import figures
from mnist_lab.config import ConfigError
from mnist_lab.model import Architecture, describe
from mnist_lab.training import runner

route_through_dashboard()


def preview(form: Form) -> Architecture | None:
    """The layer table, totals and diagram of the form's config, checked here, at its door;
    None (with the message shown) if it cannot train."""
    try:
        architecture = describe(form.config)
    except ConfigError as error:
        form.show_error(str(error))
        st.error(f"This network cannot be built: {error}")
        return None
    columns = st.columns(4)
    columns[0].metric("Parameters", f"{architecture.params:,}")
    columns[1].metric("FLOPs per image", f"{architecture.flops:,}")
    columns[2].metric("Layers", len(architecture.layers))
    columns[3].metric("Receptive field", f"{max(layer.receptive_field for layer in architecture.layers)} px")
    # Room for a detail such as "12@3x3 same, stride 2, relu" at 1280 px, which was cut off.
    st.dataframe(pd.DataFrame(architecture.rows()), hide_index=True, column_config={
        "layer": st.column_config.TextColumn(width=110), "kind": st.column_config.TextColumn(width=95),
        "detail": st.column_config.TextColumn(width=250), "output": st.column_config.TextColumn(width=75),
        "receptive field": st.column_config.NumberColumn("RF", width=40, help="receptive field, pixels"),
        **{column: st.column_config.NumberColumn(format="localized", width=80)
           for column in ("params", "flops")}})
    plotly_chart(figures.feature_map_figure(architecture), key="feature_maps")
    if form.config.augmented:
        st.subheader("What training shows the network")
        st.caption("Sample training digits through the augmentation layers: a new draw for every "
                   "image of every batch while training, none at inference.")
        plotly_chart(augmentation_figure(form.config), key="augmentation_preview")
    problem = check_names(form)
    if problem:
        form.show_error(problem)
        st.error(problem)
    return None if problem else architecture


def start_training(form: Form, checked: Architecture) -> str:
    run_id = runner.submit(get_store(), checked, name=form.name or None, tags=form.tags)
    st.session_state[LAST_STARTED] = run_id
    st.query_params[RUN_PARAM] = run_id
    return run_id


st.title("Train")
st.caption("Shape the network in the sidebar; the table below follows every change. "
           "Training runs in its own process: leave the page or reload, it goes on.")
form = config_form()
checked = preview(form)
button, plan = st.columns([1, 5], vertical_alignment="center")
started = None
if button.button("Train", type="primary", disabled=checked is None, key="train"):
    started = start_training(form, checked)
plan.caption(form.plan())
runs_section(started)
