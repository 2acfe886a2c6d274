"""One trial on a Ray worker: the usual `train`, recording into a store that is not here.

A worker never opens the SQLite store or the runs folder. `RayRecorder` is the trial's
recorder (`mnist_lab.training.recorder`): metric points, the plan and live status go to the
driver through a Ray queue as they happen, requests (stop, pause, a new rate) come from the
driver's control actor, and artifacts are written to a local temporary folder and returned as
bytes with the task's result; the driver writes them into the store. A trial that starts from
another run's weights (`init_from`) gets that run's saved model as bytes from the driver,
and hands it to `train` as a file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from mnist_lab.atomic import write_atomic
from mnist_lab.config import ConfigError, RunConfig
from mnist_lab.store import Request, RequestKind, RunStatus


def sent_parent(config: RunConfig, folder: Path, sent: bytes | None) -> Path | None:
    """The parent run's model.keras, as the driver sent it, in a file beside the trial's
    artifacts folder; None for a trial that starts fresh."""
    if config.init_from is None:
        return None
    if sent is None:
        raise ConfigError(f"init from: run {config.init_from}'s model was not sent to this Ray worker")
    path = folder.with_name(folder.name + "-parent.keras")
    return write_atomic(path, lambda target: target.write_bytes(sent))


class RayRecorder:
    """A trial's recorder on a Ray worker, carried to and from the driver."""

    def __init__(self, run_id: str, queue, control, folder: Path) -> None:
        self.run_id, self.queue, self.control, self.folder = run_id, queue, control, folder
        self.final: tuple[str, str | None] | None = None

    def _send(self, *message: Any) -> None:
        self.queue.put((message[0], self.run_id, *message[1:]))

    def write_artifact(self, run_id: str, name: str, write) -> Path:
        return write_atomic(self.folder / name, write)

    def set_summary(self, run_id: str, summary: dict[str, Any]) -> None:
        self._send("summary", summary)

    def log_metrics(self, run_id: str, kind: str, epoch: int, step: int, wall_s: float,
                    values: dict[str, float]) -> None:
        self._send("metrics", {"kind": kind, "epoch": epoch, "step": step, "wall_s": wall_s,
                               "values": values})

    def set_status(self, run_id: str, status: RunStatus, *, error: str | None = None) -> None:
        if status.active:
            self._send("status", str(status))
        else:  # final: the driver sets it once the artifacts are in the store
            self.final = (str(status), error)

    def take_requests(self, run_id: str) -> list[Request]:
        import ray

        return [Request(0, RequestKind(kind), value)
                for kind, value in ray.get(self.control.take.remote(run_id))]


def train_trial(config: dict[str, Any], run_id: str, data, queue, control, threads: int,
                parent_model: bytes | None = None) -> dict:
    """Train one trial on this worker; return its final status and artifact files as bytes.

    `parent_model` is the saved model of the run named by `init_from`, if any."""
    import ray

    from mnist_lab.model import describe
    from mnist_lab.model.backend import import_keras

    os.environ.setdefault("MNIST_LAB_THREADS", str(threads))
    # Its niceness too: Ray starts workers at 15 (ray-project/ray#24928), so that a trial
    # yields the CPU as the driver's local trainers (at 10) do.
    queue.put(("start", run_id, os.getpid(), ray.get_runtime_context().get_node_id(),
               os.getpriority(os.PRIO_PROCESS, 0)))
    import_keras()
    from mnist_lab.training.train import configure_threads, train

    configure_threads(threads)
    checked = describe(RunConfig.from_dict(config))  # the task's door: a config as sent
    with tempfile.TemporaryDirectory(prefix="mnist-lab-trial-") as top:
        folder = Path(top) / "artifacts"
        folder.mkdir()
        store = RayRecorder(run_id, queue, control, folder)
        train(checked, store, run_id, data,
              parent_model=sent_parent(checked.config, folder, parent_model))
        files = {path.name: path.read_bytes() for path in folder.iterdir()
                 if not path.name.startswith(".tmp-")}
    status, error = store.final or (str(RunStatus.FAILED), "the trial ended without a status")
    return {"status": status, "error": error, "files": files}
