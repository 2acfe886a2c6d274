"""Turn a user's upload or canvas drawing into a digit the model can read.

A network trained on MNIST only reads digits prepared the way MNIST was: white ink on
black, fitted into a 20x20 box and placed in a 28x28 field with its centre of mass at
the centre (LeCun et al.). `to_mnist` repeats those steps; `decode_upload` gets there
from the bytes of an uploaded file, with errors a page can show as they are.
"""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MNIST_SIZE = 28
DIGIT_BOX = 20
# MNIST digits' mean centre of mass, in pixel-index coordinates (row, column).
MNIST_CENTRE = 14.0
# Ink fainter than this, on a 0..1 scale above the background, counts as empty paper.
INK_THRESHOLD = 0.1
# Modes holding 16-bit samples, which PIL's convert("L") would clip instead of scale.
SIXTEEN_BIT_MODES = ("I", "I;16", "I;16B", "I;16L", "I;16N")
# ITU-R 601 luma weights, the same as PIL's convert("L").
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)


# The formats a digit's picture is usually saved in, all read by Pillow (which reads more).
FORMATS = "PNG, JPEG, GIF, BMP, TIFF or WebP"
# What PIL raises for a damaged file while opening or decoding it: OSError for a cut-off file
# (also a header cut short, found by fuzzing), SyntaxError for a corrupt chunk, ValueError for
# a damaged PPM header or too little pixel data (found by fuzzing).
DAMAGED = (OSError, SyntaxError, ValueError)


class ImageError(ValueError):
    """The image cannot be turned into a digit; the message says why, for the user."""


def decode_upload(data, *, max_bytes=5_000_000, max_pixels=16_000_000):
    """Read an uploaded file into a grayscale array, refusing what would hurt the server.

    The pixel limit is checked from the header before any pixels are decoded, so a
    small file that claims huge dimensions is refused cheaply; PIL's global
    `Image.MAX_IMAGE_PIXELS` is left as it is.

    Parameters
    ----------
    data : bytes
        The file's contents.
    max_bytes : int, default=5_000_000
        Largest accepted file size.
    max_pixels : int, default=16_000_000
        Largest accepted width x height.

    Returns
    -------
    image : ndarray of float32, shape (height, width)
        Grayscale in [0, 1]; transparent areas are composited on white, as a viewer
        shows them. The first frame of an animation; EXIF rotation applied.

    Raises
    ------
    ImageError
        Empty or oversized data, not an image, truncated, or too many pixels.
    """
    if not data:
        raise ImageError("the file is empty")
    if len(data) > max_bytes:
        raise ImageError(f"the file is {len(data):,} bytes; the limit is {max_bytes:,} bytes")
    try:
        image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise ImageError(
            f"the file is not an image in a format that works here; upload a {FORMATS} file"
        ) from None
    except Image.DecompressionBombError as error:
        raise ImageError(f"the image is far too large: {error}") from None
    except DAMAGED as error:  # a header cut short ("Truncated File Read") or damaged
        raise ImageError(f"the image is truncated or damaged ({error})") from None
    width, height = image.size
    if width * height > max_pixels:
        raise ImageError(
            f"the image is {width} x {height} pixels ({width * height:,}); the limit is "
            f"{max_pixels:,} pixels, so scale it down first"
        )
    try:
        image.load()
    except DAMAGED as error:
        raise ImageError(f"the image is truncated or damaged ({error})") from None
    return _to_grayscale(ImageOps.exif_transpose(image))


def _to_grayscale(image):
    if image.mode in SIXTEEN_BIT_MODES:
        return np.clip(np.asarray(image, dtype=np.float32) / 65535, 0.0, 1.0)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image.convert("RGBA"))
    try:
        gray = image.convert("L")
    except ValueError:
        raise ImageError(
            f"images in PIL mode {image.mode} are not supported; save it as PNG or JPEG"
        ) from None
    return np.asarray(gray, dtype=np.float32) / 255


def to_mnist(image):
    """Prepare a drawing or photo of one digit the way MNIST digits were prepared.

    Steps: (1) grayscale in [0, 1]; (2) invert if the border is mostly light, so the
    ink is white on black; (3) subtract the background level and stretch the ink to
    reach 1, as MNIST strokes do; (4) crop to the bounding box of the ink; (5) scale
    (Lanczos) so the longer side is 20 pixels, keeping the aspect ratio; (6) paste
    into 28x28 with the centre of mass at (14, 14), where MNIST's sits, moving the
    digit only as far as it stays whole.

    Parameters
    ----------
    image : ndarray
        One of: (H, W) grayscale, uint8 or float in [0, 1]; (H, W, 3) RGB with values
        0..255; (H, W, 4) RGBA with values 0..255, e.g. a drawing canvas. When the
        alpha channel has any transparency, alpha alone is the ink: a transparent
        background is empty whatever the stroke colour.

    Returns
    -------
    digit : ndarray of float32, shape (28, 28)
        White digit on black in [0, 1].

    Raises
    ------
    ImageError
        An array of an unsupported shape or range, or no ink at all.
    """
    gray = _canvas_grayscale(np.asarray(image))
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.median(border) > 0.5:
        gray, border = 1 - gray, 1 - border
    ink = gray - np.median(border)
    if ink.max() < INK_THRESHOLD:
        raise ImageError("the image is empty: draw or upload a digit")
    ink = np.clip(ink / ink.max(), 0.0, 1.0)
    return _centre_in_field(_fit_in_box(_crop_to_ink(ink)))


def _canvas_grayscale(array):
    if array.ndim == 3 and array.shape[-1] in (3, 4):
        if array.size and not (array.min() >= 0 and array.max() <= 255):  # NaN fails too
            raise ImageError(f"colour images must hold values 0..255, got "
                             f"{array.min()}..{array.max()}")
        channels = array.astype(np.float32) / 255
        if array.shape[-1] == 4 and channels[..., 3].min() < 1.0:
            return channels[..., 3]
        return channels[..., :3] @ LUMA_WEIGHTS
    if array.ndim != 2:
        raise ImageError(f"expected an (H, W) grayscale, (H, W, 3) RGB or (H, W, 4) RGBA "
                         f"array, got shape {array.shape}")
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255
    if not np.issubdtype(array.dtype, np.floating):
        raise ImageError(f"grayscale images must be uint8 or float, got dtype {array.dtype}")
    if array.size and not (array.min() >= 0.0 and array.max() <= 1.0):
        raise ImageError(f"float grayscale images must lie in [0, 1], got "
                         f"{array.min():g}..{array.max():g}")
    return array.astype(np.float32)


def _crop_to_ink(ink):
    rows = np.flatnonzero(ink.max(axis=1) >= INK_THRESHOLD)
    columns = np.flatnonzero(ink.max(axis=0) >= INK_THRESHOLD)
    return ink[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1]


def _fit_in_box(ink):
    height, width = ink.shape
    scale = DIGIT_BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resized = Image.fromarray(ink.astype(np.float32)).resize(size, Image.Resampling.LANCZOS)
    # Lanczos overshoots a little around sharp strokes.
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


def _centre_in_field(digit):
    height, width = digit.shape
    total = digit.sum()
    centre_row = digit.sum(axis=1) @ np.arange(height) / total
    centre_column = digit.sum(axis=0) @ np.arange(width) / total
    # Whole-pixel shifts keep strokes sharp; halves round down, towards the field's middle.
    top = min(max(math.ceil(MNIST_CENTRE - centre_row - 0.5), 0), MNIST_SIZE - height)
    left = min(max(math.ceil(MNIST_CENTRE - centre_column - 0.5), 0), MNIST_SIZE - width)
    field = np.zeros((MNIST_SIZE, MNIST_SIZE), dtype=np.float32)
    field[top:top + height, left:left + width] = digit
    return field
