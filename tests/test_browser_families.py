"""End to end in Chromium, as a new user: a residual network built in the Train page,
previewed (with augmentation), trained, and inspected."""

from __future__ import annotations

import re

import pytest

from mnist_lab.store import RunStatus, RunStore
from tests.browser import (
    chromium_page,
    dashboard,
    output_dir,
    require_chromium,
    set_number,
    wait_until_idle,
)


def choose(page, scope, label: str, option: str) -> None:
    """Pick `option` in the selectbox labelled `label` inside `scope`."""
    scope.get_by_label(label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_until_idle(page)


@pytest.mark.browser
def test_a_residual_network_built_previewed_trained_and_inspected(tmp_path, small_npz, monkeypatch):
    require_chromium()
    monkeypatch.setenv("MNIST_LAB_DATA", str(small_npz))  # trainers inherit the dashboard's env
    monkeypatch.setenv("MNIST_LAB_THREADS", "1")
    screenshots = output_dir("families")
    with dashboard(tmp_path / "runs", tmp_path / "dashboard.log") as url, chromium_page() as page:
        page.goto(f"{url}/train")
        page.get_by_text("FLOPs per image").wait_for()
        sidebar = page.get_by_test_id("stSidebar")
        block = sidebar.get_by_test_id("stExpander").filter(has_text="Conv block 2")
        block.get_by_text("Conv block 2").click()
        choose(page, block, "Kind", "residual")
        # The table names the addition's two inputs (its grid cells are drawn on a canvas:
        # their text is in the page, not visible as such).
        page.get_by_text("block2_conv1 + block2_shortcut").wait_for(state="attached")
        sidebar.get_by_role("slider", name="Rotation (degrees either way)").focus()
        for _ in range(10):
            page.keyboard.press("ArrowRight")
        wait_until_idle(page)
        page.get_by_text("What training shows the network").wait_for()
        page.get_by_text("augment_rotation", exact=True).wait_for(state="attached")
        page.screenshot(path=str(screenshots / "preview.png"), full_page=True)

        set_number(page, "Images per class (0: all)", 20)
        set_number(page, "Batch size", 16)
        set_number(page, "Epochs", 2)
        page.get_by_label("Run name", exact=True).fill("residual run")
        page.get_by_label("Run name", exact=True).press("Enter")
        wait_until_idle(page)
        page.get_by_role("button", name="Train", exact=True).click()
        page.get_by_test_id("stMetricLabel").filter(has_text="Test accuracy").wait_for(timeout=240_000)

        nav = page.get_by_test_id("stSidebarNav")
        nav.get_by_role("link", name=re.compile("Inspector$")).click()
        page.get_by_role("tab", name="Feature maps").click()
        page.get_by_text("block2_add ← block2_conv1 + block2_shortcut", exact=False).wait_for(
            timeout=120_000)
        page.screenshot(path=str(screenshots / "inspector.png"), full_page=True)
    (run,) = RunStore(tmp_path / "runs").list()
    assert run.status is RunStatus.COMPLETED and run.name == "residual run"
    assert run.config["blocks"][1]["kind"] == "residual" and run.config["augment_rotation"] == 10
