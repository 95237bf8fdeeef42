"""Every table as typed Parquet, described in the released datapackage.json beside its CSV.

The types come from the Table Schemas: integer → int64, number → float64, list → list<string>,
an enum → a dictionary-encoded string, any other string → string; an empty cell is null (a list
is then empty). EDTF date columns stay strings, exactly as written, and gain two typed companions,
`<column>_earliest` and `<column>_latest`: the first and last day the EDTF value can mean (both the
same day for a plain date), so that dates sort and compare as dates.

The files are reproducible: the same rows give the same bytes (no timestamps, fixed compression)."""

from __future__ import annotations

import datetime
import io
import time
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from edtf import parse_edtf

from scripts.package.read import EDTF_RDF_TYPE, Table

MEDIATYPE = "application/vnd.apache.parquet"
DICTIONARY_LIMIT = 127  # an enum of at most this many values is stored with int8 codes


def parquet_path(table: Table) -> str:
    return table.path.rsplit(".", 1)[0] + ".parquet"


def is_edtf(field: dict[str, Any]) -> bool:
    return field.get("type") == "string" and field.get("rdfType") == EDTF_RDF_TYPE


def _enum(field: dict[str, Any]) -> list[str] | None:
    enum = (field.get("constraints") or {}).get("enum")
    return enum if isinstance(enum, list) and 0 < len(enum) <= DICTIONARY_LIMIT else None


def arrow_type(field: dict[str, Any]) -> pa.DataType:
    kind = field.get("type", "any")
    if kind == "integer":
        return pa.int64()
    if kind == "number":
        return pa.float64()
    if kind == "boolean":
        return pa.bool_()
    if kind == "list":
        return pa.list_(pa.string())
    if kind == "string" and _enum(field):
        return pa.dictionary(pa.int8(), pa.string())
    return pa.string()


def _cell(field: dict[str, Any], text: str) -> Any:
    kind = field.get("type", "any")
    if kind == "list":
        return text.split(field.get("delimiter", ",")) if text else []
    if text == "":
        return None
    if kind == "integer":
        return int(text)
    if kind == "number":
        return float(text)
    if kind == "boolean":
        return text in field.get("trueValues", ["true", "True", "TRUE", "1"])
    return text


def _day(moment: time.struct_time) -> datetime.date:
    return datetime.date(moment.tm_year, moment.tm_mon, moment.tm_mday)


def edtf_bounds(text: str) -> tuple[datetime.date | None, datetime.date | None]:
    """The first and last day an EDTF value can mean; (None, None) when empty or open-ended."""
    if not text:
        return None, None
    parsed = parse_edtf(text)
    try:
        return _day(parsed.lower_strict()), _day(parsed.upper_strict())
    except (OverflowError, ValueError, AttributeError):
        return None, None  # an open or unknown end ("2024-10/..") has no day to give


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
            columns[f["name"]].append(_cell(f, row.get(f["name"], "")))
    arrays = {f["name"]: _array(f, columns[f["name"]]) for f in fields}
    for f in fields:
        if is_edtf(f):
            bounds = [edtf_bounds(text or "") for text in columns[f["name"]]]
            arrays[f"{f['name']}_earliest"] = pa.array([b[0] for b in bounds], pa.date32())
            arrays[f"{f['name']}_latest"] = pa.array([b[1] for b in bounds], pa.date32())
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
        "type": "date",
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
