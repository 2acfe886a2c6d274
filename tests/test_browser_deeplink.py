"""In real Chromium: a deep link opened first on a fresh dashboard goes through its router.

Until some session has called st.navigation, Streamlit serves `/errors` through its legacy
pages/-folder discovery: a sidebar listing file names (dashboard, common, ...) and no sections.
"""

from __future__ import annotations

import pytest

from tests.browser import MATRIX_CELLS, chromium_page, dashboard, output_dir, require_chromium
from tests.fakes import seed_run


@pytest.mark.browser
def test_a_deep_link_on_a_fresh_server_gets_the_dashboard_navigation(tmp_path, mnist):
    require_chromium()
    from mnist_lab.store import RunStore

    home = tmp_path / "runs"
    run_id = seed_run(RunStore(home), mnist.y_test)
    log = tmp_path / "dashboard.log"
    with dashboard(home, log, preload=True) as url, chromium_page(viewport=(1400, 2000)) as page:
        page.goto(f"{url}/errors?run={run_id}")  # the server's very first request
        page.get_by_text("7 test 4s predicted as 9").wait_for(timeout=60_000)

        sidebar = page.locator('[data-testid="stSidebarNav"]')
        headers = sidebar.locator('[data-testid="stNavSectionHeader"]').all_inner_texts()
        # Each link reads "<icon ligature>\n\n<title>"; the title is its last line.
        links = [text.strip().splitlines()[-1] for text in sidebar.locator("a").all_inner_texts()]
        assert [header.strip() for header in headers] == ["Lab", "Study"]
        assert links == ["Home", "Train", "Experiments", "Runs", "Compare", "Errors", "Misclassified",
                         "Inspector"]
        assert page.title() == "mnist-lab"  # dashboard.py's page config ran
        assert run_id in page.url
        page.locator(MATRIX_CELLS).first.wait_for()  # drawn, for the picture
        page.screenshot(path=output_dir("deeplink") / "errors-deeplink.png", full_page=True)
        # Keras was imported as the server started, though no page here opened a model (a fake
        # run has none), so the first page that does will not wait for the import.
        for _ in range(120):
            if "Keras imported in the background" in log.read_text():
                break
            page.wait_for_timeout(500)
    assert "Keras imported in the background" in log.read_text()


@pytest.mark.browser
def test_a_direct_link_logs_no_console_error_and_asks_nothing_of_the_pages_address(tmp_path, mnist):
    """Every direct link logged two 404s: Streamlit asked `/<page>/_stcore/health` and
    `/<page>/_stcore/host-config` before the dashboard's own (streamlit/streamlit#7074)."""
    require_chromium()
    from mnist_lab.store import RunStore
    from tests.browser import IDLE_JS

    home = tmp_path / "runs"
    run_id = seed_run(RunStore(home), mnist.y_test)
    with dashboard(home, tmp_path / "dashboard.log") as url:
        for page_path in ("errors", "inspector", "compare", "train"):
            with chromium_page(viewport=(1280, 800)) as page:  # a fresh browser: a first visit
                errors, asked, failed = [], [], []
                page.on("console", lambda message, errors=errors:
                        errors.append(message.text) if message.type == "error" else None)
                page.on("request", lambda request, asked=asked: asked.append(request.url))
                page.on("response", lambda response, failed=failed:
                        failed.append(response.url) if response.status >= 400 else None)
                page.goto(f"{url}/{page_path}?run={run_id}")
                page.get_by_test_id("stSidebarNav").wait_for(timeout=60_000)
                page.wait_for_function(IDLE_JS)
                page.wait_for_timeout(300)
            assert (errors, failed) == ([], []), page_path
            assert not [address for address in asked if f"/{page_path}/_stcore/" in address]
            assert all(address.startswith((url, "data:", "blob:")) for address in asked)
