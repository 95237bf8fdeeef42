"""Summaries the site reads instead of counting a million rows on every page.

The database is immutable, so the count of every value of every facet that the metadata configures
(every enum column of the tables, the facets of the views) is computed once at build time, into
FACET_COUNTS. The site's facet plugin (plugins/precomputed_facets.py) answers the facets of a page
without filters from it; a filtered page is still counted live (docs/benchmark.md)."""

from __future__ import annotations

import sqlite3

from scripts.package.read import DataPackage
from scripts.progress import progress

FACET_COUNTS = "facet_counts"
# Equality filters of pages people ask for (figures of a measure on a date, as the benchmark does):
# one index per table, of the filters, then the primary key (the page's order and `_next` cursor),
# then the table's facet columns, so that the page's rows, its count and every facet count read
# only this index instead of every matching row.
FILTERED_PAGES = {"figures": ("measure", "as_of")}
# One row per value of each column, NULL included (how many rows have none): so every faceted column
# has a row, even one that is always empty. `value` has no type: each value keeps its own (a text
# '12' stays text). The index orders them as Datasette orders facet values (most frequent first,
# then by value), so that a page reads the first values by key.
FACET_COUNTS_DDL = (
    f"CREATE TABLE {FACET_COUNTS} (table_name TEXT NOT NULL, column_name TEXT NOT NULL, value, count INTEGER NOT NULL)",
    f"CREATE UNIQUE INDEX idx_{FACET_COUNTS} ON {FACET_COUNTS} (table_name, column_name, count DESC, value)",
)


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def faceted_columns(package: DataPackage) -> dict[str, list[str]]:
    """The facets of every table and view, as the site's metadata configures them."""
    from scripts.publishing.metadata import datasette_metadata  # metadata imports build, which imports this

    tables = datasette_metadata(package)["databases"]
    (database,) = tables.values()
    return {name: meta.get("facets", []) for name, meta in database["tables"].items() if meta.get("facets")}


def existing_tables(db: sqlite3.Connection) -> set[str]:
    return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def write_facet_counts(db: sqlite3.Connection, facets: dict[str, list[str]]) -> None:
    for statement in FACET_COUNTS_DDL:
        db.execute(statement)
    present = existing_tables(db)
    for table, columns in facets.items():
        if table not in present:  # a view left out of a package that is not this project's own
            continue
        for column in columns:
            db.execute(
                f"INSERT INTO {FACET_COUNTS} SELECT ?, ?, {quoted(column)}, count(*) FROM {quoted(table)} "
                f"GROUP BY {quoted(column)}",
                [table, column],
            )


def page_index_ddl(package: DataPackage, facets: dict[str, list[str]]) -> list[str]:
    statements = []
    for table, filters in FILTERED_PAGES.items():
        fields = package.tables[table].field_names if table in package.tables else []
        if not set(filters) <= set(fields):
            continue  # a package that is not this project's own
        key = package.tables[table].primary_key
        columns = list(dict.fromkeys([*filters, *key, *facets.get(table, [])]))
        name = quoted(f"idx_{table}_{'_'.join(filters)}_page")
        statements.append(f"CREATE INDEX {name} ON {quoted(table)} ({', '.join(map(quoted, columns))})")
    return statements


def write_summaries(db: sqlite3.Connection, package: DataPackage) -> None:
    """Every summary table and page index, from the tables and views already written."""
    facets = faceted_columns(package)
    progress("precomputing the facet counts")
    write_facet_counts(db, facets)
    for statement in page_index_ddl(package, facets):
        db.execute(statement)
