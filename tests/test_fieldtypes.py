"""Each Table Schema type has one home (scripts/package/fieldtypes.py), and reads alike on every
path: the staging check, DuckDB's and SQLite's typed columns, Python's reading and Arrow's type."""

from __future__ import annotations

import ast
import sqlite3

import duckdb
import pyarrow as pa
import pytest

from scripts.package.fieldtypes import FIELD_TYPES, SQL_FUNCTIONS, field_type
from scripts.publishing.build import typed_column
from scripts.sql import identifier, literal
from tests.test_sql_quoting import ROOT, scanned_files

REGISTRY = ROOT / "scripts" / "package" / "fieldtypes.py"
TYPE_NAMES = {"string", "integer", "number", "boolean", "date", "list", "any"}
ARROW_TYPES = {"int64", "float64", "bool_", "date32", "list_"}  # the registry's; int8 codes an enum


def _names_a_type(test: ast.expr) -> bool:
    """Whether a condition compares something with a Table Schema type name (`kind == "integer"`)."""
    compared = [
        side for node in ast.walk(test) if isinstance(node, ast.Compare) for side in (node.left, *node.comparators)
    ]
    return any(isinstance(c, ast.Constant) and c.value in TYPE_NAMES for side in compared for c in ast.walk(side))


def _arrow_types(nodes: list[ast.stmt]) -> list[ast.Attribute]:
    return [
        node
        for statement in nodes
        for node in ast.walk(statement)
        if isinstance(node, ast.Attribute) and node.attr in ARROW_TYPES and ast.unparse(node.value) == "pa"
    ]


def type_maps(source: str) -> list[tuple[int, str]]:
    """(line, what) for a map from Table Schema type names to types: a dict keyed by them, or an
    `if` on a type name that picks an Arrow type."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            if len(keys & TYPE_NAMES) >= 2:
                found.append((node.lineno, f"a map of types {sorted(keys & TYPE_NAMES)}"))
        elif isinstance(node, ast.If) and _names_a_type(node.test):
            found += [(a.lineno, f"the Arrow type pa.{a.attr} chosen by type name") for a in _arrow_types(node.body)]
    return found


def test_type_maps_live_only_in_the_field_type_registry() -> None:
    offences = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in scanned_files()
        if path != REGISTRY
        for line, what in type_maps(path.read_text(encoding="utf-8"))
    ]
    assert not offences, "read types from scripts.package.fieldtypes:\n" + "\n".join(offences)


@pytest.mark.parametrize(
    "source",
    [
        'SQLITE = {"integer": "INTEGER", "number": "REAL"}',
        'if kind == "integer":\n    return pa.int64()',
        'if field.get("type") in ("list", "array"):\n    kind = pa.list_(pa.string())',
    ],
)
def test_the_scan_finds_a_type_map(source: str) -> None:
    assert type_maps(source)


# Valid cells of each type, as a CSV holds them, that every reader reads alike.
CELLS = {
    "integer": ["0", "-7", "+12", "01025", "999999999999999999"],
    "number": ["0", "7.0", "-1.5", "1e3", "0.1", "123456.789"],
    "boolean": ["true", "True", "TRUE", "1", "false", "False", "FALSE", "0"],
    "string": ["a", "ünïcode", "it's", '"quoted"'],
    "any": ["x", "1"],
    "list": ["a,b", "one"],
}


def _duckdb() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:")
    for name, judge in SQL_FUNCTIONS.items():
        connection.create_function(name, judge, ["VARCHAR"], "BOOLEAN", side_effects=False)
    return connection


@pytest.mark.parametrize(("kind", "text"), [(kind, text) for kind, texts in CELLS.items() for text in texts])
def test_a_valid_cell_reads_alike_in_duckdb_sqlite_python_and_arrow(kind: str, text: str) -> None:
    field = {"name": "cell", "type": kind, "constraints": {}}
    registered = field_type(field)
    column, value = identifier("cell"), literal(text)
    duck, lite = _duckdb(), sqlite3.connect(":memory:")
    if registered.valid:
        assert duck.execute(f"SELECT {registered.valid(column)} FROM (SELECT {value} AS {column})").fetchone() == (
            True,
        )
    parsed = registered.parse(field, text)
    typed_duckdb = duck.execute(f"SELECT {typed_column(field)} FROM (SELECT {value} AS {column})").fetchone()[0]
    typed_sqlite = lite.execute(f"SELECT {typed_column(field, 'sqlite')} FROM (SELECT {value} AS {column})").fetchone()[
        0
    ]
    assert typed_duckdb == typed_sqlite
    assert parsed == (typed_sqlite if kind != "list" else typed_sqlite.split(","))
    assert pa.array([parsed], registered.arrow).to_pylist() == [parsed]
    lite.execute(f"CREATE TABLE t ({column} {registered.sqlite})")
    lite.execute(f"INSERT INTO t SELECT {typed_column(field, 'sqlite')} FROM (SELECT {value} AS {column})")
    assert lite.execute("SELECT * FROM t").fetchone()[0] == typed_sqlite  # the column keeps the value as typed


@pytest.mark.parametrize("kind", sorted(FIELD_TYPES))
def test_an_empty_cell_is_no_value_on_every_path(kind: str) -> None:
    field = {"name": "cell", "type": kind, "constraints": {}}
    column = identifier("cell")
    expected = [] if kind == "list" else None
    assert field_type(field).parse(field, "") == expected
    assert _duckdb().execute(f"SELECT {typed_column(field)} FROM (SELECT '' AS {column})").fetchone() == (None,)


def test_a_type_the_registry_does_not_know_is_text_and_unchecked() -> None:
    field = {"name": "cell", "type": "geopoint", "constraints": {}}
    registered = field_type(field)
    assert (registered.sqlite, registered.valid, registered.checked) == ("TEXT", None, False)
    assert registered.parse(field, "1,2") == "1,2"


def test_the_scan_lets_other_arrow_columns_pass() -> None:
    assert not type_maps('spans = pa.table({"start": pa.array(starts, pa.int64())})')
