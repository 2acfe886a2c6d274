"""The learned space: the vectors the trainer keeps, their projections, their file, and
`mnist-lab runs embed` for a run made before trainers kept them."""

from __future__ import annotations

import re
import time
from dataclasses import replace

import numpy as np
import pytest

from mnist_lab.analysis import embeddings, inspection
from mnist_lab.cli import main
from mnist_lab.compare import learned_space
from mnist_lab.compare.learned_space import SpaceState
from mnist_lab.config import preset
from mnist_lab.figures.embeddings import MISTAKES, clicked_image, space_figure
from mnist_lab.model import saved
from mnist_lab.store import RunStore, artifacts

TEST_IMAGES = 60  # a test set small enough for t-SNE in a second


@pytest.fixture(scope="module")
def small_test_set(mnist):
    """MNIST with its first 60 test images only."""
    return replace(mnist, x_test=mnist.x_test[:TEST_IMAGES], y_test=mnist.y_test[:TEST_IMAGES])


@pytest.fixture(scope="module")
def trained(tmp_path_factory, small_test_set):
    """A store with a tiny LeNet-5 trained on 5 images per class, scored on 60 test images."""
    from mnist_lab.training.train import train

    store = RunStore(tmp_path_factory.mktemp("space") / "runs")
    config = preset("lenet5").replace(subset=5, epochs=1, batch_size=16)
    run_id = store.create_run(config.to_dict(), name="tiny")
    train(config, store, run_id, small_test_set)
    return store, run_id


def test_the_trainer_keeps_the_vectors_the_output_layer_reads(trained, small_test_set):
    store, run_id = trained

    kept = artifacts.read_embeddings(store.run_dir(run_id))

    # LeNet-5's output reads its 84-unit dense layer; float16, one row per test image.
    assert (kept.layer, kept.width, kept.vectors.shape) == ("dense2", 84, (TEST_IMAGES, 84))
    assert kept.vectors.dtype == np.float16
    model = saved.load_model(store.artifact(run_id, artifacts.MODEL_FILE))
    probabilities, vectors, layer = inspection.embed(model, small_test_set.x_test)
    np.testing.assert_allclose(kept.vectors, vectors, atol=1e-2, rtol=1e-2)
    # The same pass gave the predictions the run stored.
    stored, _ = artifacts.read_predictions(store.run_dir(run_id))
    np.testing.assert_allclose(probabilities, stored, atol=1e-5)


def test_a_sequential_model_gives_the_layer_before_its_output_skipping_dropout(mnist):
    import keras

    old = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(name="flatten"),
                            keras.layers.Dense(12, activation="relu", name="hidden"),
                            keras.layers.Dropout(0.5, name="drop"),
                            keras.layers.Dense(10, activation="softmax", name="output")])

    probabilities, vectors, layer = inspection.embed(old, mnist.x_test[:5])

    assert (layer, vectors.shape, probabilities.shape) == ("hidden", (5, 12), (5, 10))
    np.testing.assert_allclose(probabilities, old.predict(mnist.x_test[:5, ..., None] / 255.0, verbose=0),
                               atol=1e-5)


def test_a_wide_layer_is_kept_as_its_first_256_principal_components():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(300, 400)).astype(np.float32)

    kept = embeddings.compress(vectors)

    assert kept.shape == (300, embeddings.MAX_DIMS) and kept.dtype == np.float16
    assert embeddings.compress(vectors[:, :84]).shape == (300, 84)  # a narrow one as it is


def test_pca_finds_two_separated_groups_and_says_how_much_variance_it_shows():
    rng = np.random.default_rng(0)
    vectors = np.concatenate([rng.normal(0, 0.1, (20, 5)), rng.normal(5, 0.1, (20, 5))])

    projection = embeddings.project(vectors, "pca")

    assert projection.points.shape == (40, 2)
    first, second = projection.points[:20, 0], projection.points[20:, 0]
    assert first.max() < second.min() or second.max() < first.min()
    share = re.fullmatch(r"PCA: the 2 directions of most variance, (\d+)% of it", projection.note)
    assert share and int(share[1]) >= 95  # the groups' separation is nearly all of it


def test_tsne_keeps_neighbours_together():
    rng = np.random.default_rng(1)
    vectors = np.concatenate([rng.normal(0, 0.1, (15, 8)), rng.normal(3, 0.1, (15, 8))])

    points = embeddings.project(vectors, "tsne").points

    centre_a, centre_b = points[:15].mean(axis=0), points[15:].mean(axis=0)
    groups = ((points[:15], centre_a, centre_b), (points[15:], centre_b, centre_a))
    nearer_own = [np.linalg.norm(point - own) < np.linalg.norm(point - other)
                  for group, own, other in groups for point in group]
    assert all(nearer_own)


@pytest.mark.parametrize(("vectors", "method", "message"), [
    (np.zeros((2, 4)), "pca", "3 or more vectors"),
    (np.zeros((5, 4)), "umap", "unknown projection 'umap'"),
])
def test_a_projection_refuses_what_it_cannot_draw(vectors, method, message):
    with pytest.raises(ValueError, match=message):
        embeddings.project(vectors, method)


@pytest.mark.parametrize(("arrays", "problem"), [
    ({"vectors": np.zeros((3, 4), np.float16), "layer": np.array("dense2")}, "width"),
    ({"vectors": np.zeros(3, np.float16), "layer": np.array("d"), "width": np.array(4)}, "(images, width)"),
    ({"vectors": np.full((3, 4), np.nan, np.float16), "layer": np.array("d"), "width": np.array(4)},
     "finite"),
    ({"vectors": np.zeros((3, 4), np.float16), "layer": np.array(1), "width": np.array(4)}, "a name"),
])
def test_a_damaged_embeddings_file_is_named_with_its_problem(tmp_path, arrays, problem):
    np.savez(tmp_path / artifacts.EMBEDDINGS_FILE, **arrays)

    with pytest.raises(artifacts.ArtifactError, match="embeddings.npz") as raised:
        artifacts.read_embeddings(tmp_path)
    assert problem in str(raised.value)


def test_the_scatter_has_a_trace_per_digit_and_the_mistakes_ringed():
    y_true, predicted = np.array([0, 1, 1, 2, 7]), np.array([0, 1, 7, 2, 7])
    points = np.arange(10, dtype=np.float32).reshape(5, 2)

    figure = space_figure(points, y_true, predicted)

    assert [trace.name for trace in figure.data] == ["0", "1", "2", "7", f"{MISTAKES} (1)"]
    assert all(trace.type == "scattergl" for trace in figure.data)
    ringed = figure.data[-1]
    assert ringed.marker.symbol == "circle-open" and ringed.customdata.tolist() == [[2, 1, 7]]
    assert "read as" in ringed.hovertemplate
    # A click as Streamlit reports it names the image, its digit and what was read.
    event = {"selection": {"points": [{"customdata": [2, 1, 7], "x": 4, "y": 5}]}}
    assert clicked_image(event) == (2, 1, 7)
    assert clicked_image({"selection": {"points": []}}) is None


def test_runs_embed_computes_an_older_runs_space_and_its_tsne(trained, tmp_path, small_test_set, capsys):
    store, run_id = trained
    data = tmp_path / "small.npz"
    np.savez(data, x_train=small_test_set.x_train[:10], y_train=small_test_set.y_train[:10],
             x_test=small_test_set.x_test, y_test=small_test_set.y_test)
    kept = artifacts.read_embeddings(store.run_dir(run_id))
    store.artifact(run_id, artifacts.EMBEDDINGS_FILE).unlink()  # as a run made before
    missing = learned_space.Progress(SpaceState.MISSING, SpaceState.MISSING)
    assert learned_space.state(store, run_id) == missing

    code = main(["runs", "embed", run_id, "--tsne", "--data", str(data), "--home", str(store.home)])

    out = capsys.readouterr().out
    assert code == 0, out
    assert "embeddings of 60 test images from layer 'dense2' (84 wide)" in out
    assert "t-SNE of 60 points" in out
    again = artifacts.read_embeddings(store.run_dir(run_id))
    np.testing.assert_allclose(again.vectors, kept.vectors, atol=1e-2)
    assert learned_space.state(store, run_id) == learned_space.Progress(SpaceState.READY, SpaceState.READY)
    assert learned_space.projection(store, run_id, "tsne").points.shape == (TEST_IMAGES, 2)
    assert learned_space.projection(store, run_id, "pca").note.startswith("PCA")


def test_runs_embed_refuses_an_unfinished_run_in_one_line(store, capsys):
    run_id = store.create_run(preset("lenet5").to_dict(), name="queued")

    code = main(["runs", "embed", run_id, "--home", str(store.home)])

    assert code == 2
    assert capsys.readouterr().err.strip() == (
        f"mnist-lab: error: run {run_id} is queued; only a finished run has a learned space")


def test_a_background_computation_that_fails_says_why(store, mnist):
    """A run without its model (the fake trainer writes none): the real background process
    starts, fails, and the state names the missing file from its log."""
    from tests.fakes import seed_run

    run_id = seed_run(store, mnist.y_test)
    learned_space.start(store, run_id, tsne=False)
    deadline = time.monotonic() + 120
    while learned_space.state(store, run_id).embeddings is SpaceState.COMPUTING:
        assert time.monotonic() < deadline
        time.sleep(0.2)

    progress = learned_space.state(store, run_id)
    assert progress.embeddings is SpaceState.FAILED
    assert "model.keras" in progress.problem and progress.problem.startswith("mnist-lab: error:")
