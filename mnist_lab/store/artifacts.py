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
CURVES_FILE = "curves.png"
LOG_FILE = "train.log"


class ArtifactError(RuntimeError):
    """An artifact is missing or unreadable; the message names the file and the problem."""


@dataclass(frozen=True)
class ValidationHistory:
    """Predicted validation labels per epoch (epochs, images), the true labels and positions."""

    predicted: np.ndarray
    y_val: np.ndarray
    val_index: np.ndarray


def _require(path: Path) -> Path:
    if not path.is_file():
        raise ArtifactError(f"{path.name} is missing from {path.parent}")
    return path


def read_config(run_dir: Path) -> RunConfig:
    return RunConfig.from_json(_require(run_dir / CONFIG_FILE).read_text())


def read_predictions(run_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """Test-set (probabilities (N, 10) float32, labels (N,)) of a finished run, checked."""
    try:
        with np.load(_require(run_dir / PREDICTIONS_FILE), allow_pickle=False) as arrays:
            probabilities, y_test = arrays["probabilities"], arrays["y_test"]
    except (OSError, ValueError, KeyError, EOFError) as error:
        raise ArtifactError(f"{PREDICTIONS_FILE} in {run_dir} is unreadable: {error}") from None
    problem = (_labels_problem("y_test", y_test)
               or _probabilities_problem(probabilities, len(y_test)))
    if problem:
        raise ArtifactError(f"{PREDICTIONS_FILE} in {run_dir}: {problem}")
    return probabilities, y_test


def read_validation(run_dir: Path) -> ValidationHistory:
    """Each epoch's predicted validation labels, checked against the labels they score."""
    try:
        with np.load(_require(run_dir / VALIDATION_FILE), allow_pickle=False) as arrays:
            history = ValidationHistory(arrays["predicted"], arrays["y_val"], arrays["val_index"])
    except (OSError, ValueError, KeyError, EOFError) as error:
        raise ArtifactError(f"{VALIDATION_FILE} in {run_dir} is unreadable: {error}") from None
    problem = _labels_problem("y_val", history.y_val)
    if not problem and (history.predicted.ndim != 2
                        or history.predicted.shape[1] != len(history.y_val)):
        problem = (f"predicted must be (epochs, {len(history.y_val)}) labels, "
                   f"got shape {history.predicted.shape}")
    problem = problem or _labels_problem("predicted", history.predicted.reshape(-1))
    if not problem and (history.val_index.shape != history.y_val.shape
                        or not np.issubdtype(history.val_index.dtype, np.integer)
                        or (history.val_index.size and (history.val_index.min() < 0
                                                        or history.val_index.max() >= TRAIN_IMAGES))):
        problem = f"val_index must hold {len(history.y_val)} positions in 0..{TRAIN_IMAGES - 1}"
    if problem:
        raise ArtifactError(f"{VALIDATION_FILE} in {run_dir}: {problem}")
    return history


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
