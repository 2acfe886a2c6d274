"""What a run records while it trains, as `train` and its callbacks see it: metric points, its
plan and summary, its status, its artifacts, and the requests people make of it.

`RunStore` implements it for a trainer next to the store; the Ray trial's stand-in
(`mnist_lab.sweeps.ray_trial.RayRecorder`) implements it by carrying each call to the
study's driver. Training knows nothing else of where its run is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from mnist_lab.store import Request, RunStatus


@runtime_checkable
class Recorder(Protocol):
    def log_metrics(self, run_id: str, kind: str, epoch: int, step: int, wall_s: float,
                    values: dict[str, float]) -> None:
        """One metric point: a batch (throttled) or a whole epoch."""

    def set_summary(self, run_id: str, summary: dict[str, Any]) -> None:
        """The run's plan before training, its summary after."""

    def set_status(self, run_id: str, status: RunStatus, *, error: str | None = None) -> None:
        """Paused and running while it trains; its final status at the end."""

    def write_artifact(self, run_id: str, name: str, write: Callable[[Path], None]) -> Path:
        """A file of the run, written whole or not at all."""

    def take_requests(self, run_id: str) -> list[Request]:
        """Stop, pause, resume or a new rate, each handed over once."""
