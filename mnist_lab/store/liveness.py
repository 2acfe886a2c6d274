"""Whether the process that owns an active run still lives, and how a run ends when it does not.

A trainer keeps its run's heartbeat fresh; the process that starts one records its pid first.
A running or paused run whose pid is gone or whose heartbeat is stale was interrupted (its
history is kept); a queued run whose process is gone never trained, so it failed, with the last
line its trainer logged.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from mnist_lab.store.artifacts import LOG_FILE
from mnist_lab.store.records import ACTIVE, RunStatus, validate_run_id

STALE_AFTER_S = 30.0
ENDED_UNEXPECTEDLY = "the training process ended unexpectedly"


def dead_runs(connection: sqlite3.Connection, home: Path, now: float) -> dict[str, tuple[RunStatus, str]]:
    """Active runs whose trainer is gone: run id -> (final status, why)."""
    rows = connection.execute(
        "SELECT id, status, pid, heartbeat_at, created_at FROM runs WHERE status IN (?, ?, ?)",
        ACTIVE).fetchall()
    ended = {}
    for row in rows:
        if row["heartbeat_at"] is None:
            if row["status"] == RunStatus.QUEUED and now - row["created_at"] > STALE_AFTER_S:
                ended[row["id"]] = (RunStatus.FAILED, "no trainer process was started for it")
        elif now - row["heartbeat_at"] > STALE_AFTER_S or not pid_alive(row["pid"]):
            ended[row["id"]] = (
                (RunStatus.FAILED, early_death(home, row["id"]))
                if row["status"] == RunStatus.QUEUED
                else (RunStatus.INTERRUPTED, ENDED_UNEXPECTEDLY))
    return ended


def early_death(home: Path, run_id: str) -> str:
    """Why a queued run's trainer is gone, with the last line it logged if there is one."""
    reason = "the trainer process ended before training started"
    try:
        with open(home / validate_run_id(run_id) / LOG_FILE, "rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - 4096))
            lines = [line.strip() for line in log.read().decode(errors="replace").splitlines()]
    except (OSError, ValueError):  # no log, or an id in a damaged row that names no folder
        return reason
    last = next((line for line in reversed(lines) if line), None)
    return f"{reason}; it last wrote: {last[:300]}" if last else reason


def pid_alive(pid: int | None) -> bool:
    """Whether a process with this pid exists on this machine (zombies count as dead)."""
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True
