"""In real Chromium at 1280x800: a walk through every page, as a new user clicks the sidebar.

Everything the dashboard shows must come from the machine it runs on: the walk makes no
request to another host and logs no console error. The run picked on the Errors page is the
one the next pages study, although the sidebar's links carry no query string.
"""

from __future__ import annotations

import re

import pytest

from mnist_lab.store import RunStore
from tests.browser import (
    IDLE_JS,
    PICTURES_LOADED_JS,
    PICTURES_SETTLED_JS,
    chromium_page,
    dashboard,
    output_dir,
    require_chromium,
)
from tests.fakes import seed_run

# Sidebar link -> the page's title, which says the page was drawn.
WALK = (("Train", "Train"), ("Experiments", "Experiments"), ("Runs", "Runs"),
        ("Compare", "Compare runs"), ("Errors", "Errors"), ("Misclassified", "Misclassified digits"),
        ("Inspector", "Model inspector"), ("Home", "mnist-lab"))


def watch_traffic(page, url):
    """Requests to other hosts and console errors, collected as the page goes."""
    seen = {"external": [], "errors": []}
    page.on("request", lambda request: seen["external"].append(request.url)
            if not request.url.startswith((url, "data:", "blob:", "about:")) else None)
    page.on("console", lambda message: seen["errors"].append(
        f"{message.text} ({message.location.get('url')})") if message.type == "error" else None)
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    return seen


@pytest.mark.browser
def test_a_walk_through_every_page_stays_on_this_machine(tmp_path, mnist):
    require_chromium()
    home = tmp_path / "runs"
    studied = seed_run(RunStore(home), mnist.y_test, name="studied")
    seed_run(RunStore(home), mnist.y_test, name="newest")
    with dashboard(home, tmp_path / "dashboard.log") as url, chromium_page(viewport=(1280, 800)) as page:
        seen = watch_traffic(page, url)
        page.goto(url)
        page.get_by_role("heading", name="mnist-lab").wait_for(timeout=60_000)
        nav = page.get_by_test_id("stSidebarNav")
        for link, title in WALK:
            nav.get_by_role("link", name=re.compile(f"{link}$")).click()
            # The page's run has drawn its title, so it has started: wait for its end (the
            # running icon shows only after a delay, so it cannot say a quick look is over).
            page.get_by_role("heading", name=title, exact=True).wait_for(timeout=60_000)
            page.wait_for_function(IDLE_JS)
            # As a reader would, let a page's pictures arrive before going on: Streamlit drops a
            # script run's pictures when the next run ends, and one still in flight then gets a
            # 404 in the console (a superseded picture, never shown). Errors has pictures for
            # either run, so there the wait is for them to be there, not only settled.
            page.wait_for_function(PICTURES_LOADED_JS if link == "Errors" else PICTURES_SETTLED_JS)
            if link == "Errors":
                page.get_by_test_id("stSelectbox").first.click()
                page.get_by_role("option", name=re.compile("^studied")).click()
                page.wait_for_url(re.compile(f"run={studied}"))  # the switched run has started
                page.wait_for_function(IDLE_JS)
                page.wait_for_function(PICTURES_LOADED_JS)
            if link in ("Errors", "Misclassified", "Inspector"):
                assert f"run={studied}" in page.url, link
        icon = page.locator('link[rel="shortcut icon"], link[rel="icon"]').first.get_attribute("href")
        page.screenshot(path=output_dir("walk") / "home.png")
    assert seen["external"] == []
    assert seen["errors"] == []
    assert icon is not None and (icon.startswith(url) or not icon.startswith("http"))
