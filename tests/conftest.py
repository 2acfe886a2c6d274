"""Shared fixtures: a temporary run store, and small real-MNIST data for quick training."""

from __future__ import annotations

import os

import numpy as np
import pytest

# Keep TensorFlow quiet and small in every test process (and in trainers they start).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture
def store(tmp_path):
    from mnist_lab.store import RunStore

    return RunStore(tmp_path / "runs")


@pytest.fixture
def page_home(store, monkeypatch):
    """The store a page sees: MNIST_LAB_HOME points at it, and Streamlit's caches start empty
    (they outlive one test's AppTest and would answer from another test's store)."""
    import streamlit as st

    monkeypatch.setenv("MNIST_LAB_HOME", str(store.home))
    st.cache_resource.clear()
    st.cache_data.clear()
    return store


@pytest.fixture(scope="session")
def mnist():
    """The full MNIST, from the bundled copy (cached after the first load)."""
    from mnist_lab.data import load_mnist

    return load_mnist()


@pytest.fixture(scope="session")
def small_npz(tmp_path_factory, mnist):
    """A real-MNIST npz in Keras's format: 50 training images per class, the full test set."""
    from mnist_lab.data import stratified_subset

    keep = stratified_subset(mnist.y_train, 50, seed=1)
    path = tmp_path_factory.mktemp("data") / "mnist-small.npz"
    np.savez(path, x_train=mnist.x_train[keep], y_train=mnist.y_train[keep],
             x_test=mnist.x_test, y_test=mnist.y_test)
    return path
