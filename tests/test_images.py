"""Known-answer tests for mnist_lab.analysis.drawn_digits: uploads and drawings to MNIST-style digits."""

import io

import numpy as np
import pytest
from PIL import Image

from mnist_lab.analysis.drawn_digits import ImageError, decode_upload, to_mnist


def centre_of_mass(image):
    total = image.sum()
    indices = np.arange(image.shape[0])
    return image.sum(axis=1) @ indices / total, image.sum(axis=0) @ indices / total


def encode(image, image_format="PNG"):
    buffer = io.BytesIO()
    image.save(buffer, format=image_format)
    return buffer.getvalue()


def test_an_off_centre_square_ends_up_centred_and_fitted_to_20_pixels():
    drawing = np.zeros((100, 100), dtype=np.uint8)
    drawing[5:25, 70:90] = 255
    digit = to_mnist(drawing)
    assert digit.shape == (28, 28)
    assert digit.dtype == np.float32
    row, column = centre_of_mass(digit)
    assert 13.0 <= row <= 14.5
    assert 13.0 <= column <= 14.5
    inked_rows = np.flatnonzero(digit.max(axis=1) > 0.5)
    assert inked_rows[-1] - inked_rows[0] + 1 == 20


def test_an_mnist_digit_survives_the_round_trip():
    # A plus sign already prepared like MNIST: 20 pixels wide, centre of mass at (13.5, 13.5).
    prepared = np.zeros((28, 28), dtype=np.float32)
    prepared[4:24, 12:16] = 1.0
    prepared[12:16, 4:24] = 1.0
    photo = np.ones((90, 120), dtype=np.float32)
    photo[10:38, 70:98] = 1.0 - prepared
    np.testing.assert_allclose(to_mnist(photo), prepared, atol=0.01)


def test_black_ink_on_white_paper_is_inverted():
    paper = np.full((60, 60), 255, dtype=np.uint8)
    paper[20:40, 25:35] = 0
    digit = to_mnist(paper)
    assert digit[0, 0] == 0.0
    assert digit[14, 14] == pytest.approx(1.0)


def test_grey_paper_is_subtracted_so_the_ink_reaches_one():
    paper = np.full((40, 40), 0.8, dtype=np.float32)
    paper[10:30, 15:25] = 0.3
    digit = to_mnist(paper)
    assert digit.max() == pytest.approx(1.0)
    assert digit[0, 0] == 0.0


def test_an_rgba_canvas_stroke_is_read_from_alpha_whatever_its_colour():
    canvas = np.zeros((280, 280, 4), dtype=np.uint8)  # transparent background
    canvas[40:240, 130:150] = (0, 0, 0, 255)  # a black vertical stroke: a "1"
    digit = to_mnist(canvas)
    assert digit[4:24, 13:15].min() > 0.9
    assert digit[:, :10].max() == 0.0
    white_stroke = canvas.copy()
    white_stroke[40:240, 130:150] = (255, 255, 255, 255)
    np.testing.assert_array_equal(to_mnist(white_stroke), digit)


def test_an_opaque_rgb_drawing_uses_luminance():
    drawing = np.zeros((50, 50, 3), dtype=np.uint8)
    drawing[10:40, 20:30] = (255, 255, 255)
    assert to_mnist(drawing)[14, 14] == pytest.approx(1.0)


@pytest.mark.parametrize(
    "canvas",
    [np.zeros((280, 280, 4), dtype=np.uint8), np.full((50, 50), 255, dtype=np.uint8),
     np.full((50, 50), 0.5, dtype=np.float32)],
    ids=["transparent canvas", "white paper", "uniform grey"],
)
def test_an_empty_image_is_refused(canvas):
    with pytest.raises(ImageError, match="the image is empty: draw or upload a digit"):
        to_mnist(canvas)


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.zeros((5, 5, 2), dtype=np.uint8), r"got shape \(5, 5, 2\)"),
        (np.full((5, 5), 2.0), r"must lie in \[0, 1\], got 2..2"),
        (np.zeros((5, 5), dtype=np.int64), "got dtype int64"),
    ],
)
def test_to_mnist_rejects_arrays_it_cannot_read(array, message):
    with pytest.raises(ImageError, match=message):
        to_mnist(array)


def digit_picture(mode):
    """A 40x30 picture in `mode`: a dark vertical bar on light paper."""
    gray = np.full((40, 30), 230, dtype=np.uint8)
    gray[8:32, 12:18] = 20
    base = Image.fromarray(gray)
    if mode == "I;16":
        return Image.fromarray(gray.astype(np.uint16) * 257)
    if mode == "RGBA":
        picture = base.convert("RGBA")
        picture.putalpha(Image.fromarray(np.where(gray < 128, 255, 0).astype(np.uint8)))
        return picture
    if mode == "LA":
        return Image.merge("LA", (base, Image.new("L", base.size, 255)))
    return base.convert(mode)


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "P", "LA", "I;16", "CMYK", "1"])
def test_every_common_mode_decodes_to_grayscale(mode):
    picture = digit_picture(mode)
    assert picture.mode == mode
    image = decode_upload(encode(picture, "JPEG" if mode == "CMYK" else "PNG"))
    assert image.shape == (40, 30)
    assert image.dtype == np.float32
    assert image[0, 0] > 0.85  # paper (transparent paper composited on white)
    assert image[20, 15] < 0.15  # ink
    assert to_mnist(image)[14, 14] > 0.9


def test_a_transparent_palette_image_is_composited_on_white():
    picture = digit_picture("P")
    picture.info["transparency"] = picture.getpixel((0, 0))
    image = decode_upload(encode(picture))
    assert image[0, 0] == pytest.approx(1.0)


def test_empty_and_oversized_files_are_refused():
    with pytest.raises(ImageError, match="the file is empty"):
        decode_upload(b"")
    with pytest.raises(ImageError, match="the file is 11 bytes; the limit is 10 bytes"):
        decode_upload(b"0123456789A", max_bytes=10)


def test_bytes_that_are_not_an_image_are_refused():
    message = (r"the file is not an image in a format that works here; upload a PNG, JPEG, GIF, "
               r"BMP, TIFF or WebP file")
    with pytest.raises(ImageError, match=message):
        decode_upload(b"these are the digits one, two, three")


def test_a_truncated_png_is_refused():
    noise = np.random.default_rng(0).integers(0, 256, (100, 100), dtype=np.uint8)
    data = encode(Image.fromarray(noise))
    with pytest.raises(ImageError, match="the image is truncated or damaged"):
        decode_upload(data[: len(data) // 2])


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_10000_by_10000_image_is_refused_from_its_header():
    # A blank 1-bit PNG compresses to a few kilobytes whatever its dimensions.
    data = encode(Image.new("1", (10_000, 10_000)))
    assert len(data) < 50_000
    message = r"the image is 10000 x 10000 pixels \(100,000,000\); the limit is 16,000,000"
    with pytest.raises(ImageError, match=message):
        decode_upload(data)


def test_the_pixel_limit_can_be_lowered():
    data = encode(Image.new("L", (30, 20)))
    global_limit = Image.MAX_IMAGE_PIXELS
    assert decode_upload(data, max_pixels=600).shape == (20, 30)
    with pytest.raises(ImageError, match=r"30 x 20 pixels \(600\); the limit is 599"):
        decode_upload(data, max_pixels=599)
    assert Image.MAX_IMAGE_PIXELS == global_limit
