"""Datasette plugin: on row pages, show a foreign key as a link to the row it references, with its
label, as table pages already do. So a reader can follow a quote to its speaker. Keys come from the
package, which is untrusted: identifiers are quoted, keys tilde-encoded in URLs, labels escaped.

Datasette calls render_cell for every cell of every page: the foreign keys of every table are read
once at startup (the database is immutable), so that a cell that is no foreign key costs a dict
look-up, not a query (docs/benchmark.md)."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import markupsafe
from datasette import hookimpl
from datasette.utils import tilde_encode

if (PLUGINS := str(Path(__file__).resolve().parent)) not in sys.path:
    sys.path.append(PLUGINS)  # Datasette runs each plugin file alone: the shared package is beside it

from nk_datasette.site import article_label, quoted

# (database, table) -> {column: (other table, other column, label column of the other table)}
ForeignKeys = dict[tuple[str, str], dict[str, tuple[str, str, str | None]]]
FOUND: WeakKeyDictionary[Any, ForeignKeys] = WeakKeyDictionary()  # one map per site, however many
SOURCES = "sources"  # the table of the package's sources, whose rows are articles


async def read_foreign_keys(datasette: Any) -> ForeignKeys:
    found: ForeignKeys = {}
    for name, db in datasette.databases.items():
        for table in await db.table_names():
            columns = {}
            for fk in await db.foreign_keys_for_table(table):
                label = await db.label_column_for_table(fk["other_table"])
                columns[fk["column"]] = (fk["other_table"], fk["other_column"], label)
            found[(name, table)] = columns
    return found


@hookimpl
def startup(datasette: Any) -> Any:
    async def inner() -> None:
        FOUND[datasette] = await read_foreign_keys(datasette)

    return inner


def target_of(datasette: Any, database: str, table: str, column: str) -> tuple[str, str, str | None] | None:
    return FOUND.get(datasette, {}).get((database, table), {}).get(column)


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str, database: str, datasette: Any) -> Any:
    if not table:
        return None
    target = target_of(datasette, database, table, column)
    if target is None:
        return None  # not a foreign key: the common case, answered without a query
    if isinstance(value, dict) and value.get("value") and not value.get("label"):
        return _unlabelled(str(value["value"]), target, datasette, database)
    if isinstance(value, dict) and value.get("value") and _shown_elsewhere(value["label"], row, column):
        return _key_only(str(value["value"]), target, datasette, database)
    if not isinstance(value, str) or not value:
        return None  # table pages pass expanded foreign keys as dicts, which Datasette renders itself
    return _labelled(value, target, datasette, database)


def _labelled(value: str, target: tuple[str, str, str | None], datasette: Any, database: str) -> Any:
    other, other_column, label_column = target

    async def link() -> markupsafe.Markup:
        label = value
        if label_column:
            sql = f"SELECT {quoted(label_column)} FROM {quoted(other)} WHERE {quoted(other_column)} = ?"
            found = (await datasette.get_database(database).execute(sql, [value])).first()
            label = found[0] if found and found[0] else value
        href = datasette.urls.row(database, other, tilde_encode(value))  # a key may hold / . ~ or spaces
        return markupsafe.Markup('<a href="{}">{}</a>&nbsp;<em>{}</em>').format(href, label, value)

    return link


def _shown_elsewhere(label: Any, row: Any, column: str) -> bool:
    """Whether another cell of the row already shows the label (a view's claim beside its claim_id):
    the link then shows the key alone, not the same sentence twice."""
    try:
        cells = [(name, row[name]) for name in row.keys()]  # noqa: SIM118 (a sqlite3.Row iterates its values)
    except (AttributeError, KeyError, TypeError):
        return False
    return any(name != column and cell == label for name, cell in cells)


def _key_only(key: str, target: tuple[str, str, str | None], datasette: Any, database: str) -> markupsafe.Markup:
    other, _, _ = target
    href = datasette.urls.row(database, other, tilde_encode(key))
    return markupsafe.Markup('<a href="{}">{}</a>').format(href, key)


def _unlabelled(key: str, target: tuple[str, str, str | None], datasette: Any, database: str) -> Any:
    """An expanded foreign key whose label is empty (an article without a headline): a descriptive
    label instead of Datasette's "None"."""
    other, other_column, _ = target

    async def link() -> markupsafe.Markup:
        label = key
        if other == SOURCES:
            sql = f"SELECT kind FROM {quoted(SOURCES)} WHERE {quoted(other_column)} = ?"
            try:
                found = (await datasette.get_database(database).execute(sql, [key])).first()
            except sqlite3.Error:  # a database without the package's `kind`: labelled as a source
                found = None
            label = article_label(key, None, found[0] if found else None)
        href = datasette.urls.row(database, other, tilde_encode(key))
        return markupsafe.Markup('<a href="{}">{}</a>&nbsp;<em>{}</em>').format(href, label, key)

    return link
