"""Real-browser support for the end-to-end tests: a dashboard server and a Chromium page.

Debian's Chromium (`/usr/bin/chromium`) is driven by Playwright; Playwright's own browser
download is not used. Without Chromium the tests are skipped with the reason shown.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (`make test` installs it with apt as root)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def dashboard(home: Path, log_path: Path, script: Path = ROOT / "dashboard.py",
              streamlit: tuple[str, ...] = ("-m", "streamlit"), preload: bool = False) -> Iterator[str]:
    """`streamlit run dashboard.py` (or another `script`) on a free localhost port, over the
    run store `home`; `streamlit` is how Python starts Streamlit (a benchmark wraps it).
    `preload`: the server imports Keras in the background as it starts, as it does for
    users; off by default, so that a test's two cores serve its browser."""
    port = free_port()
    env = {**os.environ, "MNIST_LAB_HOME": str(home), "PYTHONPATH": str(ROOT),
           "MNIST_LAB_PRELOAD_KERAS": "1" if preload else "0"}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, *streamlit, "run", str(script),
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the dashboard did not start; see {log_path}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def chromium_page(viewport=(1400, 1000)):
    """A Playwright page in Debian's Chromium, with a fresh profile."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            page.set_default_timeout(30_000)
            yield page
        finally:
            browser.close()


def output_dir(name: str) -> Path:
    """Where a browser test leaves its screenshots: test-output/<name>/."""
    folder = ROOT / "test-output" / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def wait_until_idle(page) -> None:
    """Wait for the rerun a widget change started to finish, so the next change is not lost."""
    page.wait_for_timeout(150)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')")


def set_number(page, label: str, value: float) -> None:
    """Type `value` into the number field labelled `label` and wait for the rerun."""
    field = page.get_by_label(label, exact=True)
    field.fill(str(value))
    field.press("Enter")
    wait_until_idle(page)


# Every picture on the page has loaded (at least one).
# The page's script has finished its run: Streamlit's own attribute on the app, set as soon as
# a run starts (the status widget's running icon shows only after a delay).
IDLE_JS = "() => document.querySelector('[data-testid=\"stApp\"]')?.dataset.testScriptState === 'notRunning'"
PICTURES_LOADED_JS = """() => {
  const pictures = [...document.querySelectorAll('[data-testid="stImageContainer"] img')];
  return pictures.length > 0 && pictures.every(img => img.complete && img.naturalWidth > 0);
}"""
# No picture still in flight, on a page that may have none: Streamlit drops a script run's
# pictures when the next run ends, and one still loading then gets a 404 in the console.
PICTURES_SETTLED_JS = """() => [...document.querySelectorAll('[data-testid="stImageContainer"] img')]
  .every(img => img.complete)"""


# A cell of the Errors page's confusion matrix (app/confusion_grid): the test set's matrix is
# the page's first. Playwright's CSS selectors reach into the element's shadow root.
MATRIX_CELLS = ".confusion-grid .cell"


def matrix_cell(page, true_class: int, predicted_class: int):
    return page.locator(f'{MATRIX_CELLS}[data-true="{true_class}"][data-predicted="{predicted_class}"]').first
