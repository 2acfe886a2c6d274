"""The Compare page in AppTest: nothing to compare, two seeded runs, seeds, a run without predictions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mnist_lab.config import preset
from mnist_lab.store import RunStatus
from tests.fakes import seed_run
from tests.test_page_errors import matrices

pytestmark = pytest.mark.usefixtures("page_home")
DASHBOARD = str(Path(__file__).resolve().parent.parent / "dashboard.py")


def open_compare(run_ids=()):
    at = AppTest.from_file(DASHBOARD, default_timeout=90)
    at.run()
    return at.switch_page("pages/compare.py").run() if not run_ids else _with_runs(at, run_ids)


def _with_runs(at, run_ids):
    at.query_params["run"] = list(run_ids)
    return at.switch_page("pages/compare.py").run()


@pytest.fixture
def pair(store, mnist):
    first = seed_run(store, mnist.y_test, name="lenet5")
    second = seed_run(store, mnist.y_test, name="strided", preset_name="lenet5-strided",
                      mistakes=((4, 9, 20), (8, 3, 4)))
    return first, second


def open_tab(at, label):
    """Open one of the tabs below the table (only the open tab runs)."""
    at.session_state["compare_section"] = label
    return at.run()


def markdown(at):
    return " ".join(element.value for element in at.markdown)


def test_an_empty_store_asks_for_two_runs(store):
    at = open_compare()
    assert not at.exception
    assert "Pick two or more finished runs" in at.info[0].value


def test_two_runs_from_the_url_are_compared(pair, mnist):
    first, second = pair
    at = open_compare(pair)
    assert not at.exception
    assert at.multiselect(key="compare_runs").value == [first, second]
    metrics = at.dataframe[0].value
    assert metrics["name"].tolist() == ["lenet5", "strided"]
    assert metrics["test accuracy"].round(4).tolist() == [0.9985, 0.9976]
    text = markdown(at)
    assert (f"lenet5 ({first[-6:]}) scores 99.85%, strided ({second[-6:]}) 99.76% (0.09 points)"
            in text)
    assert "p = 0.110: the difference could well be chance" in text
    subheaders = [element.value for element in at.subheader]
    assert "17 test digits only A gets right" in subheaders
    assert "8 test digits only B gets right" in subheaders

    open_tab(at, "What differs")
    diff = at.dataframe[1].value
    assert diff["field"].tolist() == ["blocks.1.downsample", "blocks.2.downsample",
                                      "preset (a label, not a setting)"]
    layers = at.dataframe[2].value.set_index("layer")
    assert layers.loc["block1_down", f"strided ({second[-6:]})"].startswith("conv 6@3x3")

    open_tab(at, "Ensemble")
    assert "The ensemble of 2 runs scores 99.93%" in markdown(at)
    ensemble = at.dataframe[1].value
    assert ensemble["adds to the ensemble"].round(4).tolist() == [0.0017, 0.0008]


def test_only_the_open_tab_runs(pair):
    """A change of B or of the runs waits for one section, not for every chart of the page."""
    at = open_compare(pair)

    assert [tab.label for tab in at.tabs] == ["Head to head", "Curves", "What differs", "Per digit",
                                               "Ensemble", "Learned space", "Forgettable"]
    assert [header.value for header in at.header] == ["Two runs head to head"]
    assert len(at.dataframe) == 1  # the runs' table; no diff, layers or ensemble tables
    open_tab(at, "Curves")
    assert [header.value for header in at.header] == ["Training curves"]


def test_the_head_to_head_draws_its_matrix_and_digits_without_a_chart(pair):
    """The first view of Compare needs no chart script: the difference of the two confusion
    matrices is the matrix element, the digits only one run reads right are pictures."""
    at = open_compare(pair)
    assert not at.get("plotly_chart")
    grids = list(matrices(at).values())
    assert len(grids) == 1 and grids[0]["scale"]["title"] == "A minus B"
    cell = {(c["true"], c["predicted"]): c["text"] for c in grids[0]["cells"]}
    assert cell[4, 9] == "-13" and cell[8, 3] == "-4"  # B reads 13 more 4s as 9, 4 more 8s as 3
    captions = [caption for image in at.get("image") for caption in image.captions]
    assert len(captions) == 16 + 8  # 16 of the 17 only A gets right, the 8 only B does
    assert all(re.fullmatch(r"#\d+ A:\d B:\d", caption) for caption in captions)


def test_swapping_a_and_b_reverses_the_counts(pair):
    at = open_compare(pair)
    labels = at.selectbox(key="pair_a").options
    at.selectbox(key="pair_a").set_value(labels[1]).run()  # A takes B's run: B takes A's place
    assert at.selectbox(key="pair_b").value == labels[0]
    subheaders = [element.value for element in at.subheader]
    assert "8 test digits only A gets right" in subheaders


def test_seed_repeats_get_a_mean_and_interval_and_missing_predictions_are_named(store):
    ids = []
    for seed, accuracy in ((0, 0.98), (1, 0.99)):
        run_id = store.create_run(preset("lenet5").replace(seed=seed).to_dict(), name=f"seed {seed}")
        store.set_summary(run_id, {"test_accuracy": accuracy})
        store.set_status(run_id, RunStatus.COMPLETED)
        ids.append(run_id)
    at = open_compare(ids)
    assert not at.exception
    infos = [element.value for element in at.info]
    assert infos[0] == (f"Repeats of one config: seed 0 ({ids[0][-6:]}), seed 1 ({ids[1][-6:]}): "
                        "2 seeds (0, 1), mean 98.50%, 95% interval 44.41% to 99.98%, very wide: "
                        "n = 2, sd 0.71 points")
    assert "Two runs with test predictions are needed" in infos[-1]
    warnings = [element.value for element in at.warning]
    assert warnings[0] == (f"Left out of the test-set comparison: seed 0 ({ids[0][-6:]}): "
                           f"predictions.npz is missing from {store.run_dir(ids[0])}")


def test_compare_offers_finished_runs_as_every_other_picker_does(pair, store, mnist):
    from mnist_lab.store import RunStatus

    failed = seed_run(store, mnist.y_test, name="failed", status=RunStatus.FAILED)
    at = open_compare()
    options = at.multiselect(key="compare_runs").options
    assert not any(failed in option for option in options)
    assert sum(any(run_id in option for option in options) for run_id in pair) == 2


def test_a_and_b_stay_two_different_runs_when_the_selection_changes(pair, store, mnist):
    first, second = pair
    third = seed_run(store, mnist.y_test, name="third", mistakes=((4, 9, 12),))
    at = open_compare([first, second, third])
    labels = at.selectbox(key="pair_a").options
    at.selectbox(key="pair_a").set_value(labels[1])
    at.selectbox(key="pair_b").set_value(labels[2]).run()
    at.multiselect(key="compare_runs").set_value([first, second]).run()  # B's run leaves
    assert not at.exception
    a, b = at.selectbox(key="pair_a").value, at.selectbox(key="pair_b").value
    assert a == labels[1] and b == labels[0]
    assert not [info for info in at.info if "two different runs" in info.value]
    assert "17 test digits only B gets right" in [element.value for element in at.subheader]
    at.selectbox(key="pair_a").set_value(labels[0]).run()  # A takes B's run: B moves aside
    assert at.selectbox(key="pair_b").value == labels[1]
    assert labels[0] not in at.selectbox(key="pair_b").options


def test_a_learning_rate_changed_mid_run_is_a_difference_and_a_confounder(pair, store):
    first, second = pair
    store.set_summary(second, {**store.get(second).summary, "learning_rate_changes": [[150, 0.005]]})
    at = open_compare(pair)
    label = f"strided ({second[-6:]})"
    assert at.warning[0].value.startswith("Not only the config differs, so the gap cannot be put "
                                          "down to it alone. Changed during training, " + label)
    open_tab(at, "What differs")
    diff = at.dataframe[1].value.set_index("field")
    assert diff.loc["during training", label] == "learning rate set to 0.005 at epoch 1.50"
    assert diff.loc["during training", f"lenet5 ({first[-6:]})"] == "nothing"


def test_three_runs_get_a_ranking_best_first(pair, store, mnist):
    third = seed_run(store, mnist.y_test, name="third", preset_name="keras-convnet",
                     mistakes=((4, 9, 40),))
    at = open_compare([*pair, third])
    assert at.header[0].value == "Ranking"
    ranking = at.dataframe[1].value
    assert ranking["runs"].str.split(" ").str[0].tolist() == ["lenet5", "strided", "third"]
    assert ranking["test accuracy"].tolist() == ["99.85%", "99.76%", "99.60%"]
    assert ranking["95% interval"].tolist() == ["n = 1: no interval"] * 3


def test_two_runs_get_no_ranking(pair):
    at = open_compare(pair)
    assert "Ranking" not in [header.value for header in at.header]


def test_runs_trained_under_different_load_get_a_note_on_throughput(store):
    import os

    def start(name):
        run_id = store.create_run(preset("lenet5").to_dict(), name=name)
        assert store.claim(run_id, os.getpid(), max_running=2)
        store.set_summary(run_id, {"test_accuracy": 0.99, "images_per_second": 5000.0})
        return run_id

    busy, other = start("busy"), start("other")  # trained side by side
    store.set_status(busy, RunStatus.COMPLETED)
    store.set_status(other, RunStatus.COMPLETED)
    alone = start("alone")
    store.set_status(alone, RunStatus.COMPLETED)
    at = open_compare([busy, alone])
    assert not at.exception
    assert at.warning[0].value.startswith("images/s and train s were measured under different load")
    assert f"busy ({busy[-6:]}) alongside 1 other run; alone ({alone[-6:]}) alone." in at.warning[0].value
    at = open_compare([busy, other])
    assert not [warning for warning in at.warning if "different load" in warning.value]


def test_a_parent_and_its_child_are_named_and_compared(store, mnist):
    lenet5 = preset("lenet5").replace(epochs=3)
    parent = seed_run(store, mnist.y_test, name="base 0-4", config=lenet5.replace(classes=[0, 1, 2, 3, 4]))
    child = seed_run(store, mnist.y_test, name="transfer 5-9",
                     config=lenet5.replace(classes=[5, 6, 7, 8, 9], init_from=parent, transfer="freeze-base"),
                     summary={"copied_layers": ["block1_conv1", "block2_conv1"],
                              "frozen_layers": ["block1_conv1", "block2_conv1"]})

    at = open_compare([parent, child])

    assert not at.exception
    assert at.info[0].value == (f"transfer 5-9 ({child[-6:]}) started from the weights of "
                                f"base 0-4 ({parent[-6:]}) (freeze-base): 2 layers copied, 2 frozen.")
    # Trained on different digits: their curves and configs compare, their test sets do not.
    assert any("different test sets" in element.value for element in at.error)
