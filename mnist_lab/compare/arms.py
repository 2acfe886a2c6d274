"""Repeats of one config (an arm): the one definition every comparison of runs uses.

Runs are repeats of one config when all of these hold:

- their effective configs are equal apart from the seed; labels (a run's name, its tags, the
  preset it started from) are not part of the config;
- their seeds differ;
- each completed as configured: not stopped early, pruned or failed, and not changed by hand
  while it trained (a learning rate set during training);
- each was scored on the same test images.

Compare's groups and ranking, `runs compare`, and a study's tables and conclusions all group
runs here. A run that is no repeat of another is a single run, and says why in words ("seed 0
twice", "stopped at 0.36 of 2 epochs", "learning rate changed at epoch 0.96").
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mnist_lab.analysis.significance import AccuracyInterval, accuracy_interval
from mnist_lab.config import ConfigError, RunConfig
from mnist_lab.formats import MISSING, percent, points
from mnist_lab.store import Run, RunStatus

# Not part of the config for this purpose: the seed is what repeats vary, the preset's name is
# a label a run started from (the CLI's lenet5 and the form's lenet5 are one config), and the
# steps per execution change how fast training runs, not what it computes.
NOT_THE_CONFIG = ("seed", "preset", "steps_per_execution")
TEST_IMAGES = "test_images"  # the summary's count of the test images a run was scored on
_TIMES = {2: "twice", 3: "three times"}


def config_key(config: dict[str, Any]) -> str:
    """A config's identity apart from its seed and labels; a config stored before a field
    existed reads with that field's default, so it matches one written since."""
    try:
        config = RunConfig.from_dict(config).to_dict()
    except ConfigError:
        pass  # a config this version cannot read is still compared as it was stored
    return json.dumps({name: value for name, value in config.items() if name not in NOT_THE_CONFIG},
                      sort_keys=True)


def seed_of(run: Run) -> int:
    return run.config.get("seed", 0)


def not_as_configured(run: Run) -> str | None:
    """Why a run did not complete as its config says, in words; None when it did."""
    summary = run.summary
    if summary.get("test_accuracy") is None:
        return "no test accuracy"
    pruned_at = (run.trial or {}).get("pruned_at")
    if run.status is RunStatus.STOPPED and pruned_at is not None:
        return f"pruned at epoch {pruned_at}"
    if run.status is not RunStatus.COMPLETED:
        trained = round(summary.get("epochs_trained", 0), 2)
        return f"{run.status} at {trained:g} of {run.config.get('epochs')} epochs"
    changes = summary.get("learning_rate_changes") or []
    if changes:
        steps_per_epoch = summary.get("steps_per_epoch")
        where = f" at epoch {changes[0][0] / steps_per_epoch:.2f}" if steps_per_epoch else ""
        return f"learning rate changed{where}"
    return None


@dataclass(frozen=True)
class Arm:
    """The runs of one config that completed as configured, one per seed, by seed."""

    key: str
    runs: tuple[Run, ...]

    @property
    def n(self) -> int:
        return len(self.runs)

    @property
    def seeds(self) -> tuple[int, ...]:
        return tuple(seed_of(run) for run in self.runs)

    @property
    def accuracies(self) -> tuple[float, ...]:
        return tuple(float(run.summary["test_accuracy"]) for run in self.runs)

    def interval(self) -> AccuracyInterval:
        """Mean test accuracy over the seeds, with a 95% interval that stays in [0, 1]."""
        return accuracy_interval(self.accuracies, images=self.runs[0].summary.get(TEST_IMAGES))


@dataclass(frozen=True)
class Single:
    """A run outside every arm of two or more, and why, in words."""

    run: Run
    reason: str


@dataclass(frozen=True)
class Grouping:
    """Every arm (a config with one or more runs completed as configured, best mean first),
    and every run left out of all arms, with its reason."""

    arms: tuple[Arm, ...]
    left_out: tuple[Single, ...]

    @property
    def repeated(self) -> tuple[Arm, ...]:
        """The arms of two or more seeds: what can be told apart from seed noise."""
        return tuple(arm for arm in self.arms if arm.n >= 2)

    @property
    def singles(self) -> tuple[Single, ...]:
        """Every run that is no repeat of another: those left out, then the arms of one seed."""
        alone = tuple(Single(arm.runs[0], "no other run of its config completed as configured")
                      for arm in self.arms if arm.n == 1)
        return self.left_out + alone


def group(runs: list[Run], key: Callable[[Run], str] = lambda run: config_key(run.config),
          seed: Callable[[Run], int] = seed_of) -> Grouping:
    """Runs grouped into arms by the one definition above, ranked by mean test accuracy, best
    first. `key` is a run's config apart from its seed, and `seed` its seed; a study passes
    its trials' points and seeds, which decide their configs."""
    left_out: list[Single] = []
    by_config: dict[str, list[Run]] = {}
    for run in runs:
        reason = not_as_configured(run)
        if reason:
            left_out.append(Single(run, reason))
        else:
            by_config.setdefault(key(run), []).append(run)
    arms = []
    for name, members in by_config.items():
        members, refused = _one_test_set(members)
        left_out += refused
        repeats = Counter(seed(run) for run in members)
        for run in members:
            count = repeats[seed(run)]
            if count > 1:
                left_out.append(Single(run, f"seed {seed(run)} {_TIMES.get(count, f'{count} times')}"))
        kept = sorted((run for run in members if repeats[seed(run)] == 1), key=seed)
        if kept:
            arms.append(Arm(name, tuple(kept)))
    arms.sort(key=lambda arm: -arm.interval().mean)
    return Grouping(tuple(arms), tuple(left_out))


def _one_test_set(members: list[Run]) -> tuple[list[Run], list[Single]]:
    """The runs scored on the test images most of the config's runs were scored on; the others
    with their reason. A run from before the count was recorded counts as scored on them."""
    counts = Counter(run.summary.get(TEST_IMAGES) for run in members if run.summary.get(TEST_IMAGES))
    if len(counts) <= 1:
        return members, []
    usual = counts.most_common(1)[0][0]
    kept = [run for run in members if run.summary.get(TEST_IMAGES) in (None, usual)]
    return kept, [Single(run, f"scored on {run.summary[TEST_IMAGES]:,} test images, not {usual:,}")
                  for run in members if run not in kept]


def interval_text(interval: AccuracyInterval) -> str:
    """"96.10% to 98.40%", with the caution an interval from few seeds needs."""
    if interval.low is None:
        return interval.caution
    caution = f", {interval.caution}" if interval.caution else ""
    return f"{percent(interval.low)} to {percent(interval.high)}{caution}"


def arm_text(arm: Arm, labels: dict[str, str]) -> str:
    """One sentence on an arm of two or more seeds, in percent and points."""
    interval = arm.interval()
    return (f"{', '.join(labels[run.id] for run in arm.runs)}: {arm.n} seeds "
            f"({', '.join(map(str, arm.seeds))}), mean {percent(interval.mean)}, "
            f"{interval.confidence:.0%} interval {interval_text(interval)}, sd {points(interval.sd)}")


def ranking_rows(grouping: Grouping, labels: dict[str, str]) -> list[dict[str, Any]]:
    """Arms of two or more seeds and single runs ranked by mean test accuracy, best first, in
    the words every table uses: percent, points, an em dash for what a single run cannot have,
    and why a run is single. Runs without a test accuracy are not ranked."""
    ranked = [(arm.runs, arm.interval(), MISSING) for arm in grouping.repeated]
    ranked += [((single.run,), accuracy_interval([single.run.summary["test_accuracy"]]), single.reason)
               for single in grouping.singles if single.run.summary.get("test_accuracy") is not None]
    ranked.sort(key=lambda item: -item[1].mean)
    return [{"rank": rank, "runs": ", ".join(labels[run.id] for run in runs),
             "seeds": ", ".join(str(seed_of(run)) for run in runs), "n": interval.n,
             "test accuracy": percent(interval.mean), "95% interval": interval_text(interval),
             "sd": points(interval.sd),
             "lowest": percent(min(run.summary["test_accuracy"] for run in runs)),
             "highest": percent(max(run.summary["test_accuracy"] for run in runs)),
             "single because": why}
            for rank, (runs, interval, why) in enumerate(ranked, 1)]
