"""The run store: one SQLite index plus one folder per run, the only contract between trainers
and the dashboard; a run's files and their readers (`artifacts`); zip export and import
(`archive`); what people say about a run's test images (`marks`); the record each run folder
keeps (`run_folder`) and the rebuild of a damaged index from those folders (`reindex`)."""

from mnist_lab.store.database import IndexDamagedError
from mnist_lab.store.marks import LabelMark
from mnist_lab.store.records import (
    FINISHED,
    RUN_ID_PATTERN,
    TERMINATED_BY_SIGTERM,
    Request,
    RequestKind,
    Run,
    RunNotFoundError,
    RunStatus,
    parse_tags,
    validate_name,
    validate_run_id,
)
from mnist_lab.store.runs import STALE_AFTER_S, RunStore, default_home

__all__ = [
    "FINISHED", "RUN_ID_PATTERN", "STALE_AFTER_S", "TERMINATED_BY_SIGTERM", "IndexDamagedError", "LabelMark",
    "Request", "RequestKind", "Run",
    "RunNotFoundError",
    "RunStatus", "RunStore", "default_home", "parse_tags", "validate_name", "validate_run_id",
]
