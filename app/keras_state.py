"""Keep Keras's state between reruns: the dashboard's second use of a Streamlit internal.

After every script run Streamlit calls `keras.backend.clear_session()` once Keras is imported
(`script_runner._clean_problem_modules`), for scripts that build a new model on each rerun.
The dashboard builds none: it loads models once (`st.cache_resource`) and compiles their
saliency once. The call cost every rerun of every page a full `gc.collect()` over a heap
holding TensorFlow (about 0.33 s a rerun over six cell clicks on Errors, by py-spy: 46% of the
server's samples) and emptied TensorFlow's kernel cache, so the cached models' next calls
built their kernels again.
tests/test_streamlit_internals.py fails if Streamlit changes the behaviour this relies on.
"""

from __future__ import annotations

import sys

from streamlit.runtime.scriptrunner import script_runner


def keep_keras_state() -> None:
    """Replace Streamlit's cleanup after each script run with its pyplot part alone."""
    script_runner._clean_problem_modules = close_pyplot_figures


def close_pyplot_figures() -> None:
    """Close the Matplotlib figures a page left open, as Streamlit's cleanup does."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
