"""mnist-lab dashboard: `streamlit run dashboard.py`. A small router over the pages."""

import streamlit as st

st.set_page_config(page_title="mnist-lab", page_icon="🔢", layout="wide")

PAGES = {
    "Lab": [
        st.Page("pages/home.py", title="Home", icon="🏠", default=True),
        st.Page("pages/train.py", title="Train", icon="🏋️"),
    ],
    "Study": [
        st.Page("pages/runs.py", title="Runs", icon="🗂️"),
        st.Page("pages/compare.py", title="Compare", icon="⚖️"),
        st.Page("pages/errors.py", title="Errors", icon="🔍"),
        st.Page("pages/misclassified.py", title="Misclassified", icon="❌"),
        st.Page("pages/inspector.py", title="Inspector", icon="🧠"),
    ],
}

st.navigation(PAGES).run()
