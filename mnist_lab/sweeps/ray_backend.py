"""A study's trials on a Ray cluster, with results in the same run store, live.

Chosen with `--ray-address ADDRESS` (or `RAY_ADDRESS`; `local` starts Ray on this machine);
without it nothing of Ray is imported. The driver stays next to the store and is the only
one to write it: it claims each queued trial itself and sends it to Ray as a task (one CPU
bundle per trial, or `cpus_per_trial`), streams the task's metric points from a Ray queue
into the store as they arrive, forwards stop, pause and learning-rate requests through a
control actor, and writes the model and predictions the task returns. MNIST is put in Ray's
object store once and reaches each node once. A task whose worker dies is retried by Ray
(`max_retries`); Stop asks a trial to end after its batch and cancels the task if it has not
ended within `CANCEL_AFTER_S`. A trial that starts from another run's weights (`init_from`)
is sent that run's saved model with it; a parent without one fails the trial in one line.
"""

from __future__ import annotations

import logging
import os
import pickle
import socket
import time
from typing import Any

from mnist_lab.config import ConfigError
from mnist_lab.model.backend import VERBOSE_ENV
from mnist_lab.processes import PROJECT_ROOT
from mnist_lab.store import RequestKind, RunStatus, RunStore
from mnist_lab.store.lineage import parent_model_path
from mnist_lab.sweeps.ray_trial import train_trial
from mnist_lab.sweeps.study import StudySpec
from mnist_lab.training.runner import mnist

ADDRESS_ENV = "RAY_ADDRESS"
LOCAL = "local"
MAX_RETRIES = 2
CANCEL_AFTER_S = 20.0
PROBE_TIMEOUT_S = 5.0
MISSING = "Ray is not installed: pip install -r requirements-ray.txt (or leave out --ray-address)"


def parent_model_bytes(store: RunStore, config: dict[str, Any]) -> bytes | None:
    """The saved model a trial starts from (`init_from`), as bytes for its worker; None without
    one. `ConfigError` naming the parent when it has no saved model."""
    parent = config.get("init_from")
    return None if parent is None else parent_model_path(store, parent).read_bytes()


def import_ray():
    try:
        import ray
    except ImportError:
        raise ConfigError(MISSING) from None
    return ray


def _reachable(address: str) -> str | None:
    """Why `host:port` cannot be reached, or None: Ray itself would retry for many minutes."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return None  # "auto" and other forms: let Ray resolve them
    try:
        with socket.create_connection((host, int(port)), timeout=PROBE_TIMEOUT_S):
            return None
    except OSError as error:
        return error.strerror or type(error).__name__


def connect(address: str) -> Any:
    """Join the cluster at `address` (or start one here for `local`); one line if it cannot."""
    ray = import_ray()
    problem = None if address == LOCAL else _reachable(address)
    if problem:
        raise ConfigError(f"cannot reach the Ray cluster at {address}: {problem}")
    runtime = {"py_modules": [str(PROJECT_ROOT / "mnist_lab")]}  # the code travels, not the store
    quiet = logging.INFO if os.environ.get(VERBOSE_ENV) else logging.ERROR
    try:
        if address == LOCAL:
            ray.init(include_dashboard=False, runtime_env=runtime, log_to_driver=False,
                     logging_level=quiet)
        else:
            ray.init(address=address, runtime_env=runtime, log_to_driver=False, logging_level=quiet)
    except Exception as error:  # Ray raises ConnectionError, RuntimeError, ValueError...
        message = " ".join(str(error).split())[:200]
        raise ConfigError(f"cannot reach the Ray cluster at {address}: {message}") from None
    return ray


class RayExecutor:
    """The driver's side of Ray: submit claimed trials, write back what they stream and return."""

    def __init__(self, store: RunStore, spec: StudySpec, address: str) -> None:
        self.ray = connect(address)
        from ray.util.queue import Queue

        self.store, self.spec = store, spec
        self.cpus = spec.budget.cpus_per_trial
        self.queue = Queue(actor_options={"num_cpus": 0})
        self.control = self.ray.remote(num_cpus=0)(_Control).remote()
        self.data = self.ray.put(mnist(None))
        self.remote = self.ray.remote(num_cpus=self.cpus, max_retries=MAX_RETRIES)(train_trial)
        self.tasks: dict[str, Any] = {}
        self.starts: dict[str, int] = {}
        self.stopping: dict[str, float] = {}
        self.bytes: dict[str, int] = {}

    def slots(self) -> int:
        return max(1, int(self.ray.cluster_resources().get("CPU", 1) // self.cpus))

    def serve(self, count: int) -> None:
        self._drain()
        self._finish()
        self._forward_requests()
        while len(self.tasks) < count:
            run_id = self.store.claim_next(self.spec.name, os.getpid(), self.slots())
            if run_id is None:
                break
            config = self.store.get(run_id).config
            try:
                parent_model = parent_model_bytes(self.store, config)
            except ConfigError as error:
                self.store.set_status(run_id, RunStatus.FAILED, error=str(error))
                continue
            self.tasks[run_id] = self.remote.remote(config, run_id, self.data, self.queue,
                                                    self.control, self.cpus, parent_model)
            self.bytes[run_id] = len(pickle.dumps(config)) + len(parent_model or b"")

    def close(self) -> None:
        while self.tasks:
            self.serve(0)
            time.sleep(0.5)
        self._drain()

    def _drain(self) -> None:
        """Write what the tasks streamed: metric points, plans, live status, starts."""
        messages = self.queue.get_nowait_batch(self.queue.qsize()) if self.queue.qsize() else []
        points: dict[str, list[dict]] = {}
        for message in messages:
            kind, run_id, *body = message
            self.bytes[run_id] = self.bytes.get(run_id, 0) + len(pickle.dumps(message))
            if kind == "metrics":
                points.setdefault(run_id, []).append(body[0])
            elif kind == "summary":
                self.store.set_summary(run_id, body[0])
            elif kind == "status":
                self.store.set_status(run_id, RunStatus(body[0]))
            elif kind == "start":
                self._started(run_id, *body)
        for run_id, rows in points.items():
            self.store.log_metrics_many(run_id, rows)
        for run_id in self.tasks:
            self.store.heartbeat(run_id)  # the driver vouches for the trials it handed out

    def _started(self, run_id: str, pid: int, node: str, niceness: int) -> None:
        """A task began on a worker, at that niceness; a second start is Ray's retry after the
        worker died."""
        attempt = self.starts.get(run_id, 0) + 1
        self.starts[run_id] = attempt
        trial = self.store.get(run_id).trial or {}
        if attempt > 1:
            self.store.clear_metrics(run_id)  # the retry trains from the start again
        self.store.set_trial(run_id, {**trial, "node": node, "worker_pid": pid, "niceness": niceness,
                                      "attempts": attempt})

    def _finish(self) -> None:
        if not self.tasks:
            return
        ready, _ = self.ray.wait(list(self.tasks.values()), num_returns=len(self.tasks), timeout=0)
        for run_id, ref in list(self.tasks.items()):
            if ref not in ready:
                continue
            del self.tasks[run_id]
            self._drain()  # the task's last points first
            try:
                result = self.ray.get(ref)
            except self.ray.exceptions.TaskCancelledError:
                self.store.set_status(run_id, RunStatus.STOPPED, error="stopped (its Ray task was cancelled)")
                continue
            except self.ray.exceptions.RayTaskError as error:
                cause = error.cause if error.cause is not None else error
                self.store.set_status(run_id, RunStatus.FAILED, error=f"{type(cause).__name__}: {cause}")
                continue
            except self.ray.exceptions.RayError as error:  # the worker died, retries spent
                self.store.set_status(run_id, RunStatus.INTERRUPTED,
                                      error=f"the Ray worker died ({type(error).__name__})")
                continue
            for name, data in result["files"].items():
                self.store.write_artifact(run_id, name, lambda path, data=data: path.write_bytes(data))
            self.bytes[run_id] += sum(len(data) for data in result["files"].values())
            trial = self.store.get(run_id).trial or {}
            self.store.set_trial(run_id, {**trial, "network_bytes": self.bytes.pop(run_id)})
            self.store.set_status(run_id, RunStatus(result["status"]), error=result["error"])

    def _forward_requests(self) -> None:
        """Requests written to the store for a trial on Ray go to it through the control actor."""
        now = time.monotonic()
        for run_id, ref in self.tasks.items():
            requests = self.store.take_requests(run_id)
            if requests:
                self.control.put.remote(run_id, [(str(request.kind), request.value)
                                                 for request in requests])
            if any(request.kind is RequestKind.STOP for request in requests):
                self.stopping.setdefault(run_id, now)
            if now - self.stopping.get(run_id, now) > CANCEL_AFTER_S:
                self.ray.cancel(ref, force=True)


class _Control:
    """Requests for running trials, held until the trial asks (a Ray actor)."""

    def __init__(self) -> None:
        self.pending: dict[str, list[tuple[str, float | None]]] = {}

    def put(self, run_id: str, requests: list[tuple[str, float | None]]) -> None:
        self.pending.setdefault(run_id, []).extend(requests)

    def take(self, run_id: str) -> list[tuple[str, float | None]]:
        return self.pending.pop(run_id, [])
