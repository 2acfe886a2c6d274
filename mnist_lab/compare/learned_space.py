"""A run's learned space from what the store holds: the embeddings its trainer kept, computed
from its saved model for a run made before trainers kept them, and their t-SNE, computed once
and kept beside them.

Both computations take seconds to a minute, so a page never runs them: it starts
`mnist-lab runs embed RUN_ID [--tsne]` in the background (`start`) and reads `state` until
the files are there. The starter leaves the process's pid in the run's folder; the process
removes it when it ends, and a pid whose process died says so, with its log's last line.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass
from pathlib import Path

from mnist_lab import processes
from mnist_lab.analysis.embeddings import Projection, compress, project, tsne_note
from mnist_lab.store import RunStore, artifacts
from mnist_lab.store.liveness import pid_alive

PID_FILE = "embed.pid"  # in the run's folder while a background computation runs
LOG_FILE = "embed.log"


class SpaceState(enum.StrEnum):
    READY = "ready"
    COMPUTING = "computing"
    FAILED = "failed"
    MISSING = "missing"


@dataclass(frozen=True)
class Progress:
    """Where a run's embeddings or t-SNE stand, and a sentence for a failure."""

    embeddings: SpaceState
    tsne: SpaceState
    problem: str = ""


def compute(store: RunStore, run_id: str, *, tsne: bool = False,
            data_source: str | None = None) -> list[str]:
    """What `mnist-lab runs embed` does: the embeddings if missing, then the t-SNE if asked
    and missing. Returns one line per thing done, with its seconds."""
    run = store.get(run_id)
    if not run.status.finished:
        raise ValueError(f"run {run_id} is {run.status}; only a finished run has a learned space")
    run_dir, done = store.run_dir(run_id), []
    try:
        embeddings = artifacts.read_embeddings(run_dir)
    except artifacts.ArtifactError:
        started = time.process_time()
        embeddings = _embed_from_model(store, run_id, run.config.get("classes"), data_source)
        done.append(f"embeddings of {len(embeddings.vectors):,} test images from layer "
                    f"'{embeddings.layer}' ({embeddings.width} wide) in "
                    f"{time.process_time() - started:.1f} CPU s")
    if tsne and not (run_dir / artifacts.TSNE_FILE).is_file():
        started = time.process_time()
        points = project(embeddings.vectors, "tsne").points
        store.write_artifact(run_id, artifacts.TSNE_FILE, lambda path: artifacts.write_tsne(path, points))
        done.append(f"t-SNE of {len(points):,} points in {time.process_time() - started:.1f} CPU s")
    return done


def _embed_from_model(store: RunStore, run_id: str, classes, data_source) -> artifacts.Embeddings:
    from mnist_lab.analysis.inspection import embed
    from mnist_lab.data import load_mnist, restricted_to
    from mnist_lab.model import saved

    model = saved.load_model(store.artifact(run_id, artifacts.MODEL_FILE))
    data = restricted_to(load_mnist(data_source), classes)
    _, vectors, layer = embed(model, data.x_test)
    kept = compress(vectors)
    store.write_artifact(run_id, artifacts.EMBEDDINGS_FILE, lambda path: artifacts.write_embeddings(
        path, kept, layer, vectors.shape[1]))
    return artifacts.Embeddings(kept, layer, vectors.shape[1])


def start(store: RunStore, run_id: str, *, tsne: bool) -> None:
    """Compute in the background what `state` says is missing; a second start while one
    runs does nothing."""
    if _running_pid(store, run_id):
        return
    args = ("runs", "embed", run_id, *(("--tsne",) if tsne else ()))
    process = processes.start(*args, home=store.home, log=store.artifact(run_id, LOG_FILE))
    processes.reap(process, f"embed {run_id}")
    store.write_artifact(run_id, PID_FILE, lambda path: path.write_text(str(process.pid)))


def finished(store: RunStore, run_id: str) -> None:
    """Called by the background process when it succeeds; one that fails leaves its pid,
    so `state` reports the failure with its log's last line."""
    store.artifact(run_id, PID_FILE).unlink(missing_ok=True)


def state(store: RunStore, run_id: str) -> Progress:
    run_dir = store.run_dir(run_id)
    running = _running_pid(store, run_id)
    died = (run_dir / PID_FILE).is_file() and not running

    def of(name: str) -> SpaceState:
        if (run_dir / name).is_file():
            return SpaceState.READY
        if running:
            return SpaceState.COMPUTING
        return SpaceState.FAILED if died else SpaceState.MISSING

    problem = _last_line(run_dir / LOG_FILE) if died else ""
    return Progress(of(artifacts.EMBEDDINGS_FILE), of(artifacts.TSNE_FILE), problem)


def projection(store: RunStore, run_id: str, method: str) -> Projection:
    """The run's test images in two dimensions: PCA now, or the kept t-SNE (ArtifactError
    when either file is missing or damaged)."""
    embeddings = artifacts.read_embeddings(store.run_dir(run_id))
    if method == "tsne":
        points = artifacts.read_tsne(store.run_dir(run_id), len(embeddings.vectors))
        return Projection(points, "tsne", tsne_note(len(points)))
    return project(embeddings.vectors, method)


def _running_pid(store: RunStore, run_id: str) -> int | None:
    try:
        pid = int(store.artifact(run_id, PID_FILE).read_text())
    except (OSError, ValueError):
        return None
    return pid if pid_alive(pid) else None


def _last_line(path: Path) -> str:
    try:
        lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        lines = []
    return lines[-1].strip() if lines else "the background process ended without a word"
