"""Figures, drawing only: predictions (the confusion matrix's cells, probabilities, digits
as charts or as pictures for `st.image`, saliency over them), training (live and overlaid
curves, the classic Matplotlib figure), the network (its feature maps, branches and
shortcuts), comparisons and studies; `text` keeps people's text (run names) plain inside a
figure. The numbers come from `analysis` and `compare`; nothing here imports Streamlit."""

from mnist_lab.figures.compare import confusion_difference_cells, per_class_accuracy_figure
from mnist_lab.figures.network import feature_map_figure, network_layout
from mnist_lab.figures.predictions import (
    confusion_cells,
    digit_image,
    digit_tiles,
    example_tiles,
    image_grid_figure,
    png,
    probability_bars,
)
from mnist_lab.figures.studies import (
    field_effect_figure,
    importance_figure,
    parallel_figure,
    pareto_figure,
    pareto_front,
)
from mnist_lab.figures.training import (
    CURVES,
    Curve,
    classic_curves,
    curve_points,
    curves_figure,
    overlay_curves_figure,
)
from mnist_lab.figures.why import saliency_scale, saliency_tiles

__all__ = [
    "CURVES", "Curve", "classic_curves", "confusion_cells", "confusion_difference_cells",
    "curve_points", "curves_figure", "digit_image", "digit_tiles", "example_tiles", "feature_map_figure",
    "field_effect_figure", "image_grid_figure", "importance_figure", "network_layout",
    "overlay_curves_figure", "parallel_figure", "pareto_figure", "pareto_front",
    "per_class_accuracy_figure", "png", "probability_bars", "saliency_scale", "saliency_tiles",
]
