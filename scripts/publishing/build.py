"""Build the SQLite database from a data package that validates.

    python -m scripts.publishing.build [datapackage.json] [--output build/nk-russia-claims.db]

The database is written to a temporary file beside the output and renamed over it only when
complete, so a failure never leaves a partial database or touches an earlier one."""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Literal

import duckdb

from scripts.atomic import atomic_output
from scripts.cli import run
from scripts.package.fieldtypes import TRUE_VALUES, field_type
from scripts.package.read import DataPackage, PackageError, Table, clip
from scripts.package.site import DATABASE_FILE, FTS_COLUMNS, INFERRED_COLUMN, TEXTS_TABLE, VIEWS, View, fts_table
from scripts.progress import progress
from scripts.publishing.summaries import write_summaries
from scripts.sql import identifier, identifiers, literal, literals
from scripts.validation.staging import ROW, Stage
from scripts.validation.validate import checked

DEFAULT_OUTPUT = Path("build") / DATABASE_FILE


class BuildError(PackageError):
    """The package does not validate, or the database cannot be written: nothing is built."""


def column_ddl(field: dict) -> str:
    sql_type = field_type(field).sqlite
    not_null = " NOT NULL" if field["constraints"].get("required") else ""
    return f"{identifier(field['name'])} {sql_type}{not_null}"


def table_ddl(table: Table) -> str:
    """CREATE TABLE derived from the Table Schema: types, NOT NULL, primary and foreign keys."""
    lines = [column_ddl(field) for field in table.fields]
    if table.primary_key:
        lines.append(f"PRIMARY KEY ({identifiers(table.primary_key)})")
    for fields, resource, ref_fields in table.foreign_keys():
        lines.append(
            f"FOREIGN KEY ({identifiers(fields)}) REFERENCES {identifier(resource)} ({identifiers(ref_fields)})"
        )
    return f"CREATE TABLE {identifier(table.name)} (\n  " + ",\n  ".join(lines) + "\n)"


def index_ddl(table: Table) -> Iterator[str]:
    """An index on every foreign key (joins, Datasette's links) and every enum column (facets)."""
    indexed: list[list[str]] = []
    for fields in [fields for fields, _, _ in table.foreign_keys()] + [
        [f["name"]] for f in table.fields if "enum" in f["constraints"]
    ]:
        if fields not in indexed:  # two foreign keys on one column need one index
            indexed.append(fields)
    for fields in indexed:
        name = identifier(f"idx_{table.name}_{'_'.join(fields)}")
        yield f"CREATE INDEX {name} ON {identifier(table.name)} ({identifiers(fields)})"
    if INFERRED_COLUMN in table.field_names:
        # Only the rows that infer something: the home page asks whether a table has one, which
        # without it reads the whole table when none does (plugins/home.py, inferred_tables).
        inferred = identifier(INFERRED_COLUMN)
        name = identifier(f"idx_{table.name}_{INFERRED_COLUMN}")
        yield f"CREATE INDEX {name} ON {identifier(table.name)} ({inferred}) WHERE {inferred} != ''"


BATCH_ROWS = 20_000  # rows moved from the staging database to SQLite at a time


def typed_column(field: dict, engine: Literal["duckdb", "sqlite"] = "duckdb") -> str:
    """SQL turning a staged text cell into its Table Schema type (in `engine`'s names of the types,
    DuckDB's by default); empty means NULL, a boolean is 1 or 0."""
    cell = f"nullif({identifier(field['name'])}, '')"
    if field["type"] == "boolean":
        return f"CASE WHEN {cell} IN ({literals(TRUE_VALUES)}) THEN 1 WHEN {cell} IS NOT NULL THEN 0 END"
    kind = field_type(field)
    return f"CAST({cell} AS {kind.duckdb if engine == 'duckdb' else kind.sqlite})" if kind.typed else cell


def load_table(db: sqlite3.Connection, source: Any, table: Table) -> None:
    """Copy the validated staged rows into a typed table, in CSV order: DuckDB types them, SQLite
    takes them in batches of prepared inserts."""
    db.execute(table_ddl(table))
    columns = ", ".join(typed_column(f) for f in table.fields)
    placeholders = ", ".join("?" for _ in table.fields)
    insert = f"INSERT INTO {identifier(table.name)} VALUES ({placeholders})"
    result = source.execute(f"SELECT {columns} FROM {identifier(table.name)} ORDER BY {ROW}")
    while rows := result.fetchmany(BATCH_ROWS):
        db.executemany(insert, rows)
    for statement in index_ddl(table):
        db.execute(statement)


def import_script(package: DataPackage, tables: list[Table], stage_file: Path) -> str | None:
    """A sqlite3 command-line script that imports each CSV, every cell as text, into `stage_file`:
    C from file to file, in its own process. None if a name or path cannot be written in one."""
    unsafe = ("'", "\n", "\r")
    if any(c in str(stage_file) for c in unsafe):
        return None
    lines = [".bail on", f".open '{stage_file}'", "PRAGMA journal_mode = OFF;", "PRAGMA synchronous = OFF;"]
    for table in tables:
        path = str(table.regular_file)  # one regular file inside the package, links followed
        if not table.fields or any(c in path or c in table.name for c in unsafe):
            return None
        columns = ", ".join(f"{identifier(n)} TEXT" for n in table.field_names)
        lines += [
            f"CREATE TABLE {identifier(table.name)} ({columns});",
            f".import --csv --skip 1 '{path}' '{table.name}'",
        ]
    return "\n".join(lines) + "\n"


class CommandLineImport:
    """The sqlite3 command line importing the CSVs that DuckDB staged (the files whose every byte
    both read alike) while the checks run: the `.import` floor of the benchmark, off the interpreter.
    Its cells are compared with DuckDB's (rows and characters per column) and so are their typed
    values (SQLite's casts against DuckDB's) before they are used: the database holds the numbers
    the Python path would hold, whichever path wrote them."""

    def __init__(self, package: DataPackage, stage: Stage) -> None:
        self.stage_file = stage.folder / "import.sqlite"
        self.tables = [t for t in package.tables.values() if t.name in stage.read_by_duckdb]
        script = import_script(package, self.tables, self.stage_file)
        executable = shutil.which("sqlite3")
        self.process = None
        if script is not None and executable is not None and self.tables:
            self.process = subprocess.Popen([executable, "-batch", ":memory:"], stdin=subprocess.PIPE,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
            assert self.process.stdin is not None
            self.process.stdin.write(script.encode("utf-8"))
            self.process.stdin.close()

    def imported(self) -> bool:
        return self.process is not None and self.process.wait() == 0

    def agrees(self, db: sqlite3.Connection, source: Any, table: Table) -> bool:
        """Whether the command line read the rows and characters DuckDB staged, column by column,
        and SQLite types them as DuckDB does."""
        lengths = [f"sum(length({identifier(n)}))" for n in table.field_names]
        mine = db.execute(f"SELECT count(*), {', '.join(lengths)} FROM stage.{identifier(table.name)}").fetchone()
        theirs = source.execute(f"SELECT count(*), {', '.join(lengths)} FROM {identifier(table.name)}").fetchone()
        if tuple(v or 0 for v in mine) != tuple(int(v or 0) for v in theirs):
            return False
        return same_typed_values(db, source, table)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def same_typed_values(db: sqlite3.Connection, source: Any, table: Table) -> bool:
    """Every typed integer, number and boolean column holds the same values in both, row by row.
    SQLite casts `8_000` to 8 where DuckDB reads 8000, and reads some long decimals one bit off the
    correctly rounded double (DuckDB's and Python's): no aggregate would show that."""
    typed = [f for f in table.fields if field_type(f).typed]
    if not typed:
        return True
    mine = db.execute(
        f"SELECT {', '.join(typed_column(f, 'sqlite') for f in typed)} FROM stage.{identifier(table.name)} "
        "ORDER BY rowid"
    )
    theirs = source.execute(
        f"SELECT {', '.join(typed_column(f) for f in typed)} FROM {identifier(table.name)} ORDER BY {ROW}"
    )
    while True:
        batch = mine.fetchmany(BATCH_ROWS)
        if batch != theirs.fetchmany(BATCH_ROWS):  # lists of tuples from both: equal values compare equal
            return False
        if not batch:
            return True


def copy_imported(db: sqlite3.Connection, table: Table) -> None:
    """The command line's text cells into the typed table, in CSV order, at SQLite's own speed."""
    db.execute(table_ddl(table))
    columns = ", ".join(typed_column(f, "sqlite") for f in table.fields)
    db.execute(
        f"INSERT INTO {identifier(table.name)} SELECT {columns} FROM stage.{identifier(table.name)} ORDER BY rowid"
    )
    for statement in index_ddl(table):
        db.execute(statement)


def load_texts(db: sqlite3.Connection, package: DataPackage) -> None:
    """The archived texts, so that views can show each span in its context."""
    db.execute(f'CREATE TABLE {TEXTS_TABLE} ("source_id" TEXT PRIMARY KEY REFERENCES sources (source_id), "text" TEXT)')
    db.executemany(f"INSERT INTO {TEXTS_TABLE} VALUES (?, ?)", sorted(package.archived_texts.items()))


def add_search(db: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> None:
    """FTS5 index named <table>_fts over the table's content, which Datasette detects."""
    names = identifiers(list(columns))
    fts = identifier(fts_table(table))
    content = literal(table)
    db.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content={content}, content_rowid=rowid)")
    db.execute(f"INSERT INTO {fts} (rowid, {names}) SELECT rowid, {names} FROM {identifier(table)}")


class Cancelled(Exception):
    """The package did not validate: the database being written is abandoned."""


class Writer(threading.Thread):
    """Writes the database while the checks run: the SQLite work (inserts, indexes, search, views)
    runs mostly outside the interpreter lock, as DuckDB's checks do, so both cores work. Its result
    is kept only if the package validates."""

    def __init__(self, package: DataPackage, stage: Stage, path: Path) -> None:
        super().__init__(name="nk-database-writer", daemon=True)
        self.package, self.path = package, path
        self.source = stage.connection.cursor()  # a connection of its own to the staging database
        self.importing = CommandLineImport(package, stage)
        self.cancelled = threading.Event()
        self.connection: sqlite3.Connection | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            write_database(self.package, self.source, self.path, self, self.importing)
        except BaseException as error:  # kept for the main thread, which decides what it means
            self.error = error

    def connected(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        if self.cancelled.is_set():
            raise Cancelled

    def check(self) -> None:
        if self.cancelled.is_set():
            raise Cancelled

    def stop(self) -> None:
        """Abandon the database (if still being written) and wait until its file is closed."""
        self.cancelled.set()
        self.importing.stop()
        if self.connection is not None:
            with suppress(sqlite3.ProgrammingError):  # already closed
                self.connection.interrupt()
        self.join()
        self.source.close()


def build(descriptor: Path, output: Path, then: Callable[[DataPackage, Stage, Path], None] | None = None) -> None:
    """Validate and write the database at once; keep the database only if the package validates.
    `then`, if given, is called once the database is written, with the validated package, its
    staging database still open and the database's temporary path (renamed to `output` once `then`
    returns): the release writes its typed files from the rows staged once."""
    writers: list[Writer] = []
    with atomic_output(output) as temporary:

        @contextmanager
        def writing(package: DataPackage, stage: Stage) -> Iterator[Writer]:
            writer = Writer(package, stage, temporary)
            writers.append(writer)
            writer.start()
            try:
                yield writer
            finally:
                if writer.is_alive():
                    writer.stop()

        with checked(descriptor, alongside=writing) as (problems, package, staging):
            if problems or package is None or staging is None:
                if writers:
                    writers[0].stop()
                raise BuildError("\n".join(map(str, problems)) + f"\n{descriptor} does not validate; nothing was built")
            (writer,) = writers
            writer.join()
            writer.source.close()
            writer.importing.stop()
            if isinstance(writer.error, sqlite3.Error | duckdb.Error):  # a rule the validator missed: a refusal
                message = f"{descriptor}: the database cannot be built: {clip(str(writer.error))}"
                raise BuildError(message) from None
            if writer.error is not None:
                raise writer.error
            if then is not None:
                then(package, staging, temporary)


def view_parameters(package: DataPackage) -> dict[str, Any]:
    """The values the views' SQL takes from the package, by parameter name."""
    return {"headline_measure": package.headline_measure}


def key_references(package: DataPackage) -> dict[str, tuple[str, str]]:
    """The row each key column names, by the column's name, from the Table Schemas: a table's own
    one-field primary key (claims.claim_id) and every one-field foreign key (claims.claimant_id ->
    entities.entity_id). A name that two schemas point at different tables is left out: a view's
    column of that name could be either."""
    found: dict[str, set[tuple[str, str]]] = {}
    for table in package.tables.values():
        if len(table.primary_key) == 1:
            found.setdefault(table.primary_key[0], set()).add((table.name, table.primary_key[0]))
        for fields, resource, ref_fields in table.foreign_keys():
            if len(fields) == 1:
                found.setdefault(fields[0], set()).add((resource, ref_fields[0]))
    return {column: next(iter(targets)) for column, targets in found.items() if len(targets) == 1}


def view_column_ddl(column: str, references: dict[str, tuple[str, str]]) -> str:
    """A precomputed view's column, a foreign key where the package's schemas make its name one, so
    that Datasette links it (the attribution chains' claims and parties) as it links the tables'."""
    if column not in references:
        return identifier(column)
    table, key = references[column]
    return f"{identifier(column)} REFERENCES {identifier(table)} ({identifier(key)})"


def precompute(
    db: sqlite3.Connection,
    name: str,
    view: View,
    parameters: dict[str, Any],
    references: dict[str, tuple[str, str]] | None = None,
) -> None:
    """The view as a table, its rows numbered in the view's order, with its indexes and the foreign
    keys of its key columns (`references`). A package without a column that the view reads (one that
    is not this project's own) gets no such table, and a warning that says why."""
    try:
        columns = [d[0] for d in db.execute(f"SELECT * FROM ({view.sql}) LIMIT 0", parameters).description]
    except sqlite3.OperationalError as error:
        if "no such column" not in str(error):
            raise
        print(f"warning: {name} is left out of the database: {clip(str(error))}", file=sys.stderr)
        return
    # `position` numbers the rows in the view's order: the site's default order, with nothing to sort.
    definitions = ", ".join(view_column_ddl(column, references or {}) for column in columns)
    db.execute(f"CREATE TABLE {identifier(name)} (position INTEGER PRIMARY KEY, {definitions})")
    db.execute(f"INSERT INTO {identifier(name)} ({identifiers(columns)}) {view.sql}", parameters)
    # The foreign keys too: a row's page counts the rows that name it in every table (Datasette's links
    # from other tables), and without an index each count reads the whole view.
    linked = [column for column in columns if column in (references or {})]
    for column in dict.fromkeys([*view.indexed, *linked]):
        db.execute(f"CREATE INDEX {identifier(f'idx_{name}_{column}')} ON {identifier(name)} ({identifier(column)})")


def write_database(
    package: DataPackage,
    source: Any,
    path: Path,
    writer: Writer | None = None,
    importing: CommandLineImport | None = None,
) -> None:
    """Every table, the texts, the search indexes and the views, from the staging database (`source`,
    a DuckDB connection) into a new SQLite file: the tables that the sqlite3 command line imported
    (and that agree with DuckDB's) by SQL, the others through Python."""
    db = sqlite3.connect(path, check_same_thread=False)
    step = writer.check if writer else lambda: None
    try:
        if writer:
            writer.connected(db)
        db.execute("PRAGMA journal_mode = OFF")  # a temporary file, renamed when whole: no journal to leave behind
        db.execute("PRAGMA synchronous = OFF")  # the same: a crash leaves only a temporary file, which is removed
        db.execute("PRAGMA cache_size = -100000")  # 100 MB of page cache: beside the staging database, within 1 GiB
        db.execute("PRAGMA threads = 2")  # index builds sort on both cores once the checks are done
        imported = importing is not None and importing.imported()
        if imported:
            db.execute("ATTACH DATABASE ? AS stage", [str(importing.stage_file)])  # type: ignore[union-attr]
        with db:
            for table in package.tables.values():
                step()
                progress(f"building table {table.name}")
                if imported and table in importing.tables and importing.agrees(db, source, table):  # type: ignore[union-attr]
                    copy_imported(db, table)
                else:
                    load_table(db, source, table)
            load_texts(db, package)
            for table, columns in FTS_COLUMNS.items():
                step()
                progress(f"building the search index of {table}")
                add_search(db, table, columns)
            references = key_references(package)
            for name, view in VIEWS.items():
                step()
                progress(f"precomputing {name}")
                precompute(db, name, view, view_parameters(package), references)
            write_summaries(db, package)
            progress("")
        if imported:
            db.execute("DETACH DATABASE stage")
        # No foreign_key_check: the validator checks every foreign key, typed as the schemas say
        # (its differential test holds it to frictionless); here it would read every row again.
        # No VACUUM: it may renumber implicit rowids, which the FTS5 indexes point at.
    finally:
        db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build", description=__doc__.split("\n\n")[0])
    parser.add_argument("datapackage", nargs="?", default="datapackage.json", type=Path)
    parser.add_argument("--output", default=DEFAULT_OUTPUT, type=Path)
    args = parser.parse_args(argv)
    try:
        build(args.datapackage, args.output)
    except BuildError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"built {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
