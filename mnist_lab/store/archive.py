"""Export one finished run as a zip, and import such a zip only after checking all of it.

An archive holds `manifest.json` (name, tags, notes, summary, status, label marks), `config.json`,
`metrics.json` (every metric row) and the run's artifacts. An import trusts nothing: member
names, sizes, compression ratios, the config, the arrays and the model (loaded with Keras's
`safe_mode`) are checked in a temporary folder, and only then is a new run created.
"""

from __future__ import annotations

import io
import json
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from mnist_lab.config import ConfigError, RunConfig
from mnist_lab.model import Architecture, describe, saved
from mnist_lab.store import RunStatus, RunStore, artifacts, marks, validate_name
from mnist_lab.store.run_folder import (
    FORMAT,
    METRICS_FILE,
    VERSION,
    metric_rows,
    metric_rows_problem,
    run_manifest,
)
from mnist_lab.store.summary import ORIGINAL_CREATED_AT, quoted, summary_problems

MANIFEST_FILE = "manifest.json"
# Artifacts travel as they are; train.log and the config are rebuilt or left behind.
ARTIFACT_FILES = (artifacts.MODEL_FILE, artifacts.PREDICTIONS_FILE, artifacts.VALIDATION_FILE,
                  artifacts.TRACKED_FILE, artifacts.HELDOUT_FILE, artifacts.CURVES_FILE,
                  artifacts.EMBEDDINGS_FILE)
ARRAY_READERS = {artifacts.PREDICTIONS_FILE: artifacts.read_predictions,
                 artifacts.VALIDATION_FILE: artifacts.read_validation,
                 artifacts.TRACKED_FILE: artifacts.read_tracked,
                 artifacts.HELDOUT_FILE: artifacts.read_heldout,
                 artifacts.EMBEDDINGS_FILE: artifacts.read_embeddings}
# Written by versions before 2026-12 and now computed from predictions.npz: accepted, not kept.
DROPPED_MEMBERS = ("evaluation.json",)
KNOWN_MEMBERS = (MANIFEST_FILE, artifacts.CONFIG_FILE, METRICS_FILE, *ARTIFACT_FILES,
                 *DROPPED_MEMBERS)
COPY_CHUNK = 1 << 20


class ArchiveError(ValueError):
    """A run archive that cannot be exported or imported; one line saying why."""


@dataclass(frozen=True)
class ArchiveLimits:
    """What an import accepts: bytes per member and in all, members, compression ratio."""

    max_member_bytes: int = 256 << 20
    max_total_bytes: int = 512 << 20
    max_members: int = 16
    max_ratio: float = 100.0
    # Small members (JSON) may compress well without being bombs.
    ratio_checked_above: int = 1 << 20
    max_metric_rows: int = 1_000_000


# Exporting ------------------------------------------------------------------------------
def export_run(store: RunStore, run_id: str) -> bytes:
    """The zip of a finished run (an active run is refused: its files are still changing)."""
    run = store.get(run_id)
    if run.status.active:
        raise ArchiveError(f"run {run_id} is {run.status}; export it once it has finished")
    rows = metric_rows(store.metrics(run_id))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST_FILE, json.dumps(run_manifest(run, store.label_marks(run_id)), indent=2))
        archive.writestr(artifacts.CONFIG_FILE, json.dumps(run.config, indent=2))
        archive.writestr(METRICS_FILE, json.dumps(rows))
        for name in ARTIFACT_FILES:
            path = store.artifact(run_id, name)
            if path.is_file():
                archive.write(path, name)
    return buffer.getvalue()


# Importing ------------------------------------------------------------------------------
DEFAULT_LIMITS = ArchiveLimits()


def import_run(store: RunStore, source: bytes | BinaryIO | Path | str,
               limits: ArchiveLimits = DEFAULT_LIMITS) -> str:
    """Check the archive completely, then add it to the store as a new run; return its id.

    Raises `ArchiveError` naming the first problem; the store is then left unchanged.
    """
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        raise ArchiveError(f"not a zip archive: {error}") from None
    with archive, tempfile.TemporaryDirectory(prefix="mnist-lab-import-") as folder:
        unpacked = Path(folder)
        _extract(archive, unpacked, limits, allowed=KNOWN_MEMBERS)
        manifest = _read_manifest(unpacked)
        checked = _read_config(unpacked)
        rows = _read_metrics(unpacked, limits)
        _check_artifacts(unpacked, checked, limits)
        return _add_to_store(store, unpacked, manifest, checked, rows)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:300]


def _check_members(archive: zipfile.ZipFile, limits: ArchiveLimits,
                   allowed: tuple[str, ...] | None, where: str) -> list[zipfile.ZipInfo]:
    """Refuse paths, links, duplicates, unknown names and anything too big or too compressed."""
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise ArchiveError(f"{where} has {len(members)} members; at most {limits.max_members} "
                           "are accepted")
    seen: set[str] = set()
    total = 0
    for info in members:
        name = info.filename
        path = PurePosixPath(name.replace("\\", "/"))
        if path.is_absolute() or (len(name) > 1 and name[1] == ":"):
            raise ArchiveError(f"{where}: member {name!r} is an absolute path")
        if ".." in path.parts:
            raise ArchiveError(f"{where}: member {name!r} points outside the archive folder")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ArchiveError(f"{where}: member {name!r} is a symbolic link")
        if allowed is not None and name not in allowed:
            raise ArchiveError(f"{where}: unknown member {name!r}; a run archive holds only "
                               f"{', '.join(allowed)}")
        if name in seen:
            raise ArchiveError(f"{where}: member {name!r} appears twice")
        seen.add(name)
        if info.file_size > limits.max_member_bytes:
            raise ArchiveError(f"{where}: {name} unpacks to {info.file_size:,} bytes; the limit "
                               f"is {limits.max_member_bytes:,}")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_checked_above and ratio > limits.max_ratio:
            raise ArchiveError(f"{where}: {name} is compressed {ratio:,.0f} to 1, a likely zip "
                               f"bomb; the limit is {limits.max_ratio:,.0f} to 1")
        total += info.file_size
        if total > limits.max_total_bytes:
            raise ArchiveError(f"{where} unpacks to more than {limits.max_total_bytes:,} bytes")
    return members


def _extract(archive: zipfile.ZipFile, folder: Path, limits: ArchiveLimits,
             allowed: tuple[str, ...]) -> None:
    """Copy checked members into `folder`, stopping at the declared size whatever the data says."""
    for info in _check_members(archive, limits, allowed, "the archive"):
        written = 0
        try:
            with archive.open(info) as member, open(folder / info.filename, "wb") as target:
                while chunk := member.read(COPY_CHUNK):
                    written += len(chunk)
                    if written > min(info.file_size, limits.max_member_bytes):
                        raise ArchiveError(f"{info.filename} holds more data than its header says")
                    target.write(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
            raise ArchiveError(f"{info.filename} cannot be unpacked: {_one_line(error)}") from None


def _read_json(folder: Path, name: str) -> Any:
    path = folder / name
    if not path.is_file():
        raise ArchiveError(f"the archive has no {name}; is it a run exported by mnist-lab?")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ArchiveError(f"{name} is not valid JSON: {_one_line(error)}") from None


def _read_manifest(folder: Path) -> dict[str, Any]:
    manifest = _read_json(folder, MANIFEST_FILE)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(f"{MANIFEST_FILE} does not describe an mnist-lab run")
    if manifest.get("version") != VERSION:
        raise ArchiveError(f"archive version {quoted(manifest.get('version'))} is not supported "
                           f"(this version reads {VERSION})")
    try:
        validate_name(manifest.get("name"))
        tags = manifest.get("tags", [])
        if not isinstance(tags, list):
            raise ValueError(f"tags must be a list, got {type(tags).__name__}")
        for tag in tags:
            validate_name(tag)
        status = RunStatus(manifest.get("status"))
    except ValueError as error:
        raise ArchiveError(f"{MANIFEST_FILE}: {_one_line(error)}") from None
    if status.active:
        raise ArchiveError(f"{MANIFEST_FILE}: the run is {status}; only finished runs are imported")
    notes = manifest.get("notes", "")
    if not isinstance(notes, str) or len(notes) > 10_000 or "\x00" in notes:
        raise ArchiveError(f"{MANIFEST_FILE}: notes must be text of at most 10,000 characters")
    problems = summary_problems(manifest.get("summary", {}))
    if problems:
        raise ArchiveError(f"{MANIFEST_FILE}: {problems[0]}")
    created = manifest.get("created_at")
    if created is not None and (isinstance(created, bool) or not isinstance(created, int | float)
                                or not 0 <= created < 1e11):
        raise ArchiveError(f"{MANIFEST_FILE}: created_at must be a time in seconds, got {quoted(created)}")
    if not isinstance(manifest.get("error"), str | None):
        raise ArchiveError(f"{MANIFEST_FILE}: error must be text or null")
    try:  # archives written before marks existed have none
        manifest["label_marks"] = marks.from_json(manifest.get("label_marks", []))
    except ValueError as error:
        raise ArchiveError(f"{MANIFEST_FILE}: {_one_line(error)}") from None
    return manifest


def _read_config(folder: Path) -> Architecture:
    """The archive's config, checked here, at its door, once."""
    try:
        return describe(RunConfig.from_dict(_read_json(folder, artifacts.CONFIG_FILE)))
    except ConfigError as error:
        raise ArchiveError(f"{artifacts.CONFIG_FILE}: {_one_line(error)}") from None


def _read_metrics(folder: Path, limits: ArchiveLimits) -> list[dict[str, Any]]:
    if not (folder / METRICS_FILE).is_file():
        return []
    rows = _read_json(folder, METRICS_FILE)
    problem = metric_rows_problem(rows, limits.max_metric_rows)
    if problem:
        raise ArchiveError(problem)
    return rows


def _check_artifacts(folder: Path, checked: Architecture, limits: ArchiveLimits) -> None:
    """Read every array back through the store's own readers, which check shapes and values,
    and load the model without running code."""
    try:
        for name, read in ARRAY_READERS.items():
            if (folder / name).is_file():
                read(folder)
    except artifacts.ArtifactError as error:
        raise ArchiveError(_one_line(str(error).replace(f" in {folder}", ""))) from None
    if (folder / artifacts.MODEL_FILE).is_file():
        _check_model(folder / artifacts.MODEL_FILE, checked, limits)


def _check_model(path: Path, checked: Architecture, limits: ArchiveLimits) -> None:
    """The model must open with safe_mode (no Lambda code) and match the config's size."""
    try:
        with zipfile.ZipFile(path) as inner:
            _check_members(inner, limits, None, artifacts.MODEL_FILE)
    except zipfile.BadZipFile as error:
        raise ArchiveError(f"{artifacts.MODEL_FILE} is not a Keras model file: {error}") from None
    try:
        model = saved.load_model(path, compile=False)  # only an import with a model loads Keras
    except saved.ModelError as error:
        raise ArchiveError(f"{artifacts.MODEL_FILE} was refused: {_one_line(error)}") from None
    expected = checked.params
    if model.count_params() != expected:
        raise ArchiveError(f"{artifacts.MODEL_FILE} has {model.count_params():,} parameters but "
                           f"config.json describes {expected:,}")


def _add_to_store(store: RunStore, folder: Path, manifest: dict[str, Any], checked: Architecture,
                  rows: list[dict[str, Any]]) -> str:
    """Create the run (which writes its config.json), then write its rows and files; undo the
    run if anything fails."""
    run_id = store.create_run(checked.config.to_dict(), name=manifest["name"],
                              tags=manifest.get("tags", []))
    try:
        store.set_status(run_id, RunStatus(manifest["status"]), error=manifest.get("error"))
        store.update(run_id, notes=manifest.get("notes", ""))
        store.set_summary(run_id, _with_original_date(manifest))
        store.log_metrics_many(run_id, rows)
        store.set_label_marks(run_id, manifest["label_marks"])
        for name in ARTIFACT_FILES:
            if (folder / name).is_file():
                store.write_artifact(run_id, name,
                                     lambda path, name=name: shutil.copyfile(folder / name, path))
    except BaseException:
        store.delete(run_id)
        raise
    return run_id


def _with_original_date(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest's summary, with the date the run was first created when the archive says it."""
    summary = manifest.get("summary", {})
    created = manifest.get("created_at")  # checked by _read_manifest: None or a time
    if ORIGINAL_CREATED_AT in summary or created is None:
        return summary
    return {**summary, ORIGINAL_CREATED_AT: float(created)}
