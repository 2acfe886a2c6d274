"""The table of every run for the Runs page, and its filters."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from mnist_lab.compare import architecture_summary
from mnist_lab.formats import MISSING
from mnist_lab.store import Run
from mnist_lab.store.summary import ORIGINAL_CREATED_AT

# What a reader compares first comes first: at 1280 px the later columns scroll.
COLUMNS = ("id", "name", "test accuracy", "architecture", "study", "created", "imported", "status",
           "epochs", "params", "training s", "images/s", "tags", "problem")


@dataclass(frozen=True)
class RunFilter:
    """What the user narrowed the table to; empty fields keep every run."""

    statuses: tuple[str, ...] = ()
    tag: str | None = None
    text: str = ""

    def keeps(self, run: Run) -> bool:
        words = self.text.strip().lower()
        searchable = " ".join([run.id, run.name, run.notes, *run.tags, run.sweep_id or "",
                               str(run.config.get("preset") or "")]).lower()
        return ((not self.statuses or str(run.status) in self.statuses)
                and (self.tag is None or self.tag in run.tags)
                and all(word in searchable for word in words.split()))


def all_tags(runs: list[Run]) -> list[str]:
    return sorted({tag for run in runs for tag in run.tags})


def runs_table(runs: list[Run]) -> pd.DataFrame:
    """One row per run, newest first as given, with numbers left numeric for sorting.

    An imported copy shows when the run was first created and, apart, when it was imported.
    """
    rows = []
    for run in runs:
        summary = run.summary
        preset = run.config.get("preset")
        sketch = architecture_summary(run.config)
        original = summary.get(ORIGINAL_CREATED_AT)
        rows.append({
            "id": run.id, "name": run.name, "status": str(run.status), "study": run.sweep_id or MISSING,
            "created": pd.Timestamp.fromtimestamp(run.created_at if original is None else original),
            "imported": pd.NaT if original is None else pd.Timestamp.fromtimestamp(run.created_at),
            "architecture": f"{preset}: {sketch}" if preset else sketch,
            "params": summary.get("params"),
            "epochs": summary.get("epochs_trained", run.config.get("epochs")),
            "test accuracy": summary.get("test_accuracy"),
            "training s": summary.get("train_seconds"),
            "images/s": summary.get("images_per_second"),
            "tags": list(run.tags),
            "problem": run.problem,
        })
    return pd.DataFrame(rows, columns=list(COLUMNS))


def accuracy_scale(accuracies) -> tuple[float, float]:
    """The test-accuracy bars' range: from a whole point below the lowest accuracy to 100%.

    On a 0-100% bar 98.4% and 99.1% look the same; from 97% they differ by a quarter of it.
    """
    known = [float(value) for value in accuracies if value is not None and not math.isnan(value)]
    if not known:
        return 0.0, 1.0
    return max(0.0, math.floor(min(known) * 100 - 0.5) / 100), 1.0
