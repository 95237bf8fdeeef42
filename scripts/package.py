"""Read a data package: its descriptor, Table Schemas, CSV rows and archived texts.

Everything here reads; nothing writes. Row numbers follow frictionless: the header is row 1."""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

EDTF_RDF_TYPE = "http://id.loc.gov/datatypes/edtf/EDTF-level1"
SPAN_COLUMNS = ("exact", "char_start", "char_end")


@dataclass(frozen=True, order=True)
class Problem:
    """One defect, located as `path:row:column` (row and column may be unknown)."""

    path: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        row = "-" if self.row is None else str(self.row)
        return f"{self.path}:{row}:{self.column or '-'}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "row": self.row, "column": self.column, "message": self.message}


@dataclass
class Table:
    """One tabular resource: where its CSV is, and its Table Schema."""

    name: str
    path: str  # as written in the descriptor, relative to the package root
    schema_path: str
    schema: dict[str, Any]
    root: Path
    staging: sqlite3.Connection | None = None  # set by validation: rows then stream from SQLite

    @property
    def file(self) -> Path:
        return self.root / self.path

    @property
    def fields(self) -> list[dict[str, Any]]:
        return self.schema.get("fields", [])

    @property
    def field_names(self) -> list[str]:
        return [f["name"] for f in self.fields]

    def field(self, name: str) -> dict[str, Any] | None:
        return next((f for f in self.fields if f["name"] == name), None)

    @property
    def primary_key(self) -> list[str]:
        key = self.schema.get("primaryKey", [])
        return [key] if isinstance(key, str) else list(key)

    def foreign_keys(self) -> Iterator[tuple[list[str], str, list[str]]]:
        """(fields, referenced resource, referenced fields); a self-reference names this table."""
        for fk in self.schema.get("foreignKeys", []):
            ref = fk["reference"]
            as_list = lambda v: [v] if isinstance(v, str) else list(v)  # noqa: E731
            yield as_list(fk["fields"]), ref.get("resource") or self.name, as_list(ref["fields"])

    def rows(self, columns: list[str] | None = None) -> Iterator[tuple[int, dict[str, str]]]:
        """(row number, cells by column) for every data row, streamed; the header is row 1.

        From the staging database when one is attached (only the columns asked for), else from
        the CSV (every column)."""
        if self.staging is not None:
            names = [c for c in (columns or self.field_names) if c in self.field_names]
            selected = ", ".join(['"_row"', *(f'"{c}"' for c in names)])
            for number, *cells in self.staging.execute(f'SELECT {selected} FROM "{self.name}" ORDER BY "_row"'):
                yield number, dict(zip(names, cells, strict=True))
            return
        # Undecodable bytes become U+FFFD here; the hygiene check reports them with their row.
        with self.file.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            for number, cells in enumerate(reader, start=2):
                yield number, dict(zip(header, cells, strict=False))


@dataclass
class DataPackage:
    """A data package on disk, read lazily."""

    descriptor_path: Path
    descriptor: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.descriptor_path = Path(self.descriptor_path)
        self.descriptor = json.loads(self.descriptor_path.read_text(encoding="utf-8"))

    @property
    def root(self) -> Path:
        return self.descriptor_path.parent

    def relative(self, path: Path) -> str:
        """A path as the package names it, for problem reports."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    @cached_property
    def tables(self) -> dict[str, Table]:
        tables = {}
        for resource in self.descriptor.get("resources", []):
            schema_ref = resource.get("schema")
            if isinstance(schema_ref, str):
                schema = json.loads((self.root / schema_ref).read_text(encoding="utf-8"))
            else:
                schema_ref, schema = "datapackage.json", schema_ref or {}
            tables[resource["name"]] = Table(resource["name"], resource["path"], schema_ref, schema, self.root)
        return tables

    def attach(self, staging: sqlite3.Connection | None) -> None:
        """Read every table from this staging database (or, with None, from the CSVs again)."""
        for table in self.tables.values():
            table.staging = staging

    def text_of(self, source_id: str) -> str | None:
        """The archived text of a source, decoded exactly as stored, or None if it has none."""
        return self.archived_texts.get(source_id)

    @cached_property
    def archived_texts(self) -> dict[str, str]:
        texts = {}
        for _, row in self.tables["sources"].rows(["source_id", "text_path"]):
            path = row.get("text_path", "")
            file = self.root / path
            if path and file.is_file():
                texts[row["source_id"]] = file.read_bytes().decode("utf-8", errors="replace")
        return texts


def as_int(cell: str) -> int | None:
    try:
        return int(cell)
    except ValueError:
        return None


def as_float(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None
