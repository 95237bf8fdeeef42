"""Datasette plugin: the schema of an immutable database is read once, not on every page.

Datasette asks SQLite about the schema (columns, keys, foreign keys, full-text index, table
definitions) about 30 times per table page, each a round trip through its thread pool, and
compares every database's schema version with its own record on every request: together about
5 ms per page at any size (docs/benchmark.md). An immutable database cannot change, so each
answer is kept per process: what a later call gets is a copy of the first answer.

Likewise the `allow` rules of a table: Datasette finds them in a deep copy of the whole metadata,
twice a page; with no plugin supplying metadata, it is fixed once the site starts."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any

from datasette import hookimpl
from datasette.plugins import pm

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
    known: set[str] = set()
    table_names, view_names = db.table_names, db.view_names

    async def names() -> set[str]:
        if not known:
            known.update(await table_names(), await view_names())
        return known

    for name in SCHEMA_METHODS:
        setattr(db, name, remembered(getattr(db, name), names))


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
    """The `allow` rules of each table and view that exists (`known`: database, name), found once."""
    if pm.hook.get_metadata.get_hookimpls():
        return  # metadata that a plugin computes may change
    find, answers = datasette._table_permission_allows, {}

    def table_permission_allows(database: str, table: str) -> Any:
        if (database, table) not in known:
            return find(database, table)
        if (database, table) not in answers:
            answers[(database, table)] = find(database, table)
        return copy.deepcopy(answers[(database, table)])

    datasette._table_permission_allows = table_permission_allows


@hookimpl
def startup(datasette: Any) -> Any:
    async def inner() -> None:
        known = set()
        for name, db in datasette.databases.items():
            if not db.is_mutable:
                known.update((name, table) for table in [*await db.table_names(), *await db.view_names()])
                remember_schema(db)
        refresh_once(datasette)
        remember_table_rules(datasette, known)

    return inner
