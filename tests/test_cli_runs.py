"""`runs compare`, `runs export` and `runs import` as a user types them."""

from __future__ import annotations

import re
import zipfile

import pytest

from mnist_lab.cli import main
from mnist_lab.store import RunStore
from mnist_lab.store.summary import ORIGINAL_CREATED_AT
from tests.fakes import seed_run


@pytest.fixture
def two_runs(store, mnist):
    first = seed_run(store, mnist.y_test, name="lenet5")
    second = seed_run(store, mnist.y_test, name="strided", preset_name="lenet5-strided",
                      mistakes=((4, 9, 20), (8, 3, 4)))
    return first, second


def home(store: RunStore) -> list[str]:
    return ["--home", str(store.home)]


def test_compare_prints_configs_layers_pairs_and_ensemble(store, two_runs, capsys):
    first, second = two_runs
    assert main([*home(store), "runs", "compare", first, second]) == 0
    out = capsys.readouterr().out
    a, b = f"lenet5 ({first[-6:]})", f"strided ({second[-6:]})"
    assert re.search(r"blocks\.1\.downsample +max +strided", out)
    assert re.search(r"block1_down +— +— +— +conv 6@3x3 same, stride 2, relu → 14x14x6 +330", out)
    assert re.search(r"total +61,706 +839,344 +64,356 +1,075,248 +no", out)
    assert re.search(r"^4 +99\.29% +97\.96%", out, re.MULTILINE)
    assert f"{a} is right where {b} is wrong on 17 digits, the reverse on 8; p = 0.110" in out
    assert re.search(r"4 read as 9 +7 +20 +-13", out)
    assert "The ensemble of 2 runs scores 99.93%, +0.08 points against the best member" in out


def test_compare_says_which_runs_have_no_predictions(store, two_runs, capsys):
    queued = store.create_run({"epochs": 1}, name="waiting")
    assert main([*home(store), "runs", "compare", two_runs[0], queued]) == 0
    out = capsys.readouterr().out
    assert "left out of the test-set comparison:" in out
    assert f"waiting ({queued[-6:]}): predictions.npz is missing" in out
    assert "ensemble" not in out


def test_export_then_import_makes_a_new_run_with_the_same_figures(store, two_runs, tmp_path, capsys):
    first, _ = two_runs
    target = tmp_path / "first.zip"
    assert main([*home(store), "runs", "export", first, "--out", str(target)]) == 0
    assert f"exported {first} to {target}" in capsys.readouterr().out
    assert "metrics.json" in zipfile.ZipFile(target).namelist()
    other = RunStore(tmp_path / "other")
    assert main([*home(other), "runs", "import", str(target)]) == 0
    new_id = re.search(r"as run (\S+) \(lenet5\)", capsys.readouterr().out).group(1)
    assert other.get(new_id).summary == {**store.get(first).summary,
                                         ORIGINAL_CREATED_AT: store.get(first).created_at}
    assert len(other.metrics(new_id)) == len(store.metrics(first)) == 9


def test_a_refused_archive_exits_2_with_one_line(store, two_runs, tmp_path, capsys):
    first, _ = two_runs
    target = tmp_path / "first.zip"
    main([*home(store), "runs", "export", first, "--out", str(target)])
    with zipfile.ZipFile(target, "a") as zipped:
        zipped.writestr("../evil", "x")
    capsys.readouterr()
    assert main([*home(store), "runs", "import", str(target)]) == 2
    err = capsys.readouterr().err
    assert err == ("mnist-lab: error: the archive: member '../evil' points outside the "
                   "archive folder\n")
    assert len(store.list()) == 2


@pytest.mark.parametrize(("arguments", "message"), [
    (["import", "missing.zip"], "no archive at missing.zip"),
    (["export", "20260101-000000-abcdef", "--out", "x.zip"], "no run with id '20260101-000000-abcdef'"),
    (["export", "20260101-000000-abcdef"], "the following arguments are required: --out"),
])
def test_bad_requests_exit_2(store, arguments, message, capsys):
    assert main([*home(store), "runs", *arguments]) == 2
    assert capsys.readouterr().err == f"mnist-lab: error: {message}\n"


def test_not_a_zip_is_refused(store, tmp_path, capsys):
    fake = tmp_path / "fake.zip"
    fake.write_bytes(b"hello")
    assert main([*home(store), "runs", "import", str(fake)]) == 2
    assert capsys.readouterr().err.startswith("mnist-lab: error: not a zip archive")


def test_compare_names_a_learning_rate_changed_during_training(store, two_runs, capsys):
    first, second = two_runs
    store.set_summary(second, {**store.get(second).summary, "learning_rate_changes": [[150, 0.005]]})
    assert main([*home(store), "runs", "compare", first, second]) == 0
    out = capsys.readouterr().out
    assert re.search(r"during training +nothing +learning rate set to 0\.005 at epoch 1\.50", out)
    assert (f"Changed during training, strided ({second[-6:]}): learning rate set to 0.005 at "
            "epoch 1.50." in out)


def test_compare_ranks_three_runs(store, two_runs, mnist, capsys):
    third = seed_run(store, mnist.y_test, name="convnet", preset_name="keras-convnet",
                     mistakes=((4, 9, 40),))
    assert main([*home(store), "runs", "compare", *two_runs, third]) == 0
    out = capsys.readouterr().out
    assert "ranking (repeats of one config by their mean)" in out
    assert re.search(rf"^1 +lenet5 \({two_runs[0][-6:]}\) +0 +1 +99\.85%", out, re.MULTILINE)
    assert re.search(rf"^3 +convnet \({third[-6:]}\) +0 +1 +99\.60%", out, re.MULTILINE)


def test_runs_list_starts_without_pandas(store, tmp_path):
    """A listing is a short process that scripts and the load benchmark start every second:
    importing pandas for it doubled its CPU time (0.24 s against 0.48 s)."""
    import subprocess
    import sys

    script = ("import sys; from mnist_lab.cli import main; code = main(sys.argv[1:]); "
              "print('pandas' in sys.modules); sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", script, *home(store), "runs", "list"],
                          capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "False"
