"""A reader asks "what did Ukrainian officials say, and what is only relayed?": in a real browser, at
a phone's and a laptop's size, the answer is one click from the home page (the claimant's country),
and each claim there names its claimant, its venue and whoever relays it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from scripts.package.site import BY_PARTY, DATABASE
from scripts.publishing.build import build
from tests.conftest import PACKAGE, country_names, read_table, served
from tests.test_browser import SCREENS, Journey, playwright_api, pytestmark  # noqa: F401 (the browser marks)

VIEW, PARTY_COLUMNS = BY_PARTY


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("serve") / f"{DATABASE}.db"
    build(PACKAGE / "datapackage.json", database)
    with served(database) as url:
        yield url


def most_claimed_country() -> tuple[str, set[str], set[str]]:
    """The country (its vocabulary name) whose parties make the most claims, those claims, and those of
    them that a relay passes on."""
    names = country_names()
    country = {e["entity_id"]: e["country"] for e in read_table("entities")}
    claims: dict[str, set[str]] = {}
    for claim in read_table("claims"):
        if code := country[claim["claimant_id"]]:
            claims.setdefault(code, set()).add(claim["claim_id"])
    code = max(claims, key=lambda c: (len(claims[c]), c))
    relayed = {a["claim_id"] for a in read_table("attributions") if a["role"] == "relays"} & claims[code]
    return names[code], claims[code], relayed


def overflow(page: Any) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_reader_finds_what_one_countrys_parties_claim_and_what_is_relayed_in_one_click(
    server: str, screen: tuple[int, int]
) -> None:
    country, claims, relayed = most_claimed_country()
    with playwright_api.sync_playwright() as playwright:
        journey = Journey(playwright, viewport=screen)
        page = journey.page
        page.goto(server + "/")
        assert overflow(page) <= 0
        page.locator("dl.by-party a", has_text=country).first.click()  # click 1
        page.wait_for_url(f"**/{VIEW}?*")
        assert overflow(page) <= 0
        shown = page.evaluate(
            """() => [...document.querySelectorAll('table.rows-and-columns tbody tr')].map(tr =>
                 [...tr.querySelectorAll('td')].find(td => td.classList.contains('col-claim_id')).innerText.trim())"""
        )
        assert set(shown) == claims
        header = page.inner_text("table.rows-and-columns thead")
        assert "relayed_by" in header or "Relayed by" in header
        cells = page.locator("table.rows-and-columns td.col-relayed_by")
        assert sum(1 for i in range(cells.count()) if cells.nth(i).inner_text().strip() not in ("", "\xa0")) == len(
            relayed
        )
        journey.close()
