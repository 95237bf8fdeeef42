"""The site as a journalist uses it, in a real browser: Playwright driving Debian's Chromium.

Search a quote, open it, follow its speaker, open the troop-estimate timeline and check the chart
is drawn; any request that would leave 127.0.0.1 fails the test. The screenshot goes to a temporary
folder, or to $NK_SCREENSHOTS (`make screenshots` sets docs/): a test never rewrites a tracked file."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from scripts.publishing.build import build
from scripts.publishing.metadata import DATABASE
from scripts.publishing.serve import datasette_command, write_inspect_file, write_metadata
from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]  # fmt: skip

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="run `make browser` to install Debian's chromium")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("serve")
    database = folder / f"{DATABASE}.db"
    build(ROOT / "datapackage.json", database)
    metadata = write_metadata(ROOT / "datapackage.json", folder / "metadata.json")
    write_inspect_file(database)
    port = _free_port()
    command = datasette_command(database, metadata, "127.0.0.1", port)
    command[0] = str(Path(sys.executable).with_name("datasette"))
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):  # bounded wait for the server to answer
            try:
                urllib.request.urlopen(f"{url}/-/versions.json", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("datasette did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_journalist_searches_a_quote_follows_its_speaker_and_sees_the_timeline(
    server: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside: list[str] = []

    def only_local(route, request) -> None:  # type: ignore[no-untyped-def]
        if urlparse(request.url).hostname == "127.0.0.1" or request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(request.url)
            route.abort()

    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_context(viewport={"width": 1280, "height": 1150}).new_page()
        page.route("**/*", only_local)

        page.goto(server + "/")
        assert "North Korean troops in Russia" in page.title()
        page.click(f"a[href='/{DATABASE}']")
        page.click(f"a[href='/{DATABASE}/quotes']")

        page.fill("input[name=_search]", "indisputable")
        page.press("input[name=_search]", "Enter")
        page.wait_for_url("**_search=indisputable**")
        page.click("a[href$='/quotes/a001-q01']")
        page.wait_for_url("**/quotes/a001-q01")
        assert "indisputable" in page.inner_text("table")

        page.click("a[href$='/entities/volodymyr-zelenskyy']")
        page.wait_for_url("**/entities/volodymyr-zelenskyy")
        assert "Zelensky" in page.inner_text("table")  # the aliases, spellings of both articles

        page.goto(server + "/")
        page.click("#timeline-link")
        page.wait_for_url("**/troop_estimates**")
        chart = page.wait_for_selector(".vega-embed canvas, .vega-embed svg", timeout=15000)
        box = chart.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100
        screenshots = Path(os.environ.get("NK_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
        page.screenshot(path=str(screenshots / "timeline.png"))
        browser.close()

    assert outside == [], f"requests left 127.0.0.1: {outside}"
