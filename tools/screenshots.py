"""`make screenshots`: every dashboard page in Chromium at 1280x800, into docs/images/.

The store behind them is built from real short trainings through the CLI, as a user would:
lenet5 and lenet5-strided (300 images per digit, 3 epochs), a fine-tune of lenet5 on 5-9,
and the quick pooling-vs-stride study. Rerun it when a page changes; the README and the
docs embed the pictures.

    python -m tools.screenshots [--store DIR] [--reuse]   (default: a fresh folder under test-output/)
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from mnist_lab.cli import main as lab
from mnist_lab.store import RunStore
from tests.browser import IDLE_JS, PICTURES_LOADED_JS, ROOT, chromium_page, dashboard

IMAGES = ROOT / "docs" / "images"
VIEWPORT = (1280, 800)
SHORT = ["--set", "subset=300", "--epochs", "3"]
ROLES = {"lenet5": "lenet5", "lenet5-strided": "strided", "lenet5 fine-tuned on 5-9": "tuned"}


def build_store(home: Path) -> dict[str, str]:
    """Train the runs and the study the pages show; their ids by role."""
    def train(*args: str) -> str:
        assert lab(["--home", str(home), "train", *args, *SHORT]) == 0
        return RunStore(home).list()[0].id

    names = {role: name for name, role in ROLES.items()}
    ids = {"lenet5": train("--preset", "lenet5", "--name", names["lenet5"]),
           "strided": train("--preset", "lenet5-strided", "--name", names["strided"])}
    ids["tuned"] = train("--preset", "lenet5", "--name", names["tuned"],
                         "--init-from", ids["lenet5"], "--classes", "5-9")
    assert lab(["--home", str(home), "sweep", "--study", "pooling-vs-stride-quick"]) == 0
    assert lab(["--home", str(home), "runs", "embed", ids["lenet5"], "--tsne"]) == 0
    return ids


def shoot(url: str, ids: dict[str, str]) -> list[Path]:
    pages = {  # file name -> the page's address, with the run or study it shows
        "home": "", "train": f"train?run={ids['tuned']}", "runs": "runs",
        "errors": f"errors?run={ids['lenet5']}&cell=4-9",
        "misclassified": f"misclassified?run={ids['lenet5']}",
        "inspector": f"inspector?run={ids['lenet5']}&image=18",
        "compare": f"compare?run={ids['lenet5']}&run={ids['strided']}",
        "experiments": "experiments?study=pooling-vs-stride-quick",
    }
    IMAGES.mkdir(parents=True, exist_ok=True)
    taken = []
    with chromium_page(VIEWPORT) as page:
        for name, address in pages.items():
            page.goto(f"{url}/{address}")
            page.wait_for_function(IDLE_JS, timeout=120_000)
            if name in ("errors", "misclassified"):
                page.wait_for_function(PICTURES_LOADED_JS, timeout=60_000)
            page.wait_for_timeout(1500)  # charts finish drawing
            taken.append(_save(page, name))
            if name == "errors":  # its learned space, below the matrix
                page.get_by_role("tab", name="Learned space").click()
                page.wait_for_function(IDLE_JS, timeout=120_000)
                page.get_by_text("t-SNE", exact=True).click()
                page.wait_for_function(IDLE_JS, timeout=120_000)
                page.locator(".js-plotly-plot").last.scroll_into_view_if_needed()
                page.wait_for_timeout(2500)
                taken.append(_save(page, "learned-space"))
    return taken


def _save(page, name: str) -> Path:
    path = IMAGES / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"{path.relative_to(ROOT)}")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=ROOT / "test-output" / "screenshot-store")
    parser.add_argument("--reuse", action="store_true", help="shoot the store built last time")
    args = parser.parse_args()
    home = args.store
    if args.reuse:
        ids = {ROLES[run.name]: run.id for run in RunStore(home).list() if run.name in ROLES}
    else:
        shutil.rmtree(home, ignore_errors=True)
        ids = build_store(home)
    with dashboard(home, home.parent / "screenshot-dashboard.log") as url:
        shoot(url, ids)


if __name__ == "__main__":
    main()
