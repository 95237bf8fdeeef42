"""Datasette plugin: the facets of a page without filters, read from counts the build precomputed.

Datasette counts every configured facet over the page's rows on every table page: at a million
claims that is most of a page's time (docs/benchmark.md). The database is immutable, so the build
stores the count of every value of every configured facet (scripts/publishing/summaries.py), and
this plugin's column facet answers from them when the page has no filter. Datasette's own facet
code builds the results (links, labels, truncation) as always; only the counting query is replaced.

A later page (`_next`) of an unfiltered table shows the same counts as the first, those of every
row the page's row count counts, where Datasette alone would count only the rows after the cursor.
Any filter, search or unknown parameter makes the page count live, as before."""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from datasette.facets import ColumnFacet
from datasette.utils import escape_sqlite

FACET_COUNTS = "facet_counts"  # scripts/publishing/summaries.py
CACHE_ATTRIBUTE = "_nk_precomputed_facets"
# Query-string parameters that change neither which rows a page holds nor what its facets count.
NOT_FILTERS = frozenset({
    "_facet", "_facet_size", "_next", "_size", "_sort", "_sort_desc", "_col", "_nocol", "_labels", "_nolabels",
    "_shape", "_json", "_json_infinity", "_nofacet", "_nocount", "_nosuggest", "_trace", "_timelimit", "_ttl",
    "_dl", "_stream", "_nl", "_header", "_all", "_extra",
})  # fmt: skip
COUNTS_SQL = (
    f"SELECT value, count FROM {FACET_COUNTS} WHERE table_name = :table AND column_name = :column "
    "AND value IS NOT NULL ORDER BY count DESC, value LIMIT :limit"
)


async def read_precomputed(datasette: Any) -> dict[tuple[str, str], set[str]]:
    """(database, table) -> the columns whose counts the database holds."""
    found: dict[tuple[str, str], set[str]] = {}
    for name, db in datasette.databases.items():
        if db.is_mutable or not await db.table_exists(FACET_COUNTS):
            continue  # only an immutable database cannot change under its counts
        rows = await db.execute(f"SELECT DISTINCT table_name, column_name FROM {FACET_COUNTS}")
        for table, column in rows.rows:
            found.setdefault((name, table), set()).add(column)
    return found


@hookimpl
def startup(datasette: Any) -> Any:
    async def inner() -> None:
        setattr(datasette, CACHE_ATTRIBUTE, await read_precomputed(datasette))

    return inner


class _PrecomputedCounts:
    """The Datasette instance as ColumnFacet sees it, except that its counting queries of the
    precomputed columns read the counts instead of the rows."""

    def __init__(self, datasette: Any, table: str, columns: set[str]) -> None:
        self._datasette, self._table = datasette, table
        # What ColumnFacet's query of each column starts with: "select <column> as value, count(*) …".
        self._starts = {f"select {escape_sqlite(c)} as value, count(*) as count from (": c for c in columns}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._datasette, name)

    async def execute(self, database: str, sql: str, params: Any = None, **kwargs: Any) -> Any:
        column = self._column_counted(sql)
        if column is None:
            return await self._datasette.execute(database, sql, params, **kwargs)
        limit = int(sql.rsplit("limit", 1)[1])  # ColumnFacet asks for one more value than it shows
        arguments = {"table": self._table, "column": column, "limit": limit}
        return await self._datasette.execute(database, COUNTS_SQL, arguments, truncate=False)

    def _column_counted(self, sql: str) -> str | None:
        stripped = sql.lstrip()
        return next((c for start, c in self._starts.items() if stripped.startswith(start)), None)


def unfiltered(request: Any) -> bool:
    return all(key in NOT_FILTERS for key in request.args)


class PrecomputedColumnFacet(ColumnFacet):
    """Datasette's column facet, counted from the precomputed counts on a page without filters."""

    async def facet_results(self) -> Any:
        columns = getattr(self.ds, CACHE_ATTRIBUTE, {}).get((self.database, self.table))
        if not columns or self.request is None or not unfiltered(self.request):
            return await super().facet_results()
        datasette, self.ds = self.ds, _PrecomputedCounts(self.ds, self.table, columns)
        try:
            return await super().facet_results()
        finally:
            self.ds = datasette


@hookimpl(hookwrapper=True)
def register_facet_classes() -> Any:
    """Datasette's own ColumnFacet replaced by ours: two classes of type "column" would both count."""
    outcome = yield
    classes = outcome.get_result()
    outcome.force_result([[PrecomputedColumnFacet if c is ColumnFacet else c for c in group] for group in classes])
