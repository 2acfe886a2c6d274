"""Tests for mnist_lab.figures: the data inside each figure, not its pixels."""

import io
import math

import numpy as np
import pandas as pd
import pytest

from mnist_lab import figures
from mnist_lab.figures.predictions import (
    DIAGONAL_GREY,
    OTHER_COLOUR,
    PREDICTED_COLOUR,
    TRUE_COLOUR,
    WRONG_COLOUR,
)
from mnist_lab.figures.training import BATCH_SMOOTHING

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def confusion_counts():
    counts = np.diag(np.full(10, 100))
    counts[4, 9], counts[7, 1] = 12, 3
    return counts


def cell(cells, true, predicted):
    return cells["cells"][true * 10 + predicted]


def test_confusion_cells_run_row_by_row_and_the_mistakes_set_the_colours():
    cells = figures.confusion_cells(confusion_counts())
    assert [(c["true"], c["predicted"]) for c in cells["cells"]] == [
        (true, predicted) for true in range(10) for predicted in range(10)]
    assert cell(cells, 4, 9) == {"true": 4, "predicted": 9, "text": "12",
                                 "label": "true 4 → predicted 9: 12 (10.7% of 4s)",
                                 "colour": "rgb(103, 0, 13)", "dark": True}  # the top of "Reds"
    assert cell(cells, 4, 4)["text"] == "100"  # the diagonal keeps its count as text
    assert cell(cells, 4, 4)["colour"] == DIAGONAL_GREY and not cell(cells, 4, 4)["dark"]
    assert cell(cells, 0, 1)["colour"] == "rgb(255, 245, 240)"  # none: the bottom of "Reds"
    assert cell(cells, 7, 1)["colour"] not in ("rgb(255, 245, 240)", "rgb(103, 0, 13)")
    assert not cell(cells, 7, 1)["dark"]
    assert cells["scale"] == {"title": "errors", "low": "0", "high": "12", "colours": [
        "rgb(255, 245, 240)", "rgb(252, 187, 161)", "rgb(251, 106, 74)", "rgb(203, 24, 29)",
        "rgb(103, 0, 13)"]}


def test_normalized_confusion_cells_show_rates():
    cells = figures.confusion_cells(confusion_counts(), normalize=True)
    assert cell(cells, 4, 9)["text"] == "10.7%"
    assert cell(cells, 4, 3)["text"] == "0"
    assert cells["scale"]["title"] == "share" and cells["scale"]["high"] == "10.7%"


def test_a_matrix_without_mistakes_gets_a_scale_and_no_dark_cell():
    cells = figures.confusion_cells(np.diag(np.full(10, 5)))
    assert cells["scale"]["high"] == "1"
    assert not any(c["dark"] for c in cells["cells"])


def test_confusion_cells_reject_a_wrong_shape():
    with pytest.raises(ValueError, match=r"got shape \(9, 9\)"):
        figures.confusion_cells(np.zeros((9, 9)))


def training_history():
    batches = pd.DataFrame({
        "kind": "batch", "epoch": [0.5, 1.0, 1.5, 2.0], "step": [1, 2, 3, 4],
        "wall_s": [1.0, 2.0, 3.0, 4.0], "loss": [2.0, 1.0, 0.5, 0.4],
        "accuracy": [0.5, 0.7, 0.9, 0.95],
    })
    epochs = pd.DataFrame({
        "kind": "epoch", "epoch": [1, 2], "step": [2, 4], "wall_s": [2.5, 4.5],
        "loss": [1.0, 0.4], "accuracy": [0.7, 0.95], "val_loss": [0.8, 0.3],
        "val_accuracy": [0.8, 0.97],
    })
    return pd.concat([batches, epochs], ignore_index=True)


def traces_by_subplot(figure):
    return [(trace.name, trace.xaxis) for trace in figure.data]


def test_curves_figure_draws_batches_and_epochs_in_both_subplots():
    figure = figures.curves_figure(training_history())
    assert traces_by_subplot(figure) == [
        ("train (batches)", "x"), ("train", "x"), ("validation", "x"),
        ("train (batches)", "x2"), ("train", "x2"), ("validation", "x2"),
    ]
    batch_loss = figure.data[0]
    np.testing.assert_allclose(batch_loss.x, [0.5, 1.0, 1.5, 2.0])
    expected = pd.Series([2.0, 1.0, 0.5, 0.4]).ewm(alpha=BATCH_SMOOTHING).mean()
    np.testing.assert_allclose(batch_loss.y, expected)
    assert batch_loss.line.width == 1
    np.testing.assert_allclose(figure.data[5].y, [0.8, 0.97])  # validation accuracy
    assert figure.data[1].mode == "markers+lines"


def test_curves_figure_places_batches_by_epoch_progress_or_wall_time():
    history = training_history().assign(epoch_progress=[0.4, 0.9, 1.4, 1.9, None, None])
    np.testing.assert_allclose(figures.curves_figure(history).data[0].x, [0.4, 0.9, 1.4, 1.9])
    by_time = figures.curves_figure(training_history(), x="wall_s")
    np.testing.assert_allclose(by_time.data[1].x, [2.5, 4.5])
    assert by_time.layout.xaxis.title.text == "Seconds"


def test_curves_figure_adds_reference_lines_and_learning_rate_changes():
    figure = figures.curves_figure(
        training_history(), reference_lines={"LeNet-5": 0.9905, "best published": 0.9983},
        lr_changes=[(1.5, 0.01)])
    horizontal = [shape for shape in figure.layout.shapes if shape.y0 == shape.y1]
    assert sorted(shape.y0 for shape in horizontal) == [0.9905, 0.9983]
    assert {shape.line.dash for shape in horizontal} == {"dash"}
    assert {shape.yref for shape in horizontal} == {"y2"}  # the accuracy plot
    vertical = [shape for shape in figure.layout.shapes if shape.x0 == shape.x1]
    assert [shape.x0 for shape in vertical] == [1.5, 1.5]
    texts = [annotation.text for annotation in figure.layout.annotations]
    assert "LeNet-5 (99.05%)" in texts
    assert "lr → 0.01" in texts


def test_the_accuracy_axis_leaves_the_first_half_epoch_out_and_reaches_the_references():
    history = training_history().assign(epoch_progress=[0.4, 0.9, 1.4, 1.9, None, None])
    figure = figures.curves_figure(history, reference_lines={"LeNet-5": 0.9905, "best": 0.9983})
    batch_loss, batch_accuracy = figure.data[0], figure.data[3]
    np.testing.assert_allclose(batch_loss.x, [0.4, 0.9, 1.4, 1.9])  # the loss keeps every batch
    np.testing.assert_allclose(batch_accuracy.x, [0.9, 1.4, 1.9])  # accuracy from half an epoch
    expected = pd.Series([0.5, 0.7, 0.9, 0.95]).ewm(alpha=BATCH_SMOOTHING).mean()[1:]
    np.testing.assert_allclose(batch_accuracy.y, expected)  # the average still runs from the start
    assert list(figure.layout.yaxis2.autorangeoptions.include) == [0.9905, 0.9983]


def test_curves_figure_of_an_empty_history_has_titled_empty_axes():
    figure = figures.curves_figure(pd.DataFrame(), reference_lines={"LeNet-5": 0.9905})
    assert [len(trace.x) for trace in figure.data] == [0, 0]
    assert figure.layout.xaxis.title.text == "Epoch"
    assert (figure.layout.yaxis.title.text, figure.layout.yaxis2.title.text) == (
        "Loss", "Accuracy")
    assert len(figure.layout.shapes) == 1


def test_curves_figure_with_only_batch_rows_and_no_kind_column():
    only_batches = training_history().iloc[:4]
    assert [trace.name for trace in figures.curves_figure(only_batches).data] == [
        "train (batches)", "train (batches)"]
    no_kind = training_history().iloc[4:].drop(columns="kind")
    assert [trace.name for trace in figures.curves_figure(no_kind).data] == [
        "train", "validation", "train", "validation"]


def test_curves_figure_rejects_an_unknown_or_missing_x():
    with pytest.raises(ValueError, match="x must be one of"):
        figures.curves_figure(training_history(), x="time")
    with pytest.raises(ValueError, match="history has no 'wall_s' column"):
        figures.curves_figure(training_history().drop(columns="wall_s"), x="wall_s")


def test_overlay_curves_figure_has_one_line_per_run_with_the_metric():
    history = training_history()
    no_validation = history.drop(columns=["val_loss", "val_accuracy"])
    figure = figures.overlay_curves_figure({"a": history, "b": history, "c": no_validation})
    assert [trace.name for trace in figure.data] == ["a", "b"]
    np.testing.assert_allclose(figure.data[0].y, [0.8, 0.97])
    assert figure.layout.yaxis.title.text == "Validation accuracy"
    assert len(figures.overlay_curves_figure({}).data) == 0


def test_classic_curves_has_two_axes_with_train_and_validation_lines(tmp_path):
    figure = figures.classic_curves({"loss": [1.0, 0.5, 0.3], "accuracy": [0.7, 0.9, 0.95],
                                     "val_loss": [0.8, 0.4, 0.35], "val_accuracy": [0.8, 0.9, 0.93],
                                     "learning_rate": [0.01, 0.01, 0.001]})
    loss_axes, accuracy_axes = figure.axes
    assert [line.get_label() for line in loss_axes.lines] == ["train", "validation"]
    assert len(accuracy_axes.lines) == 2
    np.testing.assert_array_equal(accuracy_axes.lines[1].get_xdata(), [1, 2, 3])
    assert (loss_axes.get_title(), accuracy_axes.get_title()) == ("Loss", "Accuracy")
    figure.savefig(tmp_path / "curves.png", format="png")
    assert (tmp_path / "curves.png").read_bytes()[:8] == PNG_SIGNATURE


def test_classic_curves_without_validation_or_epochs():
    figure = figures.classic_curves({"loss": [1.0], "accuracy": [0.7]})
    assert [len(axes.lines) for axes in figure.axes] == [1, 1]
    empty = figures.classic_curves({})
    assert [len(axes.lines) for axes in empty.axes] == [0, 0]


def test_probability_bars_colour_the_predicted_and_true_bars():
    probabilities = np.full(10, 0.02)
    probabilities[7], probabilities[2] = 0.7, 0.14
    wrong = figures.probability_bars(probabilities, true_class=2)
    colours = list(wrong.data[0].marker.color)
    assert colours[7] == WRONG_COLOUR
    assert colours[2] == TRUE_COLOUR
    assert set(colours[:2] + colours[3:7] + colours[8:]) == {OTHER_COLOUR}
    assert wrong.layout.title.text == "predicted 7 (70%), true 2"
    right = figures.probability_bars(probabilities, true_class=7)
    assert right.data[0].marker.color[7] == TRUE_COLOUR
    assert figures.probability_bars(probabilities).data[0].marker.color[7] == (
        PREDICTED_COLOUR)
    with pytest.raises(ValueError, match=r"shape \(10,\), got \(9,\)"):
        figures.probability_bars(probabilities[:9])


def test_digit_image_scales_floats_and_keeps_uint8():
    image = np.zeros((28, 28, 1), dtype=np.float32)
    image[0, 0, 0], image[0, 1, 0], image[0, 2, 0] = 1.0, 0.5, 1.7
    pixels = figures.digit_image(image)
    assert pixels.shape == (28, 28)
    assert pixels.dtype == np.uint8
    assert pixels[0, :3].tolist() == [255, 128, 255]
    raw = np.full((28, 28), 7, dtype=np.uint8)
    np.testing.assert_array_equal(figures.digit_image(raw), raw)


def test_image_grid_figure_lays_out_digits_with_titles():
    images = [np.full((28, 28), index / 10) for index in range(10)]
    figure = figures.image_grid_figure(images, [f"#{index}" for index in range(10)], columns=4)
    [picture] = figure.data  # one picture: a grid of subplots took up to 0.8 s to build
    montage = np.asarray(picture.z)
    band, gap = round(28 * 0.3), 2
    assert montage.shape == (3 * (band + 28 + gap), 4 * (28 + gap), 3)
    # Digit 5 sits in row 2, column 2, under its caption's band.
    top, left = (band + 28 + gap) + band, 28 + gap
    assert (montage[top:top + 28, left:left + 28, 0] == 128).all()
    assert (montage[:band, :, 0] == 255).all()  # the caption bands and gaps are white
    notes = figure.layout.annotations
    assert [note.text for note in notes][:2] == ["#0", "#1"]
    assert (notes[5].x, notes[5].y) == (left + 13.5, top - 0.5)
    assert figure.layout.height == 110 * math.ceil(10 / 4) + 30
    with pytest.raises(ValueError, match="images must share one shape"):
        figures.image_grid_figure([np.zeros((5, 5)), np.zeros((28, 28))], ["a", "b"])
    assert len(figures.image_grid_figure([], []).data) == 0
    with pytest.raises(ValueError, match="got 2 images but 1 titles"):
        figures.image_grid_figure(images[:2], ["#0"])


def test_feature_map_figure_follows_the_layer_table():
    from mnist_lab.config import preset
    from mnist_lab.model import describe

    edges, *groups = figures.feature_map_figure(describe(preset("lenet5"))).data
    assert [group.name for group in groups] == ["input", "convolution", "pooling"]
    nodes = sorted((x, name, size, text) for group in groups for x, name, size, text in zip(
        group.x, group.customdata, group.marker.size, group.text, strict=True))
    assert [name for _, name, _, _ in nodes] == [
        "input", "block1_conv1", "block1_pool", "block2_conv1", "block2_pool"]
    assert [x for x, *_ in nodes] == [0, 1, 2, 3, 4] and {y for group in groups for y in group.y} == {0}
    assert [size for _, _, size, _ in nodes] == [8 + side for side in (28, 28, 14, 10, 5)]
    assert nodes[-1][3] == "5x5x16"
    assert [value for value in edges.x if value is not None] == [0, 1, 1, 2, 2, 3, 3, 4]


def test_example_tiles_put_each_digit_above_its_probabilities():
    from mnist_lab.figures.predictions import BAR_HEIGHT

    digits = [np.zeros((28, 28), dtype=np.uint8)] * 5
    digits[1] = np.full((28, 28), 200, dtype=np.uint8)
    probabilities = np.full((5, 10), 0.01)
    probabilities[:, 9] = 0.8
    probabilities[:, 4] = 0.11
    tiles = figures.example_tiles(digits, probabilities, true_class=4, width=56)

    assert len(tiles) == 5 and {tile.shape for tile in tiles} == {(2 * (30 + BAR_HEIGHT), 56, 3)}
    assert (tiles[1][:56, :, 0] == 200).all() and (tiles[0][:56] == 0).all()  # the digits, sharp
    bars = tiles[0][2 * 30:]  # under the digit and its white gap
    red, green = np.array([0xd6, 0x27, 0x28]), np.array([0x2c, 0xa0, 0x2c])
    red_rows = np.flatnonzero((bars == red).all(axis=2).any(axis=1))
    green_rows = np.flatnonzero((bars == green).all(axis=2).any(axis=1))
    assert len(red_rows) == 2 * round(0.8 * (BAR_HEIGHT - 1))  # the wrong answer's bar, tall
    assert len(green_rows) == 2 * round(0.11 * (BAR_HEIGHT - 1))  # the true digit's, short
    red_columns = np.flatnonzero((bars == red).all(axis=2).any(axis=0))
    assert red_columns.min() > 2 * 28 * 0.8  # bar 9 at the right, bar 4 left of the middle
    assert np.flatnonzero((bars == green).all(axis=2).any(axis=0)).max() < 28
    with pytest.raises(ValueError, match="got 5 images but 4 probability rows"):
        figures.example_tiles(digits, probabilities[:4])
    with pytest.raises(ValueError, match="width must be an integer of at least 28 pixels, got 20"):
        figures.example_tiles(digits, probabilities, width=20)


def test_digit_tiles_enlarge_each_pixel_into_a_block():
    digit = np.zeros((28, 28), dtype=np.float32)
    digit[3, 5] = 1.0
    [tile] = figures.digit_tiles([digit], width=84)
    assert tile.shape == (84, 84) and tile.dtype == np.uint8
    assert (tile[9:12, 15:18] == 255).all() and tile.sum() == 9 * 255
    # To a width that is no multiple of 28, blocks of 3 or 4 pixels: no blur, no lost pixel.
    [tile] = figures.digit_tiles([np.eye(28)], width=100)
    assert tile.shape == (100, 100) and set(np.unique(tile)) == {0, 255}
    assert np.array_equal(tile[np.arange(28) * 100 // 28 + 1, np.arange(28) * 100 // 28 + 1],
                          np.full(28, 255))


def test_png_round_trips_a_picture():
    from PIL import Image

    picture = np.random.default_rng(0).integers(0, 256, (30, 20, 3), dtype=np.uint8)
    data = figures.png(picture)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(data))), picture)


def test_diagram_draws_shortcuts_and_branches():
    from mnist_lab.config import preset
    from mnist_lab.model import describe

    nodes, edges = figures.network_layout(describe(preset("resnet-small")))
    place = {node.name: (node.column, node.lane) for node in nodes}
    # Identity shortcut: the stem's output goes straight into the first addition.
    assert ("block1_conv1", "block2_add") in edges and ("block2_conv2", "block2_add") in edges
    # Projection shortcut: its own node below the main line, beside the first convolution.
    assert place["block3_shortcut"] == (place["block3_conv1"][0], -1.0)
    assert {("block3_shortcut", "block3_add"), ("block2_pool", "block3_shortcut")} <= set(edges)
    lines = figures.feature_map_figure(describe(preset("resnet-small"))).data[0]
    segments, current = [], []
    for x, y in zip(lines.x, lines.y, strict=True):
        if x is None:
            segments.append(current)
            current = []
        else:
            current.append((x, y))
    # The identity shortcut jumps the block's convolutions, bending below the main line.
    assert [(1, 0.0), (1.5, -1.0), (3.5, -1.0), (4, 0.0)] in segments
    assert [(0, 0.0), (1, 0.0)] in segments  # input -> stem is straight
    merges = figures.feature_map_figure(describe(preset("resnet-small"))).data[-1]
    assert merges.name == "addition or concatenation"
    assert list(merges.customdata) == ["block2_add", "block3_add", "block4_add"]
    nodes, edges = figures.network_layout(describe(preset("inception-small")))
    place = {node.name: (node.column, node.lane) for node in nodes}
    branches = ["block2_1x1", "block2_3x3", "block2_5x5", "block2_branch_pool"]
    assert [place[name] for name in branches] == [(3, 1.5), (3, 0.5), (3, -0.5), (3, -1.5)]
    assert place["block2_concat"] == (5, 0.0)
    assert [start for start, end in edges if end == "block2_concat"] == [
        "block2_1x1", "block2_3x3", "block2_5x5", "block2_pool_proj"]


def test_saliency_lies_on_its_own_digit():
    """Each picture is its own digit, dimmed, with its own map's colour exactly over the pixels
    that pull: clear where the map is low, orange to yellow where it is high."""
    from mnist_lab.figures.why import saliency_colours

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (6, 28, 28), dtype=np.uint8)
    maps = np.zeros((6, 28, 28))
    for number in range(6):
        maps[number, number * 4, 27 - number * 4] = 1.0  # one strongest pixel, in a different place
    tiles = figures.saliency_tiles(images, maps, width=56)

    for number, tile in enumerate(tiles):
        assert tile.shape == (56, 56, 3)
        hot = (number * 4, 27 - number * 4)
        pixels = tile[::2, ::2].astype(int)
        clear = np.ones((28, 28), dtype=bool)
        clear[hot] = False
        assert np.array_equal(pixels[clear], np.stack([images[number] // 2] * 3, axis=-1)[clear])
        colour, opacity = saliency_colours(1.0)
        expected = np.round((images[number][hot] // 2) * (1 - opacity) + colour * opacity)
        assert np.array_equal(pixels[hot], expected) and pixels[hot][1] > 200  # yellow over the digit
    with pytest.raises(ValueError, match="got 6 images but 5 maps"):
        figures.saliency_tiles(images, maps[:5])


def test_the_saliency_scale_runs_from_clear_to_yellow():
    scale = figures.saliency_scale(width=100, height=12).astype(int)
    assert scale.shape == (12, 100, 3)
    assert (scale[0, 0] == 127).all()  # no pull: the dimmed stroke shows unchanged
    assert scale[0, -1, 1] > 200 and scale[0, -1, 2] < 20  # the strongest pull: yellow
    assert (scale[-1, [0, 25, 50, 74, 99]] == 255).all()  # ticks every 0.25


def test_a_run_stopped_before_half_an_epoch_still_draws_its_accuracy():
    """A run stopped at 0.36 epochs showed an empty accuracy chart: its batch accuracy all lay
    before the half epoch from which it is drawn, and the axes came from the reference lines."""
    stopped = pd.DataFrame({"kind": "batch", "epoch": 1, "step": [10, 20, 36],
                            "epoch_progress": [0.1, 0.2, 0.36], "wall_s": [1.0, 2.0, 3.6],
                            "loss": [2.2, 1.5, 0.9], "accuracy": [0.2, 0.5, 0.7]})
    figure = figures.curves_figure(stopped, reference_lines={"LeNet-5": 0.9905})
    accuracy = next(trace for trace in figure.data if trace.xaxis == "x2" and trace.name == "train (batches)")
    np.testing.assert_allclose(accuracy.x, [0.1, 0.2, 0.36])
    assert len(accuracy.y) == 3 and min(accuracy.y) < 0.5


def test_the_reference_lines_labels_stand_right_of_the_plot_not_over_the_curves():
    figure = figures.curves_figure(training_history(), reference_lines={"LeNet-5": 0.9905,
                                                                       "best single model": 0.9983})
    labels = [note for note in figure.layout.annotations if "99." in note.text]
    assert [note.text for note in labels] == ["LeNet-5 (99.05%)", "best single model (99.83%)"]
    # At the right end of the accuracy plot's domain, anchored by their left edge: outside it.
    assert all((note.x, note.xanchor, note.xref) == (1, "left", "x2 domain") for note in labels)
    assert figure.layout.margin.r >= 100
