"""Keras in the dashboard's process: imported once in the background as the server starts, and
its state kept between reruns (the dashboard's second use of a Streamlit internal).

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

import os
import sys
import threading
import time

from streamlit.runtime.scriptrunner import script_runner

from mnist_lab.model.backend import import_keras

PRELOAD_ENV = "MNIST_LAB_PRELOAD_KERAS"  # "0": a server that shows no model skips the import


def keep_keras_state() -> None:
    """Replace Streamlit's cleanup after each script run with its pyplot part alone."""
    script_runner._clean_problem_modules = close_pyplot_figures


def close_pyplot_figures() -> None:
    """Close the Matplotlib figures a page left open, as Streamlit's cleanup does."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


def import_keras_in_background() -> threading.Thread | None:
    """Import Keras (and TensorFlow) in a thread as the server starts, so that the first visit
    to a page that opens a model (Errors' saliency, the Inspector) costs what later ones do
    instead of the import's seconds. The import holds Python's import lock: a page that needs
    Keras before it is done waits for it, and never imports it twice."""
    if os.environ.get(PRELOAD_ENV, "1") == "0" or "keras" in sys.modules:
        return None

    def preload() -> None:
        started = time.perf_counter()
        import_keras(capture=False)

        print(f"mnist-lab: Keras imported in the background in {time.perf_counter() - started:.1f} s",
              file=sys.stderr, flush=True)

    thread = threading.Thread(target=preload, daemon=True, name="import keras")
    thread.start()
    return thread
