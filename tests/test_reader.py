"""The site for readers: every row in its article's words, the article reader, the timeline, the
home page and the search of every table (through Datasette's own test client)."""

from __future__ import annotations

import html
import math
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from datasette.app import Datasette

from scripts.package.read import DataPackage
from scripts.package.site import ARTICLE_LABEL, DATABASE
from scripts.publishing.metadata import CANNED_QUERIES
from scripts.publishing.plugins.nk_datasette.site import article_label as source_label
from scripts.publishing.plugins.reader import LAYOUTS, segments, sentence_bounds, short_ids, tick_step
from tests.articles import ARTICLES
from tests.conftest import PACKAGE, archived_text, read_table, site_of

pytestmark = pytest.mark.package

KEYS = (("claims", "claim_id"), ("quotes", "quote_id"), ("figures", "figure_id"))
SPAN_ROWS = [(table, key, row) for table, key in KEYS for row in read_table(table)]
ARTICLE_IDS = [source["source_id"] for source in read_table("sources") if source["text_path"]]
UNTITLED = [s["source_id"] for s in read_table("sources") if s["text_path"] and not s["title"]]


async def _page(site: Datasette, path: str) -> str:
    response = await site.client.get(path)
    assert response.status_code == 200, (path, response.text[:200])
    return response.text


@pytest.mark.slow
@pytest.mark.parametrize(("table", "key", "row"), SPAN_ROWS, ids=lambda v: v if isinstance(v, str) else "")
async def test_every_claim_quote_and_figure_page_shows_its_span_marked_in_its_paragraph(
    site: Datasette, table: str, key: str, row: dict[str, str]
) -> None:
    page = await _page(site, f"/{DATABASE}/{table}/{row[key]}")
    section = page[page.index('<section class="evidence-in-context">') :]
    marked = re.search(r"<mark>(.*?)</mark>", section, re.S)
    assert marked and html.unescape(marked.group(1)) == row["exact"]
    text = archived_text(row["source_id"])
    paragraph = text[text.rfind("\n", 0, int(row["char_start"])) + 1 : int(row["char_start"])]
    assert html.unescape(re.sub(r"<[^>]+>", "", section)).count(paragraph.strip()[-40:]) >= 1
    assert f'href="/-/articles/{row["source_id"]}' in section and "None" not in section


@pytest.mark.parametrize("source_id", ARTICLE_IDS)
async def test_the_reader_renders_the_whole_text_with_every_span_linked(site: Datasette, source_id: str) -> None:
    page = await _page(site, f"/-/articles/{source_id}")
    article = page[page.index('<article class="reader">') : page.index("</article>")]
    plain = html.unescape(re.sub(r"<[^>]+>", "", re.sub(r'<a class="ref [^"]*"[^>]*>.*?</a>', "", article)))
    assert re.sub(r"\s+", " ", plain).strip() == re.sub(r"\s+", " ", archived_text(source_id)).strip()
    for table, key, row in SPAN_ROWS:
        if row["source_id"] == source_id:
            assert f'id="{table}-{row[key]}" href="/{DATABASE}/{table}/{row[key]}"' in article, (table, row[key])
            assert f'href="/{DATABASE}/{table}/{row[key]}"' in article


NESTED = [(a.source_id, opening, inner) for a in ARTICLES.values() for opening, _, inner in a.nested]


@pytest.mark.parametrize(("source_id", "opening", "inner"), NESTED)
async def test_a_nested_quote_is_marked_with_both_of_its_quotes(
    site: Datasette, source_id: str, opening: str, inner: str
) -> None:
    quotes = [q for q in read_table("quotes") if q["source_id"] == source_id]
    (outer,) = [q["quote_id"] for q in quotes if q["exact"].startswith(opening)]
    (nested_id,) = [q["quote_id"] for q in quotes if q["exact"] == inner and q["nested_in"] == outer]
    page = await _page(site, f"/-/articles/{source_id}")
    nested = re.search(rf'<mark class="([^"]*)" title="([^"]*quote {re.escape(nested_id)}\b[^"]*)">', page)
    assert nested and f"quote {outer}" in nested.group(2) and "claim" in nested.group(1)


@pytest.mark.parametrize(
    ("keys", "labels"),
    [
        (["a123-c01", "a123-q14", "a123-f02"], ["c01", "q14", "f02"]),  # the article's prefix dropped
        (["a123-c01", "a123-c02"], ["c01", "c02"]),  # cut after a separator, never inside a word
        (["claim 7", "quote 7"], ["claim 7", "quote 7"]),  # nothing in common: whole
        (["x-1", "x-1"], ["x-1", "x-1"]),  # one key: whole
        (["p-1", "p-1-2"], ["1", "1-2"]),
        ([], []),
    ],
)
def test_the_reader_labels_each_mark_by_what_tells_its_key_from_the_articles_others(
    keys: list[str], labels: list[str]
) -> None:
    assert [short_ids(keys)[key] for key in keys] == labels


def test_segments_split_overlapping_spans_at_every_boundary() -> None:
    pieces = segments(10, [(0, 6, "claims", "a"), (4, 10, "quotes", "b")])
    assert [(s, e, [k for *_, k in covering]) for s, e, covering in pieces] == [
        (0, 4, ["a"]), (4, 6, ["a", "b"]), (6, 10, ["b"])]  # fmt: skip


async def test_an_unknown_article_is_a_404(site: Datasette) -> None:
    assert (await site.client.get("/-/articles/nothing")).status_code == 404


async def test_every_span_of_an_article_has_its_own_labelled_link_and_no_mark_hides_one(site: Datasette) -> None:
    """A claim and a quote over the same words: each row has its own link (a.ref), never only the
    link of whichever covers the mark."""
    for source_id in ARTICLE_IDS:
        article = await _page(site, f"/-/articles/{source_id}")
        links = re.findall(r'<a class="ref (\w+)" id="([^"]+)" href="([^"]+)"', article)
        rows = [(table, row[key]) for table, key, row in SPAN_ROWS if row["source_id"] == source_id]
        assert sorted(href for _, _, href in links) == sorted(f"/{DATABASE}/{t}/{k}" for t, k in rows)
        assert "<mark" in article and not re.search(r"<mark[^>]*>\s*<a ", article)  # the mark is no link


@pytest.mark.parametrize(
    ("text", "at", "sentence"),
    [
        ("One. Two could reach 5, adding 9 a year. Three.", 12, "Two could reach 5, adding 9 a year."),
        ("Said “no.” Then 5 and 9\nNext", 17, "Then 5 and 9"),
        ("No end at all 5", 3, "No end at all 5"),
    ],
)
def test_a_sentence_runs_from_the_last_sentence_end_to_the_next(text: str, at: int, sentence: str) -> None:
    start, end = sentence_bounds(text, at)
    assert text[start:end].rstrip(".") == sentence.rstrip(".")


def _related_to_estimates(measure: str) -> list[dict[str, str]]:
    """Figures of another measure that the claim or the sentence of a troop estimate also states."""
    figures = read_table("figures")
    related = []
    for figure in figures:
        for estimate in (f for f in figures if f["measure"] == measure and f["source_id"] == figure["source_id"]):
            text = archived_text(estimate["source_id"])
            start, end = sentence_bounds(text, int(estimate["char_start"]))
            if figure["measure"] != measure and (
                figure["claim_id"] == estimate["claim_id"] or start <= int(figure["char_start"]) < end
            ):
                related.append(figure)
                break
    return related


async def test_the_timeline_names_the_figures_stated_beside_an_estimate(site: Datasette) -> None:
    """The yearly rotation beside a troop count is another measure: not drawn, but named under the
    chart with a link to its row and the # of the estimate it stands beside."""
    measure = DataPackage(PACKAGE / "datapackage.json").headline_measure
    related = _related_to_estimates(measure)
    assert related, "no figure of another measure shares a claim or sentence with an estimate"
    page = await _page(site, "/-/timeline")
    section = page[page.index('<section class="related-figures">') : page.index("</section>")]
    named = re.findall(rf'href="/{DATABASE}/figures/([^"]+)"', section)
    assert sorted(named) == sorted(f["figure_id"] for f in related)
    assert section.count('href="#estimate-') == len(related)
    assert all(f'id="estimate-{n}"' in page for n in re.findall(r'href="#estimate-(\d+)"', section))


def _charts(page: str) -> list[str]:
    """Each <svg> of a page: the timeline sends its chart in every layout."""
    return re.findall(r"<svg\b.*?</svg>", page, re.S)


async def test_the_timeline_scales_to_the_page_and_keeps_undated_estimates_in_a_band_of_their_own(
    site: Datasette,
) -> None:
    charts = _charts(await _page(site, "/-/timeline"))
    assert len(charts) == len(LAYOUTS)
    for svg in charts:
        opening = svg[: svg.index(">")]
        assert 'width="100%"' in opening and "height=" not in opening.replace("height: auto", "")
        assert svg.count('class="undated-band"') == 1 and "…" not in svg


async def test_the_timeline_has_a_narrow_layout_a_phone_shows_instead_of_the_wide_one(site: Datasette) -> None:
    """Each layout's <svg> carries its name, which the page's CSS shows on its screens alone; a
    phone's is narrower, so that its text renders larger on a small screen."""
    page = await _page(site, "/-/timeline")
    widths = {}
    for svg in _charts(page):
        name = re.search(r'class="timeline timeline-(\w+)"', svg)
        assert name is not None and f'id="timeline-{name.group(1)}"' in svg
        widths[name.group(1)] = float(re.search(r'viewBox="0 0 ([0-9.]+) ', svg).group(1))  # type: ignore[union-attr]
    assert sorted(widths) == sorted(layout.name for layout in LAYOUTS) and widths["narrow"] < widths["wide"] / 2
    style = page[page.index("@media (max-width:") : page.index("</style>", page.index("@media (max-width:"))]
    assert "svg.timeline-wide { display: none; }" in style and "svg.timeline-narrow { display: block; }" in style


async def test_the_timeline_draws_every_troop_estimate(site: Datasette) -> None:
    page = await _page(site, "/-/timeline")
    measure = DataPackage(PACKAGE / "datapackage.json").headline_measure
    estimates = [f for f in read_table("figures") if f["measure"] == measure]
    units = " or ".join(sorted({f["unit"] for f in estimates}))
    for svg in _charts(page):
        points = len(re.findall(r'class="estimate-point[ "]', svg)) + svg.count("(no number)</text>")
        assert points == len(estimates)
        assert (
            "date not stated" in svg
            and f'text-anchor="middle">{units}</text>' in svg  # the axis names the unit of the figures
            and "<script" not in svg
        )
    assert "12,000" in page and "12000.0" not in page


async def test_the_timeline_table_keeps_its_column_labels_on_a_phone(site: Datasette) -> None:
    page = await _page(site, "/-/timeline")
    headers = re.findall(r"<th>([^<]*)</th>", page[page.index('<table class="rows-and-columns">') :])
    labels = re.findall(r'td:nth-of-type\((\d+)\):before \{ content: "([^"]*)"', page)
    assert headers and labels == [(str(n), html.escape(h)) for n, h in enumerate(headers, 1)]


async def test_the_home_page_leads_with_estimates_articles_queries_and_every_table(site: Datasette) -> None:
    page = await _page(site, "/")
    assert page.index("What the articles say about troop numbers") < page.index("Every table and view")
    for source_id in ARTICLE_IDS:
        assert f'href="/-/articles/{source_id}"' in page
    for name, query in CANNED_QUERIES.items():
        assert f'href="/{DATABASE}/{name}"' in page and html.escape(query["title"]) in page
    for resource in ("sources", "claims", "attributions", "vocabulary", "troop_estimates", "attribution_chains"):
        assert f'href="/{DATABASE}/{resource}"' in page
    assert all(source_label(source_id, None, "news_article") in page for source_id in UNTITLED)
    assert ">None<" not in page


@pytest.mark.parametrize(
    "words", ["cannon fodder", '"cannon', "NEAR(cannon fodder)", "fodder OR *", "'; DROP TABLE claims"]
)
async def test_search_across_tables_finds_matches_and_survives_any_input(site: Datasette, words: str) -> None:
    response = await site.client.get("/-/search", params={"q": words})
    assert response.status_code == 200
    if words == "cannon fodder":
        fodder = [q["quote_id"] for q in read_table("quotes") if "cannon fodder" in q["exact"]]
        assert fodder and f"/quotes/{fodder[0]}" in response.text and "/claims/" in response.text


def test_an_untitled_article_gets_a_label_never_none() -> None:
    assert source_label("article-123", None, "news_article") == "Untitled news article (article-123)"
    assert source_label("x", "A title", "news_article") == "A title"


async def test_a_table_opens_with_its_text_first_and_offsets_one_click_away(site: Datasette) -> None:
    response = await site.client.get(f"/{DATABASE}/quotes")
    assert response.status_code == 302
    location = response.headers["location"]
    assert "_col=exact" in location and "char_start" not in location
    page = await _page(site, location)
    headers = re.findall(r'class="col-([^"]+)" scope="col"', page)
    assert headers[:2] == ["quote_id", "exact"] and "char_start" not in headers
    every_column = await _page(site, f"/{DATABASE}/quotes?_all=1")
    assert 'class="col-char_start"' in every_column
    assert (await site.client.get(f"/{DATABASE}/quotes.json")).status_code == 200  # the API keeps every column


async def test_whole_numbers_display_as_whole_numbers(site: Datasette) -> None:
    page = await _page(site, f"/{DATABASE}/troop_estimates")
    assert "12,000" in page and "12000.0" not in page


async def test_views_are_searchable_and_facetable_like_their_tables(site: Datasette) -> None:
    data = (await site.client.get(f"/{DATABASE}/claims_with_sources.json?_search=Kursk&_shape=objects")).json()
    assert data["rows"] and all("Kursk" in row["claim"] + row["exact"] for row in data["rows"])
    assert {"topic", "modality", "claimant"} <= set(data["facet_results"])
    quotes = (await site.client.get(f"/{DATABASE}/who_said_what.json?_search=indisputable&_shape=objects")).json()
    assert [row["quote"] for row in quotes["rows"]] == ["indisputable"]


@pytest.mark.parametrize("name", sorted(CANNED_QUERIES))
async def test_a_canned_query_opens_with_results_choices_and_its_title(site: Datasette, name: str) -> None:
    page = await _page(site, f"/{DATABASE}/{name}")
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1).strip()  # type: ignore[union-attr]
    assert title == html.escape(CANNED_QUERIES[name]["title"], quote=False)
    assert "0 results" not in page and "<td" in page
    if name != "troop_estimates_over_time":
        assert "Valid choices:" in page


@pytest.mark.parametrize("source_id", UNTITLED)
@pytest.mark.parametrize("table", ["claims", "quotes", "figures"])
async def test_an_untitled_article_is_never_labelled_none_on_a_table_page(
    site: Datasette, table: str, source_id: str
) -> None:
    page = await _page(site, f"/{DATABASE}/{table}?_col=source_id&source_id={source_id}")
    assert source_label(source_id, None, "news_article") in page and ">None<" not in page


async def test_column_headers_carry_the_human_titles_of_the_table_schemas(site: Datasette) -> None:
    page = await _page(site, f"/{DATABASE}/quotes?_col=exact&_col=speaker_id")
    headers = {
        column: html.unescape(re.sub(r"<[^>]+>|\s+", " ", inner)).strip()
        for column, inner in re.findall(r'data-column="([^"]+)"[^>]*>(.*?)</th>', page, re.S)
    }
    assert headers["exact"] == "In the article's words" and headers["speaker_id"] == "Speaker"


async def test_search_names_who_said_it_and_matches_every_spelling_of_a_name(site: Datasette) -> None:
    page = await _page(site, "/-/search?q=Zelensky")
    for spelling in (r"Zelenskyy", r"Zelensky\b"):  # each spelling finds a claim that has only it
        claim = next(c for c in read_table("claims") if re.search(spelling, c["exact"]))
        assert f"/claims/{claim['claim_id']}" in page, spelling
    assert "/entities/volodymyr-zelenskyy" in page and "entitie " not in page
    quotes = await _page(site, "/-/search?q=indisputable")
    assert "<strong>Volodymyr Zelenskyy</strong>, quote" in quotes


@pytest.mark.slow
@pytest.mark.parametrize("row", read_table("attributions"), ids=lambda r: f"{r['claim_id']}-{r['step']}")
async def test_every_attribution_step_page_shows_its_own_words(site: Datasette, row: dict[str, str]) -> None:
    page = await _page(site, f"/{DATABASE}/attributions/{row['claim_id']},{row['step']}")  # a two-column key
    marked = re.search(r"<mark>(.*?)</mark>", page[page.index('<section class="evidence-in-context">') :], re.S)
    assert marked and html.unescape(marked.group(1)) == row["exact"]


# What a database built by an older build, or edited by hand, may hold where the build writes numbers
# and dates (SQLite stores whatever it is given); 9e999 is SQLite's infinity.
FIGURE_TABLES = ("figures", "troop_estimates")
SPAN_TABLES = ("claims", "quotes", "figures", "quotes_in_context")
STORED_BY_HAND = {
    "infinite numbers": (FIGURE_TABLES, "value = 9e999, value_low = -9e999"),
    "huge numbers": (FIGURE_TABLES, "value = 1.7e308, value_high = 9223372036854775807"),
    "text for numbers": (FIGURE_TABLES, "value = 'eight thousand', value_high = 'nan'"),
    "offsets as text": (SPAN_TABLES, "char_start = 'abc'"),
    "offsets as fractions": (SPAN_TABLES, "char_start = 1.5"),
    "infinite offsets": (SPAN_TABLES, "char_end = 9e999"),
    "offsets past any text": (SPAN_TABLES, "char_start = -9223372036854775808, char_end = 9223372036854775807"),
    "dates no calendar has": (FIGURE_TABLES, "as_of = '2024-13-45'"),
    "dates as numbers": (FIGURE_TABLES, "as_of = 20241031"),
}


@pytest.mark.parametrize("case", STORED_BY_HAND)
async def test_no_stored_value_makes_a_page_fail(database: Path, tmp_path: Path, case: str) -> None:
    copy = tmp_path / database.name
    shutil.copy(database, copy)
    tables, assignment = STORED_BY_HAND[case]
    with sqlite3.connect(copy) as db:
        for table in tables:
            db.execute(f"UPDATE {table} SET {assignment}")
    db.close()
    first = {table: read_table(table)[0][key] for table, key in KEYS}
    article = next(s["source_id"] for s in read_table("sources") if s["text_path"])
    site = site_of(copy)
    pages = ["/-/timeline", "/", f"/-/articles/{article}", f"/{DATABASE}/troop_estimates", f"/{DATABASE}/figures"]
    pages += [f"/{DATABASE}/{table}/{key}" for table, key in first.items()]
    for path in pages:
        response = await site.client.get(path, follow_redirects=True)
        assert response.status_code == 200, (path, response.text[-300:])
    assert "<svg" in await _page(site, "/-/timeline")


def test_the_views_label_a_source_without_a_title_as_the_pages_do(database: Path) -> None:
    """One rule, written in SQL for the views and in Python for the plugins: both give every
    source, and one of each kind without a title, the same label."""
    db = sqlite3.connect(database)
    rows = db.execute("SELECT source_id, title, kind FROM sources").fetchall()
    rows += [(f"x-{kind}", title, kind) for (kind,) in db.execute("SELECT DISTINCT kind FROM sources")
             for title in (None, "")]  # fmt: skip
    for source_id, title, kind in rows:
        (labelled,) = db.execute(
            f"SELECT {ARTICLE_LABEL} FROM (SELECT ? AS source_id, ? AS title, ? AS kind) article",
            [source_id, title, kind],
        ).fetchone()
        assert labelled == source_label(source_id, title, kind)


@pytest.mark.parametrize("top", [12.0, 17_250.0, 115_000.0, 3_300_000.0, 2.5e9])
def test_the_timeline_axis_has_a_handful_of_round_steps_at_any_scale(top: float) -> None:
    step = tick_step(top)
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 9) in (1, 2, 5) and 4 <= top / step <= 10


async def test_the_home_page_and_the_timeline_both_say_an_undated_estimate_may_be_older_or_newer(
    site: Datasette,
) -> None:
    # An undated estimate's date is unknown: neither page may read it as later, nor as no later.
    for path in ("/", "/-/timeline"):
        text = " ".join((await _page(site, path)).split())
        assert "may be older or newer than the dated ones" in text and "not later" not in text, path
