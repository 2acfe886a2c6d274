"""The Errors page in AppTest, over an empty store and a fake run with known mistakes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.fakes import seed_run

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "errors.py")


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_LAB_HOME", str(tmp_path / "runs"))
    st.cache_resource.clear()
    st.cache_data.clear()
    return tmp_path / "runs"


def open_page(run_id=None, section=None):
    """The page, with one of the tabs below the matrix open (the first, "Why", by default)."""
    at = AppTest.from_file(PAGE, default_timeout=60)
    if run_id:
        at.query_params["run"] = run_id
    if section:
        at.session_state["errors_section"] = section
    return at.run()


def matrices(at):
    """Key -> what each confusion-matrix element on the page was handed to draw."""
    return {element.proto.id.rsplit("-", 1)[-1]: json.loads(element.proto.json)
            for element in at.get("bidi_component")
            if element.proto.component_name.endswith("confusion_grid")}


def click(at, true_class, predicted_class, at_ms=1):
    """A click on a matrix cell, as the element reports it (`at_ms` tells two clicks apart)."""
    at.session_state["confusion"] = {"click": {"cell": [true_class, predicted_class], "at": at_ms}}
    return at.run()


REGIONS = {"top left", "top", "top right", "left", "centre", "right", "bottom left", "bottom",
           "bottom right"}


def pair_box(at):
    """The "Confused pair" selectbox: its key follows the chosen pair, so it is found by label."""
    return next(box for box in at.selectbox if box.label == "Confused pair")


def image_captions(at):
    """The captions of every picture on the page, in order."""
    return [caption for image in at.get("image") for caption in image.captions]


def example_captions(at):
    """The captions under the cell's digits ("#123: 87% 9"), beside the matrix."""
    return [caption for caption in image_captions(at) if re.fullmatch(r"#\d+: \d+% \d", caption)]


@pytest.fixture
def fake_run(home, mnist):
    from mnist_lab.store import RunStore

    return seed_run(RunStore(home), mnist.y_test)


def test_an_empty_store_says_there_is_nothing_to_analyse(home):
    at = open_page()

    assert not at.exception
    assert "No finished runs yet" in at.info[0].value


def test_a_run_on_two_digits_is_analysed_on_their_test_images(home, mnist):
    from mnist_lab.config import preset
    from mnist_lab.store import RunStore

    run_id = seed_run(RunStore(home), mnist.y_test, mistakes=((4, 9, 7),),
                      config=preset("lenet5").replace(epochs=3, classes=[4, 9]))

    at = open_page(run_id, "Pairs and classes")

    assert not at.exception and not at.error
    assert at.dataframe[0].value.iloc[0][["true", "predicted", "count"]].tolist() == [4, 9, 7]
    assert len(example_captions(at)) == 6  # a page of six


def test_the_top_confused_pair_is_4_read_as_9_seven_times(fake_run):
    at = open_page(fake_run, "Pairs and classes")

    assert not at.exception
    top_pairs = at.dataframe[0].value
    assert top_pairs.iloc[0][["true", "predicted", "count"]].tolist() == [4, 9, 7]
    assert pair_box(at).value == (4, 9)
    assert at.subheader[0].value == "7 test 4s predicted as 9"  # beside the matrix, first
    assert len(example_captions(at)) == 6
    at.number_input[0].set_value(2).run()
    assert at.number_input[0].label == "Page (of 2)" and len(example_captions(at)) == 1


def test_only_the_open_tab_below_the_matrix_runs(fake_run):
    """A click or a deep link waits for one section, not seven: the others are not drawn."""
    at = open_page(fake_run)

    assert [tab.label for tab in at.tabs] == ["Why", "Pairs and classes", "Learned space", "Through training",
                                               "Test label errors", "Training label errors",
                                               "Hard and forgotten"]
    assert "Why 4s are read as 9" in [subheader.value for subheader in at.subheader]
    assert not at.dataframe and not at.header  # no tables, no data sections
    assert list(matrices(at)) == ["confusion"]  # not the validation matrix

    at.session_state["errors_section"] = "Pairs and classes"
    at.run()

    assert "Why 4s are read as 9" not in [subheader.value for subheader in at.subheader]
    assert [subheader.value for subheader in at.subheader][-2:] == ["Most confused pairs", "Per class"]


def test_clicking_a_cell_shows_exactly_its_digits(fake_run):
    at = open_page(fake_run)
    click(at, 7, 2)

    assert not at.exception
    assert pair_box(at).value == (7, 2)
    assert matrices(at)["confusion"]["selected"] == [7, 2]  # the matrix marks it
    assert "5 test 7s predicted as 2" in [header.value for header in at.subheader]
    assert len(example_captions(at)) == 5
    assert all(caption.endswith(" 2") for caption in example_captions(at))


def test_the_selectbox_still_chooses_after_a_click(fake_run):
    at = open_page(fake_run)
    click(at, 4, 9)
    pair_box(at).set_value((3, 5)).run()

    assert "3 test 3s predicted as 5" in [header.value for header in at.subheader]
    assert len(example_captions(at)) == 3


def test_a_cell_clicked_again_after_the_selectbox_moved_on_is_chosen_again(fake_run):
    at = open_page(fake_run)
    click(at, 7, 2)
    pair_box(at).set_value((3, 5)).run()
    assert matrices(at)["confusion"]["selected"] == [3, 5]  # the list's choice, marked

    click(at, 7, 2, at_ms=2)

    assert pair_box(at).value == (7, 2)
    assert matrices(at)["confusion"]["selected"] == [7, 2]


def test_a_diagonal_click_explains_itself(fake_run):
    at = open_page(fake_run)
    click(at, 1, 1)

    assert "test 1s read correctly" in at.info[0].value
    assert pair_box(at).value == (4, 9)


def test_why_section_summarises_and_notes_the_missing_model(fake_run):
    at = open_page(fake_run)

    text = " ".join(markdown.value for markdown in at.markdown)
    assert "7 of 982 test 4s (0.7%) were read as 9." in text
    assert any("No saliency maps: model.keras is missing" in info.value for info in at.info)
    assert ("Where the average 4 and 9 differ most: 4s have more ink at the left, a stroke most "
            "9s lack; 9s have more ink at the top, a stroke most 4s lack.") in text
    titles = image_captions(at)
    assert titles.count("nearest 9") == 7 * 3
    assert len([title for title in titles if title.startswith("test #")]) == 7


def test_the_epoch_slider_redraws_the_validation_matrix(fake_run):
    at = open_page(fake_run, "Through training")
    assert at.slider(key="epoch").value == 3

    assert matrices(at)["confusion_epoch"]["title"] == "Validation after epoch 3: 75.00% right"

    at.slider(key="epoch").set_value(1).run()

    assert not at.exception
    # The fake's epoch e reads every (e+1)-th validation digit wrong: 250 of 500 after epoch 1.
    assert matrices(at)["confusion_epoch"]["title"] == "Validation after epoch 1: 50.00% right"


def test_a_run_with_its_model_gets_a_saliency_map_per_example(tmp_path, monkeypatch, mnist):
    from mnist_lab.config import preset
    from mnist_lab.store import RunStore
    from mnist_lab.training.train import train

    store = RunStore(tmp_path / "trained")
    config = preset("lenet5").replace(subset=5, epochs=1, batch_size=16)
    train(config, store, store.create_run(config.to_dict(), name="tiny"), mnist)
    monkeypatch.setenv("MNIST_LAB_HOME", str(tmp_path / "trained"))
    st.cache_resource.clear()
    st.cache_data.clear()

    at = open_page()

    assert not at.exception
    _, predicted = pair_box(at).value
    # A 1-epoch model on 50 images makes far more than 8 of its top mistake: 8 maps, each titled
    # with the region of the stroke that pulls it towards the wrong digit.
    titles = [caption for caption in image_captions(at)
              if re.fullmatch(r"#\d+: .+", caption) and caption not in example_captions(at)]
    assert len(titles) == 8 and all(title.split(": ")[1] in REGIONS for title in titles)
    assert f"Colour: the pull towards {predicted}, from 0 (clear, left)" in " ".join(image_captions(at))
    text = " ".join(markdown.value for markdown in at.markdown)
    assert f"The pixels that pull these digits towards {predicted} lie on strokes at the " in text
    assert not any("No saliency maps" in info.value for info in at.info)


def test_a_link_to_a_cell_without_mistakes_explains_without_saliency(tmp_path, monkeypatch, mnist):
    """A deep link to an empty cell once crashed the page: the saliency ran on no images."""
    from mnist_lab.config import preset
    from mnist_lab.store import RunStore, artifacts
    from mnist_lab.training.train import train

    store = RunStore(tmp_path / "trained")
    config = preset("lenet5").replace(subset=5, epochs=1, batch_size=16)
    run_id = store.create_run(config.to_dict(), name="tiny")
    train(config, store, run_id, mnist)
    monkeypatch.setenv("MNIST_LAB_HOME", str(tmp_path / "trained"))
    st.cache_resource.clear()
    st.cache_data.clear()
    probabilities, y_test = artifacts.read_predictions(store.run_dir(run_id))
    predicted = probabilities.argmax(axis=1)
    true_class, predicted_class = next(
        (true, guess) for true in range(10) for guess in range(10)
        if true != guess and not ((y_test == true) & (predicted == guess)).any())

    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["run"] = run_id
    at.query_params["cell"] = f"{true_class}-{predicted_class}"
    at.run()

    assert not at.exception
    assert pair_box(at).value == (true_class, predicted_class)
    assert f"This run reads no test {true_class} as {predicted_class}" in " ".join(
        caption.value for caption in at.caption)
    assert not [chart for chart in at.get("plotly_chart") if "saliency" in chart.proto.id]


def test_the_grid_script_reads_the_fields_the_page_hands_it(fake_run):
    """The contract between app/confusion_grid/confusion_grid.js and the Python side."""
    handed = matrices(open_page(fake_run))["confusion"]
    script = (Path(PAGE).parent.parent / "app" / "confusion_grid" / "confusion_grid.js").read_text()
    assert set(re.findall(r"\bdata\.(\w+)", script)) == set(handed)
    assert set(re.findall(r"\bcell\.(\w+)", script)) == set(handed["cells"][0])
    assert set(re.findall(r"\bdata\.scale\.(\w+)", script)) == set(handed["scale"])
