"""Fuzzing uploaded images and drawings (hypothesis): whatever bytes an upload holds and
whatever a canvas sends, the Inspector gets an MNIST-style digit (28x28, float32 in [0, 1])
or an `ImageError` to show, never another exception."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from mnist_lab.analysis.drawn_digits import ImageError, decode_upload, to_mnist
from tests.fuzzing import FUZZ

FORMATS = ["PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP", "ICO", "PPM"]
MODES = ["L", "RGB", "RGBA", "LA", "P", "1", "I", "I;16", "F", "CMYK"]


@st.composite
def image_files(draw) -> bytes:
    """A small image of some mode saved in some format, then perhaps cut short or with bytes
    overwritten, as a bad download or a hostile file would be."""
    height, width = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    pixels = draw(hnp.arrays(np.uint8, (height, width, 4)))
    image = Image.fromarray(pixels, "RGBA").convert(draw(st.sampled_from(MODES)))
    buffer = io.BytesIO()
    try:
        image.save(buffer, format=draw(st.sampled_from(FORMATS)))
    except (OSError, ValueError, KeyError):  # this format cannot hold this mode
        image.convert("RGB").save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    damage = draw(st.sampled_from(["none", "cut", "overwrite"]))
    if damage == "cut":
        data = data[:draw(st.integers(0, len(data)))]
    elif damage == "overwrite" and data:
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


def check_digit(digit) -> None:
    assert digit.shape == (28, 28) and digit.dtype == np.float32
    assert np.all(np.isfinite(digit)) and digit.min() >= 0.0 and digit.max() <= 1.0


def upload_to_digit(data: bytes) -> None:
    """What the Inspector does with an upload: decode it, then prepare it like MNIST."""
    try:
        digit = to_mnist(decode_upload(data))
    except ImageError as error:
        event("refused")
        assert str(error) and "\n" not in str(error)
        return
    event("read")
    check_digit(digit)


@FUZZ
@given(image_files())
def test_any_image_file_becomes_a_digit_or_a_message(data):
    upload_to_digit(data)


@FUZZ
@given(st.binary(max_size=512))
def test_any_bytes_become_a_digit_or_a_message(data):
    upload_to_digit(data)


canvas_shapes = st.tuples(st.integers(1, 60), st.integers(1, 60)).flatmap(
    lambda size: st.sampled_from([size, (*size, 3), (*size, 4), (*size, 2), (size[0],)]))


@FUZZ
@given(hnp.arrays(st.sampled_from([np.uint8, np.float32, np.float64, np.int64, np.bool_]), canvas_shapes))
def test_any_canvas_array_becomes_a_digit_or_a_message(array):
    try:
        digit = to_mnist(array)
    except ImageError as error:
        event("refused")
        assert str(error) and "\n" not in str(error)
        return
    event("read")
    check_digit(digit)


@pytest.mark.parametrize(("data", "message"), [
    # Found by the fuzzing above: Image.open raised OSError ("Truncated File Read") for a PNG
    # header cut short, and ValueError for a damaged PPM header.
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "the image is truncated or damaged (Truncated File Read)"),
    (b"P5\n1 1\n\x0055\n\x00", "the image is truncated or damaged (invalid literal for int()"),
    # ... and the decoder ValueError for too little pixel data.
    (b"P5\n1 1\n2", "the image is truncated or damaged ("),
])
def test_what_fuzzing_found_damaged_files_get_a_message(data, message):
    with pytest.raises(ImageError, match="^" + re.escape(message)):
        decode_upload(data)


def test_what_fuzzing_found_a_canvas_of_nan_is_refused():
    # Found by the fuzzing above: NaN passed the colour range check and ended in an IndexError.
    with pytest.raises(ImageError, match="colour images must hold values 0..255, got nan..nan"):
        to_mnist(np.full((2, 2, 3), np.nan, dtype=np.float32))
