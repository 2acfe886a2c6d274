"""The load benchmark: a study training two trials at once, five browsers watching, the CLI
listing runs every second, for 10 minutes (`--minutes`); what must hold is measured.

The load:
- `mnist-lab sweep` (its own driver and long-lived trainers, the runner's slots set to 2):
  LeNet-5 over kernels 3, 5, 7, max or average pooling and five learning rates, 20 seeds
  each (600 trials: more than 10 minutes hold; 120 did not, see the README), short trials
  (`--epochs`, `--subset`), queued until the time is up, then stopped with `studies stop`
  (how many trials train after each action is recorded: the load must last);
- five headless Chromium sessions, each on its own page, acting in turn every few seconds,
  a load and a rerun by turns: Runs (a search typed), Compare of the two newest finished
  trials (its head-to-head and curves tabs by turns), Errors of the newest finished trial (a
  confusion-matrix cell clicked), Train on the live view of a running trial (a run name
  typed) and Experiments on the study (loads only: its controls would start studies);
  and a sixth, the floor, loading a bare Streamlit page from a second server in turn;
- `mnist-lab runs list` started every second, each waited for.

What is measured:
- metric rows: each trainer logs how many points it wrote (`metric points of RUN: N`, its
  `LiveMetrics.recorded`), checked run by run against the rows the store holds;
- "database is locked" anywhere: the dashboard's log, the study's and the driver's logs, the
  trainers' logs, every CLI call's output, every page's text after each action and the
  browsers' consoles;
- the dashboard's response time in the browser, p50, p95 and the worst, per page and over
  all: a load from `goto` until its content is shown and the page's script is idle (a new
  session each time: Streamlit's page bootstrap included), a rerun from the key or click
  until the script has run and two frames are painted; and the live feed's requests
  (`/lab/live/…`, each the time from request to response); the floor's loads, apart: no
  Streamlit page can load faster than that under the same load;
- the server's share of each of those actions: the wall and CPU seconds of the script runs
  it waited for (both servers run under `timed_dashboard.py`, which writes each script run
  down; the browser's websocket names the page's sessions); the rest of a response is the
  browser's (its page bootstrap, drawing) and the messages' way between them;
- CLI calls: how many, how many failed, their time.

    python -m benchmarks load [--minutes 10] [--epochs 2] [--subset 300]
    python -m benchmarks.load --minutes 3      # the same
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

from benchmarks.large_store import percentile
from benchmarks.timed_dashboard import Sessions, server_share
from mnist_lab.store import RunStatus, RunStore
from mnist_lab.training.runner import MAX_RUNNING_SETTING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from browser import CHROMIUM, CHROMIUM_FLAGS, IDLE_JS, MATRIX_CELLS, dashboard, matrix_cell  # noqa: E402  (the tests' browser harness)

ROOT = Path(__file__).resolve().parent.parent
STUDY = "load"
LOCKED = "database is locked"
ACTION_EVERY_S = 2.5  # one page acts every 2.5 s: each of the five (and the floor) every 15 s
WAIT_MS = 120_000
FIND_MS = 15_000  # a control that is not there (yet) fails the action, not the benchmark
POINTS = re.compile(r"metric points of (\S+): (\d+)")
PAGES = ("runs", "compare", "errors", "train", "experiments")
# A sixth session, loading a bare Streamlit page from its own server in turn with the others:
# what Streamlit's bootstrap alone costs under the same load (kept out of the dashboard's figures).
FLOOR = "floor"
FLOOR_APP = Path(__file__).with_name("floor_app.py")
TIMED_SERVER = Path(__file__).with_name("timed_dashboard.py")  # `streamlit run`, script runs timed
RERUNS = ("runs", "compare", "errors", "train")
# Resolves with the time a script run ends, once one has started after this was armed. Unlike
# page_latency's, it also sees a rerun so quick that "running" and "notRunning" reach the
# observer in one batch (a search of the Runs table): it reads each record's old value.
ARM_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.rerunEnd = new Promise(resolve => {
    let started = false;
    new MutationObserver((records, observer) => {
      for (const record of records) {
        if (record.oldValue === 'running' || app.dataset.testScriptState === 'running') started = true;
      }
      if (started && app.dataset.testScriptState === 'notRunning') {
        observer.disconnect();
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())));
      }
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state'],
                     attributeOldValue: true});
  });
  return performance.now();
}"""
# The end of the rerun ARM_JS armed, or null after WAIT_MS (Playwright does not time it out).
RERUN_END_JS = f"""() => Promise.race([window.rerunEnd,
                                       new Promise(resolve => setTimeout(() => resolve(null), {WAIT_MS}))])"""


def lab_env(home: Path) -> dict[str, str]:
    return {**os.environ, "MNIST_LAB_HOME": str(home), "PYTHONPATH": str(ROOT),
            "TF_CPP_MIN_LOG_LEVEL": "2"}


def start_study(home: Path, epochs: int, subset: int, minutes: float, log: Path) -> subprocess.Popen:
    """The study's driver, as `mnist-lab sweep` runs it, with two trials at once."""
    RunStore(home).set_setting(MAX_RUNNING_SETTING, "2")
    with open(log, "wb") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "mnist_lab", "sweep", "--name", STUDY,
             "--grid", "blocks.kernel_size=3,5,7", "--grid", "blocks.downsample=max,avg",
             "--grid", "learning_rate=0.01,0.02,0.03,0.05,0.1",
             "--repeats", "20", "--max-trials", "600", "--no-confirm",
             "--epochs", str(epochs), "--subset", str(subset), "--time-budget", str(minutes)],
            cwd=ROOT, env=lab_env(home), stdout=output, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)


class Lister(threading.Thread):
    """`mnist-lab runs list` started every second until told to stop; each call kept."""

    def __init__(self, home: Path) -> None:
        super().__init__(daemon=True, name="runs list")
        self.home, self.done = home, threading.Event()
        self.calls: list[tuple[float, int, str]] = []  # (seconds, exit code, stdout + stderr)

    def run(self) -> None:
        while not self.done.is_set():
            started = time.monotonic()
            result = subprocess.run([sys.executable, "-m", "mnist_lab", "runs", "list"], cwd=ROOT,
                                    env=lab_env(self.home), capture_output=True, text=True)
            seconds = time.monotonic() - started
            self.calls.append((seconds, result.returncode, result.stdout + result.stderr))
            self.done.wait(max(0.0, 1.0 - seconds))


class Watchers:
    """Five browser sessions on five pages, each acting in turn; every response timed."""

    def __init__(self, browser, url: str, floor_url: str, store: RunStore) -> None:
        self.url, self.floor_url, self.store = url, floor_url, store
        self.pages = {}
        for name in (*PAGES, FLOOR):
            page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
            page.set_default_timeout(WAIT_MS)
            page.on("console", lambda message, name=name: self.console.append((name, message.text)))
            page.on("requestfinished", self._feed_request)
            self.pages[name] = page
        self.sessions = {name: Sessions().watch(page) for name, page in self.pages.items()}
        self.times: dict[str, dict[str, list[float]]] = {"load": defaultdict(list),
                                                          "rerun": defaultdict(list)}
        self.actions: list[tuple[str, str, float, float]] = []  # (page, kind, start, end), monotonic
        self.turns: Counter = Counter()
        self.feed_ms: list[float] = []
        self.console: list[tuple[str, str]] = []
        self.failures: list[str] = []
        self.locked_in_pages = 0

    def _feed_request(self, request) -> None:
        if "/lab/live/" in request.url:
            timing = request.timing
            if timing.get("responseEnd", -1) >= 0 and timing.get("requestStart", -1) >= 0:
                self.feed_ms.append(timing["responseEnd"] - timing["requestStart"])

    def act(self, name: str) -> None:
        """The page's next action, a load or a rerun by turns, timed; a failure is kept."""
        page = self.pages[name]
        page.bring_to_front()  # the page acted on is the one looked at: Chromium paints it
        self.turns[name] += 1
        rerun = (name in RERUNS and self.turns[name] % 2 == 0 and page.url.startswith(self.url)
                 and page.get_by_test_id("stApp").count() > 0 and self._can_rerun(name, page))
        kind = "rerun" if rerun else "load"
        try:
            started = time.monotonic()
            seconds = self._rerun(name, page) if rerun else getattr(self, f"_{name}")(page)
            if seconds is not None:
                self.times[kind][name].append(seconds)
                self.actions.append((name, kind, started, time.monotonic()))
            self.locked_in_pages += page.content().count(LOCKED)
        except Exception as error:  # one slow or broken action must not end the benchmark
            self.failures.append(f"{name}: {type(error).__name__}: {str(error).splitlines()[0][:200]}")

    def _load(self, page, path: str, ready, base: str | None = None) -> float:
        """Seconds from `goto` of `path` (on the dashboard, or on `base`) until `ready`, the
        script idle and two frames painted."""
        started = time.perf_counter()
        page.goto(f"{base or self.url}/{path}")
        ready(page)
        page.wait_for_function(IDLE_JS, timeout=WAIT_MS)
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        return time.perf_counter() - started

    def _can_rerun(self, name: str, page) -> bool:
        """Whether the page shows the control its rerun uses (Compare's curves need two runs)."""
        if name == "compare":
            return page.get_by_role("tab", name="Curves").count() > 0
        return True

    def _rerun(self, name: str, page) -> float:
        """Seconds from a widget change to the end of the rerun it starts. Each change is a
        change: a reload can find its session, and its widgets' values, again."""
        page.wait_for_function(IDLE_JS, timeout=WAIT_MS)
        start = page.evaluate(ARM_JS)
        if name == "errors":
            cell = ((4, 9), (7, 2), (3, 5), (9, 4))[self.turns[name] // 2 % 4]
            matrix_cell(page, *cell).click(timeout=FIND_MS)
        elif name == "compare":  # the head-to-head and the curves by turns (lazy tabs)
            curves = page.get_by_role("tab", name="Curves")
            shown = "Head to head" if curves.get_attribute("aria-selected") == "true" else "Curves"
            page.get_by_role("tab", name=shown).click(timeout=FIND_MS)
        else:
            box = page.get_by_label("Search names, notes, tags, ids" if name == "runs" else "Run name")
            box.fill(f"{'lenet5' if name == 'runs' else 'load'} {self.turns[name]}", timeout=FIND_MS)
            box.press("Enter", timeout=FIND_MS)
        end = page.evaluate(RERUN_END_JS)
        if end is None:
            raise TimeoutError(f"no rerun ended within {WAIT_MS // 1000} s")
        return (end - start) / 1000

    def _finished(self) -> list[str]:
        return [run.id for run in self.store.list(statuses=(RunStatus.COMPLETED, RunStatus.STOPPED))]

    def _runs(self, page) -> float:
        return self._load(page, "runs", lambda page: page.get_by_test_id("stDataFrame").first.wait_for())

    def _compare(self, page) -> float:
        finished = self._finished()
        if len(finished) < 2:
            return self._load(page, "compare", lambda page: page.get_by_text("Pick two or more").wait_for())
        query = "&".join(f"run={run_id}" for run_id in finished[:2])
        return self._load(page, f"compare?{query}",
                          lambda page: page.get_by_text("Two runs head to head").wait_for())

    def _errors(self, page) -> float | None:
        finished = self._finished()
        if not finished:
            return None
        return self._load(page, f"errors?run={finished[0]}", lambda page: page.locator(
            MATRIX_CELLS).first.wait_for())

    def _train(self, page) -> float:
        running = [run.id for run in self.store.list(statuses=(RunStatus.RUNNING,))]
        if not running:
            return self._load(page, "train", lambda page: page.get_by_text("Train").first.wait_for())
        return self._load(page, f"train?run={running[0]}",
                          lambda page: page.locator(".live-run, [data-testid='stMetric']").first.wait_for())

    def _experiments(self, page) -> float:
        return self._load(page, f"experiments?study={STUDY}",
                          lambda page: page.get_by_text("Start a study").wait_for())

    def _floor(self, page) -> float:
        return self._load(page, "", lambda page: page.get_by_text("A bare Streamlit page").wait_for(),
                          base=self.floor_url)


def locked_in_logs(home: Path, extra: list[Path]) -> dict[str, int]:
    """Occurrences of the message in every log of the store and the benchmark's own logs."""
    logs = [*home.rglob("*.log"), *extra]
    return {str(path.relative_to(home) if path.is_relative_to(home) else path.name):
            path.read_text(errors="replace").count(LOCKED)
            for path in logs if path.is_file()}


def rows_check(home: Path) -> dict:
    """Each trainer's own count of the points it wrote against the rows the store holds."""
    written: dict[str, int] = {}
    for log in home.rglob("*.log"):
        for run_id, count in POINTS.findall(log.read_text(errors="replace")):
            written[run_id] = int(count)
    with sqlite3.connect(home / "index.sqlite") as connection:
        stored = dict(connection.execute("SELECT run_id, COUNT(*) FROM metrics GROUP BY run_id"))
        statuses = dict(connection.execute("SELECT id, status FROM runs"))
    mismatched = {run_id: {"written": count, "stored": stored.get(run_id, 0)}
                  for run_id, count in written.items() if stored.get(run_id, 0) != count}
    uncounted = {run_id: statuses[run_id] for run_id in statuses
                 if run_id not in written and stored.get(run_id, 0)}
    return {"trials": len(statuses), "trial_statuses": dict(Counter(statuses.values())),
            "trials_counted": len(written), "rows_written": sum(written.values()),
            "rows_stored_for_them": sum(stored.get(run_id, 0) for run_id in written),
            "rows_mismatched": mismatched, "trials_with_rows_but_no_count": uncounted}


def timing(values: list[float], unit: float = 1.0) -> dict:
    if not values:
        return {"n": 0}
    return {"n": len(values), "p50": round(percentile(values, 0.5) * unit, 3),
            "p95": round(percentile(values, 0.95) * unit, 3), "max": round(max(values) * unit, 3)}


def timings(times: dict[str, dict[str, list[float]]]) -> dict:
    """Over all the dashboard's actions, its loads, its reruns, each page's, and the floor's loads
    (kept out of the dashboard's)."""
    loads, reruns = dict(times["load"]), times["rerun"]
    floor = loads.pop(FLOOR, [])
    every = {kind: [value for values in kind_times.values() for value in values]
             for kind, kind_times in (("loads", loads), ("reruns", reruns))}
    return {"all": timing(every["loads"] + every["reruns"]),
            **{kind: timing(values) for kind, values in every.items()},
            **{f"{name}_{kind}": timing(kind_times.get(name, [])) for name in PAGES
               for kind, kind_times in (("load", loads), ("rerun", reruns))},
            "floor_load": timing(floor)}


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def measure(minutes: float = 10.0, epochs: int = 2, subset: int = 300) -> dict:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="mnist-lab-load-") as folder:
        home = Path(folder) / "runs"
        store = RunStore(home)
        driver_log, dashboard_log = Path(folder) / "driver.log", Path(folder) / "dashboard.log"
        lister = Lister(home)
        load_averages = [loadavg()]
        training: list[int] = []  # trials training, after each action: the load lasted?
        script_times = Path(folder) / "script-times.jsonl"  # both servers': sessions tell them apart
        timed = (str(TIMED_SERVER), str(script_times))
        with (dashboard(home, dashboard_log, streamlit=timed) as url,
              dashboard(home, Path(folder) / "floor.log", script=FLOOR_APP, streamlit=timed) as floor_url,
              sync_playwright() as playwright):
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            driver = start_study(home, epochs, subset, minutes, driver_log)
            lister.start()
            watchers = Watchers(browser, url, floor_url, store)
            started = time.monotonic()
            turn = 0
            while time.monotonic() - started < minutes * 60:
                watchers.act((*PAGES, FLOOR)[turn % (len(PAGES) + 1)])
                turn += 1
                load_averages.append(loadavg())
                training.append(len(store.list(statuses=(RunStatus.RUNNING,))))
                time.sleep(max(0.0, ACTION_EVERY_S - (time.monotonic() - started) % ACTION_EVERY_S))
            wall = time.monotonic() - started
            subprocess.run([sys.executable, "-m", "mnist_lab", "studies", "stop", STUDY], cwd=ROOT,
                           env=lab_env(home), capture_output=True)
            try:
                driver_code = driver.wait(timeout=180)
            except subprocess.TimeoutExpired:
                driver.kill()
                driver_code = "killed after 180 s"
            lister.done.set()
            lister.join()
            browser.close()
        cli_output = Path(folder) / "cli.log"
        cli_output.write_text("".join(output for _, _, output in lister.calls))
        return {
            "load_minutes": round(wall / 60, 2), "load_epochs": epochs, "load_subset": subset,
            "load_machine_load_average": {
                "start": load_averages[0], "max": max(load_averages),
                "mean": round(sum(load_averages) / len(load_averages), 2)},
            "load_driver_exit": driver_code,
            "load_trials_training_after_each_action": dict(sorted(Counter(training).items())),
            "load_metric_rows": rows_check(home),
            "load_database_is_locked": {
                "logs": {name: count for name, count in
                         locked_in_logs(home, [driver_log, dashboard_log, cli_output]).items()},
                "pages": watchers.locked_in_pages,
                "browser_consoles": sum(LOCKED in text for _, text in watchers.console)},
            "load_response_s": timings(watchers.times),
            # The same actions, only the server's script runs they waited for: their wall
            # seconds, and the CPU seconds their threads had in that time.
            **{f"load_server_{measure}_s": timings(times) for measure, times in
               server_share(watchers.actions, {name: sessions.ids for name, sessions in
                                               watchers.sessions.items()}, script_times).items()},
            "load_live_feed_request_ms": timing(watchers.feed_ms),
            "load_cli_runs_list": {"calls": len(lister.calls),
                                   "failed": sum(code != 0 for _, code, _ in lister.calls),
                                   "seconds": timing([seconds for seconds, _, _ in lister.calls])},
            "load_browser_action_failures": watchers.failures,
            "load_browser_console_errors": [f"{name}: {text[:200]}" for name, text in watchers.console
                                            if "error" in text.lower()][:20],
        }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks load", description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long the load lasts (10)")
    parser.add_argument("--epochs", type=int, default=2, help="epochs of every trial (2)")
    parser.add_argument("--subset", type=int, default=300, help="training images per class (300)")
    args = parser.parse_args(argv)
    results = measure(args.minutes, args.epochs, args.subset)
    results_dir = ROOT / "benchmarks" / "results"
    results_dir.mkdir(exist_ok=True)
    (results_dir / "load.json").write_text(json.dumps(results, indent=2, default=str))
    print(json.dumps(results, indent=2, default=str))
    return results


if __name__ == "__main__":
    main()
