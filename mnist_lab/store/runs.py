"""The run store: one SQLite index (WAL) plus one folder of artifacts per run.

The trainer writes status, heartbeats, metrics and artifacts; the dashboard and the CLI read
them and write requests (stop, pause, resume, a new learning rate). Every connection is short
and sets a busy timeout, so a reader never blocks a writer for long. Artifacts are written to
a temporary name and renamed, so no reader ever sees half a file.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mnist_lab.store import marks, run_folder
from mnist_lab.store.artifacts import CONFIG_FILE
from mnist_lab.store.database import add_missing_columns, connect
from mnist_lab.store.liveness import STALE_AFTER_S, dead_runs, pid_alive
from mnist_lab.store.records import (
    ACTIVE,
    Request,
    RequestKind,
    Run,
    RunNotFoundError,
    RunStatus,
    validate_name,
    validate_run_id,
)

if TYPE_CHECKING:
    import pandas as pd

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL,
    created_at REAL NOT NULL, started_at REAL, ended_at REAL, heartbeat_at REAL, pid INTEGER,
    config_json TEXT NOT NULL, summary_json TEXT NOT NULL DEFAULT '{}',
    tags_json TEXT NOT NULL DEFAULT '[]', notes TEXT NOT NULL DEFAULT '', sweep_id TEXT,
    error TEXT, trial_json TEXT
);
CREATE INDEX IF NOT EXISTS runs_by_study ON runs (sweep_id, created_at);
CREATE TABLE IF NOT EXISTS metrics (
    id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, kind TEXT NOT NULL,
    epoch INTEGER NOT NULL, step INTEGER NOT NULL, wall_s REAL NOT NULL, values_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS metrics_by_run ON metrics (run_id, id);
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, kind TEXT NOT NULL,
    value REAL, created_at REAL NOT NULL, handled_at REAL
);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
__all__ = ["STALE_AFTER_S", "RunStore", "default_home", "pid_alive"]


def default_home() -> Path:
    return Path(os.environ.get("MNIST_LAB_HOME", "runs"))


class RunStore:
    """Runs indexed in `<home>/index.sqlite`, artifacts in `<home>/<run id>/`."""

    def __init__(self, home: Path | str | None = None) -> None:
        self.home = Path(home) if home is not None else default_home()
        self.home.mkdir(parents=True, exist_ok=True)
        self.db_path = self.home / "index.sqlite"
        with self._connect() as connection:
            connection.executescript(SCHEMA + marks.SCHEMA)
            add_missing_columns(connection, "runs", {"trial_json": "TEXT"})

    def _connect(self):
        """A short connection to the index: one transaction (see `store.database`)."""
        return connect(self.db_path)

    # Runs -------------------------------------------------------------------------------
    def create_run(self, config: dict[str, Any], *, name: str | None = None,
                   tags: list[str] | None = None, sweep_id: str | None = None,
                   trial: dict[str, Any] | None = None, pid: int | None = None) -> str:
        """A new queued run. A study's trial names its study (`sweep_id`) and its place in it
        (`trial`); `pid` is the process that will train it, recorded with a first heartbeat."""
        now = time.time()
        run_id = time.strftime("%Y%m%d-%H%M%S", time.localtime(now)) + "-" + secrets.token_hex(3)
        name = validate_name(name or config.get("preset") or "custom")
        tags = [validate_name(tag) for tag in tags or []]
        self.run_dir(run_id).mkdir(parents=True)
        self.write_artifact(run_id, CONFIG_FILE, lambda path: path.write_text(json.dumps(config, indent=2)))
        with self._connect() as connection:
            connection.execute(
                "INSERT INTO runs (id, name, status, created_at, config_json, tags_json, sweep_id,"
                " trial_json, pid, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, name, RunStatus.QUEUED, now, json.dumps(config), json.dumps(tags),
                 sweep_id, None if trial is None else json.dumps(trial), pid,
                 None if pid is None else now),
            )
        return run_id

    def get(self, run_id: str) -> Run:
        validate_run_id(run_id)
        self.reap_stale()
        with self._connect() as connection:
            row = connection.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise RunNotFoundError(run_id)
        return self._read(row)

    def list(self, *, statuses: tuple[RunStatus, ...] | None = None,
             study: str | None = None) -> list[Run]:
        """Runs (of one study, if named), newest first; dead trainers are marked first."""
        self.reap_stale()
        with self._connect() as connection:
            if study is None:
                rows = connection.execute("SELECT * FROM runs ORDER BY created_at DESC").fetchall()
            else:
                rows = connection.execute("SELECT * FROM runs WHERE sweep_id = ?"
                                          " ORDER BY created_at DESC", (study,)).fetchall()
        runs = [self._read(row) for row in rows]
        return [run for run in runs if statuses is None or run.status in statuses]

    def _read(self, row) -> Run:
        """A run from its row, flagged when its folder is gone (deleted by hand)."""
        run = Run.from_row(row)
        try:
            folder = self.run_dir(run.id)
        except ValueError:
            return run
        if folder.is_dir():
            return run
        missing = f"its folder {folder} is missing"
        return dataclasses.replace(run, problem="; ".join(filter(None, [run.problem, missing])))

    def update(self, run_id: str, *, name: str | None = None, tags: list[str] | None = None,
               notes: str | None = None) -> None:
        """Change what people say about a run: its name, tags and notes."""
        changes: dict[str, Any] = {}
        if name is not None:
            changes["name"] = validate_name(name)
        if tags is not None:
            changes["tags_json"] = json.dumps([validate_name(tag) for tag in tags])
        if notes is not None:
            if len(notes) > 10_000 or "\x00" in notes:
                raise ValueError("notes must be at most 10,000 characters without NUL bytes")
            changes["notes"] = notes
        self._set(run_id, **changes)

    def add_tags(self, run_ids: list[str], tags: list[str]) -> None:
        """Add tags to several runs at once, each keeping the tags it had (in one transaction)."""
        tags = [validate_name(tag) for tag in tags]
        runs = [self.get(run_id) for run_id in run_ids]
        with self._connect() as connection:
            for run in runs:
                kept = [*run.tags, *(tag for tag in tags if tag not in run.tags)]
                connection.execute("UPDATE runs SET tags_json = ? WHERE id = ?",
                                   (json.dumps(kept), run.id))
        for run in runs:
            if not run.status.active:
                self._save_record(run.id)

    def delete(self, run_id: str) -> None:
        run = self.get(run_id)
        if run.status.active and pid_alive(run.pid):
            raise ValueError(f"run {run_id} is {run.status}; stop it before deleting it")
        with self._connect() as connection:
            for table, column in (("metrics", "run_id"), ("requests", "run_id"),
                                  ("label_marks", "run_id"), ("runs", "id")):
                connection.execute(f"DELETE FROM {table} WHERE {column} = ?", (run_id,))
        shutil.rmtree(self.run_dir(run_id), ignore_errors=True)

    # Lifecycle, written by the trainer ------------------------------------------------
    def claim(self, run_id: str, pid: int, max_running: int) -> bool:
        """Atomically move a queued run to running if a slot is free and it is next in line.

        Dead trainers are reaped first, so a run whose trainer died never holds the line.
        """
        return self._claim(pid, max_running, lambda first: first["id"] == run_id) is not None

    def claim_next(self, study: str, pid: int, max_running: int) -> str | None:
        """Claim the study's trial that is next in line, if a slot is free; its id, or None.

        For a long-lived trainer that serves a study: the line stays first in, first out
        across every queued run, the study's and anyone else's.
        """
        return self._claim(pid, max_running, lambda first: first["sweep_id"] == study)

    def _claim(self, pid: int, max_running: int, wanted) -> str | None:
        self.reap_stale()
        with self._connect() as connection:
            connection.execute("BEGIN IMMEDIATE")
            running = connection.execute(
                "SELECT COUNT(*) FROM runs WHERE status IN (?, ?)",
                (RunStatus.RUNNING, RunStatus.PAUSED),
            ).fetchone()[0]
            first = connection.execute(
                "SELECT id, sweep_id FROM runs WHERE status = ? ORDER BY created_at, id LIMIT 1",
                (RunStatus.QUEUED,),
            ).fetchone()
            if running >= max_running or first is None or not wanted(first):
                return None
            now = time.time()
            connection.execute(
                "UPDATE runs SET status = ?, started_at = ?, heartbeat_at = ?, pid = ?"
                " WHERE id = ?", (RunStatus.RUNNING, now, now, pid, first["id"]),
            )
            return first["id"]

    def cancel_queued(self, run_id: str, reason: str) -> bool:
        """Stop a run only if no trainer has claimed it yet; False if one has (stop it instead)."""
        with self._connect() as connection:
            cursor = connection.execute(
                "UPDATE runs SET status = ?, ended_at = ?, error = ? WHERE id = ? AND status = ?",
                (RunStatus.STOPPED, time.time(), reason, run_id, RunStatus.QUEUED))
        if cursor.rowcount == 1:
            self._save_record(run_id)
        return cursor.rowcount == 1

    def set_status(self, run_id: str, status: RunStatus, *, error: str | None = None) -> None:
        changes: dict[str, Any] = {"status": status}
        if not status.active:
            changes["ended_at"] = time.time()
        if error is not None:
            changes["error"] = error
        self._set(run_id, **changes)

    def set_pid(self, run_id: str, pid: int) -> None:
        self._set(run_id, pid=pid, heartbeat_at=time.time())

    def heartbeat(self, run_id: str) -> None:
        self._set(run_id, heartbeat_at=time.time())

    def set_trial(self, run_id: str, trial: dict[str, Any]) -> None:
        """What a study records about its trial (its point, seed, phase, where it was pruned)."""
        self._set(run_id, trial_json=json.dumps(trial))

    def set_summary(self, run_id: str, summary: dict[str, Any]) -> None:
        self._set(run_id, summary_json=json.dumps(summary))

    def _set(self, run_id: str, **changes: Any) -> None:
        validate_run_id(run_id)
        if not changes:
            return
        assignments = ", ".join(f"{column} = ?" for column in changes)
        with self._connect() as connection:
            row = connection.execute(
                f"UPDATE runs SET {assignments} WHERE id = ? RETURNING status",
                (*changes.values(), run_id)).fetchone()
        if row is None:
            raise RunNotFoundError(run_id)
        if row["status"] not in ACTIVE:
            self._save_record(run_id)

    def _save_record(self, run_id: str) -> None:
        """Keep an ended run's folder record up to date (see `store.run_folder`)."""
        run = self.get(run_id)
        run_folder.write_record(self.run_dir(run_id), run, self.label_marks(run_id),
                                self.metrics(run_id))

    def reap_stale(self) -> list[str]:
        """Give every active run whose trainer is gone its final status; return their ids.

        See `store.liveness` for the rules. What a killed writer left half-written in the
        run's folder is deleted, and the run's folder record is written.
        """
        now = time.time()
        with self._connect() as connection:
            ended = dead_runs(connection, self.home, now)
            for run_id, (status, error) in ended.items():
                connection.execute(
                    "UPDATE runs SET status = ?, ended_at = ?, error = COALESCE(error, ?)"
                    " WHERE id = ?", (status, now, error, run_id))
        for run_id in ended:
            run_folder.remove_leftovers(self.run_dir(run_id))
            self._save_record(run_id)
        return list(ended)

    # Metrics ----------------------------------------------------------------------------
    def log_metrics(self, run_id: str, kind: str, epoch: int, step: int, wall_s: float,
                    values: dict[str, float]) -> None:
        """Append one point (all its values in one row) and refresh the heartbeat."""
        self.log_metrics_many(run_id, [{"kind": kind, "epoch": epoch, "step": step,
                                        "wall_s": wall_s, "values": values}])

    def log_metrics_many(self, run_id: str, points: list[dict[str, Any]]) -> None:
        """Append points ({kind, epoch, step, wall_s, values}) in one transaction."""
        with self._connect() as connection:
            connection.executemany(
                "INSERT INTO metrics (run_id, kind, epoch, step, wall_s, values_json)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(run_id, point["kind"], point["epoch"], point["step"], point["wall_s"],
                  json.dumps(point["values"])) for point in points],
            )
            connection.execute("UPDATE runs SET heartbeat_at = ? WHERE id = ?",
                               (time.time(), run_id))

    def clear_metrics(self, run_id: str) -> None:
        """Forget a run's metric points: its training starts again (a retried Ray task)."""
        with self._connect() as connection:
            connection.execute("DELETE FROM metrics WHERE run_id = ?", (validate_run_id(run_id),))

    def metrics(self, run_id: str, *, after_id: int = 0) -> pd.DataFrame:
        """Metric points newer than `after_id` as a wide frame: id, kind, epoch, step, wall_s, ..."""
        validate_run_id(run_id)
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT id, kind, epoch, step, wall_s, values_json FROM metrics"
                " WHERE run_id = ? AND id > ? ORDER BY id", (run_id, after_id),
            ).fetchall()
        records = [
            {"id": row["id"], "kind": row["kind"], "epoch": row["epoch"], "step": row["step"],
             "wall_s": row["wall_s"], **json.loads(row["values_json"])}
            for row in rows
        ]
        import pandas as pd  # here, not at the top: `runs list` and the trainer never need it

        return pd.DataFrame.from_records(
            records, columns=None if records else ["id", "kind", "epoch", "step", "wall_s"]
        )

    # Requests ---------------------------------------------------------------------------
    def request(self, run_id: str, kind: RequestKind, value: float | None = None) -> None:
        self.get(run_id)
        with self._connect() as connection:
            connection.execute(
                "INSERT INTO requests (run_id, kind, value, created_at) VALUES (?, ?, ?, ?)",
                (run_id, RequestKind(kind), value, time.time()),
            )

    def take_requests(self, run_id: str) -> list[Request]:
        """Pending requests in order, marked handled in the same transaction."""
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT id, kind, value FROM requests WHERE run_id = ? AND handled_at IS NULL"
                " ORDER BY id", (run_id,),
            ).fetchall()
            connection.executemany("UPDATE requests SET handled_at = ? WHERE id = ?",
                                   [(time.time(), row["id"]) for row in rows])
        return [Request(row["id"], RequestKind(row["kind"]), row["value"]) for row in rows]

    # Label marks ----------------------------------------------------------------------
    def set_label_marks(self, run_id: str, changes: dict[int, marks.LabelMark | None]) -> None:
        """Say what is wrong with some of the run's test images (None clears a mark)."""
        run = self.get(run_id)
        with self._connect() as connection:
            for image, mark in changes.items():
                marks.write(connection, run_id, image, mark)
        if not run.status.active:
            self._save_record(run_id)

    def label_marks(self, run_id: str) -> dict[int, marks.LabelMark]:
        validate_run_id(run_id)
        with self._connect() as connection:
            return marks.read(connection, run_id)

    # Settings ---------------------------------------------------------------------------
    def setting(self, key: str, default: str) -> str:
        with self._connect() as connection:
            row = connection.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else row["value"]

    def set_setting(self, key: str, value: str) -> None:
        with self._connect() as connection:
            connection.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
                               (key, value))

    # Artifacts --------------------------------------------------------------------------
    def run_dir(self, run_id: str) -> Path:
        return self.home / validate_run_id(run_id)

    def artifact(self, run_id: str, name: str) -> Path:
        """The path of a run's artifact; `name` is a plain file name, never a path."""
        if Path(name).name != name or name in ("", ".", ".."):
            raise ValueError(f"invalid artifact name {name!r}")
        return self.run_dir(run_id) / name

    def write_artifact(self, run_id: str, name: str, write: Callable[[Path], None]) -> Path:
        """Call `write(temp_path)`, then rename into place, so readers see all or nothing; an
        `ArtifactWriteError` names the file when it cannot be saved (a full disk)."""
        return run_folder.write_artifact(self.run_dir(run_id), self.artifact(run_id, name).name, write)
