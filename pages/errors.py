"""Errors: which digits a run confuses, the test digits behind any cell, and why; then the
data's own errors: likely label errors, and the hardest and forgotten training digits."""

import pandas as pd
import streamlit as st

from app.common import (
    CHOSEN_PAIR,
    PAIR_CHOICES,
    choose_pair_on_errors,
    download_run_report,
    lazy_tabs,
    pick_scored_run,
    route_through_dashboard,
)
from app.confusion_grid import confusion_matrix, last_click
from app.errors.data import forgetting_section, label_issues_section, training_issues_section
from app.errors.views import (
    examples_view,
    explanation,
    neighbours_view,
    saliency_scale,
    saliency_view,
)
from app.learned_space import open_digit, space_view
from app.readers import artifact_mtime, mnist, validation
from app.user_text import no_html
from mnist_lab import analysis, figures, links
from mnist_lab.analysis import error_table, why
from mnist_lab.model import saved
from mnist_lab.store import artifacts

route_through_dashboard()

EXAMPLES_PER_PAGE = 6
CELL_PARAM = "cell"  # ?cell=4-9: the selected cell, true-predicted
MATRIX = "confusion"  # the test set's matrix element
LAST_CLICK = "last_click"  # the matrix's click already acted on


def pair_label(pair):
    return f"{pair[0]} read as {pair[1]} · {counts[pair]:,} test digits"


def cell_from_link():
    """The cell named by the URL (`?cell=4-9`) when the page opens, with a message if unusable."""
    value = st.query_params.get(CELL_PARAM)
    if value is None or CHOSEN_PAIR in st.session_state:
        return None
    try:
        return links.parse_cell(value)
    except links.LinkError as error:
        st.warning(f"This link's cell cannot be shown: {no_html(error)}. Showing the most confused pair.")
        return None


def choose_pair(click, pairs):
    """The pair to show: a new click on the matrix or a link wins; otherwise the selectbox decides."""
    choices = [(pair.true_class, pair.predicted_class) for pair in pairs]
    clicked = None
    if click != st.session_state.get(LAST_CLICK):  # a new click, not one already acted on
        st.session_state[LAST_CLICK] = click
        clicked = tuple(click["cell"]) if click else None
    for new in (cell_from_link(), clicked):
        if new is not None and new[0] != new[1]:
            choose_pair_on_errors(new)
    if clicked is not None and clicked[0] == clicked[1]:
        st.info(f"That cell holds the {counts[clicked]:,} test {clicked[0]}s read correctly; "
                "click a cell off the diagonal to see mistakes.")
    chosen = st.session_state.get(CHOSEN_PAIR)
    if chosen is not None and chosen not in choices:
        choices.append(chosen)  # a cell without mistakes in this run: shown as such
    if not choices:
        st.success("This run makes no mistakes on the test set.")
        st.query_params.pop(CELL_PARAM, None)
        return None
    chosen = chosen or choices[0]
    # A new selectbox for each run and for each pair a click or a link chooses: it opens on
    # that pair, a value the browser sends from before (a rerun racing the click's) belongs to
    # the old one, and its labels count the run shown (the browser kept the old run's count).
    pair = st.selectbox("Confused pair", choices, index=choices.index(chosen), format_func=pair_label,
                        key=f"pair_{run.id}_{st.session_state.get(PAIR_CHOICES, 0)}")
    st.session_state[CHOSEN_PAIR] = pair
    st.query_params[CELL_PARAM] = links.encode_cell(*pair)  # a link reproduces the view
    return pair


def show_examples(true_class, predicted_class):
    """The cell's digits, most confident mistakes first, each above its probabilities: pictures,
    which the browser shows at once after a click, where a chart has to be drawn."""
    indices = analysis.pair_indices(y_test, probabilities, true_class, predicted_class)
    st.subheader(f"{len(indices):,} test {true_class}s predicted as {predicted_class}")
    table = pd.DataFrame({"index": indices})
    page_count = error_table.page(table, 1, EXAMPLES_PER_PAGE)[1]
    page_number = (st.number_input(f"Page (of {page_count})", 1, page_count,
                                   key=f"page_{true_class}_{predicted_class}")
                   if page_count > 1 else 1)
    shown = tuple(error_table.page(table, page_number, EXAMPLES_PER_PAGE)[0]["index"].tolist())
    pictures, captions = examples_view(run.id, run_modified, classes, true_class, predicted_class, shown)
    st.image(pictures, caption=captions, output_format="PNG")


def show_why(true_class, predicted_class):
    st.subheader(f"Why {true_class}s are read as {predicted_class}")
    evidence = explanation(run.id, run_modified, classes, true_class, predicted_class)
    st.markdown(no_html(evidence.summary.text()))
    st.markdown(why.difference_in_words(evidence.difference, true_class, predicted_class))
    st.image([figures.digit_image(evidence.mean_true),
              figures.digit_image(evidence.mean_predicted),
              why.colorize(evidence.difference, signed=True)], width=140,
             caption=[f"mean {true_class}", f"mean {predicted_class}",
                      f"{true_class} minus {predicted_class} (red: more ink in {true_class}s)"])
    if not len(evidence.examples):
        st.caption(f"This run reads no test {true_class} as {predicted_class}: there are no "
                   "mistakes to trace to pixels or to the training images.")
        return
    try:
        regions, pictures, captions = saliency_view(
            run.id, artifact_mtime(run.id, artifacts.MODEL_FILE), classes, true_class, predicted_class,
            tuple(evidence.examples.tolist()))
    except saved.ModelError as error:
        st.info(f"No saliency maps: {no_html(error)}. Saliency needs the run's saved model; "
                "everything else on this page comes from its predictions.")
    else:
        st.markdown(why.saliency_in_words(regions, predicted_class))
        st.image(pictures, caption=captions, output_format="PNG")
        st.image(saliency_scale(), output_format="PNG",
                 caption=f"Colour: the pull towards {predicted_class}, from 0 (clear, left) "
                         "to 1 (the strongest pixel, right)")
    st.caption(f"Each mistaken {true_class}, then the training {predicted_class}s nearest to it in pixels.")
    pairs_of_rows = st.columns(2)
    for number, (pictures, captions) in enumerate(
            neighbours_view(run.id, run_modified, classes, true_class, predicted_class)):
        with pairs_of_rows[number % 2]:
            st.image(pictures, caption=captions, output_format="PNG")


def show_tables(pairs):
    confused, per_class = st.columns(2)
    with confused:
        st.subheader("Most confused pairs")
        st.dataframe(pd.DataFrame([{"true": pair.true_class, "predicted": pair.predicted_class,
                                    "count": pair.count, "share of true": pair.rate_of_true_class}
                                   for pair in pairs[:10]]),
                     hide_index=True, column_config={"share of true": st.column_config.NumberColumn(
                         format="percent")})
    with per_class:
        st.subheader("Per class")
        st.dataframe(pd.DataFrame(analysis.per_class_metrics(y_test, probabilities.argmax(axis=1))
                                  .to_rows()).round(4), hide_index=True)


def show_space():
    st.caption("Each test digit where the layer the output reads puts it: digits the network "
               "tells apart lie apart, and its mistakes (ringed in the colour of the digit read) "
               "lie where the two digits meet.")
    clicked = space_view(run, y_test, probabilities.argmax(axis=1), key="space")
    if clicked is not None:
        open_digit(run, clicked, on_errors=True)


def show_training(normalize):
    st.subheader("Through training")
    try:
        history = validation(run.id, artifact_mtime(run.id, artifacts.VALIDATION_FILE))
    except artifacts.ArtifactError as error:
        st.info(f"No per-epoch validation predictions: {no_html(error)}")
        return
    epochs = len(history.predicted)
    epoch = st.slider("Epoch", 1, epochs, epochs, key="epoch") if epochs > 1 else 1
    epoch_counts = analysis.confusion_matrix(history.y_val, history.predicted[epoch - 1])
    accuracy = epoch_counts.trace() / max(1, epoch_counts.sum())
    confusion_matrix(figures.confusion_cells(epoch_counts, normalize=normalize), key="confusion_epoch",
                     title=f"Validation after epoch {epoch}: {accuracy:.2%} right")


run, probabilities, y_test, data = pick_scored_run("Errors")
download_run_report(run, mnist(), key="errors_report")
run_modified = artifact_mtime(run.id, artifacts.PREDICTIONS_FILE)
classes = run.config.get("classes")  # a run on some digits is read against their test images
counts = analysis.confusion_matrix(y_test, probabilities.argmax(axis=1))
pairs = analysis.top_confused_pairs(counts, k=90)

# The cell's digits go beside the matrix, where the eye is after a click. The pair is chosen
# first, so that the matrix marks it however it was chosen: a click, a link or the list.
chart, side = st.columns([3, 2])
with side:
    pair = choose_pair(last_click(MATRIX), pairs)
    if pair is not None:
        show_examples(*pair)
with chart:
    normalize = st.toggle("Share of each true class", key="normalize")
    confusion_matrix(figures.confusion_cells(counts, normalize=normalize), key=MATRIX, clickable=True,
                     title="Test set: click a cell to see its digits", selected=pair)
# Below, one section at a time: only the open tab runs and is drawn, so a click on the matrix
# or a deep link waits for the matrix, the cell's digits and one section, not all seven.
sections = {
    "Why": lambda: show_why(*pair) if pair is not None else None,
    "Pairs and classes": lambda: show_tables(pairs),
    "Learned space": show_space,
    "Through training": lambda: show_training(normalize),
    "Test label errors": lambda: label_issues_section(run, probabilities, y_test, data),
    "Training label errors": lambda: training_issues_section(run, data),
    "Hard and forgotten": lambda: forgetting_section(run, data),
}
lazy_tabs(sections, "errors_section")
