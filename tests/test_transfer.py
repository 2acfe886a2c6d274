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
from mnist_lab.training.transfer import copy_matching, unfreeze

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


def test_a_two_phase_fine_tune_copies_and_freezes_the_base_and_starts_a_new_head():
    config = PARENT.replace(init_from="x", epochs=4)
    parent, child = models(config)

    result = copy_matching(child, parent, config)

    assert result.copied == result.frozen == ("block1_conv1", "block1_bn1", "block2_conv1",
                                               "block2_conv2", "block2_shortcut")
    assert result.new == ("dense1", "output")


def test_a_one_epoch_fine_tune_copies_everything_but_the_output():
    config = PARENT.replace(init_from="x", epochs=1)  # no second phase: no head to train first
    parent, child = models(config)
    result = copy_matching(child, parent, config)
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
                 "--init-from", parent_id, "--transfer", "freeze-base"]) == 0

    child = store.list()[0]
    assert child.config["init_from"] == parent_id and child.config["transfer"] == "freeze-base"
    assert child.summary["frozen_layers"] == ["block1_conv1", "block1_bn1", "block2_conv1",
                                              "block2_conv2", "block2_shortcut"]
    parent_model = saved.load_model(store.artifact(parent_id, artifacts.MODEL_FILE))
    child_model = saved.load_model(store.artifact(child.id, artifacts.MODEL_FILE))
    for name in child.summary["frozen_layers"]:  # an epoch of training left them untouched
        assert same(weights(child_model, name), weights(parent_model, name)), name
    assert not same(weights(child_model, "dense1"), weights(parent_model, "dense1"))


def test_a_fine_tune_trains_the_new_layers_alone_then_everything_at_a_tenth_of_the_rate(
        store, small_data, tmp_path):
    from mnist_lab.live.progress import learning_rate_changes

    parent_file = tmp_path / "parent.json"
    parent_file.write_text(PARENT.replace(epochs=1, batch_size=16, classes=[0, 1, 2, 3, 4]).to_json())
    assert main(["--home", str(store.home), "train", "--config", str(parent_file)]) == 0
    parent_id = store.list()[0].id
    parent_model = saved.load_model(store.artifact(parent_id, artifacts.MODEL_FILE))

    assert main(["--home", str(store.home), "train", "--config", str(parent_file), "--classes", "5-9",
                 "--init-from", parent_id, "--epochs", "2", "--set", "head_epochs=1",
                 "--learning-rate", "0.02"]) == 0

    child = store.list()[0]
    assert child.summary["unfrozen_at_epoch"] == 1
    assert child.summary["frozen_layers"] == ["block1_conv1", "block1_bn1", "block2_conv1",
                                              "block2_conv2", "block2_shortcut"]  # the base
    child_model = saved.load_model(store.artifact(child.id, artifacts.MODEL_FILE))
    assert not same(weights(child_model, "block1_conv1"), weights(parent_model, "block1_conv1"))
    # Batch norm keeps the parent's statistics: it stays frozen in the second phase too.
    assert same(weights(child_model, "block1_bn1"), weights(parent_model, "block1_bn1"))
    history = store.metrics(child.id)
    epochs = history[history["kind"] == "epoch"]
    # Each epoch point holds the rate its phase ended with: the copied layers joined for the 2nd.
    assert epochs["learning_rate"].tolist() == pytest.approx([0.02, 0.002])
    # The planned drop is a phase, not a change by hand.
    steps = child.summary["steps_per_epoch"]
    assert learning_rate_changes(history, schedule="constant", steps_per_epoch=steps, epochs=2,
                                 unfrozen_at=1) == []
    assert learning_rate_changes(history, schedule="constant", steps_per_epoch=steps, epochs=2) != []


def test_unfreezing_thaws_the_copied_layers_but_batch_norm():
    config = CHILD.replace(init_from="x", transfer="fine-tune", epochs=4)
    parent, child = models(config)

    result = copy_matching(child, parent, config)

    assert result.frozen == result.copied == ("block1_conv1", "block1_bn1")
    assert not child.get_layer("block1_conv1").trainable
    assert unfreeze(child, result) == ["block1_conv1"]
    assert child.get_layer("block1_conv1").trainable and not child.get_layer("block1_bn1").trainable


@pytest.mark.parametrize(("head_epochs", "epochs", "message"), [
    (4, 4, "head epochs must be fewer than the 4 epochs"),
    (0, 4, "head epochs must be 1..1000"),
])
def test_head_epochs_outside_the_run_are_refused_naming_the_field(head_epochs, epochs, message):
    from mnist_lab.model import describe

    with pytest.raises(ConfigError, match=message):
        describe(CHILD.replace(init_from="x", epochs=epochs, head_epochs=head_epochs))


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
    # Two phases: the copied base frozen for the first of the quick mode's two epochs.
    assert tuned.summary["frozen_layers"] == tuned.summary["copied_layers"] == [
        "block1_conv1", "block2_conv1"]
    assert tuned.summary["unfrozen_at_epoch"] == 1
    assert tuned.config["learning_rate"] == 0.003 and tuned.config["fine_tune_rate"] == 0.1
    assert "Fine-tuned against the frozen base, seed by seed:" in output
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


@pytest.mark.parametrize(("tuned", "frozen", "says"), [
    ([0.972, 0.974], [0.970, 0.974], "at least as good as the frozen base"),
    ([0.9696, 0.9741, 0.9726], [0.9696, 0.9743, 0.9731], "within the spread between seeds"),
    ([0.90, 0.91, 0.90], [0.97, 0.972, 0.971], "worse than the frozen base by more than the spread"),
    ([0.80], [0.82], "One seed tells nothing"),
])
def test_the_demo_says_plainly_how_fine_tuning_compares_with_the_frozen_base(tuned, frozen, says):
    from mnist_lab.demo import FINE_TUNED, FROZEN, DemoResult
    from mnist_lab.store import Run

    def runs(values):
        return [Run(id=f"20260101-000000-{number:06x}", name="arm", status="completed", created_at=0.0,
                    started_at=None, ended_at=None, heartbeat_at=None, pid=None, config={},
                    summary={"test_accuracy": value}, tags=[], notes="", sweep_id=None, error=None,
                    trial=None) for number, value in enumerate(values)]

    verdict = DemoResult(base=None, arms={FROZEN: runs(frozen), FINE_TUNED: runs(tuned)}).verdict()

    assert verdict.startswith("Fine-tuned against the frozen base, seed by seed: ") and says in verdict
