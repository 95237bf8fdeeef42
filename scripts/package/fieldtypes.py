"""Every Table Schema type the project reads, in one place: the column type it gets in SQLite (the
built database) and in DuckDB (the staging load), its Arrow type (the released Parquet), the SQL
that tells a valid cell from the staged text, and the Python reading of a cell.

The validator (scripts.validation.staging, .schemasql), the build (scripts.publishing.build) and
the Parquet export (scripts.releases.parquet) read their types from here, so that a type reads the
same on every path; `checked` says which types the set-based validator checks (others are reported
as unchecked, never passed in silence)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, NamedTuple

import pyarrow as pa

from scripts.sql import literals

MAX_INTEGER_DIGITS = 18  # what a 64-bit integer always holds; longer is a type error
SIMPLE_NUMBER = r"[+-]?[0-9]+(\.[0-9]+)?"  # most numbers; the rest is asked of Python's float()
TRUE_VALUES, FALSE_VALUES = ("true", "True", "TRUE", "1"), ("false", "False", "FALSE", "0")  # Table Schema defaults


def is_number(value: str | None) -> bool:
    """A Table Schema number as Python's float() reads it (as frictionless does: `inf` and `8_000`
    too, which the project's own check then refuses), with no surrounding space (the cells that
    SQL does not already recognise as plain decimals)."""
    if value is None or value != value.strip():
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


def is_integer(value: str | None) -> bool:
    """A Table Schema integer as Python's int() reads it (as frictionless does: `8_000` and other
    scripts' digits too, which the project's own check then refuses), with no surrounding space and
    at most 18 digits (the cells that SQL does not already recognise as plain)."""
    if value is None or value != value.strip() or sum(c.isdigit() for c in value) > MAX_INTEGER_DIGITS:
        return False
    try:
        int(value)
    except ValueError:
        return False
    return True


# The Python judges that the validity SQL calls by name: the staging load registers each in DuckDB.
SQL_FUNCTIONS: dict[str, Callable[[str | None], bool]] = {"is_number": is_number, "is_integer": is_integer}


def valid_integer(column: str) -> str:
    """SQL true when the column is an optional sign followed by at most 18 digits."""
    return f"regexp_full_match({column}, '[+-]?[0-9]{{1,{MAX_INTEGER_DIGITS}}}')"


def valid_integer_type(column: str) -> str:
    """SQL true when Python's int() reads the column as frictionless does (at most 18 digits, no
    surrounding space); Python is asked only about cells that are not plain."""
    return f"(CASE WHEN {valid_integer(column)} THEN true ELSE is_integer({column}) END)"


def valid_number(column: str) -> str:
    """SQL true when Python's float() reads the column (without surrounding space); Python is asked
    only about cells that are not plain decimals."""
    return f"(CASE WHEN regexp_full_match({column}, '{SIMPLE_NUMBER}') THEN true ELSE is_number({column}) END)"


def valid_boolean(column: str) -> str:
    """SQL true when the column is one of Table Schema's default true or false values."""
    return f"{column} IN ({literals([*TRUE_VALUES, *FALSE_VALUES])})"


def _present(read: Callable[[str], Any]) -> Callable[[dict[str, Any], str], Any]:
    """A parser of a cell's text: an empty cell is None, any other is read by `read`."""
    return lambda field, text: None if text == "" else read(text)


def _boolean(field: dict[str, Any], text: str) -> bool | None:
    return None if text == "" else text in field.get("trueValues", list(TRUE_VALUES))


def _list(field: dict[str, Any], text: str) -> list[str]:
    return text.split(field.get("delimiter", ",")) if text else []


class FieldType(NamedTuple):
    sqlite: str  # the column's type in the built database
    duckdb: str  # the same in DuckDB's names
    arrow: pa.DataType  # the Parquet column's (an enum string is dictionary-encoded: releases.parquet)
    valid: Callable[[str], str] | None  # SQL true when a non-empty cell is of the type; None: any text is
    parse: Callable[[dict[str, Any], str], Any]  # a cell's text as a Python value (None when empty; a list: [])
    checked: bool = True  # whether the set-based validator checks the type

    @property
    def typed(self) -> bool:
        """Whether the database holds the type as other than text (the build casts it)."""
        return self.sqlite != "TEXT"


TEXT = FieldType("TEXT", "VARCHAR", pa.string(), None, _present(str), checked=False)  # any type not listed
FIELD_TYPES: dict[str, FieldType] = {
    "string": TEXT._replace(checked=True),
    "integer": FieldType("INTEGER", "BIGINT", pa.int64(), valid_integer_type, _present(int)),
    "number": FieldType("REAL", "DOUBLE", pa.float64(), valid_number, _present(float)),
    "boolean": FieldType("INTEGER", "INTEGER", pa.bool_(), valid_boolean, _boolean),  # the build stores 1 or 0
    "list": FieldType("TEXT", "VARCHAR", pa.list_(pa.string()), None, _list),
    "any": TEXT._replace(checked=True),
    # Not in the package's own schemas: the Parquet export's first and last days of an EDTF date.
    "date": FieldType("TEXT", "VARCHAR", pa.date32(), None, _present(datetime.date.fromisoformat), checked=False),
}
CHECKED_TYPES = {name for name, kind in FIELD_TYPES.items() if kind.checked}
NUMERIC_TYPES = ("integer", "number")


def field_type(field: dict[str, Any]) -> FieldType:
    """The type of a field (of a schema as scripts.package.read gives it: `any` when not said)."""
    return FIELD_TYPES.get(field.get("type", "any"), TEXT)
