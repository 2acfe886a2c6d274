"""The tutorial's experiments as built-in studies, each on LeNet-5 with 3 seeds.

- filter-size: kernels of 3, 5 and 7;
- filter-count: LeNet-5's 6/16 filters halved, kept, doubled and quadrupled;
- pooling: max against average pooling;
- pooling-vs-stride: max pooling against a 3x3 stride-2 convolution, the twofold reduction
  of each feature map without pooling.

Each has a full form (the whole training set, the preset's 10 epochs) and a quick form
(`<name>-quick`: 300 images per class and 4 epochs, minutes on 2 cores).

One more is not a comparison: `training-label-errors` trains LeNet-5 on 5 folds of the
training set, each run holding one fold out, so every training image gets an out-of-sample
probability; the Errors page of any of its runs lists the likely training-set label errors.
"""

from __future__ import annotations

from mnist_lab.config import FILTERS_SCALE, ConfigError, preset
from mnist_lab.sweeps.space import Dimension
from mnist_lab.sweeps.study import Budget, StudySpec

QUICK_SUFFIX = "-quick"
QUICK_BUDGET = {"subset": 300, "epochs": 4}
REPEATS = 3
FOLDS = 5
CROSS_VALIDATION = "training-label-errors"
SPACES = {
    "filter-size": [Dimension("blocks.kernel_size", (3, 5, 7))],
    "filter-count": [Dimension(FILTERS_SCALE, (0.5, 1.0, 2.0, 4.0))],
    "pooling": [Dimension("blocks.downsample", ("max", "avg"))],
    "pooling-vs-stride": [Dimension("blocks.downsample", ("max", "strided"))],
    CROSS_VALIDATION: [Dimension("fold", tuple(range(1, FOLDS + 1)))],
}
DESCRIPTIONS = {
    "filter-size": "Filter size: kernels of 3, 5 and 7 in both convolutions",
    "filter-count": "Filter count: LeNet-5's 6/16 filters halved, kept, doubled, quadrupled",
    "pooling": "Pooling: max against average",
    "pooling-vs-stride": "Max pooling against a 3x3 stride-2 convolution (no pooling)",
    CROSS_VALIDATION: f"{FOLDS}-fold cross-validation: likely label errors in the training set",
}


def builtin_names() -> list[str]:
    return [name + suffix for name in SPACES for suffix in ("", QUICK_SUFFIX)]


def builtin_study(name: str) -> StudySpec:
    """The built-in study called `name` (`pooling` or `pooling-quick`, ...); pruning is off."""
    stem = name.removesuffix(QUICK_SUFFIX)
    if stem not in SPACES:
        raise ConfigError(f"unknown built-in study '{name}'; choose one of: {', '.join(builtin_names())}")
    budget = Budget(**QUICK_BUDGET, max_trials=100) if name.endswith(QUICK_SUFFIX) else Budget()
    if stem == CROSS_VALIDATION:  # one run per fold: no seeds to repeat, no winner to confirm
        return StudySpec(name=name, base=preset("lenet5").replace(folds=FOLDS), repeats=1,
                         dimensions=list(SPACES[stem]), budget=budget, confirm=False)
    return StudySpec(name=name, base=preset("lenet5"), dimensions=list(SPACES[stem]),
                     repeats=REPEATS, budget=budget)


def is_cross_validation(spec: StudySpec) -> bool:
    """A study whose only field is the fold: its arms are folds, not rivals."""
    return [dimension.field for dimension in spec.dimensions] == ["fold"]
