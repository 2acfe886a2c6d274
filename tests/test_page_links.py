"""Links between pages in AppTest: the run under study follows the user from page to page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.user_text import as_text
from tests.fakes import seed_run
from tests.test_page_errors import pair_box

pytestmark = pytest.mark.usefixtures("page_home")
DASHBOARD = str(Path(__file__).resolve().parent.parent / "dashboard.py")


@pytest.fixture
def two_runs(store, mnist):
    older = seed_run(store, mnist.y_test, name="older")
    newer = seed_run(store, mnist.y_test, name="newer", preset_name="lenet5-strided")
    return older, newer


def open_page(page: str, **query) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.run()
    at.switch_page(page)
    for name, value in query.items():
        at.query_params[name] = value
    return at.run()


def follow_sidebar(at: AppTest, page: str) -> AppTest:
    """What a sidebar link does: another page, without the query string."""
    at.query_params.clear()
    return at.switch_page(page).run()


@pytest.mark.parametrize("next_page", ["pages/misclassified.py", "pages/inspector.py"])
def test_the_run_under_study_follows_a_sidebar_link(two_runs, next_page):
    older, _ = two_runs
    at = open_page("pages/errors.py", run=older)
    assert at.selectbox(key="run_picker").value.id == older

    at = follow_sidebar(at, next_page)
    assert not at.exception
    assert at.selectbox(key="run_picker").value.id == older
    assert at.query_params["run"] == older


def test_a_run_picked_on_a_page_is_the_one_the_next_page_opens(two_runs):
    older, newer = two_runs
    at = open_page("pages/misclassified.py")
    assert at.selectbox(key="run_picker").value.id == newer  # nothing studied yet: the newest
    at.selectbox(key="run_picker").select_index(1).run()
    at = follow_sidebar(at, "pages/errors.py")
    assert at.selectbox(key="run_picker").value.id == older


def test_an_errors_link_opens_its_cell_and_the_page_keeps_the_cell_in_its_url(store, mnist):
    run_id = seed_run(store, mnist.y_test)
    at = open_page("pages/errors.py", run=run_id, cell="7-2")
    assert not at.exception
    assert pair_box(at).value == (7, 2)
    assert "5 test 7s predicted as 2" in [element.value for element in at.subheader]
    pair_box(at).set_value((3, 5)).run()
    assert at.query_params["cell"] == "3-5"


@pytest.mark.parametrize("cell", ["4-4", "nine", "4-12"])
def test_a_bad_errors_link_gets_a_message_and_the_most_confused_pair(store, mnist, cell):
    run_id = seed_run(store, mnist.y_test)
    at = open_page("pages/errors.py", run=run_id, cell=cell)
    assert not at.exception
    assert at.warning[0].value == (f"This link's cell cannot be shown: '{cell}' is not a cell of "
                                   "mistakes; write true-predicted, e.g. 4-9. Showing the most "
                                   "confused pair.")
    assert pair_box(at).value == (4, 9)
    assert at.query_params["cell"] == "4-9"


def test_a_misclassified_link_opens_its_filters_and_the_page_keeps_them_in_its_url(store, mnist):
    run_id = seed_run(store, mnist.y_test)
    at = open_page("pages/misclassified.py", run=run_id, true="7", predicted="2",
                   confidence="0.5-1", sort="loss", order="asc")
    assert not at.exception
    assert (at.selectbox(key="true_class").value, at.selectbox(key="predicted_class").value) == (7, 2)
    assert at.slider(key="confidence").value == (0.5, 1.0)
    assert (at.radio(key="sort_by").value, at.toggle(key="descending").value) == ("loss", False)
    assert at.subheader[0].value.endswith("of 15 errors")
    at.selectbox(key="true_class").set_value("any").run()
    assert {name: at.query_params[name] for name in ("true", "predicted", "confidence", "sort", "order")} == {
        "true": "any", "predicted": "2", "confidence": "0.5-1", "sort": "loss", "order": "asc"}


def test_a_bad_misclassified_link_names_the_filter_and_keeps_the_rest(store, mnist):
    run_id = seed_run(store, mnist.y_test)
    at = open_page("pages/misclassified.py", run=run_id, true="11", predicted="9", sort="newest")
    assert not at.exception
    warnings = [warning.value for warning in at.warning]
    assert warnings == ["This link's true cannot be used: '11' is not a digit 0-9. It starts at its default.",
                        "This link's sort cannot be used: 'newest' is not one of confidence, loss. "
                        "It starts at its default."]
    assert at.selectbox(key="true_class").value == "any"
    assert at.selectbox(key="predicted_class").value == 9
    assert at.subheader[0].value == "7 of 15 errors"


def test_a_compare_link_opens_its_runs_and_its_a_and_b(store, mnist):
    first = seed_run(store, mnist.y_test, name="first")
    second = seed_run(store, mnist.y_test, name="second", mistakes=((4, 9, 20),))
    third = seed_run(store, mnist.y_test, name="third", mistakes=((4, 9, 12),))
    at = open_page("pages/compare.py", run=[first, second, third], a=third, b=first)
    assert not at.exception
    assert at.multiselect(key="compare_runs").value == [first, second, third]
    assert at.selectbox(key="pair_a").value == f"third ({third[-6:]})"
    assert at.selectbox(key="pair_b").value == f"first ({first[-6:]})"
    at.selectbox(key="pair_b").set_value(f"second ({second[-6:]})").run()
    assert (at.query_params["a"], at.query_params["b"]) == (third, second)
    assert at.query_params["run"] == [first, second, third]


def test_a_bad_compare_link_says_what_it_leaves_out(store, mnist):
    first = seed_run(store, mnist.y_test, name="first")
    second = seed_run(store, mnist.y_test, name="second", mistakes=((4, 9, 20),))
    gone = "20200101-000000-abcdef"
    at = open_page("pages/compare.py", run=[first, gone, second], a="not-a-run")
    assert not at.exception
    warnings = [warning.value for warning in at.warning]
    # What a link holds is quoted escaped (shown as typed, never as Markdown).
    assert warnings[0] == ("This link names runs that are not finished runs of this lab: "
                           f"'{as_text(gone)}'. They are left out.")
    assert (f"This link's run A ('{as_text('not-a-run')}') is not among the runs compared with their test "
            "predictions; another run takes its place.") in warnings
    assert at.selectbox(key="pair_a").value == f"first ({first[-6:]})"


@pytest.mark.parametrize("page", ["pages/errors.py", "pages/misclassified.py", "pages/inspector.py"])
@pytest.mark.parametrize(("linked", "says"), [
    ("../../etc/passwd", "This link's run cannot be shown: invalid run id '../../etc/passwd': "),
    ("20200101-000000-abcdef", "This link's run cannot be shown: there is no run with id "
                               "'20200101-000000-abcdef' in this lab"),
])
def test_a_link_to_a_run_that_cannot_be_shown_says_so_and_shows_no_other(two_runs, page, linked, says):
    """The page replaced such a run with the newest and rewrote the URL to it, silently: a
    shared link to a deleted run showed someone else's errors."""
    at = open_page(page, run=linked)
    assert not at.exception
    assert at.warning[0].value.startswith(says)
    assert at.selectbox(key="run_picker").value is None
    assert at.query_params["run"] == linked  # the URL still names what the link asked for
    assert not at.get("imgs") and not at.subheader  # nothing of any run is shown as the link's

    chosen = at.selectbox(key="run_picker").select_index(0).run()
    assert chosen.query_params["run"] == two_runs[1] and not chosen.warning


def test_a_link_to_a_run_still_training_says_it_has_no_results_yet(store, two_runs):
    from mnist_lab.config import preset

    queued = store.create_run(preset("lenet5").to_dict(), name="queued one")
    at = open_page("pages/errors.py", run=queued)
    assert at.warning[0].value == ("This link's run cannot be shown: queued one is queued, so it "
                                   "has no results to show yet.")


def test_compare_keeps_its_runs_when_the_user_leaves_and_comes_back(two_runs):
    """Compare opened empty after a trip to another page through the sidebar."""
    at = open_page("pages/compare.py", run=list(two_runs))
    assert at.multiselect(key="compare_runs").value == list(two_runs)
    at = follow_sidebar(at, "pages/errors.py")
    at = follow_sidebar(at, "pages/compare.py")
    assert not at.exception
    assert at.multiselect(key="compare_runs").value == list(two_runs)
    assert at.query_params["run"] == list(two_runs)
