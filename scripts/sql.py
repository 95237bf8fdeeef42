"""The one place that writes a name or a text into SQL (SQLite's and DuckDB's, which quote alike).

Every identifier that comes from a package (a table, a column, an index named after them) goes
through `identifier`; values go as parameters wherever the statement takes them, and through
`literal` only where it cannot (DDL, DuckDB's read_csv options, a list compiled into a check).
A test (tests/test_sql_quoting.py) refuses quotes written by hand around a name in SQL."""

from __future__ import annotations

from collections.abc import Iterable


def identifier(name: str) -> str:
    """A name as a quoted SQL identifier: any character, a double quote doubled."""
    return '"' + name.replace('"', '""') + '"'


def identifiers(names: Iterable[str]) -> str:
    """Names as a comma-separated list of quoted identifiers."""
    return ", ".join(identifier(name) for name in names)


def literal(value: str) -> str:
    """A text as an SQL string literal: any character, a single quote doubled."""
    return "'" + value.replace("'", "''") + "'"


def literals(values: Iterable[str]) -> str:
    """Texts as a comma-separated list of string literals (the inside of `IN (...)`)."""
    return ", ".join(literal(value) for value in values)
