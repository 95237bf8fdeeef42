"""What makes the site fast must not change what it shows: precomputed facet counts are the live
counts, and a filtered page still counts live; cached foreign keys still link (docs/benchmark.md)."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import time
import urllib.request
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, quote_plus

import pytest
from datasette.app import Datasette

from scripts.benchmark.synth import generate
from scripts.package.read import DataPackage
from scripts.package.site import DATABASE, FACET_COUNTS, FILTERED_PAGES, TIMELINE_SUMMARY, faceted_columns
from scripts.publishing.build import build
from scripts.publishing.metadata import LISTED_CHOICES, canned_queries
from scripts.publishing.plugins import home, precomputed_facets, reader
from scripts.publishing.summaries import TIMELINE_COLUMNS, column_of_day, filter_key
from tests.conftest import ROOT, served, site_of

FACETED = sorted((table, column) for table, columns in faceted_columns(DataPackage(ROOT / "datapackage.json")).items()
                 for column in columns)  # fmt: skip


def live_counts(database: Path, table: str, column: str, filters: dict | None = None) -> dict:
    where = "".join(f' AND "{name}" = ?' for name in filters or {})
    sql = f'SELECT "{column}", count(*) FROM "{table}" WHERE "{column}" IS NOT NULL{where} GROUP BY 1'
    return dict(sqlite3.connect(database).execute(sql, list((filters or {}).values())).fetchall())


def stored_counts(database: Path, table: str, column: str, filters: str = "") -> dict:
    sql = (f"SELECT value, count FROM {FACET_COUNTS} WHERE table_name = ? AND filters = ? AND column_name = ? "
           "AND value IS NOT NULL")  # fmt: skip
    return dict(sqlite3.connect(database).execute(sql, [table, filters, column]).fetchall())


def filtered_pages(database: Path) -> list[tuple[str, dict[str, str]]]:
    """Every combination of the filter values of FILTERED_PAGES that the database holds."""
    pages = []
    with sqlite3.connect(database) as db:
        for table, filters in FILTERED_PAGES.items():
            names = ", ".join(f'"{f}"' for f in filters)
            present = " AND ".join(f'"{f}" IS NOT NULL' for f in filters)
            for values in db.execute(f'SELECT DISTINCT {names} FROM "{table}" WHERE {present}'):
                pages.append((table, dict(zip(filters, values, strict=True))))
    return pages


def page_counts(data: dict, column: str) -> dict:
    return {item["value"]: item["count"] for item in data["facet_results"][column]["results"]}


@pytest.mark.parametrize(("table", "column"), FACETED)
def test_precomputed_facet_counts_are_the_live_counts(database: Path, table: str, column: str) -> None:
    assert stored_counts(database, table, column) == live_counts(database, table, column)


def test_precomputed_counts_of_filtered_pages_are_the_live_counts(database: Path) -> None:
    pages = filtered_pages(database)
    assert pages
    for table, filters in pages:
        for column in [c for t, c in FACETED if t == table]:
            assert stored_counts(database, table, column, filter_key(filters)) == live_counts(
                database, table, column, filters
            ), (table, filters, column)


def test_every_faceted_column_has_its_counts(database: Path) -> None:
    """Even a column that is always empty: else its page would count it live."""
    sql = f"SELECT DISTINCT table_name, column_name FROM {FACET_COUNTS} WHERE filters = ''"
    assert set(sqlite3.connect(database).execute(sql)) == set(FACETED)


def test_the_plugin_keys_filters_as_the_build_does() -> None:
    for filters in ({}, {"measure": "nk_troops_in_russia", "as_of": "2024-10-31?"}, {"b": "“é”", "a": 12}):
        assert precomputed_facets.filter_key(filters) == filter_key(filters)


@pytest.mark.parametrize(("table", "column"), FACETED)
async def test_unfiltered_pages_show_the_true_counts(site: Datasette, database: Path, table: str, column: str) -> None:
    response = await site.client.get(f"/{DATABASE}/{table}.json?_facet_size=max")
    assert response.status_code == 200
    assert page_counts(response.json(), column) == live_counts(database, table, column)


@pytest.fixture
def doctored(database: Path, tmp_path: Path) -> Path:
    """A copy of the database whose precomputed counts of claims.topic are all 1000 too high: a page
    that shows them read the precomputed counts, one that does not counted live."""
    copy = tmp_path / database.name
    shutil.copy(database, copy)
    with sqlite3.connect(copy) as db:
        db.execute(f"UPDATE {FACET_COUNTS} SET count = count + 1000 WHERE table_name IN ('claims', 'figures')")
    return copy


def a_later_claim(database: Path) -> str:
    """The key of a claim after the first few: a page that starts there is a next page."""
    with sqlite3.connect(database) as db:
        (count,) = db.execute("SELECT count(*) FROM claims").fetchone()
        (key,) = db.execute("SELECT claim_id FROM claims ORDER BY claim_id LIMIT 1 OFFSET ?", [count // 2]).fetchone()
    return key


async def test_unfiltered_pages_read_the_precomputed_counts(doctored: Path, database: Path) -> None:
    site, live = site_of(doctored), live_counts(database, "claims", "topic")
    doctored_counts = {value: count + 1000 for value, count in live.items()}
    for query in ("", f"?_next={a_later_claim(database)}", "?_sort=claim&_size=5", "?_facet=modality"):
        data = (await site.client.get(f"/{DATABASE}/claims.json{query}")).json()
        assert page_counts(data, "topic") == doctored_counts, query


async def test_filtered_pages_count_live(doctored: Path, database: Path) -> None:
    site = site_of(doctored)
    with sqlite3.connect(database) as db:
        (claimant,) = db.execute("SELECT claimant_id FROM claims GROUP BY 1 ORDER BY count(*) DESC").fetchone()
        expected = dict(db.execute("SELECT topic, count(*) FROM claims WHERE claimant_id = ? GROUP BY 1", [claimant]))
        word = "troops"
        searched = dict(db.execute(
            "SELECT topic, count(*) FROM claims WHERE rowid IN (SELECT rowid FROM claims_fts WHERE claims_fts MATCH ?)"
            " GROUP BY 1", [word]))  # fmt: skip
    data = (await site.client.get(f"/{DATABASE}/claims.json?claimant_id={claimant}")).json()
    assert page_counts(data, "topic") == expected
    data = (await site.client.get(f"/{DATABASE}/claims.json?_search={word}")).json()
    assert page_counts(data, "topic") == searched and searched
    with sqlite3.connect(database) as db:  # the most common measure, and a date one of its figures is as of
        measure, as_of = db.execute(
            "SELECT measure, max(as_of) FROM figures WHERE as_of IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC"
        ).fetchone()
        year = as_of[:4]
    for query in (f"measure={measure}", f"measure={measure}&as_of__gt={year}", f"as_of={quote_plus(as_of)}"):
        data = (await site.client.get(f"/{DATABASE}/figures.json", params=parse_qsl(query))).json()
        filters = dict(parse_qsl(query))
        expected = live_counts(database, "figures", "qualifier", filters) if "__" not in query else None
        if expected is not None:
            assert page_counts(data, "qualifier") == expected and expected, query
        assert all(count < 1000 for count in page_counts(data, "qualifier").values()), query


async def test_filtered_pages_that_were_precomputed_read_their_counts(doctored: Path, database: Path) -> None:
    site = site_of(doctored)
    for table, filters in filtered_pages(database):
        live = live_counts(database, table, "qualifier", filters)
        for extra in ({}, {"_next": "f"}, {"_facet": "unit"}):
            data = (await site.client.get(f"/{DATABASE}/{table}.json", params={**filters, **extra})).json()
            assert page_counts(data, "qualifier") == {v: c + 1000 for v, c in live.items()}, (filters, extra)


async def test_foreign_keys_link_on_table_and_row_pages(site: Datasette, database: Path) -> None:
    with sqlite3.connect(database) as db:  # a quote whose speaker's name needs no escaping in HTML
        quote_id, speaker, name = next(
            row
            for row in db.execute("SELECT q.quote_id, e.entity_id, e.name FROM quotes q JOIN entities e "
                                  "ON e.entity_id = q.speaker_id ORDER BY q.rowid")
            if re.fullmatch(r"[\w .-]+", row[2])
        )  # fmt: skip
    table = (await site.client.get(f"/{DATABASE}/quotes?quote_id={quote_id}&_col=speaker_id")).text
    assert f'href="/{DATABASE}/entities/{speaker}"' in table
    row = (await site.client.get(f"/{DATABASE}/quotes/{quote_id}")).text
    assert f'<a href="/{DATABASE}/entities/{speaker}">{name}</a>' in row


# The canned queries as first written: the fast ones must answer the same rows.
PLAIN_SQL = {
    "who_said": "SELECT q.speaker, q.quote, q.venue, q.article, q.quote_id FROM who_said_what q "
    "JOIN entities e ON e.entity_id = q.speaker_id WHERE :speaker = '' OR e.entity_id = :speaker "
    "OR e.name LIKE '%' || :speaker || '%' OR e.aliases LIKE '%' || :speaker || '%'",
    "source_says": "SELECT claim_id, claim, claimant, topic, modality, venue, article, exact FROM claims_with_sources "
    "WHERE :source = '' OR source_id = :source OR via_source_id = :source",
}


def canned_arguments(database: Path) -> list[tuple[str, dict[str, str]]]:
    with sqlite3.connect(database) as db:
        speakers = [row[0] for row in db.execute("SELECT DISTINCT speaker_id FROM quotes")]
        sources = [row[0] for row in db.execute("SELECT source_id FROM sources")]
    return [
        *(("who_said", {"speaker": s}) for s in ["", "Zelensky", "kim", "nobody-at-all", *speakers]),
        *(("source_says", {"source": s}) for s in ["", "nobody-at-all", *sources]),
    ]


async def test_canned_queries_answer_the_rows_of_their_plain_sql(site: Datasette, database: Path) -> None:
    with sqlite3.connect(database) as db:
        for name, arguments in canned_arguments(database):
            expected = sorted(db.execute(PLAIN_SQL[name], arguments).fetchall())
            data = (await site.client.get(f"/{DATABASE}/{name}.json", params={**arguments, "_shape": "array"})).json()
            assert sorted(tuple(row.values()) for row in data) == expected, (name, arguments)


def test_figures_of_a_measure_on_a_date_are_read_by_key(database: Path) -> None:
    """The page's rows in its order from `_next` on, and its count, from the page index."""
    page = "SELECT * FROM figures WHERE as_of = ? AND measure = ? AND figure_id > ? ORDER BY figure_id LIMIT 51"
    count = "SELECT count(*) FROM figures WHERE as_of = ? AND measure = ?"
    with sqlite3.connect(database) as db:
        for sql, arguments in ((page, ["2024-10-31", "x", "f"]), (count, ["2024-10-31", "x"])):
            plan = " ".join(row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", arguments))
            assert "INDEX idx_figures_measure_as_of_page" in plan and "TEMP B-TREE" not in plan, plan


async def test_the_remembered_schema_is_the_schema(site: Datasette, database: Path) -> None:
    from datasette.database import Database

    from scripts.publishing.plugins.immutable_schema import SCHEMA_METHODS

    await site.invoke_startup()
    remembered, fresh = site.get_database(DATABASE), Database(site, path=str(database), is_mutable=False)
    fresh.name = DATABASE  # the same metadata (label columns); nothing remembered
    assert all(getattr(remembered, name) != getattr(Database, name) for name in SCHEMA_METHODS)
    for table in await fresh.table_names():
        for name in ("table_columns", "table_column_details", "primary_keys", "fts_table", "label_column_for_table",
                     "foreign_keys_for_table", "table_exists", "get_table_definition"):  # fmt: skip
            assert await getattr(remembered, name)(table) == await getattr(fresh, name)(table), (name, table)
        rules = site._table_permission_allows(DATABASE, table)
        assert rules == Datasette._table_permission_allows(site, DATABASE, table), table
    (await remembered.table_columns("claims")).append("changed by a caller")
    assert "changed by a caller" not in await remembered.table_columns("claims")


@pytest.fixture(scope="module")
def workers(database: Path) -> Iterator[str]:
    """The site as `make serve` runs it: uvicorn with two workers, on 127.0.0.1."""
    with served(database) as url:
        yield url


SERVED = [
    f"/{DATABASE}/claims.json?_shape=objects&_size=max",
    f"/{DATABASE}/claims.json?_search=troops&_shape=objects",
    f"/{DATABASE}/figures.json?measure=nk_troops_in_russia&as_of=2024-10-31%3F&_shape=objects",
    f"/{DATABASE}/troop_estimates.json?_shape=objects&_facet=claimant",
    f"/{DATABASE}/who_said.json?speaker=Zelensky&_shape=objects",
    f"/{DATABASE}/source_says.json?source=kbs-interview-zelenskyy&_shape=objects",
]


def _comparable(data: dict, base: str) -> dict:
    """Without timings, and with absolute links (facet toggles) to one host."""
    text = json.dumps({key: value for key, value in data.items() if key != "query_ms"})
    return json.loads(text.replace(base, "http://localhost"))


@pytest.mark.slow
async def test_the_workers_serve_the_pages_of_the_site(workers: str, site: Datasette, database: Path) -> None:
    for path in SERVED:
        expected = _comparable((await site.client.get(path)).json(), "http://localhost")
        for _ in range(4):  # requests on new connections, answered by either worker
            with urllib.request.urlopen(workers + path, timeout=30) as response:
                assert _comparable(json.load(response), workers) == expected, path
    with urllib.request.urlopen(f"{workers}/{DATABASE}/claims?_next={a_later_claim(database)}", timeout=30) as response:
        assert "_col=claim" in response.url and "rows-and-columns" in response.read().decode()


@pytest.mark.parametrize(
    "url", ["/db/t", "/db/t?_sort=a&_next=x", "/db/t?_sort_desc=b&_col=a&_col=b&q=%E2%80%9Cx%E2%80%9D&empty="]
)
def test_sort_links_are_datasettes(url: str) -> None:
    from datasette.utils import path_with_replaced_args
    from datasette.utils.asgi import Request

    from scripts.publishing.plugins.readable import sort_links

    request = Request.fake(url)
    sort = request.args.get("_sort")
    links = sort_links(request, [{"name": "a"}, {"name": "b"}, {"name": "c d"}], sort)
    for name, link in links.items():
        order = {"_sort_desc": name, "_sort": None} if name == sort else {"_sort": name, "_sort_desc": None}
        assert link == path_with_replaced_args(request, {**order, "_next": None}), name


def memo_size(function: object) -> int:
    """How many answers a remembering function keeps (the dict it closes over)."""
    cells = [cell.cell_contents for cell in getattr(function, "__closure__", None) or ()]
    (answers,) = [value for value in cells if isinstance(value, dict)]
    return len(answers)


async def test_the_remembered_schema_keeps_no_name_that_does_not_exist(site: Datasette) -> None:
    await site.invoke_startup()
    db = site.get_database(DATABASE)
    for table in await db.table_names():  # every answer about what exists is kept
        await db.table_columns(table)
        site._table_permission_allows(DATABASE, table)
    methods = ("table_columns", "table_exists", "primary_keys")
    kept = {name: memo_size(getattr(db, name)) for name in methods}
    rules_kept = memo_size(site._table_permission_allows)
    for number in range(500):  # as many requests for tables that do not exist
        unknown = f"no-such-table-{number}"
        assert not await db.table_exists(unknown)
        assert await db.table_columns(unknown) == [] and await db.primary_keys(table=unknown) == []
        site._table_permission_allows(DATABASE, unknown)
    assert {name: memo_size(getattr(db, name)) for name in methods} == kept
    assert memo_size(site._table_permission_allows) == rules_kept
    assert (await site.client.get(f"/{DATABASE}/no-such-table")).status_code == 404


@pytest.fixture(scope="module")
def many_estimates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic package with more troop estimates than one timeline page lists or its chart draws,
    and more articles than the home page lists."""
    folder = tmp_path_factory.mktemp("many-estimates")
    database = folder / f"{DATABASE}.db"
    build(generate(1100, folder / "package"), database)
    with sqlite3.connect(database) as db:
        (estimates,) = db.execute("SELECT count(*) FROM troop_estimates").fetchone()
        (articles,) = db.execute("SELECT count(*) FROM sources WHERE text_path IS NOT NULL").fetchone()
    assert estimates > max(reader.PAGE_SIZE, reader.CHART_ESTIMATES) and articles > home.ARTICLES_LISTED
    return database


def table_rows(page: str) -> int:
    return page.split("<tbody>")[1].split("</tbody>")[0].count("<tr>")


async def test_the_timeline_renders_a_bounded_page_whatever_the_number_of_estimates(many_estimates: Path) -> None:
    site = site_of(many_estimates)
    with sqlite3.connect(many_estimates) as db:
        (total,) = db.execute("SELECT count(*) FROM troop_estimates").fetchone()
    first = await site.client.get("/-/timeline")
    assert first.status_code == 200
    assert table_rows(first.text) == reader.PAGE_SIZE and 'href="/-/timeline?page=2"' in first.text
    charts = re.findall(r"<svg\b.*?</svg>", first.text, re.S)  # the chart in each layout, for the CSS to pick
    assert len(charts) == len(reader.LAYOUTS)
    for svg in charts:
        assert 0 < svg.count("<circle") <= TIMELINE_COLUMNS + 1 and "<script" not in svg
        assert 'class="estimate-point"' not in svg  # not one mark per estimate
    pages = -(-total // reader.PAGE_SIZE)
    last = await site.client.get(f"/-/timeline?page={pages}")
    assert table_rows(last.text) == total - (pages - 1) * reader.PAGE_SIZE
    assert f'href="/-/timeline?page={pages - 1}"' in last.text and f"page={pages + 1}" not in last.text
    assert re.findall(r"<svg\b.*?</svg>", last.text, re.S) == charts  # the chart is every estimate's, on every page


async def test_the_timeline_pages_list_every_estimate_once(many_estimates: Path) -> None:
    site = site_of(many_estimates)
    with sqlite3.connect(many_estimates) as db:
        expected = [f for (f,) in db.execute("SELECT figure_id FROM troop_estimates ORDER BY position")]
    listed: list[str] = []
    for page in range(1, -(-len(expected) // reader.PAGE_SIZE) + 1):
        text = (await site.client.get(f"/-/timeline?page={page}")).text
        listed += re.findall(rf'href="/{re.escape(DATABASE)}/figures/([^"]+)"', text.split("<tbody>")[1])
    assert listed == expected


@pytest.mark.parametrize(("page", "status"), [("0", 400), ("-1", 400), ("x", 400), ("1.5", 400), ("", 400),
                                              ("٣", 400), ("9" * 30, 400), ("99999", 404)])  # fmt: skip
async def test_a_timeline_page_that_is_none_is_a_clear_error(many_estimates: Path, page: str, status: int) -> None:
    response = await site_of(many_estimates).client.get("/-/timeline", params={"page": page})
    assert response.status_code == status and "page" in response.text


def test_the_timeline_summary_holds_every_estimate_in_a_bounded_number_of_columns(many_estimates: Path) -> None:
    with sqlite3.connect(many_estimates) as db:
        summary = db.execute(f"SELECT day_from, estimates, lowest, highest FROM {TIMELINE_SUMMARY}").fetchall()
        (total,) = db.execute("SELECT count(*) FROM troop_estimates").fetchone()
        per_day = "SELECT substr(as_of, 1, 10), count(*), min(value), max(value) FROM troop_estimates GROUP BY 1"
        live = {day: (n, low, high) for day, n, low, high in db.execute(per_day)}
    assert sum(n for _, n, _, _ in summary) == total and len(summary) <= TIMELINE_COLUMNS + 1
    assert {day: (n, low, high) for day, n, low, high in summary} == live  # few days: a column each


def test_many_days_share_a_bounded_number_of_columns_in_date_order() -> None:
    days = [date(2020, 1, 1) + timedelta(days=3 * i) for i in range(1000)]
    columns = [column_of_day(days)[day] for day in days]
    assert columns == sorted(columns) and set(columns) == set(range(TIMELINE_COLUMNS))


async def test_the_timeline_is_the_same_in_every_time_zone(
    many_estimates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = []
    for zone in ("UTC", "Pacific/Kiritimati", "America/Adak"):
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        pages.append((await site_of(many_estimates).client.get("/-/timeline")).text.split("<svg")[1])
    monkeypatch.undo()
    time.tzset()
    assert pages[0] == pages[1] == pages[2]


async def test_the_home_page_lists_a_bounded_number_of_articles_and_links_to_every_one(many_estimates: Path) -> None:
    page = (await site_of(many_estimates).client.get("/")).text
    with sqlite3.connect(many_estimates) as db:
        (articles,) = db.execute("SELECT count(*) FROM sources WHERE text_path IS NOT NULL").fetchone()
    assert page.count('class="reader-link"') == home.ARTICLES_LISTED
    assert f"And {articles - home.ARTICLES_LISTED:,} more" in page
    assert f'href="/{DATABASE}/sources?text_path__notblank=1"' in page


def test_a_canned_query_lists_a_bounded_number_of_choices(tmp_path: Path) -> None:
    package = DataPackage(generate(1100, tmp_path))
    speakers = {row["speaker_id"] for _, row in package.tables["quotes"].rows(["speaker_id"])}
    assert len(speakers) > LISTED_CHOICES
    description = canned_queries(package)["who_said"]["description"]
    listed = description.split("Valid choices: ")[1].split(", and ")[0].split(", ")
    assert len(listed) == LISTED_CHOICES and f", and {len(speakers) - LISTED_CHOICES:,} more." in description


# --------------------------------------------------------------------------- the reader's pages at scale
def loaded_plugin(name: str) -> list[object]:
    """The plugin modules Datasette loaded from the plugins folder under this file name (each site
    loads its own copies): a limit is lowered in the ones the site runs."""
    from datasette.plugins import pm

    return [plugin for plugin in pm.get_plugins() if getattr(plugin, "__file__", "").endswith(f"/{name}")]


def search_hits(page: str) -> list[str]:
    return re.findall(r'href="/[^"]+/claims/([^"]+)"', page.split('class="search-results"')[1].split("</ul>")[0])


async def started_site(database: Path, monkeypatch: pytest.MonkeyPatch, **limits: int) -> Datasette:
    """The site on `database`, started, with the search's limits lowered in the plugin copies it loaded."""
    site = site_of(database)
    await site.invoke_startup()
    for plugin in loaded_plugin("home.py"):
        for name, value in limits.items():
            monkeypatch.setattr(plugin, name, value)
    return site


async def test_a_search_matching_more_rows_than_are_ranked_says_so_and_shows_matches(
    many_estimates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = await started_site(many_estimates, monkeypatch, MAX_MATCHES=40)
    page = (await site.client.get("/-/search", params={"q": "counted"})).text  # in every figure's sentence
    assert "More than 40 claims match" in page and "too many to rank by" not in page
    hits = search_hits(page)
    with sqlite3.connect(many_estimates) as db:
        holding = {c for (c,) in db.execute("SELECT claim_id FROM claims WHERE exact LIKE '%counted%'")}
    assert hits and set(hits) <= holding and len(hits) <= home.MAX_RESULTS
    rare = (await site.client.get("/-/search", params={"q": "c7"})).text  # no claim says it: no note
    assert "More than" not in rare


async def test_a_sentence_with_common_words_still_finds_its_claim_first(
    many_estimates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = site_of(many_estimates)
    await site.invoke_startup()
    with sqlite3.connect(many_estimates) as db:
        claim, exact = db.execute("SELECT claim_id, exact FROM claims ORDER BY rowid DESC LIMIT 1").fetchone()
    sentence = exact.split(".")[0]  # "Person X spoke about y": "Person", "spoke", "about" are in every claim
    ranked = search_hits((await site.client.get("/-/search", params={"q": sentence})).text)
    for plugin in loaded_plugin("home.py"):
        monkeypatch.setattr(plugin, "COMMON", 30)
    page = (await site.client.get("/-/search", params={"q": sentence})).text
    assert "too many to rank by" in page
    assert search_hits(page)[0] == ranked[0] == claim and set(search_hits(page)) == set(ranked)


async def test_a_word_every_row_holds_lists_matches_in_the_packages_order(
    many_estimates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = await started_site(many_estimates, monkeypatch, COMMON=30)
    page = (await site.client.get("/-/search", params={"q": "spoke"})).text
    with sqlite3.connect(many_estimates) as db:
        first = [c for (c,) in db.execute(f"SELECT claim_id FROM claims ORDER BY rowid LIMIT {home.MAX_RESULTS}")]
    assert "too many to rank by" in page and search_hits(page) == first


@pytest.mark.parametrize(
    "word", ["erso", "PERSON", "é", "É", "%", "_", "o_e", "50%", "\\", "Zelensky", "ß", "İ", "a.b", "x"]
)
def test_entity_names_contain_a_word_as_sqlites_like_finds_it(word: str) -> None:
    rows = [("Person Bob", "Bob,Person Bob"), ("Émile Zola", None), ("été", "ÉTÉ"), ("50% Group", "fifty_percent"),
            ("a\\b", ""), ("Straße", "STRASSE"), ("İstanbul Office", None), ("Zelenskyy", "Zelensky,Zelenskiy"),
            ("o_e", "oxe"), ("ab", "a.b")]  # fmt: skip
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE entities (name TEXT, aliases TEXT)")
    db.executemany("INSERT INTO entities VALUES (?, ?)", rows)
    sql = ("SELECT name, aliases FROM entities WHERE name LIKE :like ESCAPE '\\' OR aliases LIKE :like ESCAPE '\\' "
           "ORDER BY name LIMIT :limit")  # fmt: skip
    for most in (1, 20):
        expected = db.execute(sql, {"like": home.like_containing(word), "limit": most}).fetchall()
        names = home.EntityNames(db.execute("SELECT name, aliases FROM entities ORDER BY name").fetchall())
        assert list(names.containing(word, most)) == list(names.containing(word, most)) == expected


async def test_the_home_page_shows_the_latest_estimates(many_estimates: Path, database: Path) -> None:
    for built in (many_estimates, database):
        page = (await site_of(built).client.get("/")).text
        latest = page.split('class="rows-and-columns latest-estimates"')[1].split("</table>")[0]
        with sqlite3.connect(built) as db:
            sql = "SELECT as_of FROM troop_estimates ORDER BY as_of IS NULL, as_of DESC LIMIT 6"
            dates = [d or "date not stated" for (d,) in db.execute(sql)]
        assert re.findall(r"<td>(\d{4}-[^<]*|date not stated)</td>", latest) == dates and dates


async def test_the_home_page_counts_the_rows_of_each_party_of_the_whole_view(database: Path) -> None:
    page = (await site_of(database).client.get("/")).text
    with sqlite3.connect(database) as db:
        view, columns = "claims_with_sources", ("claimant_country", "claimant_role")
        counts = [db.execute(f'SELECT "{c}", count(*) FROM {view} WHERE "{c}" IS NOT NULL GROUP BY 1 '
                             "ORDER BY 2 DESC, 1").fetchall() for c in columns]  # fmt: skip
    listed = re.findall(r'<li><a href="[^"]*">([^<]+)</a> \(([\d,]+)\)</li>', page.split('class="by-party"')[1])
    assert listed == [(value, f"{n:,}") for column in counts for value, n in column] and listed


def test_every_count_a_row_page_makes_reads_an_index(many_estimates: Path) -> None:
    """A row's page counts the rows naming it in every table and view (Datasette's links from other
    tables), and the home page asks whether a table has a row that infers something: by index, not by
    reading the table."""
    with sqlite3.connect(many_estimates) as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        questions = [f'SELECT count(*) FROM "{t}" WHERE "{fk[3]}" = ?' for t in tables
                     for fk in db.execute(f'PRAGMA foreign_key_list("{t}")')]  # fmt: skip
        package = DataPackage(ROOT / "datapackage.json").tables.values()  # the tables the home page asks
        questions += [f"SELECT 1 FROM \"{t.name}\" WHERE inferred != '' LIMIT 1" for t in package
                      if "inferred" in t.field_names]  # fmt: skip
        plans = {sql: " ".join(row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", ["x"] * sql.count("?")))
                 for sql in questions}  # fmt: skip
    assert len(plans) > 20 and any("troop_estimates" in sql for sql in plans) and any("inferred" in q for q in plans)
    assert [sql for sql, plan in plans.items() if "INDEX" not in plan] == []


async def test_the_remembered_spelling_of_a_table_name_is_sqlites_and_keeps_no_name_that_does_not_exist(
    site: Datasette, database: Path
) -> None:
    from scripts.publishing.plugins.nk_datasette.compat import SPELLING_SQL

    await site.invoke_startup()
    db = site.get_database(DATABASE)
    tables = await db.table_names()
    asked = [*tables, *(t.upper() for t in tables), "no-such-table", "Claims"]
    with sqlite3.connect(database) as live:
        expected = [live.execute(SPELLING_SQL, [name]).fetchall() for name in asked]
    for _ in range(2):  # the first answers, then the remembered ones
        assert [[tuple(row) for row in (await db.execute(SPELLING_SQL, [name])).rows] for name in asked] == expected
    kept = memo_size(db.execute)
    for number in range(500):
        assert (await db.execute(SPELLING_SQL, [f"no-such-table-{number}"])).rows == []
    assert memo_size(db.execute) == kept == len(tables)


async def test_the_timeline_chart_is_drawn_once_per_immutable_database_and_anew_for_a_mutable_one(
    many_estimates: Path, tmp_path: Path
) -> None:
    immutable = site_of(many_estimates)
    first = (await immutable.client.get("/-/timeline?page=2")).text
    mutable_file = tmp_path / many_estimates.name
    shutil.copy(many_estimates, mutable_file)
    mutable = Datasette(files=[str(mutable_file)], metadata=immutable.metadata(), settings=immutable.settings_dict(),
                        plugins_dir=str(Path(reader.__file__).parent), template_dir=immutable.template_dir)  # fmt: skip
    before = (await mutable.client.get("/-/timeline")).text
    charts = [plugin._charts for plugin in loaded_plugin("reader.py")]  # type: ignore[attr-defined]
    assert any(immutable.get_database(DATABASE) in kept for kept in charts)
    assert not any(mutable.get_database(DATABASE) in kept for kept in charts)
    with sqlite3.connect(mutable_file) as db:  # a database that can change: its chart follows it
        db.execute("UPDATE timeline_summary SET highest = highest * 1000")
    after = (await mutable.client.get("/-/timeline")).text
    assert re.findall(r"<svg\b.*?</svg>", before, re.S) == re.findall(r"<svg\b.*?</svg>", first, re.S)
    assert re.findall(r"<svg\b.*?</svg>", after, re.S) != re.findall(r"<svg\b.*?</svg>", before, re.S)


def test_a_capped_search_says_in_one_note_per_table_how_many_match_which_are_shown_and_in_what_order() -> None:
    none = home.capped_note("claims", 50, more=False, common=False, ranked=False)
    unranked = home.capped_note("claims", 50, more=False, common=True, ranked=False)
    capped = home.capped_note("claims", 50, more=True, common=True, ranked=False)
    capped_ranked = home.capped_note("claims", 50, more=True, common=True, ranked=True)
    assert none == ""
    assert unranked.startswith("Every word is in more than") and "package's order" in unranked
    assert capped.startswith(f"More than {home.MAX_MATCHES:,} claims match; the 50 shown are from the first")
    assert "too many to rank" not in capped and capped.endswith("Add words to narrow the search.")
    assert "rarer words or the whole phrase match best come first" in capped_ranked
    assert capped_ranked.endswith("Add words to narrow the search.")


async def test_the_home_page_names_no_party_filter_that_no_party_has_a_value_for(many_estimates: Path) -> None:
    """Synthetic parties have no role or country: no "Who says it" heading over empty lists."""
    with sqlite3.connect(many_estimates) as db:
        assert db.execute("SELECT count(*) FROM claims_with_sources WHERE claimant_country IS NOT NULL "
                          "OR claimant_role IS NOT NULL").fetchone() == (0,)  # fmt: skip
    page = (await site_of(many_estimates).client.get("/")).text
    assert "Who says it" not in page and 'class="by-party"' not in page
