"""Runs: every run in one table; select runs to compare or tag them, or one to rename, tag,
delete, re-run or export it."""

from __future__ import annotations

import streamlit as st

from app.common import route_through_dashboard
from app.readers import get_store
from app.runs.actions import (
    SHOWN_KEY,
    TABLE_KEY,
    column_config,
    import_section,
    keep_selection_on_runs,
    manage,
    notice,
    several,
)
from mnist_lab.compare.run_table import RunFilter, all_tags, runs_table
from mnist_lab.store import RunStatus

route_through_dashboard()

store = get_store()
st.title("Runs")
notice("top")
import_section()
runs = store.list()
if not runs:
    st.info("No runs yet. Train one on the Train page, or import an archive above.")
    st.stop()

by_status, by_tag, by_text = st.columns([2, 1, 2])
run_filter = RunFilter(
    statuses=tuple(by_status.multiselect("Status", [str(status) for status in RunStatus])),
    tag=by_tag.selectbox("Tag", all_tags(runs), index=None, placeholder="any tag"),
    text=by_text.text_input("Search names, notes, tags, studies, ids"),
)
shown = [run for run in runs if run_filter.keeps(run)]
st.caption(f"{len(shown)} of {len(runs)} runs. Click rows to select them; click a header to sort.")
keep_selection_on_runs([run.id for run in shown])
table = runs_table(shown)
event = st.dataframe(table, column_config=column_config(table), hide_index=True,
                     on_select="rerun", selection_mode="multi-row", key=TABLE_KEY)
st.session_state[SHOWN_KEY] = [run.id for run in shown]
selected = [shown[row] for row in event["selection"]["rows"] if row < len(shown)]

if len(selected) >= 2:
    several(selected)
elif len(selected) == 1:
    manage(selected[0])
else:
    st.caption("Select one run to manage it, or two or more to compare or tag them.")
