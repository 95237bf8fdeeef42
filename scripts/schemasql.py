"""Table Schema rules compiled into set-based SQL checks over the staging load.

Each rule of each field (type, required, enum, pattern, minimum, minLength, unique) and each key
(primary, foreign) becomes one query that returns the CSV rows breaking it; messages begin with
frictionless's error types, which stay the reference (a differential test compares the two)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator

from scripts.package import DataPackage, Problem, Table
from scripts.progress import progress
from scripts.staging import ROW, quoted

SIMPLE_CLASS_PATTERN = re.compile(r"^\^\[([^\]\\]+)\]\[([^\]\\]+)\]\*\$$")  # ^[first][rest]*$


def _matches(column: str, pattern: str) -> str:
    """SQL that is true when the column matches the regex; a GLOB where the pattern allows it."""
    simple = SIMPLE_CLASS_PATTERN.match(pattern)
    if simple:
        first, rest = simple.groups()
        return f"({column} GLOB '[{first}]*' AND substr({column}, 2) NOT GLOB '*[^{rest}]*')"
    escaped = pattern.replace("'", "''")
    return f"regexp('{escaped}', {column})"


def valid_integer(column: str) -> str:
    """SQL true when the column is an optional sign followed by digits only."""
    digits = f"ltrim({column}, '+-')"
    return f"({digits} != '' AND {digits} NOT GLOB '*[^0-9]*' AND length({column}) - length({digits}) <= 1)"


def _valid_type(column: str, kind: str) -> str | None:
    if kind == "integer":
        return valid_integer(column)
    if kind == "number":
        return f"is_number({column})"
    return None  # string, list and any: every text is valid


def field_conditions(field: dict) -> Iterator[tuple[str, str]]:
    """(SQL condition true on a failing row, message) for every per-cell rule of one field."""
    name, kind = field["name"], field["type"]
    column = quoted(name)
    constraints = field.get("constraints", {})
    present = f"{column} != ''"
    valid = _valid_type(column, kind)
    if valid:
        yield f"{present} AND NOT {valid}", f"type-error: not a valid {kind}"
    typed_ok = f"{present} AND {valid}" if valid else present
    if constraints.get("required"):
        yield f"{column} = ''", 'constraint-error: constraint "required" is "True"'
    if "enum" in constraints:
        values = ", ".join("'" + str(v).replace("'", "''") + "'" for v in constraints["enum"])
        yield (
            f"{typed_ok} AND {column} NOT IN ({values})",
            f'constraint-error: constraint "enum" is "{constraints["enum"]}"',
        )
    if "pattern" in constraints:
        yield (
            f"{present} AND NOT {_matches(column, constraints['pattern'])}",
            f'constraint-error: constraint "pattern" is "{constraints["pattern"]}"',
        )
    if "minimum" in constraints and kind in ("integer", "number"):
        yield (
            f"{typed_ok} AND CAST({column} AS REAL) < {float(constraints['minimum'])}",
            f'constraint-error: constraint "minimum" is "{constraints["minimum"]}"',
        )
    if "minLength" in constraints:
        yield (
            f"{present} AND length({column}) < {int(constraints['minLength'])}",
            f'constraint-error: constraint "minLength" is "{constraints["minLength"]}"',
        )


def _repeated(table: Table, names: list[str]) -> str:
    """Rows whose key repeats an earlier row's (the first occurrence is not an error)."""
    key = ", ".join(quoted(n) for n in names)
    present = " AND ".join(f"{quoted(n)} != ''" for n in names)
    return (
        f"SELECT {ROW} FROM (SELECT {ROW}, row_number() OVER (PARTITION BY {key} ORDER BY {ROW}) AS n "
        f"FROM {quoted(table.name)} WHERE {present}) WHERE n > 1"
    )


Rule = tuple[str, str, str]  # (column reported, SQL condition true on a failing row, message)


def scan(db: sqlite3.Connection, table: Table, rules: list[Rule]) -> Iterator[Problem]:
    """Every row breaking any of the rules, in one pass over the staged table."""
    if not rules:
        return
    # The flags are computed only for rows that fail the WHERE: nearly none on good data.
    conditions = [f"({condition})" for _, condition, _ in rules]
    sql = f"SELECT {ROW}, {', '.join(conditions)} FROM {quoted(table.name)} WHERE {' OR '.join(conditions)}"
    for row, *flagged in db.execute(sql):
        for (column, _, message), failed in zip(rules, flagged, strict=True):
            if failed:
                yield Problem(table.path, row, column, message)


def key_checks(table: Table, package: DataPackage) -> Iterator[tuple[str, str, str]]:
    """(SQL, column, message) for unique fields, the primary key and every foreign key of a table."""
    for field in table.fields:
        if field.get("constraints", {}).get("unique"):
            yield _repeated(table, [field["name"]]), field["name"], "unique-error: the value is not unique"
    if table.primary_key:
        yield _repeated(table, table.primary_key), ",".join(table.primary_key), "primary-key: the key is not unique"
    for fields, resource, ref_fields in table.foreign_keys():
        if resource not in package.tables:
            continue
        present = " AND ".join(f"t.{quoted(f)} != ''" for f in fields)
        joined = " AND ".join(f"r.{quoted(rf)} = t.{quoted(f)}" for f, rf in zip(fields, ref_fields, strict=True))
        sql = (
            f"SELECT t.{ROW} FROM {quoted(table.name)} t WHERE {present} "
            f"AND NOT EXISTS (SELECT 1 FROM {quoted(resource)} r WHERE {joined})"
        )
        message = f'foreign-key: not found in "{resource}" as {", ".join(ref_fields)}'
        yield sql, ",".join(fields), message


def index_referenced_keys(db: sqlite3.Connection, package: DataPackage) -> None:
    """Index every referenced key so that foreign-key checks are joins, not scans."""
    referenced = {(resource, tuple(ref)) for t in package.tables.values() for _, resource, ref in t.foreign_keys()}
    for resource, ref in sorted(referenced):
        if resource in package.tables:
            name = quoted(f"ref_{resource}_{'_'.join(ref)}")
            db.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {quoted(resource)} ({', '.join(quoted(c) for c in ref)})")


def schema_problems(db: sqlite3.Connection, package: DataPackage) -> Iterator[Problem]:
    """Every Table Schema violation in the staged package."""
    index_referenced_keys(db, package)
    for table in package.tables.values():
        if not table.file.is_file():
            continue
        progress(f"Table Schema rules: {table.path}")
        rules = [
            (field["name"], condition, message)
            for field in table.fields
            for condition, message in field_conditions(field)
        ]
        yield from scan(db, table, rules)
        for sql, column, message in key_checks(table, package):
            for (row,) in db.execute(sql):
                yield Problem(table.path, row, column, message)
