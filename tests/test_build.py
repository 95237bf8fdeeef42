"""The SQLite build: derived from the schemas, lossless, searchable, and atomic."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from scripts.publishing.build import BuildError, build, main
from tests.conftest import ROOT, read_table
from tests.mutations import set_cells

TABLES = ("sources", "entities", "claims", "quotes", "figures", "claim_links", "exclusions")


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    path = tmp_path_factory.mktemp("build") / "nk.db"
    build(ROOT / "datapackage.json", path)
    return sqlite3.connect(path)


def _schema(table: str) -> dict:
    return json.loads((ROOT / "schemas" / f"{table}.schema.json").read_text(encoding="utf-8"))


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
    (exact,) = database.execute("SELECT exact FROM quotes WHERE quote_id = 'a000-q08'").fetchone()
    assert exact.endswith("expendable ‘cannon fodder.'")


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

    assert search("quotes", '"cannon fodder"') == {"a000-q08", "a000-q09", "a001-q02", "a001-q04", "a001-q06"}
    assert search("entities", "Zelensky") == {"volodymyr-zelenskyy"}
    assert "a000-c14" in search("claims", 'Kursk AND "8,000"')


def test_troop_estimates_are_ordered_by_date_with_claimant_and_venue(database: sqlite3.Connection) -> None:
    rows = database.execute("SELECT as_of, value, claimant, venue FROM troop_estimates").fetchall()
    assert rows[:2] == [
        ("2024-10-28?", 3000.0, "Unnamed sources", None),  # "reportedly": the text names no source
        ("2024-10-31?", 8000.0, "Antony Blinken", "Briefing by US Secretary of State Antony Blinken on October 31"),
    ]  # fmt: skip
    assert {r[1] for r in rows} == {3000.0, 8000.0, 12000.0, 15000.0, None}


def test_context_view_shows_each_quote_within_its_archived_text(database: sqlite3.Connection) -> None:
    for before, quote, after, source_id, start, end in database.execute(
        "SELECT before, quote, after, source_id, char_start, char_end FROM quotes_in_context"
    ):
        text = (ROOT / "data/texts" / f"{source_id}.txt").read_text(encoding="utf-8")
        assert before == text[max(start - 80, 0) : start] and after == text[end : end + 80]
        assert quote == text[start:end]


def test_who_said_what_names_speaker_venue_and_article(database: sqlite3.Connection) -> None:
    row = database.execute("SELECT speaker, venue, article FROM who_said_what WHERE quote_id = 'a001-q01'").fetchone()
    assert row == (
        "Volodymyr Zelenskyy",
        "Volodymyr Zelenskyy's interview with Kyodo News",
        "Untitled news article (article-001)",
    )


@pytest.mark.slow
def test_a_bad_package_builds_nothing_and_leaves_the_earlier_database(package_copy: Path, tmp_path: Path) -> None:
    output = tmp_path / "out" / "nk.db"
    build(package_copy, output)
    before = output.read_bytes()
    set_cells(package_copy.parent, "figures", "a000-f03", value="9000")
    with pytest.raises(BuildError, match=r"data/figures.csv:\d+:value"):
        build(package_copy, output)
    assert output.read_bytes() == before
    assert [p.name for p in output.parent.iterdir()] == ["nk.db"]  # no temporary file left behind
    assert main([str(package_copy), "--output", str(output)]) == 1
