"""How long a stop takes to act: from the request to the last training step, per preset.

A preset trains through the lab's own `training.train` in a thread, recording into a real run
store; once it has trained a while, a stop is requested, as the Train page's button does.
The callbacks read requests at most every `RunControl.interval_s` and act after the current
execution (the preset's steps per execution), then record where training stopped: that
point's time, less the request's, is the latency. Where a learning-rate change is marked is
read back from the same run's metric points.

    python -m benchmarks.stop_latency [--repeats 3]
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time

from mnist_lab.config import preset
from mnist_lab.store import RequestKind, RunStore

PRESETS = ("lenet5", "fast", "resnet-small")


class TimedStore(RunStore):
    """The run store, noting when each metric point was written."""

    def __init__(self, home: str) -> None:
        super().__init__(home)
        self.written: list[tuple[float, str, int]] = []

    def log_metrics(self, run_id, kind, epoch, step, wall_s, values) -> None:
        super().log_metrics(run_id, kind, epoch, step, wall_s, values)
        self.written.append((time.monotonic(), kind, step))


def stop_once(name: str, store: TimedStore, data, warm_s: float = 3.0) -> float:
    """Seconds from a stop request to the point recorded where training stopped."""
    from mnist_lab.training.train import train

    config = preset(name).replace(epochs=1000)
    run_id = store.create_run(config.to_dict(), name=f"stop {name}")
    thread = threading.Thread(target=train, args=(config, store, run_id, data), daemon=True)
    thread.start()
    while len(store.written) < 2:  # training has begun (the first point comes after a step)
        time.sleep(0.05)
    time.sleep(warm_s)
    asked = time.monotonic()
    store.request(run_id, RequestKind.STOP)
    thread.join()
    stopped = store.written[-1][0]  # the point where it stopped (or the last step's, if taken)
    store.written.clear()
    return stopped - asked


def learning_rate_mark(store: RunStore, data) -> dict:
    """Where a rate set during training takes effect: the step of its first point, against
    the step training had reached when it was asked (one execution later at most)."""
    from mnist_lab.training.train import train

    config = preset("lenet5").replace(epochs=1000, schedule="constant")
    run_id = store.create_run(config.to_dict(), name="rate change")
    thread = threading.Thread(target=train, args=(config, store, run_id, data), daemon=True)
    thread.start()
    time.sleep(6.0)
    store.request(run_id, RequestKind.SET_LEARNING_RATE, 0.005)
    time.sleep(2.0)
    store.request(run_id, RequestKind.STOP)
    thread.join()
    summary = store.get(run_id).summary
    points = store.metrics(run_id)
    first = points[points["learning_rate"].round(6) == 0.005]["step"].min()
    step, _ = summary["learning_rate_changes"][0]
    return {"learning_rate_change_step": int(step), "learning_rate_first_point_step": int(first),
            "learning_rate_steps_per_execution": config.steps_per_execution}


def measure(repeats: int = 3) -> dict:
    from mnist_lab.data import load_mnist
    from mnist_lab.training.train import configure_threads

    configure_threads()
    data = load_mnist()
    latency = {}
    with tempfile.TemporaryDirectory() as home:
        store = TimedStore(home)
        for name in PRESETS:
            seconds = [stop_once(name, store, data) for _ in range(repeats)]
            latency[name] = {"median_s": round(statistics.median(seconds), 3),
                             "max_s": round(max(seconds), 3),
                             "steps_per_execution": preset(name).steps_per_execution}
        marked = learning_rate_mark(store, data)
    return {"stop_latency": latency, **marked}


if __name__ == "__main__":
    from benchmarks import cli

    cli.run(lambda epochs, repeats, subset: measure(repeats), __doc__.splitlines()[0])
