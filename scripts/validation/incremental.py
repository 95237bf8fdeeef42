"""Incremental validation: a cache of the last cold verdict, so that re-validating after a change
re-checks only the rows the change can affect.

A cold validation (scripts.validation.validate) with a cache folder writes there: the staged rows of
every table (a DuckDB file), the SHA-256 of every 64 KiB block of every CSV, the state of every
archived text (its SHA-256, or why it cannot be read) and every problem found, under a key: the
hash of everything else that decides a verdict (the code of scripts/ up to the validation layer,
the versions of Python, DuckDB, Arrow and pydantic, the descriptor, every Table Schema and
vocabulary.csv). A later validation with the same key:

1. finds the bytes of each CSV that changed (equal blocks from the start and, shifted by the
   change in size, from the end), widened to whole lines, and parses only those lines;
2. takes the rows that differ (old cells from the cache, new from the file; with rows added or
   removed, the rows after them renumbered, and so the cached problems there) and the texts whose
   state changed, and finds the affected rows: those, and every row that reads one of them
   through a relation a check follows (`relations`: keys, foreign keys and the checks' own joins);
3. stages those rows and the rows they read in a small DuckDB database, runs every check on it
   (the same code as a cold validation), and keeps what it finds at the affected rows and the
   affected texts; every other problem is the cached one.

The cold path stays the reference. Anything the incremental path does not handle exactly goes
cold, and says why on standard error: another key (code, schema, descriptor or vocabulary
changed), an unreadable or corrupt cache, a table file that appeared or went, a changed file whose
cached reading was not plain (a line that is not one row, a byte the byte scan flags), a changed
line that is not plain either, or a changed header. A cache of another package is no doubt: its
rows are compared by content, so all of them differ and are checked again.

The cache is written only by a cold validation, whole or not at all (a new generation folder, then
the manifest renamed over the old one); a read-only cache (a pull request's in CI) is never
written. The cache folder is the caller's, never inside the package, and no path in it comes from
the package."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import stat
import sys
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pydantic

from scripts.atomic import make_folder, temporary_folder, write_atomically
from scripts.package.fieldtypes import SQL_FUNCTIONS
from scripts.package.read import (
    MAX_CELL_CHARS,
    MAX_TEXT_BYTES,
    CsvError,
    DataPackage,
    PackageError,
    Problem,
    Table,
    csv_reader,
    inside,
)
from scripts.sql import identifier, literal
from scripts.validation import checks
from scripts.validation.schemasql import schema_problems
from scripts.validation.staging import (
    MEMORY_LIMIT,
    ROW,
    STAGE_PREFIX,
    FileScan,
    Stage,
    confine,
    has_control_characters,
    is_lenient,
)

FORMAT = 1  # of the cache's files: a cache of another format is not read
BLOCK = 1 << 16  # the cache records the size it used
MANIFEST = "manifest.json"
STAGE_FILE = "stage.duckdb"
CACHED = "nk_cache"  # the cache's staged rows, attached read-only
GENERATION_PREFIX = "generation-"
# The problems that the staging load and the byte scan find: they depend on a file's bytes only,
# so they are the cache's while the file is unchanged, and a changed file is taken incrementally only
# if it has none.
FILE_CODES = frozenset(
    {"csv-parse-error", "incorrect-label", "missing-cell", "extra-cell", "encoding-error", "byte-order-mark",
     "cr-line-ending", "no-final-newline"}
)  # fmt: skip
# The code whose verdicts the cache stands for: the core and package layers and validation itself.
CODE_FOLDERS = ("", "package", "validation")
SCRIPTS = Path(__file__).resolve().parents[1]

# How checks read one row from another, beyond the keys and foreign keys of the schemas: (table,
# columns) reads the rows of (table, columns) holding the same values. A new check that relates rows
# otherwise must add its relation here (tests/test_incremental.py holds cold and cached verdicts
# equal on random edits). None as the columns: every row of the table reads every row of the other.
# The last item: whether empty cells relate rows too (keys and foreign keys skip them, so do these
# where the check says `!= ''`; the others compare whatever is there).
CHECK_RELATIONS: tuple[tuple[str, tuple[str, ...] | None, str, tuple[str, ...] | None, bool], ...] = (
    ("quotes", ("utterance_id",), "quotes", ("utterance_id",), False),  # the parts of one utterance
    ("attributions", ("claim_id",), "attributions", ("claim_id",), True),  # a chain's length
    ("claims", ("claim_id",), "attributions", ("claim_id",), True),  # a claim without a chain
    ("claim_links", ("from_claim_id", "to_claim_id"), "claim_links", ("to_claim_id", "from_claim_id"), True),
    ("claim_links", ("from_claim_id", "to_claim_id"), "claim_links", ("from_claim_id", "to_claim_id"), True),
    ("entities", None, "entities", None, True),  # an alias of two entities: the first owner, in row order
    ("sources", ("text_path",), "sources", ("text_path",), False),  # one archived text, named twice
)
COVERAGE_TABLES = ("quotes", "figures", "exclusions")
ROW_NAMING_CODES = (
    "unique-error",
    "primary-key-error",
)  # their messages name the row a key repeats  # the spans that the coverage check reads


class NotIncremental(Exception):
    """Why this change is validated cold."""


@dataclass(frozen=True)
class Relation:
    reader: str
    columns: tuple[str, ...] | None
    read: str
    read_columns: tuple[str, ...] | None
    empty: bool = False  # whether empty cells relate rows


@dataclass
class TableState:
    """What the cache keeps of one CSV."""

    path: str
    size: int
    lines: int
    rows: int
    block: int  # the size of each hashed block
    blocks: list[str]
    header: str  # the SHA-256 of the header line
    plain: bool  # every line one row, nothing for the byte scan or the load to report, the schema's header
    scan: dict[str, Any]
    duckdb: bool
    absent: list[str]


@dataclass
class Change:
    """The rows of one table that changed: (row number: cells), before (numbered as they were) and
    after. With rows added or removed, the cached rows `removed` (first and last, inclusive) are
    replaced by the new ones, and every cached row after them moves by `shift`."""

    old: dict[int, dict[str, str]] = field(default_factory=dict)
    new: dict[int, dict[str, str]] = field(default_factory=dict)
    removed: tuple[int, int] | None = None
    shift: int = 0

    def renumbered(self, row: int) -> int | None:
        """A cached row's number now; None for a row that was replaced."""
        if self.removed is None:
            return row
        first, last = self.removed
        if first <= row <= last:
            return None
        return row + self.shift if row > last else row


# --------------------------------------------------------------------------- the key
def verdict_key(package: DataPackage) -> str:
    """The hash of everything besides the rows and texts that decides a verdict."""
    digest = hashlib.sha256()

    def add(*parts: str | bytes) -> None:
        for part in parts:
            data = part.encode("utf-8") if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "big") + data)

    add(str(FORMAT), sys.version, duckdb.__version__, pa.__version__, pydantic.VERSION)
    # Not where the package is: problems name its files relative to it, and rows and texts are
    # compared by content, so a cache of another package (or of a moved one) finds all its rows changed.
    add(package.descriptor_path.name, package.descriptor_path.read_bytes())
    for name, table in package.tables.items():
        add(name, table.path, table.schema_path, json.dumps(table.schema, sort_keys=True, ensure_ascii=False))
    vocabulary = package.tables.get("vocabulary")
    if vocabulary is not None and vocabulary.file.is_file():
        add(vocabulary.regular_file.read_bytes())
    for folder in CODE_FOLDERS:
        for file in sorted((SCRIPTS / folder).glob("*.py")):
            add(file.relative_to(SCRIPTS).as_posix(), file.read_bytes())
    return digest.hexdigest()


# --------------------------------------------------------------------------- bytes and texts
def block_hashes(data: bytes, block: int, offset: int = 0, count: int | None = None) -> Iterator[str]:
    """The SHA-256 of each `block` bytes of `data` from `offset` (the last one may be short)."""
    view = memoryview(data)
    for taken, start in enumerate(range(offset, len(data), block)):
        if count is not None and taken == count:
            return
        yield hashlib.sha256(view[start : start + block]).hexdigest()


def text_state(package: DataPackage, path: str) -> str:
    """What the archive check sees of an archived text: its SHA-256 and first byte that is not
    UTF-8, or why it cannot be read."""
    if not path:
        return ""
    try:
        file = inside(package.root, path, package.text_folders)
    except PackageError as error:
        return f"unsafe: {error}"
    if path in package.text_digests:  # read by this validation already
        digest, undecodable = package.text_digests[path]
        return f"{digest} {undecodable}"
    # as DataPackage.text_bytes reads it, without finding the file a second time (20,000 texts)
    try:
        status = file.stat()
    except OSError:
        return "missing"
    if not stat.S_ISREG(status.st_mode):
        return "missing"
    try:
        data = file.read_bytes() if status.st_size <= MAX_TEXT_BYTES else None
    except OSError:
        data = None
    if data is None:
        return "too large"
    try:
        data.decode("utf-8")
        undecodable = None
    except UnicodeDecodeError as error:
        undecodable = (error.start, data[error.start])
    return f"{hashlib.sha256(data).hexdigest()} {undecodable}"


# --------------------------------------------------------------------------- the relations
def relations(package: DataPackage) -> list[Relation]:
    """Every way a check reads one row from another: keys (a row reads the rows that share its key),
    foreign keys, and CHECK_RELATIONS; every table with source_id reads its source (and so its text)."""
    found: list[Relation] = []
    tables = package.tables
    for table in tables.values():
        names = set(table.field_names)
        keys = [table.primary_key] + [[f["name"]] for f in table.fields if f["constraints"].get("unique")]
        for key in keys:
            if key and set(key) <= names:
                found.append(_string_relation(table, tuple(key), table, tuple(key)))
        for columns, target, target_columns in table.foreign_keys():
            if target in tables and set(columns) <= names and set(target_columns) <= set(tables[target].field_names):
                found.append(_string_relation(table, tuple(columns), tables[target], tuple(target_columns)))
        if "source_id" in names and "sources" in tables:
            found.append(Relation(table.name, ("source_id",), "sources", ("source_id",)))
    for reader, columns, read, read_columns, empty in CHECK_RELATIONS:
        ends = ((reader, columns), (read, read_columns))
        if all(t in tables and set(c or ()) <= set(tables[t].field_names) for t, c in ends):
            found.append(Relation(reader, columns, read, read_columns, empty))
    return found


def _string_relation(
    table: Table, columns: tuple[str, ...], target: Table, target_columns: tuple[str, ...]
) -> Relation:
    """A key compares typed values (01 and 1 are one integer): only the pairs of text columns are
    compared as written, which finds every row the typed key finds, and some more; with none, the
    whole table."""
    pairs = [
        (c, t)
        for c, t in zip(columns, target_columns, strict=True)
        if (table.field(c) or {}).get("type") in ("string", "any")
        and (target.field(t) or {}).get("type") in ("string", "any")
    ]
    if not pairs:
        return Relation(table.name, None, target.name, None)
    return Relation(table.name, tuple(c for c, _ in pairs), target.name, tuple(t for _, t in pairs))


# --------------------------------------------------------------------------- the cache
@dataclass
class ValidationCache:
    """The cache folder (ours, never inside a package); `writable` false: read only (a pull request)."""

    folder: Path
    writable: bool = True
    _copy: _StageCopy | None = field(default=None, init=False, repr=False)

    def say(self, message: str) -> None:
        print(f"validation cache: {message}", file=sys.stderr)

    # ----------------------------------------------------------------------- reading
    def revalidate(self, descriptor: Path) -> list[Problem] | None:
        """Every problem of the package, found incrementally; None (and why, on standard error) when
        it must be validated cold."""
        try:
            return self._revalidate(descriptor)
        except NotIncremental as reason:
            self.say(f"{reason}; validating cold")
        except Exception as error:  # a cache that cannot be read never decides a verdict
            self.say(f"cannot be used ({type(error).__name__}: {error}); validating cold")
        return None

    def _manifest(self) -> dict[str, Any]:
        file = self.folder / MANIFEST
        if not file.is_file():
            raise NotIncremental(f"no cache in {self.folder}")
        checksum, _, body = file.read_bytes().partition(b"\n")
        if hashlib.sha256(body).hexdigest().encode() != checksum:
            raise NotIncremental("the cache's manifest is corrupt")
        manifest = json.loads(body)
        if manifest.get("format") != FORMAT:
            raise NotIncremental("the cache is of another format")
        return manifest

    def _revalidate(self, descriptor: Path) -> list[Problem]:
        manifest = self._manifest()
        if not descriptor.is_file():
            raise NotIncremental("no descriptor")
        package = DataPackage(descriptor)
        if manifest["key"] != verdict_key(package):
            raise NotIncremental("the code, a schema, the descriptor or the vocabulary changed")
        if any(checks.descriptor_problems(package)):
            raise NotIncremental("the descriptor has problems")
        if not str(manifest["generation"]).startswith(GENERATION_PREFIX) or "/" in manifest["generation"]:
            raise NotIncremental("the cache's manifest names no generation of its own")
        generation = self.folder / manifest["generation"]
        states = {name: TableState(**state) for name, state in manifest["tables"].items()}
        staged = [t for t in package.tables.values() if t.file.is_file()]
        if sorted(t.name for t in staged) != sorted(states):
            raise NotIncremental("a table's file appeared or went")
        cached = [Problem(**p) for p in manifest["problems"]]
        with temporary_folder(f"{STAGE_PREFIX}{os.getpid()}-") as folder:
            connection = duckdb.connect(":memory:", config={"memory_limit": MEMORY_LIMIT,
                                                             "temp_directory": str(folder / "spill")})  # fmt: skip
            try:
                connection.execute(f"ATTACH ? AS {CACHED} (READ_ONLY)", [str(generation / STAGE_FILE)])
                token = connection.execute(f"SELECT generation FROM {CACHED}.nk_generation").fetchall()
                if token != [(manifest["generation"],)]:
                    raise NotIncremental("the cache's staged rows are of another generation")
                confine(connection, [], folder)
                for name, judge in SQL_FUNCTIONS.items():
                    connection.create_function(name, judge, ["VARCHAR"], "BOOLEAN", side_effects=False)
                stage = Stage(connection, folder)
                changes = {t.name: c for t in staged if (c := _changed_rows(stage, t, states[t.name])) is not None}
                texts = _changed_texts(package, manifest["texts"])
                if not changes and not texts:
                    return cached
                return Revalidation(package, stage, states, changes, texts, cached).problems()
            finally:
                connection.close()

    # ----------------------------------------------------------------------- writing
    @contextmanager
    def copying(self, package: DataPackage, db: Stage) -> Iterator[None]:
        """While the checks run (checked()'s `alongside`): copy the staged rows into the cache's file
        and fingerprint every CSV, in a thread (DuckDB and hashlib work outside the interpreter's
        lock, so the copy takes the other core rather than adding its time); `write` waits for it."""
        if not self.writable:
            yield
            return
        copy = self._copy = _StageCopy(package, db)
        copy.start()
        try:
            yield
        finally:
            copy.join()  # never past the staging database's life

    def write(self, package: DataPackage, db: Stage, problems: list[Problem]) -> None:
        """Keep the verdict of a cold validation (its staging database still open). Never raises:
        a cache that cannot be written is said, and the verdict stands."""
        if not self.writable:
            return
        copy, self._copy = self._copy, None
        try:
            if copy is None:
                copy = _StageCopy(package, db)
                copy.run()
            copy.join()
            if copy.error is not None:
                raise copy.error
            self._write(package, copy, problems)
        except Exception as error:
            self.say(f"not written ({type(error).__name__}: {error})")

    def _write(self, package: DataPackage, copy: _StageCopy, problems: list[Problem]) -> None:
        for state in copy.tables.values():  # a file with problems of its own bytes is read cold when it changes
            state.plain = state.plain and not any(p.path == state.path and p.code in FILE_CODES for p in problems)
        sources = [r["text_path"] for _, r in package.tables["sources"].rows(["text_path"])]
        texts = {path: text_state(package, path) for path in sorted(set(sources)) if path}
        make_folder(self.folder)
        target = self.folder / copy.generation
        target.mkdir()
        shutil.move(str(copy.file), str(target / STAGE_FILE))
        manifest = {
            "format": FORMAT,
            "key": verdict_key(package),
            "generation": copy.generation,
            "tables": {name: state.__dict__ for name, state in copy.tables.items()},
            "texts": texts,
            "problems": [p.as_dict() for p in problems],
        }
        body = json.dumps(manifest, ensure_ascii=False).encode("utf-8")
        write_atomically(self.folder / MANIFEST, hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
        for old in self.folder.iterdir():
            if old.name.startswith(GENERATION_PREFIX) and old.name != copy.generation:
                shutil.rmtree(old, ignore_errors=True)


class _StageCopy(threading.Thread):
    """The staged rows copied to a DuckDB file in the staging folder (where the confined staging
    connection may write), and each CSV's fingerprint, through a cursor of its own."""

    def __init__(self, package: DataPackage, db: Stage) -> None:
        super().__init__(name="validation-cache", daemon=True)
        self.package, self.db = package, db
        self.generation = f"{GENERATION_PREFIX}{os.getpid()}-{os.urandom(8).hex()}"
        self.file = db.folder / STAGE_FILE
        self.tables: dict[str, TableState] = {}
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            cursor = self.db.connection.cursor()
            try:
                self._copy(cursor)
            finally:
                cursor.close()
        except Exception as error:  # said by write(), never lost in the thread
            self.error = error

    def _copy(self, cursor: duckdb.DuckDBPyConnection) -> None:
        cursor.execute(f"ATTACH {literal(str(self.file))} AS {CACHED}")
        try:
            cursor.execute(f"CREATE TABLE {CACHED}.nk_generation AS SELECT ? AS generation", [self.generation])
            for table in self.package.tables.values():
                if table.name in self.db.scans:
                    name = identifier(table.name)
                    cursor.execute(f"CREATE TABLE {CACHED}.{name} AS SELECT * FROM {name}")
                    (rows,) = cursor.execute(f"SELECT count(*) FROM {CACHED}.{name}").fetchone() or (0,)
                    self.tables[table.name] = _table_state(self.db, table, rows)
        finally:
            cursor.execute(f"DETACH {CACHED}")


def _table_state(db: Stage, table: Table, rows: int) -> TableState:
    data = table.regular_file.read_bytes()
    scan = db.scans[table.name]
    lines = data.count(b"\n")
    header = next(csv_reader(io.StringIO(data[: data.find(b"\n") + 1].decode("utf-8", "replace")), table.path), [])
    plain = (
        scan.fast
        and not scan.unsafe_characters
        and header == table.field_names
        and rows + 1 == lines
        and data.endswith(b"\n")
    )
    return TableState(
        path=table.path,
        size=len(data),
        lines=lines,
        rows=rows,
        block=BLOCK,
        blocks=list(block_hashes(data, BLOCK)),
        header=hashlib.sha256(data[: data.find(b"\n") + 1]).hexdigest(),
        plain=plain,
        scan={
            "problems": [p.as_dict() for p in scan.problems],
            "lenient_corner": scan.lenient_corner,
            "unsafe_characters": scan.unsafe_characters,
            "commas": scan.commas,
        },
        duckdb=table.name in db.read_by_duckdb,
        absent=sorted(db.absent.get(table.name, set())),
    )


# --------------------------------------------------------------------------- what changed
def _changed_rows(stage: Stage, table: Table, state: TableState) -> Change | None:
    """The rows of a table that differ from the cache's, or None if its bytes are the same."""
    data = table.regular_file.read_bytes()
    old_blocks = state.blocks
    if state.block < 1:
        raise NotIncremental("the cache's block size is not a size")
    prefix = 0
    for index, digest in enumerate(block_hashes(data, state.block, 0, len(old_blocks))):
        if digest != old_blocks[index]:
            break
        prefix = min((index + 1) * state.block, state.size, len(data))
    if prefix == state.size == len(data):
        return None
    if not state.plain:
        raise NotIncremental(f"{table.path} changed, and its cached reading was not plain")
    shift = len(data) - state.size
    suffix = 0  # bytes at the end, the same in both
    for index in range(len(old_blocks) - 1, -1, -1):
        start = index * state.block
        end = min(start + state.block, state.size)
        if start < prefix or start + shift < prefix:
            break  # the common ends may not overlap
        if hashlib.sha256(data[start + shift : end + shift]).hexdigest() != old_blocks[index]:
            break
        suffix = state.size - start
    header_end = data.find(b"\n") + 1
    if header_end == 0 or hashlib.sha256(data[:header_end]).hexdigest() != state.header:
        raise NotIncremental(f"the header of {table.path} changed")
    start = max(data.rfind(b"\n", 0, prefix) + 1, header_end)
    end = _line_end(data, suffix)
    first_row = data.count(b"\n", 0, start) + 1
    new_lines = data.count(b"\n", start, end)
    old_lines = state.lines - (first_row - 1) - data.count(b"\n", end)
    new = _plain_rows(table, data[start:end], first_row, new_lines)
    names = table.field_names
    cells = ", ".join(identifier(n) for n in names)
    old = {
        number: dict(zip(names, rest, strict=True))
        for number, *rest in stage.execute(
            f"SELECT {ROW}, {cells} FROM {CACHED}.{identifier(table.name)} WHERE {ROW} BETWEEN ? AND ? ORDER BY {ROW}",
            [first_row, first_row + old_lines - 1],
        )
    }
    if len(old) != old_lines:
        raise NotIncremental(f"the cached rows of {table.path} are not its cached lines")
    change = Change()
    if new_lines == old_lines:  # rows changed in place: each compared with the row it replaces
        for number, row in new.items():
            if old[number] != row:
                change.old[number], change.new[number] = old[number], row
        return change if change.new else None
    before, after = [old[n] for n in sorted(old)], [new[n] for n in sorted(new)]
    lead = next(
        (i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b), min(len(before), len(after))
    )
    trail = 0
    while trail < min(len(before), len(after)) - lead and before[-1 - trail] == after[-1 - trail]:
        trail += 1
    change.old = {first_row + i: before[i] for i in range(lead, len(before) - trail)}
    change.new = {first_row + i: after[i] for i in range(lead, len(after) - trail)}
    change.removed = (first_row + lead, first_row + len(before) - trail - 1)
    change.shift = len(after) - len(before)
    return change


def _line_end(data: bytes, suffix: int) -> int:
    """The end of the changed lines in the new file: the first line end after the changed bytes that
    lies in the bytes common to both files (so that it ends a line in the old file too)."""
    if suffix == 0:
        if not data.endswith(b"\n"):
            raise NotIncremental("a changed file does not end with a newline")
        return len(data)
    return data.find(b"\n", len(data) - suffix) + 1  # the old file ends with a newline: so does the suffix


def _plain_rows(table: Table, lines: bytes, first_row: int, count: int) -> dict[int, dict[str, str]]:
    """The cells of changed lines, read as the staging load reads a plain file: each line one row of
    the schema's width, and nothing that the byte scan flags."""
    try:
        text = lines.decode("utf-8")
    except UnicodeDecodeError:
        raise NotIncremental(f"a changed line of {table.path} is not UTF-8") from None
    if (
        is_lenient(lines, after_line_end=True)  # changed lines always follow the header's line end
        or has_control_characters(lines)
        or not unicodedata.is_normalized("NFC", text)
    ):
        raise NotIncremental(f"a changed line of {table.path} is not plain")
    width = len(table.field_names)
    try:
        rows = list(csv_reader(io.StringIO(text, newline=""), table.path))
    except CsvError:
        raise NotIncremental(f"a changed line of {table.path} cannot be parsed") from None
    widths = {len(r) for r in rows}
    if len(rows) != count or widths - {width} or any(len(c) > MAX_CELL_CHARS for r in rows for c in r):
        raise NotIncremental(f"a changed line of {table.path} is not one row of the schema's width")
    names = table.field_names
    return {first_row + i: dict(zip(names, cells, strict=True)) for i, cells in enumerate(rows)}


def _changed_texts(package: DataPackage, cached: dict[str, str]) -> set[str]:
    """The text paths whose state is not the cached one (new paths are read with their changed rows)."""
    return {path for path, state in cached.items() if text_state(package, path) != state}


# --------------------------------------------------------------------------- the re-check
class Revalidation:
    """The affected rows of a change, the rows they read, and the checks run over both."""

    def __init__(
        self,
        package: DataPackage,
        stage: Stage,
        states: dict[str, TableState],
        changes: dict[str, Change],
        texts: set[str],
        cached: list[Problem],
    ) -> None:
        self.package, self.stage, self.states, self.changes, self.texts = package, stage, states, changes, texts
        self.tables = {name: package.tables[name] for name in states}
        self.cached = [p for p in map(self.renumbered, cached) if p is not None]
        self.relations = relations(package)
        for name, change in changes.items():
            self.stage.create_table_of(f"nk_new_{name}", _columns(self.tables[name], change.new))

    def renumbered(self, problem: Problem) -> Problem | None:
        """A cached problem at its row's number now; None at a row that was replaced."""
        if problem.row is None:
            return problem
        for name, change in self.changes.items():
            if self.tables[name].path == problem.path:
                row = change.renumbered(problem.row)
                return None if row is None else replace(problem, row=row)
        return problem

    def current(self, name: str) -> str:
        """SQL for the table as it is now: the cached rows, with the changed ones replaced."""
        cached = f"{CACHED}.{identifier(name)}"
        change = self.changes.get(name)
        if change is None:
            return cached
        new = identifier(f"nk_new_{name}")
        if change.removed is None:
            return (
                f"(SELECT * FROM {cached} WHERE {ROW} NOT IN (SELECT {ROW} FROM {new}) UNION ALL SELECT * FROM {new})"
            )
        first, last, shift = int(change.removed[0]), int(change.removed[1]), int(change.shift)
        cells = ", ".join(identifier(n) for n in self.tables[name].field_names)
        number = f"CASE WHEN {ROW} > {last} THEN {ROW} + {shift} ELSE {ROW} END AS {ROW}"
        kept = f"SELECT {number}, {cells} FROM {cached} WHERE {ROW} NOT BETWEEN {first} AND {last}"
        return f"({kept} UNION ALL SELECT * FROM {new})"

    def rows_holding(self, name: str, columns: tuple[str, ...] | None, values: set[tuple[str, ...]]) -> set[int]:
        """The rows of a table whose `columns` hold one of `values` (None: every row)."""
        if columns is None:
            return {row for (row,) in self.stage.execute(f"SELECT {ROW} FROM {self.current(name)} t")}
        if not values:
            return set()
        width = len(columns)
        listed = sorted(values)
        self.stage.create_table_of("nk_values", {f"v{i}": ("VARCHAR", [v[i] for v in listed]) for i in range(width)})
        joined = " AND ".join(f"v.v{i} = t.{identifier(c)}" for i, c in enumerate(columns))
        sql = f"SELECT t.{ROW} FROM {self.current(name)} t WHERE EXISTS (SELECT 1 FROM nk_values v WHERE {joined})"
        return {row for (row,) in self.stage.execute(sql)}

    def cells(self, name: str, rows: set[int], columns: Iterable[str]) -> list[dict[str, str]]:
        if not rows:
            return []
        wanted = sorted(set(columns))
        self.stage.create_table_of("nk_rows", {"r": ("BIGINT", sorted(rows))})
        listed = ", ".join(identifier(c) for c in wanted)
        sql = f"SELECT {listed} FROM {self.current(name)} t WHERE {ROW} IN (SELECT r FROM nk_rows)"
        return [dict(zip(wanted, found, strict=True)) for found in self.stage.execute(sql)]

    def affected(self) -> tuple[dict[str, set[int]], set[str]]:
        """The rows whose verdict may change, per table, and the text paths whose problems may."""
        affected = {name: set(change.new) for name, change in self.changes.items()}
        for name, change in self.changes.items():  # a message that names a row that moved is worded again
            if change.shift:
                path = self.tables[name].path
                affected[name] |= {p.row for p in self.cached if p.path == path and p.code in ROW_NAMING_CODES}
        # a text that changed: its sources rows, and every row of its articles
        sources_of_texts = self.rows_holding("sources", ("text_path",), {(p,) for p in self.texts})
        changed_sources = {r["source_id"] for r in self.cells("sources", sources_of_texts, ["source_id"])}
        affected.setdefault("sources", set()).update(sources_of_texts)
        for relation in self.relations:
            change = self.changes.get(relation.read)
            if change is None:
                continue
            values = _values([*change.old.values(), *change.new.values()], relation.read_columns, relation.empty)
            affected.setdefault(relation.reader, set()).update(
                self.rows_holding(relation.reader, relation.columns, values)
            )
        for name in self.tables:
            if "source_id" in self.tables[name].field_names and changed_sources:
                affected.setdefault(name, set()).update(
                    self.rows_holding(name, ("source_id",), {(s,) for s in changed_sources})
                )
        # the texts: of every affected sources row, and of every article with an affected span
        articles = set(changed_sources)
        for name in (*COVERAGE_TABLES, "sources"):
            if name in self.changes:
                articles |= {r.get("source_id", "") for r in [*self.changes[name].old.values(),
                                                               *self.changes[name].new.values()]}  # fmt: skip
        old_paths = {r.get("text_path", "") for r in self.changes["sources"].old.values()} if (
            "sources" in self.changes) else set()  # fmt: skip
        rows = self.rows_holding("sources", ("source_id",), {(s,) for s in articles}) | affected.get("sources", set())
        paths = {r["text_path"] for r in self.cells("sources", rows, ["text_path"])} | old_paths | self.texts
        paths.discard("")
        sharing = self.rows_holding("sources", ("text_path",), {(p,) for p in paths})
        affected["sources"] = affected.get("sources", set()) | sharing
        return affected, paths

    def context(self, affected: dict[str, set[int]], paths: set[str]) -> dict[str, set[int]]:
        """The affected rows and every row they read."""
        read = {name: set(rows) for name, rows in affected.items()}
        for relation in self.relations:
            rows = affected.get(relation.reader)
            if not rows:
                continue
            if relation.columns is None or relation.read_columns is None:
                found = self.rows_holding(relation.read, None, set())
            else:
                values = _values(self.cells(relation.reader, rows, relation.columns), relation.columns, relation.empty)
                found = self.rows_holding(relation.read, relation.read_columns, values)
            read.setdefault(relation.read, set()).update(found)
        # every span of an article whose text is affected (the coverage check reads them all)
        sources = self.rows_holding("sources", ("text_path",), {(p,) for p in paths})
        articles = {(r["source_id"],) for r in self.cells("sources", sources, ["source_id"])}
        read.setdefault("sources", set()).update(sources)
        for name in COVERAGE_TABLES:
            if name in self.tables and "source_id" in self.tables[name].field_names:
                read.setdefault(name, set()).update(self.rows_holding(name, ("source_id",), articles))
        return read

    def problems(self) -> list[Problem]:
        affected, paths = self.affected()
        read = self.context(affected, paths)
        for name in self.tables:
            rows = sorted(read.get(name, set()))
            self.stage.create_table_of("nk_rows", {"r": ("BIGINT", rows)})
            self.stage.run(
                f"CREATE TABLE {identifier(name)} AS SELECT * FROM {self.current(name)} t "
                f"WHERE {ROW} IN (SELECT r FROM nk_rows) ORDER BY {ROW}"
            )
        for name, state in self.states.items():
            scan = state.scan
            self.stage.scans[name] = FileScan(
                [Problem(**p) for p in scan["problems"]], scan["lenient_corner"], scan["unsafe_characters"],
                scan["commas"],
            )  # fmt: skip
            if state.duckdb:
                self.stage.read_by_duckdb.add(name)
            self.stage.absent[name] = set(state.absent)
        self.package.attach(self.stage)
        try:
            found = list(schema_problems(self.stage, self.package))
            found += checks.content_problems(self.package, self.stage)
        finally:
            self.package.attach(None)
        located = {(self.tables[name].path, row) for name, rows in affected.items() for row in rows}

        def recomputed(problem: Problem) -> bool:
            return problem.code not in FILE_CODES and ((problem.path, problem.row) in located or problem.path in paths)

        kept = [p for p in self.cached if not recomputed(p)] + [p for p in found if recomputed(p)]
        return sorted(set(kept), key=lambda p: (p.path, p.row or 0, p.column or "", p.message))


def _values(rows: Iterable[dict[str, str]], columns: tuple[str, ...] | None, empty: bool) -> set[tuple[str, ...]]:
    """The values of `columns` in `rows`; without `empty`, none with an empty cell."""
    if columns is None:
        return set()
    found = {tuple(row.get(c, "") for c in columns) for row in rows if row}
    return found if empty else {v for v in found if "" not in v}


def _columns(table: Table, rows: dict[int, dict[str, str]]) -> dict[str, tuple[str, list[Any]]]:
    numbers = sorted(rows)
    cells = {name: ("VARCHAR", [rows[n][name] for n in numbers]) for name in table.field_names}
    return {ROW: ("BIGINT", numbers), **cells}
