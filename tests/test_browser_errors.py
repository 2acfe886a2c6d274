"""In real Chromium: click confusion-matrix cells on the Errors page and see their digits."""

from __future__ import annotations

import re

import pytest

from tests.browser import chromium_page, dashboard, output_dir, require_chromium
from tests.fakes import seed_run


def example_captions(page, predicted):
    pattern = re.compile(rf"^test #\d+: \d+% {predicted}$")
    captions = page.locator('[data-testid="stImageCaption"]').all_inner_texts()
    return [caption for caption in captions if pattern.match(caption.strip())]


def wait_for_examples(page, predicted, count):
    """Wait until exactly `count` example captions for `predicted` are drawn (they arrive one by one)."""
    page.wait_for_function(
        """([digit, count]) => [...document.querySelectorAll('[data-testid="stImageCaption"]')]
            .filter(e => e.innerText.trim().startsWith('test #') && e.innerText.includes('%')
                         && e.innerText.trim().endsWith(' ' + digit)).length === count""",
        arg=[str(predicted), count])


def click_cell(page, true_class, predicted_class):
    """Click the centre of a cell; the clickable scatter lists cells row by row (y = true)."""
    matrix = page.locator(".js-plotly-plot").first
    point = matrix.locator(".scatterlayer .point").nth(true_class * 10 + predicted_class)
    box = point.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


@pytest.mark.browser
def test_clicking_a_cell_shows_exactly_its_digits(tmp_path, mnist):
    require_chromium()
    from mnist_lab.store import RunStore

    home = tmp_path / "runs"
    run_id = seed_run(RunStore(home), mnist.y_test)
    with dashboard(home, tmp_path / "dashboard.log") as url, chromium_page(viewport=(1400, 2400)) as page:
        page.goto(f"{url}/errors?run={run_id}")  # a deep link as the first request works too
        page.locator(".js-plotly-plot .scatterlayer .point").first.wait_for(timeout=60_000)

        click_cell(page, 7, 2)
        page.get_by_text("5 test 7s predicted as 2").wait_for()
        wait_for_examples(page, 2, 5)
        assert len(example_captions(page, 2)) == 5

        click_cell(page, 4, 9)
        page.get_by_text("7 test 4s predicted as 9").wait_for()
        wait_for_examples(page, 9, 7)
        assert len(example_captions(page, 9)) == 7
        assert example_captions(page, 2) == []
        page.screenshot(path=output_dir("errors") / "errors-4-9.png", full_page=True)
