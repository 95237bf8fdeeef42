"""Datasette plugin: the schema of an immutable database is read once, not on every page.

Datasette asks SQLite about the schema (columns, keys, foreign keys, full-text index, table
definitions) about 30 times per table page, each a round trip through its thread pool, and
compares every database's schema version with its own record on every request: together about
5 ms per page at any size (docs/benchmark.md). An immutable database cannot change, so each
answer is kept per process: what a later call gets is a copy of the first answer.

Likewise the `allow` rules of a table: Datasette finds them in a deep copy of the whole metadata,
twice a page; with no plugin supplying metadata, it is fixed once the site starts. Both reach into
Datasette: the patches are in nk_datasette/compat.py."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from datasette import hookimpl

if (PLUGINS := str(Path(__file__).resolve().parent)) not in sys.path:
    sys.path.append(PLUGINS)  # Datasette runs each plugin file alone: the shared package is beside it

from nk_datasette import compat

SCHEMA_METHODS = compat.SCHEMA_METHODS


@hookimpl
def startup(datasette: Any) -> Any:
    async def inner() -> None:
        known = set()
        for name, db in datasette.databases.items():
            if not db.is_mutable:
                known.update((name, table) for table in [*await db.table_names(), *await db.view_names()])
                compat.remember_schema(db)
        compat.refresh_once(datasette)
        compat.remember_table_rules(datasette, known)

    return inner
