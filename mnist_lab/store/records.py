"""What the run store holds, and the rules for it: statuses, runs, requests, ids, names, tags.

Plain values with no database in them, so the store (`runs`), archives and pages share one
definition of each rule.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mnist_lab.store.summary import readable_summary

TERMINATED_BY_SIGTERM = "terminated (SIGTERM)"  # the error of a run ended by SIGTERM
# The middle dot and the multiplication sign name a study's trials ("kernel 5×5 · seed 2").
_NAME_PATTERN = re.compile(r"[\w .,:+=()@#·×-]{1,80}")
# A run id, and nothing else: the one definition (the live view's script is handed it too).
# Always matched whole (`fullmatch`): `$` would let "ID\n" through.
RUN_ID_PATTERN = "[0-9]{8}-[0-9]{6}-[0-9a-f]{6}"
_ID_PATTERN = re.compile(RUN_ID_PATTERN, re.ASCII)


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    STOPPED = "stopped"
    FAILED = "failed"
    INTERRUPTED = "interrupted"

    @property
    def active(self) -> bool:
        """A process owns the run and keeps its heartbeat fresh."""
        return self in ACTIVE

    @property
    def finished(self) -> bool:
        """Trained to an end someone chose, so its model and predictions are there to study.

        The one definition: pickers, Compare, "Start from" and the CLI's exit code use it.
        """
        return self in FINISHED


FINISHED = (RunStatus.COMPLETED, RunStatus.STOPPED)
ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.PAUSED)


class RequestKind(StrEnum):
    STOP = "stop"
    PAUSE = "pause"
    RESUME = "resume"
    SET_LEARNING_RATE = "set_lr"


class RunNotFoundError(KeyError):
    def __str__(self) -> str:
        return f"no run with id '{self.args[0]}'"


@dataclass(frozen=True)
class Run:
    """One row of the index. `problem` names what is damaged in it, if anything: such a run is
    still listed (with what could be read), so one bad row never breaks a listing or a page."""

    id: str
    name: str
    status: RunStatus
    created_at: float
    started_at: float | None
    ended_at: float | None
    heartbeat_at: float | None
    pid: int | None
    config: dict[str, Any]
    summary: dict[str, Any]
    tags: list[str]
    notes: str
    sweep_id: str | None
    error: str | None
    trial: dict[str, Any] | None = None
    problem: str | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Run:
        problems: list[str] = []

        def column(name: str, kind: type, default: Any) -> Any:
            try:
                value = json.loads(row[f"{name}_json"])
            except (TypeError, ValueError):
                value = None
            if not isinstance(value, kind):
                problems.append(f"its {name} is not a JSON {kind.__name__}")
                return default
            return value

        try:
            status = RunStatus(row["status"])
        except ValueError:
            problems.append(f"unknown status {row['status']!r}")
            status = RunStatus.FAILED
        config = column("config", dict, {})
        summary, summary_problem = readable_summary(column("summary", dict, {}))
        tags = column("tags", list, [])
        trial = column("trial", dict, None) if row["trial_json"] is not None else None
        if summary_problem:
            problems.append(summary_problem)
        if not all(isinstance(tag, str) for tag in tags):
            problems.append("its tags are not all text")
            tags = [tag for tag in tags if isinstance(tag, str)]
        return cls(
            id=row["id"], name=str(row["name"]), status=status,
            created_at=row["created_at"], started_at=row["started_at"],
            ended_at=row["ended_at"], heartbeat_at=row["heartbeat_at"], pid=row["pid"],
            config=config, summary=summary, tags=tags, notes=str(row["notes"]),
            sweep_id=row["sweep_id"], error=row["error"], trial=trial,
            problem="; ".join(problems) or None,
        )


@dataclass(frozen=True)
class Request:
    id: int
    kind: RequestKind
    value: float | None


def validate_name(name: str) -> str:
    """Run names are free text for people, but never a path, a control character or huge."""
    if not isinstance(name, str) or not _NAME_PATTERN.fullmatch(name) or name.strip(" .") == "":
        raise ValueError(
            f"invalid run name {name!r}: use 1-80 letters, digits, spaces and . , : + = ( ) @ # - _ · ×"
        )
    return name


def parse_tags(text: str) -> list[str]:
    """Tags as people type them: "a, b ,,c, a" -> ["a", "b", "c"] (each kept once, in order)."""
    return list(dict.fromkeys(tag.strip() for tag in text.split(",") if tag.strip()))


def validate_run_id(run_id: str) -> str:
    """Ids name folders in the store, so only the exact generated form is accepted."""
    if not isinstance(run_id, str) or not _ID_PATTERN.fullmatch(run_id):
        raise ValueError(f"invalid run id {run_id!r}: expected the form 20260101-120000-a1b2c3")
    return run_id
