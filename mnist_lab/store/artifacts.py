"""What a finished run leaves in its folder, and how to read it back without TensorFlow."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnist_lab.config import RunConfig
from mnist_lab.data import NUM_CLASSES, TRAIN_IMAGES

CONFIG_FILE = "config.json"
MODEL_FILE = "model.keras"
PREDICTIONS_FILE = "predictions.npz"
VALIDATION_FILE = "val_predictions.npz"
TRACKED_FILE = "train_predictions.npz"  # predicted labels of tracked training images per epoch
HELDOUT_FILE = "heldout_predictions.npz"  # a k-fold run's probabilities for its held-out fold
CURVES_FILE = "curves.png"
EMBEDDINGS_FILE = "embeddings.npz"  # the test images' penultimate vectors (analysis.embeddings)
TSNE_FILE = "tsne.npz"  # their t-SNE, computed on request and kept
LOG_FILE = "train.log"


class ArtifactError(RuntimeError):
    """An artifact is missing or unreadable; the message names the file and the problem."""


@dataclass(frozen=True)
class ValidationHistory:
    """Predicted validation labels per epoch (epochs, images), the true labels and positions."""

    predicted: np.ndarray
    y_val: np.ndarray
    val_index: np.ndarray


@dataclass(frozen=True)
class TrackedHistory:
    """Predicted labels per epoch (epochs, images) of tracked training images, their given
    labels and their positions in the training images."""

    predicted: np.ndarray
    labels: np.ndarray
    index: np.ndarray


@dataclass(frozen=True)
class HeldOutPredictions:
    """A k-fold run's probabilities (n, 10) for its held-out fold, the fold's positions in the
    training images, and every training label in order (so fold runs can be lined up)."""

    probabilities: np.ndarray
    index: np.ndarray
    train_labels: np.ndarray


@dataclass(frozen=True)
class Embeddings:
    """The test images' vectors (n, d) float16 from the layer the output reads, named, and
    that layer's own width (d is smaller when it was reduced to its principal components)."""

    vectors: np.ndarray
    layer: str
    width: int


def _require(path: Path) -> Path:
    if not path.is_file():
        raise ArtifactError(f"{path.name} is missing from {path.parent}")
    return path


def read_config(run_dir: Path) -> RunConfig:
    return RunConfig.from_json(_require(run_dir / CONFIG_FILE).read_text())


def read_predictions(run_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """Test-set (probabilities (N, 10) float32, labels (N,)) of a finished run, checked."""
    probabilities, y_test = _read_arrays(run_dir, PREDICTIONS_FILE, ("probabilities", "y_test"))
    _raise_if(run_dir, PREDICTIONS_FILE, _labels_problem("y_test", y_test)
              or _probabilities_problem(probabilities, len(y_test)))
    return probabilities, y_test


def read_validation(run_dir: Path) -> ValidationHistory:
    """Each epoch's predicted validation labels, checked against the labels they score."""
    arrays = _read_arrays(run_dir, VALIDATION_FILE, ("predicted", "y_val", "val_index"))
    history = ValidationHistory(*arrays)
    _raise_if(run_dir, VALIDATION_FILE, _history_problem(*arrays, ("y_val", "val_index")))
    return history


def read_tracked(run_dir: Path) -> TrackedHistory:
    """Each epoch's predicted labels of the tracked training images, checked."""
    arrays = _read_arrays(run_dir, TRACKED_FILE, ("predicted", "labels", "index"))
    _raise_if(run_dir, TRACKED_FILE, _history_problem(*arrays, ("labels", "index")))
    return TrackedHistory(*arrays)


def read_heldout(run_dir: Path) -> HeldOutPredictions:
    """A k-fold run's held-out probabilities, checked against the training labels they index."""
    arrays = _read_arrays(run_dir, HELDOUT_FILE, ("probabilities", "index", "train_labels"))
    heldout = HeldOutPredictions(*arrays)
    problem = (_labels_problem("train_labels", heldout.train_labels)
               or _index_problem("index", heldout.index, len(heldout.index),
                                 len(heldout.train_labels))
               or _probabilities_problem(heldout.probabilities, len(heldout.index)))
    if not problem and len(np.unique(heldout.index)) != len(heldout.index):
        problem = "index must not name a training image twice"
    _raise_if(run_dir, HELDOUT_FILE, problem)
    return heldout


def write_embeddings(path: Path, vectors: np.ndarray, layer: str, width: int) -> None:
    """What `read_embeddings` reads: float16 vectors, compressed."""
    np.savez_compressed(path, vectors=vectors.astype(np.float16), layer=np.array(layer),
                        width=np.array(width))


def write_tsne(path: Path, points: np.ndarray) -> None:
    np.savez_compressed(path, points=points.astype(np.float32))


def read_embeddings(run_dir: Path) -> Embeddings:
    """The test images' penultimate vectors, checked."""
    vectors, layer, width = _read_arrays(run_dir, EMBEDDINGS_FILE, ("vectors", "layer", "width"))
    problem = None
    if vectors.ndim != 2 or not np.issubdtype(vectors.dtype, np.floating) or not vectors.shape[1]:
        problem = f"vectors must be (images, width) floats, got {vectors.dtype} {vectors.shape}"
    elif not np.isfinite(vectors).all():
        problem = "vectors must be finite"
    elif layer.ndim or layer.dtype.kind != "U" or width.ndim or width.dtype.kind not in "iu":
        problem = "layer must be a name and width a whole number"
    _raise_if(run_dir, EMBEDDINGS_FILE, problem)
    return Embeddings(vectors, str(layer), int(width))


def read_tsne(run_dir: Path, count: int) -> np.ndarray:
    """The kept t-SNE of `count` test images, (count, 2) float32, checked."""
    (points,) = _read_arrays(run_dir, TSNE_FILE, ("points",))
    if points.shape != (count, 2) or not np.issubdtype(points.dtype, np.floating) or not (
            np.isfinite(points).all()):
        _raise_if(run_dir, TSNE_FILE, f"points must be ({count}, 2) finite floats, "
                                      f"got {points.dtype} {points.shape}")
    return points.astype(np.float32)


def _read_arrays(run_dir: Path, name: str, keys: tuple[str, ...]) -> list[np.ndarray]:
    try:
        with np.load(_require(run_dir / name), allow_pickle=False) as arrays:
            return [arrays[key] for key in keys]
    except (OSError, ValueError, KeyError, EOFError) as error:
        raise ArtifactError(f"{name} in {run_dir} is unreadable: {error}") from None


def _raise_if(run_dir: Path, name: str, problem: str | None) -> None:
    if problem:
        raise ArtifactError(f"{name} in {run_dir}: {problem}")


def _history_problem(predicted: np.ndarray, labels: np.ndarray, index: np.ndarray,
                     names: tuple[str, str]) -> str | None:
    """Labels predicted per epoch (epochs, images) for images with these labels and positions."""
    problem = _labels_problem(names[0], labels)
    if not problem and (predicted.ndim != 2 or predicted.shape[1] != len(labels)):
        problem = (f"predicted must be (epochs, {len(labels)}) labels, "
                   f"got shape {predicted.shape}")
    return (problem or _labels_problem("predicted", predicted.reshape(-1))
            or _index_problem(names[1], index, len(labels), TRAIN_IMAGES))


def _index_problem(name: str, index: np.ndarray, count: int, limit: int) -> str | None:
    if (index.shape != (count,) or not np.issubdtype(index.dtype, np.integer)
            or (index.size and (index.min() < 0 or index.max() >= limit))):
        return f"{name} must hold {count} positions in 0..{limit - 1}"
    return None


def _labels_problem(name: str, labels: np.ndarray) -> str | None:
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        return f"{name} must be a 1-D array of integer labels, got {labels.dtype} {labels.shape}"
    if labels.size and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        return f"{name} must hold labels 0..{NUM_CLASSES - 1}"
    return None


def _probabilities_problem(probabilities: np.ndarray, count: int) -> str | None:
    if probabilities.shape != (count, NUM_CLASSES) or not np.issubdtype(probabilities.dtype,
                                                                         np.floating):
        return (f"probabilities must be ({count}, {NUM_CLASSES}) floats, "
                f"got {probabilities.dtype} {probabilities.shape}")
    if not np.isfinite(probabilities).all() or (probabilities < 0).any() or (
            count and not np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-3)):
        return "probabilities must be finite, at least 0, and sum to 1 for each image"
    return None
