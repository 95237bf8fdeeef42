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
import unicodedata
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from scripts.atomic import remove_stale, temporary_folder
from scripts.package.fieldtypes import SQL_FUNCTIONS
from scripts.package.read import (
    MAX_CELL_CHARS,
    CsvError,
    DataPackage,
    Problem,
    Table,
    csv_reader,
    glob_character,
    quote,
)
from scripts.package.spec import RESERVED_FIELD
from scripts.progress import progress
from scripts.sql import identifier, literal

# Arrow's own allocator keeps what it frees; the system's returns large blocks at once, so tables
# handed to DuckDB (the texts: as large as every article together) do not stay in memory twice.
pa.set_memory_pool(pa.system_memory_pool())

ROW = RESERVED_FIELD  # the CSV row number (header = 1), as frictionless counts
RAW = "raw"  # the schema holding the staged cells; main holds a view per table that adds ROW
STAGE_PREFIX = "nk-stage-"
OWN_TABLES_PREFIX = "nk_"  # of the tables the validator stages of its own (texts, spans): no resource takes it
BATCH_ROWS = 50_000  # rows the Python reader stages at a time
MEMORY_LIMIT = "600MB"  # DuckDB spills to the staging folder beyond this (the benchmark's goal is 1 GiB)
CHUNK_BYTES = 1 << 22


class Stage:
    """The staging database: a DuckDB connection with the few calls the checks make."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, folder: Path) -> None:
        self.connection = connection
        self.folder = folder
        self.scans: dict[str, FileScan] = {}  # each table's byte scan, for the hygiene checks
        self.read_by_duckdb: set[str] = set()  # tables whose file DuckDB's reader staged (every byte plain)
        self.absent: dict[str, set[str]] = {}  # per table, the fields its CSV has no column for (staged empty)
        self.background: Any = None  # a scripts.validation.background_scan.Background, for the coverage check

    def execute(self, sql: str, parameters: list[Any] | None = None) -> Iterator[tuple[Any, ...]]:
        """The rows of a query, fetched in batches: a check can stream a large result."""
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, parameters or [])
            while rows := cursor.fetchmany(10_000):
                yield from rows
        finally:
            cursor.close()

    def table_rows(
        self, table: str, columns: list[str], where: str | None = None
    ) -> Iterator[tuple[int, dict[str, str]]]:
        """(CSV row number, cells by column) of a staged table in CSV order: only `columns`, and only
        the rows for which the SQL condition `where` holds (the table is aliased `t`). A column the
        table lacks is an error, never a silently missing cell: the checks declare what they read."""
        selected = ", ".join([f"t.{ROW}", *(f"t.{identifier(c)}" for c in columns)])
        condition = f" WHERE {where}" if where else ""
        for number, *cells in self.execute(f"SELECT {selected} FROM {identifier(table)} t{condition} ORDER BY t.{ROW}"):
            yield number, dict(zip(columns, cells, strict=True))

    def run(self, sql: str, parameters: list[Any] | None = None) -> None:
        self.connection.execute(sql, parameters or [])

    def create_table(self, name: str, rows: pa.Table) -> None:
        """A staged table (visible to every cursor) holding an Arrow table made in Python."""
        self.connection.register("nk_arrow", rows)
        try:
            self.run(f"CREATE OR REPLACE TABLE {identifier(name)} AS SELECT * FROM nk_arrow")
        finally:
            self.connection.unregister("nk_arrow")

    def create_table_of(self, name: str, columns: dict[str, tuple[str, Any]]) -> None:
        """A staged table of Python values (column: (SQL type, a list of values or an array.array of
        numbers)), with no call of Arrow's pa.array: its first call imports pandas (half a second)."""
        arrays = {n: values for n, (_, values) in columns.items() if isinstance(values, array)}
        if arrays and len(arrays) != len(columns):
            raise ValueError("a staged table is made of lists or of arrays, not of both")
        if arrays:
            kinds = {"q": pa.int64(), "i": pa.int32(), "b": pa.int8()}
            buffers = [
                pa.Array.from_buffers(kinds[v.typecode], len(v), [None, pa.py_buffer(v)]) for v in arrays.values()
            ]
            self.create_table(name, pa.Table.from_arrays(buffers, names=list(arrays)))
            return
        selected = ", ".join(f"unnest(?::{kind}[]) AS {identifier(n)}" for n, (kind, _) in columns.items())
        self.run(f"CREATE OR REPLACE TABLE {identifier(name)} AS SELECT {selected}", [v for _, v in columns.values()])

    def one(self, sql: str, parameters: list[Any] | None = None) -> Any:
        rows = self.connection.execute(sql, parameters or []).fetchall()  # to the end: DuckDB holds an unread result
        return rows[0][0] if rows else None


@dataclass
class FileScan:
    """What one pass over a CSV's bytes finds: hygiene problems and whether DuckDB may read it."""

    problems: list[Problem] = field(default_factory=list)
    lenient_corner: bool = False  # bytes that DuckDB's reader would read differently
    unsafe_characters: bool = False  # control characters or non-NFC text somewhere: checked cell by cell
    commas: int = 0  # every comma byte of the file: DuckDB's cells must account for each (load_with_duckdb)

    @property
    def fast(self) -> bool:
        return not self.problems and not self.lenient_corner


# Bytes that DuckDB's reader reads otherwise than Python's csv module (which frictionless uses): it
# skips a blank line where Python sees a row of no cells, reads a CR as a line end, takes a NUL that
# Python refuses, and drops the spaces around a quoted cell that Python keeps (see spaced_quote).
LENIENT_BYTES = (b"\n\n", b"\r", b"\x00")
SPACE, QUOTE, ENDS = b" \t", 0x22, b",\n"


# Each starts with a literal byte, so that the regex engine skips to candidates at C speed.
OPENING_AFTER_SPACE = (re.compile(rb",[ \t]+\"+"), re.compile(rb"\n[ \t]+\"+"))
CLOSING_BEFORE_SPACE = re.compile(rb"\"[ \t]+(?:[,\n]|$)")


def spaced_quote(chunk: bytes) -> bool:
    """Whether spaces stand between a delimiter (or a line start) and an opening quote, or between a
    closing quote and a delimiter (or a line end). Quotes inside a quoted cell come in pairs, so an
    odd run of quotes opens or closes a cell; an even run does too where it is the whole cell (`""`).
    The chunk starts at a line start. Finds a few false alarms, never misses one."""
    for pattern in OPENING_AFTER_SPACE:
        for match in pattern.finditer(b"\n" + chunk):
            quotes = len(match.group()) - len(match.group().rstrip(b'"'))
            after = match.end() - 1  # index in chunk of the byte after the quotes
            if quotes % 2 or after >= len(chunk) or chunk[after] in ENDS:
                return True
    for match in CLOSING_BEFORE_SPACE.finditer(chunk):
        start = match.start()
        while start > 0 and chunk[start - 1] == QUOTE:
            start -= 1
        if (match.start() - start + 1) % 2 or start == 0 or chunk[start - 1] in ENDS:
            return True
    return False


def is_lenient(lines: bytes, after_line_end: bool) -> bool:
    """Whether whole lines hold bytes that DuckDB's reader reads otherwise than Python's csv module.
    Lines that follow a line end and start with a line feed start with a blank line."""
    blank_first = after_line_end and lines.startswith(b"\n")
    return blank_first or any(b in lines for b in LENIENT_BYTES) or spaced_quote(lines)


def has_control_characters(lines: bytes, ascii: bool | None = None) -> bool:
    """Whether the bytes hold a C0 control but LF, DEL, or (outside ASCII) a C1 control in UTF-8."""
    if ascii is None:
        ascii = lines.isascii()
    return bool(lines.translate(None, NOT_CONTROL)) or (not ascii and C1_CONTROL.search(lines) is not None)


# C0 controls but LF, and DEL: what remains when every other byte is deleted.
NOT_CONTROL = bytes(b for b in range(256) if not ((b < 0x20 and b != 0x0A) or b == 0x7F))
C1_CONTROL = re.compile(rb"\xc2[\x80-\x9f]")  # U+0080-U+009F in UTF-8


def scan_file(table: Table) -> FileScan:
    """BOM, UTF-8, line endings, the final newline, control characters and NFC, streamed in
    line-aligned chunks (a file is never held whole; a combining mark never starts a chunk)."""
    result = FileScan()
    lines, offset, last, bad_byte, first_cr, carry = 1, 0, b"", None, None, b""
    with table.regular_file.open("rb") as handle:
        while True:
            block = handle.read(CHUNK_BYTES)
            data = carry + block
            cut = data.rfind(b"\n") + 1 if block else len(data)
            chunk, carry = data[:cut], data[cut:]
            if not chunk and not block:
                break
            if offset == 0 and chunk.startswith(b"\xef\xbb\xbf"):
                result.problems.append(
                    Problem(
                        table.path,
                        1,
                        None,
                        "starts with a byte order mark; save as UTF-8 without BOM",
                        code="byte-order-mark",
                    )
                )
            ascii = chunk.isascii()  # then it is UTF-8 and NFC: nothing to decode
            if bad_byte is None and not ascii:
                try:
                    text = chunk.decode("utf-8")  # chunks end at a line end, so never inside a character
                except UnicodeDecodeError as error:
                    bad_byte = (lines + chunk.count(b"\n", 0, error.start), chunk[error.start], offset)
                    text = chunk.decode("utf-8", errors="replace")
                if not result.unsafe_characters:
                    result.unsafe_characters = not unicodedata.is_normalized("NFC", text)
            if first_cr is None and b"\r" in chunk:
                first_cr = lines + chunk.count(b"\n", 0, chunk.index(b"\r"))
            if not result.unsafe_characters and has_control_characters(chunk, ascii):
                result.unsafe_characters = True
            if not result.lenient_corner and is_lenient(chunk, after_line_end=offset > 0):
                result.lenient_corner = True
            lines += chunk.count(b"\n")
            result.commas += chunk.count(b",")
            offset += len(chunk)
            last = chunk[-1:] if chunk else last
            if not block:
                break
    if bad_byte is not None:
        line, byte, at = bad_byte
        result.problems.append(
            Problem(
                table.path, line, None, f"not UTF-8: byte {byte:#x} in the chunk at offset {at}", code="encoding-error"
            )
        )
    if first_cr is not None:
        result.problems.append(
            Problem(table.path, first_cr, None, "CR line ending; use LF only", code="cr-line-ending")
        )
    if offset and last != b"\n":
        result.problems.append(
            Problem(table.path, lines, None, "no newline at the end of the file", code="no-final-newline")
        )
    return result


def _header(table: Table) -> list[str]:
    with table.regular_file.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        return next(csv_reader(handle, table.path), [])


def _raw_ddl(table: Table) -> str:
    columns = ", ".join(f"{identifier(n)} VARCHAR" for n in table.field_names)
    return f"CREATE TABLE {RAW}.{identifier(table.name)} ({columns})"


def load_with_duckdb(stage: Stage, table: Table, commas: int) -> bool:
    """Stage a file with DuckDB's strict reader; False (and nothing staged) if it refuses the file or
    reads a cell longer than Python's reader takes. The byte scan has already sent every file that
    DuckDB would read otherwise than Python's csv module to the Python reader, and a file whose path
    (that is, the package root's) holds a character that DuckDB takes for a wildcard goes there too."""
    file = str(table.regular_file)
    if glob_character(file):
        return False
    names = table.field_names
    name = f"{RAW}.{identifier(table.name)}"
    columns = "{" + ", ".join(f"{literal(n)}: 'VARCHAR'" for n in names) + "}"
    cells = ", ".join(f"coalesce({identifier(n)}, '') AS {identifier(n)}" for n in names)
    source = (
        f"read_csv({literal(file)}, columns = {columns}, header = true, auto_detect = false, "
        "delim = ',', quote = '\"', escape = '\"', new_line = '\\n', strict_mode = true, null_padding = false, "
        "all_varchar = true, parallel = true)"
    )
    try:
        stage.run(f"CREATE TABLE {name} AS SELECT {cells} FROM {source}")
    except duckdb.Error:
        stage.run(f"DROP TABLE IF EXISTS {name}")
        return False
    if names and (_longest_cell(stage, table) > MAX_CELL_CHARS or not _every_comma_read(stage, table, commas)):
        stage.run(f"DROP TABLE {name}")
        return False
    return True


def _every_comma_read(stage: Stage, table: Table, commas: int) -> bool:
    """Whether the file's commas are exactly its separators (N - 1 per row, header included) and the
    commas inside its cells. DuckDB's strict reader takes a row with one extra, empty last cell
    ("1,2,3," under a header of three) as a row of three, where Python (and frictionless) see an
    extra cell: such a file is left to the Python reader, which reports it."""
    name = f"{RAW}.{identifier(table.name)}"
    inside = " + ".join(f"coalesce(sum(strlen({identifier(n)}) - strlen(replace({identifier(n)}, ',', ''))), 0)"
                        for n in table.field_names)  # fmt: skip
    rows, in_cells = stage.connection.execute(f"SELECT count(*), {inside} FROM {name}").fetchone() or (0, 0)
    in_header = sum(n.count(",") for n in table.field_names)
    return commas == (rows + 1) * (len(table.field_names) - 1) + in_cells + in_header


def _longest_cell(stage: Stage, table: Table) -> int:
    """The most characters in any cell (bytes are counted first: no more characters than bytes)."""
    name = f"{RAW}.{identifier(table.name)}"
    widest = "greatest(" + ", ".join(f"max(strlen({identifier(n)}))" for n in table.field_names) + ", 0)"
    if (stage.one(f"SELECT {widest} FROM {name}") or 0) <= MAX_CELL_CHARS:
        return 0
    longest = "greatest(" + ", ".join(f"max(length({identifier(n)}))" for n in table.field_names) + ", 0)"
    return int(stage.one(f"SELECT {longest} FROM {name}") or 0)


UNDECODABLE: list[UnicodeDecodeError] = []


def _record_undecodable(error: UnicodeError) -> tuple[str, int]:
    """Decode on past a bad byte (as U+FFFD), remembering it: the file is streamed, never held whole."""
    assert isinstance(error, UnicodeDecodeError)
    UNDECODABLE.append(error)
    return "\ufffd", error.end


codecs.register_error("nk-record", _record_undecodable)


CELL_ADVICE = {
    "extra-cell": "put a cell that holds a comma in double quotes, or delete the extra comma",
    "missing-cell": "give every column a cell, an empty one too (a comma each)",
}


def load_with_python(stage: Stage, table: Table, header: list[str] | None = None) -> Iterator[Problem]:
    """Stage a file with Python's csv module (as frictionless reads it); yields a problem for a row
    with missing or extra cells, or undecodable bytes. A header other than the schema's fields is
    reported once (load_table): each field takes the cells of its own header column when the columns
    differ by some added or removed (`columns_of`), and a row as wide as the header or the schema is
    not reported."""
    names = table.field_names
    width = len(names)
    header = names if header is None else header
    columns = columns_of(names, header)
    stage.absent[table.name] = {name for name, column in zip(names, columns, strict=True) if column is None}
    stage.run(_raw_ddl(table))
    schema = pa.schema([(f"c{i}", pa.string()) for i in range(width)])
    problems: list[Problem] = []
    UNDECODABLE.clear()
    # utf-8-sig: a byte order mark is not part of the header (the hygiene check reports it).
    with table.regular_file.open(encoding="utf-8-sig", errors="nk-record", newline="") as handle:
        reader = csv_reader(handle, table.path)
        next(reader, [])
        batch: list[list[str]] = []
        for number, cells in enumerate(reader, start=2):
            if len(cells) not in (len(header), width):  # a header of another width is said once
                what = "missing-cell" if len(cells) < len(header) else "extra-cell"
                message = f"{what}: {len(cells)} cells, expected {len(header)}: {CELL_ADVICE[what]}"
                first_missing = header[len(cells)] if len(cells) < len(header) else None  # as frictionless says
                problems.append(Problem(table.path, number, first_missing, message, code=what))
            if len(cells) != width or header != names:
                cells = [cells[c] if c is not None and c < len(cells) else "" for c in columns]
            batch.append(cells)
            if len(batch) == BATCH_ROWS:
                _append(stage, table, batch, schema)
                batch = []
        _append(stage, table, batch, schema)
    if UNDECODABLE:
        error = UNDECODABLE[0]
        problems.append(
            Problem(
                table.path,
                None,
                None,
                f"encoding-error: not UTF-8: byte {error.object[error.start]:#x}",
                code="encoding-error",
            )
        )
    yield from problems


def _append(stage: Stage, table: Table, rows: list[list[str]], schema: pa.Schema) -> None:
    if not rows or not schema.names:
        return
    batch = pa.table([pa.array(column, pa.string()) for column in zip(*rows, strict=True)], schema=schema)
    stage.connection.register("nk_batch", batch)
    try:
        stage.run(f"INSERT INTO {RAW}.{identifier(table.name)} SELECT * FROM nk_batch")
    finally:
        stage.connection.unregister("nk_batch")


def columns_of(fields: list[str], header: list[str]) -> list[int | None]:
    """The header column each field's cells are read from (None: the CSV has no such column). By name
    when the header is the fields with some added or some removed, each once; by position otherwise
    (a column renamed, say, is still read where it stands)."""
    by_name = len(set(header)) == len(header) and (set(header) <= set(fields) or set(fields) <= set(header))
    if by_name:
        return [header.index(name) if name in header else None for name in fields]
    return list(range(len(fields)))


def header_problem(table: Table, header: list[str]) -> Problem:
    """A header other than the schema's fields, said once: which columns the schema lacks or the CSV
    lacks, and what to do."""
    fields = table.field_names
    extra = [name for name in header if name not in fields]
    missing = [name for name in fields if name not in header]
    said = []
    if extra:
        said.append(
            f"the header has {_columns(extra)} that {table.schema_path} does not define: add "
            f"{_them(extra)} to the schema's fields, or delete {_them(extra)} from the CSV"
        )
    if missing:
        said.append(
            f"{table.schema_path} defines {_columns(missing, 'field')} that the header lacks: add {_them(missing)} "
            f"to the CSV, or remove {_them(missing)} from the schema"
        )
    if not said and sorted(header) == sorted(fields):
        said.append(f"the header has the schema's fields in another order: order them as {table.schema_path} does")
    message = "; ".join(said) or f"header is {quote(header)}, the schema says {quote(fields)}"
    return Problem(table.path, 1, None, f"incorrect-label: {message}", code="incorrect-label")


def _columns(names: list[str], noun: str = "column") -> str:
    shown = quote(", ".join(names))
    return f"{noun} {shown}" if len(names) == 1 else f"{len(names)} {noun}s {shown}"


def _them(names: list[str]) -> str:
    return "it" if len(names) == 1 else "them"


def load_table(stage: Stage, table: Table, scan: FileScan) -> Iterator[Problem]:
    """Stage one CSV and add its view with row numbers; yields a wrong header or wrong row widths."""
    header = _header(table)
    if header != table.field_names:
        yield header_problem(table, header)
    if scan.fast and header == table.field_names and load_with_duckdb(stage, table, scan.commas):
        stage.read_by_duckdb.add(table.name)
    else:
        yield from load_with_python(stage, table, header)
    cells = ", ".join(identifier(n) for n in table.field_names)
    # rowid is the insertion order, which both readers keep: the record's CSV row is rowid + 2.
    name = identifier(table.name)
    stage.run(f"CREATE VIEW {name} AS SELECT rowid + 2 AS {ROW}, {cells} FROM {RAW}.{name}")


def confine(connection: duckdb.DuckDBPyConnection, files: list[Path], folder: Path) -> None:
    """Let DuckDB open the package's CSVs, each by the exact path that was checked, and its own
    spill folder, and nothing else, for as long as the connection lives: should a path ever reach it
    that it would expand as a glob, or any other file name, it refuses to read."""
    connection.execute("SET allowed_paths = ?", [[str(file) for file in files]])
    connection.execute("SET allowed_directories = ?", [[f"{folder}/"]])
    connection.execute("SET enable_external_access = false")  # cannot be turned on again


@contextmanager
def staged(package: DataPackage) -> Iterator[tuple[Stage, list[Problem], bool]]:
    """The package staged in DuckDB (bounded memory: it spills to a temporary folder), the load's
    problems, and whether every CSV could be parsed to its end (if not, nothing more can be checked)."""
    remove_stale(Path(tempfile.gettempdir()), STAGE_PREFIX)
    with temporary_folder(f"{STAGE_PREFIX}{os.getpid()}-") as folder:
        settings = {"memory_limit": MEMORY_LIMIT, "temp_directory": str(folder / "spill")}
        files = [table.regular_file for table in package.tables.values() if table.file.is_file()]
        connection = duckdb.connect(":memory:", config=settings)
        confine(connection, files, folder)
        for name, judge in SQL_FUNCTIONS.items():  # the Python judges that the type checks call
            connection.create_function(name, judge, ["VARCHAR"], "BOOLEAN", side_effects=False)
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
