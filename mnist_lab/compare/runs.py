"""Compare N runs from what the store holds: configs, layer tables, metrics, curves, seeds.

Everything returns plain rows or frames, so the Compare page, the Runs page and the CLI
print the same numbers. Comparisons of test predictions live in `compare.predictions`.
"""

from __future__ import annotations

import time
from typing import Any

import pandas as pd

from mnist_lab.config import ConfigError, RunConfig
from mnist_lab.model import Architecture, describe
from mnist_lab.store import Run, RunStatus, lineage

METRIC_COLUMNS = (
    ("test_accuracy", "test accuracy"),
    ("params", "params"),
    ("flops", "FLOPs"),
    ("epochs_trained", "epochs"),
    ("train_seconds", "train s"),
    ("images_per_second", "images/s"),
)
# What "What differs" leaves out of the settings: a label a run started from, not a setting.
LABELS = ("preset",)


def run_labels(runs: list[Run]) -> dict[str, str]:
    """Run id -> a short label that stays unique when names repeat: `lenet5 (a1b2c3)`."""
    return {run.id: f"{run.name} ({run.id[-6:]})" for run in runs}


def pair_choice(labels: list[str], a: str | None, b: str | None) -> tuple[str, str]:
    """Runs A and B for a head-to-head, kept where they are still valid: two different labels.

    A stays if it is still among `labels` (else the first); B stays if it is still there and
    is not A (else the first label that is not A).
    """
    if len(labels) < 2:
        raise ValueError(f"a head-to-head needs two runs, got {len(labels)}")
    a = a if a in labels else labels[0]
    b = b if b in labels and b != a else next(label for label in labels if label != a)
    return a, b


def flatten_config(config: dict[str, Any]) -> dict[str, Any]:
    """`{"blocks": [{"filters": 6}]}` -> `{"blocks.1.filters": 6, "blocks": 1}` (counts kept)."""
    flat: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else key, item)
        elif isinstance(value, list) and all(isinstance(item, dict) for item in value):
            flat[prefix] = len(value)
            for number, item in enumerate(value, 1):
                walk(f"{prefix}.{number}", item)
        else:
            flat[prefix] = value

    walk("", config)
    return flat


def config_diff(configs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows {"field": name, <label>: value, ...} for every field whose value differs; a label
    (the preset a run started from) comes last, named as a label, not a setting.

    A field missing from a config (a block another config lacks) shows as None.
    """
    flat = {label: flatten_config(config) for label, config in configs.items()}
    for values in flat.values():  # a label last, by another name
        for name in LABELS:
            values[f"{name} (a label, not a setting)"] = values.pop(name, None)
    names: list[str] = []
    for values in flat.values():
        names += [name for name in values if name not in names]
    rows = []
    for name in names:
        row = {label: values.get(name) for label, values in flat.items()}
        if len({repr(value) for value in row.values()}) > 1:
            rows.append({"field": name, **row})
    return rows


DURING_TRAINING = "during training"  # the row of "What differs" that is not in the config


def changes_during_training(run: Run) -> list[str]:
    """What changed while the run trained, beyond its config: each requested learning rate,
    and an end before the last epoch (with the share of an epoch trained)."""
    steps_per_epoch = run.summary.get("steps_per_epoch")
    changes = [f"learning rate set to {rate:g}" + (f" at epoch {step / steps_per_epoch:.2f}"
                                                    if steps_per_epoch else "")
               for step, rate in run.summary.get("learning_rate_changes", [])]
    if run.status is not RunStatus.COMPLETED:
        trained = run.summary.get("epochs_trained", 0)
        changes.append(f"{run.status} after {trained:.2f} of {run.config.get('epochs')} epochs")
    return changes


def during_training_rows(changes: dict[str, list[str]]) -> list[dict[str, Any]]:
    """A "What differs" row for the changes made during training, when the runs differ in them."""
    row = {label: "; ".join(items) or "nothing" for label, items in changes.items()}
    return [{"field": DURING_TRAINING, **row}] if len(set(row.values())) > 1 else []


def confounder_text(changes: dict[str, list[str]]) -> str:
    """The verdict's caveat: what else than the config changed in the runs compared ("" if nothing)."""
    named = [f"{label}: {'; '.join(items)}" for label, items in changes.items() if items]
    if not named:
        return ""
    return ("Not only the config differs, so the gap cannot be put down to it alone. "
            "Changed during training, " + "; ".join(named) + ".")


def _merged_order(sequences: list[list[str]]) -> list[str]:
    """Every name once, each sequence's order kept: a new name goes right after its predecessor."""
    merged: list[str] = []
    for sequence in sequences:
        position = -1
        for name in sequence:
            if name in merged:
                position = merged.index(name)
            else:
                position += 1
                merged.insert(position, name)
    return merged


def architecture_of(config: dict[str, Any]) -> Architecture | None:
    """The layer table of a stored config, or None when it no longer validates."""
    try:
        return describe(RunConfig.from_dict(config))
    except ConfigError:
        return None


def architecture_diff(configs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Layer by layer, aligned by Keras layer name: what each run has there.

    Each row has "layer", "same" (every run has this layer with the same shape and
    detail) and per label three cells: `<label>` ("conv 6@5x5 same, relu → 28x28x6",
    or "—" where the run lacks the layer), `<label> params` and `<label> FLOPs`.
    A last row "total" sums parameters and FLOPs.
    """
    tables = {label: architecture_of(config) for label, config in configs.items()}
    broken = [label for label, table in tables.items() if table is None]
    if broken:
        raise ValueError(f"the config of {', '.join(broken)} does not describe a valid network")
    layers = {label: {layer.name: layer for layer in table.layers} for label, table in tables.items()}
    order = _merged_order([[layer.name for layer in table.layers] for table in tables.values()])
    rows = []
    for name in order:
        row: dict[str, Any] = {"layer": name}
        shown = []
        for label, by_name in layers.items():
            layer = by_name.get(name)
            text = "—" if layer is None else " ".join(filter(None, (
                layer.kind, layer.detail, "→", "x".join(map(str, layer.output_shape)))))
            shown.append(text)
            row[label] = text
            row[f"{label} params"] = None if layer is None else layer.params
            row[f"{label} FLOPs"] = None if layer is None else layer.flops
        row["same"] = len(set(shown)) == 1
        rows.append(row)
    total: dict[str, Any] = {"layer": "total"}
    for label, table in tables.items():
        total.update({label: "", f"{label} params": table.params, f"{label} FLOPs": table.flops})
    total["same"] = len({(table.params, table.flops) for table in tables.values()}) == 1
    return rows + [total]


_KIND_MARKS = {"plain": "", "residual": "res", "inception": "inc"}


def architecture_summary(config: dict[str, Any]) -> str:
    """A one-line sketch for tables: "conv 6@5x5, 16@5x5 / max / dense 120-84" (or the problem).

    Each block reads filters@kernel, then "x2" when it stacks two convolutions; residual and
    inception blocks are marked: "res16@3x3 x2", "inc16" (an inception block's branches have
    kernels 1, 3 and 5).
    """
    try:
        parsed = RunConfig.from_dict(config)
    except ConfigError as error:
        return f"invalid config: {error}"
    parts = []
    if parsed.blocks:
        parts.append("conv " + ", ".join(
            f"{_KIND_MARKS[block.kind]}{block.filters}"
            + ("" if block.kind == "inception" else f"@{block.kernel_size}x{block.kernel_size}")
            + (f" x{block.convs}" if block.convs > 1 and block.kind != "inception" else "")
            for block in parsed.blocks))
        parts.append("/".join(dict.fromkeys(block.downsample for block in parsed.blocks)))
    if parsed.dense:
        parts.append("dense " + "-".join(str(layer.units) for layer in parsed.dense))
    return " / ".join(parts) or "softmax only"


def lineage_lines(runs: list[Run]) -> list[str]:
    """One sentence per run started from another run's weights: which, how, what it kept."""
    labels = run_labels(runs)
    lines = []
    for run in runs:
        parent = lineage.parent_id(run)
        if parent is None:
            continue
        source = labels.get(parent, f"run {parent} (not among these runs)")
        how = run.config.get("transfer", "fine-tune")
        copied, frozen = run.summary.get("copied_layers"), run.summary.get("frozen_layers")
        kept = "" if copied is None else f": {len(copied)} layers copied, {len(frozen or [])} frozen"
        lines.append(f"{labels[run.id]} started from the weights of {source} ({how}){kept}.")
    return lines


def metrics_rows(runs: list[Run]) -> list[dict[str, Any]]:
    """One row per run: id, name, status and the summary's headline figures."""
    return [
        {"id": run.id, "name": run.name, "status": str(run.status),
         **{label: run.summary.get(key) for key, label in METRIC_COLUMNS}}
        for run in runs
    ]


def trained_alongside(run: Run, others: list[Run]) -> int:
    """How many other runs trained during some part of this run's training (0 if it never started).

    A run still going counts as training until now.
    """
    if run.started_at is None:
        return 0
    end = run.ended_at or time.time()
    return sum(1 for other in others if other.id != run.id and other.started_at is not None
               and other.started_at < end and (other.ended_at or time.time()) > run.started_at)


def throughput_note(runs: list[Run], others: list[Run]) -> str:
    """A warning when the runs' images/s were measured under different load ("" when alike).

    The load known to the lab is the other runs training at the same time (`others`: every
    run of the store); other work on the machine is not recorded.
    """
    labels = run_labels(runs)
    alongside = {labels[run.id]: trained_alongside(run, others) for run in runs if run.started_at}
    if len(set(alongside.values())) <= 1:
        return ""
    counts = "; ".join(f"{label} alongside {count} other run{'s' * (count != 1)}"
                       if count else f"{label} alone" for label, count in alongside.items())
    return ("images/s and train s were measured under different load, so they compare the "
            f"machine's load as much as the networks: {counts}.")


def aligned_curves(histories: dict[str, pd.DataFrame], metric: str) -> pd.DataFrame:
    """Epoch rows of N runs side by side: index epoch, one column per label.

    A run without the metric, or with fewer epochs, leaves NaN in its column.
    """
    columns = {}
    for label, history in histories.items():
        epochs = history[history["kind"] == "epoch"] if "kind" in history.columns else history
        if metric in epochs.columns and len(epochs):
            columns[label] = epochs.set_index("epoch")[metric]
    frame = pd.DataFrame(columns)
    frame.index.name = "epoch"
    return frame.sort_index()
