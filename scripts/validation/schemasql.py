"""Table Schema rules compiled into set-based SQL checks over the staging load.

Each rule of each field (type, required, enum, pattern, minimum, minLength, unique) and each key
(primary, foreign) becomes one query that returns the CSV rows breaking it; messages begin with
frictionless's error types, which stay the reference (a differential test compares the two)."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.package.fieldtypes import CHECKED_TYPES, NUMERIC_TYPES, field_type, valid_integer, valid_number
from scripts.package.read import NUMBER_LIMIT, PLAIN_INTEGER, PLAIN_NUMBER, DataPackage, Problem, Table, clip
from scripts.progress import progress
from scripts.sql import identifier, literal, literals
from scripts.validation.staging import ROW, Stage

RULES_PER_QUERY = 8  # DuckDB plans a query in time that grows faster than its number of rules


def _matches(column: str, pattern: str) -> str:
    """SQL that is true when the column matches the regex: DuckDB's RE2, linear in the cell whatever
    the pattern, so no schema can stall a check."""
    return f"regexp_matches({column}, {literal(pattern)})"


def plain_number(column: str, kind: str) -> str:
    """SQL true when a cell of an integer or number field is plain (scripts.package.read.as_int and
    as_float read it): ASCII digits, finite, within ±10^15. The project's own rule, stricter than
    Table Schema's: every reader reads such a cell alike."""
    pattern = PLAIN_INTEGER if kind == "integer" else PLAIN_NUMBER
    within = f"abs(TRY_CAST({column} AS DOUBLE)) <= {NUMBER_LIMIT}"
    return f"coalesce(regexp_full_match({column}, {literal(pattern)}) AND {within}, false)"


BOUNDS = {"minimum": "<", "maximum": ">", "exclusiveMinimum": "<=", "exclusiveMaximum": ">="}  # fails when true
# What the set-based engine checks; anything else in a schema is reported, never skipped in silence.
CHECKED_FORMATS = {None, "default", "uri"}  # uri: the hygiene check requires http(s)
CHECKED_CONSTRAINTS = {"required", "unique", "enum", "pattern", "minLength", "maxLength", *BOUNDS}
FIELD_KEYS_DESCRIBING = {"name", "type", "format", "title", "description", "example", "rdfType", "constraints"}
FIELD_KEYS_WITH_DEFAULTS = {"missingValues": [""], "delimiter": ",", "itemType": "string"}


def _sql_number(value: float) -> str:
    return f"CAST({literal(repr(value))} AS DOUBLE)"  # inf and nan too


def sql_list(values: list) -> str:
    return literals(str(v) for v in values)


def field_conditions(field: dict) -> Iterator[tuple[str, str]]:
    """(SQL condition true on a failing row, message) for every per-cell rule of one field."""
    name, kind = field["name"], field["type"]
    column = identifier(name)
    constraints = field.get("constraints", {})
    present = f"{column} != ''"
    judge = field_type(field).valid
    valid = judge(column) if judge else None  # string, list and any: every text is valid
    if valid:
        yield f"{present} AND NOT {valid}", f"type-error: not a valid {kind}"
    typed_ok = f"{present} AND {valid}" if valid else present
    if constraints.get("required"):
        yield f"{column} = ''", 'constraint-error: constraint "required" is "True"'
    if "enum" in constraints:
        yield (
            f"{typed_ok} AND {column} NOT IN ({sql_list(constraints['enum'])})",
            f'constraint-error: constraint "enum" is "{clip(str(constraints["enum"]))}"',
        )
    if "pattern" in constraints:
        yield (
            f"{present} AND NOT {_matches(column, constraints['pattern'])}",
            f'constraint-error: constraint "pattern" is "{clip(constraints["pattern"])}"',
        )
    for bound, fails in BOUNDS.items():
        if bound in constraints and kind in ("integer", "number"):
            yield (
                f"{typed_ok} AND TRY_CAST({column} AS DOUBLE) {fails} {_sql_number(float(constraints[bound]))}",
                f'constraint-error: constraint "{bound}" is "{constraints[bound]}"',
            )
    for bound, fails in (("minLength", "<"), ("maxLength", ">")):
        if bound in constraints:
            yield (
                f"{present} AND length({column}) {fails} {int(constraints[bound])}",
                f'constraint-error: constraint "{bound}" is "{constraints[bound]}"',
            )


def frictionless_code(error_type: str) -> str:
    """The problem code of a Table Schema error, from the frictionless error type that its message
    begins with (either engine): frictionless's own name, with `-error` where it has none."""
    return KEY_ERRORS.get(error_type, error_type)


KEY_ERRORS = {"primary-key": "primary-key-error", "foreign-key": "foreign-key-error"}


def unchecked_rules(table: Table) -> Iterator[Problem]:
    """Every rule of the schema that the set-based engine does not check: reported, so that nothing
    passes in silence (`--reference` runs frictionless, which checks them all)."""
    advice = "is not checked by the set-based validator; run `make validate REFERENCE=1` (frictionless)"
    for index, field in enumerate(table.fields):
        where = f"fields.{index}"
        if field.get("type", "any") not in CHECKED_TYPES:
            yield Problem(
                table.schema_path,
                None,
                f"{where}.type",
                f"type {clip(field['type'])!r} {advice}",
                code="unchecked-rule",
            )
        if field.get("format") not in CHECKED_FORMATS or (field.get("format") == "uri" and field["type"] != "string"):
            yield Problem(
                table.schema_path,
                None,
                f"{where}.format",
                f"format {clip(str(field['format']))!r} {advice}",
                code="unchecked-rule",
            )
        for key in sorted(set(field.get("constraints", {})) - CHECKED_CONSTRAINTS):
            yield Problem(
                table.schema_path,
                None,
                f"{where}.constraints.{key}",
                f"constraint {key!r} {advice}",
                code="unchecked-rule",
            )
        for key in sorted(set(field) - FIELD_KEYS_DESCRIBING):
            if field[key] != FIELD_KEYS_WITH_DEFAULTS.get(key, object()):
                yield Problem(table.schema_path, None, f"{where}.{key}", f"{key!r} {advice}", code="unchecked-rule")
    if table.schema.get("missingValues", [""]) != [""]:
        yield Problem(
            table.schema_path, None, "missingValues", f"missingValues other than [''] {advice}", code="unchecked-rule"
        )
    if table.schema.get("fieldsMatch", "exact") != "exact":
        yield Problem(
            table.schema_path, None, "fieldsMatch", f"fieldsMatch other than 'exact' {advice}", code="unchecked-rule"
        )


def key_value(field: dict | None, column: str, tagged: bool = False) -> str:
    """A key cell as its Table Schema type compares it: 1025 and 01025 are one integer, 7 and 7.0
    one number. Tagged (for a key compared with one of another type class), a number never equals
    a text that reads the same, as typed values do not."""
    kind = (field or {}).get("type")
    if kind == "integer":
        integer = f"CAST(TRY_CAST({column} AS BIGINT) AS VARCHAR)"
        value = f"CASE WHEN {valid_integer(column)} THEN 'n' || {integer} ELSE 's' || {column} END"
    elif kind == "number":
        number = f"TRY_CAST({column} AS DOUBLE)"
        whole = f"{number} = round({number}) AND abs({number}) < 9e18"
        canonical = (
            f"CASE WHEN {whole} THEN CAST(TRY_CAST({number} AS BIGINT) AS VARCHAR) ELSE CAST({number} AS VARCHAR) END"
        )
        value = f"CASE WHEN {valid_number(column)} THEN 'n' || ({canonical}) ELSE 's' || {column} END"
    else:
        return f"'s' || {column}" if tagged else column
    return value if tagged else f"substr({value}, 2)"


def _repeated(table: Table, names: list[str]) -> str:
    """Rows whose key repeats an earlier row's (the first occurrence is not an error)."""
    key = ", ".join(key_value(table.field(n), identifier(n)) for n in names)
    present = " AND ".join(f"{identifier(n)} != ''" for n in names)
    return (
        f"SELECT {ROW} FROM (SELECT {ROW}, row_number() OVER (PARTITION BY {key} ORDER BY {ROW}) AS n "
        f"FROM {identifier(table.name)} WHERE {present}) WHERE n > 1"
    )


Rule = tuple[str, str, str]  # (column reported, SQL condition true on a failing row, message)


def scan(db: Stage, table: Table, rules: list[Rule]) -> Iterator[Problem]:
    """Every row breaking any of the rules, in one pass over the staged table."""
    for first in range(0, len(rules), RULES_PER_QUERY):
        batch = rules[first : first + RULES_PER_QUERY]
        # The flags are computed only for rows that fail the WHERE: nearly none on good data.
        conditions = [f"({condition})" for _, condition, _ in batch]
        sql = f"SELECT {ROW}, {', '.join(conditions)} FROM {identifier(table.name)} WHERE {' OR '.join(conditions)}"
        for row, *flagged in db.execute(sql):
            for (column, _, message), failed in zip(batch, flagged, strict=True):
                if failed:
                    yield Problem(table.path, row, column, message, code=frictionless_code(message.partition(":")[0]))


def key_checks(table: Table, package: DataPackage) -> Iterator[tuple[str, str, str]]:
    """(SQL, column, message) for unique fields, the primary key and every foreign key of a table."""
    for field in table.fields:
        if field.get("constraints", {}).get("unique"):
            yield _repeated(table, [field["name"]]), field["name"], "unique-error: the value is not unique"
    if table.primary_key:
        yield _repeated(table, table.primary_key), ",".join(table.primary_key), "primary-key: the key is not unique"
    for key in table.schema.get("uniqueKeys", []):
        names = [key] if isinstance(key, str) else list(key)
        yield _repeated(table, names), ",".join(names), "unique-error: the key is not unique"
    for fields, resource, ref_fields in table.foreign_keys():
        if resource not in package.tables:
            continue
        present = " AND ".join(f"t.{identifier(f)} != ''" for f in fields)
        target = package.tables[resource]
        joined = " AND ".join(
            _key_equal(table.field(f), f"t.{identifier(f)}", target.field(rf), f"r.{identifier(rf)}")
            for f, rf in zip(fields, ref_fields, strict=True)
        )
        sql = (
            f"SELECT t.{ROW} FROM {identifier(table.name)} t WHERE {present} "
            f"AND NOT EXISTS (SELECT 1 FROM {identifier(resource)} r WHERE {joined})"
        )
        message = f'foreign-key: not found in "{resource}" as {", ".join(ref_fields)}'
        yield sql, ",".join(fields), message


def _key_equal(field: dict | None, column: str, other_field: dict | None, other: str) -> str:
    """SQL comparing two key cells as typed values (DuckDB joins on it by hash)."""
    numeric = [(f or {}).get("type") in NUMERIC_TYPES for f in (field, other_field)]
    tagged = numeric[0] != numeric[1]
    return f"{key_value(field, column, tagged)} = {key_value(other_field, other, tagged)}"


def schema_problems(db: Stage, package: DataPackage) -> Iterator[Problem]:
    """Every Table Schema violation in the staged package."""
    for table in package.tables.values():
        if not table.file.is_file():
            continue
        progress(f"Table Schema rules: {table.path}")
        yield from unchecked_rules(table)
        rules = [
            (field["name"], condition, message)
            for field in table.fields
            for condition, message in field_conditions(field)
        ]
        yield from scan(db, table, rules)
        for sql, column, message in key_checks(table, package):
            for (row,) in db.execute(sql):
                yield Problem(table.path, row, column, message, code=frictionless_code(message.partition(":")[0]))
