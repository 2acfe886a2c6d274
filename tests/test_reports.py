"""Reports: `mnist-lab report` for a run and for a study, as self-contained HTML and as
Markdown with PNG and SVG figures, over fake runs with known mistakes; opened in Chromium
with every network request refused."""

from __future__ import annotations

import re

import pytest

from mnist_lab.cli import main
from mnist_lab.config import preset
from mnist_lab.reports import document
from mnist_lab.store.studies import StudyIndex
from mnist_lab.sweeps.space import parse_grid
from mnist_lab.sweeps.study import StudySpec
from tests.fakes import seed_run

HOSTILE = "<script>alert(1)</script> | *run*"


@pytest.fixture
def data(small_npz, monkeypatch):
    monkeypatch.setenv("MNIST_LAB_DATA", str(small_npz))
    return small_npz


def report(store, *args) -> int:
    return main(["--home", str(store.home), "report", *args])


def test_a_runs_report_holds_its_config_curves_matrix_pairs_and_digits(store, mnist, data, tmp_path, capsys):
    run_id = seed_run(store, mnist.y_test, name="lenet5 (a+b) #1")  # 4→9 ×7, 7→2 ×5, 3→5 ×3

    assert report(store, run_id, "--out", str(tmp_path / "out")) == 0

    assert "wrote" in capsys.readouterr().out
    page = (tmp_path / "out" / document.HTML_FILE).read_text()
    headings = re.findall(r"<h2>(.*?)</h2>", page)
    assert headings == ["Config and layers", "Training curves", "Confusion matrix", "Most confused pairs",
                        "Why 4s are read as 9", "Why 7s are read as 2", "Why 3s are read as 5",
                        "Per digit"]
    assert "7 of 982 test 4s (0.7%) were read as 9." in page
    assert page.count("<svg") == 5  # curves, matrix, three pairs: inline
    assert "<h1>mnist-lab report: lenet5 (a+b) #1</h1>" in page and "<script" not in page
    # Nothing outside the file: no scripts, styles or images fetched from anywhere.
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    markdown = (tmp_path / "out" / document.MARKDOWN_FILE).read_text()
    figures = re.findall(r"\]\((figures/[\w-]+\.(?:png|svg))\)", markdown)
    assert sorted(figures) == sorted(f"figures/{name}.{kind}" for name in
                                     ("curves", "confusion", "pair-4-9", "pair-7-2", "pair-3-5")
                                     for kind in ("png", "svg"))
    for figure in figures:
        data_bytes = (tmp_path / "out" / figure).read_bytes()
        assert data_bytes.startswith(b"\x89PNG" if figure.endswith(".png") else b"<?xml")
    assert r"# mnist\-lab report: lenet5 \(a\+b\) \#1" in markdown  # escaped, not markup
    assert "| 4 | 9 | 7 | 0.71% |" in markdown


def test_a_studys_report_holds_its_question_arms_and_verdict(store, mnist, tmp_path):
    spec = StudySpec(name="pooling-test", base=preset("lenet5"), repeats=2,
                     dimensions=[parse_grid("blocks.downsample=max,avg")])
    StudyIndex(store).create(spec.name, spec.to_dict())
    for seed in range(2):
        for mode, mistakes in (("max", ((4, 9, 7),)), ("avg", ((4, 9, 60),))):
            seed_run(store, mnist.y_test, name=f"{mode} {seed}", seed=seed, study=spec.name,
                     mistakes=mistakes, trial={"point": {"blocks.downsample": mode}, "seed": seed,
                                               "phase": "main"})

    assert report(store, "--study", "pooling-test", "--out", str(tmp_path / "study")) == 0

    page = (tmp_path / "study" / document.HTML_FILE).read_text()
    assert re.findall(r"<h2>(.*?)</h2>", page) == ["Question", "Arms", "Verdict"]
    assert ("Which blocks.downsample (max, avg) gives the highest test accuracy, over 2 seeds each?"
            in page)
    assert "<td>max pooling</td>" in page and "<td>average pooling</td>" in page
    assert page.count("<svg") == 1


def test_text_is_escaped_for_html_and_for_markdown():
    hostile = document.Document(HOSTILE, [HOSTILE], [document.Section(
        HOSTILE, [HOSTILE], table=[{HOSTILE: HOSTILE}])])

    page = document.to_html(hostile)
    markdown, files = document.to_markdown(hostile)

    assert "<script>" not in page and page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 7  # title too
    assert "<script>" not in markdown and files == {}
    assert markdown.count(r"\<script\>alert\(1\)\</script\> \| \*run\*") == 6


@pytest.mark.parametrize(("args", "message"), [
    (["--study", "nope", "--out", "x"], "no study named 'nope'"),
    (["20260101-120000-abcdef", "--out", "x"], "no run with id '20260101-120000-abcdef'"),
    (["--out", "x"], "one of the arguments run_id --study is required"),
])
def test_a_report_of_nothing_is_refused_in_one_line(store, capsys, args, message):
    assert report(store, *args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_a_report_opens_in_chromium_with_every_request_refused(store, mnist, data, tmp_path):
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_FLAGS, require_chromium

    require_chromium()
    run_id = seed_run(store, mnist.y_test)
    assert report(store, run_id, "--out", str(tmp_path / "out")) == 0
    asked = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.route("**/*", lambda route: (asked.append(route.request.url), route.abort())
                   if not route.request.url.startswith("file://") else route.continue_())
        page.goto((tmp_path / "out" / document.HTML_FILE).as_uri())
        drawn = page.locator("figure svg").evaluate_all(
            "svgs => svgs.map(svg => svg.getBoundingClientRect().height)")
        browser.close()
    assert asked == []  # it asked for nothing beyond its own file
    assert len(drawn) == 5 and min(drawn) > 100  # every figure drawn, none collapsed


def test_errors_compare_and_experiments_offer_the_report(store, mnist, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("MNIST_LAB_HOME", str(store.home))
    st.cache_data.clear()
    st.cache_resource.clear()
    first, second = seed_run(store, mnist.y_test, name="first"), seed_run(store, mnist.y_test, name="second")
    spec = StudySpec(name="pooling-test", base=preset("lenet5"), dimensions=[parse_grid("epochs=1,2")])
    StudyIndex(store).create(spec.name, spec.to_dict())

    def buttons(page: str, **params) -> list[str]:
        at = AppTest.from_file("../dashboard.py", default_timeout=60).run()
        for key, value in params.items():
            at.query_params[key] = value
        at = at.switch_page(page).run()
        assert not at.exception
        return [button.proto.label for button in at.get("download_button")]

    assert buttons("pages/errors.py", run=first) == ["Download report"]
    assert buttons("pages/compare.py", run=[first, second]) == ["Download report"] * 2
    assert buttons("pages/experiments.py", study="pooling-test") == ["Download report"]
