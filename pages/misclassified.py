"""Misclassified: every mistake of a run in a paged grid, filtered and sorted.

Only the current page's digits are drawn, so a run with thousands of errors stays fast.
"""

import streamlit as st

from app.common import from_link, pick_scored_run, route_through_dashboard
from mnist_lab import figures, links
from mnist_lab.analysis import error_table
from mnist_lab.data import NUM_CLASSES

route_through_dashboard()

TILES_PER_PAGE = 24
COLUMNS = 6
ANY = "any"
ORDERS = ("desc", "asc")  # ?order=: largest first or not


def digit_or_any(value):
    return ANY if value == ANY else links.parse_digit(value)


@st.cache_data(max_entries=8, show_spinner=False)
def errors(run_id, probabilities, y_test):
    return error_table.errors_table(y_test, probabilities)


def tile_caption(row):
    top3 = " · ".join(f"{digit}: {probability:.2f}" for digit, probability in row.top3)
    return f"#{row.index}: true {row.true}, predicted {row.predicted} ({top3})"


run, probabilities, y_test, data = pick_scored_run("Misclassified digits")
table = errors(run.id, probabilities, y_test)

classes = [ANY, *range(NUM_CLASSES)]
true_column, predicted_column, confidence_column, sort_column = st.columns([1, 1, 2, 2])
# Each filter starts from the URL (?true=4&predicted=9&confidence=0.5-1&sort=loss&order=asc), so
# a link reproduces the view.
true_class = true_column.selectbox("True digit", classes,
                                   key=from_link("true_class", "true", ANY, digit_or_any))
predicted_class = predicted_column.selectbox(
    "Predicted digit", classes, key=from_link("predicted_class", "predicted", ANY, digit_or_any))
low, high = confidence_column.slider(
    "Confidence in the wrong answer", 0.0, 1.0, step=0.05,
    key=from_link("confidence", "confidence", (0.0, 1.0), lambda value: links.parse_range(value, 0, 1)))
sort_by = sort_column.radio(
    "Sort by", error_table.ERROR_SORT_COLUMNS, horizontal=True,
    key=from_link("sort_by", "sort", "confidence",
                  lambda value: links.parse_choice(value, error_table.ERROR_SORT_COLUMNS)))
descending = sort_column.toggle("Largest first", key=from_link(
    "descending", "order", True, lambda value: links.parse_choice(value, ORDERS) == "desc"))
st.query_params.update({"true": str(true_class), "predicted": str(predicted_class),
                        "confidence": links.encode_range(low, high), "sort": sort_by,
                        "order": ORDERS[not descending]})
shown = error_table.filter_errors(
    table, true_class=None if true_class == ANY else true_class,
    predicted_class=None if predicted_class == ANY else predicted_class,
    min_confidence=low, max_confidence=high, sort_by=sort_by, descending=descending)

st.subheader(f"{len(shown):,} of {len(table):,} errors")
if shown.empty:
    st.info("No errors match these filters; widen the confidence range or pick other digits.")
    st.stop()
page_count = error_table.page(shown, 1, TILES_PER_PAGE)[1]
page_number = (st.number_input(f"Page (of {page_count})", 1, page_count,
                               key=f"page_{true_class}_{predicted_class}_{low}_{high}")
               if page_count > 1 else 1)
rows, _ = error_table.page(shown, page_number, TILES_PER_PAGE)
for column, row in zip(st.columns(COLUMNS) * TILES_PER_PAGE, rows.itertuples(), strict=False):
    column.image(figures.digit_image(data.x_test[row.index]), width=84,
                 caption=tile_caption(row))
