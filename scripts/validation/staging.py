"""A staging load of the package into DuckDB: every CSV cell as text ('' when empty), with its CSV row number.

Set-based checks (scripts.validation.schemasql, scripts.validation.checks) and the build run over it, so that
the data is parsed once, by DuckDB's parallel CSV reader, and no check holds a whole table in Python memory.

Two readers, one result. DuckDB's reader is fast but more lenient than Python's `csv` module in a
few corners (it skips blank lines, drops spaces around quoted cells, reads CR line endings). So a
file takes the fast path only when a byte scan shows none of those corners and DuckDB parses it
strictly with every row of the schema's width; any other file is read by Python's `csv` module, as
frictionless reads it, and staged in batches. Both give the same rows (a property test says so)."""

from __future__ import annotations

import codecs
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from scripts.atomic import remove_stale, temporary_folder
from scripts.package.read import MAX_CELL_CHARS, CsvError, DataPackage, Problem, Table, csv_reader, quote
from scripts.progress import progress

ROW = "_row"  # the CSV row number (header = 1), as frictionless counts
RAW = "raw"  # the schema holding the staged cells; main holds a view per table that adds ROW
STAGE_PREFIX = "nk-stage-"
BATCH_ROWS = 50_000  # rows the Python reader stages at a time
MEMORY_LIMIT = "700MB"  # DuckDB spills to the staging folder beyond this (the benchmark's goal is 1 GiB)
CHUNK_BYTES = 1 << 22


def is_number(value: str | None) -> bool:
    """A Table Schema number as Python's float() reads it, with no surrounding space (the cells that
    SQL does not already recognise as plain decimals)."""
    if value is None or value != value.strip():
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class Stage:
    """The staging database: a DuckDB connection with the few calls the checks make."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, folder: Path) -> None:
        self.connection = connection
        self.folder = folder
        self.scans: dict[str, FileScan] = {}  # each table's byte scan, for the hygiene checks

    def execute(self, sql: str, parameters: list[Any] | None = None) -> Iterator[tuple[Any, ...]]:
        """The rows of a query, fetched in batches: a check can stream a large result."""
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, parameters or [])
            while rows := cursor.fetchmany(10_000):
                yield from rows
        finally:
            cursor.close()

    def run(self, sql: str, parameters: list[Any] | None = None) -> None:
        self.connection.execute(sql, parameters or [])

    def create_table(self, name: str, rows: pa.Table) -> None:
        """A staged table (visible to every cursor) holding an Arrow table made in Python."""
        self.connection.register("nk_arrow", rows)
        try:
            self.run(f"CREATE OR REPLACE TABLE {quoted(name)} AS SELECT * FROM nk_arrow")
        finally:
            self.connection.unregister("nk_arrow")

    def one(self, sql: str, parameters: list[Any] | None = None) -> Any:
        row = self.connection.execute(sql, parameters or []).fetchone()
        return row[0] if row else None


@dataclass
class FileScan:
    """What one pass over a CSV's bytes finds: hygiene problems and whether DuckDB may read it."""

    problems: list[Problem] = field(default_factory=list)
    lenient_corner: bool = False  # bytes that DuckDB's reader would read differently
    size: int = 0
    header_bytes: int = 0
    unsafe_characters: bool = False  # control characters or non-NFC text somewhere: checked cell by cell

    @property
    def fast(self) -> bool:
        return not self.problems and not self.lenient_corner


CONTROL_BYTES = re.compile(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")  # C0 but LF, DEL, C1 in UTF-8


def scan_file(table: Table) -> FileScan:
    """BOM, UTF-8, line endings, the final newline, control characters and NFC, streamed in
    line-aligned chunks (a file is never held whole; a combining mark never starts a chunk)."""
    import unicodedata

    result = FileScan()
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines, offset, last, bad_byte, first_cr, carry = 1, 0, b"", None, None, b""
    with table.file.open("rb") as handle:
        while True:
            block = handle.read(CHUNK_BYTES)
            data = carry + block
            cut = data.rfind(b"\n") + 1 if block else len(data)
            chunk, carry = data[:cut], data[cut:]
            if not chunk and not block:
                break
            if offset == 0 and chunk.startswith(b"\xef\xbb\xbf"):
                result.problems.append(
                    Problem(table.path, 1, None, "starts with a byte order mark; save as UTF-8 without BOM")
                )
            if bad_byte is None:
                try:
                    text = decoder.decode(chunk)
                except UnicodeDecodeError as error:
                    bad_byte = (lines + chunk.count(b"\n", 0, max(error.start, 0)), chunk[max(error.start, 0)], offset)
                    text = chunk.decode("utf-8", errors="replace")
                if not result.unsafe_characters and not chunk.isascii():
                    result.unsafe_characters = not unicodedata.is_normalized("NFC", text)
            if first_cr is None and b"\r" in chunk:
                first_cr = lines + chunk.count(b"\n", 0, chunk.index(b"\r"))
            if not result.unsafe_characters and CONTROL_BYTES.search(chunk.replace(b"\r\n", b"\n")):
                result.unsafe_characters = True
            if b"\x00" in chunk:  # Python's csv module refuses a NUL; DuckDB's would read it
                result.lenient_corner = True
            if offset == 0:
                result.header_bytes = chunk.find(b"\n") + 1
            lines += chunk.count(b"\n")
            offset += len(chunk)
            last = chunk[-1:] if chunk else last
            if not block:
                break
    if bad_byte is not None:
        line, byte, at = bad_byte
        result.problems.append(
            Problem(table.path, line, None, f"not UTF-8: byte {byte:#x} in the chunk at offset {at}")
        )
    if first_cr is not None:
        result.problems.append(Problem(table.path, first_cr, None, "CR line ending; use LF only"))
    if offset and last != b"\n":
        result.problems.append(Problem(table.path, lines, None, "no newline at the end of the file"))
    result.size = offset
    return result


def _header(table: Table) -> list[str]:
    with table.file.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        return next(csv_reader(handle, table.path), [])


def _raw_ddl(table: Table) -> str:
    columns = ", ".join(f"{quoted(n)} VARCHAR" for n in table.field_names)
    return f"CREATE TABLE {RAW}.{quoted(table.name)} ({columns})"


def load_with_duckdb(stage: Stage, table: Table, scan: FileScan) -> bool:
    """Stage a file with DuckDB's strict reader; False (and nothing staged) if it refuses the file,
    or if its cells might not be the ones Python's reader finds.

    DuckDB reads a few malformed corners leniently: it skips blank lines and drops spaces around a
    quoted cell, where Python keeps them (and the hygiene check reports them). Such bytes are not
    in the cells DuckDB returns, so the file is staged this way only if the cells, written back as
    a CSV writer with minimal quoting writes them (Python's, frictionless's), add up to the file's
    exact size. A file quoted otherwise (every cell, say) is read by Python: slower, never wrong."""
    names = table.field_names
    name = f"{RAW}.{quoted(table.name)}"
    columns = "{" + ", ".join(f"{sql_text(n)}: 'VARCHAR'" for n in names) + "}"
    cells = ", ".join(f"coalesce({quoted(n)}, '') AS {quoted(n)}" for n in names)
    source = (
        f"read_csv({sql_text(str(table.file))}, columns = {columns}, header = true, auto_detect = false, "
        "delim = ',', quote = '\"', escape = '\"', new_line = '\\n', strict_mode = true, null_padding = false, "
        "all_varchar = true, parallel = true)"
    )
    try:
        stage.run(f"CREATE TABLE {name} AS SELECT {cells} FROM {source}")
    except duckdb.Error:
        stage.run(f"DROP TABLE IF EXISTS {name}")
        return False
    if names and not _same_size(stage, table, scan):
        stage.run(f"DROP TABLE {name}")
        return False
    return True


def _written_length(cell: str) -> str:
    """SQL: the bytes a minimal-quoting CSV writer writes for a cell (quoted, quotes doubled, when
    it holds a comma, a quote or a line break)."""
    special = " OR ".join(f"contains({cell}, {mark})" for mark in ("','", "'\"'", "chr(10)", "chr(13)"))
    quotes = f"(strlen({cell}) - strlen(replace({cell}, '\"', '')))"
    return f"strlen({cell}) + CASE WHEN {special} THEN 2 + {quotes} ELSE 0 END"


def _same_size(stage: Stage, table: Table, scan: FileScan) -> bool:
    """Whether the staged cells, written as minimal-quoting CSV, are exactly the file's data bytes,
    and none is longer than Python's reader takes."""
    names = table.field_names
    row = " + ".join(_written_length(quoted(n)) for n in names)
    longest = ", ".join(f"max(length({quoted(n)}))" for n in names)
    sql = f"SELECT coalesce(sum({row} + {len(names)}), 0), {longest} FROM {RAW}.{quoted(table.name)}"
    total, *lengths = stage.connection.execute(sql).fetchone() or (0,)
    if any((length or 0) > MAX_CELL_CHARS for length in lengths):
        return False
    return int(total) == scan.size - scan.header_bytes


UNDECODABLE: list[UnicodeDecodeError] = []


def _record_undecodable(error: UnicodeError) -> tuple[str, int]:
    """Decode on past a bad byte (as U+FFFD), remembering it: the file is streamed, never held whole."""
    assert isinstance(error, UnicodeDecodeError)
    UNDECODABLE.append(error)
    return "\ufffd", error.end


codecs.register_error("nk-record", _record_undecodable)


def load_with_python(stage: Stage, table: Table) -> Iterator[Problem]:
    """Stage a file with Python's csv module (as frictionless reads it); yields a problem for a row
    with missing or extra cells, or undecodable bytes."""
    names = table.field_names
    width = len(names)
    stage.run(_raw_ddl(table))
    schema = pa.schema([(f"c{i}", pa.string()) for i in range(width)])
    problems: list[Problem] = []
    UNDECODABLE.clear()
    # utf-8-sig: a byte order mark is not part of the header (the hygiene check reports it).
    with table.file.open(encoding="utf-8-sig", errors="nk-record", newline="") as handle:
        reader = csv_reader(handle, table.path)
        next(reader, [])
        batch: list[list[str]] = []
        for number, cells in enumerate(reader, start=2):
            if len(cells) != width:
                what = "missing-cell" if len(cells) < width else "extra-cell"
                problems.append(Problem(table.path, number, None, f"{what}: {len(cells)} cells, expected {width}"))
                cells = (cells + [""] * width)[:width]
            batch.append(cells)
            if len(batch) == BATCH_ROWS:
                _append(stage, table, batch, schema)
                batch = []
        _append(stage, table, batch, schema)
    if UNDECODABLE:
        error = UNDECODABLE[0]
        problems.append(
            Problem(table.path, None, None, f"encoding-error: not UTF-8: byte {error.object[error.start]:#x}")
        )
    yield from problems


def _append(stage: Stage, table: Table, rows: list[list[str]], schema: pa.Schema) -> None:
    if not rows or not schema.names:
        return
    batch = pa.table([pa.array(column, pa.string()) for column in zip(*rows, strict=True)], schema=schema)
    stage.connection.register("nk_batch", batch)
    try:
        stage.run(f"INSERT INTO {RAW}.{quoted(table.name)} SELECT * FROM nk_batch")
    finally:
        stage.connection.unregister("nk_batch")


def load_table(stage: Stage, table: Table, scan: FileScan) -> Iterator[Problem]:
    """Stage one CSV and add its view with row numbers; yields a wrong header or wrong row widths."""
    header = _header(table)
    if header != table.field_names:
        yield Problem(
            table.path,
            1,
            None,
            f"incorrect-label: header is {quote(header)}, the schema says {quote(table.field_names)}",
        )
    if not (scan.fast and header == table.field_names and load_with_duckdb(stage, table, scan)):
        yield from load_with_python(stage, table)
    cells = ", ".join(quoted(n) for n in table.field_names)
    # rowid is the insertion order, which both readers keep: the record's CSV row is rowid + 2.
    stage.run(f"CREATE VIEW {quoted(table.name)} AS SELECT rowid + 2 AS {ROW}, {cells} FROM {RAW}.{quoted(table.name)}")


@contextmanager
def staged(package: DataPackage) -> Iterator[tuple[Stage, list[Problem], bool]]:
    """The package staged in DuckDB (bounded memory: it spills to a temporary folder), the load's
    problems, and whether every CSV could be parsed to its end (if not, nothing more can be checked)."""
    remove_stale(Path(tempfile.gettempdir()), STAGE_PREFIX)
    with temporary_folder(f"{STAGE_PREFIX}{os.getpid()}-") as folder:
        settings = {"memory_limit": MEMORY_LIMIT, "temp_directory": str(folder / "spill")}
        connection = duckdb.connect(":memory:", config=settings)
        connection.create_function("is_number", is_number, ["VARCHAR"], "BOOLEAN", side_effects=False)
        stage = Stage(connection, folder)
        try:
            stage.run(f"CREATE SCHEMA {RAW}")
            problems: list[Problem] = []
            parsed = True
            for table in package.tables.values():
                if table.file.is_file():
                    progress(f"staging {table.path}")
                    scan = scan_file(table)
                    stage.scans[table.name] = scan
                    try:
                        problems += load_table(stage, table, scan)
                    except CsvError as error:
                        problems.append(error.problem)
                        parsed = False
            yield stage, problems, parsed
        finally:
            connection.close()
