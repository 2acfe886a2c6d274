"""`make bench`: every benchmark, written to benchmarks/results/<date>-<machine>.json and a
.md table beside it, committed: docs/performance.md shows the latest and links the history.

BENCH_QUICK=1 runs a small version (a training subset, fewer repeats) for development.
`python -m benchmarks load [--minutes 10]` (`make bench-load`) runs the load benchmark alone:
it takes its minutes and wants a quiet machine (benchmarks/load.py).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

from benchmarks import (
    dashboard_watch,
    data_load,
    embeddings,
    first_visit,
    large_store,
    overhead,
    page_latency,
    records,
    stop_latency,
    sweep_share,
)

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    quick = os.environ.get("BENCH_QUICK") == "1"
    results: dict = {"machine": machine(), "quick": quick, "date": time.strftime("%Y-%m-%d %H:%M")}
    results.update(data_load.measure())
    results.update(overhead.measure(epochs=1 if quick else 2, repeats=2 if quick else 3,
                                    subset=200 if quick else None))
    results.update(sweep_share.measure(epochs=1, subset=100 if quick else None))
    # How long a stop takes to act, and where a learning-rate change is marked.
    results.update(stop_latency.measure(repeats=2 if quick else 5))
    # Which layout of trainers fills the machine: trials per hour of the same study.
    results.update(sweep_share.layouts(epochs=1, subset=100 if quick else None))
    # The same seed at one and at the preset's steps per execution: the same math, the same
    # accuracy (10 epochs, as the tutorial trains lenet5).
    results.update(overhead.same_seed_accuracy(epochs=2 if quick else 10, subset=100 if quick else None))
    # The record presets against lenet5's 10-epoch time, and the transfer demonstration.
    results.update(records.measure(quick))
    results.update(records.transfer_demo(quick))
    # What keeping the learned space costs the trainer, its file, and t-SNE of the test set.
    results.update(embeddings.measure(quick))
    if shutil.which("chromium"):
        # lenet5 as the check trains it (10 epochs); a quick run keeps enough turns.
        results.update(dashboard_watch.measure(epochs=3 if quick else 10, repeats=1 if quick else 3))
        # Clicks to answers in the browser: medians of 5 tries (3 in a quick run).
        results.update(page_latency.measure(repeats=3 if quick else 5))
        # 200 runs: the Runs table, Compare, cell clicks; the dashboard's and a trainer's memory.
        results.update(large_store.measure(repeats=3 if quick else 5))
        # The first Inspector visit of a fresh server, with and without Keras imported in the
        # background as the server starts.
        results.update(first_visit.measure(repeats=1 if quick else 3))
    else:
        results["watch"] = results["page_latency"] = results["large_store"] = (
            "skipped: Debian's chromium is not installed")
    write_results(results)


def machine_slug() -> str:
    """The machine in a file name: its CPU model and core count, e.g. amd-epyc-9b14-2c."""
    cpu = machine().split(",")[0].lower()
    words = [word for word in "".join(c if c.isalnum() else " " for c in cpu).split()
             if word not in {"r", "tm", "cpu", "processor", "core", "with", "radeon", "graphics"}]
    return "-".join(words[:4] + [f"{os.cpu_count()}c"])


def write_results(results: dict, stem: str | None = None) -> Path:
    """`<date>-<machine>.json` and its `.md` table in benchmarks/results/; the .md's path."""
    RESULTS.mkdir(exist_ok=True)
    stem = stem or f"{time.strftime('%Y-%m-%d')}-{machine_slug()}{'-quick' if results.get('quick') else ''}"
    (RESULTS / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n")
    lines = [f"# Benchmarks {stem}", "", f"{results.get('machine', '')}, {results.get('date', '')}", "",
             "| measure | value |", "|---|---|"]
    lines += [f"| {key} | `{json.dumps(value).replace(chr(96), chr(39))}` |" for key, value in results.items()
              if key not in ("machine", "date")]
    (RESULTS / f"{stem}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return RESULTS / f"{stem}.md"


if __name__ == "__main__":
    if sys.argv[1:2] == ["load"]:
        from benchmarks import load

        load.main(sys.argv[2:])
    else:
        main()
