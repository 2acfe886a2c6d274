"""The Errors page's data sections (label errors with marks, training label errors from k fold
runs, hardest and forgotten examples) and Compare's forgettable counts, in AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mnist_lab.store import LabelMark, RunStore
from tests.fakes import (
    FLIPPED,
    TRACKED_HISTORY,
    TRACKED_LABELS,
    seed_fold_runs,
    seed_run,
    seed_shuffled_run,
    seed_tracked,
)

pytestmark = pytest.mark.usefixtures("page_home")
ROOT = Path(__file__).resolve().parent.parent


def open_errors(run_id, section):
    """The Errors page with one of its tabs open (only the open tab runs)."""
    at = AppTest.from_file(str(ROOT / "pages" / "errors.py"), default_timeout=90)
    at.query_params["run"] = run_id
    at.session_state["errors_section"] = section
    return at.run()


def issue_captions(at):
    return [caption for image in at.image for caption in image.captions
            if caption.startswith("#") and ": given " in caption]


def metrics(at):
    return {metric.label: metric.value for metric in at.metric}


def test_the_flipped_images_lead_the_grid_and_a_mark_is_saved(store, mnist):
    run_id = seed_run(store, mnist.y_test, flipped=FLIPPED)
    at = open_errors(run_id, "Test label errors")

    assert not at.exception
    captions = issue_captions(at)
    flagged = [caption for caption in captions if caption.endswith(" · flagged")]
    shown = sorted(int(caption[1:].split(":")[0]) for caption in flagged)
    # The 6 flipped images and one of the fake's 15 mistakes, the only one cleanlab is sure
    # of, lead the 12 least plausible labels shown at first.
    assert len(captions) == 12
    assert {image for image, _ in FLIPPED} <= set(shown) and len(shown) == 7
    assert "#9990: given 7, model 0 (100%) · flagged" in captions
    assert any(caption.value.startswith("Cleanlab flags ") and "from one run's probabilities" in
               caption.value for caption in at.caption)
    assert metrics(at) == {"Test accuracy": "99.79%",
                           "Without the images marked “label wrong”": "99.79%"}

    at.pills(key=f"mark_{run_id}_9990").set_value("label wrong").run()
    at.pills(key=f"mark_{run_id}_9991").set_value("ambiguous").run()

    assert RunStore(store.home).label_marks(run_id) == {9990: LabelMark.LABEL_WRONG,
                                                        9991: LabelMark.AMBIGUOUS}
    assert metrics(at)["Without the images marked “label wrong”"] == "99.80%"
    at.pills(key=f"mark_{run_id}_9990").set_value(None).run()
    assert RunStore(store.home).label_marks(run_id) == {9991: LabelMark.AMBIGUOUS}


def test_more_candidates_are_shown_on_request_and_any_of_them_can_be_marked(store, mnist):
    run_id = seed_run(store, mnist.y_test, flipped=FLIPPED)
    at = open_errors(run_id, "Test label errors")

    at.number_input(key="issues_shown").set_value(30).run()

    captions = issue_captions(at)
    assert len(captions) == 30 and sum(caption.endswith(" · flagged") for caption in captions) == 7
    last = int(captions[-1][1:].split(":")[0])
    at.pills(key=f"mark_{run_id}_{last}").set_value("model wrong").run()
    assert RunStore(store.home).label_marks(run_id) == {last: LabelMark.MODEL_WRONG}


def test_a_saved_mark_is_shown_when_the_page_opens(store, mnist):
    run_id = seed_run(store, mnist.y_test, flipped=FLIPPED)
    store.set_label_marks(run_id, {9994: LabelMark.MODEL_WRONG})

    at = open_errors(run_id, "Test label errors")

    assert at.pills(key=f"mark_{run_id}_9994").value == "model wrong"
    assert at.pills(key=f"mark_{run_id}_9995").value is None


def test_averaging_with_a_run_of_another_test_order_is_refused_by_name(store, mnist):
    run_id = seed_run(store, mnist.y_test, flipped=FLIPPED)
    other = seed_shuffled_run(store, mnist.y_test)
    at = open_errors(run_id, "Test label errors")

    at.multiselect(key="issue_runs").set_value([store.get(other)]).run()

    assert not at.exception
    assert any("disagree on the test order" in error.value for error in at.error)


def test_forgetting_grids_and_the_per_digit_table(store, mnist):
    run_id = seed_run(store, mnist.y_test)
    seed_tracked(store, run_id, TRACKED_HISTORY, TRACKED_LABELS)
    at = open_errors(run_id, "Hard and forgotten")

    assert not at.exception
    assert any(caption.value.startswith("8 training images, a stratified sample, read after each "
                                        "of 4 epochs: 4 forgotten at least once (5 forgetting "
                                        "events), 4 learned after the first epoch, 1 never learned.")
               for caption in at.caption)
    per_digit = at.dataframe[-1].value
    assert per_digit.set_index("digit").loc[5, "forgetting events"] == 2
    titles = [chart for chart in at.get("plotly_chart") if "forgetting_" in chart.proto.id]
    assert len(titles) == 3


def test_a_run_without_the_record_says_so(store, mnist):
    at = open_errors(seed_run(store, mnist.y_test), "Hard and forgotten")

    assert any(info.value.startswith("No per-epoch record of training images: "
                                     "train_predictions.npz is missing") for info in at.info)


def test_a_fold_run_lists_the_training_label_errors_of_its_study(store, mnist):
    flipped = ((7, 1), (70, 2), (700, 3), (7000, 4), (50000, 5))
    run_ids = seed_fold_runs(store, mnist.y_train, mnist.y_test, folds=3, flipped=flipped)

    at = open_errors(run_ids[1], "Training label errors")

    assert not at.exception
    assert "Likely label errors in the training set" in [header.value for header in at.header]
    assert any(caption.value == "Cleanlab flags 5 of 60,000 training images as likely label "
               "errors, from the held-out folds of 3 fold runs. The 24 least plausible labels "
               "are shown, ranked by cleanlab's label quality. ⚑: flagged." for caption in at.caption)


def test_a_study_short_of_a_fold_is_named(store, mnist):
    run_ids = seed_fold_runs(store, mnist.y_train, mnist.y_test, folds=3, only=[1, 2])

    at = open_errors(run_ids[0], "Training label errors")

    assert any(warning.value.startswith("only 2 of 3 folds: fold 3 is missing")
               for warning in at.warning)


def test_compare_counts_the_forgettable_examples_of_two_runs(store, mnist):
    first = seed_run(store, mnist.y_test, name="a")
    second = seed_run(store, mnist.y_test, name="b")
    seed_tracked(store, first, TRACKED_HISTORY, TRACKED_LABELS)
    seed_tracked(store, second, TRACKED_HISTORY[[0, 1, 1, 1]], TRACKED_LABELS)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.run()
    at.query_params["run"] = [first, second]
    at.session_state["compare_section"] = "Forgettable"
    at.switch_page("pages/compare.py").run()

    assert not at.exception
    table = at.dataframe[-1].value
    assert table["forgettable"].tolist() == [4, 3]
    assert table["forgetting events"].tolist() == [5, 3]
    assert any(caption.value == "3 of the tracked training images were forgotten at least once "
               "in every run." for caption in at.caption)
