"""The project's own checks, beyond Table Schema: each yields Problems and never writes.

Every content check is an entry of CHECKS (at the end; scripts.validation.registry says what an
entry is): the codes of the problems it reports, what it requires, the columns it reads, and how it
finds them. The README's list of checks and the required columns are made from it.

Content checks run over the staging database (scripts.validation.staging), set-based in SQL where a check
relates rows, streaming only the columns they need where it reads text, so that memory stays
bounded. They trust nothing: a cell with a type error, or a reference that is missing, is left to
the Table Schema checks instead of being reported twice."""

from __future__ import annotations

import difflib
import math
import re
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from scripts.package import spec, textscan
from scripts.package.edtf_dates import is_edtf
from scripts.package.fieldtypes import NUMERIC_TYPES, is_integer, is_number, valid_integer
from scripts.package.read import (
    EDTF_RDF_TYPE,
    HEADLINE_MEASURE,
    MAX_TEXT_BYTES,
    NUMBER_LIMIT,
    PLAIN_INTEGER,
    PLAIN_NUMBER,
    SPAN_COLUMNS,
    VOCABULARY,
    DataPackage,
    PackageError,
    Problem,
    Table,
    as_float,
    as_int,
    clip,
    inside,
    quote,
    read_json,
    unsafe_path_reason,
)

# the build's own tables, and what it reads
from scripts.package.site import FTS_SUFFIX, SPAN_OWNERS, columns_read, reserved_names
from scripts.progress import progress
from scripts.sql import identifier, literal
from scripts.validation import background_scan
from scripts.validation.registry import Check, Reads, RowRule, Suspects, required_columns
from scripts.validation.schemasql import plain_number
from scripts.validation.staging import OWN_TABLES_PREFIX, ROW, Stage

NUMBER_CELL = r"[+-]?[0-9]+(?:\.[0-9]+)?"  # a whole cell that is a number, not a formula
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")  # C0, DEL and C1; LF separates rows
WHITESPACE = "".join(map(chr, [9, 10, 11, 12, 13, 28, 29, 30, 31, 32, 133, 160, 5760, *range(8192, 8203),
                                8232, 8233, 8239, 8287, 12288]))  # what Python's str.strip() removes  # fmt: skip
SPAN_TABLES = tuple(SPAN_OWNERS)
# The columns the checks and the site read as numbers, with the type a schema must give them: a schema
# may not make one text (`"type": "string"`), or every number check and the timeline would pass `inf`.
READ_AS: dict[str, dict[str, str]] = {
    **{table: {"char_start": "integer", "char_end": "integer"} for table in (*SPAN_TABLES, "exclusions")},
    "figures": {"char_start": "integer", "char_end": "integer",
                "value": "number", "value_low": "number", "value_high": "number"},
    "attributions": {"char_start": "integer", "char_end": "integer", "step": "integer"},
}  # fmt: skip
SYMMETRIC_RELATIONS = {"corroborates", "contradicts", "in_tension"}


# --------------------------------------------------------------------------- what the checks read
# What each check reads is declared in its Check (CHECKS, at the end): a package without one of these
# tables or columns is refused before any check runs (a check that read an undeclared column would
# crash on such a package; the hostile suite drops every field of every schema to hold them to it).
STAGING_READS: dict[str, Reads] = {"the staging of the archived texts": {"sources": ("source_id", "text_path")}}


# --------------------------------------------------------------------------- descriptors
# Columns that take the values of another column, and share its definitions in vocabulary.csv.
SHARED_VOCABULARY = {("figures", "second_qualifier"): ("figures", "qualifier")}
MARKED_QUOTE_KINDS = {"statement", "fragment", "scare"}  # between quotation marks; "reported" is not
EDTF_QUALIFIERS = ("?", "~", "%")
# The only CSV dialect the staging load reads (CSV Dialect v2 defaults); anything else is refused
# rather than silently read as something it is not.
DEFAULT_DIALECT = {
    "delimiter": [","], "lineTerminator": ["\r\n", "\n"], "quoteChar": ['"'], "doubleQuote": [True],
    "skipInitialSpace": [False], "header": [True], "headerRows": [[1]], "commentRows": [[]],
    "caseSensitiveHeader": [False], "$schema": [f"{spec.PROFILES}tabledialect.json"],
}  # fmt: skip


EMPTY_FOREIGN_KEYS = "an empty list, which the Data Package v2 profile refuses: delete the key"


def descriptor_problems(package: DataPackage, project: bool = True) -> Iterator[Problem]:
    """The descriptor and every Table Schema against the spec models; every path is safe and exists;
    keys name what exists; with `project`, the tables and columns this project's checks need are
    there too (a diff of an older version asks only that the package be safe to read)."""
    name = package.relative(package.descriptor_path)
    yield from _model_problems(spec.Package, package.descriptor, name, "descriptor-error")
    schemas: dict[str, spec.TableSchema] = {}
    schema_paths: dict[str, str] = {}
    named: set[str] = set()  # every resource the descriptor names, whether or not its schema could be read
    resources = package.descriptor.get("resources")
    for index, resource in enumerate(resources if isinstance(resources, list) else []):
        if not isinstance(resource, dict):
            continue
        if isinstance(resource.get("name"), str):
            named.add(resource["name"])
        for key in ("path", "schema"):
            yield from _file_problems_of(package, name, f"resources.{index}.{key}", resource.get(key))
        yield from _dialect_problems(package, name, index, resource.get("dialect"))
        schema_path, schema, unreadable = _schema_of(package, resource.get("schema"))
        if unreadable:
            yield Problem(schema_path, None, None, unreadable, code="schema-error")
        if schema is None:
            continue
        found = list(_model_problems(spec.TableSchema, schema, schema_path, "schema-error"))
        yield from _keys_located(found, schema, schema_path)
        if project and isinstance(schema, dict) and schema.get("foreignKeys") == []:
            # The Data Package v2 profile gives foreignKeys minItems 1. Only in project mode: a diff
            # still reads releases made before this check, whose vocabulary schema had one.
            yield Problem(schema_path, None, "foreignKeys", EMPTY_FOREIGN_KEYS, code="schema-error")
        if not found and isinstance(resource.get("name"), str):
            schemas[resource["name"]] = spec.TableSchema.model_validate(schema)
            schema_paths[resource["name"]] = schema_path
    # A resource whose schema could not be read is not missing: its problem is said once, above.
    unread = named - set(schemas)
    for resource_name, index, message in spec.foreign_key_problems(schemas, unread):
        yield Problem(schema_paths[resource_name], None, f"foreignKeys.{index}", message, code="schema-error")
    if project:
        yield from _required_problems(name, schemas, schema_paths, unread)


def _keys_located(found: list[Problem], schema: object, path: str) -> Iterator[Problem]:
    """The schema's problems, with the model's one line about keys that name missing fields replaced by
    one line per key and field: where it is named (primaryKey, foreignKeys.0.fields) and what to do."""
    for problem in found:
        if problem.column is None and problem.message.startswith(spec.KEYS_NAME_MISSING_FIELDS):
            for location, field, known in spec.missing_key_fields(schema):
                near = difflib.get_close_matches(field, known, n=1)
                guess = f" (did you mean {quote(near[0])}?)" if near else ""
                message = (f"names the field {quote(field)}, which the schema does not have: name one of its "
                           f"fields{guess}, or add {quote(field)} to its fields")  # fmt: skip
                yield Problem(path, None, location, message, code=problem.code)
        else:
            yield problem


def _file_problems_of(package: DataPackage, name: str, location: str, ref: object) -> Iterator[Problem]:
    """A path the descriptor names must be safe (the spec model says why not) and exist."""
    if not isinstance(ref, str) or unsafe_path_reason(ref):
        return  # an inline schema, or a path the spec model already refuses
    try:
        file = inside(package.root, ref)
    except PackageError as error:
        yield Problem(name, None, location, str(error), code="descriptor-error")
        return
    if not file.is_file():
        yield Problem(name, None, location, f"no such file: {quote(ref)}", code="descriptor-error")


def _schema_of(package: DataPackage, ref: object) -> tuple[str, Any, str | None]:
    """(path for reports, the Table Schema or None, why it cannot be read) of a resource. A path
    that is unsafe or names no file is reported by the descriptor checks, not here."""
    if isinstance(ref, dict):
        return package.relative(package.descriptor_path), ref, None
    if not isinstance(ref, str) or unsafe_path_reason(ref):
        return "", None, None
    try:
        file = inside(package.root, ref)
        return ref, (read_json(file, ref) if file.is_file() else None), None
    except PackageError as error:
        return ref, None, str(error).removeprefix(f"{ref}: ")


def _dialect_problems(package: DataPackage, name: str, index: int, dialect: object) -> Iterator[Problem]:
    location = f"resources.{index}.dialect"
    if dialect is None:
        return
    if isinstance(dialect, str):
        if unsafe_path_reason(dialect):
            return  # the spec model refuses it
        try:
            dialect = read_json(inside(package.root, dialect), dialect)
        except PackageError as error:
            yield Problem(name, None, location, str(error), code="dialect-error")
            return
    if not isinstance(dialect, dict):
        yield Problem(name, None, location, "a dialect is a JSON object", code="dialect-error")
        return
    for key, value in dialect.items():
        if value not in DEFAULT_DIALECT.get(key, []):
            message = f"{quote(key)}: only the default CSV dialect is read (comma, double quote, header row)"
            yield Problem(name, None, location, message, code="dialect-error")


def _required_problems(
    name: str, schemas: dict[str, spec.TableSchema], paths: dict[str, str], unread: set[str]
) -> Iterator[Problem]:
    for resource, columns in required_columns(check_reads(), STAGING_READS, columns_read()).items():
        if resource in unread:
            continue
        if resource not in schemas:
            readers = sorted({reader for readers in columns.values() for reader in readers})
            message = f"no resource {resource!r}, which the project's checks need{_read_by(readers)}"
            yield Problem(name, None, "resources", message, code="missing-required-resource")
            continue
        known = {f.name for f in schemas[resource].fields}
        for column, readers in columns.items():
            if column not in known:
                message = f"no field {column!r}, which the project's checks need{_read_by(readers, resource, column)}"
                yield Problem(paths[resource], None, "fields", message, code="missing-required-field")
    for resource, types in READ_AS.items():
        for index, field in enumerate(schemas[resource].fields if resource in schemas else []):
            wanted = types.get(field.name)
            if wanted is not None and (field.type or "any") != wanted:
                article = "an" if wanted == "integer" else "a"
                message = (f"field {field.name!r} has type {(field.type or 'any')!r}, but the project's checks read "
                           f"{resource}.{field.name} as {article} {wanted}; set its type to {wanted!r}")  # fmt: skip
                yield Problem(paths[resource], None, f"fields.{index}.type", message, code="field-type-error")
    taken = reserved_names()
    for resource in sorted(schemas):
        if resource in taken or any(resource.startswith(f"{fts}_") for fts in taken if fts.endswith(FTS_SUFFIX)):
            message = f"resource name {resource!r} is taken by the database build"
            yield Problem(name, None, "resources", message, code="reserved-resource-name")
        elif resource.startswith(OWN_TABLES_PREFIX):
            message = f"resource name {resource!r} is taken by the validator (names beginning {OWN_TABLES_PREFIX})"
            yield Problem(name, None, "resources", message, code="reserved-resource-name")


def _read_by(readers: list[str], table: str = "", column: str = "") -> str:
    what = f"{table}.{column} is " if column else ""
    shown = ", ".join(readers[:3]) + (", …" if len(readers) > 3 else "")
    return f" ({what}read by {shown}); add it back"


VALUE_ERROR = "Value error, "


def unknown_key_message(model: type[spec.Strict], location: tuple[Any, ...]) -> str:
    """An unknown key, with the key it was likely meant to be, and what to do."""
    near = difflib.get_close_matches(str(location[-1]), spec.keys_at(model, location), n=1) if location else []
    meant = f"correct it to {quote(near[0])}, or delete it" if near else "delete it, or correct its spelling"
    return f"unknown key: {meant}"


def _model_problems(model: type[spec.Strict], data: object, path: str, code: str) -> Iterator[Problem]:
    try:
        model.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            location = ".".join(str(part) for part in item["loc"]) or None
            # pydantic's "Value error, " says nothing to a curator
            if item["type"] == "extra_forbidden":
                message = unknown_key_message(model, item["loc"])
            else:
                message = clip(item["msg"].removeprefix(VALUE_ERROR))
            yield Problem(path, None, location, message, code=code)


# --------------------------------------------------------------------------- content
def content_problems(package: DataPackage, db: Stage, filtered: bool = True) -> Iterator[Problem]:
    """Every content check, over the package staged in `db`. With `filtered` false, every judge
    reads every row instead of the rows its SQL filter leaves (slower, and the same problems)."""
    stage_texts(db, package)
    for check in CHECKS:
        progress(f"checking: {check.description}")
        yield from check.problems(package, db, filtered)
    _scanned_spans.cache_clear()  # a text's spans are kept only while its exclusions are judged
    progress("")


TEXTS = "nk_texts"  # the archived texts in the staging database: (source_id, text, length)


def stage_texts(db: Stage, package: DataPackage) -> None:
    """The archived texts as a staged table, so that span checks compare words in SQL."""
    texts = package.archived_texts
    db.create_table_of(
        "nk_texts_arrow", {"source_id": ("VARCHAR", list(texts)), "text": ("VARCHAR", list(texts.values()))}
    )
    db.run(f"CREATE OR REPLACE TABLE {TEXTS} AS SELECT source_id, text, length(text) AS length FROM nk_texts_arrow")
    db.run("DROP TABLE nk_texts_arrow")


def _integers(*columns: str) -> str:
    return " AND ".join(valid_integer(column) for column in columns)


def _int(column: str) -> str:
    return f"TRY_CAST({column} AS BIGINT)"


def archive_problems(package: DataPackage, db: Stage) -> Iterator[Problem]:
    """Each archived text exists and its SHA-256 is the one recorded in sources.csv."""
    sources = package.tables["sources"]
    for row_number, row in sources.rows(["text_path", "text_sha256"]):
        path, recorded = row["text_path"], row["text_sha256"]
        if not path:
            if recorded:
                message = "a hash is recorded but no text_path"
                yield Problem(sources.path, row_number, "text_sha256", message, code="hash-without-text")
            continue
        try:
            file = inside(package.root, path, package.text_folders)
        except PackageError as error:
            yield Problem(sources.path, row_number, "text_path", str(error), code="unsafe-text-path")
            continue
        if not file.is_file():
            message = f"archived text not found: {quote(path)}"
            yield Problem(sources.path, row_number, "text_path", message, code="archived-text-missing")
            continue
        if path not in package.text_digests and package.text_bytes(path) is None:
            message = f"archived text larger than {MAX_TEXT_BYTES} bytes"
            yield Problem(sources.path, row_number, "text_path", message, code="archived-text-too-large")
            continue
        actual, undecodable = package.text_digests[path]  # recorded when the texts were read
        if actual != recorded:
            message = f"is {quote(recorded)}, but {clip(path)} hashes to {actual}"
            yield Problem(sources.path, row_number, "text_sha256", message, code="hash-mismatch")
        if undecodable is not None:
            offset, byte = undecodable
            yield Problem(path, None, None, f"not UTF-8: byte {byte:#x} at offset {offset}", code="text-not-utf8")


def span_tables(package: DataPackage) -> Iterator[Table]:
    return (t for t in package.tables.values() if {"source_id", *SPAN_COLUMNS} <= set(t.field_names))


def _span_suspects(package: DataPackage, db: Stage) -> Iterator[Suspects]:
    """Every span row of every span table, but one whose span is the text at its offsets."""
    start, end = _int("t.char_start"), _int("t.char_end")
    verbatim = (
        f"{_integers('t.char_start', 't.char_end')} AND EXISTS (SELECT 1 FROM {TEXTS} x "
        f"WHERE x.source_id = t.source_id AND 0 <= {start} AND {start} < {end} AND {end} <= x.length "
        f"AND substr(x.text, {start} + 1, {end} - {start}) = t.exact)"
    )
    for table in span_tables(package):
        yield Suspects(table, ["source_id", *SPAN_COLUMNS], f"NOT ({verbatim})")


def _span_problems(package: DataPackage, table: Table, row_number: int, row: dict[str, str]) -> Iterator[Problem]:
    """Every span is verbatim: 0 <= char_start < char_end <= len(text) and text[start:end] == exact."""
    start, end = as_int(row["char_start"]), as_int(row["char_end"])
    if start is None or end is None:
        return  # a type error, reported by the Table Schema checks
    text = package.text_of(row["source_id"])
    if text is None and row["source_id"] in package.unreadable_texts:
        return  # the archive check reports that text once, in sources.csv, not at every span in it
    if text is None:
        message = f"source {quote(row['source_id'])} has no archived text"
        yield Problem(table.path, row_number, "source_id", message, code="no-archived-text")
        return
    if not 0 <= start < end <= len(text):
        column = "char_start" if not 0 <= start < end else "char_end"
        message = f"span {start}..{end} is outside 0..{len(text)} or empty"
        yield Problem(table.path, row_number, column, message, code="span-out-of-range")
        return
    if text[start:end] != row["exact"]:
        message = not_verbatim_message(row["exact"], text, start, end)
        yield Problem(table.path, row_number, "exact", message, code="span-not-verbatim")


SPAN_CONTEXT = 20  # characters shown either side of where `exact` and the text part
FIX_SPAN = "run `make spans` to recompute the offsets from `exact`, or correct `exact`"


def not_verbatim_message(exact: str, text: str, start: int, end: int) -> str:
    """Where `exact` first parts from the article's text at start..end, with a short excerpt of both
    around that character, and how to fix it."""
    span = text[start:end]
    differ = next((i for i, (a, b) in enumerate(zip(exact, span, strict=False)) if a != b), min(len(exact), len(span)))
    return (
        f"exact is not the text at {start}..{end}: from offset {start + differ} (character {differ + 1} of exact), "
        f"exact reads {quote(_around(exact, differ))} where the text reads {quote(_around(text, start + differ))}; "
        f"{FIX_SPAN}"
    )


def _around(text: str, index: int) -> str:
    """The characters of `text` near `index`, with … where it goes on."""
    first, last = max(0, index - SPAN_CONTEXT), index + SPAN_CONTEXT
    return ("…" if first else "") + text[first:last] + ("…" if last < len(text) else "")


def _outside(db: Stage, inner: Table, key: str, outer: str, outer_key: str) -> Iterator[tuple[int, str]]:
    """(row, outer id) of `inner` rows whose span is not inside the span of the row they name. An
    empty reference names no row, even one whose key is (wrongly) empty too."""
    integers = " AND ".join(valid_integer(f"{alias}.{c}") for alias in ("t", "o") for c in ("char_start", "char_end"))
    sql = (
        f"SELECT t.{ROW}, o.{identifier(outer_key)} FROM {identifier(inner.name)} t "
        f"JOIN {identifier(outer)} o ON o.{identifier(outer_key)} = t.{identifier(key)} "
        f"WHERE t.{identifier(key)} != '' AND {integers} AND ("
        "t.source_id != o.source_id OR TRY_CAST(t.char_start AS BIGINT) < TRY_CAST(o.char_start AS BIGINT) "
        "OR TRY_CAST(t.char_end AS BIGINT) > TRY_CAST(o.char_end AS BIGINT))"
    )
    yield from db.execute(sql)


def _not_nested(db: Stage) -> Iterator[tuple[int, str, str]]:
    """(row, quote, claim) of quote_claims rows whose quote and claim spans do not nest: one must
    lie inside the other, in the same article."""
    integers = " AND ".join(valid_integer(f"{alias}.{c}") for alias in ("q", "c") for c in ("char_start", "char_end"))
    start, end = "TRY_CAST({}.char_start AS BIGINT)", "TRY_CAST({}.char_end AS BIGINT)"

    def within(inner: str, outer: str) -> str:
        return f"({start.format(inner)} >= {start.format(outer)} AND {end.format(inner)} <= {end.format(outer)})"

    sql = (
        f"SELECT l.{ROW}, l.quote_id, l.claim_id FROM quote_claims l "
        "JOIN quotes q ON q.quote_id = l.quote_id JOIN claims c ON c.claim_id = l.claim_id "
        f"WHERE l.quote_id != '' AND l.claim_id != '' AND {integers} "  # an empty reference names no row
        f"AND (q.source_id != c.source_id OR NOT ({within('q', 'c')} OR {within('c', 'q')}))"
    )
    yield from db.execute(sql)


def _outside_claim(db: Stage, table: Table) -> Iterator[Problem]:
    """A figure's or quote's span must lie inside the evidence span of the claim it belongs to."""
    for row_number, claim_id in _outside(db, table, "claim_id", "claims", "claim_id"):
        message = f"span lies outside the evidence span of claim {claim_id}"
        yield Problem(table.path, row_number, "char_start", message, code="span-outside-claim")


def figure_spans(package: DataPackage, db: Stage) -> Iterator[Problem]:
    yield from _outside_claim(db, package.tables["figures"])


def _figure_suspects(package: DataPackage, db: Stage) -> Iterator[Suspects]:
    """Every figure but a whole number written in digits (with thousands commas) and no bounds."""
    plain = (
        "regexp_full_match(t.value, '[0-9]{1,15}') "
        "AND regexp_full_match(t.exact, '[0-9]{1,3}(,[0-9]{3}){0,4}|[0-9]{1,15}') "
        "AND TRY_CAST(replace(t.exact, ',', '') AS BIGINT) = TRY_CAST(t.value AS BIGINT) "
        "AND t.value_low = '' AND t.value_high = ''"
    )
    yield Suspects(package.tables["figures"], ["exact", "value", "value_low", "value_high"], f"NOT ({plain})")


def _figure_problems(package: DataPackage, figures: Table, row_number: int, row: dict[str, str]) -> Iterator[Problem]:
    """value is the number written in exact, or for a range (exact states two numbers) value_low and
    value_high are its ends and value stays empty; low <= value <= high."""
    value = as_float(row["value"])
    numbers = textscan.number_values(row["exact"])
    written = numbers[0] if numbers else None
    if len(numbers) >= 2:
        yield from _range_problems(figures, row_number, row, numbers[0], numbers[-1])
    elif written is None and row["value"]:
        message = "exact states no number in digits (a quantity in words): value stays empty"
        yield Problem(figures.path, row_number, "value", message, code="value-without-digits")
    elif written is not None and value != written and (value is not None or not row["value"]):
        # a value that is there but no plain number is a type or number error, reported once as such
        message = f"is {quote(row['value'])}, but exact says {written:g}"
        yield Problem(figures.path, row_number, "value", message, code="value-not-exact")
    low, high = as_float(row["value_low"]), as_float(row["value_high"])
    bounds = "bounds-out-of-order"
    if value is not None and low is not None and low > value:
        yield Problem(figures.path, row_number, "value_low", f"{low:g} is above value {value:g}", code=bounds)
    if value is not None and high is not None and high < value:
        yield Problem(figures.path, row_number, "value_high", f"{high:g} is below value {value:g}", code=bounds)
    if low is not None and high is not None and low > high:
        yield Problem(figures.path, row_number, "value_low", f"{low:g} is above value_high {high:g}", code=bounds)


def _range_problems(
    figures: Table, row_number: int, row: dict[str, str], first: float, last: float
) -> Iterator[Problem]:
    """A range ("between 10,000 and 12,000") is one figure: its ends are value_low and value_high, and
    value stays empty, since the text states no single number (the codebook's range rule)."""
    if row["value"]:
        message = (
            f"exact states a range, {first:g} to {last:g}: leave value empty; the ends go in value_low and value_high"
        )
        yield Problem(figures.path, row_number, "value", message, code="range-with-value")
    for column, end, which in (("value_low", first, "starts"), ("value_high", last, "ends")):
        if as_float(row[column]) != end:
            message = f"is {quote(row[column])}, but the range exact states {which} at {end:g}: write {end:g}"
            yield Problem(figures.path, row_number, column, message, code="range-end-not-exact")


def quote_spans(package: DataPackage, db: Stage) -> Iterator[Problem]:
    """A quote and each claim it supports nest; a quote lies in its parent quote; the parts of one
    utterance share speaker and article."""
    quotes = package.tables["quotes"]
    links = package.tables["quote_claims"]
    for row_number, quote_id, claim_id in _not_nested(db):
        message = f"the spans of quote {clip(quote_id)} and claim {clip(claim_id)} do not nest in one article"
        yield Problem(links.path, row_number, "claim_id", message, code="quote-claim-not-nested")
    for row_number, parent in _outside(db, quotes, "nested_in", "quotes", "quote_id"):
        message = f"quote lies outside quote {clip(parent)}"
        yield Problem(quotes.path, row_number, "nested_in", message, code="quote-outside-parent")
    sql = (
        f"SELECT {ROW}, utterance_id FROM quotes q WHERE utterance_id != '' AND EXISTS (SELECT 1 FROM quotes o "
        "WHERE o.utterance_id = q.utterance_id AND (o.speaker_id != q.speaker_id OR o.source_id != q.source_id))"
    )
    for row_number, utterance in db.execute(sql):
        message = f"the parts of utterance {clip(utterance)} must share speaker and article"
        yield Problem(quotes.path, row_number, "utterance_id", message, code="utterance-parts-differ")


def _marks(chars: str | list[str]) -> str:
    return ", ".join(literal(c) for c in chars)


def _marked_suspects(package: DataPackage, db: Stage) -> Iterator[Suspects]:
    """Every marked quote but one whose span the text encloses in quotation marks."""
    start, end = _int("t.char_start"), _int("t.char_end")
    enclosed = (
        f"{_integers('t.char_start', 't.char_end')} AND EXISTS (SELECT 1 FROM {TEXTS} x "
        f"WHERE x.source_id = t.source_id AND 0 < {start} AND {start} < {end} AND {end} < x.length "
        f"AND substr(x.text, {start}, 1) IN ({_marks(textscan.OPENING_MARKS)}) "
        f"AND substr(x.text, {end} + 1, 1) IN ({_marks(textscan.CLOSING_MARKS)}))"
    )
    marked = f"t.kind IN ({_marks(sorted(MARKED_QUOTE_KINDS))}) AND NOT ({enclosed})"
    yield Suspects(package.tables["quotes"], ["source_id", "char_start", "char_end", "kind"], marked)


def _marked_problems(package: DataPackage, quotes: Table, row_number: int, row: dict[str, str]) -> Iterator[Problem]:
    """A marked quote stands between quotation marks (a span outside its text is the evidence check's)."""
    if row["kind"] not in MARKED_QUOTE_KINDS:
        return
    text = package.text_of(row["source_id"])
    start, end = as_int(row["char_start"]), as_int(row["char_end"])
    if text is None or start is None or end is None or not 0 < start < end < len(text):
        return
    if text[start - 1] not in textscan.OPENING_MARKS or text[end] not in textscan.CLOSING_MARKS:
        message = f"not enclosed by quotation marks: the text reads {quote(text[start - 1 : end + 1])}"
        yield Problem(quotes.path, row_number, "exact", message, code="quote-not-in-quotation-marks")


BAD_DATES = "nk_bad_dates"  # (name, value): the distinct values of each EDTF column of a table that do not parse


def _date_suspects(package: DataPackage, db: Stage) -> Iterator[Suspects]:
    """The rows of every table with EDTF columns (rdfType EDTF) that hold a value that does not
    parse: each distinct value is parsed once, and only the rows holding a bad one are read back."""
    for table in package.tables.values():
        columns = [f["name"] for f in table.fields if f.get("rdfType") == EDTF_RDF_TYPE]
        if not columns:
            continue
        names: list[str] = []
        values: list[str] = []
        for column in columns:
            sql = f"SELECT DISTINCT {identifier(column)} FROM {identifier(table.name)} WHERE {identifier(column)} != ''"
            invalid = [value for (value,) in db.execute(sql) if not is_edtf(value)]
            names += [column] * len(invalid)
            values += invalid
        db.create_table_of(BAD_DATES, {"name": ("VARCHAR", names), "value": ("VARCHAR", values)})
        holds = [
            f"t.{identifier(c)} IN (SELECT value FROM {BAD_DATES} WHERE name = {literal(c)})"
            for c in sorted(set(names))
        ]
        yield Suspects(table, columns, " OR ".join(holds) or "false")


def _date_problems(package: DataPackage, table: Table, row_number: int, row: dict[str, str]) -> Iterator[Problem]:
    """Every EDTF date parses strictly: no stray spaces, real months and days."""
    for column, value in row.items():
        if value and not is_edtf(value):
            yield Problem(
                table.path, row_number, column, f"{quote(value)} is not a valid EDTF date", code="invalid-edtf-date"
            )


def entity_problems(package: DataPackage, db: Stage) -> Iterator[Problem]:
    """No alias belongs to two entities; every speaker and claimant is named in the article."""
    entities = package.tables["entities"]
    owner: dict[str, str] = {}
    names: dict[str, list[str]] = {}
    for row_number, row in entities.rows(["entity_id", "name", "aliases"]):
        aliases = [a for a in row["aliases"].split(",") if a]
        names[row["entity_id"]] = [row["name"], *aliases]
        for alias in aliases:
            key = alias.casefold()
            if key in owner and owner[key] != row["entity_id"]:
                message = f"alias {quote(alias)} also belongs to {clip(owner[key])}"
                yield Problem(entities.path, row_number, "aliases", message, code="alias-shared")
            owner.setdefault(key, row["entity_id"])
    for table, column in (("claims", "claimant_id"), ("quotes", "speaker_id")):
        yield from _names_resolve(db, package.tables[table], column)


def _names_resolve(db: Stage, table: Table, column: str) -> Iterator[Problem]:
    """Rows whose entity is named in their article by neither its name nor an alias. A missing
    entity is a foreign-key error; an article's own voice (its publisher) needs no name."""
    who = f"t.{identifier(column)}"
    sql = (
        f"WITH pairs AS (SELECT DISTINCT {who} AS entity_id, t.source_id FROM {identifier(table.name)} t "
        f"JOIN {TEXTS} x ON x.source_id = t.source_id JOIN entities e ON e.entity_id = {who} "
        f"LEFT JOIN sources s ON s.source_id = t.source_id WHERE s.publisher_id IS DISTINCT FROM {who}), "
        "spellings AS (SELECT entity_id, unnest(list_prepend(name, string_split(aliases, ','))) AS spelling "
        "FROM entities), "
        "named AS (SELECT p.entity_id, p.source_id, bool_or(contains(x.text, n.spelling)) AS found FROM pairs p "
        f"JOIN {TEXTS} x ON x.source_id = p.source_id "
        "LEFT JOIN spellings n ON n.entity_id = p.entity_id AND n.spelling != '' GROUP BY p.entity_id, p.source_id) "
        f"SELECT t.{identifier(ROW)}, {who}, t.source_id FROM {identifier(table.name)} t "
        f"JOIN named u ON u.entity_id = {who} AND u.source_id = t.source_id WHERE NOT coalesce(u.found, false) "
        f"ORDER BY t.{identifier(ROW)}"
    )
    for row_number, entity_id, source_id in db.execute(sql):
        message = f"{clip(entity_id)}: neither its name nor an alias appears in {clip(source_id)}"
        yield Problem(table.path, row_number, column, message, code="entity-not-named")


SCANNED = "nk_scanned"  # what the text scan finds: (source_id, start, end, kind) with kind 0 quotation, 1 number


def scan_texts(db: Stage, package: DataPackage) -> None:
    """Every quotation and number of every archived text, as a staged table (columns, not objects:
    a million spans take a few megabytes): from the background scan when one runs."""
    found = db.background.result() if db.background is not None else background_scan.scan(package)
    spans = {"text": found.text_index, "start": found.starts, "end": found.ends, "kind": found.kinds}
    db.create_table_of("nk_spans", {name: ("", values) for name, values in spans.items()})
    db.create_table_of("nk_span_texts", {"source_id": ("VARCHAR", found.source_ids)})
    db.run(
        f"CREATE OR REPLACE TABLE {SCANNED} AS SELECT t.source_id, s.start, s.end, s.kind FROM nk_spans s "
        "JOIN (SELECT row_number() OVER () - 1 AS number, source_id FROM nk_span_texts) t ON t.number = s.text"
    )


# Each archived text reports at most this many uncovered quotations, and as many numbers; one more line
# says how many more there are. A text of a million bare numbers is one mistake, not a million.
SHOWN_PER_KIND = 50
UNCOVERED = {textscan.KIND_QUOTATION: ("quotations", "quotes"), textscan.KIND_NUMBER: ("numbers", "figures")}
UNCOVERED_CODES = {textscan.KIND_QUOTATION: "quotation-not-covered", textscan.KIND_NUMBER: "number-not-covered"}


def coverage_problems(package: DataPackage, db: Stage) -> Iterator[Problem]:
    """Every quotation and number in every archived text is a quotes or figures row, or excluded."""
    scan_texts(db, package)
    paths = {r["source_id"]: r["text_path"] for _, r in package.tables["sources"].rows(["source_id", "text_path"])}
    for source_id, uncovered in sorted(_uncovered_spans(db).items()):
        yield from _uncovered_in(paths[source_id], package.archived_texts[source_id], uncovered)


Uncovered = dict[int, tuple[list[tuple[int, int]], int]]  # kind: (first spans, how many in all)


def _uncovered_spans(db: Stage) -> dict[str, Uncovered]:
    """For each text and kind, the first SHOWN_PER_KIND + 1 spans that no row covers (start, end),
    and how many there are in all: SQL counts them, so that Python words only the ones it reports."""

    def spans(*tables: str) -> str:
        return " UNION ALL ".join(
            f"SELECT source_id, {_int('char_start')} AS s, {_int('char_end')} AS e FROM {identifier(t)} "
            f"WHERE {_integers('char_start', 'char_end')}"
            for t in tables
        )

    sql = (
        f"WITH quoted AS ({spans('quotes', 'exclusions')}), counted AS ({spans('figures', 'exclusions')}), "
        f"uncovered AS (SELECT n.source_id, n.start, n.end, n.kind FROM {SCANNED} n WHERE "
        "(n.kind = 0 AND NOT EXISTS (SELECT 1 FROM quoted q WHERE q.source_id = n.source_id AND q.s = n.start "
        "AND q.e = n.end)) OR (n.kind = 1 AND NOT EXISTS (SELECT 1 FROM counted c WHERE c.source_id = n.source_id "
        "AND c.s <= n.start AND n.end <= c.e))) "
        'SELECT source_id, kind, start, "end", count(*) OVER (PARTITION BY source_id, kind) FROM uncovered '
        f'QUALIFY row_number() OVER (PARTITION BY source_id, kind ORDER BY start, "end") <= {SHOWN_PER_KIND + 1} '
        'ORDER BY source_id, kind, start, "end"'
    )
    found: dict[str, Uncovered] = {}
    for source_id, kind, start, end, total in db.execute(sql):
        found.setdefault(source_id, {}).setdefault(kind, ([], total))[0].append((start, end))
    return found


def _uncovered_in(path: str, text: str, uncovered: Uncovered) -> Iterator[Problem]:
    """The problems of one text: the first SHOWN_PER_KIND spans of each kind, and a line that counts
    the rest from where they start. Its lines are found once, whatever the number of problems."""
    lines = textscan.Lines(text)
    for kind, (spans, total) in uncovered.items():
        what, table = UNCOVERED[kind]
        for start, end in spans[:SHOWN_PER_KIND]:
            yield _uncovered(path, lines, textscan.span_at(text, kind, start, end), table, UNCOVERED_CODES[kind])
        if total > SHOWN_PER_KIND:
            line, column = lines.line_and_column(spans[SHOWN_PER_KIND][0])
            message = f"… and {total - SHOWN_PER_KIND} more {what} in neither {table}.csv nor exclusions.csv"
            yield Problem(path, line, str(column), message, code=UNCOVERED_CODES[kind])


def _uncovered(path: str, lines: textscan.Lines, span: textscan.Span, table: str, code: str) -> Problem:
    line, column = lines.line_and_column(span.start)
    where = f"{span.what} {quote(span.exact)} at {span.start}..{span.end}"
    return Problem(path, line, str(column), f"{where} is in neither {table}.csv nor exclusions.csv", code=code)


def _exclusion_suspects(package: DataPackage, db: Stage) -> Iterator[Suspects]:
    """Every exclusion but one that excludes a span the scan found; by text, so that each text is
    scanned once for all of its rows."""
    found = (
        f"{_integers('t.char_start', 't.char_end')} AND EXISTS (SELECT 1 FROM {SCANNED} n "
        f"WHERE n.source_id = t.source_id AND n.start = {_int('t.char_start')} AND n.end = {_int('t.char_end')})"
    )
    select = f"SELECT t.{ROW}, t.source_id, t.char_start, t.char_end FROM exclusions t"
    order = f"ORDER BY t.source_id, t.{ROW}"
    yield Suspects(
        package.tables["exclusions"], ["source_id", "char_start", "char_end"], f"NOT ({found})", select, order
    )


@lru_cache(maxsize=1)  # the rows come text by text
def _scanned_spans(text: str) -> frozenset[tuple[int, int]]:
    return frozenset((s.start, s.end) for _, s in textscan.spans(text))


def _exclusion_problems(package: DataPackage, table: Table, row_number: int, row: dict[str, str]) -> Iterator[Problem]:
    """An exclusion must exclude a quotation or number that the scan finds."""
    text = package.text_of(row["source_id"])
    if text is None:
        return  # the evidence check reports it
    if (as_int(row["char_start"]), as_int(row["char_end"])) not in _scanned_spans(text):
        message = "excludes no quotation or number that the scan finds"
        yield Problem(table.path, row_number, "char_start", message, code="stale-exclusion")


def _staged_tables(package: DataPackage, db: Stage) -> Iterator[Table]:
    return (t for t in package.tables.values() if t.file.is_file() and t.name in db.scans)


def hygiene_problems(package: DataPackage, db: Stage) -> Iterator[Problem]:
    """CSV files that open safely anywhere: encoding and line endings (found by the staging load's
    byte scan), and invisible characters in the descriptor and schemas."""
    for table in _staged_tables(package, db):
        yield from db.scans[table.name].problems
    yield from _invisible_in_json(package.relative(package.descriptor_path), package.descriptor)
    for table in package.tables.values():
        yield from _invisible_in_json(table.schema_path, table.schema)


def _invisible_in_json(path: str, document: Any, where: str = "") -> Iterator[Problem]:
    """An invisible character in any string of a descriptor or schema (a title, a description, a
    field name), as in a text cell: shown as nothing, it makes the text read otherwise than it shows."""
    if isinstance(document, dict):
        for key, value in document.items():
            yield from _invisible_in_json(path, value, f"{where}.{key}" if where else str(key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from _invisible_in_json(path, value, f"{where}.{index}")
    elif isinstance(document, str) and (invisible := _format_character(document)):
        message = f"invisible format character {invisible}: {INVISIBLE_ADVICE}"
        yield Problem(path, None, where, message, code="invisible-character")


FORMULA_MARKS = "=+-@"
TEXT_TYPES = ("string", "list")  # the Table Schema types whose cells are text written by a curator


# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt, stable since Unicode 5): characters
# a renderer shows as nothing (combining grapheme joiner U+034F, Hangul fillers U+115F and U+3164,
# variation selectors, tag characters). Python's unicodedata has no table of the property.
DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)  # fmt: skip
INVISIBLE_CATEGORIES = ("Cf", "Zl", "Zp")  # format characters, and the line and paragraph separators
INVISIBLE_ADVICE = "it reorders, hides or joins text unseen; delete it"


def is_invisible(character: str) -> bool:
    """A character that text shows as nothing (or as a line break no CSV reader sees as one)."""
    code = ord(character)
    return unicodedata.category(character) in INVISIBLE_CATEGORIES or any(a <= code <= b for a, b in DEFAULT_IGNORABLE)


@lru_cache(maxsize=1)
def format_characters() -> str:
    """A regex class (RE2 syntax) of every invisible character (is_invisible: U+200B zero width space,
    U+202E right-to-left override, U+2066 isolate, U+FEFF, U+034F, U+2028, …), from Python's own
    tables and the default-ignorable ranges."""
    # The same characters as is_invisible, found by category first and the ranges added whole: asking
    # is_invisible of each of 1.1 million code points cost 1.2 s at the start of every validation.
    category = unicodedata.category
    found = {c for c in range(0x80, sys.maxunicode + 1) if category(chr(c)) in INVISIBLE_CATEGORIES}
    for first, last in DEFAULT_IGNORABLE:
        found.update(range(max(first, 0x80), last + 1))
    codes = sorted(found)
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "[" + "".join(f"\\x{{{a:X}}}" + (f"-\\x{{{b:X}}}" if b > a else "") for a, b in ranges) + "]"


def _format_character(cell: str) -> str | None:
    """The first invisible character of a cell, as U+XXXX and its name."""
    found = next((c for c in cell if c > "\x7f" and is_invisible(c)), None)
    return None if found is None else f"U+{ord(found):04X} {unicodedata.name(found, 'FORMAT CHARACTER')}"


def _cell_problems(table: Table, column: str, cell: str) -> Iterator[tuple[str, str]]:
    """(code, message) of what is wrong with one cell: stray white space, a line feed, a formula-like
    start, an invisible format character in text, a non-web URL."""
    if cell and (cell[0] in WHITESPACE or cell[-1] in WHITESPACE):  # ("" is in every string)
        yield "stray-white-space", "leading or trailing white space"
    if "\n" in cell:
        yield "control-character", "control character U+000A"
    if cell and cell[0] in FORMULA_MARKS and not re.fullmatch(NUMBER_CELL, cell):
        yield "formula-like-cell", f"starts with '{cell[0]}': a spreadsheet would run it as a formula"
    field = table.field(column) or {}
    invisible = _format_character(cell) if field.get("type") in TEXT_TYPES else None
    if invisible:
        yield "invisible-character", f"invisible format character {invisible}: {INVISIBLE_ADVICE}"
    if field.get("format") == "uri" and cell and not cell.lower().startswith(("http://", "https://")):
        yield "not-web-url", "URL scheme must be http or https"


def _cell_suspects(package: DataPackage, db: Stage) -> Iterator[Suspects]:
    """Every cell of each table as one column (UNPIVOT), so that each rule is written once: SQL picks
    the cells that may break one (comparing first and last code points, cheap on every cell; a
    format character, by one RE2 class over text cells) and Python says which."""
    for table in _staged_tables(package, db):
        if not table.fields:
            continue
        spaces = ", ".join(str(ord(c)) for c in WHITESPACE)
        marks = ", ".join(str(ord(c)) for c in FORMULA_MARKS)
        uris = [f["name"] for f in table.fields if f.get("format") == "uri"]
        web = "(lower(substr(cell, 1, 7)) = 'http://' OR lower(substr(cell, 1, 8)) = 'https://')"
        uri_rule = f" OR (name IN ({', '.join(literal(u) for u in uris)}) AND cell != '' AND NOT {web})" if uris else ""
        texts = [f["name"] for f in table.fields if f.get("type") in TEXT_TYPES]
        # every format character is outside ASCII: only cells of more bytes than characters meet the regex
        invisible = f"strlen(cell) != length(cell) AND regexp_matches(cell, {literal(format_characters())})"
        text_rule = f" OR (name IN ({', '.join(literal(t) for t in texts)}) AND {invisible})" if texts else ""
        columns = ", ".join(identifier(n) for n in table.field_names)
        select = (
            f"SELECT {ROW}, name, cell FROM (UNPIVOT (SELECT {ROW}, {columns} FROM {identifier(table.name)}) "
            f"ON {columns} INTO NAME name VALUE cell)"
        )
        where = (
            f"unicode(cell) IN ({spaces}, {marks}) OR unicode(right(cell, 1)) IN ({spaces}) "
            f"OR contains(cell, chr(10)){uri_rule}{text_rule}"
        )
        yield Suspects(table, ["name", "cell"], where, select)


def _cell_judge(package: DataPackage, table: Table, row_number: int, row: dict[str, str]) -> Iterator[Problem]:
    for code, message in _cell_problems(table, row["name"], row["cell"]):
        yield Problem(table.path, row_number, row["name"], message, code=code)


def _character_suspects(package: DataPackage, db: Stage) -> Iterator[Suspects]:
    """Every row of a table in which the byte scan found a character that is not NFC or a control
    character: only then are the cells read one by one to say where."""
    for table in _staged_tables(package, db):
        yield Suspects(table, table.field_names, "true" if db.scans[table.name].unsafe_characters else "false")


def _character_problems(package: DataPackage, table: Table, row_number: int, row: dict[str, str]) -> Iterator[Problem]:
    for column, cell in row.items():
        if not unicodedata.is_normalized("NFC", cell):
            yield Problem(table.path, row_number, column, "not NFC-normalised Unicode", code="not-nfc")
        control = CONTROL.search(cell)
        if control:
            message = f"control character U+{ord(control.group()):04X}"
            yield Problem(table.path, row_number, column, message, code="control-character")


def _number_suspects(package: DataPackage, db: Stage) -> Iterator[Suspects]:
    """Every row with an integer or number cell that is not plain (schemasql.plain_number)."""
    for table in package.tables.values():
        kinds = _numeric_fields(table)
        if not kinds or not table.file.is_file():
            continue
        unplain = " OR ".join(
            f"(t.{identifier(n)} != '' AND NOT {plain_number(f't.{identifier(n)}', k)})" for n, k in kinds.items()
        )
        yield Suspects(table, list(kinds), unplain)


def _numeric_fields(table: Table) -> dict[str, str]:
    return {f["name"]: f["type"] for f in table.fields if f.get("type") in NUMERIC_TYPES}


def _number_problems(package: DataPackage, table: Table, row_number: int, row: dict[str, str]) -> Iterator[Problem]:
    """Every integer and number cell is plain: ASCII digits, finite, within ±10^15. Table Schema
    (Python's int() and float(), and so frictionless) also takes `8_000`, other scripts' digits,
    `inf`, `nan` and 1e308, which DuckDB, SQLite and its command line each read otherwise."""
    for name, kind in _numeric_fields(table).items():
        found = number_cell_problem(row[name], kind)
        if found:
            yield Problem(table.path, row_number, name, found[1], code=found[0])


def is_plain_number(cell: str, kind: str) -> bool:
    """Python's reading of schemasql.plain_number: the cells that every reader reads alike."""
    value = as_int(cell) if kind == "integer" else as_float(cell)
    return value is not None and abs(value) <= NUMBER_LIMIT


def number_cell_problem(cell: str, kind: str) -> tuple[str, str] | None:
    """(code, message): what is wrong with an integer or number cell that Table Schema reads, and
    what to do; None for a plain cell, an empty one, or one that Table Schema refuses (a type error,
    reported so)."""
    if not cell or is_plain_number(cell, kind) or not (is_integer(cell) if kind == "integer" else is_number(cell)):
        return None
    plain = "ASCII digits 0-9" + (
        " with an optional sign" if kind == "integer" else ", an optional sign, '.' and exponent"
    )
    if re.fullmatch(PLAIN_INTEGER if kind == "integer" else PLAIN_NUMBER, cell):  # 1e16, or 1e999 (inf)
        message = (
            f"{quote(cell)} is beyond ±10^15, the largest magnitude a number cell may have: check its digits and unit"
        )
        return "number-out-of-range", message
    if any(c.isdigit() and not c.isascii() for c in cell):
        return "non-ascii-digits", f"{quote(cell)} is written in digits other than ASCII 0-9: write it in {plain}"
    if "_" in cell:
        message = f"{quote(cell)} has an underscore, which readers take differently: write it in {plain}, without '_'"
        return "underscore-in-number", message
    if not math.isfinite(float(cell)):
        message = f"{quote(cell)} is not a finite number: write the number in {plain}, or leave the cell empty"
        return "non-finite-number", message
    return "number-not-plain", f"{quote(cell)} is not a plain {kind}: write it in {plain}"


def _keyed_to_claims(links: Table, column: str) -> bool:
    """Whether the Table Schema of claim_links makes `column` a required foreign key to claims.claim_id."""
    required = (links.field(column) or {}).get("constraints", {}).get("required") is True
    keyed = ([column], "claims", ["claim_id"]) in list(links.foreign_keys())
    return required and keyed


def link_problems(package: DataPackage, db: Stage) -> Iterator[Problem]:
    """Both ends of a link exist; no claim links to itself; no link is given twice."""
    links = package.tables["claim_links"]
    for column in ("from_claim_id", "to_claim_id"):
        if _keyed_to_claims(links, column):
            continue  # the schema's foreign key reports a missing claim, and `required` an empty cell
        sql = (
            f"SELECT {ROW}, {identifier(column)} FROM claim_links l "
            f"WHERE NOT EXISTS (SELECT 1 FROM claims c WHERE c.claim_id = l.{identifier(column)})"
        )
        for row_number, claim_id in db.execute(sql):
            yield Problem(links.path, row_number, column, f"no claim {quote(claim_id)}")
    symmetric = ", ".join(literal(r) for r in sorted(SYMMETRIC_RELATIONS))
    # A link repeats an earlier row's pair, or (for a symmetric relation) an earlier row's pair reversed.
    sql = (
        f"WITH firsts AS (SELECT from_claim_id, to_claim_id, min({ROW}) AS first FROM claim_links "
        "GROUP BY from_claim_id, to_claim_id) "
        f"SELECT l.{ROW}, l.from_claim_id, l.to_claim_id, l.from_claim_id = l.to_claim_id AS itself, "
        f"f.first < l.{ROW} OR (l.relation IN ({symmetric}) AND coalesce(r.first < l.{ROW}, false)) AS repeated "
        "FROM claim_links l JOIN firsts f ON f.from_claim_id = l.from_claim_id AND f.to_claim_id = l.to_claim_id "
        "LEFT JOIN firsts r ON r.from_claim_id = l.to_claim_id AND r.to_claim_id = l.from_claim_id "
        f"WHERE l.from_claim_id = l.to_claim_id OR f.first < l.{ROW} "
        f"OR (l.relation IN ({symmetric}) AND r.first < l.{ROW}) ORDER BY l.{ROW}"
    )
    for row_number, start, end, itself, repeated in db.execute(sql):
        if itself:
            yield Problem(links.path, row_number, "to_claim_id", "a claim cannot link to itself")
        if repeated:
            message = f"duplicate link between {clip(start)} and {clip(end)}"
            yield Problem(links.path, row_number, "to_claim_id", message)


# link_problems words three kinds of problem; their codes, by how each message begins.
LINK_CODES = {"no claim ": "link-end-missing", "a claim cannot link": "self-link", "duplicate link": "duplicate-link"}


def coded_links(package: DataPackage, db: Stage) -> Iterator[Problem]:
    for problem in link_problems(package, db):
        code = next(code for start, code in LINK_CODES.items() if problem.message.startswith(start))
        yield replace(problem, code=code)


def _chain_suspects(package: DataPackage, db: Stage) -> Iterator[Suspects]:
    """Every step of a chain but one that is plainly right: step 1 asserted by the claimant, a later
    step that relays within the chain's length, read in the claim's article."""
    select = (
        f"SELECT a.{ROW}, a.step, a.role, a.entity_id, a.source_id, c.claimant_id, c.source_id, "
        "(SELECT count(*) FROM attributions b WHERE b.claim_id = a.claim_id) "
        "FROM attributions a JOIN claims c ON c.claim_id = a.claim_id"
    )
    where = (
        "NOT regexp_full_match(a.step, '[0-9]{1,18}') OR a.source_id != c.source_id "
        "OR CASE WHEN TRY_CAST(a.step AS BIGINT) = 1 THEN a.role != 'asserts' OR a.entity_id != c.claimant_id "
        "ELSE a.role = 'asserts' OR TRY_CAST(a.step AS BIGINT) > "
        "(SELECT count(*) FROM attributions b WHERE b.claim_id = a.claim_id) END"
    )
    columns = ["step", "role", "entity", "source", "claimant", "claim_source", "steps"]
    yield Suspects(package.tables["attributions"], columns, where, select)


def _chain_problems(package: DataPackage, chains: Table, row_number: int, row: dict[str, Any]) -> Iterator[Problem]:
    """Every chain starts at 1 with the claim's claimant, who asserts; later steps relay; the steps
    run without a gap and are read in the claim's article."""
    number, steps, claimant, entity, role = (
        as_int(row["step"]),
        row["steps"],
        row["claimant"],
        row["entity"],
        row["role"],
    )
    if number is None:
        return  # a type error
    if number > steps:
        message = f"step {number} of a chain of {steps}: the steps run 1, 2, …"
        yield Problem(chains.path, row_number, "step", message, code="chain-step-gap")
    if number == 1 and (role != "asserts" or entity != claimant):
        message = f"step 1 is the claimant {clip(claimant)}, who asserts (here {clip(entity)}, {clip(role)})"
        yield Problem(chains.path, row_number, "entity_id", message, code="chain-start-not-claimant")
    if number > 1 and role == "asserts":
        yield Problem(chains.path, row_number, "role", "only step 1 asserts; later steps relay", code="relay-asserts")
    if row["source"] != row["claim_source"]:
        message = f"the claim is read in {clip(row['claim_source'])}"
        yield Problem(chains.path, row_number, "source_id", message, code="chain-source-differs")


def missing_chains(package: DataPackage, db: Stage) -> Iterator[Problem]:
    """A claim that is not its article's own has a chain."""
    claims = package.tables["claims"]
    sql = (
        f"SELECT c.{ROW}, c.claim_id FROM claims c JOIN sources s ON s.source_id = c.source_id "
        "WHERE c.claimant_id != s.publisher_id "
        "AND NOT EXISTS (SELECT 1 FROM attributions a WHERE a.claim_id = c.claim_id)"
    )
    for row_number, claim_id in db.execute(sql):
        message = f"claim {clip(claim_id)} is not its article's own: attributions.csv must give its chain"
        yield Problem(claims.path, row_number, "claimant_id", message, code="chain-missing")


def _inference_suspects(package: DataPackage, db: Stage) -> Iterator[Suspects]:
    """Every row that infers something, of every table with an `inferred` column."""
    for table in package.tables.values():
        if "inferred" in table.field_names:
            dates = sorted({f["name"] for f in table.fields if f.get("rdfType") == EDTF_RDF_TYPE} - {"inferred"})
            notes = ["notes"] if "notes" in table.field_names else []
            yield Suspects(table, ["inferred", *dates, *notes], "t.inferred != ''")


def _inference_problems(package: DataPackage, table: Table, row_number: int, row: dict[str, str]) -> Iterator[Problem]:
    """`inferred` names columns of its own table, an inferred EDTF date (the row's other cells)
    carries an EDTF uncertainty or approximation mark (?, ~ or %), and the notes say how (codebook §4)."""
    if row["inferred"] and "notes" in row and not row["notes"].strip():
        message = f"inferred lists {quote(row['inferred'])}, so the notes must say how it was inferred"
        yield Problem(table.path, row_number, "notes", message, code="inferred-without-note")
    for column in (c for c in row["inferred"].split(",") if c):
        if column not in table.field_names or column == "inferred":
            message = f"{quote(column)} is not a column of {table.name}"
            yield Problem(table.path, row_number, "inferred", message, code="inferred-unknown-column")
        elif column in row and row[column] and not row[column].endswith(EDTF_QUALIFIERS):
            message = f"{column} is inferred, so its EDTF date ends in ? (or ~ or %)"
            yield Problem(table.path, row_number, column, message, code="inferred-date-unmarked")


def vocabulary_problems(package: DataPackage, db: Stage) -> Iterator[Problem]:
    """Every controlled value (every enum of every Table Schema) is defined in vocabulary.csv, and
    vocabulary.csv defines nothing else."""
    vocabulary = package.tables[VOCABULARY]
    sql = f'SELECT {ROW}, "table", "column", value FROM vocabulary'
    defined = {(table, column, value): row for row, table, column, value in db.execute(sql)}
    expected: set[tuple[str, str, str]] = set()
    for table in package.tables.values():
        for field in table.fields:
            owner = SHARED_VOCABULARY.get((table.name, field["name"]), (table.name, field["name"]))
            for value in field.get("constraints", {}).get("enum", []):
                key = (*owner, str(value))
                expected.add(key)
                if key not in defined:
                    message = f"{table.name}.{field['name']} value {quote(value)} has no definition in vocabulary.csv"
                    yield Problem(table.schema_path, None, field["name"], message, code="undefined-vocabulary-value")
    for key in sorted(set(defined) - expected):
        message = f"defines {quote('.'.join(key))}, which no Table Schema allows"
        yield Problem(vocabulary.path, defined[key], "value", message, code="unknown-vocabulary-value")


def headline_problems(package: DataPackage, db: Stage) -> Iterator[Problem]:
    """The descriptor's headline measure, when it names one, is a measure that vocabulary.csv defines."""
    measure = package.headline_measure
    if measure is None:
        return
    sql = 'SELECT count(*) FROM vocabulary WHERE "table" = ? AND "column" = ? AND value = ?'
    ((defined,),) = db.execute(sql, ["figures", "measure", measure])
    if not defined:
        message = f"names {quote(measure)}, which vocabulary.csv does not define as a figures.measure"
        where = package.relative(package.descriptor_path)
        yield Problem(where, None, HEADLINE_MEASURE, message, code="unknown-headline-measure")


def affiliation_problems(package: DataPackage, db: Stage) -> Iterator[Problem]:
    """An affiliation links a person to something that is not a person."""
    affiliations = package.tables["affiliations"]
    sql = (
        f"SELECT a.{ROW}, p.kind FROM affiliations a JOIN entities p ON p.entity_id = a.person_id "
        "JOIN entities o ON o.entity_id = a.organization_id WHERE p.kind != 'person' OR o.kind = 'person'"
    )
    for row_number, person_kind in db.execute(sql):
        if person_kind != "person":
            message = f"is of kind {clip(person_kind)}, not a person"
            yield Problem(affiliations.path, row_number, "person_id", message, code="affiliation-not-person")
        else:
            message = "is a person: affiliations link to bodies"
            yield Problem(affiliations.path, row_number, "organization_id", message, code="affiliation-to-person")


# --------------------------------------------------------------------------- the registry
SPAN_READS: Reads = {table: ("source_id", *SPAN_COLUMNS) for table in SPAN_TABLES}
# The project's content checks, in the order they run. Each code is stable: tools and people match
# problems by it, so a code is never renamed or reused, only added (the README lists them all).
CHECKS: tuple[Check, ...] = (
    Check(
        "hygiene",
        "CSV files that open safely anywhere: encoding, line endings, cells, formulas, URLs",
        {
            "byte-order-mark": "a CSV file starts with a byte order mark",
            "encoding-error": "a CSV file is not UTF-8 (also found by the staging load)",
            "cr-line-ending": "a CSV file has a CR line ending",
            "no-final-newline": "a CSV file does not end with a newline",
            "stray-white-space": "a cell begins or ends with white space",
            "control-character": "a cell holds a control character (a line feed included)",
            "not-nfc": "a cell is not NFC-normalised Unicode",
            "formula-like-cell": "a cell starts with = + - or @, which a spreadsheet would run as a formula",
            "invisible-character": "a text cell, or a string of the descriptor or a schema, holds an invisible "
            "character",
            "not-web-url": "a URL cell's scheme is not http or https",
        },
        {},
        hygiene_problems,
        (RowRule(_cell_suspects, _cell_judge), RowRule(_character_suspects, _character_problems)),
        "every column",
    ),
    Check(
        "number",
        "every integer and number cell is plain: ASCII digits, finite, within ±10^15",
        {
            "number-out-of-range": "a number beyond ±10^15",
            "non-ascii-digits": "a number written in digits other than ASCII 0-9",
            "underscore-in-number": "a number with an underscore (8_000)",
            "non-finite-number": "inf or nan",
            "number-not-plain": "any other number that readers read otherwise",
        },
        {},
        rules=(RowRule(_number_suspects, _number_problems),),
        found_in_schemas="every integer and number column",
    ),
    Check(
        "archive",
        "each archived text exists and its SHA-256 is the one recorded in sources.csv",
        {
            "hash-without-text": "a hash is recorded but no text_path",
            "unsafe-text-path": "a text_path that leaves the package or its text folders",
            "archived-text-missing": "no file at text_path",
            "archived-text-too-large": "an archived text beyond the size limit",
            "hash-mismatch": "the text does not hash to text_sha256",
            "text-not-utf8": "an archived text is not UTF-8",
        },
        {"sources": ("text_path", "text_sha256")},
        archive_problems,
    ),
    Check(
        "evidence",
        "every span is verbatim: 0 <= char_start < char_end <= len(text) and text[start:end] == exact",
        {
            "no-archived-text": "a span's source has no archived text",
            "span-out-of-range": "a span is empty or outside its text",
            "span-not-verbatim": "exact is not the text at char_start..char_end",
        },
        SPAN_READS,
        rules=(RowRule(_span_suspects, _span_problems),),
        found_in_schemas="the same columns of any other table that has them",
    ),
    Check(
        "figure",
        "value is the number written in exact; low <= value <= high; the span lies in its claim's",
        {
            "value-without-digits": "a value for an exact that states no number in digits",
            "value-not-exact": "value is not the number exact states",
            "bounds-out-of-order": "value_low, value and value_high are not in order",
            "range-with-value": "a figure whose exact states a range (two numbers) has a value",
            "range-end-not-exact": "value_low or value_high is not the end of the range that exact states",
            "span-outside-claim": "a figure's span is not inside its claim's",
        },
        {
            "figures": ("claim_id", "source_id", "exact", "value", "value_low", "value_high", "char_start", "char_end"),
            "claims": ("claim_id", "source_id", "char_start", "char_end"),
        },
        figure_spans,
        (RowRule(_figure_suspects, _figure_problems),),
    ),
    Check(
        "quote",
        "quotes nest in their claims and parent quotes; marked quotes stand between quotation marks",
        {
            "quote-claim-not-nested": "a quote and a claim it supports do not nest in one article",
            "quote-outside-parent": "a quote lies outside the quote it is nested in",
            "utterance-parts-differ": "the parts of one utterance differ in speaker or article",
            "quote-not-in-quotation-marks": "a marked quote (statement, fragment, scare) is not between "
            "quotation marks",
        },
        {
            "quote_claims": ("quote_id", "claim_id"),
            "quotes": (
                "quote_id",
                "source_id",
                "speaker_id",
                "utterance_id",
                "nested_in",
                "kind",
                "char_start",
                "char_end",
            ),
            "claims": ("claim_id", "source_id", "char_start", "char_end"),
        },
        quote_spans,
        (RowRule(_marked_suspects, _marked_problems),),
    ),
    Check(
        "date",
        "every EDTF column (rdfType EDTF) parses strictly: no stray spaces, real months and days",
        {"invalid-edtf-date": "a date that is not valid EDTF"},
        {},
        rules=(RowRule(_date_suspects, _date_problems),),
        found_in_schemas="every EDTF column (rdfType EDTF)",
    ),
    Check(
        "entity",
        "no alias belongs to two entities; every speaker and claimant is named in the article",
        {
            "alias-shared": "an alias belongs to two entities",
            "entity-not-named": "neither the name nor an alias of a speaker or claimant appears in the article",
        },
        {
            "entities": ("entity_id", "name", "aliases"),
            "claims": ("claimant_id", "source_id"),
            "quotes": ("speaker_id", "source_id"),
            "sources": ("source_id", "publisher_id"),
        },
        entity_problems,
    ),
    Check(
        "coverage",
        "every quotation and number in every archived text is a quotes or figures row, or excluded",
        {
            "quotation-not-covered": "a quotation in a text is neither a quote nor excluded",
            "number-not-covered": "a number in a text is neither in a figure nor excluded",
            "stale-exclusion": "an exclusion excludes no quotation or number that the scan finds",
        },
        {
            "sources": ("source_id", "text_path"),
            **{table: ("source_id", "char_start", "char_end") for table in ("quotes", "figures", "exclusions")},
        },
        coverage_problems,
        (RowRule(_exclusion_suspects, _exclusion_problems),),
    ),
    Check(
        "link",
        "both ends of a link exist; no claim links to itself; no link is given twice",
        {
            "link-end-missing": "a link names a claim that does not exist",
            "self-link": "a claim links to itself",
            "duplicate-link": "a link repeats an earlier one (either way round, for a symmetric relation)",
        },
        {"claim_links": ("from_claim_id", "to_claim_id", "relation"), "claims": ("claim_id",)},
        coded_links,
    ),
    Check(
        "attribution",
        "every chain starts at 1 with the claimant, who asserts; later steps relay; no gap; one article",
        {
            "chain-step-gap": "a step beyond the chain's length: the steps run 1, 2, …",
            "chain-start-not-claimant": "step 1 is not the claim's claimant asserting",
            "relay-asserts": "a later step asserts instead of relaying",
            "chain-source-differs": "a step is read in another article than its claim",
            "chain-missing": "a claim that is not its article's own has no chain",
        },
        {
            "attributions": ("claim_id", "step", "role", "entity_id", "source_id"),
            "claims": ("claim_id", "claimant_id", "source_id"),
            "sources": ("source_id", "publisher_id"),
        },
        missing_chains,
        (RowRule(_chain_suspects, _chain_problems),),
    ),
    Check(
        "inference",
        "`inferred` names columns of its own table, an inferred EDTF date ends in ?, ~ or %, and notes say how",
        {
            "inferred-unknown-column": "`inferred` names a column its table does not have",
            "inferred-date-unmarked": "an inferred EDTF date carries no ?, ~ or %",
            "inferred-without-note": "a row lists what it infers but its notes are empty",
        },
        {},
        rules=(RowRule(_inference_suspects, _inference_problems),),
        found_in_schemas="`inferred` where a table has it, its EDTF columns and its notes",
    ),
    Check(
        "vocabulary",
        "every controlled value (every enum) is defined in vocabulary.csv, which defines nothing else",
        {
            "undefined-vocabulary-value": "a value a Table Schema allows has no definition in vocabulary.csv",
            "unknown-vocabulary-value": "vocabulary.csv defines a value that no Table Schema allows",
        },
        {VOCABULARY: ("table", "column", "value")},
        vocabulary_problems,
    ),
    Check(
        "headline",
        "the descriptor's headline measure, when it names one, is a figures.measure of vocabulary.csv",
        {"unknown-headline-measure": "headlineMeasure names a measure that vocabulary.csv does not define"},
        {VOCABULARY: ("table", "column", "value")},
        headline_problems,
    ),
    Check(
        "affiliation",
        "an affiliation links a person to something that is not a person",
        {
            "affiliation-not-person": "person_id names an entity that is not a person",
            "affiliation-to-person": "organization_id names a person",
        },
        {"affiliations": ("person_id", "organization_id"), "entities": ("entity_id", "kind")},
        affiliation_problems,
    ),
)

# The codes of the problems found before the content checks: the descriptor and schemas
# (descriptor_problems), and the staging load and the Table Schema rules (schemasql, or frictionless with
# --reference, whose error types they are; `--reference` may report other frictionless types).
DESCRIPTOR_CODES: dict[str, str] = {
    "descriptor-error": "datapackage.json cannot be read, breaks the Data Package spec, or names a missing or "
    "unsafe file",
    "schema-error": "a Table Schema cannot be read or breaks the Table Schema spec",
    "dialect-error": "a CSV dialect other than the default (comma, double quote, header row)",
    "missing-required-resource": "a table that the project's checks read is missing",
    "missing-required-field": "a column that the project's checks read is missing",
    "field-type-error": "a column that the checks read as a number has another type",
    "reserved-resource-name": "a resource name that the database build or the validator uses",
}
TABLE_CODES: dict[str, str] = {
    "csv-parse-error": "a CSV file cannot be parsed past a row",
    "incorrect-label": "the CSV header is not the schema's fields",
    "missing-cell": "a row has fewer cells than the header",
    "extra-cell": "a row has more cells than the header",
    "unchecked-rule": "a schema rule that the set-based validator does not check (frictionless does)",
    "type-error": "a cell is not of its field's type",
    "constraint-error": "a cell breaks a constraint: required, enum, pattern, minimum, maximum, lengths",
    "unique-error": "a unique field or key repeats",
    "primary-key-error": "a primary key repeats",
    "foreign-key-error": "a foreign key names no row of its table",
}
PACKAGE_CODES = {**DESCRIPTOR_CODES, **TABLE_CODES}


def codes() -> dict[str, str]:
    """Every problem code the validator reports (besides frictionless's own types under --reference):
    what it means."""
    found = dict(PACKAGE_CODES)
    for check in CHECKS:
        for code, meaning in check.codes.items():
            if code in found:
                raise ValueError(f"problem code {code!r} is declared twice")
            found[code] = meaning
    return found


def check_reads() -> dict[str, Reads]:
    """What each check reads, by who reads it as a message names it ("the affiliation check")."""
    return {check.reader: check.reads for check in CHECKS}
