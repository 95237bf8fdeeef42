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
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Literal, NamedTuple

import duckdb

from scripts.atomic import atomic_output
from scripts.cli import run
from scripts.package.fieldtypes import TRUE_VALUES, field_type
from scripts.package.read import DataPackage, PackageError, Table, clip
from scripts.progress import progress
from scripts.publishing.summaries import FACET_COUNTS, TIMELINE_SUMMARY, write_summaries
from scripts.sql import identifier, identifiers, literal, literals
from scripts.validation.staging import ROW, Stage
from scripts.validation.validate import checked

DEFAULT_OUTPUT = Path("build/nk-russia-claims.db")
FTS_COLUMNS = {"claims": ("claim", "exact"), "quotes": ("exact",), "entities": ("name", "aliases")}
CONTEXT_CHARS = 80
TEXTS_TABLE = "texts"
# An article without a headline is named as such, never shown as an empty title or "None".
ARTICLE_LABEL = "coalesce(article.title, 'Untitled news article (' || article.source_id || ')')"


class View(NamedTuple):
    """A joined reading of the tables. The database is immutable, so each is stored as a table,
    computed once at build time in its ORDER BY order, with indexes on the columns that its facets
    and the canned queries filter on: a page then reads rows by key instead of joining and sorting
    the whole view, and `datasette inspect` counts it once (docs/benchmark.md)."""

    description: str
    sql: str
    indexed: tuple[str, ...] = ()


VIEWS = {
    "troop_estimates": View(
        "Every figure of North Korean troops in Russia: value, bounds, qualifier, date, "
        "who claims it and where, ordered by date.",
        f"""
        SELECT f.figure_id, f.as_of, f.value, f.value_low, f.value_high, f.qualifier, f.second_qualifier, f.unit,
               f.place, claimant.name AS claimant, venue.title AS venue,
               {ARTICLE_LABEL} AS article, f.exact, c.claim, f.inferred,
               f.claim_id, f.source_id
        FROM figures f
        JOIN claims c ON c.claim_id = f.claim_id
        JOIN entities claimant ON claimant.entity_id = c.claimant_id
        LEFT JOIN sources venue ON venue.source_id = c.via_source_id
        JOIN sources article ON article.source_id = f.source_id
        WHERE f.measure = 'nk_troops_in_russia'
        ORDER BY f.as_of IS NULL, f.as_of, f.char_start""",
        ("qualifier", "claimant"),
    ),
    "who_said_what": View(
        "Every quotation with its speaker's name, the venue, the article and the claims it supports.",
        f"""
        SELECT q.quote_id, speaker.name AS speaker, q.exact AS quote, q.kind, q.said_on,
               venue.title AS venue, {ARTICLE_LABEL} AS article,
               (SELECT group_concat(c.claim, ' | ') FROM quote_claims l JOIN claims c ON c.claim_id = l.claim_id
                WHERE l.quote_id = q.quote_id) AS claims,
               q.inferred, q.speaker_id, q.via_source_id, q.source_id, q.rowid AS quote_rowid
        FROM quotes q
        JOIN entities speaker ON speaker.entity_id = q.speaker_id
        LEFT JOIN sources venue ON venue.source_id = q.via_source_id
        JOIN sources article ON article.source_id = q.source_id
        ORDER BY q.source_id, q.char_start""",
        ("speaker", "kind", "speaker_id", "quote_rowid"),
    ),
    "claims_with_sources": View(
        "Every claim with its claimant's name, the venue and the article.",
        f"""
        SELECT c.claim_id, c.claim, claimant.name AS claimant, c.topic, c.modality, c.claimed_on,
               venue.title AS venue, venue.kind AS venue_kind, {ARTICLE_LABEL} AS article,
               c.exact, c.inferred, c.notes, c.claimant_id, c.via_source_id, c.source_id, c.rowid AS claim_rowid
        FROM claims c
        JOIN entities claimant ON claimant.entity_id = c.claimant_id
        LEFT JOIN sources venue ON venue.source_id = c.via_source_id
        JOIN sources article ON article.source_id = c.source_id
        ORDER BY c.source_id, c.char_start""",
        ("topic", "modality", "claimant", "source_id", "via_source_id", "claim_rowid"),
    ),
    "attribution_chains": View(
        "Every step of every claim's attribution chain: who asserts it, who relays it, through which venue, "
        "in the article's words.",
        f"""
        SELECT a.claim_id, c.claim, a.step, a.role, party.name AS party, venue.title AS venue, a.exact AS words,
               {ARTICLE_LABEL} AS article, a.inferred, a.entity_id, a.via_source_id,
               a.source_id
        FROM attributions a
        JOIN claims c ON c.claim_id = a.claim_id
        JOIN entities party ON party.entity_id = a.entity_id
        LEFT JOIN sources venue ON venue.source_id = a.via_source_id
        JOIN sources article ON article.source_id = a.source_id
        ORDER BY a.source_id, c.char_start, a.claim_id, a.step""",
        ("role", "party"),
    ),
    "quotes_in_context": View(
        f"Every quotation with the {CONTEXT_CHARS} characters of its archived text on each side.",
        f"""
        SELECT q.quote_id, speaker.name AS speaker,
               substr(t.text, max(q.char_start - {CONTEXT_CHARS}, 0) + 1,
                      q.char_start - max(q.char_start - {CONTEXT_CHARS}, 0)) AS before,
               q.exact AS quote,
               substr(t.text, q.char_end + 1, {CONTEXT_CHARS}) AS after,
               q.source_id, q.char_start, q.char_end
        FROM quotes q
        JOIN texts t ON t.source_id = q.source_id
        JOIN entities speaker ON speaker.entity_id = q.speaker_id
        ORDER BY q.source_id, q.char_start""",
        ("speaker",),
    ),
}


class BuildError(PackageError):
    """The package does not validate, or the database cannot be written: nothing is built."""


def columns_read() -> dict[str, dict[str, tuple[str, ...]]]:
    """What the build reads beyond the views, by who reads it: validation refuses a package without
    one, as it does for the checks' columns (a view whose columns are missing is only left out)."""
    from scripts.publishing.metadata import CHOICES  # metadata imports this module

    return {
        "the database's search index": FTS_COLUMNS,
        **{f"the canned query {name}": {table: (column,)} for name, (table, column) in CHOICES.items()},
    }


def reserved_names() -> set[str]:
    """Names the build gives its own tables and views, which no resource may take."""
    return {TEXTS_TABLE, FACET_COUNTS, TIMELINE_SUMMARY, *VIEWS, *(f"{table}_fts" for table in FTS_COLUMNS)}


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
    fts = identifier(f"{table}_fts")
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


def build(descriptor: Path, output: Path) -> None:
    """Validate and write the database at once; keep the database only if the package validates."""
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


def precompute(db: sqlite3.Connection, name: str, view: View) -> None:
    """The view as a table, its rows numbered in the view's order, with its indexes. A package
    without a column that the view reads (one that is not this project's own) gets no such table,
    and a warning that says why."""
    try:
        columns = [d[0] for d in db.execute(f"SELECT * FROM ({view.sql}) LIMIT 0").description]
    except sqlite3.OperationalError as error:
        if "no such column" not in str(error):
            raise
        print(f"warning: {name} is left out of the database: {clip(str(error))}", file=sys.stderr)
        return
    # `position` numbers the rows in the view's order: the site's default order, with nothing to sort.
    db.execute(f"CREATE TABLE {identifier(name)} (position INTEGER PRIMARY KEY, {identifiers(columns)})")
    db.execute(f"INSERT INTO {identifier(name)} ({identifiers(columns)}) {view.sql}")
    for column in view.indexed:
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
            for name, view in VIEWS.items():
                step()
                progress(f"precomputing {name}")
                precompute(db, name, view)
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
