"""Fuzzing what people type on the command line (hypothesis): any value of any override flag of
`mnist-lab train` either gives a config whose layer table is printed, or one line and exit
code 2; any `--grid` or `--range` of `mnist-lab sweep` is a study saved or one `ConfigError`
line, and never a traceback."""

from __future__ import annotations

import contextlib
import io
import itertools
import json

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from mnist_lab.cli import main
from mnist_lab.config import ConfigError, RunConfig
from mnist_lab.model import describe
from mnist_lab.overrides import OVERRIDE_FLAGS
from mnist_lab.store import RunStore
from mnist_lab.store.studies import StudyIndex
from mnist_lab.sweeps.launch import prepare_study
from tests.fuzzing import FUZZ

# What people type into numbers and lists, and what they mistype: signs, exponents, spaces,
# empty items, nan and inf, names of choices.
TYPED = "0123456789,,.-+e: "
well_formed = (st.integers(0, 64).map(str) | st.floats(1e-4, 1.0).map(repr)
               | st.lists(st.integers(1, 16).map(str), min_size=1, max_size=3).map(",".join)
               | st.sampled_from(["sgd", "adam", "cosine", "max", "strided", "relu", "true", "false"]))
typed = (well_formed | well_formed | st.text(st.sampled_from(TYPED), max_size=12)
         | st.sampled_from(["nan", "inf", "-inf", "1e400", "max", "avg,strided", "none", "relu",
                            "true", "2**40", "0x10", "", ","])
         # argv cannot hold a NUL; a line typed into a terminal or a form holds no line break
         | st.text(max_size=8).filter(lambda text: "\x00" not in text and len(f"{text}x".splitlines()) == 1))
flags = st.sampled_from(sorted(OVERRIDE_FLAGS) + ["--preset", "--name", "--tags"])


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def argument(flag: str, value: str) -> list[str]:
    if "action" in OVERRIDE_FLAGS.get(flag, {}):  # --batch-norm / --no-batch-norm take no value
        return [flag if len(value) % 2 else f"--no-{flag[2:]}"]
    return [f"{flag}={value}"]


@FUZZ
@given(st.lists(st.tuples(flags, typed), min_size=1, max_size=4))
def test_any_override_gives_a_layer_table_or_one_line_and_exit_2(tmp_path_factory, overrides):
    home = tmp_path_factory.getbasetemp() / "fuzz-overrides"
    argv = ["--home", str(home), "train", "--dry-run",
            *itertools.chain.from_iterable(argument(flag, value) for flag, value in overrides)]
    code, out, err = run_cli(argv)
    event(f"exit code {code}")
    assert code in (0, 2), (code, err)
    if code == 2:
        assert err.startswith("mnist-lab: error: ") and err.count("\n") == 1, err
        assert out == ""
        return
    # The printed config is the one validated: it reads back and describes the same.
    config_text = out[:out.index("\n}\n") + 2]
    config = RunConfig.from_json(config_text)
    assert f"total: {describe(config).params:,} parameters" in out


# The fields a study sweeps, as the README names them, and a few that are no field at all.
FIELDS = ["learning_rate", "blocks.kernel_size", "blocks.0.filters", "blocks.7.filters", "dense.units",
          "filters_scale", "optimizer", "blocks.batch_norm", "blocks.downsample", "epochs", "seed",
          "momentum", "subset", "blocks", "dense.0", "preset", "folds"]
fields = st.sampled_from(FIELDS) | st.text(st.sampled_from("abdeklnorst._0123"), max_size=14)
values = st.lists(typed, max_size=4).map(",".join)
ranges = st.tuples(typed, typed, st.sampled_from(["", ":log", ":lin", ":"])).map(
    lambda parts: f"{parts[0]}..{parts[1]}{parts[2]}") | typed
# Grids and ranges as the README writes them, so that many reach the checks past parsing.
SENSIBLE = {"learning_rate": st.floats(1e-4, 1.0).map(repr), "blocks.kernel_size": st.integers(1, 9).map(str),
            "blocks.0.filters": st.integers(1, 64).map(str), "dense.units": st.integers(1, 256).map(str),
            "filters_scale": st.floats(0.1, 4.0).map(repr), "optimizer": st.sampled_from(["sgd", "adam"]),
            "blocks.batch_norm": st.sampled_from(["true", "false"]), "epochs": st.integers(0, 20).map(str),
            "blocks.downsample": st.sampled_from(["max", "avg", "strided", "none"])}
sensible_grid = st.sampled_from(sorted(SENSIBLE)).flatmap(lambda field: st.lists(
    SENSIBLE[field], min_size=1, max_size=3, unique=True).map(lambda items: f"{field}={','.join(items)}"))
sensible_range = st.sampled_from(["learning_rate", "momentum", "filters_scale", "dense.units",
                                  "blocks.kernel_size"]).flatmap(lambda field: st.tuples(
    st.floats(1e-4, 10.0), st.floats(1e-4, 10.0), st.sampled_from(["", ":log"])).map(
    lambda parts: f"{field}={parts[0]:g}..{parts[1]:g}{parts[2]}"))
names = (f"fuzz-{number}" for number in itertools.count())


@FUZZ
@given(grid=st.lists(sensible_grid | sensible_grid | st.tuples(fields, values).map("=".join), max_size=3),
       spans=st.lists(sensible_range | st.tuples(fields, ranges).map("=".join), max_size=2),
       sampler=st.sampled_from(["grid", "random", "tpe"]))
def test_any_grid_or_range_is_saved_or_refused_in_one_line(tmp_path_factory, grid, spans, sampler):
    store = RunStore(tmp_path_factory.getbasetemp() / "fuzz-sweeps")
    name = next(names)
    try:
        spec = prepare_study(store, name=name, grid=grid, ranges=spans, sampler=sampler)
    except ConfigError as error:
        event("refused")
        assert "\n" not in str(error) and str(error), str(error)
        assert StudyIndex(store).find(name) is None  # a refused study leaves nothing behind
        return
    event("saved")
    saved = StudyIndex(store).find(name)
    assert saved is not None and json.loads(json.dumps(saved.spec)) == spec.to_dict()
    assert store.list() == []  # preparing queues nothing


def test_a_boolean_flag_and_its_negation_both_reach_the_config(tmp_path):
    for flag, expected in (("--batch-norm", True), ("--no-batch-norm", False)):
        code, out, _ = run_cli(["--home", str(tmp_path), "train", "--dry-run", flag])
        assert code == 0
        assert {block["batch_norm"] for block in json.loads(out[:out.index("\n}\n") + 2])["blocks"]} == {
            expected}


@pytest.mark.parametrize(("flag", "message"), [
    ("--seed=4294967296", "seed must be 0..4294967295, got 4294967296"),
    ("--filters=1e400", "--filters: expected comma-separated int values, got '1e400'"),
    ("--learning-rate=nan", "learning rate must be in (0, 10], got nan"),
])
def test_values_that_slip_past_argparse_get_the_configs_message(tmp_path, flag, message):
    code, _, err = run_cli(["--home", str(tmp_path), "train", "--dry-run", flag])
    assert (code, err) == (2, f"mnist-lab: error: {message}\n")
