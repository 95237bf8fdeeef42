"""Table Schema rules compiled into set-based SQL checks over the staging load.

Each rule of each field (type, required, enum, pattern, minimum, minLength, unique) and each key
(primary, foreign) becomes one query that returns the CSV rows breaking it; messages begin with
frictionless's error types, which stay the reference (a differential test compares the two)."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from functools import lru_cache

from scripts.package.fieldtypes import CHECKED_TYPES, NUMERIC_TYPES, field_type, valid_integer, valid_number
from scripts.package.read import (
    NUMBER_LIMIT,
    PLAIN_INTEGER,
    PLAIN_NUMBER,
    VOCABULARY,
    DataPackage,
    Problem,
    Table,
    clip,
    quote,
)
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


Message = Callable[[str], str]  # the message of a failing cell, from its text
SHOWN_CELL_CHARS = 60  # how much of a failing cell a message repeats
BOUND_WORDS = {
    "minimum": "is below the minimum",
    "maximum": "is above the maximum",
    "exclusiveMinimum": "is not above the exclusive minimum",
    "exclusiveMaximum": "is not below the exclusive maximum",
}


def field_conditions(
    field: dict, schema_path: str = "its Table Schema", vocabulary: str = ""
) -> Iterator[tuple[str, Message]]:
    """(SQL condition true on a failing row, its message from the cell) for every per-cell rule of one
    field. Each message shows the cell and says what to do; `vocabulary` is the file defining the
    controlled values (an enum's) beside the schema."""
    name, kind = field["name"], field["type"]
    column = identifier(name)
    constraints = field.get("constraints", {})
    present = f"{column} != ''"
    judge = field_type(field).valid
    valid = judge(column) if judge else None  # string, list and any: every text is valid
    if valid:
        yield f"{present} AND NOT {valid}", lambda cell: f"type-error: {_shown(cell)} is not a valid {kind}"
    typed_ok = f"{present} AND {valid}" if valid else present
    if constraints.get("required"):
        yield f"{column} = ''", lambda _: "constraint-error: required, but empty: fill it in, or delete the row"
    if "enum" in constraints:
        yield (
            f"{typed_ok} AND {column} NOT IN ({sql_list(constraints['enum'])})",
            _enum_message([str(v) for v in constraints["enum"]], schema_path, vocabulary),
        )
    if "pattern" in constraints:
        pattern = clip(constraints["pattern"])
        yield (
            f"{present} AND NOT {_matches(column, constraints['pattern'])}",
            lambda cell: (
                f'constraint-error: {_shown(cell)} does not match the pattern "{pattern}" of {schema_path}: '
                "rewrite it to match"
            ),
        )
    for bound, fails in BOUNDS.items():
        if bound in constraints and kind in ("integer", "number"):
            yield (
                f"{typed_ok} AND TRY_CAST({column} AS DOUBLE) {fails} {_sql_number(float(constraints[bound]))}",
                _bound_message(bound, constraints[bound], schema_path),
            )
    for bound, fails, what in (("minLength", "<", "fewer"), ("maxLength", ">", "more")):
        if bound in constraints:
            limit = int(constraints[bound])
            yield (
                f"{present} AND length({column}) {fails} {limit}",
                lambda cell, bound=bound, limit=limit, what=what: (
                    f"constraint-error: {len(cell)} characters, {what} than the {bound} {limit} of {schema_path}: "
                    + ("shorten it" if what == "more" else "complete it")
                ),
            )


def _shown(cell: str) -> str:
    return quote(cell, SHOWN_CELL_CHARS)


def _enum_message(allowed: list[str], schema_path: str, vocabulary: str) -> Message:
    """Names the nearest allowed value, all of them, and where they are defined (a new value goes in both)."""
    listed = clip(", ".join(allowed))
    defined = f"defined in {vocabulary} and the enum of {schema_path}" if vocabulary else f"the enum of {schema_path}"

    @lru_cache(maxsize=4096)  # a wrong value is often repeated down a column: difflib runs once for it
    def message(cell: str) -> str:
        same_but_case = [v for v in allowed if v.casefold() == cell.casefold()]
        near = same_but_case or difflib.get_close_matches(cell, allowed, n=1)
        guess = f"; did you mean {quote(near[0])}?" if near else ""
        return (
            f"constraint-error: {_shown(cell)} is not one of the allowed values{guess} (allowed: {listed}; {defined})"
        )

    return message


def _bound_message(bound: str, limit: object, schema_path: str) -> Message:
    return lambda cell: (
        f"constraint-error: {_shown(cell)} {BOUND_WORDS[bound]} {limit} of {schema_path}: check the number and its unit"
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
    """(row, the row where its key first appears, the key's cells) of every row whose key repeats an
    earlier row's (the first occurrence is not an error)."""
    key = ", ".join(key_value(table.field(n), identifier(n)) for n in names)
    present = " AND ".join(f"{identifier(n)} != ''" for n in names)
    cells = ", ".join(identifier(n) for n in names)
    return (
        f"SELECT {ROW}, first_value({ROW}) OVER w, {cells} FROM {identifier(table.name)} WHERE {present} "
        f"WINDOW w AS (PARTITION BY {key} ORDER BY {ROW}) QUALIFY row_number() OVER w > 1"
    )


Rule = tuple[str, str, Message]  # (column reported, SQL condition true on a failing row, its message)


def scan(db: Stage, table: Table, rules: list[Rule]) -> Iterator[Problem]:
    """Every row breaking any of the rules, in one pass over the staged table."""
    for first in range(0, len(rules), RULES_PER_QUERY):
        batch = rules[first : first + RULES_PER_QUERY]
        # The flags and cells are computed only for rows that fail the WHERE: nearly none on good data.
        conditions = [f"({condition})" for _, condition, _ in batch]
        cells = [identifier(column) for column, _, _ in batch]
        sql = (
            f"SELECT {ROW}, {', '.join(cells)}, {', '.join(conditions)} FROM {identifier(table.name)} "
            f"WHERE {' OR '.join(conditions)}"
        )
        for row, *found in db.execute(sql):
            for (column, _, message), cell, failed in zip(batch, found, found[len(batch) :], strict=False):
                if failed:
                    yield _problem(table, row, column, message(cell))


def _problem(table: Table, row: int, column: str, message: str) -> Problem:
    return Problem(table.path, row, column, message, code=frictionless_code(message.partition(":")[0]))


DELETE_IT = "or delete the duplicate"
KeyMessage = Callable[[int, list[str]], str]  # the message of a row, from the row its key repeats and its cells


def key_checks(table: Table, package: DataPackage) -> Iterator[tuple[str, str, KeyMessage]]:
    """(SQL, column, message) for unique fields, the primary key and every foreign key of a table. The
    SQL returns (row, the row it repeats or 0 for a foreign key, *the key's cells). A unique
    rule on the very fields of the primary key is left to the primary key: a repeated id is one problem."""
    primary = sorted(table.primary_key)
    for field in table.fields:
        if field.get("constraints", {}).get("unique") and [field["name"]] != primary:
            yield _repeated(table, [field["name"]]), field["name"], _repeat_message("unique-error", [field["name"]])
    if table.primary_key:
        yield (
            _repeated(table, table.primary_key),
            ",".join(table.primary_key),
            _repeat_message("primary-key", table.primary_key),
        )
    for key in table.schema.get("uniqueKeys", []):
        names = [key] if isinstance(key, str) else list(key)
        if sorted(names) != primary:
            yield _repeated(table, names), ",".join(names), _repeat_message("unique-error", names)
    for fields, resource, ref_fields in table.foreign_keys():
        if resource not in package.tables:
            continue
        present = " AND ".join(f"t.{identifier(f)} != ''" for f in fields)
        target = package.tables[resource]
        joined = " AND ".join(
            _key_equal(table.field(f), f"t.{identifier(f)}", target.field(rf), f"r.{identifier(rf)}")
            for f, rf in zip(fields, ref_fields, strict=True)
        )
        cells = ", ".join(f"t.{identifier(f)}" for f in fields)
        sql = (
            f"SELECT t.{ROW}, 0, {cells} FROM {identifier(table.name)} t WHERE {present} "
            f"AND NOT EXISTS (SELECT 1 FROM {identifier(resource)} r WHERE {joined})"
        )
        yield sql, ",".join(fields), _missing_reference_message(fields, target, ref_fields)


def _missing_reference_message(fields: list[str], target: Table, ref_fields: list[str]) -> KeyMessage:
    """Names the value, where it was looked for, and what to do."""
    what = ref_fields[0] if len(ref_fields) == 1 else "(" + ", ".join(ref_fields) + ")"
    article = "an" if what[0] in "aeiou" else "a"

    def message(_: int, cells: list[str]) -> str:
        return (
            f"foreign-key: {_value(cells)} is not {article} {what} in {target.path}: add that row there first, "
            f"or correct {', '.join(fields)}"
        )

    return message


def _value(cells: list[str]) -> str:
    return _shown(cells[0]) if len(cells) == 1 else "(" + ", ".join(_shown(c) for c in cells) + ")"


def _repeat_message(error: str, names: list[str]) -> KeyMessage:
    """Names the repeated value and the row where it first appears, and what to do."""
    columns = ", ".join(names)

    def message(first: int, cells: list[str]) -> str:
        value = _value(cells)
        if error == "primary-key":
            return f"{error}: {columns} {value} is already the key of row {first}: give this row a new id, {DELETE_IT}"
        unique = "is unique" if len(names) == 1 else "are a unique key"
        return f"{error}: {columns} {value} is already in row {first}, and {columns} {unique}: change one, {DELETE_IT}"

    return message


def _key_equal(field: dict | None, column: str, other_field: dict | None, other: str) -> str:
    """SQL comparing two key cells as typed values (DuckDB joins on it by hash)."""
    numeric = [(f or {}).get("type") in NUMERIC_TYPES for f in (field, other_field)]
    tagged = numeric[0] != numeric[1]
    return f"{key_value(field, column, tagged)} = {key_value(other_field, other, tagged)}"


def schema_problems(db: Stage, package: DataPackage) -> Iterator[Problem]:
    """Every Table Schema violation in the staged package."""
    vocabulary = package.tables[VOCABULARY].path if VOCABULARY in package.tables else ""
    for table in package.tables.values():
        if not table.file.is_file():
            continue
        progress(f"Table Schema rules: {table.path}")
        yield from unchecked_rules(table)
        absent = db.absent.get(table.name, set())  # said once, by the header's problem: not again at every row
        rules = [
            (field["name"], condition, message)
            for field in table.fields
            if field["name"] not in absent
            for condition, message in field_conditions(field, table.schema_path, vocabulary)
        ]
        yield from scan(db, table, rules)
        for sql, column, message in key_checks(table, package):
            for row, first, *cells in db.execute(sql):
                yield _problem(table, row, column, message(first, cells))
