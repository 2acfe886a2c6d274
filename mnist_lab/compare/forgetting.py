"""Forgettable training examples of several runs side by side, from their tracked labels."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mnist_lab.analysis.forgetting import ForgettingRecord, forgetting
from mnist_lab.store import Run, RunStore, artifacts


def forgetting_records(store: RunStore, runs: list[Run], labels: dict[str, str], *,
                       read: Callable[[Run], artifacts.TrackedHistory] | None = None
                       ) -> tuple[dict[str, ForgettingRecord], list[str]]:
    """Label -> forgetting record of each run that tracked training images, and one line per
    run left out saying why. `read(run)` is a page's cached reader."""
    read = read or (lambda run: artifacts.read_tracked(store.run_dir(run.id)))
    records, skipped = {}, []
    for run in runs:
        try:
            history = read(run)
        except artifacts.ArtifactError as error:
            skipped.append(f"{labels[run.id]}: {error}")
            continue
        records[labels[run.id]] = forgetting(history.predicted, history.labels, history.index)
    return records, skipped


def forgetting_rows(records: dict[str, ForgettingRecord]) -> list[dict]:
    """One row per run: tracked images, epochs, forgettable examples, events, never learned."""
    return [{"run": label, **record.counts()} for label, record in records.items()]


def forgettable_in_all(records: dict[str, ForgettingRecord]) -> int | None:
    """How many tracked images every run forgot at least once; None when the runs tracked
    different images (another seed, subset or validation share), so none can be matched."""
    chosen = list(records.values())
    if len(chosen) < 2 or any(not np.array_equal(record.index, chosen[0].index)
                              for record in chosen[1:]):
        return None
    return int(np.logical_and.reduce([record.events > 0 for record in chosen]).sum())
