"""The import contracts in pyproject.toml hold, and they catch a core module that breaks them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_tree_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "Contracts: 5 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(("module", "line", "broken"), [
    ("mnist_lab/live/progress.py", "import streamlit", "The core never imports Streamlit BROKEN"),
    ("mnist_lab/compare/runs.py", "import keras",
     "Only what trains, builds or opens a model imports Keras or TensorFlow BROKEN"),
    ("mnist_lab/model/architecture.py", "from mnist_lab.store import runs",
     "The core's floors: no package imports one above it BROKEN"),
    ("mnist_lab/figures/training.py", "import app", "The UI (app) sits on the core"),
    ("app/train/fit.py", "import app.errors.views", "A page's parts never import another page's BROKEN"),
])
def test_a_forbidden_import_breaks_its_contract(tmp_path, module, line, broken):
    for name in ("mnist_lab", "app"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with open(tmp_path / module, "a") as source:
        source.write(f"\n{line}\n")

    result = lint_imports(tmp_path)

    assert result.returncode == 1
    assert broken in result.stdout
