"""A new reader's tasks (issue 24), in Chromium, each at most three clicks from the home page, on a
phone (390 × 844) and a laptop (1366 × 768).

Every page a journey lands on must fit the screen's width and show no label cut; at the end no
console message of any kind was printed and no request left 127.0.0.1. Each task's answer is derived
from the package's tables."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urljoin, urlparse

import pytest

from scripts.package import citing
from scripts.package.site import BY_PARTY, DATABASE
from scripts.publishing.plugins.nk_datasette.site import article_label
from scripts.publishing.serve import SETTINGS
from tests.conftest import PACKAGE, country_names, read_table
from tests.test_browser import (
    MIN_TARGET,
    SCREENS,
    Journey,
    _lands,
    _spans_of,
    clipped_labels,
    playwright_api,
    pytestmark,  # noqa: F401 (the browser tests' marks: slow, skipped without a browser outside CI)
)

MAX_CLICKS = 3
PAGE_SIZE = SETTINGS["default_page_size"]  # rows of a table page
DESCRIPTOR = json.loads((PACKAGE / "datapackage.json").read_text(encoding="utf-8"))
screens = pytest.mark.parametrize("screen", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")


class Reader:
    """A reader's journey from the home page: it counts the clicks (typing into a field and pressing
    Enter, or typing SQL and running it, is one) and checks every page it lands on."""

    def __init__(self, journey: Journey, server: str, screen: tuple[int, int]) -> None:
        self.journey, self.page, self.server, self.screen = journey, journey.page, server, screen
        self.clicks = 0

    def start(self) -> None:
        """At the home page, no click made yet."""
        self.clicks = 0
        self.page.goto(self.server + "/")
        self.landed()

    def click(self, target: str | Any, url: str) -> None:
        self._count()
        (self.page.locator(target).first if isinstance(target, str) else target).click()
        self.page.wait_for_url(url)
        self.landed()

    def submit(self, field: str, words: str, url: str) -> None:
        self._count()
        self.page.fill(field, words)
        self.page.press(field, "Enter")
        self.page.wait_for_url(url)
        self.landed()

    def run_sql(self, sql: str, url: str) -> None:
        """Typed into the database page's editor (CodeMirror over its textarea) and run."""
        self._count()
        self.page.click(".CodeMirror")
        self.page.keyboard.press("ControlOrMeta+a")
        self.page.keyboard.type(sql)
        self.page.click("form.sql input[type='submit']")
        self.page.wait_for_url(url)
        self.landed()

    def visit(self, href: str) -> None:
        """A link of this page followed as its address says: one click."""
        self._count()
        self.page.goto(urljoin(self.page.url, href))
        self.landed()

    def download(self, href: str) -> Any:
        """A link's target fetched as a program would fetch it: one click."""
        self._count()
        url = urljoin(self.page.url, href)
        assert urlparse(url).hostname == "127.0.0.1", url
        return self.page.request.get(url)

    def _count(self) -> None:
        self.clicks += 1
        assert self.clicks <= MAX_CLICKS, f"more than {MAX_CLICKS} clicks from the home page to {self.page.url}"

    def landed(self) -> None:
        """The page fits the screen's width and cuts no label."""
        page = self.page
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{page.url} is {overflow} px wider than the {self.screen[0]}-px screen"
        assert clipped_labels(page) == [], f"labels cut on {page.url}"


@contextmanager
def reading(server: str, screen: tuple[int, int]) -> Iterator[Reader]:
    """A reader at the home page; at the end, no console message and no request that left the site."""
    with playwright_api.sync_playwright() as playwright:
        journey = Journey(playwright, viewport=screen, every_message=True)
        try:
            reader = Reader(journey, server, screen)
            reader.start()
            yield reader
        except BaseException:
            journey.browser.close()
            journey.temporary.cleanup()
            raise
        journey.close()


def entity_names() -> dict[str, str]:
    return {e["entity_id"]: e["name"] for e in read_table("entities")}


def article_labels() -> dict[str, str]:
    return {s["source_id"]: article_label(s["source_id"], s["title"], s["kind"]) for s in read_table("sources")}


def key_in(href: str) -> str:
    """The row key a link to a row page ends with."""
    return unquote(urlparse(href).path.rsplit("/", 1)[-1])


@screens
def test_a_reader_finds_who_called_the_soldiers_cannon_fodder_and_in_which_article(
    server: str, screen: tuple[int, int]
) -> None:
    words = "cannon fodder"
    names, articles = entity_names(), article_labels()
    quoted = {q["quote_id"]: q for q in read_table("quotes") if words in q["exact"].casefold()}
    assert quoted, f"no quotation holds “{words}”"
    with reading(server, screen) as reader:
        page = reader.page
        reader.submit("#search-all", words, "**/-/search?q=*")
        hits = page.locator("ul.search-results li", has=page.locator("a[href*='/quotes/']"))
        found = {
            key_in(h.locator("a[href*='/quotes/']").first.get_attribute("href")): h.inner_text() for h in hits.all()
        }
        assert set(found) == set(quoted)
        for quote_id, hit in found.items():  # who said it, and in which article, on the search page itself
            assert names[quoted[quote_id]["speaker_id"]] in hit and articles[quoted[quote_id]["source_id"]] in hit
        quote_id = next(iter(found))
        quote = quoted[quote_id]
        reader.click(hits.first.locator("a[href*='/quotes/']"), f"**/quotes/{quote_id}")
        evidence = page.locator("section.evidence-in-context")
        assert names[quote["speaker_id"]] in evidence.inner_text()
        assert words in evidence.locator("mark").inner_text().casefold()
        reader.click("section.evidence-in-context a.reader-link", f"**/-/articles/{quote['source_id']}#*")
        _lands(page, f"quotes-{quote_id}", screen[1])
        assert reader.clicks == MAX_CLICKS


@screens
def test_a_reader_finds_every_troop_estimate_with_who_gave_it_and_when(server: str, screen: tuple[int, int]) -> None:
    names, claimants = entity_names(), {c["claim_id"]: c["claimant_id"] for c in read_table("claims")}
    estimates = {
        f["figure_id"]: (names[claimants[f["claim_id"]]], f["as_of"] or "date not stated")
        for f in read_table("figures")
        if f["measure"] == DESCRIPTOR["headlineMeasure"]
    }
    assert estimates, "no figure of the headline measure"
    with reading(server, screen) as reader:
        reader.click("#timeline-link", "**/-/timeline")
        rows = reader.page.locator("table.rows-and-columns tbody tr")
        shown = {}
        for row in rows.all():  # #, estimate, date, who, venue, article, the words (a link to the figure)
            cells = row.locator("td").all_inner_texts()
            shown[key_in(row.locator("a[href*='/figures/']").get_attribute("href"))] = (cells[3], cells[2])
        assert shown == estimates


def fields_of(resource: dict[str, Any]) -> list[str]:
    schema = resource["schema"]
    if isinstance(schema, str):
        schema = json.loads((PACKAGE / schema).read_text(encoding="utf-8"))
    return [field["name"] for field in schema["fields"]]


INFERRED_COUNT = re.compile(r"([\d,]+) rows? where inferred is not blank")


@screens
def test_a_reader_reaches_what_the_curators_inferred_in_every_table_with_the_notes_that_say_how(
    server: str, screen: tuple[int, int]
) -> None:
    with_column = [r["name"] for r in DESCRIPTOR["resources"] if "inferred" in fields_of(r)]
    inferred = {table: [row for row in read_table(table) if row["inferred"]] for table in with_column}
    tables = [table for table in with_column if inferred[table]]  # a table that infers nothing is not listed
    assert tables, "nothing inferred in the package"
    with reading(server, screen) as reader:
        page = reader.page
        links = page.locator("ul.inferred a.inferred-link")
        assert [urlparse(href).path.rsplit("/", 1)[-1] for href in links.evaluate_all("a => a.map(l => l.href)")] == (
            tables
        )
        said_how: set[str] = set()
        for table in tables:
            reader.start()
            reader.click(f"ul.inferred a[href*='/{table}?']", f"**/{DATABASE}/{table}?*")
            heading = INFERRED_COUNT.search(page.inner_text("body"))
            assert heading is not None and int(heading.group(1).replace(",", "")) == len(inferred[table]), table
            cells = page.locator("table.rows-and-columns tbody td.col-inferred")
            assert cells.count() == min(len(inferred[table]), PAGE_SIZE) and all(
                t.strip() for t in cells.all_inner_texts()
            )
            notes = page.locator("table.rows-and-columns tbody td.col-notes")
            expected = {" ".join(row["notes"].split()) for row in inferred[table]}
            shown = {" ".join(t.split()) for t in notes.all_inner_texts()}
            assert shown <= expected and notes.count() == cells.count() and "" not in shown  # each says how
            said_how |= shown
            for box in (notes.nth(i).bounding_box() for i in range(min(notes.count(), 3))):
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= screen[0], (table, box)
        assert said_how, "no note says how anything was inferred"


@screens
def test_a_reader_opens_an_article_with_its_marks_and_a_mark_leads_to_its_row_and_back_to_its_place(
    server: str, screen: tuple[int, int]
) -> None:
    with reading(server, screen) as reader:
        page = reader.page
        article = page.locator("ul.articles a.reader-link").first
        source_id = key_in(article.get_attribute("href"))
        reader.click(article, f"**/-/articles/{source_id}")
        marks = page.locator("article.reader a")
        hrefs = sorted(marks.evaluate_all("links => links.map(a => new URL(a.href).pathname)"))
        assert hrefs == sorted(f"/{DATABASE}/{table}/{key}" for table, key, _ in _spans_of(source_id)) != []
        boxes = [marks.nth(i).bounding_box() for i in range(marks.count())]
        small = [b for b in boxes if b is None or b["width"] < MIN_TARGET or b["height"] < MIN_TARGET]
        assert small == [], f"{len(small)} of {len(boxes)} marks' links are under {MIN_TARGET} px"
        mark = marks.nth(marks.count() // 2)  # one in the middle: landing back on it needs a scroll
        anchor, row = mark.get_attribute("id"), mark.get_attribute("href")
        reader.click(mark, f"**{row}")
        reader.click("a.reader-link", f"**/-/articles/{source_id}#{anchor}")
        _lands(page, anchor, screen[1])


@screens
def test_a_reader_downloads_the_quotes_into_pandas_with_every_column_of_the_package_csv(
    server: str, screen: tuple[int, int]
) -> None:
    pandas = pytest.importorskip("pandas")
    with (PACKAGE / "data" / "quotes.csv").open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    with reading(server, screen) as reader:
        reader.click(f"dl.tables a[href$='/{DATABASE}/quotes']", f"**/{DATABASE}/quotes?*")
        link = reader.page.locator("a[href*='/quotes.csv']", has_text="CSV").first.get_attribute("href")
        response = reader.download(link)
        assert response.ok and urlparse(response.url).hostname == "127.0.0.1"
        frame = pandas.read_csv(io.StringIO(response.text()), dtype=str, keep_default_na=False)
        assert list(frame.columns) == header
        rows = read_table("quotes")
        assert len(frame) == len(rows) > 0 and sorted(frame[header[0]]) == sorted(r[header[0]] for r in rows)


@screens
def test_a_reader_cites_the_release_checks_its_archive_downloads_a_table_and_reads_the_changelog(
    server: str, screen: tuple[int, int]
) -> None:
    version = DESCRIPTOR["version"]
    latest = citing.read_releases(PACKAGE)[-1]
    released = dict(citing.changelog_releases((PACKAGE / "CHANGELOG.md").read_text(encoding="utf-8")))
    first = DESCRIPTOR["resources"][0]
    with reading(server, screen) as reader:
        page = reader.page
        reader.click(page.locator("footer a.site-release", has_text=f"Release {version}"), "**/#cite")
        cite = page.locator("section#cite")
        assert f"(Version {version}) [Data set]" in cite.locator("p.apa").inner_text()
        bibtex = cite.locator("pre.bibtex")
        assert f"version = {{{version}}}" in bibtex.inner_text()
        box = bibtex.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= screen[0]  # it wraps
        assert cite.locator("code.sha256").inner_text() == latest.sha256 and latest.archive in cite.inner_text()
        response = reader.download(cite.locator("a.csv-link", has_text=first["title"]).get_attribute("href"))
        rows = list(csv.reader(io.StringIO(response.text(), newline="")))
        assert response.ok and len(rows) - 1 == len(read_table(first["name"])) > 0
        reader.click("section#cite a.changelog-link", "**/-/changelog")
        changelog = page.locator("pre.changelog").inner_text()
        assert version not in released or f"## [{version}] - {released[version]}" in changelog
        assert f"## [{latest.version}] - {latest.date}" in changelog


JOIN = """SELECT q.quote_id, e.name AS speaker, q.exact
FROM quotes q JOIN entities e ON e.entity_id = q.speaker_id"""


@screens
def test_a_reader_runs_a_join_of_quotes_and_their_speakers_in_the_sql_editor(
    server: str, screen: tuple[int, int]
) -> None:
    names = entity_names()
    expected = {(q["quote_id"], names[q["speaker_id"]]) for q in read_table("quotes")}
    assert expected
    with reading(server, screen) as reader:
        page = reader.page
        reader.click(page.get_by_role("link", name="SQL", exact=True), f"**/{DATABASE}")
        reader.run_sql(JOIN, f"**/{DATABASE}?sql=*")
        rows = page.locator("table.rows-and-columns tbody tr")
        shown = {
            (r.locator("td.col-quote_id").inner_text(), r.locator("td.col-speaker").inner_text()) for r in rows.all()
        }
        assert shown == expected


def most_claimed_country() -> tuple[str, set[str], set[str]]:
    """The country (its vocabulary name) whose parties make the most claims, those claims, and those of
    them that a relay passes on."""
    names, country = country_names(), {e["entity_id"]: e["country"] for e in read_table("entities")}
    claims: dict[str, set[str]] = {}
    for claim in read_table("claims"):
        if code := country[claim["claimant_id"]]:
            claims.setdefault(code, set()).add(claim["claim_id"])
    code = max(claims, key=lambda c: (len(claims[c]), c))
    relayed = {a["claim_id"] for a in read_table("attributions") if a["role"] == "relays"} & claims[code]
    return names[code], claims[code], relayed


@screens
def test_a_reader_finds_what_one_countrys_parties_claim_and_what_is_only_relayed_in_one_click(
    server: str, screen: tuple[int, int]
) -> None:
    view = BY_PARTY[0]
    country, claims, relayed = most_claimed_country()
    with reading(server, screen) as reader:
        page = reader.page
        reader.click(page.locator("dl.by-party a", has_text=country).first, f"**/{view}?*")
        rows = page.locator("table.rows-and-columns tbody tr")
        shown = {rows.nth(i).locator("td.col-claim_id").inner_text().strip() for i in range(rows.count())}
        assert shown <= claims and len(shown) == min(len(claims), PAGE_SIZE)  # the first page of them
        relays = page.locator("table.rows-and-columns tbody td.col-relayed_by").all_inner_texts()
        assert sum(1 for text in relays if text.strip()) == len(relayed & shown)
