"""A large store stays fast: 200 runs, timed in headless Chromium, and the memory it takes.

The store: 200 finished runs of the three classic presets (10 epochs each), made without training by
the tests' fake trainer (`tests.fakes.seed_run`): real configs, 10 epochs of metrics, test
probabilities of all 10,000 test images with about 80 mistakes spread over ten cells (one per
true digit, 1 to 14 each, drawn per run), per-epoch validation labels, and an untrained model
of the run's preset, so that the Errors page's saliency and the Inspector really run.

Measured, in Chromium at 1280x800 (from `goto` or the click until the page's script has
finished and two frames are painted, as in `benchmarks.page_latency`):
- the Runs table over 200 runs, and Compare of 2, 10 and all 200 runs: the first load after
  the server starts, then the median and 95th percentile of further loads;
- a confusion-matrix cell click on Errors until its digits and their heading are drawn: every
  mistaken cell of two runs, each clicked for the first time (nothing cached), p50 and p95;
- the dashboard process's peak RSS (VmHWM) after every page has been visited over the store,
  and a trainer's (`benchmarks.memory`), each with what dominates it.

    python -m benchmarks.large_store [--repeats 5]    # also writes results/large_store.json
"""

from __future__ import annotations

import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import memory
from benchmarks.page_latency import ARM_JS, settle
from mnist_lab.config import preset
from mnist_lab.data import load_mnist
from mnist_lab.store import RunStore, artifacts

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from browser import IDLE_JS, MATRIX_CELLS, chromium_page, dashboard, matrix_cell  # noqa: E402  (the tests' browser harness)
from fakes import seed_run  # noqa: E402

RUNS = 200
PRESETS = ("lenet5", "lenet5-strided", "keras-convnet")  # the figures in the README are of these
PAGE_TIMEOUT_MS = 300_000
# Resolves once the heading of a cell's digits is on the page, the script is idle and every
# picture on the page (the digits, and the open section's) has loaded.
DIGITS_DRAWN_JS = """([text]) => new Promise(resolve => {
  const check = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    const shown = [...document.querySelectorAll('h3')].some(h => h.textContent.includes(text));
    const loaded = [...document.querySelectorAll('[data-testid="stImageContainer"] img')]
      .every(img => img.complete && img.naturalWidth > 0);
    if (shown && loaded && app.dataset.testScriptState === 'notRunning') {
      requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())));
    } else {
      requestAnimationFrame(check);
    }
  };
  check();
})"""


def mistakes_of(number: int) -> tuple[tuple[int, int, int], ...]:
    """One mistaken cell per true digit, 1 to 14 images each, drawn per run."""
    rng = np.random.default_rng(number)
    return tuple((true, int((true + rng.integers(1, 10)) % 10), int(rng.integers(1, 15)))
                 for true in range(10))


def seed_store(home: Path, count: int = RUNS) -> list[str]:
    """`count` finished runs (presets in turn), each with an untrained model of its preset."""
    from mnist_lab.model.build import build_model

    store = RunStore(home)
    y_test = load_mnist().y_test
    models = home / "models"
    models.mkdir()
    for name in PRESETS:
        build_model(preset(name)).save(models / f"{name}.keras")
    ids = []
    for number in range(count):
        name = PRESETS[number % len(PRESETS)]
        run_id = seed_run(store, y_test, name=f"{name} #{number}", preset_name=name, epochs=10,
                          mistakes=mistakes_of(number), seed=number)
        shutil.copyfile(models / f"{name}.keras", store.artifact(run_id, artifacts.MODEL_FILE))
        store.update(run_id, tags=[name, f"batch {number // 50}"])
        ids.append(run_id)
    return ids


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with `share` of them at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summary(values: list[float]) -> dict:
    return {"p50_s": round(statistics.median(values), 3), "p95_s": round(percentile(values, 0.95), 3),
            "n": len(values), "tries_s": [round(value, 3) for value in values]}


def load_time(page, url: str, ready) -> float:
    """Seconds from `goto` until `ready` holds and the page's script is idle."""
    started = time.perf_counter()
    page.goto(url)
    ready()
    page.wait_for_function(IDLE_JS, timeout=PAGE_TIMEOUT_MS)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    return time.perf_counter() - started


def page_loads(page, url: str, ready, repeats: int) -> dict:
    first = load_time(page, url, ready)
    again = [load_time(page, url, ready) for _ in range(repeats)]
    return {"first_s": round(first, 3), **summary(again)}


def cell_clicks(page, url: str, ids: list[str], store: RunStore) -> list[float]:
    """Every mistaken cell of each run in `ids`, each clicked once: seconds to its digits."""
    times = []
    for run_id in ids:
        page.goto(f"{url}/errors?run={run_id}")
        page.locator(MATRIX_CELLS).first.wait_for(timeout=PAGE_TIMEOUT_MS)
        settle(page)
        number = int(store.get(run_id).name.split("#")[1])
        for true, predicted, count in mistakes_of(number):
            settle(page)
            start = page.evaluate(ARM_JS)
            matrix_cell(page, true, predicted).click()
            page.evaluate("() => window.rerunEnd")
            end = page.evaluate(DIGITS_DRAWN_JS, [f"{count:,} test {true}s predicted as {predicted}"])
            times.append((end - start) / 1000)
    return times


def visit_every_page(page, url: str, ids: list[str]) -> None:
    """Every page of the dashboard over the store, each waited for until its script is idle."""
    runs = "&".join(f"run={run_id}" for run_id in ids[:10])
    for path in ("", "train", "experiments", "runs", f"compare?{runs}", f"errors?run={ids[0]}",
                 f"misclassified?run={ids[0]}", f"inspector?run={ids[0]}"):
        page.goto(f"{url}/{path}")
        page.wait_for_timeout(500)
        page.wait_for_function(IDLE_JS, timeout=PAGE_TIMEOUT_MS)


def server_pid(url: str) -> int:
    """The pid of the `streamlit run` process serving `url` (found by its port)."""
    port = url.rsplit(":", 1)[1]
    for entry in os.listdir("/proc"):
        try:
            arguments = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in b" ".join(arguments) and port.encode() in arguments:
            return int(entry)
    raise RuntimeError(f"no streamlit process serves {url}")


def measure_browser(url: str, ids: list[str], store: RunStore, repeats: int) -> dict:
    pid = server_pid(url)
    results: dict = {"large_store_dashboard_rss_at_start_mb": round(memory.rss_mb("VmRSS", pid), 1)}
    with chromium_page(viewport=(1280, 800)) as page:
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        table = page.get_by_test_id("stDataFrame").first
        results["large_store_runs_table_load"] = page_loads(
            page, f"{url}/runs", lambda: table.wait_for(), repeats)
        head_to_head = page.get_by_text("Two runs head to head")
        for count in (2, 10, len(ids)):
            query = "&".join(f"run={run_id}" for run_id in ids[:count])
            results[f"large_store_compare_{count}_runs_load"] = page_loads(
                page, f"{url}/compare?{query}", lambda: head_to_head.wait_for(),
                repeats if count < len(ids) else 1)
        results["large_store_errors_cell_click_to_digits"] = summary(
            cell_clicks(page, url, ids[:2], store))
        visit_every_page(page, url, ids)
    results["large_store_dashboard_peak_rss_mb"] = round(memory.rss_mb("VmHWM", pid), 1)
    results["large_store_dashboard_rss_after_every_page_mb"] = round(memory.rss_mb("VmRSS", pid), 1)
    return results


def measure(epochs: int = 1, repeats: int = 5, subset: int | None = None) -> dict:
    """The figures above (`epochs` and `subset` are not used)."""
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        started = time.perf_counter()
        ids = seed_store(home)
        results = {"large_store_runs": len(ids),
                   "large_store_seed_s": round(time.perf_counter() - started, 1),
                   "large_store_bytes_on_disk_mb": round(sum(
                       path.stat().st_size for path in home.rglob("*") if path.is_file()) / 2**20, 1)}
        with dashboard(home, home / "dashboard.log") as url:
            results.update(measure_browser(url, ids, RunStore(home), repeats))
        results["large_store_dashboard_parts"] = memory.stages("dashboard")
        results.update(memory.trainer_peak(home))
        results["trainer_parts"] = memory.stages("trainer")
    return results


if __name__ == "__main__":
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="loads of each page after the first")
    results = measure(repeats=parser.parse_args().repeats)
    folder = Path(__file__).resolve().parent / "results"
    folder.mkdir(exist_ok=True)
    (folder / "large_store.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
