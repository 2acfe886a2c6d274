"""Peak memory (RSS) of a trainer and of the dashboard, and what dominates each.

- The trainer: `mnist-lab train --preset lenet5 --epochs 1` on the full data, as its own
  process; its peak is the kernel's `ru_maxrss` for it.
- What dominates: the same steps in a fresh process (`python -m benchmarks.memory trainer`),
  with the resident size after each (imports, MNIST, the float32 splits, the model, one epoch
  of the real `train()`), and tracemalloc's largest Python allocations by line (NumPy's
  arrays are traced; TensorFlow's own C++ heap is not: it is the rest of the growth).
- The dashboard's process is measured by the large-store benchmark from /proc (VmHWM); its
  parts are the modules a visit of every page imports and what the pages cache, measured
  the same way (`python -m benchmarks.memory dashboard`).

    python -m benchmarks.memory [trainer|dashboard]
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rss_mb(field: str = "VmRSS", pid: int | str = "self") -> float:
    """A memory figure of a process from /proc (VmRSS now, VmHWM its peak), in MB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise ValueError(f"no {field} for process {pid}")


def trainer_peak(home: Path, data: str | None = None) -> dict:
    """A real 1-epoch lenet5 training as the CLI runs it: its peak RSS and time."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MNIST_LAB_HOME": str(home)}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "mnist_lab", "train", "--preset", "lenet5", "--epochs", "1",
         "--name", "memory", *(["--data", data] if data else [])],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    stderr = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"the memory benchmark's training failed: {stderr[-500:]}")
    return {"trainer_peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "trainer_wall_s": round(time.perf_counter() - started, 1)}


def stages(kind: str) -> dict:
    """`python -m benchmarks.memory KIND` in a fresh process: its JSON of stages."""
    output = subprocess.run([sys.executable, "-m", "benchmarks.memory", kind], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                            text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


class Stages:
    """RSS after each named step, as growth over the previous one, and the peak."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float]] = [("python", rss_mb())]

    def mark(self, name: str) -> None:
        self.rows.append((name, rss_mb()))

    def result(self) -> dict:
        growth = {name: round(now - before, 1)
                  for (_, before), (name, now) in zip(self.rows, self.rows[1:], strict=False)}
        return {"start_mb": round(self.rows[0][1], 1), "growth_mb": growth,
                "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def top_allocations(snapshot, count: int = 5) -> list[str]:
    """tracemalloc's largest live allocations by line, as 'file:line MB'."""
    stats = snapshot.statistics("lineno")[:count]
    return [f"{Path(stat.traceback[0].filename).name}:{stat.traceback[0].lineno} "
            f"{stat.size / 2**20:.1f} MB" for stat in stats]


def trainer_stages() -> dict:
    import tracemalloc

    steps = Stages()
    from mnist_lab.model.backend import import_keras

    import_keras()
    from mnist_lab.config import preset
    from mnist_lab.data import load_mnist, prepare
    from mnist_lab.model.build import build_model
    from mnist_lab.store import RunStore
    from mnist_lab.training.train import configure_threads, train

    configure_threads()
    steps.mark("import TensorFlow, Keras and mnist_lab")
    data = load_mnist()
    steps.mark("MNIST, uint8 (cached npz)")
    config = preset("lenet5").replace(epochs=1)
    tracemalloc.start()
    splits = prepare(data, validation_split=config.validation_split, subset=None, seed=0)
    steps.mark("the splits as float32 (what train() prepares)")
    prepared = top_allocations(tracemalloc.take_snapshot(), 3)
    tracemalloc.stop()
    del splits
    build_model(config)
    steps.mark("a lenet5 model built (after the splits were freed)")
    with tempfile.TemporaryDirectory() as home:
        store = RunStore(home)
        run_id = store.create_run(config.to_dict(), name="memory")
        train(config, store, run_id, data)
    steps.mark("one epoch of train(): splits again, fit, predict, save")
    return {**steps.result(), "largest_python_allocations_when_prepared": prepared}


def dashboard_stages(runs: int | None = None) -> dict:
    """What a dashboard process holds after every page: its imports, MNIST, the cached
    predictions (`app.readers.PREDICTIONS_CACHED` at most), the means and two models."""
    steps = Stages()
    import pandas  # noqa: F401
    import plotly.graph_objects  # noqa: F401
    import streamlit  # noqa: F401

    steps.mark("import Streamlit, pandas, Plotly")
    import app.readers
    from mnist_lab import analysis, compare, figures  # noqa: F401
    from mnist_lab.sweeps import report  # noqa: F401

    steps.mark("import the pages' modules (analysis, compare, figures, sweeps: SciPy, sklearn, Optuna)")
    from mnist_lab.model.backend import import_keras

    import_keras()
    steps.mark("import TensorFlow and Keras (Errors' saliency, the Inspector)")
    from mnist_lab.data import load_mnist

    data = load_mnist()
    analysis.mean_images(data.x_train, data.y_train)
    steps.mark("MNIST and the mean digits (cached once per process)")
    import numpy as np

    from tests.fakes import fake_probabilities

    runs = runs or app.readers.PREDICTIONS_CACHED
    held = [(fake_probabilities(data.y_test, seed=seed).astype(np.float32), data.y_test.copy())
            for seed in range(runs)]
    steps.mark(f"{runs} runs' test probabilities (the predictions cache's limit)")
    from mnist_lab.config import preset
    from mnist_lab.model.build import build_model

    models = [build_model(preset(name)) for name in ("lenet5", "lenet5-strided")]
    models[0].predict(np.zeros((1, 28, 28, 1), dtype=np.float32), verbose=0)
    steps.mark("two models (the model cache's limit), one of them run")
    del held, models
    return steps.result()


if __name__ == "__main__":
    kind = sys.argv[1] if len(sys.argv) > 1 else "trainer"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    print(json.dumps(trainer_stages() if kind == "trainer" else dashboard_stages()))
