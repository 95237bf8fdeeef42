"""Datasette plugin: on row pages, show a foreign key as a link to the row it references, with its
label, as table pages already do. So a reader can follow a quote to its speaker. Keys come from the
package, which is untrusted: identifiers are quoted, keys tilde-encoded in URLs, labels escaped.

Datasette calls render_cell for every cell of every page: the foreign keys of every table are read
once at startup (the database is immutable), so that a cell that is no foreign key costs a dict
look-up, not a query (docs/benchmark.md)."""

from __future__ import annotations

from typing import Any

import markupsafe
from datasette import hookimpl
from datasette.utils import tilde_encode

# (database, table) -> {column: (other table, other column, label column of the other table)}
ForeignKeys = dict[tuple[str, str], dict[str, tuple[str, str, str | None]]]
CACHE_ATTRIBUTE = "_nk_foreign_keys"  # on the Datasette instance: one map per site, however many


def quoted(name: str) -> str:
    """An SQL identifier, whatever characters it holds (Datasette's escape_sqlite leaves ] alone)."""
    return '"' + name.replace('"', '""') + '"'


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
        setattr(datasette, CACHE_ATTRIBUTE, await read_foreign_keys(datasette))

    return inner


def target_of(datasette: Any, database: str, table: str, column: str) -> tuple[str, str, str | None] | None:
    return getattr(datasette, CACHE_ATTRIBUTE, {}).get((database, table), {}).get(column)


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str, database: str, datasette: Any) -> Any:
    if not table:
        return None
    target = target_of(datasette, database, table, column)
    if target is None:
        return None  # not a foreign key: the common case, answered without a query
    if isinstance(value, dict) and value.get("value") and not value.get("label"):
        return _unlabelled(str(value["value"]), target[0], datasette, database)
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


def _unlabelled(key: str, other: str, datasette: Any, database: str) -> markupsafe.Markup:
    """An expanded foreign key whose label is empty (an article without a headline): a descriptive
    label instead of Datasette's "None"."""
    label = f"Untitled news article ({key})" if other == "sources" else key
    href = datasette.urls.row(database, other, tilde_encode(key))
    return markupsafe.Markup('<a href="{}">{}</a>&nbsp;<em>{}</em>').format(href, label, key)
