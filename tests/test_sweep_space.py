"""A study's search space and spec: parsing, per-block fields, validation, the built-in studies."""

from __future__ import annotations

import os

import pytest

from mnist_lab.config import ConfigError, preset
from mnist_lab.sweeps import search
from mnist_lab.sweeps.builtin import builtin_names, builtin_study
from mnist_lab.sweeps.local import local_trainers
from mnist_lab.sweeps.space import apply_point, grid_points, parse_grid, parse_range
from mnist_lab.sweeps.study import Budget, StudySpec, point_key


def test_a_grid_is_every_combination_with_typed_values():
    dimensions = [parse_grid("blocks.kernel_size=3,5,7"), parse_grid("optimizer=sgd,adam")]
    points = grid_points(dimensions)
    assert len(points) == 6
    assert points[0] == {"blocks.kernel_size": 3, "optimizer": "sgd"}
    assert {type(point["blocks.kernel_size"]) for point in points} == {int}


def test_per_block_fields_set_one_block_or_every_block():
    base = preset("lenet5")
    every = apply_point(base, {"blocks.kernel_size": 3})
    first = apply_point(base, {"blocks.0.kernel_size": 3})
    assert [block.kernel_size for block in every.blocks] == [3, 3]
    assert [block.kernel_size for block in first.blocks] == [3, 5]
    assert [block.kernel_size for block in base.blocks] == [5, 5]  # the base is not changed
    assert apply_point(base, {"dense.units": 64}).dense[1].units == 64


@pytest.mark.parametrize(("scale", "filters"), [(0.5, [3, 8]), (1.0, [6, 16]), (2.0, [12, 32]),
                                                (4.0, [24, 64])])
def test_filters_scale_multiplies_lenet5s_filters(scale, filters):
    config = apply_point(preset("lenet5"), {"filters_scale": scale})
    assert [block.filters for block in config.blocks] == filters


@pytest.mark.parametrize(("spec", "message"), [
    ("kernel=3,5", "unknown field 'kernel'"),
    ("blocks.kernal_size=3", "unknown field 'blocks.kernal_size'"),
    ("blocks.kernel_size=3,five", "blocks.kernel_size takes int values, got 'five'"),
    ("batch_norm=yes", "unknown field 'batch_norm'"),
    ("blocks.batch_norm=yes", "blocks.batch_norm takes true or false, got 'yes'"),
    ("learning_rate", "expected FIELD=VALUES"),
    ("epochs=", "give at least one value"),
    ("seed=1,2", "unknown field 'seed'"),
])
def test_bad_grid_specs_are_named(spec, message):
    with pytest.raises(ConfigError, match=message):
        parse_grid(spec)


def test_ranges_need_number_fields_and_order():
    assert parse_range("learning_rate=0.001..0.1:log").log
    with pytest.raises(ConfigError, match="optimizer is str; a range needs a number field"):
        parse_range("optimizer=a..b")
    with pytest.raises(ConfigError, match="need LOW < HIGH"):
        parse_range("learning_rate=0.1..0.01")


def spec(**changes) -> StudySpec:
    values = {"name": "test", "base": preset("lenet5"),
              "dimensions": [parse_grid("blocks.kernel_size=3,5")], "repeats": 2}
    values.update(changes)
    return StudySpec(**values)


@pytest.mark.parametrize(("changes", "message"), [
    ({"dimensions": []}, "the search space is empty"),
    ({"dimensions": [parse_grid("blocks.kernel_size=3,29")]},
     "blocks.kernel_size=29: block 1: kernel size must be 1..28"),
    ({"dimensions": [parse_grid("blocks.kernel_size=3,15")]},
     "blocks.kernel_size=15: block 2: 15x15 kernel on a 14x14"),
    ({"dimensions": [parse_grid("blocks.9.kernel_size=3")]}, "the base config has 2 blocks"),
    ({"budget": Budget(max_trials=3)}, "the grid has 4 trials \\(2 points x 2 seeds\\) but the limit is 3"),
    ({"dimensions": [parse_range("learning_rate=0.001..0.1")]}, "a grid needs listed values"),
    ({"repeats": 0}, "repeats must be 1..20"),
    ({"budget": Budget(cpus_per_trial=0)}, "cpus per trial must be at least 1, got 0"),
    ({"name": "../x"}, "invalid run name"),
])
def test_an_impossible_study_is_refused_before_anything_is_queued(changes, message):
    with pytest.raises((ConfigError, ValueError), match=message):
        spec(**changes).validate()


def test_a_spec_round_trips_and_resuming_may_change_only_the_budget():
    original = spec(budget=Budget(epochs=2, subset=50))
    again = StudySpec.from_dict(original.to_dict())
    assert again.to_dict() == original.to_dict()
    again.budget.max_trials = 7
    assert again.same_question(original)
    assert not spec(repeats=3).same_question(original)
    config = original.trial_config({"blocks.kernel_size": 3}, seed=4)
    assert (config.epochs, config.subset, config.seed, config.preset) == (2, 50, 4, None)


def test_a_study_trains_one_trial_per_core_unless_its_trials_take_more(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert [local_trainers(Budget(cpus_per_trial=cpus)) for cpus in (1, 2, 3, 8, 16)] == [8, 4, 2, 1, 1]


def test_the_builtin_studies_ask_the_tutorials_questions():
    assert builtin_names() == ["filter-size", "filter-size-quick", "filter-count", "filter-count-quick",
                               "pooling", "pooling-quick", "pooling-vs-stride", "pooling-vs-stride-quick",
                               "training-label-errors", "training-label-errors-quick"]
    arms = {}
    for name in builtin_names()[:8]:
        study = builtin_study(name)
        study.validate()
        assert (study.repeats, study.prune, study.base.preset) == (3, False, "lenet5")
        arms[name] = [study.trial_config(point, 0) for point in grid_points(study.dimensions)]
    assert [config.blocks[0].kernel_size for config in arms["filter-size"]] == [3, 5, 7]
    assert [[block.filters for block in config.blocks] for config in arms["filter-count"]] == [
        [3, 8], [6, 16], [12, 32], [24, 64]]
    assert [config.blocks[1].downsample for config in arms["pooling"]] == ["max", "avg"]
    assert [config.blocks[1].downsample for config in arms["pooling-vs-stride"]] == ["max", "strided"]
    quick = arms["pooling-quick"][0]
    assert (quick.subset, quick.epochs) == (300, 4)
    assert (arms["pooling"][0].subset, arms["pooling"][0].epochs) == (None, 10)
    with pytest.raises(ConfigError, match="unknown built-in study 'pool'"):
        builtin_study("pool")


def test_grid_order_is_a_seeded_permutation_of_every_point():
    dimensions = [parse_grid("blocks.kernel_size=3,5,7"), parse_grid("blocks.downsample=max,avg")]
    order = search.grid_order(dimensions, seed=0)
    assert sorted(map(str, order)) == sorted(map(str, grid_points(dimensions)))
    assert order == search.grid_order(dimensions, seed=0)
    assert order != grid_points(dimensions)  # shuffled: every factor shows early


def test_random_proposals_stay_in_range_and_never_repeat_a_point():
    dimensions = [parse_range("learning_rate=0.001..0.1:log"), parse_grid("optimizer=sgd,adam")]
    taken: set[str] = set()
    for _ in range(5):
        point = search.propose(dimensions, "random", 0, [], taken)
        assert 0.001 <= point["learning_rate"] <= 0.1 and point["optimizer"] in ("sgd", "adam")

        assert point_key(point) not in taken
        taken.add(point_key(point))
    small = [parse_grid("optimizer=sgd,adam")]
    keys = {'{"optimizer": "sgd"}', '{"optimizer": "adam"}'}
    assert search.propose(small, "tpe", 0, [], keys) is None  # nothing untried is left


def test_the_cross_validation_study_trains_exactly_the_fold_runs():
    from mnist_lab.training.folds import fold_configs

    study = builtin_study("training-label-errors")
    study.validate()
    configs = [study.trial_config(point, 0) for point in grid_points(study.dimensions)]
    expected = fold_configs(preset("lenet5").replace(preset=None), 5)
    assert [config.to_dict() for config in configs] == [config.to_dict() for config in expected]
    assert (study.repeats, study.confirm) == (1, False)
