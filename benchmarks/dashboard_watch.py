"""What watching a run live costs: one training, watched and not watched in alternating phases.

A lenet5 run trains through `mnist_lab.training.runner.launch` (the CLI's path) while headless Chromium, in
turns, shows its Train page (the live view polling and drawing) or a blank page (nobody
watching). Each turn is measured for PHASE_S seconds once the page has loaded and settled:
what is measured is following a run live, not loading a page. Throughput per turn comes from
the trainer's own batch points (steps and training seconds), so both sides share the same
run and moments of the machine: on a shared VM whose speed drifted by 20% from one run to
the next, separate watched and unwatched runs measured the VM, not the watching. Also
reported: the CPU the dashboard server and the browser used in each kind of turn, as a share
of the machine.

    python -m benchmarks.dashboard_watch [--epochs 10] [--repeats 1]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from mnist_lab.config import preset
from mnist_lab.store import RunStore
from mnist_lab.training.runner import launch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from browser import chromium_page, dashboard  # noqa: E402  (the tests' browser harness)
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

WATCHERS = ("streamlit", "chromium")
PHASE_S = 6.0
SETTLE_S = 3.0


def cpu_seconds(names: tuple[str, ...]) -> float:
    """User + system CPU seconds of this benchmark's own processes whose command line mentions a
    name: its dashboard server and its browser, not those of anything else on the machine."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read().decode(errors="replace")
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents[int(entry)] = int(fields[1])
        if any(name in command for name in names):
            times[int(entry)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def ours(pid: int) -> bool:
        while pid > 1:
            if pid == os.getpid():
                return True
            pid = parents.get(pid, 0)
        return False

    return sum(seconds for pid, seconds in times.items() if ours(pid))


def phase_speeds(batches: pd.DataFrame, switches: list[tuple[int, bool | None]], batch_size: int) -> dict:
    """Images per second while watched and while not, from consecutive batch points.

    `switches` holds (newest metric row id when a phase began, watched? or None for a phase
    left out). An interval between two batch points counts only when both were written in
    the same measured phase and epoch: none mixes two phases or holds an epoch's validation.
    """
    starts = [row_id for row_id, _ in switches]
    rows = batches.assign(phase=np.searchsorted(starts, batches["id"], side="left") - 1)
    previous = rows.shift(1)
    clean = (rows["phase"] == previous["phase"]) & (rows["epoch"] == previous["epoch"]) & (rows["phase"] >= 0)
    intervals = pd.DataFrame({"watched": [switches[int(phase)][1] for phase in rows.loc[clean, "phase"]],
                              "steps": (rows["step"] - previous["step"])[clean].to_numpy(),
                              "seconds": (rows["wall_s"] - previous["wall_s"])[clean].to_numpy()})
    totals = intervals.dropna().groupby("watched")[["steps", "seconds"]].sum()
    missing = {True, False} - set(totals.index)
    if missing:
        raise ValueError(f"the run ended before a {'watched' if True in missing else 'blank'} turn "
                         "was measured: give it more epochs")
    return {watched: float(totals.loc[watched, "steps"] * batch_size / totals.loc[watched, "seconds"])
            for watched in (True, False)}


def open_live_view(page, url: str, running) -> bool:
    """Open the Train page and wait for its live view; False if the run ends first."""
    page.goto(url)
    elapsed = page.locator(".live-run").get_by_text("Elapsed")
    while running():
        try:
            elapsed.wait_for(timeout=2_000)
            return True
        except PlaywrightTimeout:
            continue
    return False


def watch_in_phases(store: RunStore, url: str, epochs: int, subset: int | None) -> dict:
    """One run, its Train page open and closed in turns; each turn measured once settled."""
    config = preset("lenet5").replace(epochs=epochs, subset=subset)
    run_id = store.create_run(config.to_dict(), name="watch-bench")
    process = launch(store, run_id)
    switches: list[tuple[int, bool | None]] = []
    cpu = {True: 0.0, False: 0.0}
    wall = {True: 0.0, False: 0.0}

    def newest_row() -> int:
        return int(store.metrics(run_id)["id"].max())

    def running() -> bool:
        return process.poll() is None and store.get(run_id).status.active

    with chromium_page() as page:
        while running() and not len(store.metrics(run_id)):  # phases start with the first batch point
            time.sleep(0.2)
        watched = True
        while running():
            switches.append((newest_row(), None))  # loading or closing the page: left out
            if watched and not open_live_view(page, f"{url}/train?run={run_id}", running):
                break  # the run ended while its page loaded: this turn measures nothing
            if not watched:
                page.goto("about:blank")
            time.sleep(SETTLE_S)
            switches.append((newest_row(), watched))
            cpu_before, started = cpu_seconds(WATCHERS), time.monotonic()
            deadline = started + PHASE_S
            while time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.25)
            cpu[watched] += cpu_seconds(WATCHERS) - cpu_before
            wall[watched] += time.monotonic() - started
            watched = not watched
    if process.wait() != 0:
        raise RuntimeError(f"training failed; see {store.artifact(run_id, 'train.log')}")
    history = store.metrics(run_id)
    speeds = phase_speeds(history[history["kind"] == "batch"], switches, config.batch_size)
    cores = os.cpu_count()
    return {"watched_images_per_s": speeds[True], "unwatched_images_per_s": speeds[False],
            "watched_cpu_share": cpu[True] / (wall[True] * cores),
            "unwatched_cpu_share": cpu[False] / (wall[False] * cores)}


def measure(epochs: int, repeats: int, subset: int | None = None) -> dict:
    """Every repeat's figures, and the reason of each repeat that failed, side by side."""
    outcomes: list[dict | str] = []
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        store = RunStore(home)
        with dashboard(home, home / "dashboard.log") as url:
            for _ in range(repeats):
                try:
                    outcomes.append(watch_in_phases(store, url, epochs, subset))
                except Exception as error:  # one repeat's failure must not lose the others
                    outcomes.append(f"{type(error).__name__}: {error}")
    return summarize(outcomes)


def summarize(outcomes: list[dict | str]) -> dict:
    """Medians over the repeats that succeeded; the failed ones listed with their reasons."""
    runs = [outcome for outcome in outcomes if isinstance(outcome, dict)]
    failed = [outcome for outcome in outcomes if isinstance(outcome, str)]
    if not runs:
        return {"watch_failed_repeats": failed}
    ratios = [run["watched_images_per_s"] / run["unwatched_images_per_s"] for run in runs]
    return {
        "watch_failed_repeats": failed,
        "watch_phase_s": PHASE_S,
        "watched_phase_images_per_s": [round(run["watched_images_per_s"], 1) for run in runs],
        "unwatched_phase_images_per_s": [round(run["unwatched_images_per_s"], 1) for run in runs],
        "watched_vs_unwatched_ratio": round(statistics.median(ratios), 4),
        "watch_cpu_shares": [round(run["watched_cpu_share"], 4) for run in runs],
        "watch_cpu_share": round(statistics.median(run["watched_cpu_share"] for run in runs), 4),
        "blank_page_cpu_share": round(statistics.median(run["unwatched_cpu_share"] for run in runs), 4),
    }


if __name__ == "__main__":
    from benchmarks import cli

    cli.run(measure, __doc__.splitlines()[0])
