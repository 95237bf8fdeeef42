"""Read and rewrite a package's CSV tables whole, for the curation tools: the header from the Table
Schema, rows as dicts, written back atomically in the same CSV dialect the package uses."""

from __future__ import annotations

import csv
import io

from scripts.atomic import write_atomically
from scripts.package.read import Table

Row = dict[str, str]


def read_rows(table: Table) -> list[Row]:
    return [row for _, row in table.rows()]


def csv_text(table: Table, rows: list[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.field_names)
    writer.writerows([row.get(column, "") for column in table.field_names] for row in rows)
    return buffer.getvalue()


def write_rows(table: Table, rows: list[Row]) -> None:
    """Rewrite a table whole, atomically: readers see the old file or the new one."""
    write_atomically(table.file, csv_text(table, rows))
