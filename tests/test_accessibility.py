"""Every kind of page of the site passes axe-core's WCAG 2.2 A/AA rules, on a phone and a laptop.

axe-core (bundled by axe-playwright-python, injected into the page with `evaluate`: no request
leaves 127.0.0.1) checks the home page, a table, a view, a quote's and a source's row, the article
reader, the timeline, search and the SQL editor. A serious or critical violation fails the test,
named with its rule, impact, help and the first elements it found; minor and moderate ones are left
to judgement."""

from __future__ import annotations

from typing import Any

import pytest
from datasette.utils import tilde_encode

from scripts.package.site import DATABASE, VIEWS
from tests.conftest import read_table
from tests.test_browser import SCREENS, Journey, playwright_api, pytestmark  # noqa: F401

axe_playwright = pytest.importorskip("axe_playwright_python.sync_playwright")

WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]  # axe's tags for WCAG 2.0-2.2 A and AA
BLOCKING = ("serious", "critical")
TARGETS_SHOWN = 3  # elements named per violation in a failure
VIEW = "claims_with_sources"  # a view of the site (scripts.package.site.VIEWS), with its facets
assert VIEW in VIEWS


def _pages() -> dict[str, str]:
    """One page of each kind, its rows taken from the package's tables (no id of today's data)."""
    quote = read_table("quotes")[0]["quote_id"]
    article = read_table("sources")[0]["source_id"]
    return {
        "home": "/",
        "table": f"/{DATABASE}/quotes",
        "view": f"/{DATABASE}/{VIEW}",
        "row": f"/{DATABASE}/quotes/{tilde_encode(quote)}",
        "source": f"/{DATABASE}/sources/{tilde_encode(article)}",  # a row page with its link to the reader
        "reader": f"/-/articles/{tilde_encode(article)}",
        "timeline": "/-/timeline",
        "search": "/-/search?q=troops",
        "sql": f"/{DATABASE}",  # the database page, with Datasette's SQL editor
    }


PAGES = _pages()


def blocking_violations(results: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for v in results["violations"] if v.get("impact") in BLOCKING]


def described(violations: list[dict[str, Any]]) -> str:
    """Each violation as a line: rule, impact, help, how many elements and the first few of them."""
    lines = []
    for v in violations:
        targets = [" ".join(map(str, node["target"])) for node in v["nodes"][:TARGETS_SHOWN]]
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}; {len(v['nodes'])} element(s), e.g. {targets}")
    return "\n".join(lines)


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("kind", PAGES)
def test_every_kind_of_page_has_no_serious_wcag_violation(server: str, kind: str, screen: tuple[int, int]) -> None:
    with playwright_api.sync_playwright() as playwright:
        journey = Journey(playwright, viewport=screen)
        page = journey.page
        response = page.goto(server + PAGES[kind])
        assert response is not None and response.ok, (PAGES[kind], response and response.status)
        results = (
            axe_playwright.Axe()
            .run(page, options={"runOnly": {"type": "tag", "values": WCAG_A_AA}, "resultTypes": ["violations"]})
            .response
        )
        assert results["testEngine"]["name"] == "axe-core" and results["toolOptions"]["runOnly"]["values"] == WCAG_A_AA
        found = blocking_violations(results)
        assert found == [], f"{PAGES[kind]} at {screen[0]}x{screen[1]}:\n{described(found)}"
        journey.close()
