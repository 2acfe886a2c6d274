"""The studies in the index: a name, what was asked (the spec), and who drives it now.

A study's trials are ordinary runs tagged with its name (`Run.sweep_id`); this table holds only
what the runs cannot: the spec to resume from, the driving process and its heartbeat, and a
stop request. Everything else about a study is rebuilt from its runs. The spec is also saved
as `<home>/studies/<name>.spec.json`, so `reindex` can restore the study with its runs.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mnist_lab.store import run_folder
from mnist_lab.store.database import connect
from mnist_lab.store.liveness import STALE_AFTER_S, pid_alive
from mnist_lab.store.records import validate_name
from mnist_lab.store.runs import RunStore

STUDY_FOLDER = "studies"  # <home>/studies/: each study's spec, and the log of its processes
SPEC_SUFFIX = ".spec.json"
SCHEMA = """
CREATE TABLE IF NOT EXISTS studies (
    name TEXT PRIMARY KEY, spec_json TEXT NOT NULL, created_at REAL NOT NULL,
    driver_pid INTEGER, heartbeat_at REAL, stop_requested INTEGER NOT NULL DEFAULT 0,
    ended_at REAL, error TEXT
);
"""


class StudyNotFoundError(KeyError):
    def __str__(self) -> str:
        return f"no study named '{self.args[0]}'"


@dataclass(frozen=True)
class StudyRecord:
    name: str
    spec: dict[str, Any]
    created_at: float
    driver_pid: int | None
    heartbeat_at: float | None
    stop_requested: bool
    ended_at: float | None
    error: str | None

    @property
    def driven(self) -> bool:
        """A live process drives the study now (its heartbeat is fresh)."""
        return (self.ended_at is None and self.heartbeat_at is not None
                and time.time() - self.heartbeat_at <= STALE_AFTER_S and pid_alive(self.driver_pid))


class StudyIndex:
    """The studies table of a run store."""

    def __init__(self, store: RunStore) -> None:
        self.store = store
        with connect(store.db_path) as connection:
            connection.executescript(SCHEMA)

    def _row(self, name: str) -> StudyRecord | None:
        with connect(self.store.db_path) as connection:
            row = connection.execute("SELECT * FROM studies WHERE name = ?", (name,)).fetchone()
        return None if row is None else _record(row)

    def get(self, name: str) -> StudyRecord:
        record = self._row(name)
        if record is None:
            raise StudyNotFoundError(name)
        return record

    def find(self, name: str) -> StudyRecord | None:
        return self._row(name)

    def list(self) -> list[StudyRecord]:
        """Every study, newest first."""
        with connect(self.store.db_path) as connection:
            rows = connection.execute("SELECT * FROM studies ORDER BY created_at DESC").fetchall()
        return [_record(row) for row in rows]

    def create(self, name: str, spec: dict[str, Any]) -> StudyRecord:
        validate_name(name)
        with connect(self.store.db_path) as connection:
            connection.execute("INSERT INTO studies (name, spec_json, created_at) VALUES (?, ?, ?)",
                               (name, json.dumps(spec), time.time()))
        self._save_spec(name, spec)
        return self.get(name)

    def update_spec(self, name: str, spec: dict[str, Any]) -> None:
        self._set(name, spec_json=json.dumps(spec))
        self._save_spec(name, spec)

    def _save_spec(self, name: str, spec: dict[str, Any]) -> None:
        folder = study_folder(self.store.home)
        run_folder.write_artifact(folder, name + SPEC_SUFFIX,
                                  lambda path: path.write_text(json.dumps(spec, indent=1)))

    def start_driving(self, name: str, pid: int) -> None:
        """A driver takes the study over: a fresh heartbeat, no stop request, not ended."""
        self._set(name, driver_pid=pid, heartbeat_at=time.time(), stop_requested=0,
                  ended_at=None, error=None)

    def heartbeat(self, name: str) -> None:
        self._set(name, heartbeat_at=time.time())

    def request_stop(self, name: str) -> None:
        self._set(name, stop_requested=1)

    def end(self, name: str, error: str | None = None) -> None:
        self._set(name, ended_at=time.time(), error=error)

    def _set(self, name: str, **changes: Any) -> None:
        assignments = ", ".join(f"{column} = ?" for column in changes)
        with connect(self.store.db_path) as connection:
            cursor = connection.execute(f"UPDATE studies SET {assignments} WHERE name = ?",
                                        (*changes.values(), name))
        if cursor.rowcount == 0:
            raise StudyNotFoundError(name)


def _record(row) -> StudyRecord:
    return StudyRecord(
        name=row["name"], spec=json.loads(row["spec_json"]), created_at=row["created_at"],
        driver_pid=row["driver_pid"], heartbeat_at=row["heartbeat_at"],
        stop_requested=bool(row["stop_requested"]), ended_at=row["ended_at"], error=row["error"])


def study_folder(home: Path) -> Path:
    folder = home / STUDY_FOLDER
    folder.mkdir(exist_ok=True)
    return folder
