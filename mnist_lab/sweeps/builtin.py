"""The tutorial's experiments as built-in studies, each on LeNet-5 with 3 seeds.

- filter-size: kernels of 3, 5 and 7;
- filter-count: LeNet-5's 6/16 filters halved, kept, doubled and quadrupled;
- pooling: max against average pooling;
- pooling-vs-stride: max pooling against a 3x3 stride-2 convolution, the twofold reduction
  of each feature map without pooling.

Each has a full form (the whole training set, the preset's 10 epochs) and a quick form
(`<name>-quick`: 300 images per class and 4 epochs, minutes on 2 cores).
"""

from __future__ import annotations

from mnist_lab.config import ConfigError, preset
from mnist_lab.sweeps.space import FILTERS_SCALE, Dimension
from mnist_lab.sweeps.study import Budget, StudySpec

QUICK_SUFFIX = "-quick"
QUICK_BUDGET = {"subset": 300, "epochs": 4}
REPEATS = 3
SPACES = {
    "filter-size": [Dimension("blocks.kernel_size", (3, 5, 7))],
    "filter-count": [Dimension(FILTERS_SCALE, (0.5, 1.0, 2.0, 4.0))],
    "pooling": [Dimension("blocks.downsample", ("max", "avg"))],
    "pooling-vs-stride": [Dimension("blocks.downsample", ("max", "strided"))],
}
DESCRIPTIONS = {
    "filter-size": "Filter size: kernels of 3, 5 and 7 in both convolutions",
    "filter-count": "Filter count: LeNet-5's 6/16 filters halved, kept, doubled, quadrupled",
    "pooling": "Pooling: max against average",
    "pooling-vs-stride": "Max pooling against a 3x3 stride-2 convolution (no pooling)",
}


def builtin_names() -> list[str]:
    return [name + suffix for name in SPACES for suffix in ("", QUICK_SUFFIX)]


def builtin_study(name: str) -> StudySpec:
    """The built-in study called `name` (`pooling` or `pooling-quick`, ...); pruning is off."""
    stem = name.removesuffix(QUICK_SUFFIX)
    if stem not in SPACES:
        raise ConfigError(f"unknown built-in study '{name}'; choose one of: {', '.join(builtin_names())}")
    budget = Budget(**QUICK_BUDGET, max_trials=100) if name.endswith(QUICK_SUFFIX) else Budget()
    return StudySpec(name=name, base=preset("lenet5"), dimensions=list(SPACES[stem]),
                     repeats=REPEATS, budget=budget)
