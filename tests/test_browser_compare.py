"""In real Chromium: the Runs table, then Compare for two runs: which is better and by how much."""

from __future__ import annotations

import pytest

from mnist_lab.store import RunStore
from tests.browser import (
    MATRIX_CELLS,
    PICTURES_LOADED_JS,
    chromium_page,
    dashboard,
    output_dir,
    require_chromium,
)
from tests.fakes import seed_run


@pytest.mark.browser
def test_compare_two_runs_from_a_link(tmp_path, mnist):
    require_chromium()
    home = tmp_path / "runs"
    store = RunStore(home)
    better = seed_run(store, mnist.y_test, name="fewer mistakes")
    worse = seed_run(store, mnist.y_test, name="more mistakes", preset_name="lenet5-strided",
                     mistakes=((4, 9, 20), (7, 2, 5), (3, 5, 3)), seed=1)
    with dashboard(home, tmp_path / "dashboard.log") as url, chromium_page(viewport=(1400, 3000)) as page:
        page.goto(f"{url}/runs")
        page.get_by_test_id("stDataFrame").wait_for()  # the runs table (drawn on a canvas)
        page.goto(f"{url}/compare?run={better}&run={worse}")
        page.get_by_role("heading", name="Two runs head to head").wait_for()
        page.get_by_text("13 test digits only A gets right").wait_for()  # the section's end
        body = page.locator("body").inner_text()
        assert "fewer mistakes" in body and "more mistakes" in body
        # 13 more 4s read as 9 by the second run: McNemar's verdict on the paired predictions.
        assert "(0.13 points)" in body and "the difference is unlikely to be chance" in body
        assert "13 test digits only A gets right" in body
        page.locator(MATRIX_CELLS).first.wait_for()  # the matrix and digits drawn before the screenshot
        page.wait_for_function(PICTURES_LOADED_JS)
        page.screenshot(path=output_dir("compare") / "compare.png", full_page=True)
        # The other sections are tabs, each drawn when it is opened.
        page.get_by_role("tab", name="What differs").click()
        page.get_by_role("heading", name="Layer by layer").wait_for()
        page.get_by_role("tab", name="Ensemble").click()
        page.get_by_text("The ensemble of 2 runs scores").wait_for()
