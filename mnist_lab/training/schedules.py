"""Learning-rate schedules as a factor of the base rate, by training progress in [0, 1].

One formula serves the optimizer inside the compiled training step (with `keras.ops`, see
`training.learning_rate`) and the readers of a run's history (with NumPy, the default):
`xp` is the array namespace it computes with.
"""

from __future__ import annotations

import math

from mnist_lab.config import SCHEDULES

WARMUP_SHARE = 0.3  # one-cycle: the share of training spent rising to the peak


def learning_rate_factor(schedule: str, progress, xp=None):
    """The multiplier of the base learning rate at `progress` (0 = first step, 1 = the end).

    - constant: 1.
    - step: 1, then 0.1 from half-way, then 0.01 from three quarters.
    - cosine: from 1 down to 0 along half a cosine.
    - one-cycle: linear from 0.1 up to 1 over the first 30%, then cosine down to 0.001.
    """
    if xp is None:
        import numpy as xp
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule '{schedule}'; use one of {SCHEDULES}")
    progress = xp.clip(progress, 0.0, 1.0)
    if schedule == "constant":
        return xp.ones_like(progress)
    if schedule == "step":
        return xp.where(progress < 0.5, 1.0, xp.where(progress < 0.75, 0.1, 0.01))
    if schedule == "cosine":
        return 0.5 * (1.0 + xp.cos(math.pi * progress))
    down = (progress - WARMUP_SHARE) / (1.0 - WARMUP_SHARE)
    return xp.where(progress < WARMUP_SHARE, 0.1 + 0.9 * progress / WARMUP_SHARE,
                    0.001 + (1.0 - 0.001) * 0.5 * (1.0 + xp.cos(math.pi * down)))
