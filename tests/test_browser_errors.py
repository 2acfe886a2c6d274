"""In real Chromium at 1280x800: click confusion-matrix cells on the Errors page and see their
digits beside the matrix, where the eye is; two quick clicks are two choices."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from tests.browser import (
    MATRIX_CELLS,
    chromium_page,
    dashboard,
    matrix_cell,
    output_dir,
    require_chromium,
    wait_until_idle,
)
from tests.fakes import seed_run

# The captions under the cell's digits ("#123: 87% 2") whose pictures have loaded.
EXAMPLE_TITLES_JS = """() => [...document.querySelectorAll('[data-testid="stImageContainer"]')]
    .filter(box => [...box.querySelectorAll('img')].every(img => img.complete && img.naturalWidth > 0))
    .map(box => box.querySelector('[data-testid="stImageCaption"]')?.textContent ?? '')
    .filter(text => /^#\\d+: \\d+% \\d$/.test(text))"""


def wait_for_examples(page, predicted, count):
    """Wait until exactly `count` example titles for `predicted` are drawn."""
    page.wait_for_function(
        f"([digit, count]) => ({EXAMPLE_TITLES_JS})().filter(t => t.endsWith(' ' + digit)).length === count",
        arg=[str(predicted), count])


@contextmanager
def errors_page(tmp_path, y_test):
    """Errors of a fake run, opened by a deep link as the first request, its matrix drawn."""
    require_chromium()
    from mnist_lab.store import RunStore

    home = tmp_path / "runs"
    run_id = seed_run(RunStore(home), y_test)
    with dashboard(home, tmp_path / "dashboard.log") as url, chromium_page(viewport=(1280, 800)) as page:
        page.goto(f"{url}/errors?run={run_id}")
        page.locator(MATRIX_CELLS).first.wait_for(timeout=60_000)
        yield page


def in_view(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and 0 <= box["y"] and box["y"] + box["height"] <= page.viewport_size["height"]


@pytest.mark.browser
def test_clicking_a_cell_shows_its_digits_beside_the_matrix(tmp_path, mnist):
    with errors_page(tmp_path, mnist.y_test) as page:
        page.locator(MATRIX_CELLS).first.scroll_into_view_if_needed()

        matrix_cell(page, 7, 2).click()
        heading = page.get_by_text("5 test 7s predicted as 2")
        heading.wait_for()
        wait_for_examples(page, 2, 5)
        assert in_view(page, heading)  # no scrolling needed to see what the click chose
        assert in_view(page, page.get_by_test_id("stImageCaption").first)
        assert page.evaluate(EXAMPLE_TITLES_JS)[0].endswith(" 2")

        matrix_cell(page, 4, 9).click()
        page.get_by_text("7 test 4s predicted as 9").wait_for()
        wait_for_examples(page, 9, 6)
        wait_until_idle(page)
        assert [title for title in page.evaluate(EXAMPLE_TITLES_JS) if title.endswith(" 2")] == []
        page.screenshot(path=output_dir("errors") / "errors-4-9.png")


@pytest.mark.browser
def test_two_quick_clicks_choose_the_second_cell_and_keep_the_matrix(tmp_path, mnist):
    """The second click comes while the first click's rerun runs (with the Plotly matrix this
    was a double click, which reset its axes and brought back the cell chosen before)."""
    with errors_page(tmp_path, mnist.y_test) as page:
        matrix_cell(page, 7, 2).click()
        page.wait_for_timeout(50)  # as the first click's rerun begins (0, 50, 100 ms: 22 of 22 passed)
        matrix_cell(page, 4, 9).click()
        page.wait_for_timeout(1000)  # long enough for a stray rerun to start
        wait_until_idle(page)

        wait_for_examples(page, 9, 6)
        assert page.get_by_text("7 test 4s predicted as 9").is_visible()
        assert matrix_cell(page, 4, 9).get_attribute("aria-pressed") == "true"  # marked, alone
        assert page.locator(f'{MATRIX_CELLS}[aria-pressed="true"]').count() == 1


@pytest.mark.browser
def test_the_confused_pair_box_counts_the_run_shown_after_a_run_switch(tmp_path, mnist):
    """The box kept the first run's count (8) after a switch to a run with 11 of the pair."""
    require_chromium()
    import re

    from mnist_lab.store import RunStore
    from tests.browser import IDLE_JS, PICTURES_LOADED_JS

    home = tmp_path / "runs"
    first = seed_run(RunStore(home), mnist.y_test, name="eight", mistakes=((4, 9, 8),))
    seed_run(RunStore(home), mnist.y_test, name="eleven", mistakes=((4, 9, 11),))
    with dashboard(home, tmp_path / "dashboard.log") as url, chromium_page(viewport=(1280, 800)) as page:
        page.goto(f"{url}/errors?run={first}")
        page.get_by_text("8 test 4s predicted as 9").wait_for(timeout=60_000)
        pair = page.get_by_role("combobox", name="Confused pair")
        assert pair.input_value() == "4 read as 9 · 8 test digits"
        page.get_by_test_id("stSelectbox").first.click()
        page.get_by_role("option", name=re.compile("^eleven")).click()
        page.get_by_text("11 test 4s predicted as 9").wait_for()
        page.wait_for_function(IDLE_JS)
        page.wait_for_function(PICTURES_LOADED_JS)
        assert pair.input_value() == "4 read as 9 · 11 test digits"
