"""Names and texts reach SQL through scripts/sql.py alone: its functions quote any character, and no
other module (the standalone Datasette plugins aside) quotes a name or a text by hand."""

from __future__ import annotations

import ast
import re
import sqlite3
from pathlib import Path

import duckdb
import pytest

from scripts.sql import identifier, identifiers, literal, literals

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
# The plugins are deployed on their own and cannot import scripts.*; the sql module is the one home.
EXEMPT = (SCRIPTS / "publishing" / "plugins", SCRIPTS / "sql.py")
SQL_WORDS = re.compile(r"\b(SELECT|FROM|WHERE|INSERT|CREATE|JOIN|UPDATE|DELETE|DROP|ALTER|PRAGMA|CAST|VALUES)\b")
ENCLOSING = {'"': '"', "'": "'", "[": "]", "`": "`"}  # SQL's quotes for names (and ' for texts)
QUOTE_CHARACTERS = ('"', "'")


def _enclosed_interpolations(node: ast.JoinedStr) -> list[str]:
    """The quotes written around an interpolation of an f-string that reads as SQL."""
    parts = node.values
    text = "".join(p.value for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str))
    if not SQL_WORDS.search(text):
        return []
    found = []
    for before, part, after in zip(parts, parts[1:], parts[2:], strict=False):
        if not isinstance(part, ast.FormattedValue):
            continue
        opening = before.value[-1:] if isinstance(before, ast.Constant) and isinstance(before.value, str) else ""
        closing = after.value[:1] if isinstance(after, ast.Constant) and isinstance(after.value, str) else ""
        if opening in ENCLOSING and closing == ENCLOSING[opening]:
            found.append(f"{opening}{{{ast.unparse(part.value)}}}{closing} in an SQL f-string")
    return found


def _doubles_a_quote(node: ast.Call) -> bool:
    """`.replace('"', '""')` or `.replace("'", "''")`: an escape that only the sql module writes."""
    arguments = [a.value for a in node.args if isinstance(a, ast.Constant)]
    return (
        isinstance(node.func, ast.Attribute)
        and node.func.attr == "replace"
        and len(arguments) == 2
        and arguments[0] in QUOTE_CHARACTERS
        and arguments[1] == arguments[0] * 2
    )


def _concatenates_a_quote(node: ast.BinOp) -> bool:
    """`'"' + name + '"'`: a quote added by hand."""
    return isinstance(node.op, ast.Add) and any(
        isinstance(side, ast.Constant) and side.value in QUOTE_CHARACTERS for side in (node.left, node.right)
    )


def hand_quoting(source: str) -> list[tuple[int, str]]:
    """(line, what) for every name or text that the source quotes by hand for SQL."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            found += [(node.lineno, what) for what in _enclosed_interpolations(node)]
        elif isinstance(node, ast.Call) and _doubles_a_quote(node):
            found.append((node.lineno, "a quote doubled by hand"))
        elif isinstance(node, ast.BinOp) and _concatenates_a_quote(node):
            found.append((node.lineno, "a quote concatenated by hand"))
    return sorted(set(found))


def scanned_files() -> list[Path]:
    """Every module under scripts/ that may import scripts.* (the standalone plugins cannot)."""
    return sorted(
        path for path in SCRIPTS.rglob("*.py") if not any(path == exempt or exempt in path.parents for exempt in EXEMPT)
    )


def test_no_module_quotes_a_name_or_text_for_sql_by_hand() -> None:
    offences = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in scanned_files()
        for line, what in hand_quoting(path.read_text(encoding="utf-8"))
    ]
    assert not offences, "use scripts.sql.identifier / literal:\n" + "\n".join(offences)


@pytest.mark.parametrize(
    "source",
    [
        'sql = f"SELECT * FROM \\"{table}\\""',
        "sql = f'SELECT \"{column}\" FROM t'",
        'sql = f"SELECT x FROM [{table}]"',
        "sql = f\"SELECT x FROM t WHERE y = '{value}'\"",
        'sql = f"SELECT x FROM `{table}`"',
        "name = '\"' + table.replace('\"', '\"\"') + '\"'",
        'text = "\'" + value + "\'"',
        'text = value.replace("\'", "\'\'")',
    ],
)
def test_the_scan_finds_each_kind_of_hand_quoting(source: str) -> None:
    assert hand_quoting(source)


@pytest.mark.parametrize(
    "source",
    [
        'message = f\'constraint-error: constraint "enum" is "{enum}"\'',  # a message, not SQL
        'sql = f"SELECT {identifier(column)} FROM {identifier(table)} WHERE x = ?"',
        'sql = f"CREATE TABLE t (\\"source_id\\" TEXT, kind TEXT DEFAULT \'a\')"',
    ],
)
def test_the_scan_lets_quoting_through_the_sql_module_pass(source: str) -> None:
    assert not hand_quoting(source)


HOSTILE_NAMES = ['a"b', '"', '""', "a'b", "x]y", "`", "Robert'); DROP TABLE t;--", "a\nb", "naïve \u202e", " "]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_an_identifier_names_exactly_its_text_in_sqlite_and_duckdb(name: str) -> None:
    for connection in (sqlite3.connect(":memory:"), duckdb.connect(":memory:")):
        other = name + "2"
        connection.execute(f"CREATE TABLE {identifier(name)} ({identifier(name)} TEXT, {identifier(other)} TEXT)")
        connection.execute(f"INSERT INTO {identifier(name)} VALUES ({literal(name)}, {literals([other])})")
        cursor = connection.execute(f"SELECT {identifiers([other, name])} FROM {identifier(name)}")
        assert [d[0] for d in cursor.description] == [other, name]
        assert cursor.fetchall() == [(other, name)]
        connection.close()
