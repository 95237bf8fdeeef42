"""The Datasette site, through Datasette's own test client: pages, search, facets, canned queries."""

from __future__ import annotations

import json
import sqlite3
import urllib.parse
from pathlib import Path

import pytest
from datasette.app import Datasette

from scripts.package.site import DATABASE, FACET_COUNTS, TIMELINE_SUMMARY, VIEWS
from scripts.publishing.metadata import CANNED_QUERIES
from scripts.publishing.serve import SETTINGS
from tests.conftest import PACKAGE, country_names, read_table

pytestmark = pytest.mark.package

TABLES = ("sources", "entities", "claims", "quotes", "figures", "claim_links", "exclusions")


async def _json(site: Datasette, path: str) -> dict:
    response = await site.client.get(path)
    assert response.status_code == 200, (path, response.text[:300])
    return response.json()


@pytest.mark.parametrize("table", TABLES)
async def test_every_table_answers_with_all_its_rows(site: Datasette, table: str) -> None:
    data = await _json(site, f"/{DATABASE}/{table}.json?_shape=objects&_size=max")
    assert len(data["rows"]) == len(read_table(table))


@pytest.mark.parametrize("view", sorted(VIEWS))
async def test_every_view_answers(site: Datasette, view: str, database: Path) -> None:
    data = await _json(site, f"/{DATABASE}/{view}.json?_shape=objects&_size=max")
    (expected,) = sqlite3.connect(database).execute(f"SELECT count(*) FROM {view}").fetchone()
    assert len(data["rows"]) == expected > 0


async def test_search_on_quotes_returns_the_matching_quotes(site: Datasette) -> None:
    data = await _json(site, f"/{DATABASE}/quotes.json?_search=indisputable&_shape=objects")
    expected = [q["quote_id"] for q in read_table("quotes") if "indisputable" in q["exact"]]
    assert expected and [row["quote_id"] for row in data["rows"]] == expected


async def test_search_on_entities_finds_a_spelling_variant(site: Datasette) -> None:
    data = await _json(site, f"/{DATABASE}/entities.json?_search=Zelensky&_shape=objects")
    assert [row["entity_id"] for row in data["rows"]] == ["volodymyr-zelenskyy"]


async def test_claims_are_faceted_by_every_controlled_list(site: Datasette) -> None:
    data = await _json(site, f"/{DATABASE}/claims.json?_shape=objects")
    assert {"topic", "modality"} <= set(data["facet_results"])
    topics = {item["value"]: item["count"] for item in data["facet_results"]["topic"]["results"]}
    claims = read_table("claims")
    assert topics["troop_numbers"] == sum(c["topic"] == "troop_numbers" for c in claims)


async def test_figures_facet_by_measure_and_qualifier(site: Datasette) -> None:
    data = await _json(site, f"/{DATABASE}/figures.json?_shape=objects")
    assert {"measure", "qualifier", "unit"} <= set(data["facet_results"])


async def test_foreign_keys_show_labels(site: Datasette) -> None:
    quote = next(q for q in read_table("quotes") if q["speaker_id"] == "park")
    data = await _json(site, f"/{DATABASE}/quotes.json?_shape=objects&_labels=on&quote_id={quote['quote_id']}")
    assert data["rows"][0]["speaker_id"] == {"value": "park", "label": "Park"}


async def test_canned_query_who_said_finds_a_speaker_by_any_spelling(site: Datasette) -> None:
    data = await _json(site, f"/{DATABASE}/who_said.json?speaker=Zelensky&_shape=objects")
    quotes = [q for q in read_table("quotes") if q["speaker_id"] == "volodymyr-zelenskyy"]
    assert {row["speaker"] for row in data["rows"]} == {"Volodymyr Zelenskyy"}
    assert len(data["rows"]) == len(quotes)


async def test_canned_query_troop_estimates_over_time(site: Datasette) -> None:
    data = await _json(site, f"/{DATABASE}/troop_estimates_over_time.json?_shape=objects&_size=max")
    figures = [f for f in read_table("figures") if f["measure"] == "nk_troops_in_russia"]
    dated = sorted((f["as_of"], float(f["value"])) for f in figures if f["as_of"] and f["value"])
    shown = [(row["as_of"], row["value"]) for row in data["rows"] if row["as_of"] and row["value"] is not None]
    assert dated and sorted(shown) == dated and [d for d, _ in shown] == [d for d, _ in dated]  # by date


async def test_canned_query_everything_one_source_says(site: Datasette) -> None:
    data = await _json(site, f"/{DATABASE}/source_says.json?source=kbs-interview-zelenskyy&_shape=objects")
    expected = {c["claim_id"] for c in read_table("claims") if c["via_source_id"] == "kbs-interview-zelenskyy"}
    assert {row["claim_id"] for row in data["rows"]} == expected


async def test_canned_query_figures_for_a_measure(site: Datasette) -> None:
    data = await _json(
        site, f"/{DATABASE}/figures_for_measure.json?measure=payment_per_soldier_per_month&_shape=objects"
    )
    assert [(row["exact"], row["value"], row["unit"]) for row in data["rows"]] == [("$2,000", 2000, "USD")]


async def test_metadata_comes_from_the_package(site: Datasette) -> None:
    metadata = site.metadata()
    assert metadata["license"] == "CC-BY-4.0" and metadata["title"].startswith("North Korean troops")
    columns = site.metadata("columns", database=DATABASE, table="figures")
    assert columns["char_start"].startswith("Start of `exact`")
    assert set(CANNED_QUERIES) <= set(site.metadata("queries", database=DATABASE))


async def test_site_is_read_only_but_allows_sql(site: Datasette) -> None:
    data = await _json(site, f"/{DATABASE}.json?sql=select+count(*)+as+n+from+claims&_shape=objects")
    assert data["rows"] == [{"n": len(read_table("claims"))}]
    response = await site.client.get(f"/{DATABASE}.json?sql=delete+from+claims")
    assert response.status_code == 400
    assert site.get_database(DATABASE).is_mutable is False


def _numbers_up_to(count: int) -> str:
    """A query of `count` rows (1..count) that reads no table."""
    return f"with recursive n(x) as (select 1 union all select x + 1 from n where x < {count}) select x from n"


async def test_a_query_returns_at_most_the_row_limit_and_says_so(site: Datasette) -> None:
    limit = SETTINGS["max_returned_rows"]
    params = urllib.parse.urlencode({"sql": _numbers_up_to(limit + 1), "_shape": "objects"})
    data = await _json(site, f"/{DATABASE}.json?{params}")
    assert len(data["rows"]) == limit and data["truncated"] is True
    params = urllib.parse.urlencode({"sql": _numbers_up_to(limit), "_shape": "objects"})
    data = await _json(site, f"/{DATABASE}.json?{params}")
    assert len(data["rows"]) == limit and data["truncated"] is False


async def test_a_table_page_shows_one_page_of_rows_and_suggests_no_facets(site: Datasette) -> None:
    page, count = SETTINGS["default_page_size"], len(read_table("claims"))
    assert count > page, "claims fills more than one page"
    data = await _json(site, f"/{DATABASE}/claims.json?_extra=suggested_facets&_extra=next_url")
    assert len(data["rows"]) == page and data["next"] is not None
    assert data["suggested_facets"] == []  # suggestions would run a query per column on every page


async def test_a_query_that_runs_past_the_time_limit_is_stopped(site: Datasette) -> None:
    endless = "with recursive n(x) as (select 1 union all select x + 1 from n) select count(*) from n"
    response = await site.client.get(f"/{DATABASE}.json?" + urllib.parse.urlencode({"sql": endless}))
    assert response.status_code == 400 and "SQL query took too long" in response.text


async def test_row_pages_link_a_quote_to_its_speaker(site: Datasette) -> None:
    quote = next(q for q in read_table("quotes") if q["speaker_id"] == "volodymyr-zelenskyy")
    response = await site.client.get(f"/{DATABASE}/quotes/{quote['quote_id']}")
    assert f'<a href="/{DATABASE}/entities/volodymyr-zelenskyy">Volodymyr Zelenskyy</a>' in response.text


def _claims_by_claimant(column: str, names: dict[str, str] | None = None) -> dict[str, int]:
    """How many claims each value of the claimant's `column` has (a country by its vocabulary name)."""
    entities = {e["entity_id"]: e for e in read_table("entities")}
    counts: dict[str, int] = {}
    for claim in read_table("claims"):
        value = entities[claim["claimant_id"]][column]
        if value:
            label = (names or {}).get(value, value)
            counts[label] = counts.get(label, 0) + 1
    return counts


async def test_the_home_page_links_the_claims_of_each_claimants_country_and_role_in_one_click(
    site: Datasette,
) -> None:
    names = country_names()
    html = (await site.client.get("/")).text
    for column, expected in (("country", _claims_by_claimant("country", names)), ("role", _claims_by_claimant("role"))):
        assert expected
        for value, count in expected.items():
            query = urllib.parse.urlencode({f"claimant_{column}": value})
            link = f'href="/{DATABASE}/claims_with_sources?{query}"'
            assert link in html, (column, value)
            assert f"{link}>{value}</a> ({count:,})" in html.replace("&#39;", "'")
            data = await _json(site, f"/{DATABASE}/claims_with_sources.json?{query}&_shape=objects&_size=max")
            assert len(data["rows"]) == count, (column, value)


async def test_the_attribution_chains_link_each_claim_and_party_to_its_row_without_repeating_the_claim(
    site: Datasette,
) -> None:
    step = read_table("attributions")[0]
    claim = next(c for c in read_table("claims") if c["claim_id"] == step["claim_id"])
    steps = sum(a["claim_id"] == step["claim_id"] for a in read_table("attributions"))
    query = urllib.parse.urlencode({"claim_id": step["claim_id"]})
    html = (await site.client.get(f"/{DATABASE}/attribution_chains?{query}")).text
    assert f'<a href="/{DATABASE}/claims/{step["claim_id"]}">{step["claim_id"]}</a>' in html
    assert f'href="/{DATABASE}/entities/{step["entity_id"]}"' in html
    sentence = claim["claim"].replace("'", "&#39;").replace('"', "&#34;")
    assert html.count(sentence) == steps  # the claim column shows it; the claim_id link does not repeat it


async def test_the_archived_texts_page_does_not_offer_them_under_the_datasets_licence(site: Datasette) -> None:
    html = (await site.client.get(f"/{DATABASE}/texts")).text
    licence = json.loads((PACKAGE / "datapackage.json").read_text(encoding="utf-8"))["licenses"][0]
    notice = html[html.index("Data license:") : html.index("Data license:") + 300]
    assert "publishers" in notice and licence["path"] not in notice and licence["name"] not in notice


async def test_the_builds_bookkeeping_tables_are_hidden_from_readers(site: Datasette) -> None:
    listed = await _json(site, f"/{DATABASE}.json")
    hidden = {t["name"] for t in listed["tables"] if t["hidden"]}
    assert {FACET_COUNTS, TIMELINE_SUMMARY} <= hidden
