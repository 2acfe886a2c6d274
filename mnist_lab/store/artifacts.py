"""What a finished run leaves in its folder, and how to read it back without TensorFlow."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnist_lab.config import RunConfig

CONFIG_FILE = "config.json"
MODEL_FILE = "model.keras"
PREDICTIONS_FILE = "predictions.npz"
VALIDATION_FILE = "val_predictions.npz"
EVALUATION_FILE = "evaluation.json"
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
    """Test-set (probabilities (N, 10) float32, labels (N,)) of a finished run."""
    try:
        with np.load(_require(run_dir / PREDICTIONS_FILE), allow_pickle=False) as arrays:
            return arrays["probabilities"], arrays["y_test"]
    except (OSError, ValueError, KeyError) as error:
        raise ArtifactError(f"{PREDICTIONS_FILE} in {run_dir} is unreadable: {error}") from None


def read_validation(run_dir: Path) -> ValidationHistory:
    try:
        with np.load(_require(run_dir / VALIDATION_FILE), allow_pickle=False) as arrays:
            return ValidationHistory(arrays["predicted"], arrays["y_val"], arrays["val_index"])
    except (OSError, ValueError, KeyError) as error:
        raise ArtifactError(f"{VALIDATION_FILE} in {run_dir} is unreadable: {error}") from None


def read_evaluation(run_dir: Path) -> dict:
    """The test confusion matrix and per-class metrics saved at the end of training."""
    try:
        return json.loads(_require(run_dir / EVALUATION_FILE).read_text())
    except json.JSONDecodeError as error:
        raise ArtifactError(f"{EVALUATION_FILE} in {run_dir} is unreadable: {error}") from None
