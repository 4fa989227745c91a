"""The interactive view (``changesim app``) in a real browser (headless Chromium): it starts
offline, a control and Step work, the adoption plot changes, and neither the page nor the
server reports an error.

Needs the system Chromium (``make browser``) and the app extra with its assets
(``make solara-assets``; ``changesim app`` unpacks them itself when missing).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.builders import ROOT, SCENARIOS
from tests.viz.test_report_in_a_browser import chromium

pytest.importorskip("solara")

VIEWPORT = {"width": 1400, "height": 1000}
#: Seconds to wait for the server to answer (about 5 s on an idle 2-core machine).
START_TIMEOUT = 90
SERVER_ERRORS = ("Traceback", "Error", "Could not load URL", "Exception", "Warning")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_it_answers(url: str, server: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, "the app's server stopped"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"the app did not answer at {url} within {timeout} s")


def adoption_image(page) -> tuple[str, bytes]:
    """The URL (a blob) and the pixels of the adoption plot (the first figure of the grid)."""
    image = page.locator(".vue-grid-item img").first
    image.wait_for(state="visible", timeout=30_000)
    return str(image.get_attribute("src")), image.screenshot()


def test_the_app_steps_and_redraws_in_a_real_browser(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    stderr = tmp_path / "server.err"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), *sys.path]))
    with stderr.open("w") as err:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "changesim.cli",
                "app",
                str(SCENARIOS / "back_office_first.yaml"),
                "--port",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=env,
            start_new_session=True,
        )
    errors: list[str] = []
    try:
        wait_until_it_answers(url, server, START_TIMEOUT)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
            page = browser.new_page(viewport=VIEWPORT)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(url)
            expect(page.get_by_text("About this page")).to_be_visible(timeout=60_000)
            # a control: the route; the new value takes effect on Reset
            page.get_by_role("button", name="Route back_office_first").click()
            page.get_by_role("option", name="combined", exact=True).click()
            page.get_by_role("button", name="Reset").click()
            expect(page.get_by_role("button", name="Route combined")).to_be_visible()
            step = page.get_by_role("button", name="Step")
            step.click()
            expect(page.get_by_text("Time: 1.0")).to_be_visible(timeout=30_000)
            before = adoption_image(page)  # drawn with the step (one update of the page)
            for _ in range(3):
                step.click()
            expect(page.get_by_text("Time: 4.0")).to_be_visible(timeout=30_000)
            page.wait_for_function(
                "src => document.querySelector('.vue-grid-item img').src !== src",
                arg=before[0],
                timeout=30_000,
            )
            after = adoption_image(page)
            page.screenshot(path=str(tmp_path / "app.png"), full_page=True)
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    log = stderr.read_text()
    assert errors == []
    assert after[0] != before[0]
    assert after[1] != before[1]  # the plot shows the four weeks
    assert not [line for line in log.splitlines() if any(e in line for e in SERVER_ERRORS)], log
