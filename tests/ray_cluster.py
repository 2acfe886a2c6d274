"""A real Ray cluster of two nodes on this machine, for the Ray tests; stopped by pid.

`ray stop` would stop every Ray process on the machine, so each node is started with its own
temporary folder, and stopping kills the processes that name that folder or the cluster's
address, with everything they started.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.browser import free_port

RAY = Path(sys.executable).with_name("ray")
# The test cluster lives on loopback-only machines; a cluster for real use needs token auth.
ENV = {**os.environ, "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}


def _processes() -> dict[int, tuple[int, str]]:
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/cmdline").read_bytes()
            command = raw.replace(b"\0", b" ").decode(errors="replace")
            parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        table[int(entry)] = (parent, command)
    return table


def kill_by_marker(*markers: str) -> None:
    """SIGKILL every process whose command line holds a marker, and all their descendants."""
    table = _processes()
    doomed = {pid for pid, (_, command) in table.items() if any(marker in command for marker in markers)}
    grew = True
    while grew:
        grew = False
        for pid, (parent, _) in table.items():
            if parent in doomed and pid not in doomed:
                doomed.add(pid)
                grew = True
    for pid in doomed - {os.getpid()}:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@contextmanager
def two_node_cluster(folder: Path) -> Iterator[str]:
    """`ray start --head` and a second `ray start --address`, one CPU each; yields the address."""
    head, worker = folder / "head", folder / "worker"
    head.mkdir(parents=True)
    worker.mkdir(parents=True)
    port = free_port()
    address = None
    try:
        started = subprocess.run(
            [str(RAY), "start", "--head", f"--port={port}", "--num-cpus=1", f"--temp-dir={head}",
             "--include-dashboard=false", "--disable-usage-stats"],
            env=ENV, capture_output=True, text=True, timeout=120, check=True)
        address = re.search(r"ray start --address='([^']+)'", started.stdout + started.stderr)[1]
        subprocess.run([str(RAY), "start", f"--address={address}", "--num-cpus=1",
                        f"--temp-dir={worker}", "--disable-usage-stats"],
                       env=ENV, capture_output=True, text=True, timeout=120, check=True)
        yield address
    finally:
        kill_by_marker(str(head), str(worker), *([address] if address else []))
