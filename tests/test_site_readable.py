"""The site read by anyone, through Datasette's test client: the release on every page, a source's
link to its reader, row pages that lead with the evidence, labelled cards, whole CSVs, and a search
that finds a claim from a sentence pasted from its article."""

from __future__ import annotations

import csv
import html
import json
import re
from urllib.parse import urlencode

import pytest
from datasette.app import Datasette

from scripts.package.site import DATABASE
from tests.conftest import PACKAGE, read_table

pytestmark = pytest.mark.package

DESCRIPTOR = json.loads((PACKAGE / "datapackage.json").read_text(encoding="utf-8"))
TABLES = [r["name"] for r in DESCRIPTOR["resources"] if r.get("path", "").endswith(".csv")]
WITH_TEXT = [s["source_id"] for s in read_table("sources") if s["text_path"]]


def titles(table: str) -> dict[str, str]:
    resource = next(r for r in DESCRIPTOR["resources"] if r["name"] == table)
    schema = resource["schema"]
    if isinstance(schema, str):
        schema = json.loads((PACKAGE / schema).read_text(encoding="utf-8"))
    return {f["name"]: f.get("title") or f["name"] for f in schema["fields"]}


async def _page(site: Datasette, path: str) -> str:
    response = await site.client.get(path, follow_redirects=True)
    assert response.status_code == 200, (path, response.text[:200])
    return response.text


async def test_every_page_names_the_release_it_serves(site: Datasette) -> None:
    quote = read_table("quotes")[0]["quote_id"]
    pages = ["/", f"/{DATABASE}", f"/{DATABASE}/quotes", f"/{DATABASE}/quotes/{quote}", "/-/search?q=troops",
             "/-/timeline", f"/-/articles/{WITH_TEXT[0]}", f"/{DATABASE}/{TABLES[0]}"]  # fmt: skip
    for path in pages:
        footer = (await _page(site, path)).rsplit("<footer", 1)[-1]
        assert f"Release {DESCRIPTOR['version']}" in footer, path


async def test_a_source_row_page_links_to_its_article_reader_where_it_has_a_text(site: Datasette) -> None:
    for source in read_table("sources"):
        page = await _page(site, f"/{DATABASE}/sources/{source['source_id']}")
        assert (f'href="/-/articles/{source["source_id"]}"' in page) == bool(source["text_path"]), source["source_id"]


@pytest.mark.parametrize("table", ["claims", "quotes", "figures"])
async def test_a_row_page_leads_with_the_evidence_and_the_human_fields_before_every_column(
    site: Datasette, table: str
) -> None:
    key_column = next(iter(read_table(table)[0]))
    row = read_table(table)[0]
    page = await _page(site, f"/{DATABASE}/{table}/{row[key_column]}")
    content = page[page.index('<section class="content">') :]
    evidence, fields, every_column = (
        content.index(m) for m in ("evidence-in-context", "row-fields", "rows-and-columns")
    )
    assert evidence < fields < every_column
    shown = content[fields:every_column]
    labels = [html.unescape(label) for label in re.findall(r"<dt>([^<]*)</dt>", shown)]
    assert labels and set(labels) <= set(titles(table).values())  # the fields under their human titles
    assert titles(table)["exact"] not in labels  # the article's words once: marked in the evidence above
    assert not {"char_start", "char_end", titles(table)["char_start"]} & set(labels)  # offsets come below


@pytest.mark.parametrize("table", ["quotes", "claims"])
async def test_on_a_phone_table_and_row_cards_are_labelled_by_the_fields_titles(site: Datasette, table: str) -> None:
    row = read_table(table)[0]
    for path in (f"/{DATABASE}/{table}", f"/{DATABASE}/{table}/{next(iter(row.values()))}"):
        page = await _page(site, path)
        labels = re.findall(r'td:nth-of-type\((\d+)\):before \{ content: "([^"]*)"; \}', page)
        last = {n: css_unescaped(label) for n, label in labels}  # the later rule wins in the browser
        assert titles(table)["exact"] in last.values() and "exact" not in last.values(), path


def css_unescaped(text: str) -> str:
    return re.sub(r"\\([0-9a-fA-F]{1,6}) ?", lambda m: chr(int(m.group(1), 16)), text)


@pytest.mark.parametrize("table", TABLES)
async def test_a_tables_csv_link_downloads_every_column_of_its_csv_in_the_packages_order(
    site: Datasette, table: str
) -> None:
    page = await _page(site, f"/{DATABASE}/{table}")
    link = html.unescape(re.search(rf'href="(/{DATABASE}/{table}\.csv[^"]*)"', page).group(1))  # type: ignore[union-attr]
    response = await site.client.get(link, follow_redirects=True)
    assert response.status_code == 200
    with (PACKAGE / "data" / f"{table}.csv").open(encoding="utf-8", newline="") as f:
        expected = next(csv.reader(f))
    assert next(csv.reader(response.text.splitlines())) == expected


def claims_by_attribution() -> dict[str, tuple[str, str]]:
    """Each claim whose attribution is in the article's words: that passage, and the claim's article."""
    sources = {c["claim_id"]: c["source_id"] for c in read_table("claims")}
    return {a["claim_id"]: (a["exact"], sources[a["claim_id"]]) for a in read_table("attributions") if a["exact"]}


@pytest.mark.slow
async def test_search_finds_a_claim_from_a_sentence_of_its_article_and_says_who_and_where(site: Datasette) -> None:
    found = claims_by_attribution()
    assert found
    for claim_id, (passage, source_id) in found.items():
        pasted = " ".join(passage.split()[:12]) + " …"  # as a reader pastes it, cut short
        page = await _page(site, "/-/search?" + urlencode({"q": pasted}))
        item = next((li for li in page.split("<li>") if f'/claims/{claim_id}"' in li), None)
        assert item is not None, (claim_id, pasted)
        assert "<strong>" in item and f'href="/-/articles/{source_id}"' in item, item


async def test_search_finds_a_quote_from_a_passage_pasted_with_words_left_out(site: Datasette) -> None:
    quote = next(q for q in read_table("quotes") if len(q["exact"].split()) >= 8)
    words = quote["exact"].split()
    pasted = f"“{' '.join(words[:3])} … {' '.join(words[-3:])}”"  # as a reader quotes it, the middle left out
    page = await _page(site, "/-/search?" + urlencode({"q": pasted}))
    assert f'/quotes/{quote["quote_id"]}"' in page


async def test_every_page_declares_its_language_and_every_table_control_has_a_name(site: Datasette) -> None:
    """What tests/test_accessibility.py checks in a browser with axe, in part and without one: `lang` on
    every page (a title too on a page that is not there), and a name on each filter and sort control."""
    quote = read_table("quotes")[0]["quote_id"]
    pages = ["/", f"/{DATABASE}/quotes", f"/{DATABASE}/quotes/{quote}", "/-/search?q=troops", "/-/timeline",
             f"/-/articles/{WITH_TEXT[0]}"]  # fmt: skip
    for path in pages:
        assert '<html lang="en">' in await _page(site, path), path
    missing = "-".join(s["source_id"] for s in read_table("sources"))  # longer than any one id: none has it
    for path in (f"/-/articles/{missing}", "/-/timeline?page=999999999", "/-/timeline?page=x", f"/{missing}"):
        response = await site.client.get(path)
        assert response.status_code in (400, 404), path  # a page that is not there says so, as a whole page
        assert '<html lang="en">' in response.text and re.search(r"<title>[^<]+</title>", response.text), path
    table = await _page(site, f"/{DATABASE}/quotes?_search=troops&_sort=quote_id&quote_id__notblank=1")
    form = table.split('<form class="filters"')[1].split("</form>")[0]  # a filter of its own, and a new one
    # a control is named by aria-label, by a <label for> its id, by the <label> around it, or as a button by its value
    controls = re.findall(r"(?:<label[^>]*>\s*)?<(?:select|input)\b[^>]*>", form)
    labelled = "|".join(re.escape(f'id="{i}"') for i in re.findall(r'<label for="([^"]+)"', form)) or "^$"
    named = re.compile(rf'^<label|\baria-label="|type="(hidden|submit)"|{labelled}')
    unnamed = [c for c in controls if not named.search(c)]
    assert len(controls) > 4 and unnamed == [], unnamed
