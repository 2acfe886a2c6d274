"""The `sweep`, `studies` and `worker` commands, for `mnist_lab.cli`.

`mnist-lab sweep --grid FIELD=V1,V2 ...` (or `--study NAME`) creates a study, or resumes the
one of that name, and drives it here until it is done, printing each trial as it finishes and
the conclusion at the end.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from mnist_lab.config import ConfigError, preset_names
from mnist_lab.store import RunStore
from mnist_lab.store.studies import StudyIndex
from mnist_lab.sweeps.builtin import builtin_names
from mnist_lab.sweeps.launch import prepare_study
from mnist_lab.sweeps.local import LocalExecutor, local_trainers
from mnist_lab.sweeps.study import SAMPLERS, StudySpec

# The driver, the report and the trainer are imported by the commands that use them: every
# other command (`mnist-lab runs list`, run every second by the load benchmark) would pay
# 1.3 s for SciPy, scikit-learn and Optuna.


def add_commands(commands, parser_class) -> None:
    sweep = commands.add_parser("sweep", help="run a study: a grid or search over config fields, "
                                "with seeds; resumes a study of the same name")
    what = sweep.add_mutually_exclusive_group()
    what.add_argument("--study", help=f"a built-in study ({', '.join(builtin_names())}) or a "
                      "saved one, resumed")
    sweep.add_argument("--grid", action="append", default=[], metavar="FIELD=V1,V2",
                       help="values of a config field, e.g. blocks.kernel_size=3,5,7 (repeatable)")
    sweep.add_argument("--range", action="append", default=[], metavar="FIELD=LOW..HIGH[:log]",
                       help="a number range, for --sampler random or tpe")
    base = sweep.add_mutually_exclusive_group()
    base.add_argument("--base", choices=preset_names(), help="the base config (default lenet5)")
    base.add_argument("--config", type=Path, help="the base config from a JSON file")
    sweep.add_argument("--sampler", choices=SAMPLERS, default="grid")
    sweep.add_argument("--repeats", type=int, help="seeds per point (default 1, built-ins 3)")
    sweep.add_argument("--epochs", type=int, help="epochs of every trial")
    sweep.add_argument("--subset", type=int, help="training images per class of every trial")
    sweep.add_argument("--max-trials", type=int, help="the most trials (points x seeds) to train")
    sweep.add_argument("--time-budget", type=float, metavar="MINUTES",
                       help="queue no new trial after this long")
    sweep.add_argument("--prune", action="store_true",
                       help="stop trials below the median validation accuracy (Optuna)")
    sweep.add_argument("--no-confirm", action="store_true",
                       help="do not re-run the two best of 3+ arms on fresh seeds")
    sweep.add_argument("--name", help="the study's name (default sweep-<date>-<time>)")
    sweep.add_argument("--seed", type=int, default=0, help="the sampler's seed")
    sweep.add_argument("--ray-address", default=os.environ.get("RAY_ADDRESS"),
                       help="train the trials on the Ray cluster at this address ('local': "
                       "start Ray here); default $RAY_ADDRESS, else this machine's trainers")
    sweep.add_argument("--cpus-per-trial", type=int,
                       help="cores each trial trains with (default 1: here, one trainer per core, "
                       "the fastest layout measured; on Ray, each trial's bundle)")

    studies = commands.add_parser("studies", help="list, show or stop studies")
    study_commands = studies.add_subparsers(dest="studies_command", required=True,
                                            parser_class=parser_class)
    study_commands.add_parser("list", help="every study and its trials' states")
    study_commands.add_parser("show", help="results and conclusion").add_argument("name")
    study_commands.add_parser("stop", help="stop a study: queued trials leave the queue, the "
                              "running ones stop after their batch").add_argument("name")

    worker = commands.add_parser("worker", help=argparse.SUPPRESS)
    worker.add_argument("--study", required=True)
    worker.add_argument("--data")


def spec_from_args(args: argparse.Namespace, store: RunStore) -> StudySpec:
    """The study the command line describes: new, built in, or saved (resumed)."""
    return prepare_study(
        store, study=args.study, name=args.name, grid=args.grid, ranges=args.range,
        base=args.base, config_text=_read(args.config) if args.config else None,
        sampler=args.sampler, repeats=args.repeats, prune=args.prune, confirm=not args.no_confirm,
        seed=args.seed, budget={"epochs": args.epochs, "subset": args.subset,
                                "max_trials": args.max_trials,
                                "cpus_per_trial": args.cpus_per_trial,
                                "time_budget_s": None if args.time_budget is None
                                else args.time_budget * 60})


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error.strerror}") from None


def run_sweep(args: argparse.Namespace, store: RunStore) -> int:
    from mnist_lab.sweeps.driver import drive

    spec = spec_from_args(args, store)
    record = StudyIndex(store).get(spec.name)
    if record.driven and record.driver_pid != os.getpid():  # its starter may have named us
        raise ConfigError(f"study {spec.name} is already running (driver pid {record.driver_pid})")
    executor = executor_for(store, spec, args.ray_address)
    print(f"study {spec.name}: {spec.sampler} over "
          f"{', '.join(dimension.field for dimension in spec.dimensions)}, "
          f"{spec.repeats} seed(s) per point, on "
          f"{'Ray at ' + args.ray_address if args.ray_address else 'this machine'}", flush=True)
    drive(store, spec, executor, say=lambda line: print(line, flush=True))
    _print_report(store, spec.name)
    return 0


def executor_for(store: RunStore, spec: StudySpec, ray_address: str | None):
    """This machine's trainers, or a Ray cluster's workers when an address is given."""
    if not ray_address:
        return LocalExecutor(store, spec.name, spec.budget)
    from mnist_lab.sweeps.ray_backend import RayExecutor  # only now is Ray imported

    return RayExecutor(store, spec, ray_address)


def run_studies(args: argparse.Namespace, store: RunStore) -> int:
    from mnist_lab.sweeps.report import study_report

    index = StudyIndex(store)
    if args.studies_command == "list":
        for record in index.list():
            report = study_report(store, record.name)
            state = "running" if record.driven else "stopped" if record.stop_requested else "idle"
            counts = ", ".join(f"{count} {state}" for state, count in sorted(report.counts.items()))
            print(f"{record.name:28} {state:8} {counts or 'no trials'}")
    elif args.studies_command == "show":
        _print_report(store, args.name)
    else:
        index.get(args.name)
        index.request_stop(args.name)
        if not index.get(args.name).driven:  # no driver to carry it out: do it here
            from mnist_lab.sweeps.driver import stop_study

            stop_study(store, args.name)
        print(f"stop requested for study {args.name}")
    return 0


def run_worker(args: argparse.Namespace, store: RunStore) -> int:
    from mnist_lab.training.runner import serve_study

    index = StudyIndex(store)
    budget = StudySpec.from_dict(index.get(args.study).spec).budget

    def study_done() -> bool:
        record = index.get(args.study)
        return record.stop_requested or not record.driven

    trained = serve_study(store, args.study, local_trainers(budget), data_source=args.data,
                          until=study_done)
    print(f"worker {os.getpid()} leaves after {trained} trial(s)", flush=True)
    return 0


def _print_report(store: RunStore, name: str) -> None:
    from mnist_lab.compare.arms import interval_text
    from mnist_lab.formats import percent
    from mnist_lab.sweeps.report import study_report

    report = study_report(store, name)
    print(f"\nstudy {name}: " + (", ".join(f"{count} {state}" for state, count
                                          in sorted(report.counts.items())) or "no trials"))
    for arm in report.arms:
        interval = arm.interval()
        spread = f"95% interval {interval_text(interval)}" if arm.n >= 2 else interval_text(interval)
        print(f"  {arm.label:32} n={arm.n}  {percent(interval.mean)}  ({spread})  {arm.path}")
    conclusion = report.conclusion
    print("\n" + "\n".join((conclusion.headline, *conclusion.lines)))
    if conclusion.other_question:
        print("\n" + "\n".join(conclusion.other_question))
