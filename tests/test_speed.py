"""What makes the site fast must not change what it shows: precomputed facet counts are the live
counts, and a filtered page still counts live; cached foreign keys still link (docs/benchmark.md)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from datasette.app import Datasette

from scripts.package.read import DataPackage
from scripts.publishing.metadata import DATABASE, datasette_metadata
from scripts.publishing.serve import PLUGINS_DIR, SETTINGS, TEMPLATES_DIR
from scripts.publishing.summaries import FACET_COUNTS, faceted_columns
from tests.conftest import ROOT

FACETED = sorted((table, column) for table, columns in faceted_columns(DataPackage(ROOT / "datapackage.json")).items()
                 for column in columns)  # fmt: skip


def live_counts(database: Path, table: str, column: str) -> dict:
    sql = f'SELECT "{column}", count(*) FROM "{table}" WHERE "{column}" IS NOT NULL GROUP BY 1'
    return dict(sqlite3.connect(database).execute(sql).fetchall())


def page_counts(data: dict, column: str) -> dict:
    return {item["value"]: item["count"] for item in data["facet_results"][column]["results"]}


def serve(database: Path) -> Datasette:
    metadata = datasette_metadata(DataPackage(ROOT / "datapackage.json"))
    return Datasette(
        immutables=[str(database)], metadata=metadata, settings=SETTINGS, plugins_dir=str(PLUGINS_DIR),
        template_dir=str(TEMPLATES_DIR),
    )  # fmt: skip


@pytest.mark.parametrize(("table", "column"), FACETED)
def test_precomputed_facet_counts_are_the_live_counts(database: Path, table: str, column: str) -> None:
    sql = f"SELECT value, count FROM {FACET_COUNTS} WHERE table_name = ? AND column_name = ? AND value IS NOT NULL"
    stored = dict(sqlite3.connect(database).execute(sql, [table, column]).fetchall())
    assert stored == live_counts(database, table, column)


def test_every_faceted_column_has_its_counts(database: Path) -> None:
    """Even a column that is always empty: else its page would count it live."""
    stored = set(sqlite3.connect(database).execute(f"SELECT DISTINCT table_name, column_name FROM {FACET_COUNTS}"))
    assert stored == set(FACETED)


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
        db.execute(f"UPDATE {FACET_COUNTS} SET count = count + 1000 WHERE table_name = 'claims'")
    return copy


async def test_unfiltered_pages_read_the_precomputed_counts(doctored: Path, database: Path) -> None:
    site, live = serve(doctored), live_counts(database, "claims", "topic")
    doctored_counts = {value: count + 1000 for value, count in live.items()}
    for query in ("", "?_next=a000-c05", "?_sort=claim&_size=5", "?_facet=modality"):
        data = (await site.client.get(f"/{DATABASE}/claims.json{query}")).json()
        assert page_counts(data, "topic") == doctored_counts, query


async def test_filtered_pages_count_live(doctored: Path, database: Path) -> None:
    site = serve(doctored)
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


async def test_foreign_keys_link_on_table_and_row_pages(site: Datasette) -> None:
    table = (await site.client.get(f"/{DATABASE}/quotes?quote_id=a001-q01&_col=speaker_id")).text
    assert f'href="/{DATABASE}/entities/volodymyr-zelenskyy"' in table
    row = (await site.client.get(f"/{DATABASE}/quotes/a001-q01")).text
    assert f'<a href="/{DATABASE}/entities/volodymyr-zelenskyy">Volodymyr Zelenskyy</a>' in row


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


def test_figures_of_a_measure_on_a_date_read_one_index(database: Path) -> None:
    """The page, its count and its facets: no row of the table read, only the index."""
    facet = (
        "SELECT qualifier, count(*) FROM (SELECT * FROM figures WHERE as_of = ? AND measure = ? AND figure_id > ?) "
        "WHERE qualifier IS NOT NULL GROUP BY qualifier"
    )
    plan = sqlite3.connect(database).execute(f"EXPLAIN QUERY PLAN {facet}", ["2024-10-31", "x", "f"]).fetchall()
    assert "COVERING INDEX idx_figures_measure_as_of_page" in plan[0][-1]


JINJA_ROWS = (  # Datasette 0.65's _table.html loop, which table_rows_html replaces
    '{% for row in display_rows %}<tr>{% for cell in row %}<td class="col-{{ cell.column|to_css_class }} '
    'type-{{ cell.value_type }}">{{ cell.value }}</td>{% endfor %}</tr>{% endfor %}'
)


async def test_table_rows_are_the_html_of_datasettes_loop(site: Datasette) -> None:
    from markupsafe import Markup

    from scripts.publishing.plugins.readable import table_rows_html

    await site.invoke_startup()
    cells = [("claim_id", Markup('<a href="/x">a&amp;b</a>'), "pk"), ("claim", "<b>“x” & y</b>", "str"),
             ("2 words", None, "none"), ("value", 12000.0, "float"), ("_odd-name", 3, "int")]  # fmt: skip
    rows = [[{"column": c, "value": v, "value_type": t, "raw": v} for c, v, t in cells]] * 2
    expected = await site.jinja_env.from_string(JINJA_ROWS).render_async(display_rows=rows)
    assert str(table_rows_html(rows)).replace("\n", "") == expected
