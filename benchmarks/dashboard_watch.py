"""What watching a run live costs: the same training with and without a browser on the Train page.

"CLI" trains through `runner.launch` with nobody watching; "watched" trains the same config
while headless Chromium shows it on the Train page (the live fragment redrawing every
2 s), the dashboard and the browser sharing the machine's cores with the trainer. Besides
the throughput ratio (noisy on a small VM), it reports the CPU the dashboard server and the
browser used while watching, as a share of the machine: the steadier figure.

    python -m benchmarks.dashboard_watch [--epochs 2] [--repeats 2]
"""

from __future__ import annotations

import os
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


def cpu_seconds(names: tuple[str, ...]) -> float:
    """User + system CPU seconds of every live process whose command line mentions a name."""
    total = 0.0
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read().decode(errors="replace")
            if any(name in command for name in names):
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            continue
    return total


WATCHERS = ("streamlit", "chromium")


def train_once(store: RunStore, epochs: int, subset: int | None, url: str | None):
    """(images per second, watcher CPU share) of one lenet5 run, watched when `url` is given."""
    config = preset("lenet5").replace(epochs=epochs, subset=subset)
    run_id = store.create_run(config.to_dict(), name="watch-bench")
    process = launch(store, run_id)
    with chromium_page() if url else nullcontext() as page:
        if page is not None:
            page.goto(f"{url}/train?run={run_id}")
        cpu_before, started = cpu_seconds(WATCHERS), time.monotonic()
        if process.wait() != 0:
            raise RuntimeError(f"training failed; see {store.artifact(run_id, 'train.log')}")
        share = (cpu_seconds(WATCHERS) - cpu_before) / ((time.monotonic() - started) * os.cpu_count())
    return store.get(run_id).summary["images_per_second"], share


def measure(epochs: int, repeats: int, subset: int | None = None) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        store = RunStore(home)
        with dashboard(home, home / "dashboard.log") as url:
            alone, watched, shares = [], [], []
            for _ in range(repeats):
                alone.append(train_once(store, epochs, subset, None)[0])
                speed, share = train_once(store, epochs, subset, url)
                watched.append(speed)
                shares.append(share)
                time.sleep(1)
    return {
        "unwatched_images_per_s": alone,
        "watched_images_per_s": watched,
        "watched_vs_unwatched_ratio": round(statistics.median(watched) / statistics.median(alone), 4),
        "watch_cpu_share": round(statistics.median(shares), 4),
    }


if __name__ == "__main__":
    from benchmarks import cli

    cli.run(measure, __doc__.splitlines()[0])
