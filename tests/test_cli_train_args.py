"""`mnist-lab train`'s input: bad flags and config files get one line and exit 2, every
flag reaches the config, digits parse back, and a dry run trains nothing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mnist_lab.cli import main
from mnist_lab.config import RunConfig
from mnist_lab.overrides import parse_classes


@pytest.mark.parametrize(("argv", "message"), [
    (["train", "--epochs", "zero"], "argument --epochs: invalid int value: 'zero'"),
    (["train", "--kernel", "9", "--filters", "8,8,8"], "block 3: 9x9 kernel on a 3x3 feature map"),
    (["train", "--downsample", "median"], "--downsample: unknown mode 'median'"),
    (["train", "--filters", "8,x"], "--filters: expected comma-separated int values"),
    (["train", "--kernel", "3,3,3"], "--kernel: give one value or one per block (2), got 3"),
    (["train", "--epochs", "0"], "epochs must be 1..1000, got 0"),
    (["train", "--preset", "lenet6"], "argument --preset: invalid choice: 'lenet6'"),
    (["train", "--kind", "dense"], "--kind: unknown kind 'dense'; use one of"),
    (["train", "--kind", "residual"], "block 2: residual blocks need padding 'same'"),
    (["train", "--classes", "5-x"], "--classes: expected digits or ranges like 0-4, got '5-x'"),
    (["train", "--classes", "7"], "classes needs at least two digits"),
    (["train", "--augment-zoom", "0.9"], "augment zoom must be in [0, 0.5]"),
    (["train", "--transfer", "copy"], "argument --transfer: invalid choice: 'copy'"),
    (["runs", "show", "../../etc"], "invalid run id '../../etc'"),
    (["runs", "show", "20200101-000000-000000"], "no run with id '20200101-000000-000000'"),
])
def test_bad_flags_and_configs_get_one_line_and_exit_2(store, capsys, argv, message):
    assert main(["--home", str(store.home), *argv]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and message in error


def test_bad_config_file_gets_one_line(store, tmp_path, capsys):
    path = tmp_path / "config.json"
    path.write_text('{"blocks": [{"filters": 8, "kernal_size": 3}]}')
    assert main(["--home", str(store.home), "train", "--config", str(path)]) == 2
    assert "block 1: unknown field 'kernal_size'" in capsys.readouterr().err


def test_new_flags_reach_the_config(store, capsys):
    assert main(["--home", str(store.home), "train", "--preset", "resnet-small", "--dry-run",
                 "--kind", "plain,residual,inception,residual", "--classes", "0-2,7",
                 "--label-smoothing", "0.1", "--augment-rotation", "12", "--no-global-pooling",
                 "--beta-1", "0.7", "--augment-translation", "0.1", "--augment-zoom", "0.05",
                 "--augment-elastic", "0.3"]) == 0
    config = RunConfig.from_json(capsys.readouterr().out.split("\nlayer ")[0])
    assert [block.kind for block in config.blocks] == ["plain", "residual", "inception", "residual"]
    assert config.classes == [0, 1, 2, 7] and config.label_smoothing == 0.1
    assert (config.augment_rotation, config.augment_translation, config.augment_zoom,
            config.augment_elastic) == (12, 0.1, 0.05, 0.3)
    assert config.global_pooling is False and config.beta_1 == 0.7


@given(st.sets(st.integers(0, 9), min_size=1))
def test_classes_written_as_ranges_or_lists_parse_back(digits):
    ordered = sorted(digits)
    runs, start = [], ordered[0]
    for previous, digit in zip(ordered, [*ordered[1:], None], strict=True):
        if digit != previous + 1:
            runs.append(f"{start}-{previous}" if previous > start else str(start))
            start = digit
    assert parse_classes(",".join(runs)) == ordered
    assert parse_classes(",".join(map(str, ordered))) == ordered


def test_dry_run_prints_the_layer_table(store, capsys):
    assert main(["--home", str(store.home), "train", "--preset", "lenet5", "--dry-run"]) == 0
    output = capsys.readouterr().out
    assert "block2_pool" in output and "5x5x16" in output and "61,706 parameters" in output
    assert store.list() == []
