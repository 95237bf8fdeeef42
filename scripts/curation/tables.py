"""Read and rewrite a package's CSV tables whole, for the curation tools: the header from the Table
Schema, rows as dicts, written back atomically in the same CSV dialect the package uses."""

from __future__ import annotations

import csv
import io

from scripts.atomic import write_atomically
from scripts.messages import PackageError
from scripts.package.read import DataPackage, Table

Row = dict[str, str]


def table_of(package: DataPackage, name: str) -> Table:
    """The package's table `name`, or a clear refusal: a curation tool reads tables a package may lack."""
    table = package.tables.get(name)
    if table is None:
        raise PackageError(f"{package.relative(package.descriptor_path)}: no resource {name!r}, which this tool reads")
    return table


def read_rows(table: Table) -> list[Row]:
    """Every row, by the schema's columns; a row without one of them (a header or a row cut short)
    is refused, naming it, so that no tool reads an absent cell as empty."""
    rows = []
    for number, row in table.rows():
        missing = [field for field in table.field_names if field not in row]
        if missing:
            raise PackageError(f"{table.path}:{number}: no cell for {', '.join(missing)}: run make validate")
        rows.append(row)
    return rows


def csv_text(table: Table, rows: list[Row], extra: tuple[str, ...] = ()) -> str:
    """The CSV of `rows` in the table's columns (then `extra` ones, as drafts have), in the package's dialect."""
    columns = [*table.field_names, *extra]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([row.get(column, "") for column in columns] for row in rows)
    return buffer.getvalue()


def write_rows(table: Table, rows: list[Row]) -> None:
    """Rewrite a table whole, atomically: readers see the old file or the new one."""
    write_atomically(table.file, csv_text(table, rows))
