"""mnist-lab dashboard: `streamlit run dashboard.py`. A small router over the pages.

`streamlit run` imports this file once to find `app`: Streamlit's server with the live feed's
routes beside it (`app/live_server.py`). Every browser session then runs the file as
`__main__`, which draws the navigation.
"""

import streamlit as st

if __name__ == "__main__":
    st.set_page_config(page_title="mnist-lab", page_icon=":material/grid_4x4:", layout="wide")

    PAGES = {
        "Lab": [
            st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
            st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
            st.Page("pages/experiments.py", title="Experiments", icon=":material/science:"),
        ],
        "Study": [
            st.Page("pages/runs.py", title="Runs", icon=":material/table_view:"),
            st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
            st.Page("pages/errors.py", title="Errors", icon=":material/grid_on:"),
            st.Page("pages/misclassified.py", title="Misclassified", icon=":material/error:"),
            st.Page("pages/inspector.py", title="Inspector", icon=":material/neurology:"),
        ],
    }

    st.navigation(PAGES).run()
else:
    from app.live_server import live_routes
    from mnist_lab.store import RunStore

    app = st.App(__file__, routes=live_routes(RunStore(), st.get_option("server.baseUrlPath")))
