"""Make docs/images/app.png: the app in headless Chromium, back-office first side by side with
pilot then waves, played to about week 40.

    PYTHONPATH=src .venv/bin/python tools/app_screenshot.py [OUT]

Needs what the browser test needs (make browser, make solara-assets).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WEEKS = 40


def main(out: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    scenario = ROOT / "scenarios" / "back_office_first.yaml"
    server = subprocess.Popen(
        [sys.executable, "-m", "changesim.cli", "app", str(scenario), "--port", str(port)],
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(url, timeout=5).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the app did not start") from None
                time.sleep(0.5)
        with sync_playwright() as p:
            chromium = os.environ.get("CHANGESIM_CHROMIUM", "/usr/bin/chromium")
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            expect(page.get_by_text("About this page")).to_be_visible(timeout=60_000)
            page.get_by_role("button", name="Side by side with route none").click()
            page.get_by_role("option", name="pilot_then_waves", exact=True).click()
            page.get_by_role("button", name="Reset").click()
            expect(page.get_by_role("button", name="Side by side with route pilot")).to_be_visible()
            page.get_by_role("button", name="▶").click()
            while True:
                text = page.get_by_text(re.compile(r"^Time: ")).inner_text()
                if float(text.split()[-1]) >= WEEKS:
                    break
                page.wait_for_timeout(200)
            page.get_by_role("button", name="❚❚").click()
            page.wait_for_timeout(2000)
            page.screenshot(path=str(out))
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "images" / "app.png")
