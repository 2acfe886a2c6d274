"""Which run a run started from: its config's `init_from`, and that run's saved model."""

from __future__ import annotations

from pathlib import Path

from mnist_lab.config import ConfigError
from mnist_lab.store.artifacts import MODEL_FILE
from mnist_lab.store.runs import Run, RunNotFoundError, RunStore


def parent_id(run: Run) -> str | None:
    """The id of the run whose weights started `run`, if any."""
    return run.config.get("init_from")


def parent_model_path(store: RunStore, run_id: str) -> Path:
    """The saved model a run may start from; `ConfigError` naming `init_from` if there is none."""
    try:
        parent = store.get(run_id)
    except (RunNotFoundError, ValueError):
        raise ConfigError(f"init from: no run with id '{run_id}' in {store.home}") from None
    path = store.artifact(run_id, MODEL_FILE)
    if not path.is_file():
        raise ConfigError(f"init from: run {run_id} ({parent.name}, {parent.status}) has no saved "
                          "model to start from")
    return path
