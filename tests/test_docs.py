"""The README and docs/: short enough to read, every link and picture resolves, every command
shown runs, the CLI reference is the parser's own, and every performance figure is in a
committed results file."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from mnist_lab.cli import main
from tests.fakes import seed_run

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
# Commands that train or run for minutes are shown their help instead.
LONG = ("sweep", "demo")


def test_the_readme_is_read_in_ten_minutes():
    assert len((ROOT / "README.md").read_text().splitlines()) < 300


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_every_relative_link_and_picture_resolves(page):
    targets = [target for target in LINK.findall(page.read_text())
               if not re.match(r"[a-z]+:", target) and not target.startswith("#")]
    missing = [target for target in targets if not (page.parent / target.split("#")[0]).exists()]
    assert not missing, f"{page.name} links to missing files: {missing}"


def readme_commands() -> list[str]:
    """Every `.venv/bin/mnist-lab ...` line of the README's shell blocks, comments dropped."""
    blocks = re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    return [line.split("  #")[0].strip() for block in blocks for line in block.splitlines()
            if line.startswith(".venv/bin/mnist-lab ")]


def test_every_command_in_the_readme_runs(store, mnist, small_npz, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("MNIST_LAB_DATA", str(small_npz))
    first, second = seed_run(store, mnist.y_test, name="first"), seed_run(store, mnist.y_test, name="second")
    commands = readme_commands()
    assert len(commands) >= 10
    for line in commands:
        words = shlex.split(line.replace("RUN_ID RUN_ID", f"{first} {second}").replace("RUN_ID", first)
                            .replace("report/", str(tmp_path / "report")))[1:]
        if words[0] in LONG:
            words.append("--help")
        elif words[0] == "train" and "--dry-run" not in words:
            words.append("--dry-run")
        try:
            code = main([*words, "--home", str(store.home)])
        except SystemExit as done:  # --help
            code = done.code
        assert code == 0, (line, capsys.readouterr().err)


def test_the_cli_reference_is_the_parsers_own():
    from tools.cli_reference import reference

    assert (ROOT / "docs" / "cli.md").read_text() == reference(), "run `make docs`"


def test_every_performance_figure_is_in_a_committed_results_file():
    """Each row names its results file and the figure exactly as that file holds it."""
    text = (ROOT / "docs" / "performance.md").read_text()
    rows = re.findall(r"^\| (.+?) \| `([-\d.e]+)` \| \[([\w.-]+)\]\(\.\./benchmarks/results/[\w.-]+\) \|$",
                      text, re.M)
    assert len(rows) >= 10
    for measure, figure, source in rows:
        held = json.dumps(json.loads((ROOT / "benchmarks" / "results" / source).read_text()))
        assert re.search(rf"(?<![\d.]){re.escape(figure)}(?![\d])", held), (measure, figure, source)
