"""Experiments: the tutorial's studies in one click, studies of your own, results as they come."""

from __future__ import annotations

import streamlit as st

from app.common import route_through_dashboard
from app.experiments.studies import (
    STUDY_KEY,
    STUDY_PARAM,
    builtin_section,
    custom_section,
    engine_choice,
    pending_section,
    started_notice,
    study_view,
)
from app.readers import get_store
from mnist_lab.store.studies import StudyIndex

route_through_dashboard()

st.title("Experiments")
st.caption("A study trains every point of a search space on several seeds, in the background, "
           "and says which arm wins and whether the lead is larger than seed noise.")
pending_section()
studies = [record.name for record in StudyIndex(get_store()).list()]
with st.expander("Start a study", expanded=not studies):
    engine_choice()
    builtin_section()
    custom_section()
if not studies:
    st.info("No study yet. Start one above, or with `mnist-lab sweep` on the command line.")
    st.stop()
started_notice()
wanted = st.query_params.get(STUDY_PARAM)
name = st.selectbox("Study", studies, index=studies.index(wanted) if wanted in studies else 0,
                    key=STUDY_KEY)
st.query_params[STUDY_PARAM] = name
study_view(name)
