"""Datasette plugin: on row pages, show a foreign key as a link to the row it references, with its
label, as table pages already do. So a reader can follow a quote to its speaker. Keys come from the
package, which is untrusted: identifiers are quoted, keys tilde-encoded in URLs, labels escaped."""

from __future__ import annotations

from typing import Any

import markupsafe
from datasette import hookimpl
from datasette.utils import tilde_encode


def quoted(name: str) -> str:
    """An SQL identifier, whatever characters it holds (Datasette's escape_sqlite leaves ] alone)."""
    return '"' + name.replace('"', '""') + '"'


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str, database: str, datasette: Any) -> Any:
    if table and isinstance(value, dict) and value.get("value") and not value.get("label"):
        return _unlabelled(value["value"], column, table, database, datasette)
    if not table or not isinstance(value, str) or not value:
        return None  # table pages pass expanded foreign keys as dicts, which Datasette renders itself

    async def link() -> markupsafe.Markup | None:
        db = datasette.get_database(database)
        target = next((fk for fk in await db.foreign_keys_for_table(table) if fk["column"] == column), None)
        if target is None:
            return None
        other, other_column = target["other_table"], target["other_column"]
        label_column = await db.label_column_for_table(other)
        label = value
        if label_column:
            sql = f"SELECT {quoted(label_column)} FROM {quoted(other)} WHERE {quoted(other_column)} = ?"
            found = (await db.execute(sql, [value])).first()
            label = found[0] if found and found[0] else value
        href = datasette.urls.row(database, other, tilde_encode(value))  # a key may hold / . ~ or spaces
        return markupsafe.Markup('<a href="{}">{}</a>&nbsp;<em>{}</em>').format(href, label, value)

    return link


def _unlabelled(key: str, column: str, table: str, database: str, datasette: Any) -> Any:
    """An expanded foreign key whose label is empty (an article without a headline): a descriptive
    label instead of Datasette's "None"."""

    async def link() -> markupsafe.Markup | None:
        db = datasette.get_database(database)
        target = next((fk for fk in await db.foreign_keys_for_table(table) if fk["column"] == column), None)
        if target is None:
            return None
        label = f"Untitled news article ({key})" if target["other_table"] == "sources" else key
        href = datasette.urls.row(database, target["other_table"], tilde_encode(str(key)))
        return markupsafe.Markup('<a href="{}">{}</a>&nbsp;<em>{}</em>').format(href, label, key)

    return link
