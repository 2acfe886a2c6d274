"""Which trials a study still needs: the slots (point, seed, phase) that no trial fills yet.

Grid points run in the random order Optuna's GridSampler gives, one seed round at a time, so
every factor shows results early. Random and TPE points are asked one arm at a time, from the
arms scored so far. A slot whose trial failed is tried again, up to `MAX_ATTEMPTS` in all.
With three or more arms, the two best are re-run on fresh seeds once the plan is done; when
their fresh seeds change which arms rank first and second, the new one is re-run too, while
the study's trial limit allows.
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
    """Fresh seeds for the arms the head-to-head needs, once every main slot has settled.

    With three or more arms, the two best on the main phase's trials are re-run (this first
    round is not counted against the trial limit: it is what makes a winner trustworthy).
    Their fresh seeds may change which arms rank first and second over all seeds; an arm that
    then enters the top two without fresh seeds is re-run too, while the study's trials stay
    within its limit. An arm is re-run once at most, so the rounds end.
    """
    main = [trial for trial in found if trial.phase == MAIN]
    if not spec.confirm or any(trial.state.open for trial in main):
        return []
    first_round = arms(spec, main)
    if len(first_round) < 3:
        return []
    due = {arm.key: arm.point for arm in first_round[:2]}
    confirm = [trial for trial in found if trial.phase == CONFIRM]
    for trial in confirm:  # an arm once re-run keeps its fresh slots
        due.setdefault(point_key(trial.point), trial.point)
    seeds = spec.seeds(CONFIRM)
    if not any(trial.state.open for trial in confirm):
        started = {point_key(trial.point) for trial in confirm}
        planned = len(latest_by_key(found)) + len(seeds) * sum(key not in started for key in due)
        for arm in arms(spec, found)[:2]:
            if arm.key not in due and planned + len(seeds) <= spec.budget.max_trials:
                due[arm.key] = arm.point
                planned += len(seeds)
    return [(point, seed, CONFIRM) for seed in seeds for point in due.values()]


def confirming(spec: StudySpec, found: list[Trial]) -> bool:
    """The best two arms are due a re-run on fresh seeds that has not all finished."""
    slots = confirm_slots(spec, found)
    done = {trial.key for trial in found if trial.state is TrialState.DONE}
    return any((point_key(point), seed, phase) not in done for point, seed, phase in slots)
