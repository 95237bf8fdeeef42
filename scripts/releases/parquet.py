"""Every table as typed Parquet, described in the released datapackage.json beside its CSV.

The types come from the Table Schemas: integer → int64, number → float64, list → list<string>,
an enum → a dictionary-encoded string, any other string → string; an empty cell is null (a list
is then empty). EDTF date columns stay strings, exactly as written, and gain two typed companions,
`<column>_earliest` and `<column>_latest`: the first and last day the EDTF value can mean (both the
same day for a plain date), so that dates sort and compare as dates.

The files are reproducible: the same rows give the same bytes (no timestamps, fixed compression)."""

from __future__ import annotations

import io
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from scripts.package.edtf_dates import edtf_bounds
from scripts.package.fieldtypes import FIELD_TYPES, field_type
from scripts.package.read import EDTF_RDF_TYPE, Table

MEDIATYPE = "application/vnd.apache.parquet"
DATE = "date"  # the Table Schema type of an EDTF date's first and last days
DICTIONARY_LIMIT = 127  # an enum of at most this many values is stored with int8 codes


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
    sink = io.BytesIO()
    pq.write_table(arrow_table(table), sink, compression="zstd", compression_level=9)
    return sink.getvalue()


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
