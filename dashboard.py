"""mnist-lab dashboard: `streamlit run dashboard.py`. A small router over the pages.

`streamlit run` imports this file once to find `app`: Streamlit's server with the live feed's
routes beside it (`app/live_server.py`). Every browser session then runs the file as
`__main__`, which draws the navigation.
"""

from pathlib import Path

import streamlit as st

from mnist_lab.store import IndexDamagedError, RunStore

# The browser tab's icon, served by the dashboard itself: Streamlit fetches a `:material/`
# page icon from fonts.gstatic.com, which fails offline. (The icons in the pages come from
# the Material Symbols font bundled with Streamlit.)
FAVICON = Path(__file__).with_name("app") / "favicon.png"

if __name__ == "__main__":
    from app.charts import install_chart_downloads

    st.set_page_config(page_title="mnist-lab", page_icon=str(FAVICON), layout="wide")
    with st.sidebar:  # under the navigation, where its empty element takes no page space
        install_chart_downloads()

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

    try:
        st.navigation(PAGES).run()
    except IndexDamagedError as error:  # every page reads the index: one message, not a trace
        st.error(f"The runs cannot be shown: {error}")
else:
    from app.keras_state import import_keras_in_background, keep_keras_state
    from app.live_server import live_routes, page_routes

    keep_keras_state()  # once per server process: no Keras reset after every rerun
    import_keras_in_background()
    base_path = st.get_option("server.baseUrlPath")
    pages = sorted(path.stem for path in Path(__file__).with_name("pages").glob("*.py"))
    app = st.App(__file__, routes=live_routes(RunStore, base_path) + page_routes(pages, base_path))
