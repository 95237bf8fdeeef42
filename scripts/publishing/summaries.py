"""Summaries the site reads instead of counting a million rows on every page.

The database is immutable, so the count of every value of every facet that the metadata configures
(every enum column of the tables, the facets of the views) is computed once at build time, into
FACET_COUNTS: over the whole table, and for the pages filtered as FILTERED_PAGES says, per
combination of filter values. The site's facet plugin (plugins/precomputed_facets.py) answers
such pages from it; any other filter is counted live (docs/benchmark.md)."""

from __future__ import annotations

import json
import sqlite3

from scripts.package.read import DataPackage
from scripts.progress import progress
from scripts.validation.staging import quoted

FACET_COUNTS = "facet_counts"
# Equality filters of pages people ask for (the figures of a measure on a date, as the benchmark
# asks): their facets are precomputed for every combination of values, and an index of the filters,
# then the primary key (the page's order and its `_next` cursor), gives the rows and their count.
FILTERED_PAGES = {"figures": ("measure", "as_of")}
UNFILTERED = ""  # the `filters` of the counts over the whole table
# One row per value of each column, NULL included (how many rows have none): so every faceted column
# has a row, even one that is always empty. `value` has no type: each value keeps its own (a text
# '12' stays text). The index orders them as Datasette orders facet values (most frequent first,
# then by value), so that a page reads the first values by key.
FACET_COUNTS_DDL = (
    f"CREATE TABLE {FACET_COUNTS} (table_name TEXT NOT NULL, filters TEXT NOT NULL, column_name TEXT NOT NULL, "
    "value, count INTEGER NOT NULL)",
    f"CREATE UNIQUE INDEX idx_{FACET_COUNTS} ON {FACET_COUNTS} (table_name, filters, column_name, count DESC, value)",
)


def filter_key(filters: dict[str, object]) -> str:
    """The filters of a page as FACET_COUNTS writes them: values as the query string gives them (text).
    plugins/precomputed_facets.py has the same function, since the deployed plugins stand alone."""
    return json.dumps({name: str(filters[name]) for name in sorted(filters)}, ensure_ascii=False, separators=(",", ":"))


def faceted_columns(package: DataPackage) -> dict[str, list[str]]:
    """The facets of every table and view, as the site's metadata configures them."""
    from scripts.publishing.metadata import datasette_metadata  # metadata imports build, which imports this

    tables = datasette_metadata(package)["databases"]
    (database,) = tables.values()
    return {name: meta.get("facets", []) for name, meta in database["tables"].items() if meta.get("facets")}


def columns_of(db: sqlite3.Connection) -> dict[str, set[str]]:
    tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {table: {row[1] for row in db.execute(f"PRAGMA table_info({quoted(table)})")} for table in tables}


def count_unfiltered(db: sqlite3.Connection, table: str, column: str) -> None:
    db.execute(
        f"INSERT INTO {FACET_COUNTS} SELECT ?, ?, ?, {quoted(column)}, count(*) FROM {quoted(table)} "
        f"GROUP BY {quoted(column)}",
        [table, UNFILTERED, column],
    )


def count_filtered(db: sqlite3.Connection, table: str, filters: tuple[str, ...], column: str) -> None:
    """Per combination of filter values; a NULL value is left out, since no equality filter matches it."""
    names = ", ".join(map(quoted, filters))
    present = " AND ".join(f"{quoted(f)} IS NOT NULL" for f in filters)
    groups = db.execute(
        f"SELECT {names}, {quoted(column)}, count(*) FROM {quoted(table)} WHERE {present} "
        f"GROUP BY {names}, {quoted(column)}"
    )
    n = len(filters)
    rows = [(table, filter_key(dict(zip(filters, g[:n], strict=True))), column, g[n], g[n + 1]) for g in groups]
    db.executemany(f"INSERT INTO {FACET_COUNTS} VALUES (?, ?, ?, ?, ?)", rows)


def write_facet_counts(db: sqlite3.Connection, facets: dict[str, list[str]]) -> None:
    for statement in FACET_COUNTS_DDL:
        db.execute(statement)
    present = columns_of(db)
    for table, columns in facets.items():
        if table not in present:  # a view left out of a package that is not this project's own
            continue
        filters = FILTERED_PAGES.get(table, ())
        for column in columns:
            count_unfiltered(db, table, column)
            if filters and set(filters) <= present[table]:
                count_filtered(db, table, filters, column)


def page_index_ddl(package: DataPackage) -> list[str]:
    statements = []
    for table, filters in FILTERED_PAGES.items():
        fields = package.tables[table].field_names if table in package.tables else []
        if not set(filters) <= set(fields):
            continue  # a package that is not this project's own
        columns = list(dict.fromkeys([*filters, *package.tables[table].primary_key]))
        name = quoted(f"idx_{table}_{'_'.join(filters)}_page")
        statements.append(f"CREATE INDEX {name} ON {quoted(table)} ({', '.join(map(quoted, columns))})")
    return statements


def write_summaries(db: sqlite3.Connection, package: DataPackage) -> None:
    """Every summary table and page index, from the tables and views already written."""
    progress("precomputing the facet counts")
    write_facet_counts(db, faceted_columns(package))
    for statement in page_index_ddl(package):
        db.execute(statement)
