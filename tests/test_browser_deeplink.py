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
    with dashboard(home, tmp_path / "dashboard.log") as url, chromium_page(viewport=(1400, 2000)) as page:
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
