"""The SQLite build: derived from the schemas, lossless, searchable, and atomic."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from scripts.benchmark.synth import generate
from scripts.package.site import VIEWS
from scripts.publishing.build import BuildError, build, main
from tests.articles import ARTICLES, Article
from tests.conftest import PACKAGE, country_names, read_table
from tests.mutations import set_cells

pytestmark = pytest.mark.package

TABLES = ("sources", "entities", "claims", "quotes", "figures", "claim_links", "exclusions")


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    path = tmp_path_factory.mktemp("build") / "nk.db"
    build(PACKAGE / "datapackage.json", path)
    return sqlite3.connect(path)


def _schema(table: str) -> dict:
    return json.loads((PACKAGE / "schemas" / f"{table}.schema.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("table", TABLES)
def test_every_table_reads_back_from_sqlite_cell_for_cell(database: sqlite3.Connection, table: str) -> None:
    fields = _schema(table)["fields"]
    python_types = {"integer": int, "number": float}
    stored = database.execute(f'SELECT * FROM "{table}"').fetchall()
    original = read_table(table)
    assert len(stored) == len(original)
    for row, csv_row in zip(stored, original, strict=True):
        for value, field in zip(row, fields, strict=True):
            cell = csv_row[field["name"]]
            if cell == "":
                assert value is None
            else:
                kind = python_types.get(field["type"], str)
                assert type(value) is kind and value == kind(cell), (table, field["name"])


def test_curly_quotes_and_apostrophes_survive_the_build(database: sqlite3.Connection) -> None:
    quotes = [(q["quote_id"], q["exact"]) for q in read_table("quotes") if set(q["exact"]) & set("‘’“”'\"")]
    assert quotes
    for quote_id, exact in quotes:
        assert database.execute("SELECT exact FROM quotes WHERE quote_id = ?", (quote_id,)).fetchone() == (exact,)


def test_sqlite_schema_is_derived_from_the_table_schemas(database: sqlite3.Connection) -> None:
    for table in TABLES:
        schema = _schema(table)
        columns = database.execute(f'PRAGMA table_info("{table}")').fetchall()
        assert [c[1] for c in columns] == [f["name"] for f in schema["fields"]]
        expected_types = {"integer": "INTEGER", "number": "REAL"}
        assert [c[2] for c in columns] == [expected_types.get(f["type"], "TEXT") for f in schema["fields"]]
        key = schema["primaryKey"]
        assert [c[1] for c in sorted(columns, key=lambda c: c[5]) if c[5]] == key
        foreign = {(fk[3], fk[2]) for fk in database.execute(f'PRAGMA foreign_key_list("{table}")')}
        expected = {(fk["fields"][0], fk["reference"].get("resource") or table) for fk in schema.get("foreignKeys", [])}
        assert foreign == expected
        indexed = {
            database.execute(f'PRAGMA index_info("{index[1]}")').fetchone()[2]
            for index in database.execute(f'PRAGMA index_list("{table}")')
        }
        assert {column for column, _ in expected} <= indexed


def test_full_text_search_finds_claims_quotes_and_entities(database: sqlite3.Connection) -> None:
    def search(table: str, query: str) -> set[str]:
        key = {"claims": "claim_id", "quotes": "quote_id", "entities": "entity_id"}[table]
        sql = f"SELECT {key} FROM {table} WHERE rowid IN (SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH ?)"
        return {row[0] for row in database.execute(sql, (query,))}

    fodder = {q["quote_id"] for q in read_table("quotes") if "cannon fodder" in q["exact"].lower()}
    assert fodder and search("quotes", '"cannon fodder"') == fodder
    assert search("entities", "Zelensky") == {"volodymyr-zelenskyy"}  # an alias of "Zelenskyy"
    kursk = {c["claim_id"] for c in read_table("claims") if "Kursk" in c["exact"] and "8,000" in c["exact"]}
    assert kursk and kursk <= search("claims", 'Kursk AND "8,000"')


def test_troop_estimates_are_ordered_by_date_with_undated_ones_last(database: sqlite3.Connection) -> None:
    dates = [as_of for (as_of,) in database.execute("SELECT as_of FROM troop_estimates ORDER BY position")]
    dated = [as_of for as_of in dates if as_of is not None]
    assert dated and dated == sorted(dated) and dates == dated + [None] * (len(dates) - len(dated))
    headline = json.loads((PACKAGE / "datapackage.json").read_text(encoding="utf-8"))["headlineMeasure"]
    assert len(dates) == sum(f["measure"] == headline for f in read_table("figures"))


@pytest.mark.parametrize("article", [pytest.param(a, id=s) for s, a in sorted(ARTICLES.items())])
def test_troop_estimates_name_the_claimant_and_venue_of_each_figure(
    database: sqlite3.Connection, article: Article
) -> None:
    sql = "SELECT as_of, value, claimant, venue FROM troop_estimates WHERE source_id = ? AND exact = ?"
    for exact, *estimate in article.troop_estimates:
        assert database.execute(sql, (article.source_id, exact)).fetchall() == [tuple(estimate)], exact


def test_context_view_shows_each_quote_within_its_archived_text(database: sqlite3.Connection) -> None:
    for before, quote, after, source_id, start, end in database.execute(
        "SELECT before, quote, after, source_id, char_start, char_end FROM quotes_in_context"
    ):
        text = (PACKAGE / "data/texts" / f"{source_id}.txt").read_text(encoding="utf-8")
        assert before == text[max(start - 80, 0) : start] and after == text[end : end + 80]
        assert quote == text[start:end]


@pytest.mark.parametrize("article", [pytest.param(a, id=s) for s, a in sorted(ARTICLES.items())])
def test_who_said_what_names_speaker_venue_and_article(database: sqlite3.Connection, article: Article) -> None:
    sql = "SELECT speaker, venue, article FROM who_said_what WHERE source_id = ? AND quote = ?"
    for exact, *named in article.speaker_of_quote:
        assert database.execute(sql, (article.source_id, exact)).fetchall() == [tuple(named)], exact


@pytest.mark.slow
def test_a_bad_package_builds_nothing_and_leaves_the_earlier_database(tmp_path: Path) -> None:
    package_copy = generate(20, tmp_path / "package")  # a small package of its own: f0 reads "1,000"
    output = tmp_path / "out" / "nk.db"
    build(package_copy, output)
    before = output.read_bytes()
    set_cells(package_copy.parent, "figures", "f0", value="9000")
    with pytest.raises(BuildError, match=r"data/figures.csv:\d+:value"):
        build(package_copy, output)
    assert output.read_bytes() == before
    assert [p.name for p in output.parent.iterdir()] == ["nk.db"]  # no temporary file left behind
    assert main([str(package_copy), "--output", str(output)]) == 1


def test_every_country_of_a_party_is_an_iso_3166_code_that_the_vocabulary_names() -> None:
    pycountry = pytest.importorskip("pycountry")
    allowed = next(f for f in _schema("entities")["fields"] if f["name"] == "country")["constraints"]["enum"]
    assert allowed and set(allowed) == set(country_names())
    for code in allowed:
        assert pycountry.countries.get(alpha_2=code) is not None, f"{code} is no ISO 3166-1 alpha-2 code"


@pytest.mark.parametrize(
    ("view", "party", "prefix"),
    [("claims_with_sources", "claimant_id", "claimant"), ("who_said_what", "speaker_id", "speaker"),
     ("attribution_chains", "entity_id", "party")],
)  # fmt: skip
def test_claims_quotes_and_chains_are_filtered_by_their_partys_country_and_role_in_one_column_each(
    database: sqlite3.Connection, view: str, party: str, prefix: str
) -> None:
    entities = {e["entity_id"]: e for e in read_table("entities")}
    names = country_names()
    rows = database.execute(f'SELECT "{party}", "{prefix}_country", "{prefix}_role" FROM "{view}"').fetchall()
    assert rows and any(country for _, country, _ in rows)
    for entity_id, country, role in rows:
        expected = entities[entity_id]
        assert (country, role) == (names.get(expected["country"]), expected["role"] or None), entity_id
    assert {f"{prefix}_country", f"{prefix}_role"} <= set(VIEWS[view].facets)  # one click on the site


def test_the_views_key_columns_are_foreign_keys_so_the_site_links_claims_and_parties(
    database: sqlite3.Connection,
) -> None:
    keys = {(fk[3], fk[2], fk[4]) for fk in database.execute('PRAGMA foreign_key_list("attribution_chains")')}
    assert {("claim_id", "claims", "claim_id"), ("entity_id", "entities", "entity_id")} <= keys
    assert database.execute('PRAGMA foreign_key_check("attribution_chains")').fetchall() == []
