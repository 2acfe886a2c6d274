"""`streamlit run`, with the time of every script run written down, and the reading of it back:
the load benchmark's measure of the server's share of a response.

    python benchmarks/timed_dashboard.py TIMES_FILE run dashboard.py [streamlit options]

Each script run (a page's code, fragments included) appends one JSON line to TIMES_FILE:
its session, when it started (`time.monotonic()`, the clock the benchmark reads too), its
wall seconds and its thread's CPU seconds. The wrapped function is Streamlit's private
`exec_func_with_error_handling`, as the script runner imports it: benchmark-only. The
benchmark gives each action the runs of its own page's sessions (`Sessions`, read off the
page's websocket) that started within it (`server_share`).
"""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.scriptrunner import script_runner
from streamlit.web import cli

_lock = threading.Lock()


def timed(path: str, run):
    def exec_timed(func, ctx):
        started, cpu = time.monotonic(), time.thread_time()
        try:
            return run(func, ctx)
        finally:
            line = json.dumps({"session": ctx.session_id, "start": started,
                               "wall": time.monotonic() - started, "cpu": time.thread_time() - cpu})
            with _lock, open(path, "a") as times:
                times.write(line + "\n")

    return exec_timed


class Sessions:
    """The Streamlit sessions a browser page has had, read off its websocket in Chromium
    (DevTools): each script run begins with a `new_session` message naming its session."""

    def __init__(self) -> None:
        self.ids: set[str] = set()

    def watch(self, page) -> Sessions:
        session = page.context.new_cdp_session(page)
        session.on("Network.webSocketFrameReceived", self.received)
        session.send("Network.enable")
        return self

    def received(self, event) -> None:
        response = event["response"]
        if response.get("opcode") != 2:  # Streamlit's messages are binary protobufs
            return
        message = ForwardMsg.FromString(base64.b64decode(response["payloadData"]))
        if message.WhichOneof("type") == "new_session":
            self.ids.add(message.new_session.initialize.session_id)


def server_share(actions: list[tuple[str, str, float, float]], sessions: dict[str, set[str]],
                 times_path: Path) -> dict[str, dict[str, dict[str, list[float]]]]:
    """Per measure ("wall", "cpu"), kind and page: for each timed action, the seconds of the
    script runs it waited for, the runs of its page's sessions that started within it (a
    fragment of another page, rerunning meanwhile, is not its)."""
    runs = [json.loads(line) for line in times_path.read_text().splitlines() if line.strip()]
    share = {measure: {"load": defaultdict(list), "rerun": defaultdict(list)} for measure in ("wall", "cpu")}
    for name, kind, started, ended in actions:
        own = [run for run in runs if run["session"] in sessions[name] and started <= run["start"] <= ended]
        for measure in share:
            share[measure][kind][name].append(sum(run[measure] for run in own))
    return share


if __name__ == "__main__":
    script_runner.exec_func_with_error_handling = timed(
        sys.argv.pop(1), script_runner.exec_func_with_error_handling)
    sys.argv[0] = "streamlit"
    cli.main()
