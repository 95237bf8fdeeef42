"""Summaries the site reads instead of counting a million rows on every page.

The database is immutable, so the count of every value of every facet that the metadata configures
(every enum column of the tables, the facets of the views) is computed once at build time, into
FACET_COUNTS: over the whole table, and for the pages filtered as FILTERED_PAGES says, per
combination of filter values. The site's facet plugin (plugins/precomputed_facets.py) answers
such pages from it; any other filter is counted live (docs/benchmark.md).

The timeline's chart (plugins/reader.py) draws each troop estimate while they are few; beyond that
it draws TIMELINE_SUMMARY, a bounded summary of every estimate computed here: at most
TIMELINE_COLUMNS columns of dates, and one of estimates without a date, each with how many
estimates it holds, their lowest, highest and median number."""

from __future__ import annotations

import json
import math
import sqlite3
import statistics
from datetime import date

from scripts.package.edtf_dates import edtf_day
from scripts.package.read import DataPackage
from scripts.package.site import FACET_COUNTS, FILTERED_PAGES, TIMELINE_SUMMARY, TROOP_ESTIMATES, faceted_columns
from scripts.progress import progress
from scripts.sql import identifier, identifiers

# FILTERED_PAGES (scripts.package.site): the facets of those pages are precomputed for every
# combination of values, and an index of the filters, then the primary key (the page's order and
# its `_next` cursor), gives the rows and their count.
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


def columns_of(db: sqlite3.Connection) -> dict[str, set[str]]:
    tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {table: {row[1] for row in db.execute(f"PRAGMA table_info({identifier(table)})")} for table in tables}


def count_unfiltered(db: sqlite3.Connection, table: str, column: str) -> None:
    db.execute(
        f"INSERT INTO {FACET_COUNTS} SELECT ?, ?, ?, {identifier(column)}, count(*) FROM {identifier(table)} "
        f"GROUP BY {identifier(column)}",
        [table, UNFILTERED, column],
    )


def count_filtered(db: sqlite3.Connection, table: str, filters: tuple[str, ...], column: str) -> None:
    """Per combination of filter values; a NULL value is left out, since no equality filter matches it."""
    names = identifiers(filters)
    present = " AND ".join(f"{identifier(f)} IS NOT NULL" for f in filters)
    groups = db.execute(
        f"SELECT {names}, {identifier(column)}, count(*) FROM {identifier(table)} WHERE {present} "
        f"GROUP BY {names}, {identifier(column)}"
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
        name = identifier(f"idx_{table}_{'_'.join(filters)}_page")
        statements.append(f"CREATE INDEX {name} ON {identifier(table)} ({identifiers(columns)})")
    return statements


TIMELINE_COLUMNS = 40  # the chart's columns of dated estimates, at most: each a day or a run of days
TIMELINE_SUMMARY_DDL = (
    f"CREATE TABLE {TIMELINE_SUMMARY} (day_from TEXT, day_to TEXT, year_stated INTEGER NOT NULL, "
    "estimates INTEGER NOT NULL, in_words INTEGER NOT NULL, lowest REAL, highest REAL, median REAL)"
)


def finite(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


class TimelineColumn:
    """The estimates of one column of the chart, added one at a time."""

    def __init__(self) -> None:
        self.first: date | None = None
        self.last: date | None = None
        self.year_stated, self.estimates = True, 0
        self.values: list[float] = []
        self.counted = 0  # estimates the chart can place: a number, or a range's two ends
        self.lowest, self.highest = math.inf, -math.inf

    def add(self, day: tuple[date, bool] | None, value: object, low: object, high: object) -> None:
        self.estimates += 1
        if day is not None:
            self.first = min(self.first or day[0], day[0])
            self.last = max(self.last or day[0], day[0])
            self.year_stated = self.year_stated and day[1]
        number = finite(value)
        bounds = [b for b in (finite(low), finite(high)) if b is not None]
        if number is not None:
            self.values.append(number)
        elif len(bounds) < 2:
            return  # a number in words: counted, not drawn
        self.counted += 1  # a number, or a range's two ends (the codebook's range rule: no value)
        numbers = [n for n in (number, *bounds) if n is not None]
        self.lowest, self.highest = min(self.lowest, *numbers), max(self.highest, *numbers)

    def row(self) -> tuple[object, ...]:
        """The median is of the stated numbers only: a range states none, so it widens the bar alone."""
        days = (self.first.isoformat(), self.last.isoformat()) if self.first and self.last else (None, None)
        median = statistics.median(self.values) if self.values else None
        ends = (self.lowest, self.highest) if self.counted else (None, None)
        return (*days, int(self.year_stated), self.estimates, self.estimates - self.counted, *ends, median)


def column_of_day(days: list[date]) -> dict[date, int]:
    """Each day's column: one a day when they are few, else TIMELINE_COLUMNS equal runs of days."""
    if len(days) <= TIMELINE_COLUMNS:
        return {day: index for index, day in enumerate(days)}
    first, span = days[0], (days[-1] - days[0]).days + 1
    return {day: (day - first).days * TIMELINE_COLUMNS // span for day in days}


def write_timeline_summary(db: sqlite3.Connection) -> None:
    """TIMELINE_SUMMARY from the troop estimates, read once, in at most TIMELINE_COLUMNS columns of
    dates and one (the last) of estimates without a date."""
    db.execute(TIMELINE_SUMMARY_DDL)
    if TROOP_ESTIMATES not in columns_of(db):  # a package that is not this project's own
        return
    days = {as_of: edtf_day(as_of) for (as_of,) in db.execute(f"SELECT DISTINCT as_of FROM {TROOP_ESTIMATES}")}
    column_of = column_of_day(sorted({day[0] for day in days.values() if day is not None}))
    columns: dict[int, TimelineColumn] = {}
    for as_of, value, low, high in db.execute(f"SELECT as_of, value, value_low, value_high FROM {TROOP_ESTIMATES}"):
        day = days[as_of]
        key = TIMELINE_COLUMNS if day is None else column_of[day[0]]
        columns.setdefault(key, TimelineColumn()).add(day, value, low, high)
    rows = [columns[key].row() for key in sorted(columns)]
    db.executemany(f"INSERT INTO {TIMELINE_SUMMARY} VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def write_summaries(db: sqlite3.Connection, package: DataPackage) -> None:
    """Every summary table and page index, from the tables and views already written."""
    progress("precomputing the facet counts")
    write_facet_counts(db, faceted_columns(package))
    progress("summing up the troop estimates for the timeline")
    write_timeline_summary(db)
    for statement in page_index_ddl(package):
        db.execute(statement)
