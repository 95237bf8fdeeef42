"""The project's own checks, beyond Table Schema: each yields Problems and never writes.

Content checks run over the staging database (scripts.validation.staging), set-based in SQL where a check
relates rows, streaming only the columns they need where it reads text, so that memory stays
bounded. They trust nothing: a cell with a type error, or a reference that is missing, is left to
the Table Schema checks instead of being reported twice."""

from __future__ import annotations

import math
import re
import sys
import unicodedata
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any, TypeVar

import pyarrow as pa
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
Reads = dict[str, tuple[str, ...]]  # table: the columns read
Reader = TypeVar("Reader", bound=Callable[..., Any])
# What each check reads, declared beside it with @reads: a package without one of these tables or
# columns is refused before any check runs (a check that read an undeclared column would crash on
# such a package; the hostile suite drops every field of every schema to hold them to it).
READS: dict[str, Reads] = {}  # by who reads them, as a message names it ("the affiliation check")


def reads(columns: Reads, by: str | None = None) -> Callable[[Reader], Reader]:
    """Declares the tables and columns a check (or a step before the checks) reads: every one it
    names in SQL or asks `Table.rows` for; columns that it finds in the schemas need no declaration."""

    def declare(check: Reader) -> Reader:
        READS[by or reader_name(check)] = columns
        return check

    return declare


def reader_name(check: Callable[..., Any]) -> str:
    return f"the {check.__name__.removesuffix('_problems')} check"


def required_columns(*declared: dict[str, Reads]) -> dict[str, dict[str, list[str]]]:
    """{table: {column: who reads it}} of every declaration: the tables and columns a package must have."""
    required: dict[str, dict[str, list[str]]] = {}
    for declarations in declared:
        for reader, tables in declarations.items():
            for table, columns in tables.items():
                for column in columns:
                    required.setdefault(table, {}).setdefault(column, []).append(reader)
    return required


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


def descriptor_problems(package: DataPackage, project: bool = True) -> Iterator[Problem]:
    """The descriptor and every Table Schema against the spec models; every path is safe and exists;
    keys name what exists; with `project`, the tables and columns this project's checks need are
    there too (a diff of an older version asks only that the package be safe to read)."""
    name = package.relative(package.descriptor_path)
    yield from _model_problems(spec.Package, package.descriptor, name)
    schemas: dict[str, spec.TableSchema] = {}
    schema_paths: dict[str, str] = {}
    resources = package.descriptor.get("resources")
    for index, resource in enumerate(resources if isinstance(resources, list) else []):
        if not isinstance(resource, dict):
            continue
        for key in ("path", "schema"):
            yield from _file_problems_of(package, name, f"resources.{index}.{key}", resource.get(key))
        yield from _dialect_problems(package, name, index, resource.get("dialect"))
        schema_path, schema, unreadable = _schema_of(package, resource.get("schema"))
        if unreadable:
            yield Problem(schema_path, None, None, unreadable)
        if schema is None:
            continue
        found = list(_model_problems(spec.TableSchema, schema, schema_path))
        yield from found
        if not found and isinstance(resource.get("name"), str):
            schemas[resource["name"]] = spec.TableSchema.model_validate(schema)
            schema_paths[resource["name"]] = schema_path
    for resource_name, index, message in spec.foreign_key_problems(schemas):
        yield Problem(schema_paths[resource_name], None, f"foreignKeys.{index}", message)
    if project:
        yield from _required_problems(name, schemas, schema_paths)


def _file_problems_of(package: DataPackage, name: str, location: str, ref: object) -> Iterator[Problem]:
    """A path the descriptor names must be safe (the spec model says why not) and exist."""
    if not isinstance(ref, str) or unsafe_path_reason(ref):
        return  # an inline schema, or a path the spec model already refuses
    try:
        file = inside(package.root, ref)
    except PackageError as error:
        yield Problem(name, None, location, str(error))
        return
    if not file.is_file():
        yield Problem(name, None, location, f"no such file: {quote(ref)}")


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
            yield Problem(name, None, location, str(error))
            return
    if not isinstance(dialect, dict):
        yield Problem(name, None, location, "a dialect is a JSON object")
        return
    for key, value in dialect.items():
        if value not in DEFAULT_DIALECT.get(key, []):
            message = f"{quote(key)}: only the default CSV dialect is read (comma, double quote, header row)"
            yield Problem(name, None, location, message)


def _required_problems(name: str, schemas: dict[str, spec.TableSchema], paths: dict[str, str]) -> Iterator[Problem]:
    for resource, columns in required_columns(READS, columns_read()).items():
        if resource not in schemas:
            readers = sorted({reader for readers in columns.values() for reader in readers})
            message = f"no resource {resource!r}, which the project's checks need{_read_by(readers)}"
            yield Problem(name, None, "resources", message)
            continue
        known = {f.name for f in schemas[resource].fields}
        for column, readers in columns.items():
            if column not in known:
                message = f"no field {column!r}, which the project's checks need{_read_by(readers, resource, column)}"
                yield Problem(paths[resource], None, "fields", message)
    for resource, types in READ_AS.items():
        for index, field in enumerate(schemas[resource].fields if resource in schemas else []):
            wanted = types.get(field.name)
            if wanted is not None and (field.type or "any") != wanted:
                article = "an" if wanted == "integer" else "a"
                message = (f"field {field.name!r} has type {(field.type or 'any')!r}, but the project's checks read "
                           f"{resource}.{field.name} as {article} {wanted}; set its type to {wanted!r}")  # fmt: skip
                yield Problem(paths[resource], None, f"fields.{index}.type", message)
    taken = reserved_names()
    for resource in sorted(schemas):
        if resource in taken or any(resource.startswith(f"{fts}_") for fts in taken if fts.endswith(FTS_SUFFIX)):
            yield Problem(name, None, "resources", f"resource name {resource!r} is taken by the database build")
        elif resource.startswith(OWN_TABLES_PREFIX):
            message = f"resource name {resource!r} is taken by the validator (names beginning {OWN_TABLES_PREFIX})"
            yield Problem(name, None, "resources", message)


def _read_by(readers: list[str], table: str = "", column: str = "") -> str:
    what = f"{table}.{column} is " if column else ""
    shown = ", ".join(readers[:3]) + (", …" if len(readers) > 3 else "")
    return f" ({what}read by {shown}); add it back"


def _model_problems(model: type[spec.Strict], data: object, path: str) -> Iterator[Problem]:
    try:
        model.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            location = ".".join(str(part) for part in item["loc"]) or None
            message = "unknown key" if item["type"] == "extra_forbidden" else clip(item["msg"])
            yield Problem(path, None, location, message)


# --------------------------------------------------------------------------- content
def content_problems(package: DataPackage, db: Stage) -> Iterator[Problem]:
    """Every content check, over the package staged in `db`."""
    stage_texts(db, package)
    for check in CONTENT_CHECKS:
        progress(f"checking: {check.__doc__.splitlines()[0] if check.__doc__ else check.__name__}")
        yield from check(package, db)
    progress("")


TEXTS = "nk_texts"  # the archived texts in the staging database: (source_id, text, length)


@reads({"sources": ("source_id", "text_path")}, by="the staging of the archived texts")
def stage_texts(db: Stage, package: DataPackage) -> None:
    """The archived texts as a staged table, so that span checks compare words in SQL."""
    texts = package.archived_texts
    rows = pa.table(
        {"source_id": pa.array(list(texts), pa.string()), "text": pa.array(list(texts.values()), pa.string())}
    )
    db.create_table("nk_texts_arrow", rows)
    db.run(f"CREATE OR REPLACE TABLE {TEXTS} AS SELECT source_id, text, length(text) AS length FROM nk_texts_arrow")
    db.run("DROP TABLE nk_texts_arrow")


def _integers(*columns: str) -> str:
    return " AND ".join(valid_integer(column) for column in columns)


def _int(column: str) -> str:
    return f"TRY_CAST({column} AS BIGINT)"


@reads({"sources": ("text_path", "text_sha256")})
def archive_problems(package: DataPackage, db: Stage) -> Iterator[Problem]:
    """Each archived text exists and its SHA-256 is the one recorded in sources.csv."""
    sources = package.tables["sources"]
    for row_number, row in sources.rows(["text_path", "text_sha256"]):
        path, recorded = row["text_path"], row["text_sha256"]
        if not path:
            if recorded:
                yield Problem(sources.path, row_number, "text_sha256", "a hash is recorded but no text_path")
            continue
        try:
            file = inside(package.root, path, package.text_folders)
        except PackageError as error:
            yield Problem(sources.path, row_number, "text_path", str(error))
            continue
        if not file.is_file():
            yield Problem(sources.path, row_number, "text_path", f"archived text not found: {quote(path)}")
            continue
        if path not in package.text_digests and package.text_bytes(path) is None:
            yield Problem(sources.path, row_number, "text_path", f"archived text larger than {MAX_TEXT_BYTES} bytes")
            continue
        actual, undecodable = package.text_digests[path]  # recorded when the texts were read
        if actual != recorded:
            message = f"is {quote(recorded)}, but {clip(path)} hashes to {actual}"
            yield Problem(sources.path, row_number, "text_sha256", message)
        if undecodable is not None:
            offset, byte = undecodable
            yield Problem(path, None, None, f"not UTF-8: byte {byte:#x} at offset {offset}")


def span_tables(package: DataPackage) -> Iterator[Table]:
    return (t for t in package.tables.values() if {"source_id", *SPAN_COLUMNS} <= set(t.field_names))


# The span tables whose every span must be verbatim (span_tables finds any other that has spans).
@reads({**{table: ("source_id", *SPAN_COLUMNS) for table in SPAN_TABLES}, "sources": ("source_id", "text_path")})
def evidence_problems(package: DataPackage, db: Stage) -> Iterator[Problem]:
    """Every span is verbatim: 0 <= char_start < char_end <= len(text) and text[start:end] == exact."""
    start, end = _int("t.char_start"), _int("t.char_end")
    # SQL passes the rows that are plainly right; Python judges (and words) every other one.
    verbatim = (
        f"{_integers('t.char_start', 't.char_end')} AND EXISTS (SELECT 1 FROM {TEXTS} x "
        f"WHERE x.source_id = t.source_id AND 0 <= {start} AND {start} < {end} AND {end} <= x.length "
        f"AND substr(x.text, {start} + 1, {end} - {start}) = t.exact)"
    )
    unreadable = _texts_named_but_unreadable(package)
    for table in span_tables(package):
        for row_number, row in table.rows(["source_id", *SPAN_COLUMNS], where=f"NOT ({verbatim})"):
            if row["source_id"] not in unreadable:
                yield from _span_problems(package, table, row_number, row)


def _texts_named_but_unreadable(package: DataPackage) -> set[str]:
    """Sources whose text_path names a text that cannot be read: the archive check reports each one
    once, in sources.csv, rather than again at every span in it."""
    rows = package.tables["sources"].rows(["source_id", "text_path"])
    return {row["source_id"] for _, row in rows if row["text_path"] and package.text_of(row["source_id"]) is None}


def _span_problems(package: DataPackage, table: Table, row_number: int, row: dict[str, str]) -> Iterator[Problem]:
    start, end = as_int(row["char_start"]), as_int(row["char_end"])
    if start is None or end is None:
        return  # a type error, reported by the Table Schema checks
    text = package.text_of(row["source_id"])
    if text is None:
        yield Problem(table.path, row_number, "source_id", f"source {quote(row['source_id'])} has no archived text")
        return
    if not 0 <= start < end <= len(text):
        column = "char_start" if not 0 <= start < end else "char_end"
        yield Problem(table.path, row_number, column, f"span {start}..{end} is outside 0..{len(text)} or empty")
        return
    if text[start:end] != row["exact"]:
        message = f"{quote(row['exact'])} is not the text at {start}..{end}, which reads {quote(text[start:end])}"
        yield Problem(table.path, row_number, "exact", message)


def _outside(db: Stage, inner: Table, key: str, outer: str, outer_key: str) -> Iterator[tuple[int, str]]:
    """(row, outer id) of `inner` rows whose span is not inside the span of the row they name."""
    integers = " AND ".join(valid_integer(f"{alias}.{c}") for alias in ("t", "o") for c in ("char_start", "char_end"))
    sql = (
        f"SELECT t.{ROW}, o.{identifier(outer_key)} FROM {identifier(inner.name)} t "
        f"JOIN {identifier(outer)} o ON o.{identifier(outer_key)} = t.{identifier(key)} WHERE {integers} AND ("
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
        f"WHERE {integers} AND (q.source_id != c.source_id OR NOT ({within('q', 'c')} OR {within('c', 'q')}))"
    )
    yield from db.execute(sql)


def _outside_claim(db: Stage, table: Table) -> Iterator[Problem]:
    """A figure's or quote's span must lie inside the evidence span of the claim it belongs to."""
    for row_number, claim_id in _outside(db, table, "claim_id", "claims", "claim_id"):
        yield Problem(table.path, row_number, "char_start", f"span lies outside the evidence span of claim {claim_id}")


@reads(
    {
        "figures": ("claim_id", "source_id", "exact", "value", "value_low", "value_high", "char_start", "char_end"),
        "claims": ("claim_id", "source_id", "char_start", "char_end"),
    }
)
def figure_problems(package: DataPackage, db: Stage) -> Iterator[Problem]:
    """value is the number written in exact; low <= value <= high; the span lies in its claim's."""
    figures = package.tables["figures"]
    # SQL passes a whole number written in digits (with thousands commas) and no bounds; Python judges the rest.
    plain = (
        "regexp_full_match(t.value, '[0-9]{1,15}') "
        "AND regexp_full_match(t.exact, '[0-9]{1,3}(,[0-9]{3}){0,4}|[0-9]{1,15}') "
        "AND TRY_CAST(replace(t.exact, ',', '') AS BIGINT) = TRY_CAST(t.value AS BIGINT) "
        "AND t.value_low = '' AND t.value_high = ''"
    )
    for row_number, row in figures.rows(["exact", "value", "value_low", "value_high"], where=f"NOT ({plain})"):
        value = as_float(row["value"])
        written = textscan.number_value(row["exact"])
        if written is None and row["value"]:
            message = "exact states no number in digits (a quantity in words): value stays empty"
            yield Problem(figures.path, row_number, "value", message)
        elif written is not None and value != written and (value is not None or not row["value"]):
            # a value that is there but no plain number is a type or number error, reported once as such
            yield Problem(figures.path, row_number, "value", f"is {quote(row['value'])}, but exact says {written:g}")
        low, high = as_float(row["value_low"]), as_float(row["value_high"])
        if value is not None and low is not None and low > value:
            yield Problem(figures.path, row_number, "value_low", f"{low:g} is above value {value:g}")
        if value is not None and high is not None and high < value:
            yield Problem(figures.path, row_number, "value_high", f"{high:g} is below value {value:g}")
        if low is not None and high is not None and low > high:
            yield Problem(figures.path, row_number, "value_low", f"{low:g} is above value_high {high:g}")
    yield from _outside_claim(db, figures)


@reads(
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
    }
)
def quote_problems(package: DataPackage, db: Stage) -> Iterator[Problem]:
    """A quote and each claim it supports nest; a quote lies in its parent quote; a marked quote
    stands between quotation marks; the parts of one utterance share speaker and article."""
    quotes = package.tables["quotes"]
    links = package.tables["quote_claims"]
    for row_number, quote_id, claim_id in _not_nested(db):
        message = f"the spans of quote {clip(quote_id)} and claim {clip(claim_id)} do not nest in one article"
        yield Problem(links.path, row_number, "claim_id", message)
    for row_number, parent in _outside(db, quotes, "nested_in", "quotes", "quote_id"):
        yield Problem(quotes.path, row_number, "nested_in", f"quote lies outside quote {parent}")
    sql = (
        f"SELECT {ROW}, utterance_id FROM quotes q WHERE utterance_id != '' AND EXISTS (SELECT 1 FROM quotes o "
        "WHERE o.utterance_id = q.utterance_id AND (o.speaker_id != q.speaker_id OR o.source_id != q.source_id))"
    )
    for row_number, utterance in db.execute(sql):
        message = f"the parts of utterance {clip(utterance)} must share speaker and article"
        yield Problem(quotes.path, row_number, "utterance_id", message)
    start, end = _int("t.char_start"), _int("t.char_end")
    marks = lambda chars: ", ".join(literal(c) for c in chars)  # noqa: E731
    enclosed = (
        f"{_integers('t.char_start', 't.char_end')} AND EXISTS (SELECT 1 FROM {TEXTS} x "
        f"WHERE x.source_id = t.source_id AND 0 < {start} AND {start} < {end} AND {end} < x.length "
        f"AND substr(x.text, {start}, 1) IN ({marks(textscan.OPENING_MARKS)}) "
        f"AND substr(x.text, {end} + 1, 1) IN ({marks(textscan.CLOSING_MARKS)}))"
    )
    marked = f"t.kind IN ({marks(sorted(MARKED_QUOTE_KINDS))}) AND NOT ({enclosed})"
    for row_number, row in quotes.rows(["source_id", "char_start", "char_end", "kind"], where=marked):
        if row["kind"] not in MARKED_QUOTE_KINDS:
            continue
        text = package.text_of(row["source_id"])
        start, end = as_int(row["char_start"]), as_int(row["char_end"])
        if text is None or start is None or end is None or not 0 < start < end < len(text):
            continue
        if text[start - 1] not in textscan.OPENING_MARKS or text[end] not in textscan.CLOSING_MARKS:
            message = f"not enclosed by quotation marks: the text reads {quote(text[start - 1 : end + 1])}"
            yield Problem(quotes.path, row_number, "exact", message)


@reads({})  # only the EDTF columns that the schemas name
def date_problems(package: DataPackage, db: Stage) -> Iterator[Problem]:
    """Every EDTF column (rdfType EDTF) parses strictly: no stray spaces, real months and days."""
    for table in package.tables.values():
        columns = [f["name"] for f in table.fields if f.get("rdfType") == EDTF_RDF_TYPE]
        if not columns:
            continue
        for column in columns:
            # Each distinct value is parsed once; only the rows holding a bad one are read back.
            sql = f"SELECT DISTINCT {identifier(column)} FROM {identifier(table.name)} WHERE {identifier(column)} != ''"
            invalid = [value for (value,) in db.execute(sql) if not is_edtf(value)]
            if not invalid:
                continue
            db.create_table("nk_bad_dates", pa.table({"value": pa.array(invalid, pa.string())}))
            condition = f"t.{identifier(column)} IN (SELECT value FROM nk_bad_dates)"
            found = list(table.rows([column], where=condition))
            for row_number, row in found:
                yield Problem(table.path, row_number, column, f"{quote(row[column])} is not a valid EDTF date")


@reads(
    {
        "entities": ("entity_id", "name", "aliases"),
        "claims": ("claimant_id", "source_id"),
        "quotes": ("speaker_id", "source_id"),
        "sources": ("source_id", "publisher_id"),
    }
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
                yield Problem(entities.path, row_number, "aliases", message)
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
        yield Problem(table.path, row_number, column, message)


SCANNED = "nk_scanned"  # what the text scan finds: (source_id, start, end, kind) with kind 0 quotation, 1 number


def scan_texts(db: Stage, package: DataPackage) -> None:
    """Every quotation and number of every archived text, as a staged table (columns, not objects:
    a million spans take a few megabytes): from the background scan when one runs."""
    found = db.background.result() if db.background is not None else background_scan.scan(package)
    spans = pa.table({"text": pa.array(found.text_index, pa.int32()), "start": pa.array(found.starts, pa.int64()),
                      "end": pa.array(found.ends, pa.int64()), "kind": pa.array(found.kinds, pa.int8())})  # fmt: skip
    db.create_table("nk_spans", spans)
    db.create_table("nk_span_texts", pa.table({"source_id": pa.array(found.source_ids, pa.string())}))
    db.run(
        f"CREATE OR REPLACE TABLE {SCANNED} AS SELECT t.source_id, s.start, s.end, s.kind FROM nk_spans s "
        "JOIN (SELECT row_number() OVER () - 1 AS number, source_id FROM nk_span_texts) t ON t.number = s.text"
    )


# Each archived text reports at most this many uncovered quotations, and as many numbers; one more line
# says how many more there are. A text of a million bare numbers is one mistake, not a million.
SHOWN_PER_KIND = 50
UNCOVERED = {textscan.KIND_QUOTATION: ("quotations", "quotes"), textscan.KIND_NUMBER: ("numbers", "figures")}


@reads(
    {
        "sources": ("source_id", "text_path"),
        **{table: ("source_id", "char_start", "char_end") for table in ("quotes", "figures", "exclusions")},
    }
)
def coverage_problems(package: DataPackage, db: Stage) -> Iterator[Problem]:
    """Every quotation and number in every archived text is a quotes or figures row, or excluded."""
    scan_texts(db, package)
    paths = {r["source_id"]: r["text_path"] for _, r in package.tables["sources"].rows(["source_id", "text_path"])}
    for source_id, uncovered in sorted(_uncovered_spans(db).items()):
        yield from _uncovered_in(paths[source_id], package.archived_texts[source_id], uncovered)
    yield from _stale_exclusions(package, db)


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
            yield _uncovered(path, lines, textscan.span_at(text, kind, start, end), table)
        if total > SHOWN_PER_KIND:
            line, column = lines.line_and_column(spans[SHOWN_PER_KIND][0])
            message = f"… and {total - SHOWN_PER_KIND} more {what} in neither {table}.csv nor exclusions.csv"
            yield Problem(path, line, str(column), message)


def _uncovered(path: str, lines: textscan.Lines, span: textscan.Span, table: str) -> Problem:
    line, column = lines.line_and_column(span.start)
    where = f"{span.what} {quote(span.exact)} at {span.start}..{span.end}"
    return Problem(path, line, str(column), f"{where} is in neither {table}.csv nor exclusions.csv")


def _stale_exclusions(package: DataPackage, db: Stage) -> Iterator[Problem]:
    """An exclusion must exclude a quotation or number that the scan finds."""
    exclusions = package.tables["exclusions"]
    found = (
        f"{_integers('t.char_start', 't.char_end')} AND EXISTS (SELECT 1 FROM {SCANNED} n "
        f"WHERE n.source_id = t.source_id AND n.start = {_int('t.char_start')} AND n.end = {_int('t.char_end')})"
    )
    # The rows SQL cannot match are judged here, each text scanned once for all of its rows.
    suspects: dict[str, list[tuple[int, tuple[int | None, int | None]]]] = {}
    for row_number, row in exclusions.rows(["source_id", "char_start", "char_end"], where=f"NOT ({found})"):
        span = (as_int(row["char_start"]), as_int(row["char_end"]))
        suspects.setdefault(row["source_id"], []).append((row_number, span))
    stale = []
    for source_id, rows in suspects.items():
        text = package.text_of(source_id)
        if text is None:
            continue
        wanted = {span for _, span in rows}
        scanned = {(s.start, s.end) for _, s in textscan.spans(text) if (s.start, s.end) in wanted}
        stale += [row_number for row_number, span in rows if span not in scanned]
    for row_number in sorted(stale):
        yield Problem(exclusions.path, row_number, "char_start", "excludes no quotation or number that the scan finds")


@reads({})  # every column that the schemas name
def hygiene_problems(package: DataPackage, db: Stage) -> Iterator[Problem]:
    """CSV files that open safely anywhere: encoding, line endings, cells, formulas, URLs."""
    for table in package.tables.values():
        scanned = db.scans.get(table.name)
        if table.file.is_file() and scanned is not None:
            yield from scanned.problems  # BOM, UTF-8, line endings, found by the staging load's byte scan
            yield from _hygiene_cells(db, table)
            if scanned.unsafe_characters:  # only then are the cells read one by one to say where
                yield from _character_problems(table)
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
        yield Problem(path, None, where, f"invisible format character {invisible}: {INVISIBLE_ADVICE}")


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
    codes = [c for c in range(sys.maxunicode + 1) if c > 0x7F and is_invisible(chr(c))]
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


def _cell_problems(table: Table, column: str, cell: str) -> Iterator[str]:
    """What is wrong with one cell: stray white space, a line feed, a formula-like start, an
    invisible format character in text, a non-web URL."""
    if cell[:1] in WHITESPACE or cell[-1:] in WHITESPACE:
        yield "leading or trailing white space"
    if "\n" in cell:
        yield "control character U+000A"
    if cell[:1] in FORMULA_MARKS and not re.fullmatch(NUMBER_CELL, cell):
        yield f"starts with '{cell[0]}': a spreadsheet would run it as a formula"
    field = table.field(column) or {}
    invisible = _format_character(cell) if field.get("type") in TEXT_TYPES else None
    if invisible:
        yield f"invisible format character {invisible}: {INVISIBLE_ADVICE}"
    if field.get("format") == "uri" and cell and not cell.lower().startswith(("http://", "https://")):
        yield "URL scheme must be http or https"


def _hygiene_cells(db: Stage, table: Table) -> Iterator[Problem]:
    """Every cell of the table as one column (UNPIVOT), so that each rule is written once: SQL picks
    the cells that may break one (comparing first and last code points, cheap on every cell; a
    format character, by one RE2 class over text cells) and Python says which."""
    if not table.fields:
        return
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
    sql = (
        f"SELECT {ROW}, name, cell FROM (UNPIVOT (SELECT {ROW}, {columns} FROM {identifier(table.name)}) "
        f"ON {columns} INTO NAME name VALUE cell) WHERE unicode(cell) IN ({spaces}, {marks}) "
        f"OR unicode(right(cell, 1)) IN ({spaces}) OR contains(cell, chr(10)){uri_rule}{text_rule}"
    )
    for row_number, column, cell in db.execute(sql):
        for message in _cell_problems(table, column, cell):
            yield Problem(table.path, row_number, column, message)


def _character_problems(table: Table) -> Iterator[Problem]:
    for row_number, row in table.rows():
        for column, cell in row.items():
            if not unicodedata.is_normalized("NFC", cell):
                yield Problem(table.path, row_number, column, "not NFC-normalised Unicode")
            control = CONTROL.search(cell)
            if control:
                yield Problem(table.path, row_number, column, f"control character U+{ord(control.group()):04X}")


@reads({})  # every integer and number column that the schemas name
def number_problems(package: DataPackage, db: Stage) -> Iterator[Problem]:
    """Every integer and number cell is plain: ASCII digits, finite, within ±10^15. Table Schema
    (Python's int() and float(), and so frictionless) also takes `8_000`, other scripts' digits,
    `inf`, `nan` and 1e308, which DuckDB, SQLite and its command line each read otherwise."""
    for table in package.tables.values():
        kinds = {f["name"]: f["type"] for f in table.fields if f.get("type") in NUMERIC_TYPES}
        if not kinds or not table.file.is_file():
            continue
        # SQL passes the plain cells; Python words the rest (and leaves type errors to Table Schema).
        unplain = " OR ".join(
            f"(t.{identifier(n)} != '' AND NOT {plain_number(f't.{identifier(n)}', k)})" for n, k in kinds.items()
        )
        for row_number, row in table.rows(list(kinds), where=unplain):
            for name, kind in kinds.items():
                message = number_cell_problem(row[name], kind)
                if message:
                    yield Problem(table.path, row_number, name, message)


def is_plain_number(cell: str, kind: str) -> bool:
    """Python's reading of schemasql.plain_number: the cells that every reader reads alike."""
    value = as_int(cell) if kind == "integer" else as_float(cell)
    return value is not None and abs(value) <= NUMBER_LIMIT


def number_cell_problem(cell: str, kind: str) -> str | None:
    """What is wrong with an integer or number cell that Table Schema reads, and what to do; None
    for a plain cell, an empty one, or one that Table Schema refuses (a type error, reported so)."""
    if not cell or is_plain_number(cell, kind) or not (is_integer(cell) if kind == "integer" else is_number(cell)):
        return None
    plain = "ASCII digits 0-9" + (
        " with an optional sign" if kind == "integer" else ", an optional sign, '.' and exponent"
    )
    if re.fullmatch(PLAIN_INTEGER if kind == "integer" else PLAIN_NUMBER, cell):  # 1e16, or 1e999 (inf)
        return (
            f"{quote(cell)} is beyond ±10^15, the largest magnitude a number cell may have: check its digits and unit"
        )
    if any(c.isdigit() and not c.isascii() for c in cell):
        return f"{quote(cell)} is written in digits other than ASCII 0-9: write it in {plain}"
    if "_" in cell:
        return f"{quote(cell)} has an underscore, which readers take differently: write it in {plain}, without '_'"
    if not math.isfinite(float(cell)):
        return f"{quote(cell)} is not a finite number: write the number in {plain}, or leave the cell empty"
    return f"{quote(cell)} is not a plain {kind}: write it in {plain}"


def _keyed_to_claims(links: Table, column: str) -> bool:
    """Whether the Table Schema of claim_links makes `column` a required foreign key to claims.claim_id."""
    required = (links.field(column) or {}).get("constraints", {}).get("required") is True
    keyed = ([column], "claims", ["claim_id"]) in list(links.foreign_keys())
    return required and keyed


@reads({"claim_links": ("from_claim_id", "to_claim_id", "relation"), "claims": ("claim_id",)})
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


@reads(
    {
        "attributions": ("claim_id", "step", "role", "entity_id", "source_id"),
        "claims": ("claim_id", "claimant_id", "source_id"),
        "sources": ("source_id", "publisher_id"),
    }
)
def attribution_problems(package: DataPackage, db: Stage) -> Iterator[Problem]:
    """Every chain starts at 1 with the claim's claimant, who asserts; later steps relay; the steps
    run without a gap and are read in the claim's article. A claim that is not its article's own
    has a chain."""
    chains = package.tables["attributions"]
    sql = (
        f"SELECT a.{ROW}, a.step, a.role, a.entity_id, a.source_id, c.claimant_id, c.source_id, "
        "(SELECT count(*) FROM attributions b WHERE b.claim_id = a.claim_id) "
        "FROM attributions a JOIN claims c ON c.claim_id = a.claim_id "
        # only the rows that may break a rule reach Python, which judges them as before
        "WHERE NOT regexp_full_match(a.step, '[0-9]{1,18}') OR a.source_id != c.source_id "
        "OR CASE WHEN TRY_CAST(a.step AS BIGINT) = 1 THEN a.role != 'asserts' OR a.entity_id != c.claimant_id "
        "ELSE a.role = 'asserts' OR TRY_CAST(a.step AS BIGINT) > "
        "(SELECT count(*) FROM attributions b WHERE b.claim_id = a.claim_id) END"
    )
    for row_number, step, role, entity, source, claimant, claim_source, steps in db.execute(sql):
        number = as_int(step)
        if number is None:
            continue  # a type error
        if number > steps:
            yield Problem(
                chains.path, row_number, "step", f"step {number} of a chain of {steps}: the steps run 1, 2, …"
            )
        if number == 1 and (role != "asserts" or entity != claimant):
            message = f"step 1 is the claimant {clip(claimant)}, who asserts (here {clip(entity)}, {clip(role)})"
            yield Problem(chains.path, row_number, "entity_id", message)
        if number > 1 and role == "asserts":
            yield Problem(chains.path, row_number, "role", "only step 1 asserts; later steps relay")
        if source != claim_source:
            yield Problem(chains.path, row_number, "source_id", f"the claim is read in {clip(claim_source)}")
    claims = package.tables["claims"]
    sql = (
        f"SELECT c.{ROW}, c.claim_id FROM claims c JOIN sources s ON s.source_id = c.source_id "
        "WHERE c.claimant_id != s.publisher_id "
        "AND NOT EXISTS (SELECT 1 FROM attributions a WHERE a.claim_id = c.claim_id)"
    )
    for row_number, claim_id in db.execute(sql):
        message = f"claim {clip(claim_id)} is not its article's own: attributions.csv must give its chain"
        yield Problem(claims.path, row_number, "claimant_id", message)


@reads({})  # `inferred` where a schema has it, and the columns it names
def inference_problems(package: DataPackage, db: Stage) -> Iterator[Problem]:
    """`inferred` names columns of its own table, and an inferred EDTF date carries an EDTF
    uncertainty or approximation mark (?, ~ or %)."""
    for table in package.tables.values():
        if "inferred" not in table.field_names:
            continue
        dates = {f["name"] for f in table.fields if f.get("rdfType") == EDTF_RDF_TYPE}
        for row_number, row in table.rows(["inferred", *sorted(dates)], where="t.inferred != ''"):
            for column in (c for c in row["inferred"].split(",") if c):
                if column not in table.field_names or column == "inferred":
                    yield Problem(
                        table.path, row_number, "inferred", f"{quote(column)} is not a column of {table.name}"
                    )
                elif column in dates and row[column] and not row[column].endswith(EDTF_QUALIFIERS):
                    message = f"{column} is inferred, so its EDTF date ends in ? (or ~ or %)"
                    yield Problem(table.path, row_number, column, message)


@reads({VOCABULARY: ("table", "column", "value")})
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
                    yield Problem(table.schema_path, None, field["name"], message)
    for key in sorted(set(defined) - expected):
        message = f"defines {quote('.'.join(key))}, which no Table Schema allows"
        yield Problem(vocabulary.path, defined[key], "value", message)


@reads({VOCABULARY: ("table", "column", "value")})
def headline_problems(package: DataPackage, db: Stage) -> Iterator[Problem]:
    """The descriptor's headline measure, when it names one, is a measure that vocabulary.csv defines."""
    measure = package.headline_measure
    if measure is None:
        return
    sql = 'SELECT count(*) FROM vocabulary WHERE "table" = ? AND "column" = ? AND value = ?'
    ((defined,),) = db.execute(sql, ["figures", "measure", measure])
    if not defined:
        message = f"names {quote(measure)}, which vocabulary.csv does not define as a figures.measure"
        yield Problem(package.relative(package.descriptor_path), None, HEADLINE_MEASURE, message)


@reads({"affiliations": ("person_id", "organization_id"), "entities": ("entity_id", "kind")})
def affiliation_problems(package: DataPackage, db: Stage) -> Iterator[Problem]:
    """An affiliation links a person to something that is not a person."""
    affiliations = package.tables["affiliations"]
    sql = (
        f"SELECT a.{ROW}, p.kind FROM affiliations a JOIN entities p ON p.entity_id = a.person_id "
        "JOIN entities o ON o.entity_id = a.organization_id WHERE p.kind != 'person' OR o.kind = 'person'"
    )
    for row_number, person_kind in db.execute(sql):
        if person_kind != "person":
            yield Problem(affiliations.path, row_number, "person_id", f"is of kind {clip(person_kind)}, not a person")
        else:
            yield Problem(affiliations.path, row_number, "organization_id", "is a person: affiliations link to bodies")


CONTENT_CHECKS: list[Callable[[DataPackage, Stage], Iterator[Problem]]] = [
    hygiene_problems,
    number_problems,
    archive_problems,
    evidence_problems,
    figure_problems,
    quote_problems,
    date_problems,
    entity_problems,
    coverage_problems,
    link_problems,
    attribution_problems,
    inference_problems,
    vocabulary_problems,
    headline_problems,
    affiliation_problems,
]
