"""The comparison report in a real browser (headless Chromium): the answer is the first thing
a reader sees, every figure renders, nothing is fetched from elsewhere, no script errors.

Needs the system Chromium (``make browser`` installs it; ``CHANGESIM_CHROMIUM`` may point at
another build).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import matplotlib.image
import pytest

import changesim
from tests.builders import SCENARIOS

VIEWPORT = {"width": 1280, "height": 800}


def chromium() -> str:
    path = os.environ.get("CHANGESIM_CHROMIUM") or shutil.which("chromium")
    path = path or shutil.which("chromium-browser")
    assert path, "no Chromium found: run `make browser` (or set CHANGESIM_CHROMIUM)"
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, changesim.Comparison]:
    out = tmp_path_factory.mktemp("browser") / "compare"
    routes = [SCENARIOS / f"{name}.yaml" for name in ("back_office_first", "combined")]
    comparison = changesim.compare(routes, replications=2, out=out)
    return out / "report.html", comparison


def test_the_report_opens_with_the_answer_in_a_real_browser(report, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    path, comparison = report
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        page = browser.new_page(viewport=VIEWPORT)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("request", lambda request: requests.append(request.url))
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        headline = page.locator("#headline")
        box = headline.bounding_box()
        text = headline.inner_text()
        first_heading = page.locator("h2").first.inner_text()
        ranking_box = page.locator("table.ranking").bounding_box()
        broken = page.evaluate(
            "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).length"
        )
        images = page.evaluate("document.images.length")
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot))
        browser.close()

    assert errors == []
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    assert text == comparison.verdict.tradeoff
    assert box is not None
    assert box["y"] + box["height"] <= VIEWPORT["height"]  # the answer without scrolling
    assert first_heading == "Ranking"
    assert ranking_box is not None
    assert ranking_box["y"] < 2 * VIEWPORT["height"]
    assert images >= 5
    assert broken == 0
    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[:2] == (VIEWPORT["height"], VIEWPORT["width"])
    assert pixels.std() > 0.05  # not a blank page
