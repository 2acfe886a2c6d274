"""In real Chromium at 1280x800: the Runs table's columns, the manage panel's labels, and a
ticked run that stays ticked when an import adds a row above it."""

from __future__ import annotations

import pytest

from mnist_lab.store import RunStore, archive
from tests.browser import chromium_page, dashboard, output_dir, require_chromium
from tests.fakes import seed_run

# Buttons whose label no longer fits show it cut with an ellipsis: their text overflows.
CUT_LABELS_JS = """() => [...document.querySelectorAll('[data-testid="stMain"] button')]
    .filter(button => [...button.querySelectorAll('p, div')].some(e => e.scrollWidth > e.clientWidth + 1))
    .map(button => button.innerText)"""


def wait_until_idle(page):
    page.wait_for_timeout(150)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')")


def ticked_names(page):
    """Names in the ticked rows, from the grid's accessible table (the cells are a canvas)."""
    return page.locator('[data-testid="stDataFrame"] tr[aria-selected="true"] td[aria-colindex="1"]'
                        ).all_inner_texts()


@pytest.mark.browser
def test_the_runs_table_at_1280_px(tmp_path, mnist):
    require_chromium()
    home = tmp_path / "runs"
    store = RunStore(home)
    studied = seed_run(store, mnist.y_test, name="lenet5 with dropout 0.25 seed 3",
                       mistakes=((4, 9, 160),))
    seed_run(store, mnist.y_test, name="strided lenet5 seed 1", mistakes=((4, 9, 90),))
    archive_path = tmp_path / "copy.zip"
    archive_path.write_bytes(archive.export_run(store, studied))
    with dashboard(home, tmp_path / "dashboard.log") as url, chromium_page(viewport=(1280, 800)) as page:
        page.goto(url)
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Runs").click()
        grid = page.get_by_test_id("stDataFrame")
        grid.locator("th").first.wait_for(state="attached", timeout=60_000)
        # The grid renders only the columns in view: accuracy is among them, second.
        assert grid.locator("th").all_inner_texts()[:3] == ["name", "test accuracy", "architecture"]

        row = grid.locator('tr[aria-rowindex="3"]')  # the older run, below the newer one
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 15, box["y"] + 35 * 2 + 17)
        page.get_by_role("heading", name="lenet5 with dropout 0.25 seed 3 · completed").wait_for()
        assert row.get_attribute("aria-selected") == "true"
        page.get_by_role("button", name="Open in Train").wait_for()
        assert page.evaluate(CUT_LABELS_JS) == []
        page.screenshot(path=output_dir("runs") / "selected.png", full_page=True)

        page.get_by_text("Import a run archive (.zip)").click()
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(archive_path))
        wait_until_idle(page)
        page.get_by_role("button", name="Import", exact=True).click()
        page.get_by_text("Imported copy.zip as run lenet5 with dropout 0.25 seed 3").wait_for()
        wait_until_idle(page)
        page.get_by_text("Import a run archive (.zip)").click()  # it closes as the page redraws
        assert page.get_by_role("button", name="Import", exact=True).is_disabled()
        # Three rows now, the copy on top: the tick stays on the run the user ticked.
        grid.locator('tr[aria-rowindex="4"]').wait_for(state="attached")
        assert ticked_names(page) == ["lenet5 with dropout 0.25 seed 3"]
        assert grid.locator('tr[aria-rowindex="4"]').get_attribute("aria-selected") == "true"
        assert page.get_by_role("heading", name="lenet5 with dropout 0.25 seed 3 · completed").count() == 1
        page.screenshot(path=output_dir("runs") / "after-import.png", full_page=True)
