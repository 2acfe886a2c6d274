"""The Streamlit internals the dashboard relies on, pinned down so an upgrade that changes them
fails here: `app.common.route_through_dashboard` clears PagesManager.uses_pages_directory,
`app.keras_state.keep_keras_state` replaces the cleanup Streamlit runs after every script, and
`app.live_server.page_routes` sets `window.__streamlit.BACKEND_BASE_URL` in the page.

A folder named `pages/` beside the main script makes Streamlit run a deep-linked page on its own
(the legacy multipage mode) until some session has called st.navigation, which clears the flag.
The browser test `test_browser_deeplink.py` checks the whole effect in Chromium.
"""

from __future__ import annotations

from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def test_a_pages_folder_turns_on_streamlits_legacy_mode(monkeypatch):
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)
    PagesManager(str(ROOT / "dashboard.py"))
    assert PagesManager.uses_pages_directory is True


def test_st_navigation_turns_it_off_as_route_through_dashboard_does(monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_LAB_HOME", str(tmp_path / "runs"))
    monkeypatch.setattr(PagesManager, "uses_pages_directory", True)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    assert PagesManager.uses_pages_directory is False


def clear_sessions_per_run(monkeypatch, script) -> int:
    """How many times keras.backend.clear_session runs over two runs of `script`."""
    import keras

    calls = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda *args, **kwargs: calls.append(1))
    at = AppTest.from_function(script)
    at.run()
    at.run()
    assert not at.exception
    return len(calls)


def uses_keras():
    import keras

    keras.ops.ones((1,))


def test_streamlit_resets_keras_after_every_script_run(monkeypatch):
    from streamlit.runtime.scriptrunner import script_runner

    monkeypatch.setattr(script_runner, "_clean_problem_modules", script_runner._clean_problem_modules)
    assert clear_sessions_per_run(monkeypatch, uses_keras) == 2


def test_keep_keras_state_stops_the_reset_and_still_closes_pyplot_figures(monkeypatch):
    import matplotlib.pyplot as plt
    from streamlit.runtime.scriptrunner import script_runner

    from app.keras_state import keep_keras_state

    monkeypatch.setattr(script_runner, "_clean_problem_modules", script_runner._clean_problem_modules)
    keep_keras_state()

    assert clear_sessions_per_run(monkeypatch, uses_keras) == 0

    def leaves_a_figure_open():
        import matplotlib.pyplot as plt

        plt.figure()

    AppTest.from_function(leaves_a_figure_open).run()
    assert plt.get_fignums() == []


def test_streamlits_page_reads_the_backend_base_url_the_page_routes_set():
    """`page_routes` serves Streamlit's index.html with `window.__streamlit.BACKEND_BASE_URL`
    set, which Streamlit's script reads instead of guessing its server from a page's address
    (streamlit/streamlit#11537). The browser test of direct links checks the whole effect."""
    from importlib.resources import files

    from app.live_server import STREAMLIT_INDEX, page_routes

    assert STREAMLIT_INDEX.read_text().count("<head>") == 1
    scripts = [path.read_text() for path in (files("streamlit") / "static" / "static" / "js").iterdir()
               if path.name.endswith(".js")]
    assert any("get BACKEND_BASE_URL()" in script and "window.__streamlit" in script for script in scripts)
    route = page_routes(["errors"], "")[0]
    assert route.path == "/errors"
    assert b'window.__streamlit = {BACKEND_BASE_URL: new URL(\'/\', window.location.href).href};' in \
        route.endpoint(None).body
