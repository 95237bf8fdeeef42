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

from scripts.benchmark.synth import generate
from scripts.package.site import DATABASE
from scripts.publishing.build import build
from scripts.publishing.plugins.reader import CHART_ESTIMATES, PAGE_SIZE, day_label, parse_day
from scripts.publishing.summaries import TIMELINE_COLUMNS
from tests.conftest import PACKAGE, archived_text, read_table, served

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


class Journey:
    """A browser on the local site that fails on any request leaving 127.0.0.1 and records every
    console error or warning, or with `every_message` every console message of any type (a reader's
    journey: tests/test_journeys.py)."""

    def __init__(
        self,
        playwright: Any,
        timezone: str = "Europe/London",
        viewport: tuple[int, int] = (1280, 1150),
        every_message: bool = False,
    ) -> None:
        self.outside: list[str] = []
        self.console: list[str] = []
        self.every_message = every_message
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
        if self.every_message or message.type in ("error", "warning"):
            self.console.append(f"{message.type}: {message.text}")

    def close(self) -> None:
        self.browser.close()
        self.temporary.cleanup()
        assert self.outside == [], f"requests left 127.0.0.1: {self.outside}"
        assert self.console == [], f"console messages: {self.console}"


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


SCREENS = [(390, 844), (1366, 768)]  # a phone and a laptop
CHART = "svg.timeline:visible"  # the page sends the chart in every layout and shows the one that fits the screen
MIN_TEXT = 11  # CSS px: the smallest text the chart may render


def _is_subsequence(shown: list[str], expected: list[str]) -> bool:
    remaining = iter(expected)
    return all(label in remaining for label in shown)


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("timezone", ["America/New_York", "Asia/Tokyo"])
def test_the_timeline_shows_every_estimate_with_the_same_dates_in_every_time_zone(
    server: str, timezone: str, screen: tuple[int, int], tmp_path_factory: pytest.TempPathFactory
) -> None:
    with playwright_api.sync_playwright() as playwright:
        journey = Journey(playwright, timezone, viewport=screen)
        page = journey.page
        page.goto(server + "/")
        page.click("#timeline-link")
        page.wait_for_url("**/-/timeline")
        assert page.locator(CHART).count() == 1
        assert page.get_by_role("img", name="every estimate").count() == 1  # a screen reader meets it once
        chart = page.locator(CHART)
        rows = page.locator("table.rows-and-columns tbody tr").count()
        drawn = chart.locator("circle.estimate-point, rect.estimate-range").count()
        in_words = chart.locator("text", has_text="(no number)").count()
        assert rows == drawn + in_words == EXPECTED_ESTIMATES
        ticks, expected = chart.locator("text.x-tick").all_text_contents(), expected_ticks()
        # the first day and the later ones in order; a day too close to the last labelled one stays unlabelled
        assert ticks[:1] == expected[:1] and _is_subsequence(ticks, expected)
        assert chart.locator("text.undated", has_text="date not stated").count() == 1
        if timezone == "Asia/Tokyo":  # the laptop's is the README's picture (`make screenshots`)
            name = "timeline.png" if screen == SCREENS[-1] else f"timeline-{screen[0]}-tokyo.png"
            page.screenshot(path=str(_screenshots(tmp_path_factory) / name))
        journey.close()


SPANS = {"claims": "claim_id", "quotes": "quote_id", "figures": "figure_id"}
MIN_TARGET = 24  # CSS px, WCAG 2.2 target size (minimum)


def _spans_of(source_id: str) -> list[tuple[str, str, dict[str, str]]]:
    return [(t, row[key], row) for t, key in SPANS.items() for row in read_table(t) if row["source_id"] == source_id]


def _overlapped_quote() -> tuple[str, str]:
    """(article, quote id) of the quote a claim also covers nearest the middle of its text: a link
    to it must scroll (neither end of the page, where scrolling stops), and its row must be reachable
    although a claim covers the same words."""
    claims = read_table("claims")
    overlapped = [
        q for q in read_table("quotes")
        if any(c["source_id"] == q["source_id"] and int(c["char_start"]) <= int(q["char_start"]) < int(c["char_end"])
               for c in claims)
    ]  # fmt: skip
    middle = min(overlapped, key=lambda q: abs(int(q["char_start"]) / len(archived_text(q["source_id"])) - 0.5))
    return middle["source_id"], middle["quote_id"]


def _lands(page: Any, anchor: str, height: int) -> None:
    """The anchor is the :target, styled as such, and wholly in view with room above it."""
    box = page.locator(f"[id='{anchor}']").bounding_box()
    assert box is not None and height * 0.15 <= box["y"] and box["y"] + box["height"] <= height, (box, height)
    target = page.locator(":target")
    assert target.count() == 1 and target.get_attribute("id") == anchor
    outline = page.eval_on_selector(":target", "e => parseFloat(getComputedStyle(e).outlineWidth)")
    assert outline >= 2, "the target is not marked"


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_link_to_a_span_lands_on_it_marked_and_a_visit_to_its_row_keeps_the_place(
    server: str, screen: tuple[int, int]
) -> None:
    source_id, quote_id = _overlapped_quote()
    anchor = f"quotes-{quote_id}"
    with playwright_api.sync_playwright() as playwright:
        journey = Journey(playwright, viewport=screen)
        page = journey.page
        page.goto(f"{server}/-/articles/{source_id}#{anchor}")
        _lands(page, anchor, screen[1])
        place = page.evaluate("window.scrollY")
        page.click(f"[id='{anchor}']")  # the quote's own link, though a claim covers its words
        page.wait_for_url(f"**/quotes/{quote_id}")
        page.click("a.reader-link")  # back to the reader from the row
        page.wait_for_url(f"**/-/articles/{source_id}#{anchor}")
        _lands(page, anchor, screen[1])
        page.go_back()
        page.go_back()  # the browser's own way back: the same place
        page.wait_for_url(f"**/-/articles/{source_id}#{anchor}")
        assert abs(page.evaluate("window.scrollY") - place) <= 2
        journey.close()


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_row_of_the_reader_has_its_own_tap_target_of_at_least_24_px(server: str, screen: tuple[int, int]) -> None:
    source_id, _ = _overlapped_quote()
    rows = _spans_of(source_id)
    with playwright_api.sync_playwright() as playwright:
        journey = Journey(playwright, viewport=screen)
        page = journey.page
        page.goto(f"{server}/-/articles/{source_id}")
        targets = page.locator("article.reader a")
        boxes = [targets.nth(i).bounding_box() for i in range(targets.count())]
        small = [b for b in boxes if b is None or b["width"] < MIN_TARGET or b["height"] < MIN_TARGET]
        assert boxes and small == [], f"{len(small)} of {len(boxes)} tap targets under {MIN_TARGET} px: {small[:3]}"
        hrefs = sorted(targets.evaluate_all("links => links.map(a => new URL(a.href).pathname)"))
        assert hrefs == sorted(f"/{DATABASE}/{table}/{key}" for table, key, _ in rows)
        journey.close()


LABELS = "h1, h2, h3, h4, h5, h6, label, legend, caption, summary, button, a, th, td, dt, dd, li"
CLIPPED = """labels => { const cut = [];
    const hides = s => [s.overflowX, s.overflowY].some(o => o === 'hidden' || o === 'clip');
    const out = (r, b) => r.left < b.left - 0.5 || r.right > b.right + 0.5
        || r.top < b.top - 0.5 || r.bottom > b.bottom + 0.5;
    const shown = e => { const r = e.getBoundingClientRect(); return r.width > 1 && r.height > 1; };
    for (const e of document.querySelectorAll(labels)) {
        if (!shown(e) || getComputedStyle(e).visibility === 'hidden') continue;
        const s = getComputedStyle(e), r = e.getBoundingClientRect();
        if ((hides(s) || s.textOverflow === 'ellipsis')
            && (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)) {
            cut.push(e.textContent);
            continue;
        }
        for (let a = e.parentElement; a && a !== document.documentElement; a = a.parentElement) {
            // an ancestor that hides what overflows it; one of 1 px or less is screen-reader text, hidden on purpose
            if (hides(getComputedStyle(a)) && shown(a) && out(r, a.getBoundingClientRect())) {
                cut.push(e.textContent);
                break;
            }
        }
    }
    const context = document.createElement('canvas').getContext('2d');
    for (const select of document.querySelectorAll('select')) {  // the chosen option, wider than its box
        const s = getComputedStyle(select), chosen = select.options[select.selectedIndex];
        if (!shown(select) || !chosen) continue;
        context.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
        const room = select.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
        if (context.measureText(chosen.text).width > room + 0.5) cut.push(chosen.text);
    }
    for (const svg of document.querySelectorAll('svg')) {  // outside the drawing, or shortened
        const box = svg.getBoundingClientRect();
        for (const t of svg.querySelectorAll('text'))
            if (out(t.getBoundingClientRect(), box) || t.textContent.includes('\u2026')) cut.push(t.textContent);
    }
    return cut.map(text => text.trim().slice(0, 80)); }"""


def clipped_labels(page: Any) -> list[str]:
    """The visible labels that are cut: headings, labels, links, table cells and list items hidden in
    part by their own box or an ancestor that hides what overflows it (a scrolling box keeps them
    reachable: not cut), shortened with an ellipsis, a select's chosen option wider than its box, and
    an SVG's text outside the drawing or shortened with an ellipsis."""
    return page.evaluate(CLIPPED, LABELS)


def _visible_chart(page: Any, script: str) -> Any:
    """The result of `script`, a function of the visible chart's <svg> (there is exactly one)."""
    return page.locator(CHART).evaluate(script)


def _clipped_labels(page: Any) -> list[str]:
    """The chart's labels that are cut: outside the SVG's visible box, or shortened with an ellipsis."""
    return _visible_chart(
        page,
        """svg => { const box = svg.getBoundingClientRect();
            return [...svg.querySelectorAll('text')].filter(t => { const r = t.getBoundingClientRect();
                return r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5
                    || r.bottom > box.bottom + 0.5 || t.textContent.includes('\u2026'); })
              .map(t => t.textContent); }""",
    )


def _text_sizes(page: Any) -> list[tuple[str, float]]:
    """Each text of the visible chart and the CSS px it renders at: its font size, in the viewBox's
    units, times the scale the page draws the viewBox at."""
    return _visible_chart(
        page,
        """svg => { const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            return [...svg.querySelectorAll('text, tspan')].filter(t => t.textContent.trim())
              .map(t => [t.textContent, parseFloat(getComputedStyle(t).fontSize) * scale]); }""",
    )


def _inside(box: dict[str, float], point: tuple[float, float]) -> bool:
    return box["x"] <= point[0] <= box["x"] + box["width"] and box["y"] <= point[1] <= box["y"] + box["height"]


def _overlapping_dates(page: Any) -> list[str]:
    """The date labels under the visible chart that print over the next one."""
    return _visible_chart(
        page,
        """svg => { const ticks = [...svg.querySelectorAll('text.x-tick')]
                .map(t => [t.getBoundingClientRect(), t.textContent]).sort((a, b) => a[0].left - b[0].left);
            return ticks.slice(1).filter((t, i) => t[0].left < ticks[i][0].right).map(t => t[1]); }""",
    )


def _readable_and_whole(page: Any, screen: tuple[int, int]) -> None:
    """One chart shown, inside the screen, the page no wider than it, every label whole, at least
    MIN_TEXT px high, and no date label over another."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than the screen"
    assert page.locator(CHART).count() == 1  # one chart shown: a screen reader reads it once
    svg = page.locator(CHART).bounding_box()
    assert svg is not None and svg["x"] >= 0 and svg["x"] + svg["width"] <= screen[0]
    assert _clipped_labels(page) == []
    sizes = _text_sizes(page)
    small = [(text, round(px, 1)) for text, px in sizes if px < MIN_TEXT]
    assert sizes and small == [], f"{len(small)} of {len(sizes)} labels under {MIN_TEXT} px: {small[:4]}"
    assert _overlapping_dates(page) == []


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_timeline_fits_the_screen_with_every_label_whole_and_undated_estimates_apart(
    server: str, screen: tuple[int, int], tmp_path_factory: pytest.TempPathFactory
) -> None:
    with playwright_api.sync_playwright() as playwright:
        journey = Journey(playwright, viewport=screen)
        page = journey.page
        page.goto(server + "/-/timeline")
        _readable_and_whole(page, screen)
        assert clipped_labels(page) == []
        chart = page.locator(CHART)
        band = chart.locator("rect.undated-band").bounding_box()
        label = chart.locator("text.undated", has_text="date not stated").bounding_box()
        assert (
            band is not None
            and label is not None
            and band["x"] <= label["x"]
            and label["x"] + label["width"] <= band["x"] + band["width"]
        )
        marks = chart.locator(".estimate-point, text.estimate:has-text('(no number)')")
        boxes = [marks.nth(i).bounding_box() for i in range(marks.count())]
        centres = [(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2) for b in boxes if b]
        inside = sum(_inside(band, centre) for centre in centres)  # the undated ones, and no dated one
        assert len(centres) == EXPECTED_ESTIMATES and inside == sum(1 for f in ESTIMATES if not f["as_of"])
        if screen[0] < 577:  # Datasette's cards: each cell labelled by its column's header
            headers = page.locator("table.rows-and-columns thead th").all_text_contents()
            assert page.evaluate(CARD_LABELS) == headers
        page.screenshot(path=str(_screenshots(tmp_path_factory) / f"timeline-{screen[0]}.png"), full_page=True)
        journey.close()


@pytest.fixture(scope="module")
def summed_up_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The site of a synthetic package with more estimates than the chart draws one by one."""
    folder = tmp_path_factory.mktemp("summed-up")
    database = folder / f"{DATABASE}.db"
    build(generate(1100, folder / "package"), database)
    with served(database) as url:
        yield url


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_summed_up_timeline_fits_the_screen_with_every_label_whole(
    summed_up_server: str, screen: tuple[int, int], tmp_path_factory: pytest.TempPathFactory
) -> None:
    with playwright_api.sync_playwright() as playwright:
        journey = Journey(playwright, viewport=screen)
        page = journey.page
        page.goto(summed_up_server + "/-/timeline")
        assert page.locator("table.rows-and-columns tbody tr").count() == PAGE_SIZE > CHART_ESTIMATES
        _readable_and_whole(page, screen)
        chart = page.locator(CHART)
        assert chart.locator(".estimate-point").count() == 0  # summed up, not one mark per estimate
        assert 0 < chart.locator("circle.estimate-summary").count() <= TIMELINE_COLUMNS + 1
        assert chart.locator("text.x-tick").count() >= 2
        page.screenshot(path=str(_screenshots(tmp_path_factory) / f"timeline-summed-up-{screen[0]}.png"))
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


WHOLE_LINES = """() => [...document.querySelectorAll('.facet-results ul, dl.column-descriptions')]
    .filter(box => box.scrollHeight > box.clientHeight)  // the boxes that scroll
    .map(box => { const s = getComputedStyle(box), line = parseFloat(s.lineHeight);
        const inner = box.clientHeight - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom);
        return [box.className || box.tagName, inner / line]; })"""


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_scrolling_facet_or_description_box_shows_whole_lines_never_half_of_one(
    server: str, screen: tuple[int, int]
) -> None:
    with playwright_api.sync_playwright() as playwright:
        journey = Journey(playwright, viewport=screen)
        page = journey.page
        boxes = []
        for path in (f"/{DATABASE}/claims", f"/{DATABASE}/claims_with_sources"):
            page.goto(server + path)
            boxes += page.evaluate(WHOLE_LINES)
        assert boxes, "no box scrolls: nothing to check"
        assert [b for b in boxes if abs(b[1] - round(b[1])) > 0.05] == []
        journey.close()
