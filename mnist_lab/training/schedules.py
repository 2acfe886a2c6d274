"""Learning-rate schedules as a factor of the base rate, by training progress in [0, 1]."""

from __future__ import annotations

import math

from mnist_lab.config import SCHEDULES

WARMUP_SHARE = 0.3  # one-cycle: the share of training spent rising to the peak


def learning_rate_factor(schedule: str, progress: float) -> float:
    """The multiplier of the base learning rate at `progress` (0 = first step, 1 = the end).

    - constant: 1.
    - step: 1, then 0.1 from half-way, then 0.01 from three quarters.
    - cosine: from 1 down to 0 along half a cosine.
    - one-cycle: linear from 0.1 up to 1 over the first 30%, then cosine down to 0.001.
    """
    progress = min(max(progress, 0.0), 1.0)
    if schedule == "constant":
        return 1.0
    if schedule == "step":
        return 1.0 if progress < 0.5 else 0.1 if progress < 0.75 else 0.01
    if schedule == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * progress))
    if schedule == "one-cycle":
        if progress < WARMUP_SHARE:
            return 0.1 + 0.9 * progress / WARMUP_SHARE
        down = (progress - WARMUP_SHARE) / (1.0 - WARMUP_SHARE)
        return 0.001 + (1.0 - 0.001) * 0.5 * (1.0 + math.cos(math.pi * down))
    raise ValueError(f"unknown schedule '{schedule}'; use one of {SCHEDULES}")
