"""What watching a run live costs: the same training with and without a browser on the Train page.

"CLI" trains through `runner.launch` with nobody watching; "watched" trains the same config
while headless Chromium shows it on the Train page (the live fragment redrawing every
1.5 s), the dashboard and the browser sharing the machine's cores with the trainer.

    python -m benchmarks.dashboard_watch [--epochs 2] [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

from mnist_lab.config import preset
from mnist_lab.runner import launch
from mnist_lab.runs import RunStore

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from browser import chromium_page, dashboard  # noqa: E402  (the tests' browser harness)


def train_once(store: RunStore, epochs: int, subset: int | None, url: str | None) -> float:
    """Images per second of one lenet5 run, watched in the browser when `url` is given."""
    config = preset("lenet5").replace(epochs=epochs, subset=subset)
    run_id = store.create_run(config.to_dict(), name="watch-bench")
    process = launch(store, run_id)
    with chromium_page() if url else nullcontext() as page:
        if page is not None:
            page.goto(f"{url}/train?run={run_id}")
        if process.wait() != 0:
            raise RuntimeError(f"training failed; see {store.artifact(run_id, 'train.log')}")
    return store.get(run_id).summary["images_per_second"]


def measure(epochs: int, repeats: int, subset: int | None = None) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        store = RunStore(home)
        with dashboard(home, home / "dashboard.log") as url:
            alone, watched = [], []
            for _ in range(repeats):
                alone.append(train_once(store, epochs, subset, None))
                watched.append(train_once(store, epochs, subset, url))
                time.sleep(1)
    return {
        "unwatched_images_per_s": alone,
        "watched_images_per_s": watched,
        "watched_vs_unwatched_ratio": round(statistics.median(watched) / statistics.median(alone), 4),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--subset", type=int)
    args = parser.parse_args()
    print(json.dumps(measure(args.epochs, args.repeats, args.subset), indent=2))
