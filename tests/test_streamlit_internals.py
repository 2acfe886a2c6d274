"""The one Streamlit internal the dashboard relies on, pinned down so an upgrade that changes it
fails here: `app.common.route_through_dashboard` clears PagesManager.uses_pages_directory.

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
