"""Why a pair is confused, drawn: saliency laid over each digit, with a colour scale to read it.

Drawing only; the maps come from `mnist_lab.analysis.inspection.saliency` and the words from
`mnist_lab.analysis.why`. The results are pictures for `st.image`: a Plotly image with a heatmap
over it was the slowest chart a cell click on Errors made the browser draw.
"""

from __future__ import annotations

import numpy as np

from mnist_lab.figures.predictions import digit_image, enlarged

# Clear where a pixel does not matter, then orange to yellow: the digit shows through.
# Each stop: (saliency, red, green, blue, opacity).
SALIENCY_STOPS = np.array([[0.0, 255, 60, 0, 0.0], [0.15, 255, 60, 0, 0.0],
                           [0.4, 255, 90, 0, 0.55], [1.0, 255, 235, 0, 0.95]])


def saliency_colours(values):
    """Saliency in [0, 1] as (rgb, opacity) on `SALIENCY_STOPS`: shapes (..., 3) and (...)."""
    values = np.clip(np.asarray(values, dtype=np.float64), 0.0, 1.0)
    rgb = np.stack([np.interp(values, SALIENCY_STOPS[:, 0], SALIENCY_STOPS[:, channel])
                    for channel in (1, 2, 3)], axis=-1)
    return rgb, np.interp(values, SALIENCY_STOPS[:, 0], SALIENCY_STOPS[:, 4])


def _laid_over(grey, values):
    """Saliency `values` in their colours over `grey` pixels (..., 3), as uint8."""
    colour, opacity = saliency_colours(values)
    return np.round(grey * (1 - opacity[..., None]) + colour * opacity[..., None]).astype(np.uint8)


def saliency_tiles(images, maps, *, width=168):
    """Each digit dimmed in grey with its saliency laid over it, large enough to see which
    stroke matters.

    Parameters
    ----------
    images : sequence of ndarray, each (28, 28)
        The digits, uint8 or float in [0, 1].
    maps : ndarray, shape (n, 28, 28)
        Saliency in [0, 1] (1: the pixel that changes the score most).
    width : int, default=168
        Screen pixels (see `enlarged`).

    Returns
    -------
    tiles : list of ndarray of uint8, each (width, width, 3)
        The digit at half brightness, blended with the colour of its saliency.
    """
    maps = np.asarray(maps, dtype=np.float64)
    if len(images) != len(maps):
        raise ValueError(f"got {len(images)} images but {len(maps)} maps")
    tiles = []
    for image, pull in zip(images, maps, strict=True):
        grey = np.stack([digit_image(image) // 2] * 3, axis=-1).astype(np.float64)
        tiles.append(enlarged(_laid_over(grey, pull), width))
    return tiles


def saliency_scale(*, width=168, height=14):
    """The colour scale of `saliency_tiles` over a dimmed stroke's grey, as a picture: saliency 0
    at the left edge to 1 at the right, with a tick every 0.25."""
    row = _laid_over(np.full((width, 3), 127.0), np.linspace(0.0, 1.0, width))
    picture = np.repeat(row[None], height, axis=0)
    for tick in np.linspace(0, width - 1, 5).round().astype(int):
        picture[-height // 3:, tick] = 255
    return picture
