"""How long the dashboard takes to answer a click, in headless Chromium at 1280x800.

Three tiny real runs (LeNet-5, 100 images per class, one epoch: real models, so the Errors
page's saliency and the Inspector run) are trained first. Then each interaction is timed from
the click until the browser sees the page's script finish (Streamlit's `data-test-script-state`
back to `notRunning`) and two frames are painted; a deep link is timed from `goto` until the
matrix is drawn, the script is idle and every picture (the cell's digits, the saliency) has
loaded. Each figure is the median of several tries, alternating between two choices so that
every try is a real change.

    python -m benchmarks.page_latency [--repeats 5]
"""

from __future__ import annotations

import math
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from mnist_lab.cli import main as cli
from mnist_lab.store import RunStore

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from browser import IDLE_JS, MATRIX_CELLS, PICTURES_LOADED_JS, chromium_page, dashboard, matrix_cell  # noqa: E402  (the tests' browser harness)

# Resolves with the time a script run ends, once one has started after this was armed.
ARM_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.rerunEnd = new Promise(resolve => {
    let started = false;
    new MutationObserver((_, observer) => {
      const state = app.dataset.testScriptState;
      if (state === 'running') started = true;
      if (started && state === 'notRunning') {
        observer.disconnect();
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())));
      }
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
  });
  return performance.now();
}"""


def train_runs(home: Path, count: int) -> list[str]:
    for seed in range(count):
        status = cli(["--home", str(home), "train", "--preset", "lenet5", "--subset", "100",
                      "--epochs", "1", "--seed", str(seed), "--name", f"bench {seed}"])
        if status != 0:
            raise RuntimeError(f"training the benchmark's run {seed} failed (exit {status})")
    return [run.id for run in RunStore(home).list()]


def settle(page) -> None:
    page.wait_for_function(IDLE_JS, timeout=120_000)
    page.wait_for_timeout(300)


def timed(page, action) -> float:
    """Seconds from `action` (a click) to the end of the rerun it starts, as the browser sees it."""
    settle(page)
    start = page.evaluate(ARM_JS)
    action()
    end = page.evaluate("() => window.rerunEnd")
    return (end - start) / 1000


def choose(page, label: str, option: str) -> None:
    """Pick the option starting with `option` in the selectbox labelled `label`, as typed."""
    named = page.get_by_test_id("stWidgetLabel").filter(has_text=re.compile(f"^{re.escape(label)}$"))
    field = page.get_by_test_id("stSelectbox").filter(has=named).first.locator("input")
    field.click()
    field.fill(option)
    page.get_by_role("option", name=re.compile("^" + re.escape(option))).first.click()


def draw(page, shift: int) -> None:
    box = page.locator("canvas.upper-canvas").bounding_box()
    x = box["x"] + 120 + shift
    page.mouse.move(x, box["y"] + 40)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x, box["y"] + 40 + step * 20, steps=2)
    page.mouse.up()


def alternate(repeats: int, first, second) -> list:
    return [first if number % 2 == 0 else second for number in range(repeats)]


def measure_pages(url: str, ids: list[str], names: dict[str, str], repeats: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}
    with chromium_page(viewport=(1280, 800)) as page:
        page.goto(f"{url}/errors?run={ids[0]}")
        page.locator(MATRIX_CELLS).first.wait_for(timeout=120_000)
        settle(page)
        times["errors_switch_run_s"] = [
            timed(page, lambda run_id=run_id: choose(page, "Run", names[run_id]))
            for run_id in alternate(repeats, ids[1], ids[0])]
        # Cells in the first row: a 1-epoch model on 1,000 images confuses most digits.
        times["errors_cell_click_s"] = [
            timed(page, lambda cell=cell: matrix_cell(page, *cell).click())
            for cell in alternate(repeats, (4, 9), (7, 2))]

        page.goto(f"{url}/compare?run={ids[0]}&run={ids[1]}&run={ids[2]}")
        page.get_by_text("Two runs head to head").wait_for(timeout=120_000)
        settle(page)
        b_names = [f"{names[run_id].split(' · ')[0]} ({run_id[-6:]})" for run_id in ids[1:]]
        times["compare_change_b_s"] = [
            timed(page, lambda label=label: choose(page, "B", label))
            for label in alternate(repeats, b_names[1], b_names[0])]

        page.goto(f"{url}/inspector?run={ids[0]}")
        page.get_by_text("Convolution layer").wait_for(timeout=120_000)
        settle(page)
        times["inspector_filter_layer_s"] = [
            timed(page, lambda layer=layer: choose(page, "Convolution layer", layer))
            for layer in alternate(repeats, "block2_conv1", "block1_conv1")]
        page.get_by_role("tab", name="Your digit").click()
        page.locator("canvas.upper-canvas").wait_for()
        settle(page)
        times["drawn_digit_to_prediction_s"] = [
            timed(page, lambda number=number: draw(page, 10 * number)) for number in range(repeats)]

    deep_links = []
    for number in range(repeats):
        with chromium_page(viewport=(1280, 800)) as page:  # a fresh browser each time
            cell = ("4-9", "7-2")[number % 2]
            start = time.perf_counter()
            page.goto(f"{url}/errors?run={ids[number % 2]}&cell={cell}")
            page.locator(MATRIX_CELLS).first.wait_for(timeout=120_000)
            page.wait_for_function(IDLE_JS, timeout=120_000)
            page.wait_for_function(PICTURES_LOADED_JS, timeout=120_000)
            deep_links.append(time.perf_counter() - start)
    times["errors_deep_link_load_s"] = deep_links
    return times


def measure(epochs: int = 1, repeats: int = 5, subset: int | None = None) -> dict:
    """Medians over `repeats` tries per interaction (`epochs` and `subset` are not used)."""
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        ids = train_runs(home, 3)
        store = RunStore(home)
        names = {run.id: f"{run.name} · {run.status}" for run in store.list()}
        with dashboard(home, home / "dashboard.log") as url:
            times = measure_pages(url, ids, names, repeats)
    result = {}
    for key, values in times.items():
        result[key] = round(statistics.median(values), 3)
        result[key[:-2] + "_tries_s"] = [round(value, 3) for value in values if math.isfinite(value)]
    return result


if __name__ == "__main__":
    from benchmarks import cli as bench_cli

    bench_cli.run(measure, __doc__.splitlines()[0])
