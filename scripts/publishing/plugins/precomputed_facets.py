"""Datasette plugin: the facets of a page, read from counts the build precomputed.

Datasette counts every configured facet over the page's rows on every table page: at a million
claims that is most of a page's time (docs/benchmark.md). The database is immutable, so the build
stores the count of every value of every configured facet, over the whole table and for the
filtered pages it names (scripts/publishing/summaries.py), and this plugin's column facet answers
from them when a page has no filter, or exactly the equality filters of such a page with values
that the counts hold. Datasette's own facet code builds the results (links, labels, truncation) as
always; only the counting query is replaced.

A later page (`_next`) shows the same counts as the first, those of every row that the page's row
count counts, where Datasette alone would count only the rows after the cursor. Any other filter,
a search or an unknown parameter makes the page count live, as before."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from datasette import hookimpl

if (PLUGINS := str(Path(__file__).resolve().parent)) not in sys.path:
    sys.path.append(PLUGINS)  # Datasette runs each plugin file alone: the shared package is beside it

from nk_datasette import compat
from nk_datasette.site import quoted, site_of

# Query-string parameters that change neither which rows a page holds nor what its facets count.
NOT_FILTERS = frozenset({
    "_facet", "_facet_size", "_next", "_size", "_sort", "_sort_desc", "_col", "_nocol", "_labels", "_nolabels",
    "_shape", "_json", "_json_infinity", "_nofacet", "_nocount", "_nosuggest", "_trace", "_timelimit", "_ttl",
    "_dl", "_stream", "_nl", "_header", "_all", "_extra",
})  # fmt: skip
COUNTS_SQL = (
    "SELECT value, count FROM {} WHERE table_name = :table AND filters = :filters "
    "AND column_name = :column AND value IS NOT NULL ORDER BY count DESC, value LIMIT :limit"
)  # the counts table's name is the site's (site_of(datasette).facet_counts)
# (database, table, filters) -> the columns whose counts the database holds
Precomputed = dict[tuple[str, str, str], set[str]]


def filter_key(filters: dict[str, object]) -> str:
    """As scripts/publishing/summaries.py writes it (the deployed plugins stand alone: no import)."""
    return json.dumps({name: str(filters[name]) for name in sorted(filters)}, ensure_ascii=False, separators=(",", ":"))


async def read_precomputed(datasette: Any) -> Precomputed:
    found: Precomputed = {}
    site = site_of(datasette)
    if site is None:
        return found  # a site that serves no database of the package has no counts of ours
    for name, db in datasette.databases.items():
        if db.is_mutable or not await db.table_exists(site.facet_counts):
            continue  # only an immutable database cannot change under its counts
        sql = f"SELECT DISTINCT table_name, filters, column_name FROM {quoted(site.facet_counts)}"
        for table, filters, column in (await db.execute(sql, custom_time_limit=60_000)).rows:
            found.setdefault((name, table, filters), set()).add(column)
    return found


PRECOMPUTED: WeakKeyDictionary[Any, Precomputed] = WeakKeyDictionary()  # per Datasette instance


@hookimpl
def startup(datasette: Any) -> Any:
    async def inner() -> None:
        PRECOMPUTED[datasette] = await read_precomputed(datasette)

    return inner


def page_filters(request: Any) -> str | None:
    """The page's filters as the counts key them, if they are all `column=value`, one value each;
    None for any other filter."""
    filters, args = {}, request.args  # parsed anew on every access
    for key in args:
        if key in NOT_FILTERS:
            continue
        values = args.getlist(key)
        if key.startswith("_") or "__" in key or len(values) != 1:
            return None  # a search, an operator (`__gt`, `__contains`), `_where`, a repeated column
        filters[key] = values[0]
    return filter_key(filters) if filters else ""


class PrecomputedColumnFacet(compat.CountableColumnFacet):
    """Datasette's column facet, counted from the precomputed counts when they hold the page's filters."""

    def counted(self) -> tuple[set[str], compat.Counts] | None:
        filters = page_filters(self.request) if self.request is not None else None
        precomputed = PRECOMPUTED.get(self.ds, {})
        columns = precomputed.get((self.database, self.table, filters)) if filters is not None else None
        if not columns:
            return None
        datasette, table, site = self.ds, self.table, site_of(self.ds)
        assert site is not None  # PRECOMPUTED holds counts only for a site that has them (read_precomputed)
        sql = COUNTS_SQL.format(quoted(site.facet_counts))

        async def counts(database: str, column: str, limit: int) -> Any:
            arguments = {"table": table, "filters": filters, "column": column, "limit": limit}
            return await datasette.execute(database, sql, arguments, truncate=False)

        return columns, counts


@hookimpl(hookwrapper=True)
def register_facet_classes() -> Any:
    """Datasette's own ColumnFacet replaced by ours: two classes of type "column" would both count."""
    outcome = yield
    outcome.force_result(compat.replace_column_facet(outcome.get_result(), PrecomputedColumnFacet))
