"""Everything a study's readers see, read from the store in one place: the CLI and the page."""

from __future__ import annotations

from dataclasses import dataclass

from mnist_lab.store import RunStore, artifacts
from mnist_lab.store.studies import StudyIndex, StudyRecord
from mnist_lab.sweeps.builtin import is_cross_validation
from mnist_lab.sweeps.conclusion import COMMAND_LINE, Conclusion, ReadPredictions, Words, conclude
from mnist_lab.sweeps.plan import confirming
from mnist_lab.sweeps.results import Arm, NoiseFloor, arms, noise_floor
from mnist_lab.sweeps.study import StudySpec, Trial, trials


@dataclass(frozen=True)
class StudyReport:
    record: StudyRecord
    spec: StudySpec
    trials: list[Trial]
    arms: list[Arm]
    floor: NoiseFloor | None
    conclusion: Conclusion

    @property
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for trial in self.trials:
            counts[str(trial.state)] = counts.get(str(trial.state), 0) + 1
        return counts


def study_report(store: RunStore, name: str, read: ReadPredictions | None = None,
                 words: Words = COMMAND_LINE) -> StudyReport:
    """The study `name` as it stands; `read(run_id)` gives test predictions (a page caches it);
    `words` name what a reader can change (the form's words on the dashboard)."""
    record = StudyIndex(store).get(name)
    spec = StudySpec.from_dict(record.spec)
    found = trials(store, name)
    found_arms = arms(spec, found)
    floor = noise_floor(found_arms)
    read = read or (lambda run_id: artifacts.read_predictions(store.run_dir(run_id)))
    if is_cross_validation(spec):
        done = sum(arm.n for arm in found_arms)
        folds = len(spec.dimensions[0].values)
        conclusion = Conclusion(f"Cross-validation: {done} of {folds} folds trained. "
                                + ("The Errors page of any of its runs lists the likely label "
                                   "errors of the training set." if done == folds else
                                   "Once every fold is trained, the Errors page of any of its "
                                   "runs lists the likely label errors of the training set."))
    else:
        conclusion = conclude(found_arms, floor, read, confirming=confirming(spec, found), words=words)
    return StudyReport(record, spec, found, found_arms, floor, conclusion)
