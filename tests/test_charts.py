"""Every Plotly chart goes through app.charts: one config, a toolbar that downloads PNG and SVG
(tests/test_browser_train_page.py clicks both in Chromium)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_no_page_draws_a_plotly_chart_around_app_charts():
    drawn_directly = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted([*ROOT.glob("app/**/*.py"), *ROOT.glob("pages/*.py")])
        if path != ROOT / "app" / "charts" / "__init__.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\.plotly_chart\(", line)
    ]
    assert drawn_directly == []
