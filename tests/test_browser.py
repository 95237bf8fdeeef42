"""The site as a journalist uses it, in a real browser: Playwright driving Debian's Chromium.

Search a quote, open it, follow its speaker, open the troop-estimate timeline and check the chart
is drawn; any request that would leave 127.0.0.1 fails the test. The screenshot goes to a temporary
folder, or to $NK_SCREENSHOTS (`make screenshots` sets docs/): a test never rewrites a tracked file."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from scripts.package.site import DATABASE
from scripts.publishing.build import build
from scripts.publishing.plugins.reader import day_label, parse_day
from tests.conftest import PACKAGE, read_table, served

# The browser `make test` found or installed (Makefile: CHROMIUM, e.g. Google Chrome on a hosted runner).
CHROMIUM = Path(os.environ.get("NK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]  # fmt: skip

playwright_api = pytest.importorskip("playwright.sync_api")
ESTIMATES = [f for f in read_table("figures") if f["measure"] == "nk_troops_in_russia"]
EXPECTED_ESTIMATES = len(ESTIMATES)


def expected_ticks() -> list[str]:
    """One tick per day of the estimates, `?` where no estimate of that day states its year."""
    days: dict[Any, bool] = {}
    for day, stated in (parse_day(f["as_of"]) for f in ESTIMATES):
        if day is not None:
            days[day] = days.get(day, True) and stated
    return [day_label(day, stated) for day, stated in sorted(days.items())]


# Outside CI a missing browser skips these tests; in CI (CI set) it fails them: never a silent skip.
# A browser per journey: `make check` leaves them out.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"), reason=f"no browser at {CHROMIUM}: run `make browser`"
    ),
    pytest.mark.package,
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("serve") / f"{DATABASE}.db"
    build(PACKAGE / "datapackage.json", database)
    with served(database) as url:
        yield url


class Journey:
    """A browser on the local site that fails on any request leaving 127.0.0.1 and records every
    console error or warning."""

    def __init__(
        self, playwright: Any, timezone: str = "Europe/London", viewport: tuple[int, int] = (1280, 1150)
    ) -> None:
        self.outside: list[str] = []
        self.console: list[str] = []
        # Chromium puts a socket in TMPDIR, and a socket's path is at most 107 bytes: a test's own
        # temporary folder, nested in a run of the package tests (tests/test_articles.py), is longer.
        self.temporary = tempfile.TemporaryDirectory(prefix="nk-", dir="/tmp")
        environment = {**os.environ, "TMPDIR": self.temporary.name}
        self.browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS, env=environment
        )
        width, height = viewport
        context = self.browser.new_context(viewport={"width": width, "height": height}, timezone_id=timezone)
        self.page = context.new_page()
        self.page.route("**/*", self._only_local)
        self.page.on("console", self._record)

    def _only_local(self, route: Any, request: Any) -> None:
        if urlparse(request.url).hostname == "127.0.0.1" or request.url.startswith("data:"):
            route.continue_()
        else:
            self.outside.append(request.url)
            route.abort()

    def _record(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.console.append(f"{message.type}: {message.text}")

    def close(self) -> None:
        self.browser.close()
        self.temporary.cleanup()
        assert self.outside == [], f"requests left 127.0.0.1: {self.outside}"
        assert self.console == [], f"console errors or warnings: {self.console}"


def _screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(os.environ.get("NK_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))


def test_a_reader_finds_who_said_cannon_fodder_in_its_article_in_three_clicks(
    server: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with playwright_api.sync_playwright() as playwright:
        journey = Journey(playwright)
        page = journey.page
        page.goto(server + "/")
        assert "North Korean troops in Russia" in page.title()
        page.fill("#search-all", "cannon fodder")
        page.press("#search-all", "Enter")  # click 1
        page.wait_for_url("**/-/search?q=cannon*")
        page.click("ul.search-results a[href*='/quotes/']")  # click 2
        page.wait_for_url("**/quotes/**")
        evidence = page.inner_text("section.evidence-in-context")
        assert "Speaker:" in evidence and "cannon fodder" in page.inner_text("section.evidence-in-context mark")
        page.click("a.reader-link")  # click 3
        page.wait_for_url("**/-/articles/**")
        assert page.locator("mark.quote", has_text="cannon fodder").count() >= 1
        page.screenshot(path=str(_screenshots(tmp_path_factory) / "reader.png"))
        journey.close()


@pytest.mark.parametrize("timezone", ["America/New_York", "Asia/Tokyo"])
def test_the_timeline_shows_every_estimate_with_the_same_dates_in_every_time_zone(
    server: str, timezone: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with playwright_api.sync_playwright() as playwright:
        journey = Journey(playwright, timezone)
        page = journey.page
        page.goto(server + "/")
        page.click("#timeline-link")
        page.wait_for_url("**/-/timeline")
        rows = page.locator("table.rows-and-columns tbody tr").count()
        drawn = page.locator("svg#timeline circle.estimate-point").count()
        in_words = page.locator("svg#timeline text", has_text="(no number)").count()
        assert rows == drawn + in_words == EXPECTED_ESTIMATES
        ticks = page.locator("svg#timeline text.x-tick").all_text_contents()
        assert len(ticks) > 1 and ticks == expected_ticks()
        assert page.locator("svg#timeline text.undated", has_text="date not stated").count() == 1
        if timezone == "Asia/Tokyo":
            page.screenshot(path=str(_screenshots(tmp_path_factory) / "timeline.png"))
        journey.close()


def field_title(table: str, field: str) -> str:
    descriptor = json.loads((PACKAGE / "datapackage.json").read_text(encoding="utf-8"))
    schema = next(r["schema"] for r in descriptor["resources"] if r["name"] == table)
    fields = (
        json.loads((PACKAGE / schema).read_text(encoding="utf-8"))["fields"]
        if isinstance(schema, str)
        else schema["fields"]
    )
    return next(f.get("title") or field for f in fields if f["name"] == field)


CARD_LABELS = """() => [...document.querySelectorAll('table.rows-and-columns tbody tr:first-child td')].map(
    td => getComputedStyle(td, '::before').content.replace(/^"|"$/g, ''))"""


@pytest.mark.parametrize("viewport", [(390, 844), (1366, 768)], ids=["phone", "desktop"])
def test_row_pages_lead_with_the_evidence_and_phone_cards_keep_the_fields_titles(
    server: str, viewport: tuple[int, int], tmp_path_factory: pytest.TempPathFactory
) -> None:
    quote = read_table("quotes")[0]["quote_id"]
    exact_title = field_title("quotes", "exact")
    with playwright_api.sync_playwright() as playwright:
        journey = Journey(playwright, viewport=viewport)
        page = journey.page
        page.goto(f"{server}/{DATABASE}/quotes/{quote}")
        evidence, table = page.locator("section.evidence-in-context"), page.locator("table.rows-and-columns")
        assert (
            evidence.bounding_box()["y"] < page.locator("dl.row-fields").bounding_box()["y"] < table.bounding_box()["y"]
        )
        assert "Release " in page.inner_text("footer")
        labels = page.evaluate(CARD_LABELS)
        if viewport[0] < 577:  # Datasette's cards: each cell labelled by its field's title, never its raw name
            assert exact_title in labels and "exact" not in labels and "speaker_id" not in labels
        page.screenshot(path=str(_screenshots(tmp_path_factory) / f"row-{viewport[0]}.png"), full_page=True)
        page.goto(f"{server}/{DATABASE}/quotes")
        if viewport[0] < 577:
            assert exact_title in page.evaluate(CARD_LABELS)
        page.screenshot(path=str(_screenshots(tmp_path_factory) / f"table-{viewport[0]}.png"), full_page=True)
        for path, field in (("/", "#search-all"), ("/-/search?q=troops", "#search-words")):
            page.goto(server + path)
            label = page.locator(f"label[for='{field[1:]}']")
            line = float(label.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || 20"))
            assert label.bounding_box()["height"] < 2.5 * line, (
                path
            )  # the search label reads as a line, not a word per line
        journey.close()
