"""Setting a study up, from the command line or the Experiments page, and starting its driver.

`prepare_study` is the one door: a built-in, a saved study (resumed, its budget changed if
asked) or a new one; it validates everything and saves the spec, so a refused study leaves
nothing behind. `launch_driver` starts `mnist-lab sweep --study NAME` in its own session and
at the trainers' niceness (`mnist_lab.processes`), so a study outlives the page that started it.
"""

from __future__ import annotations

import subprocess
import time
from typing import Any

from mnist_lab import processes
from mnist_lab.config import ConfigError, RunConfig, preset
from mnist_lab.store import RunStore
from mnist_lab.store.studies import StudyIndex
from mnist_lab.sweeps.builtin import builtin_study
from mnist_lab.sweeps.local import study_log
from mnist_lab.sweeps.space import parse_grid, parse_range
from mnist_lab.sweeps.study import StudySpec


def prepare_study(store: RunStore, *, study: str | None = None, name: str | None = None,
                  grid: list[str] = (), ranges: list[str] = (), base: str | None = None,
                  config_text: str | None = None, sampler: str = "grid", repeats: int | None = None,
                  prune: bool = False, confirm: bool = True, seed: int = 0,
                  budget: dict[str, Any] | None = None, save: bool = True) -> StudySpec:
    """The study asked for, validated and saved (unless `save` is False: a look before the
    start); a one-line ConfigError otherwise.

    `study` names a built-in or saved study to run or resume; otherwise `grid` and `ranges`
    ("FIELD=V1,V2", "FIELD=LOW..HIGH[:log]") over `base` (a preset) or `config_text` (JSON).
    `budget` may set epochs, subset, max_trials and time_budget_s; None leaves one as it is.
    """
    index = StudyIndex(store)
    name = study or name or time.strftime("sweep-%Y%m%d-%H%M%S")
    saved = index.find(name)
    if study:
        if grid or ranges:
            raise ConfigError("--study runs a built-in or saved study; give --grid/--range without it")
        spec = StudySpec.from_dict(saved.spec) if saved else builtin_study(name)
    else:
        base_config = RunConfig.from_json(config_text) if config_text else preset(base or "lenet5")
        spec = StudySpec(name=name, base=base_config,
                         dimensions=[*map(parse_grid, grid), *map(parse_range, ranges)],
                         sampler=sampler, repeats=repeats or 1, prune=prune, seed=seed,
                         confirm=confirm)
        if saved and not spec.same_question(StudySpec.from_dict(saved.spec)):
            raise ConfigError(f"a study named '{name}' already asks another question; resume it "
                              f"with --study {name}, or choose another --name")
    for key, value in (budget or {}).items():
        if value is not None:
            setattr(spec.budget, key, value)
    if repeats is not None:
        spec.repeats = repeats
    spec.validate()
    if not save:
        return spec
    if saved is None:
        index.create(name, spec.to_dict())
    else:
        index.update_spec(name, spec.to_dict())
    return spec


def launch_driver(store: RunStore, name: str, ray_address: str | None = None) -> subprocess.Popen:
    """Start (or resume) a saved study's driver in the background; its output goes to the
    study's log. The starter records the driver's pid and a first heartbeat, so the study
    shows as running at once; a thread reaps the driver when it ends."""
    process = processes.start("sweep", "--study", name,
                              *(["--ray-address", ray_address] if ray_address else []),
                              home=store.home, log=study_log(store, name))
    StudyIndex(store).start_driving(name, process.pid)
    return processes.reap(process, f"study {name}")
