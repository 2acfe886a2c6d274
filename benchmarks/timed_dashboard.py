"""`streamlit run`, with the time of every script run written down: the load benchmark's
measure of the server's share of a response.

    python benchmarks/timed_dashboard.py TIMES_FILE run dashboard.py [streamlit options]

Each script run (a page's code, fragments included) appends one JSON line to TIMES_FILE:
its session, when it started (`time.monotonic()`, the clock the benchmark reads too), its
wall seconds and its thread's CPU seconds. The wrapped function is Streamlit's private
`exec_func_with_error_handling`, as the script runner imports it: benchmark-only.
"""

from __future__ import annotations

import json
import sys
import threading
import time

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


if __name__ == "__main__":
    script_runner.exec_func_with_error_handling = timed(
        sys.argv.pop(1), script_runner.exec_func_with_error_handling)
    sys.argv[0] = "streamlit"
    cli.main()
