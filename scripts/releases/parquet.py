"""Every table as typed Parquet, described in the released datapackage.json beside its CSV.

The types come from the Table Schemas: integer → int64, number → float64, list → list<string>,
an enum → a dictionary-encoded string, any other string → string; an empty cell is null (a list
is then empty). EDTF date columns stay strings, exactly as written, and gain two typed companions,
`<column>_earliest` and `<column>_latest`: the first and last day the EDTF value can mean (both the
same day for a plain date), so that dates sort and compare as dates.

The files are reproducible: the same rows give the same bytes (no timestamps, fixed compression,
fixed row groups). `write_parquet` streams a table from the validation's staging database: DuckDB
types the cells (as the build does), Arrow encodes the enums against the schema's fixed
dictionary, and each distinct EDTF value is read once (`edtf_bounds` takes milliseconds a call).
Neither DuckDB's own Parquet writer (`COPY … (FORMAT parquet)`) nor pyarrow's reading of it keeps
an enum's dictionary whole and in the schema's order, so pyarrow writes the file. `arrow_table`,
the row-by-row reading of the CSV, stays the reference that the tests hold the stream to."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from scripts.package.edtf_dates import edtf_bounds
from scripts.package.fieldtypes import FIELD_TYPES, TRUE_VALUES, field_type
from scripts.package.read import EDTF_RDF_TYPE, Table
from scripts.sql import identifier, literal, literals
from scripts.validation.staging import ROW, Stage

MEDIATYPE = "application/vnd.apache.parquet"
DATE = "date"  # the Table Schema type of an EDTF date's first and last days
DICTIONARY_LIMIT = 127  # an enum of at most this many values is stored with int8 codes
WRITE_OPTIONS = {"compression": "zstd", "compression_level": 9}
ROW_GROUP_ROWS = 1 << 17  # fixed, so that the same rows give the same row groups (and bytes)
BATCH_ROWS = 1 << 16  # rows fetched from the staging database at a time


def parquet_path(table: Table) -> str:
    return table.path.rsplit(".", 1)[0] + ".parquet"


def is_edtf(field: dict[str, Any]) -> bool:
    return field.get("type") == "string" and field.get("rdfType") == EDTF_RDF_TYPE


def _enum(field: dict[str, Any]) -> list[str] | None:
    enum = (field.get("constraints") or {}).get("enum")
    return enum if isinstance(enum, list) and 0 < len(enum) <= DICTIONARY_LIMIT else None


def arrow_type(field: dict[str, Any]) -> pa.DataType:
    if field.get("type", "any") == "string" and _enum(field):
        return pa.dictionary(pa.int8(), pa.string())
    return field_type(field).arrow


def _array(field: dict[str, Any], cells: list[Any]) -> pa.Array:
    kind = arrow_type(field)
    if pa.types.is_dictionary(kind):
        # The dictionary holds every allowed value in the schema's order, so codes are stable.
        values = pa.array(_enum(field), pa.string())
        codes = {value: code for code, value in enumerate(_enum(field) or [])}
        return pa.DictionaryArray.from_arrays(pa.array([codes.get(c) for c in cells], pa.int8()), values)
    return pa.array(cells, kind)


def arrow_table(table: Table) -> pa.Table:
    """The table's rows, typed by its Table Schema, with the EDTF companions after the columns."""
    fields = table.fields
    columns: dict[str, list[Any]] = {f["name"]: [] for f in fields}
    for _, row in table.rows():
        for f in fields:
            columns[f["name"]].append(field_type(f).parse(f, row.get(f["name"], "")))
    arrays = {f["name"]: _array(f, columns[f["name"]]) for f in fields}
    for f in fields:
        if is_edtf(f):
            bounds = [edtf_bounds(text or "") for text in columns[f["name"]]]
            arrays[f"{f['name']}_earliest"] = pa.array([b[0] for b in bounds], FIELD_TYPES[DATE].arrow)
            arrays[f"{f['name']}_latest"] = pa.array([b[1] for b in bounds], FIELD_TYPES[DATE].arrow)
    return pa.table(arrays)


def parquet_bytes(table: Table) -> bytes:
    """The table as Parquet, read row by row (the reference for `write_parquet`)."""
    sink = io.BytesIO()
    pq.write_table(arrow_table(table), sink, **WRITE_OPTIONS)
    return sink.getvalue()


def arrow_schema(table: Table) -> pa.Schema:
    """The Parquet file's columns: the schema's fields, then the EDTF companions."""
    columns = [(f["name"], arrow_type(f)) for f in table.fields]
    date = FIELD_TYPES[DATE].arrow
    columns += [(f"{f['name']}_{end}", date) for f in table.fields if is_edtf(f) for end in ("earliest", "latest")]
    return pa.schema(columns)


def staged_column(field: dict[str, Any]) -> str:
    """SQL reading a staged text cell as its Parquet column (DuckDB's names of the registry's types);
    empty means NULL, and an empty list cell the empty list, as `arrow_table` reads them."""
    cell = f"nullif({identifier(field['name'])}, '')"
    kind = field.get("type", "any")
    if kind == "list":
        delimiter = literal(field.get("delimiter", ","))
        return f"CASE WHEN {cell} IS NULL THEN []::VARCHAR[] ELSE string_split({cell}, {delimiter}) END"
    if kind == "boolean":
        true_values = literals(list(field.get("trueValues", TRUE_VALUES)))
        return f"CASE WHEN {cell} IS NULL THEN NULL ELSE {cell} IN ({true_values}) END"
    return f"CAST({cell} AS {field_type(field).duckdb})"


def _bounds_of(stage: Stage, table: Table, field: dict[str, Any]) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(every distinct non-empty value of an EDTF column, its first days, its last days), each value
    parsed once: a million rows hold a few thousand distinct dates."""
    column = identifier(field["name"])
    query = f"SELECT DISTINCT {column} FROM {identifier(table.name)} WHERE {column} <> '' ORDER BY {column}"
    values = [value for (value,) in stage.execute(query)]
    bounds = [edtf_bounds(value) for value in values]
    date = FIELD_TYPES[DATE].arrow
    return pa.array(values, pa.string()), pa.array([b[0] for b in bounds], date), pa.array([b[1] for b in bounds], date)


def _typed_batch(
    batch: pa.RecordBatch, table: Table, schema: pa.Schema, bounds: dict[str, tuple[pa.Array, pa.Array, pa.Array]]
) -> pa.RecordBatch:
    """A batch of staged rows as the Parquet file's columns: enums coded by the schema's order, each
    EDTF value's first and last days looked up among the distinct values."""
    arrays = []
    for field in table.fields:
        column = batch.column(field["name"])
        kind = schema.field(field["name"]).type
        if pa.types.is_dictionary(kind):
            dictionary = pa.array(_enum(field), pa.string())
            codes = pc.cast(pc.index_in(column, value_set=dictionary), pa.int8())
            arrays.append(pa.DictionaryArray.from_arrays(codes, dictionary))
        else:
            arrays.append(column.cast(kind))
    for field in table.fields:
        if is_edtf(field):
            values, earliest, latest = bounds[field["name"]]
            found = pc.index_in(batch.column(field["name"]), value_set=values)
            arrays += [earliest.take(found), latest.take(found)]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def staged_batches(stage: Stage, table: Table) -> Iterator[pa.RecordBatch]:
    """The staged table's rows in CSV order, typed as the Parquet file's columns, in batches."""
    schema = arrow_schema(table)
    bounds = {f["name"]: _bounds_of(stage, table, f) for f in table.fields if is_edtf(f)}
    columns = ", ".join(f"{staged_column(f)} AS {identifier(f['name'])}" for f in table.fields)
    cursor = stage.connection.cursor()
    try:
        query = f"SELECT {columns} FROM {identifier(table.name)} ORDER BY {ROW}"
        for batch in cursor.sql(query).to_arrow_reader(BATCH_ROWS):
            yield _typed_batch(batch, table, schema, bounds)
    finally:
        cursor.close()


def write_batches(batches: Iterator[pa.RecordBatch], schema: pa.Schema, path: Path) -> None:
    """Parquet from a stream of batches, in row groups of ROW_GROUP_ROWS whatever the batches' sizes
    (which the reader may choose), so that the bytes depend only on the rows."""
    pending: list[pa.RecordBatch] = []
    held, written = 0, False
    with pq.ParquetWriter(path, schema, **WRITE_OPTIONS) as writer:
        for batch in batches:
            pending.append(batch)
            held += batch.num_rows
            if held >= ROW_GROUP_ROWS:
                rows = pa.Table.from_batches(pending, schema)
                whole = held - held % ROW_GROUP_ROWS
                writer.write_table(rows.slice(0, whole), row_group_size=ROW_GROUP_ROWS)
                pending, held, written = rows.slice(whole).to_batches(), held - whole, True
        if held or not written:  # the rest; an empty table is written as write_table writes one
            writer.write_table(pa.Table.from_batches(pending, schema), row_group_size=ROW_GROUP_ROWS)


def write_table(table: Table, path: Path) -> None:
    """The table's Parquet file at `path`: streamed from the staging database when the table has one
    attached, else read from its CSV (a small package, as the tests build it)."""
    if table.staging is not None:
        write_parquet(table.staging, table, path)
    else:
        path.write_bytes(parquet_bytes(table))


def write_parquet(stage: Stage, table: Table, path: Path) -> None:
    """The table's Parquet file at `path`, streamed from the staging database: memory holds a row
    group at a time, whatever the table's size."""
    write_batches(staged_batches(stage, table), arrow_schema(table), path)


def _described_field(field: dict[str, Any]) -> dict[str, Any]:
    described = {key: value for key, value in field.items() if key not in ("delimiter", "itemType")}
    if field.get("type") == "list":
        # frictionless 5 reads a Parquet list cell as a numpy array, which its `array` and `list`
        # types refuse; `any` keeps the file valid for it. The column is list<string> for every reader.
        described["type"] = "any"
        described["description"] = f"{field.get('description', '')} In Parquet: a list of strings.".strip()
    return described


def _companion(field: dict[str, Any], end: str) -> dict[str, Any]:
    name, title = field["name"], field.get("title", field["name"])
    first_or_last = "first" if end == "earliest" else "last"
    return {
        "name": f"{name}_{end}",
        "type": DATE,
        "title": f"{title}: {end} day",
        "description": f"The {first_or_last} day that the EDTF value of {name} can mean, computed from it "
        f"(the same day as {name} for a plain date); empty when {name} is empty. Parquet only.",
    }


def parquet_schema(table: Table) -> dict[str, Any]:
    fields = [_described_field(f) for f in table.fields]
    fields += [_companion(f, end) for f in table.fields if is_edtf(f) for end in ("earliest", "latest")]
    schema: dict[str, Any] = {"fields": fields}
    if table.primary_key:
        schema["primaryKey"] = table.primary_key
    return schema


def parquet_resource(table: Table, resource: dict[str, Any]) -> dict[str, Any]:
    """The descriptor entry of the table's Parquet file (without bytes and hash)."""
    return {
        "name": f"{table.name}-parquet",
        "type": "table",
        "path": parquet_path(table),
        "format": "parquet",
        "mediatype": MEDIATYPE,
        "title": f"{resource.get('title', table.name)} (Parquet)",
        "description": f"The {table.name} table ({table.path}) as typed Parquet: the same rows and columns, "
        "with numbers as numbers, lists as lists and controlled values dictionary-encoded"
        + (", plus first and last days of its EDTF dates." if any(is_edtf(f) for f in table.fields) else "."),
        "schema": parquet_schema(table),
    }
