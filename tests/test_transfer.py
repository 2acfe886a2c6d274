"""Transfer learning: exactly the matching weights are copied, exactly the chosen layers frozen."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from mnist_lab.cli import main
from mnist_lab.config import ConfigError, ConvBlock, DenseLayer, RunConfig
from mnist_lab.model import saved
from mnist_lab.model.build import build_model
from mnist_lab.store import artifacts
from mnist_lab.training.transfer import copy_matching

PARENT = RunConfig(blocks=[ConvBlock(4, 3, batch_norm=True), ConvBlock(8, 3, kind="residual", convs=2)],
                   dense=[DenseLayer(16)])
# block2 is wider, so block2's layers and dense1 (fed by it) change shape; block1 does not.
CHILD = PARENT.replace(blocks=[ConvBlock(4, 3, batch_norm=True),
                               ConvBlock(6, 3, kind="residual", convs=2)])


def models(child: RunConfig):
    keras.utils.set_random_seed(1)
    parent_model = build_model(PARENT)
    keras.utils.set_random_seed(2)
    return parent_model, build_model(child)


def weights(model, name):
    return model.get_layer(name).get_weights()


def same(a, b) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_fine_tune_copies_exactly_the_layers_whose_shapes_match_but_the_output():
    parent, child = models(CHILD.replace(init_from="x", transfer="fine-tune"))
    before = {layer.name: layer.get_weights() for layer in child.layers}

    result = copy_matching(child, parent, CHILD.replace(transfer="fine-tune"))

    assert result.copied == ("block1_conv1", "block1_bn1")
    # The output layer matches in shape but starts new: it classified the parent's digits.
    assert set(result.new) == {"block2_conv1", "block2_conv2", "block2_shortcut", "dense1", "output"}
    assert result.frozen == ()
    for name in result.copied:
        assert same(weights(child, name), weights(parent, name)), name
    for name in result.new:
        assert same(weights(child, name), before[name]), name
    assert all(layer.trainable for layer in child.layers)


def test_fine_tuning_the_same_network_copies_everything_but_the_output():
    parent, child = models(PARENT)
    result = copy_matching(child, parent, PARENT)
    assert result.new == ("output",)
    assert result.copied == ("block1_conv1", "block1_bn1", "block2_conv1", "block2_conv2",
                             "block2_shortcut", "dense1")


def test_freeze_base_copies_and_freezes_only_the_matching_convolution_layers():
    config = CHILD.replace(transfer="freeze-base")
    parent, child = models(config)
    before = weights(child, "output")

    result = copy_matching(child, parent, config)

    assert result.copied == result.frozen == ("block1_conv1", "block1_bn1")
    assert same(weights(child, "output"), before)  # the head stays new, though its shape matches
    assert {layer.name for layer in child.layers if not layer.trainable} == {"block1_conv1", "block1_bn1"}
    trainable = {variable.path.split("/")[0] for variable in child.trainable_weights}
    assert trainable == {"block2_conv1", "block2_conv2", "block2_shortcut", "dense1", "output"}


@pytest.fixture
def small_data(small_npz, monkeypatch):
    monkeypatch.setenv("MNIST_LAB_DATA", str(small_npz))
    monkeypatch.setenv("MNIST_LAB_THREADS", "1")


def test_a_child_run_keeps_its_frozen_base_and_records_its_parent(store, small_data, tmp_path):
    parent_file = tmp_path / "parent.json"
    parent_file.write_text(PARENT.replace(epochs=1, batch_size=16, classes=[0, 1, 2, 3, 4]).to_json())
    assert main(["--home", str(store.home), "train", "--config", str(parent_file)]) == 0
    parent_id = store.list()[0].id

    assert main(["--home", str(store.home), "train", "--config", str(parent_file), "--classes", "5-9",
                 "--init-from", parent_id, "--transfer", "freeze-base", "--epochs", "2"]) == 0

    child = store.list()[0]
    assert child.config["init_from"] == parent_id and child.config["transfer"] == "freeze-base"
    assert child.summary["frozen_layers"] == ["block1_conv1", "block1_bn1", "block2_conv1",
                                              "block2_conv2", "block2_shortcut"]
    parent_model = saved.load_model(store.artifact(parent_id, artifacts.MODEL_FILE))
    child_model = saved.load_model(store.artifact(child.id, artifacts.MODEL_FILE))
    for name in child.summary["frozen_layers"]:  # two epochs of training left them untouched
        assert same(weights(child_model, name), weights(parent_model, name)), name
    assert not same(weights(child_model, "dense1"), weights(parent_model, "dense1"))


def test_a_missing_parent_is_named_before_anything_trains(store, small_data, capsys):
    code = main(["--home", str(store.home), "train", "--init-from", "20260101-120000-abcdef"])
    assert code == 2
    assert "init from: no run with id '20260101-120000-abcdef'" in capsys.readouterr().err
    assert store.list() == []


def test_a_parent_without_a_model_is_named(store):
    from mnist_lab.store.lineage import parent_model_path

    run_id = store.create_run(PARENT.to_dict(), name="unfinished")
    with pytest.raises(ConfigError, match=f"init from: run {run_id} .unfinished, queued. has no saved model"):
        parent_model_path(store, run_id)


def test_the_transfer_demo_trains_a_base_and_three_arms_on_the_new_digits(store, small_data, capsys):
    assert main(["--home", str(store.home), "demo", "transfer", "--quick"]) == 0

    output = capsys.readouterr().out
    runs = {run.name: run for run in store.list()}
    base = runs["demo base 0-4"]
    assert base.config["classes"] == [0, 1, 2, 3, 4] and base.tags == ["transfer-demo"]
    arms = {name: run for name, run in runs.items() if name.startswith("demo 5-9")}
    assert sorted(arms) == ["demo 5-9 from scratch s0", "demo 5-9 transfer, fine-tuned s0",
                            "demo 5-9 transfer, frozen base s0"]
    for run in arms.values():  # the same images: 5-9, 125 per class (50 in the small data), 20% held out
        assert run.config["classes"] == [5, 6, 7, 8, 9] and run.config["subset"] == 125
        assert run.summary["train_images"] == 200
    assert arms["demo 5-9 from scratch s0"].config["init_from"] is None
    frozen = arms["demo 5-9 transfer, frozen base s0"]
    assert frozen.config["init_from"] == base.id and frozen.summary["frozen_layers"][0] == "block1_conv1"
    tuned = arms["demo 5-9 transfer, fine-tuned s0"]
    assert tuned.summary["frozen_layers"] == [] and "dense1" in tuned.summary["copied_layers"]
    assert tuned.config["learning_rate"] == 0.0003
    assert "validation accuracy by epoch (mean over seeds):" in output
    assert "transfer, frozen base" in output.split("test accuracy on the 5-9 test images")[1]


def test_a_ray_trial_starts_from_the_parent_model_its_driver_sends(store, small_data, tmp_path):
    """Without Ray itself: the driver's bytes of the parent's model.keras reach `train` through
    the worker's RemoteStore; a worker sent nothing says so in one line."""
    from mnist_lab.data import load_mnist
    from mnist_lab.sweeps.ray_backend import parent_model_bytes
    from mnist_lab.sweeps.ray_trial import RayRecorder, sent_parent
    from mnist_lab.training.train import train

    parent_file = tmp_path / "parent.json"
    parent_file.write_text(PARENT.replace(epochs=1, batch_size=16, classes=[0, 1, 2, 3, 4]).to_json())
    assert main(["--home", str(store.home), "train", "--config", str(parent_file)]) == 0
    parent_id = store.list()[0].id
    config = PARENT.replace(epochs=1, batch_size=16, classes=[5, 6, 7, 8, 9], init_from=parent_id,
                            transfer="freeze-base")
    sent = parent_model_bytes(store, config.to_dict())
    assert sent == store.artifact(parent_id, artifacts.MODEL_FILE).read_bytes()
    assert parent_model_bytes(store, PARENT.to_dict()) is None
    unfinished = store.create_run(PARENT.to_dict(), name="unfinished")
    with pytest.raises(ConfigError, match="has no saved model"):
        parent_model_bytes(store, config.replace(init_from=unfinished).to_dict())

    class Worker(RayRecorder):  # no control actor: nothing is requested
        def take_requests(self, run_id):
            return []

    class Queue(list):
        put = list.append

    data = load_mnist()  # MNIST_LAB_DATA: the small npz
    folder = tmp_path / "worker" / "artifacts"
    folder.mkdir(parents=True)
    worker = Worker("trial", Queue(), None, folder)
    train(config, worker, "trial", data, parent_model=sent_parent(config, folder, sent))
    assert worker.final == ("completed", None)
    summary = [message[2] for message in worker.queue if message[0] == "summary"][-1]
    assert summary["frozen_layers"][0] == "block1_conv1"
    parent_model = saved.load_model(store.artifact(parent_id, artifacts.MODEL_FILE))
    child_model = saved.load_model(folder / artifacts.MODEL_FILE)
    assert same(weights(child_model, "block1_conv1"), weights(parent_model, "block1_conv1"))
    assert "trial-parent.keras" not in {path.name for path in folder.iterdir()}  # not an artifact

    (tmp_path / "bare").mkdir()
    with pytest.raises(ConfigError, match=f"run {parent_id}'s model was not sent to this Ray worker"):
        train(config, Worker("bare", Queue(), None, tmp_path / "bare"), "bare", data,
              parent_model=sent_parent(config, tmp_path / "bare", None))
