"""What a live chart needs since its last look at a run: new points, progress and status.

The Train page's live view asks for this every two seconds over a small HTTP route and
appends the answer to the chart it holds, instead of rerunning a Streamlit fragment: on a
two-core machine shared with the trainer, a fragment tick (server rerun, browser re-render of
the elements and the whole Plotly figure) was what a watched run cost its trainer.
Pure reads of the run store; no Streamlit, no TensorFlow.
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict

import pandas as pd

from mnist_lab.figures import CURVES, curve_points, curves_figure
from mnist_lab.formats import format_duration
from mnist_lab.live.progress import (
    REFERENCE_ACCURACIES,
    learning_rate_changes,
    queue_position,
    training_progress,
)
from mnist_lab.store import Run, RunStatus, RunStore
from mnist_lab.training import runner

LOADING = "Loading the data and building the model…"


def chart_template(lr_changes=(), unfrozen_at: int | None = None) -> dict:
    """The live chart without points, as Plotly JSON: every line of `CURVES`, in that order."""
    figure = curves_figure(pd.DataFrame(), reference_lines=REFERENCE_ACCURACIES,
                           lr_changes=list(lr_changes), live=True, unfrozen_at=unfrozen_at)
    # Plain Plotly.js draws it, outside Streamlit's themed charts: name a whole template
    # rather than whatever default the importing process set.
    figure.update_layout(template="plotly_white", margin={"t": 40, "l": 60, "b": 40})
    return json.loads(figure.to_json())


def _finite(values) -> list[float | None]:
    """JSON has no NaN: a missing value (say, an x from a row without epoch_progress) is null."""
    return [float(value) if math.isfinite(value) else None for value in values]


def new_points(history: pd.DataFrame, after_id: int) -> list[dict]:
    """Per line of `CURVES` with anything newer than metric row `after_id`: its new points.

    The moving average of the batch lines runs over the whole history, so appended points
    continue the line the browser already holds.
    """
    points = []
    if not len(history) or history["id"].max() <= after_id:
        return points
    for trace, curve in enumerate(CURVES):
        xs, ys = curve_points(history, curve)
        fresh = (history.loc[ys.index, "id"] > after_id).to_numpy()
        if fresh.any():
            points.append({"trace": trace, "x": _finite(xs[fresh]), "y": _finite(ys[fresh])})
    return points


def queue_note(store: RunStore, run_id: str) -> str:
    runs = store.list()
    busy = sum(other.status in (RunStatus.RUNNING, RunStatus.PAUSED) for other in runs)
    return (f"Queued: number {queue_position(runs, run_id)} in line; {busy} of "
            f"{runner.max_running(store)} training slots in use.")


def live_update(run: Run, history: pd.DataFrame, *, after_id: int, marks: int,
                note: str | None = None) -> dict:
    """The answer to one poll, JSON-ready.

    Parameters
    ----------
    run : Run
        The run as the store holds it now.
    history : pandas.DataFrame
        All its metric rows so far (`RunStore.metrics`), with their ids.
    after_id : int
        The newest metric row the browser has drawn; only newer points are sent.
    marks : int
        How many learning-rate changes the browser's chart marks; the chart's marks
        (shapes and annotations) are sent again only when that number is out of date.
    note : str or None
        A line to show instead of the progress (a queued run's place in line).
    """
    steps_per_epoch, epochs = run.summary.get("steps_per_epoch"), run.summary.get("epochs")
    progress = training_progress(history, steps_per_epoch=steps_per_epoch, epochs=epochs)
    if progress is None and note is None and run.status is not RunStatus.QUEUED:
        note = LOADING
    points = new_points(history, after_id)
    update = {
        "status": str(run.status),
        "after": int(history["id"].max()) if len(history) else after_id,
        "note": note,
        "progress": None,
        "points": points,
        "marks": None,
    }
    if progress is not None:
        rates = history["learning_rate"].dropna() if "learning_rate" in history else []
        update["progress"] = {
            "fraction": progress.fraction,
            "label": progress.label,
            "elapsed": format_duration(progress.elapsed_s),
            "eta": format_duration(progress.eta_s),
            "speed": f"{progress.images_per_s:,.0f}" if progress.images_per_s is not None else "—",
            "rate": f"{rates.iloc[-1]:.3g}" if len(rates) else "—",
        }
    if progress is not None and points:  # marks move only with new rows
        unfrozen_at = run.summary.get("unfrozen_at_epoch")
        changes = learning_rate_changes(history, schedule=run.config["schedule"],
                                        steps_per_epoch=steps_per_epoch, epochs=epochs,
                                        unfrozen_at=unfrozen_at)
        count = len(changes) + bool(unfrozen_at)  # a fine-tune's phases are marked too
        if count != marks:
            layout = chart_template(changes, unfrozen_at)["layout"]
            update["marks"] = {"count": count, "shapes": layout.get("shapes", []),
                               "annotations": layout.get("annotations", [])}
    return update


class LiveFeed:
    """Live updates for any number of browsers watching any runs, from one dashboard process.

    Keeps the metric history of the runs watched most recently, so that a poll reads only
    the rows the store got since the previous poll of that run.
    """

    def __init__(self, store: RunStore, *, max_runs: int = 32) -> None:
        self.store = store
        self.max_runs = max_runs
        self._histories: OrderedDict[str, pd.DataFrame] = OrderedDict()
        self._lock = threading.Lock()

    def history(self, run_id: str) -> pd.DataFrame:
        with self._lock:
            known = self._histories.pop(run_id, None)
            after = int(known["id"].iloc[-1]) if known is not None and len(known) else 0
            new = self.store.metrics(run_id, after_id=after)
            if known is not None and len(known):
                history = pd.concat([known, new], ignore_index=True) if len(new) else known
            else:
                history = new
            self._histories[run_id] = history
            while len(self._histories) > self.max_runs:
                self._histories.popitem(last=False)
            return history

    def poll(self, run_id: str, *, after_id: int = 0, marks: int = 0) -> dict:
        """What changed in run `run_id` since row `after_id`; raises RunNotFoundError."""
        run = self.store.get(run_id)
        note = queue_note(self.store, run_id) if run.status is RunStatus.QUEUED else None
        return live_update(run, self.history(run_id), after_id=after_id, marks=marks, note=note)
