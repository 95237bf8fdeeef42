"""Every use the site makes of Datasette's internals, written for one version of Datasette.

Datasette's plugin hooks cover most of what the site needs; where they do not (a schema read once,
a facet counted from precomputed counts, errors logged in one line, an instance built from
`datasette serve`'s own options), the site reaches into Datasette here and nowhere else
(tests/test_datasette.py checks the plugins). So an upgrade of Datasette is this file: importing it
with any other version installed stops the site at start-up, naming both versions."""

from __future__ import annotations

import copy
import importlib
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from datasette.cli import serve
from datasette.facets import ColumnFacet
from datasette.plugins import pm
from datasette.utils import escape_sqlite
from datasette.version import __version__

# Only once datasette.plugins has loaded: imported first (as `serve`'s uvicorn workers import this module),
# datasette.handle_exception imports datasette.plugins, which registers it as a plugin while it is half
# imported, without its hook, and every 404 of the served site became a 500.
default_exception_handler = importlib.import_module("datasette.handle_exception")

EXPECTED_VERSION = "0.65.5"  # requirements.lock pins the same


class DatasetteVersionError(RuntimeError):
    """The installed Datasette is not the one whose internals this module uses."""


def check_version(found: str = __version__) -> None:
    if found != EXPECTED_VERSION:
        raise DatasetteVersionError(
            f"The site's plugins need Datasette {EXPECTED_VERSION}, found Datasette {found}: install "
            f"datasette=={EXPECTED_VERSION} (requirements.lock), or port "
            "scripts/publishing/plugins/nk_datasette/compat.py to the new version first."
        )


check_version()


# --------------------------------------------------------------------------- errors
class _OneLineTraceback:
    @staticmethod
    def print_exc() -> None:
        kind, error, _ = sys.exc_info()
        name = kind.__name__ if kind else "error"
        print(f"500: {name}: {str(error)[:200]}", file=sys.stderr)


def log_errors_in_one_line() -> None:
    """Datasette prints every error a visitor causes (a bad query, a time-out, a 404) as a traceback
    with its local variables when `rich` is installed (frictionless brings it in), and a traceback
    for every 500, including those a visitor can cause with a malformed filter: one line is enough.
    No hook reaches this: these are module globals of Datasette's default exception handler."""
    default_exception_handler.rich = None
    default_exception_handler.traceback = _OneLineTraceback  # type: ignore[assignment]


def error_page(datasette: Any, request: Any, exception: Exception) -> Any:
    """The page Datasette's own handle_exception hook makes of `exception` (HTML or JSON, its error
    template): for a plugin's handle_exception that changes only which error a page reports."""
    return default_exception_handler.handle_exception(datasette, request, exception)


# --------------------------------------------------------------------------- an immutable schema
# Database methods that read only the schema.
SCHEMA_METHODS = (
    "table_exists", "table_names", "table_columns", "table_column_details", "primary_keys", "fts_table",
    "label_column_for_table", "foreign_keys_for_table", "hidden_table_names", "view_names",
    "get_all_foreign_keys", "get_table_definition", "get_view_definition",
)  # fmt: skip
INTERNAL = "_internal"  # Datasette's own record of the schemas, which only Datasette writes


def remembered(
    method: Callable[..., Awaitable[Any]], names: Callable[[], Awaitable[set[str]]]
) -> Callable[..., Awaitable[Any]]:
    """The method, its answers kept for calls about the whole schema or a table or view that exists:
    a visitor can ask about any number of names that do not (each answered anew, as by Datasette)."""
    answers: dict[tuple, Any] = {}

    async def call(*args: Any, **kwargs: Any) -> Any:
        key = (args, tuple(sorted(kwargs.items())))
        if key in answers:
            return copy.deepcopy(answers[key])  # a caller may change what it gets
        answer = await method(*args, **kwargs)
        name = args[0] if args else kwargs.get("table", kwargs.get("view"))
        if name is None or name in await names():
            answers[key] = copy.deepcopy(answer)
        return answer

    return call


def remember_schema(db: Any) -> None:
    """Each schema method of an immutable database answers from its first answer."""
    known: set[str] = set()
    table_names, view_names = db.table_names, db.view_names

    async def names() -> set[str]:
        if not known:
            known.update(await table_names(), await view_names())
        return known

    for name in SCHEMA_METHODS:
        setattr(db, name, remembered(getattr(db, name), names))
    db.execute = spelling_remembered(db.execute, names)


# Datasette's `permission_allowed` finds the spelling SQLite gives a table's name with this query, for
# every table a page names: twice per table on the home page (some 80 queries, each through the
# thread pool), for each breadcrumb elsewhere.
SPELLING_SQL = "select name from sqlite_master where type in ('table', 'view') and name = ? collate nocase"


def spelling_remembered(
    execute: Callable[..., Awaitable[Any]], names: Callable[[], Awaitable[set[str]]]
) -> Callable[..., Awaitable[Any]]:
    """`execute`, answering the spelling query about a table or view that exists from its first
    answer (a name that exists is its own spelling); any other query, and any other name, as before."""
    answers: dict[str, Any] = {}

    async def call(sql: str, params: Any = None, *args: Any, **kwargs: Any) -> Any:
        if sql != SPELLING_SQL or not params or not isinstance(params[0], str):
            return await execute(sql, params, *args, **kwargs)
        name = params[0]
        if name not in answers:
            answer = await execute(sql, params, *args, **kwargs)
            if name not in await names():
                return answer
            answers[name] = answer
        return answers[name]

    return call


def refresh_once(datasette: Any) -> None:
    """Datasette's schema refresh, on every request, until it has run with the same databases, all
    immutable: then there is nothing left to refresh."""
    refresh = datasette.refresh_schemas
    refreshed_for: set[str] = set()

    async def refresh_schemas() -> None:
        names = set(datasette.databases)
        if names == refreshed_for:
            return
        await refresh()
        if all(not db.is_mutable for name, db in datasette.databases.items() if name != INTERNAL):
            refreshed_for.clear()
            refreshed_for.update(names)

    datasette.refresh_schemas = refresh_schemas


def remember_table_rules(datasette: Any, known: set[tuple[str, str]]) -> None:
    """The `allow` rules of each table and view that exists (`known`: database, name), found once:
    Datasette finds them in a deep copy of the whole metadata, twice a page. Not when a plugin
    supplies metadata, which may change."""
    if pm.hook.get_metadata.get_hookimpls():
        return
    find, answers = datasette._table_permission_allows, {}

    def table_permission_allows(database: str, table: str) -> Any:
        if (database, table) not in known:
            return find(database, table)
        if (database, table) not in answers:
            answers[(database, table)] = find(database, table)
        return copy.deepcopy(answers[(database, table)])

    datasette._table_permission_allows = table_permission_allows


# --------------------------------------------------------------------------- facets
# (database, column, limit) -> the rows (value, count) of the column's most frequent values
Counts = Callable[[str, str, int], Awaitable[Any]]


class _CountedElsewhere:
    """The Datasette instance as ColumnFacet sees it, except that its counting query of each of
    `columns` is answered by `counts` instead of by counting the rows."""

    def __init__(self, datasette: Any, columns: set[str], counts: Counts) -> None:
        self._datasette, self._counts = datasette, counts
        # What ColumnFacet's query of each column starts with: "select <column> as value, count(*) …".
        self._starts = {f"select {escape_sqlite(c)} as value, count(*) as count from (": c for c in columns}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._datasette, name)

    async def execute(self, database: str, sql: str, params: Any = None, **kwargs: Any) -> Any:
        stripped = sql.lstrip()
        column = next((c for start, c in self._starts.items() if stripped.startswith(start)), None)
        if column is None:
            return await self._datasette.execute(database, sql, params, **kwargs)
        limit = int(sql.rsplit("limit", 1)[1])  # ColumnFacet asks for one more value than it shows
        return await self._counts(database, column, limit)


class CountableColumnFacet(ColumnFacet):
    """Datasette's column facet, whose counts of a page come from `counted()` when it names them.
    Datasette's own facet code builds the results (links, labels, truncation) as always; only the
    counting query is replaced."""

    def counted(self) -> tuple[set[str], Counts] | None:
        """The columns whose counts of this page are known, and how to read them; None to count."""
        return None

    async def facet_results(self) -> Any:
        known = self.counted()
        if not known:
            return await super().facet_results()
        datasette, self.ds = self.ds, _CountedElsewhere(self.ds, *known)
        try:
            return await super().facet_results()
        finally:
            self.ds = datasette


def replace_column_facet(classes: list[list[type]], replacement: type) -> list[list[type]]:
    """The facet classes of register_facet_classes, with `replacement` instead of Datasette's own
    ColumnFacet: two classes of type "column" would both count."""
    return [[replacement if c is ColumnFacet else c for c in group] for group in classes]


# --------------------------------------------------------------------------- serving
def serve_instance(arguments: list[str]) -> Any:
    """The Datasette that `datasette serve <arguments>` runs, built by Datasette's own option parsing
    (its private `return_instance`), so that settings, plugins, templates, metadata and inspect
    file cannot differ."""
    context = serve.make_context("serve", list(arguments))
    return context.invoke(serve.callback, **{**context.params, "return_instance": True})
