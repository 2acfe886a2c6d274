"""In real Chromium at 1280x800: a walk through every page, as a new user clicks the sidebar.

Everything the dashboard shows must come from the machine it runs on: the walk makes no
request to another host and logs no console error. The run picked on the Errors page is the
one the next pages study, although the sidebar's links carry no query string.
"""

from __future__ import annotations

import re

import pytest

from mnist_lab.store import RunStore
from tests.browser import PICTURES_LOADED_JS, chromium_page, dashboard, output_dir, require_chromium
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


def wait_until_idle(page):
    page.wait_for_timeout(150)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')")


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
            page.get_by_role("heading", name=title, exact=True).wait_for(timeout=60_000)
            wait_until_idle(page)
            if link == "Errors":
                # As a reader would, let the first run's pictures arrive before switching: Streamlit
                # drops a script run's pictures when the next run ends, and one still in flight
                # then gets a 404 in the console (a superseded picture, never shown).
                page.wait_for_function(PICTURES_LOADED_JS)
                page.get_by_test_id("stSelectbox").first.click()
                page.get_by_role("option", name=re.compile("^studied")).click()
                wait_until_idle(page)
            if link in ("Errors", "Misclassified", "Inspector"):
                assert f"run={studied}" in page.url, link
        icon = page.locator('link[rel="shortcut icon"], link[rel="icon"]').first.get_attribute("href")
        page.screenshot(path=output_dir("walk") / "home.png")
    assert seen["external"] == []
    assert seen["errors"] == []
    assert icon is not None and (icon.startswith(url) or not icon.startswith("http"))
