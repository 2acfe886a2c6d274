"""Which trials a study still needs: the slots (point, seed, phase) that no trial fills yet.

Grid points run in the random order Optuna's GridSampler gives, one seed round at a time, so
every factor shows results early. Random and TPE points are asked one arm at a time, from the
arms scored so far. A slot whose trial failed is tried again, up to `MAX_ATTEMPTS` in all.
With three or more arms, the two best are re-run on fresh seeds once the plan is done.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from mnist_lab.sweeps import search
from mnist_lab.sweeps.results import arms
from mnist_lab.sweeps.study import (
    CONFIRM,
    MAIN,
    StudySpec,
    Trial,
    TrialState,
    latest_by_key,
    point_key,
)

MAX_ATTEMPTS = 3
Slot = tuple[dict[str, Any], int, str]


def next_slots(spec: StudySpec, found: list[Trial], count: int) -> list[Slot]:
    """Up to `count` slots to queue now, in the order they should train."""
    if count <= 0:
        return []
    attempts = Counter(trial.key for trial in found)
    latest = latest_by_key(found)

    def wanted(slot: Slot) -> bool:
        key = (point_key(slot[0]), slot[1], slot[2])
        trial = latest.get(key)
        return trial is None or (trial.state is TrialState.FAILED and attempts[key] < MAX_ATTEMPTS)

    planned = [slot for slot in main_slots(spec, found) if wanted(slot)]
    if not planned:
        planned = [slot for slot in confirm_slots(spec, found) if wanted(slot)]
    return planned[:count]


def main_slots(spec: StudySpec, found: list[Trial]) -> list[Slot]:
    """Every slot of the planned search, within the trial limit."""
    seeds = spec.seeds(MAIN)
    if spec.sampler == "grid":
        order = search.grid_order(spec.dimensions, spec.seed)
        slots = [(point, seed, MAIN) for seed in seeds for point in order]
        return slots[:spec.budget.max_trials]
    points = list({point_key(trial.point): trial.point for trial in found
                   if trial.phase == MAIN}.values())
    if len(points) * len(seeds) < spec.budget.max_trials:
        scored = [(arm.point, arm.mean_of("final_val_accuracy") or arm.interval()[0])
                  for arm in arms(spec, found)]
        new = search.propose(spec.dimensions, spec.sampler, spec.seed, scored,
                             {point_key(point) for point in points})
        points += [new] if new is not None else []
    slots = [(point, seed, MAIN) for point in points for seed in seeds]
    return slots[:spec.budget.max_trials]


def confirm_slots(spec: StudySpec, found: list[Trial]) -> list[Slot]:
    """Fresh seeds for the two best arms, once every main slot has settled (three arms or more).

    The two are ranked on the main phase's trials only, so the choice stays fixed while the
    re-runs report.
    """
    main = [trial for trial in found if trial.phase == MAIN]
    if not spec.confirm or any(trial.state.open for trial in main):
        return []
    ranked = arms(spec, main)
    if len(ranked) < 3:
        return []
    return [(arm.point, seed, CONFIRM) for seed in spec.seeds(CONFIRM) for arm in ranked[:2]]


def confirming(spec: StudySpec, found: list[Trial]) -> bool:
    """The best two arms are due a re-run on fresh seeds that has not all finished."""
    slots = confirm_slots(spec, found)
    done = {trial.key for trial in found if trial.state is TrialState.DONE}
    return any((point_key(point), seed, phase) not in done for point, seed, phase in slots)
