"""Train: design a network with a live layer preview, start it in the background, watch it learn.

The page never trains. Train writes a queued run and starts `python -m mnist_lab train` for it;
`train_runs` draws the runs in progress live, so coming back to the page (or reloading it)
re-attaches to them.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.augmentation_preview import augmentation_figure
from app.common import RUN_PARAM, get_store, route_through_dashboard
from app.train_form import Form, check_names, config_form
from app.train_runs import LAST_STARTED, runs_section
from mnist_lab import figures
from mnist_lab.config import ConfigError
from mnist_lab.model import describe
from mnist_lab.training import runner

route_through_dashboard()


def preview(form: Form) -> bool:
    """The layer table, totals and diagram; False (with the message shown) if it cannot train."""
    try:
        architecture = describe(form.config)
    except ConfigError as error:
        form.show_error(str(error))
        st.error(f"This network cannot be built: {error}")
        return False
    columns = st.columns(4)
    columns[0].metric("Parameters", f"{architecture.params:,}")
    columns[1].metric("FLOPs per image", f"{architecture.flops:,}")
    columns[2].metric("Layers", len(architecture.layers))
    columns[3].metric("Receptive field", f"{max(layer.receptive_field for layer in architecture.layers)} px")
    st.dataframe(pd.DataFrame(architecture.rows()), hide_index=True, column_config={
        column: st.column_config.NumberColumn(format="localized") for column in ("params", "flops")})
    st.plotly_chart(figures.feature_map_figure(architecture))
    if form.config.augmented:
        st.subheader("What training shows the network")
        st.caption("Sample training digits through the augmentation layers: a new draw for every "
                   "image of every batch while training, none at inference.")
        st.plotly_chart(augmentation_figure(form.config), key="augmentation_preview")
    problem = check_names(form)
    if problem:
        form.show_error(problem)
        st.error(problem)
    return problem is None


def start_training(form: Form) -> str:
    store = get_store()
    run_id = store.create_run(form.config.to_dict(), name=form.name or None, tags=form.tags)
    runner.start(store, run_id)
    st.session_state[LAST_STARTED] = run_id
    st.query_params[RUN_PARAM] = run_id
    return run_id


st.title("Train")
st.caption("Shape the network in the sidebar; the table below follows every change. "
           "Training runs in its own process: leave the page or reload, it goes on.")
form = config_form()
trainable = preview(form)
button, plan = st.columns([1, 5], vertical_alignment="center")
started = None
if button.button("Train", type="primary", disabled=not trainable, key="train"):
    started = start_training(form)
plan.caption(form.plan())
runs_section(started)
