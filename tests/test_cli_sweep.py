"""The sweep and studies commands: bad input is one line and exit 2, and nothing is queued."""

from __future__ import annotations

import pytest

from mnist_lab.cli import main
from mnist_lab.store.studies import StudyIndex


@pytest.mark.parametrize(("argv", "message"), [
    (["sweep"], "the search space is empty"),
    (["sweep", "--grid", "kernel=3,5"], "unknown field 'kernel'"),
    (["sweep", "--grid", "blocks.kernel_size=3,x"], "blocks.kernel_size takes int values, got 'x'"),
    (["sweep", "--grid", "blocks.kernel_size=3,5", "--repeats", "3", "--max-trials", "4"],
     "the grid has 6 trials (2 points x 3 seeds) but the limit is 4"),
    (["sweep", "--grid", "blocks.kernel_size=3,31"], "blocks.kernel_size=31: block 1: kernel size must"),
    (["sweep", "--range", "learning_rate=0.1..0.001", "--sampler", "tpe"], "need LOW < HIGH"),
    (["sweep", "--study", "pool"], "unknown built-in study 'pool'"),
    (["sweep", "--study", "pooling", "--grid", "epochs=1"], "give --grid/--range without it"),
    (["studies", "show", "nothing"], "no study named 'nothing'"),
])
def test_bad_sweeps_get_one_line_exit_2_and_queue_nothing(store, capsys, argv, message):
    assert main(["--home", str(store.home), *argv]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and message in error
    assert store.list() == [] and StudyIndex(store).list() == []


def test_a_name_taken_by_another_question_is_refused(store, capsys):
    StudyIndex(store).create("mine", {"name": "mine"})  # stands for a saved study
    from mnist_lab.config import preset
    from mnist_lab.sweeps.space import parse_grid
    from mnist_lab.sweeps.study import StudySpec

    saved = StudySpec(name="mine", base=preset("lenet5"), dimensions=[parse_grid("epochs=1,2")])
    StudyIndex(store).update_spec("mine", saved.to_dict())
    argv = ["--home", str(store.home), "sweep", "--name", "mine", "--grid", "epochs=1,3"]
    assert main(argv) == 2
    assert "a study named 'mine' already asks another question" in capsys.readouterr().err
    assert store.list() == []


def test_stopping_a_study_without_a_driver_takes_its_trials_off_the_queue(store, capsys):
    import os

    from mnist_lab.store import RunStatus

    StudyIndex(store).create("idle", {"name": "idle"})
    queued = store.create_run({}, sweep_id="idle", trial={"point": {}, "seed": 0}, pid=os.getpid())
    assert main(["--home", str(store.home), "studies", "stop", "idle"]) == 0
    run = store.get(queued)
    assert (run.status, run.error) == (RunStatus.STOPPED, "the study was stopped")
    assert "stop requested for study idle" in capsys.readouterr().out


def test_without_ray_installed_a_ray_address_gets_one_line(tmp_path):
    """Ray is an optional extra: a machine without it is told so, in one line, exit code 2."""
    import subprocess
    import sys

    code = ("import importlib.abc, sys\n"
            "class NoRay(importlib.abc.MetaPathFinder):\n"
            "    def find_spec(self, name, path, target=None):\n"
            "        if name == 'ray' or name.startswith('ray.'):\n"
            "            raise ImportError('No module named ray')\n"
            "sys.meta_path.insert(0, NoRay())\n"
            "from mnist_lab.cli import main\n"
            f"sys.exit(main(['--home', {str(tmp_path)!r}, 'sweep', '--grid', 'epochs=1,2',"
            " '--ray-address', 'local', '--name', 'no-ray']))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip() == ("mnist-lab: error: Ray is not installed: pip install -r "
                                     "requirements-ray.txt (or leave out --ray-address)")
