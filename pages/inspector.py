"""Inspector: inside a trained model. Its filters, a digit's feature maps, your own digit."""

import streamlit as st

from app.charts import plotly_chart
from app.common import IMAGE_PARAM, from_link, pick_run, route_through_dashboard
from app.readers import artifact_mtime, cached_model, mnist, model_by_id
from app.user_text import as_text, no_html
from mnist_lab import figures, links
from mnist_lab.analysis import drawn_digits, inspection
from mnist_lab.data import DataUnavailableError
from mnist_lab.model import saved
from mnist_lab.store import artifacts

route_through_dashboard()

MAX_CHANNELS = 32
CANVAS_SIZE = 280
MAPS = "Feature maps"


def grid(arrays, label, columns=8):
    titles = [f"{label} {number}" for number in range(len(arrays))]
    return figures.image_grid_figure(arrays, titles, columns=columns)


@st.cache_data(max_entries=32, show_spinner=False)
def test_digit_view(run_id, model_mtime, index):
    """A test digit's probabilities and its feature maps, layer by layer, per run and digit."""
    network = model_by_id(run_id, model_mtime)
    digit = mnist().x_test[index]
    probabilities = inspection.predict(network, digit / 255.0)[0]
    rows = []
    for row in inspection.side_by_side(inspection.feature_maps(network, digit)):
        # Parallel branches share a row, each with fewer channels shown.
        limit = MAX_CHANNELS if len(row) == 1 else MAX_CHANNELS // 2
        rows.append([(layer.name, layer.inputs, layer.values.shape, limit,
                      grid(inspection.channel_images(layer, limit), "map",
                           columns=8 if len(row) == 1 else 4)) for layer in row])
    return probabilities, rows


def show_prediction(digit, key, probabilities=None):
    if probabilities is None:
        probabilities = inspection.predict(network, digit)[0]
    picture, verdict, bars = st.columns([1, 1, 3])
    picture.image(figures.digit_image(digit), width=140, caption="what the model sees (28x28)")
    verdict.metric("Prediction", str(probabilities.argmax()),
                   f"{probabilities.max():.0%} sure", delta_color="off")
    plotly_chart(figures.probability_bars(probabilities), key=key, small=True, where=bars)


def own_digit():
    """The user's drawing or upload as an image array, or None with a message shown."""
    source = st.radio("Digit from", ["Draw", "Upload"], horizontal=True, key="source")
    if source == "Draw":
        from streamlit_drawable_canvas import st_canvas

        canvas = st_canvas(stroke_width=18, stroke_color="#FFFFFF", background_color="#000000",
                           height=CANVAS_SIZE, width=CANVAS_SIZE, key="canvas",
                           return_image_data=True)
        st.caption("Draw one digit, large, filling most of the square; the bin clears it.")
        return canvas.image_data
    upload = st.file_uploader("An image of one digit", key="upload",
                              help=f"{drawn_digits.FORMATS}; one digit, any size")
    if upload is None:
        return None
    try:
        return drawn_digits.decode_upload(upload.getvalue())
    except drawn_digits.ImageError as error:
        st.error(f"{as_text(upload.name)} cannot be used: {no_html(error)}")
        return None


st.title("Model inspector")
run = pick_run()
if run is None:
    st.stop()
try:
    network = cached_model(run)
except saved.ModelError as error:
    st.info(f"This run has no model to inspect: {no_html(error)}. The inspector needs the saved "
            "model of a run that trained to the end; the Errors and Misclassified pages "
            "work from its predictions alone.")
    st.stop()

# A link to one test digit (a point clicked in Errors' learned space) opens on its maps.
filters_tab, maps_tab, draw_tab = st.tabs(["Learned filters", MAPS, "Your digit"],
                                          default=MAPS if IMAGE_PARAM in st.query_params else None)
with filters_tab:
    layers = {layer.name: layer for layer in inspection.conv_filters(network)}
    name = st.selectbox("Convolution layer", list(layers), key="filter_layer")
    kernel = layers[name].values
    st.caption(f"{kernel.shape[3]} filters of {kernel.shape[0]}x{kernel.shape[1]} over "
               f"{kernel.shape[2]} input channels (averaged); each stretched to its own range, "
               "white = largest weight.")
    plotly_chart(grid(inspection.filter_images(layers[name]), "filter"), key="filters", small=True)

with maps_tab:
    try:
        data = mnist()
    except DataUnavailableError as error:
        st.error(no_html(error))
    else:
        count = len(data.x_test)
        index = st.number_input("Test digit", 0, count - 1, key=from_link(
            "test_digit", IMAGE_PARAM, 0, lambda value: links.parse_index(value, count)))
        st.write(f"Test digit #{index} is a {data.y_test[index]}.")
        probabilities, rows = test_digit_view(run.id, artifact_mtime(run.id, artifacts.MODEL_FILE),
                                              int(index))
        show_prediction(data.x_test[index] / 255.0, key="test_prediction", probabilities=probabilities)
        for row in rows:
            for column, (name, inputs, (height, width, channels), limit, chart) in zip(
                    st.columns(len(row)), row, strict=True):
                shown = min(channels, limit)
                joined = f" ← {' + '.join(inputs)}" if len(inputs) > 1 else ""
                column.markdown(f"**{name}**{joined}: {channels} maps of {height}x{width}"
                                + (f" (first {shown})" if shown < channels else ""))
                plotly_chart(chart, key=f"maps_{name}", small=True, where=column)

with draw_tab:
    drawing = own_digit()
    if drawing is not None:
        try:
            show_prediction(drawn_digits.to_mnist(drawing), key="own_prediction")
        except drawn_digits.ImageError as error:
            st.warning(f"Nothing to classify yet: {error}.")
