"""Rebuild the run index from the run folders: `mnist-lab runs reindex`.

For a damaged `index.sqlite` (or a lost one). The old file is kept beside the new one. Each run
folder gives back what it holds (see `store.run_folder`):

- with `record.json` (every run that ended while this version ran): its name, status, error,
  tags, notes, summary, times, study and label marks, and with `metrics.json` its curves;
- without one (a trainer killed with SIGKILL, a run from an earlier version): its config, an
  `interrupted` status that says so, the time in its id, and, when `predictions.npz` reads,
  its test accuracy and loss; no curves.

A study's spec comes back from `studies/<name>.spec.json`. Requests and settings are not kept.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mnist_lab.store import artifacts, marks
from mnist_lab.store.database import IndexDamagedError, connect
from mnist_lab.store.liveness import pid_alive
from mnist_lab.store.records import ACTIVE, RunStatus, validate_name, validate_run_id
from mnist_lab.store.run_folder import METRICS_FILE, RECORD_FILE, metric_rows_problem
from mnist_lab.store.runs import RunStore
from mnist_lab.store.studies import SPEC_SUFFIX, STUDY_FOLDER, StudyIndex

NO_RECORD = "rebuilt by reindex: the run left no record of how it ended"
MAX_METRIC_ROWS = 10_000_000


@dataclass
class ReindexReport:
    """What a rebuild found: runs from their record, runs from config and artifacts only,
    folders left out (with why), studies, and where the old index was put."""

    backup: Path | None = None
    recorded: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    studies: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [f"the old index was kept as {self.backup}" if self.backup else "there was no index",
                 f"runs restored from their folder record: {len(self.recorded)}",
                 f"runs without a record, restored as interrupted (config, and test accuracy "
                 f"where predictions.npz reads; no curves): {len(self.recovered)}",
                 f"studies restored: {len(self.studies)}"]
        return lines + [f"left out: {line}" for line in self.skipped]


def reindex(home: Path) -> ReindexReport:
    """Move the index aside and build a new one from the folders under `home`."""
    home = Path(home)
    report = ReindexReport(backup=_move_aside(home / "index.sqlite"))
    store = RunStore(home)
    for folder in sorted(path for path in home.iterdir() if path.is_dir()):
        try:
            validate_run_id(folder.name)
        except ValueError:
            continue  # studies/, or anything else that is not a run folder
        try:
            recorded = _restore_run(store, folder)
        except (OSError, ValueError) as error:
            report.skipped.append(f"{folder.name}: {error}")
            continue
        (report.recorded if recorded else report.recovered).append(folder.name)
    report.studies = _restore_studies(store)
    return report


def _move_aside(db_path: Path) -> Path | None:
    """Keep the old index (and its WAL) under a dated name; refuse while trainers use it."""
    if not db_path.exists():
        return None
    try:
        with connect(db_path) as connection:
            active = connection.execute(
                f"SELECT id, pid FROM runs WHERE status IN ({', '.join('?' * len(ACTIVE))})",
                ACTIVE).fetchall()
    except IndexDamagedError:
        active = []
    for row in active:
        if pid_alive(row["pid"]):
            raise ValueError(f"run {row['id']} is still training (pid {row['pid']}); "
                             "stop it before rebuilding the index")
    backup = db_path.with_name(f"{db_path.name}.before-reindex-{time.strftime('%Y%m%d-%H%M%S')}")
    for suffix in ("", "-wal", "-shm"):
        source = db_path.with_name(db_path.name + suffix)
        if source.exists():
            source.rename(backup.with_name(backup.name + suffix))
    return backup


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path.name} is not valid JSON: {error}") from None


def _restore_run(store: RunStore, folder: Path) -> bool:
    """Insert the folder's run into the index; True if it had a record of how it ended."""
    config_path = folder / artifacts.CONFIG_FILE
    if not config_path.is_file():
        raise ValueError(f"no {artifacts.CONFIG_FILE}")
    config = _read_json(config_path)
    if not isinstance(config, dict):
        raise ValueError(f"{artifacts.CONFIG_FILE} is not a JSON object")
    record = _read_json(folder / RECORD_FILE) if (folder / RECORD_FILE).is_file() else None
    row = _row_from_record(record) if isinstance(record, dict) else _row_without_record(folder, config)
    rows = _read_json(folder / METRICS_FILE) if (folder / METRICS_FILE).is_file() else []
    if metric_rows_problem(rows, MAX_METRIC_ROWS):
        rows = []
    row.update(id=folder.name, config_json=json.dumps(config))
    row.setdefault("created_at", time.mktime(time.strptime(folder.name[:15], "%Y%m%d-%H%M%S")))
    with connect(store.db_path) as connection:
        run_marks = row.pop("label_marks", {})
        columns = ", ".join(row)
        connection.execute(f"INSERT INTO runs ({columns}) VALUES ({', '.join('?' * len(row))})",
                           tuple(row.values()))
        connection.executemany(
            "INSERT INTO metrics (run_id, kind, epoch, step, wall_s, values_json) VALUES (?, ?, ?, ?, ?, ?)",
            [(folder.name, point["kind"], point["epoch"], point["step"], point["wall_s"],
              json.dumps(point["values"])) for point in rows])
        for image, mark in run_marks.items():
            marks.write(connection, folder.name, image, mark)
    return isinstance(record, dict)


def _row_from_record(record: dict[str, Any]) -> dict[str, Any]:
    """The index row a record describes; what does not check out is left for the row's own
    checks (`Run.problem`) or replaced by what is safe."""
    status = record.get("status")
    if status not in {str(value) for value in RunStatus} or RunStatus(status).active:
        status = RunStatus.INTERRUPTED
    try:
        run_marks = marks.from_json(record.get("label_marks", []))
    except ValueError:
        run_marks = {}
    row = {"name": _name(record.get("name")), "status": str(status),
           "summary_json": json.dumps(record.get("summary", {})),
           "tags_json": json.dumps(record.get("tags", [])),
           "notes": str(record.get("notes", ""))[:10_000], "error": _text(record.get("error")),
           "sweep_id": _text(record.get("sweep_id")), "label_marks": run_marks,
           "trial_json": None if record.get("trial") is None else json.dumps(record["trial"])}
    for key in ("created_at", "started_at", "ended_at"):
        if isinstance(record.get(key), int | float) and not isinstance(record.get(key), bool):
            row[key] = float(record[key])
    return row


def _row_without_record(folder: Path, config: dict[str, Any]) -> dict[str, Any]:
    summary = {}
    try:
        probabilities, y_test = artifacts.read_predictions(folder)
        picked = probabilities[np.arange(len(y_test)), y_test]
        summary = {"test_accuracy": float(np.mean(probabilities.argmax(axis=1) == y_test)),
                   "test_loss": float(-np.mean(np.log(np.clip(picked, 1e-7, 1.0))))}
    except artifacts.ArtifactError:
        pass  # no predictions, or unreadable ones: the run has no test figures
    return {"name": _name(config.get("preset")), "status": str(RunStatus.INTERRUPTED),
            "error": NO_RECORD, "summary_json": json.dumps(summary)}


def _name(value: Any) -> str:
    try:
        return validate_name(value)
    except ValueError:
        return "recovered"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _restore_studies(store: RunStore) -> list[str]:
    StudyIndex(store)  # creates the studies table
    restored = []
    folder = store.home / STUDY_FOLDER
    for path in sorted(folder.glob(f"*{SPEC_SUFFIX}")) if folder.is_dir() else []:
        try:
            spec = _read_json(path)
            name = validate_name(path.name[:-len(SPEC_SUFFIX)])
        except ValueError:
            continue
        if isinstance(spec, dict):
            with connect(store.db_path) as connection:
                connection.execute("INSERT INTO studies (name, spec_json, created_at, ended_at)"
                                   " VALUES (?, ?, ?, ?)",
                                   (name, json.dumps(spec), path.stat().st_mtime, time.time()))
            restored.append(name)
    return restored
