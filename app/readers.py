"""What the pages read from the store and the data, cached once per kind: the store itself,
MNIST, and each kind of artifact (test predictions, the model, per-epoch validation and
tracked predictions, metric points, the learned space's projection), each keyed by its run
and its file's time so a cache never answers with a file's older contents.

Every page reads through these; none keeps a cache of an artifact of its own.
"""

from __future__ import annotations

import streamlit as st

from mnist_lab.compare import learned_space
from mnist_lab.data import Mnist, load_mnist
from mnist_lab.model import saved
from mnist_lab.store import Run, RunStore, artifacts, default_home

# Runs whose test predictions stay cached, about 0.5 MB each: with 16, Compare of all 200 runs
# of a large store read and unpacked every file again on each load (0.5 s of its 2 s).
PREDICTIONS_CACHED = 256


@st.cache_resource
def get_store() -> RunStore:
    return RunStore(default_home())


@st.cache_resource(show_spinner="Loading MNIST…")
def mnist() -> Mnist:
    """The full MNIST, loaded once per dashboard process."""
    return load_mnist()


def artifact_mtime(run_id: str, name: str) -> float:
    """The artifact's modification time (0 if missing): part of every cache key over it."""
    path = get_store().artifact(run_id, name)
    return path.stat().st_mtime if path.exists() else 0.0


@st.cache_data(max_entries=PREDICTIONS_CACHED, show_spinner=False)
def predictions(run_id: str, modified: float):
    """Test probabilities and labels of a run (cache key: run id and file time)."""
    return artifacts.read_predictions(get_store().run_dir(run_id))


def cached_predictions(run: Run):
    return predictions(run.id, artifact_mtime(run.id, artifacts.PREDICTIONS_FILE))


def predictions_of(run_id: str):
    """A run's test predictions by id, at the file's current time."""
    return predictions(run_id, artifact_mtime(run_id, artifacts.PREDICTIONS_FILE))


@st.cache_resource(max_entries=2, show_spinner="Loading the model…")
def model_by_id(run_id: str, modified: float):
    """A run's Keras model by id and file time, loaded once (raises saved.ModelError)."""
    return saved.load_model(get_store().artifact(run_id, artifacts.MODEL_FILE))


def cached_model(run: Run):
    """The run's Keras model, loaded with safe_mode (raises saved.ModelError)."""
    return model_by_id(run.id, artifact_mtime(run.id, artifacts.MODEL_FILE))


@st.cache_data(max_entries=8, show_spinner="Projecting the learned space…")
def projection(run_id: str, method: str, modified: float):
    """A run's test images in two dimensions, by PCA or its kept t-SNE; keyed by the file the
    method reads (raises ArtifactError)."""
    return learned_space.projection(get_store(), run_id, method)


@st.cache_data(max_entries=8, show_spinner=False)
def validation(run_id: str, modified: float):
    """Each epoch's predicted validation labels (raises ArtifactError)."""
    return artifacts.read_validation(get_store().run_dir(run_id))


@st.cache_data(max_entries=16, show_spinner=False)
def tracked(run_id: str, modified: float):
    """Each epoch's predicted labels of the tracked training images (raises ArtifactError)."""
    return artifacts.read_tracked(get_store().run_dir(run_id))


def tracked_of(run: Run):
    return tracked(run.id, artifact_mtime(run.id, artifacts.TRACKED_FILE))


@st.cache_data(max_entries=32, show_spinner=False)
def _metrics(run_id: str, status: str, ended_at: float | None, heartbeat_at: float | None):
    return get_store().metrics(run_id)


def metrics_of(run: Run):
    """A run's metric points; the key holds what moves while its trainer still writes them."""
    return _metrics(run.id, str(run.status), run.ended_at, run.heartbeat_at)
