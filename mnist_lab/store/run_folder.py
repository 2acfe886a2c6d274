"""A run's folder: all-or-nothing artifact writes, and the record the index can be rebuilt from.

The index (`index.sqlite`) is what readers ask; the folders are its backup. A run's folder holds
`config.json` from the moment the run is queued and, once the run has ended, `record.json`
(what an exported archive's manifest holds: name, status, error, tags, notes, summary, label
marks; and its times and study) with `metrics.json` (every metric point, as in an archive).
Both are rewritten when the run is renamed, tagged, annotated or marked. A run whose trainer
was killed never wrote them: `mnist_lab.store.reindex` recovers it from its config and
artifacts alone.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mnist_lab.atomic import TEMP_PREFIX, write_atomic
from mnist_lab.store import marks
from mnist_lab.store.records import Run

if TYPE_CHECKING:
    import pandas as pd  # annotations only: the CLI's listings start without pandas

RECORD_FILE = "record.json"
METRICS_FILE = "metrics.json"
FORMAT = "mnist-lab-run"
VERSION = 1
METRIC_KINDS = ("batch", "epoch")


class ArtifactWriteError(OSError):
    """An artifact could not be saved (a full disk, a folder deleted by hand); names the file."""


def write_artifact(folder: Path, name: str, write: Callable[[Path], None]) -> Path:
    """`write(temp_path)`, then rename into place: readers see all of the file or none of it."""
    try:
        return write_atomic(folder / name, write)
    except OSError as error:
        raise ArtifactWriteError(f"could not save {name} in {folder}: "
                                 f"{error.strerror or error}") from error


def remove_leftovers(folder: Path) -> list[str]:
    """Delete the temporary files a killed writer left in `folder`; their names."""
    removed = []
    for path in folder.glob(f"{TEMP_PREFIX}*"):
        path.unlink(missing_ok=True)
        removed.append(path.name)
    return removed


def run_manifest(run: Run, run_marks: dict[int, marks.LabelMark]) -> dict[str, Any]:
    """What an archive's manifest says about a run (format, name, status, summary, marks...)."""
    return {"format": FORMAT, "version": VERSION, "id": run.id, "name": run.name,
            "status": str(run.status), "created_at": run.created_at, "tags": run.tags,
            "notes": run.notes, "summary": run.summary, "error": run.error,
            "label_marks": marks.to_json(run_marks)}


def metric_rows(history: pd.DataFrame) -> list[dict[str, Any]]:
    """A run's metric points as plain JSON rows: kind, epoch, step, wall_s and its values."""
    return [{"kind": row["kind"], "epoch": int(row["epoch"]), "step": int(row["step"]),
             "wall_s": float(row["wall_s"]),
             "values": {name: _plain(value) for name, value in row.items()
                        if name not in ("id", "kind", "epoch", "step", "wall_s")
                        and not _missing(value)}}
            for row in history.to_dict("records")]


def metric_rows_problem(rows: Any, max_rows: int) -> str | None:
    """What is wrong with metric rows read from outside (an archive, a folder), if anything."""
    if not isinstance(rows, list) or len(rows) > max_rows:
        return f"{METRICS_FILE} must be a list of at most {max_rows:,} rows"
    for number, row in enumerate(rows, 1):
        values = row.get("values") if isinstance(row, dict) else None
        if (not isinstance(values, dict) or row.get("kind") not in METRIC_KINDS
                or not all(is_number(row.get(key), int) for key in ("epoch", "step"))
                or not is_number(row.get("wall_s"), float)
                or not all(isinstance(name, str) and is_number(value, float)
                           for name, value in values.items())):
            return (f"{METRICS_FILE}: row {number} is not a metric point "
                    "(kind, epoch, step, wall_s and numeric values)")
    return None


SQLITE_INTEGERS = 2**63  # an INTEGER column holds -2**63 .. 2**63 - 1


def is_number(value: Any, kind: type) -> bool:
    """A count (epoch, step) or a number that SQLite can hold: any float (NaN included, a
    diverged loss is NaN), an int within SQLite's INTEGER."""
    allowed = (int,) if kind is int else (int, float)
    if not isinstance(value, allowed) or isinstance(value, bool):
        return False
    return isinstance(value, float) or (0 if kind is int else -SQLITE_INTEGERS) <= value < SQLITE_INTEGERS


def write_record(folder: Path, run: Run, run_marks: dict[int, marks.LabelMark],
                 history: pd.DataFrame) -> None:
    """Save an ended run's record and metrics in its folder, for `reindex`.

    The index already holds all of it, so a record that cannot be written (a full disk, a
    folder deleted by hand) is reported on stderr and does not fail what changed the run.
    """
    if not folder.is_dir():
        return
    record = {**run_manifest(run, run_marks), "started_at": run.started_at,
              "ended_at": run.ended_at, "sweep_id": run.sweep_id, "trial": run.trial}
    try:
        write_artifact(folder, METRICS_FILE,
                       lambda path: path.write_text(json.dumps(metric_rows(history))))
        write_artifact(folder, RECORD_FILE, lambda path: path.write_text(json.dumps(record, indent=1)))
    except ArtifactWriteError as error:
        print(f"mnist-lab: the folder record of run {run.id} was not saved: {error}",
              file=sys.stderr, flush=True)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
