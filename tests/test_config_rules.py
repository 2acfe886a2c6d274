"""Every config field's rules are declared once, with the field, and every door reads them:
validation, the Train form, the command line (flags, --set, --help, `mnist-lab fields`) and a
study's space agree on what each field takes."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
from types import MappingProxyType

import pytest

from mnist_lab.cli import main
from mnist_lab.config import (
    ConfigError,
    ConvBlock,
    DenseLayer,
    RunConfig,
    field_at,
    field_info,
    field_infos,
    field_paths,
    preset,
    with_values,
)
from mnist_lab.config._rules import RULE, rule
from mnist_lab.links import decode_config, encode_config
from mnist_lab.model import describe
from mnist_lab.store import RunStore
from mnist_lab.sweeps.launch import prepare_study
from mnist_lab.sweeps.space import NOT_SWEPT

BASE = "lenet5"
# Fields whose values depend on other fields or on the store, so one value alone says nothing:
# the parent run (must exist), a fold (1..folds), the preset's label; and a scale of filters.
NOT_ALONE = {"init_from", "fold", "folds", "preset", "filters_scale"}


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def text(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def cases() -> list[tuple[str, object, object]]:
    """(path, a valid value the form can hold, an invalid value or None) for every field."""
    found = []
    for path, info in field_paths():
        if info.name in NOT_ALONE or info.name in ("blocks", "dense"):
            continue
        rule_ = info.rule
        if rule_.choices is not None:
            found.append((path, next(iter(rule_.choices)), "nonesuch"))
        elif rule_.low is not None:
            low, high = info.form_bounds()
            valid = low if low or not info.optional else high
            invalid = rule_.high if rule_.open_high else rule_.high + (1 if info.integer else 0.5)
            found.append((path, valid, invalid))
        elif info.type == "bool":
            found.append((path, True, None))
        elif info.name == "classes":
            found.append((path, "0-4", "0,1,12"))
    return found


CASES = cases()


def test_every_field_of_the_config_has_a_rule():
    for cls in (RunConfig, ConvBlock, DenseLayer):
        for info in field_infos(cls):
            assert info.rule.help, f"{cls.__name__}.{info.name} has no help"
    assert {path for path, _ in field_paths()} >= {"learning_rate", "blocks.kernel_size", "dense.units",
                                                   "momentum", "head_dropout", "blocks.padding",
                                                   "blocks.convs"}


def test_a_field_declared_without_a_rule_is_named():
    @dataclasses.dataclass
    class Undescribed:
        described: int = rule(1, low=0, high=2, help="has one")
        bare: int = 3

    with pytest.raises(ConfigError, match="Undescribed.bare has no rule"):
        field_infos(Undescribed)


def test_the_cases_cover_every_field_with_a_range_or_choices():
    covered = {path for path, _, _ in CASES}
    ruled = {path for path, info in field_paths()
             if (info.rule.low is not None or info.rule.choices is not None) and info.name not in NOT_ALONE}
    assert ruled <= covered and len(CASES) >= 30


@pytest.mark.parametrize(("path", "valid", "invalid"), CASES, ids=[case[0] for case in CASES])
def test_a_value_is_taken_or_refused_alike_at_every_door(tmp_path, path, valid, invalid):
    """The CLI's --set, a link, a study's grid and the Train form take the valid value and
    refuse (or, the form, bring back and name) the invalid one."""
    from app.train.fit import fit_to_form

    store = RunStore(tmp_path / "runs")
    field = path.split(".")[-1]
    for value, accepted in ((valid, True), (invalid, False)):
        if value is None:
            continue
        code, _, err = run_cli("--home", str(store.home), "train", "--preset", BASE, "--dry-run",
                               "--set", f"{path}={text(value)}")
        assert code == (0 if accepted else 2), (path, value, err)
        if not accepted:
            assert err.count("\n") == 1 and field_at(path).noun in err, err

        if isinstance(value, str) and field == "classes":
            from mnist_lab.config import parse_classes
            value = parse_classes(value)
        config = with_values(preset(BASE), {path: value})
        linked = decode_config(encode_config(config))  # a link carries it as it is...
        if accepted:
            describe(linked)  # ...and the page checks it at the door
        else:
            with pytest.raises(ConfigError):
                describe(linked)

        notes = fit_to_form(config)[1]  # the form brings a value it cannot hold back, and says so
        assert bool(notes) is (not accepted), (path, value, notes)

        if path.split(".")[0] not in NOT_SWEPT:
            name = f"s{abs(hash((path, accepted))) % 10**8}"
            if accepted:
                prepare_study(store, name=name, grid=[f"{path}={text(valid)}"])
            else:
                with pytest.raises(ConfigError):
                    prepare_study(store, name=name, grid=[f"{path}={text(invalid)}"])


def test_the_issues_example_sets_every_field_it_names(tmp_path):
    code, out, _ = run_cli("--home", str(tmp_path), "train", "--preset", "lenet5", "--set", "momentum=0.8",
                           "--set", "blocks.1.padding=same", "--set", "head_dropout=0.2", "--dry-run")
    assert code == 0
    config = RunConfig.from_json(out[:out.index("\n}\n") + 2])
    assert (config.momentum, config.blocks[1].padding, config.blocks[0].padding, config.head_dropout) == (
        0.8, "same", "same", 0.2)
    assert "14x14x16" in out  # lenet5's second convolution keeps its 14x14 map with 'same'



@pytest.mark.parametrize(("setting", "message"), [
    ("momentum=1.5", "mnist-lab: error: momentum must be in [0, 1), got 1.5\n"),
    ("nosuch=1", "mnist-lab: error: unknown field 'nosuch'"),
    ("blocks.kernel_size=x", "mnist-lab: error: blocks.kernel_size takes int values, got 'x'\n"),
    ("blocks.7.padding=same", "mnist-lab: error: blocks.7.padding: the base config has 2 blocks\n"),
    ("momentum", "mnist-lab: error: --set momentum: expected FIELD=VALUE\n"),
])
def test_a_bad_setting_is_one_line_and_exit_2(tmp_path, setting, message):
    code, out, err = run_cli("--home", str(tmp_path), "train", "--dry-run", "--set", setting)
    assert (code, out) == (2, "")
    assert err.startswith(message) and err.count("\n") == 1


def test_global_options_work_before_or_after_the_command(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_LAB_VERBOSE", "")  # --verbose sets it; undone after the test
    before = run_cli("--home", str(tmp_path / "a"), "runs", "list")
    after = run_cli("runs", "list", "--home", str(tmp_path / "b"))
    middle = run_cli("runs", "--home", str(tmp_path / "c"), "list")
    assert before[0] == after[0] == middle[0] == 0
    assert all((tmp_path / name / "index.sqlite").is_file() for name in "abc")
    code, _, err = run_cli("--home", str(tmp_path / "a"), "train", "--verbose", "--epochs", "0")
    assert code == 2 and "epochs must be 1..1000, got 0" in err


def test_train_help_shows_every_fields_range_and_default():
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main(["train", "--help"])
    help_text = " ".join(out.getvalue().split())
    for phrase in ("passes over the training images (1..1000; default 10)",
                   "SGD's momentum ([0, 1); default 0.9)", "--head-dropout", "--padding", "--convs",
                   "--set FIELD=VALUE", "(max|avg|strided|none; default max)"):
        assert phrase in help_text, phrase


def test_the_field_listing_names_every_path_with_what_it_takes():
    code, out, _ = run_cli("fields")
    assert code == 0
    for path, _ in field_paths():
        assert f"\n{path} " in f"\n{out}", path
    assert "blocks.downsample" in out and "max|avg|strided|none; default max; --downsample" in out
    assert "subset" in out and "1..6000 images per class; default none; --subset" in out


def test_one_change_to_a_range_changes_validation_the_form_and_the_cli(monkeypatch):
    """The epochs' rule, narrowed to 1..50 in its one place, is what every reader then says."""
    from app.train.fit import fit_to_form

    field = RunConfig.__dataclass_fields__["epochs"]
    narrowed = dataclasses.replace(field.metadata[RULE], high=50)
    monkeypatch.setattr(field, "metadata", MappingProxyType({RULE: narrowed}))

    with pytest.raises(ConfigError, match="epochs must be 1..50, got 60"):
        describe(RunConfig(epochs=60))
    assert field_info(RunConfig, "epochs").form_bounds() == (1, 50)
    assert fit_to_form(RunConfig(epochs=60))[1] == ["epochs 60 (set to 50, the form holds 1 to 50)"]
    code, _, err = run_cli("train", "--dry-run", "--epochs", "60")
    assert code == 2 and "epochs must be 1..50, got 60" in err
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main(["train", "--help"])
    assert "(1..50; default 10)" in " ".join(out.getvalue().split())


def test_form_bounds_step_inside_open_ends_and_stop_where_the_rule_says():
    assert field_info(ConvBlock, "dropout").form_bounds() == (0.0, 0.95)
    assert field_info(RunConfig, "momentum").form_bounds() == (0.0, 0.99)
    assert field_info(RunConfig, "beta_2").form_bounds() == (0.0, 0.9999)
    assert field_info(RunConfig, "learning_rate").form_bounds() == (1e-6, 10.0)
    assert field_info(RunConfig, "augment_rotation").form_bounds() == (0.0, 45.0)
    assert field_info(RunConfig, "subset").form_bounds() == (0, 6000)  # 0: every image
    for path, info in field_paths():
        if info.rule.low is not None:
            low, high = info.form_bounds()
            assert low <= high and not math.isnan(low), path


def test_the_train_forms_widgets_hold_what_the_rules_say(page_home):
    from tests.test_page_train import open_train

    at = open_train()
    assert not at.exception
    for key, cls, name in (("cfg_train_epochs", RunConfig, "epochs"),
                           ("cfg_train_momentum", RunConfig, "momentum"),
                           ("cfg_train_lr", RunConfig, "learning_rate"),
                           ("cfg_b1_filters", ConvBlock, "filters"), ("cfg_d1_units", DenseLayer, "units"),
                           ("cfg_train_subset", RunConfig, "subset")):
        widget = at.number_input(key=key)
        assert (widget.min, widget.max) == field_info(cls, name).form_bounds(), key
        assert widget.label == ("Dense 1 units" if name == "units" else field_info(cls, name).label)
    for key, cls, name in (("cfg_train_val", RunConfig, "validation_split"),
                           ("cfg_b1_drop", ConvBlock, "dropout"),
                           ("cfg_data_rotation", RunConfig, "augment_rotation")):
        widget = at.slider(key=key)
        assert (widget.min, widget.max) == field_info(cls, name).form_bounds(), key
    downsample = at.selectbox(key="cfg_b1_down")
    assert downsample.options == ["max pooling", "average pooling", "stride-2 convolution", "none"]
