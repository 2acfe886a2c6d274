"""The first visit to a page that opens a model, on a fresh dashboard, with and without the
server's background import of Keras (`MNIST_LAB_PRELOAD_KERAS`).

A tiny real run (LeNet-5, 100 images per class, one epoch) is trained first. For each setting
a new dashboard starts; after a wait long enough for the background import to finish, headless
Chromium opens the Inspector on the run, and the time from `goto` to its first feature map
drawn is taken, with the server's own script time for that first run (read from its log is not
possible, so the browser's figure is the one reported). Median of `repeats` fresh servers each.

    python -m benchmarks.first_visit [--repeats 3]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from mnist_lab.cli import main as cli
from mnist_lab.store import RunStore

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from browser import IDLE_JS, chromium_page, dashboard  # noqa: E402  (the tests' browser harness)

SETTLE_S = 25.0  # after the server starts: the background import takes 5-15 s on 2 cores
FEATURE_MAP = "Test digit #0 is a"


def first_inspector_visit(home: Path, run_id: str, preload: bool, log: Path) -> float:
    with dashboard(home, log, preload=preload) as url, chromium_page(viewport=(1280, 800)) as page:
        time.sleep(SETTLE_S)
        started = time.perf_counter()
        page.goto(f"{url}/inspector?run={run_id}")
        page.get_by_role("tab", name="Feature maps").click(timeout=120_000)
        page.get_by_text(FEATURE_MAP).wait_for(timeout=120_000)
        page.wait_for_function(IDLE_JS, timeout=120_000)
        return time.perf_counter() - started


def measure(repeats: int = 3) -> dict:
    with tempfile.TemporaryDirectory(prefix="mnist-lab-first-visit-") as folder:
        home = Path(folder) / "runs"
        if cli(["--home", str(home), "train", "--preset", "lenet5", "--subset", "100", "--epochs", "1"]):
            raise RuntimeError("training the benchmark's run failed")
        run_id = RunStore(home).list()[0].id
        seconds = {setting: [first_inspector_visit(home, run_id, preload, Path(folder) / f"{setting}.log")
                             for _ in range(repeats)]
                   for setting, preload in (("without_preload", False), ("with_preload", True))}
    return {f"first_inspector_visit_{setting}_s": round(statistics.median(values), 2)
            for setting, values in seconds.items()} | {
        "first_inspector_visit_tries_s": {setting: [round(value, 2) for value in values]
                                          for setting, values in seconds.items()}}


if __name__ == "__main__":
    import json

    repeats = int(sys.argv[sys.argv.index("--repeats") + 1]) if "--repeats" in sys.argv else 3
    print(json.dumps(measure(repeats), indent=2))
