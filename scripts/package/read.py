"""Read a data package: its descriptor, Table Schemas, CSV rows and archived texts.

Everything here reads; nothing writes. Row numbers follow frictionless: the header is row 1.

A package is untrusted input. Every file it names is opened through `inside()`, the one place
that decides what may be read: a relative POSIX path with no `..` segment and no glob character,
every folder on the way and the file itself resolving (symbolic links followed) inside the package
root. What is handed to another reader (DuckDB, the sqlite3 command line, a release) is first held
by `package_file()` to one regular file. Nothing is fetched from a URL."""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

# The messages' helpers live in the core layer (scripts.messages), which scripts.cli uses; they are
# named here too, where the readers of a package have always found them.
from scripts.messages import (
    CONTROL_CHARACTERS,
    MAX_QUOTED_CHARS,
    PackageError,
    clip,
    cut,
    printable,
    quote,
)

EDTF_RDF_TYPE = "http://id.loc.gov/datatypes/edtf/EDTF-level1"
SPAN_COLUMNS = ("exact", "char_start", "char_end")
# The descriptor's own property naming the measure (a figures.measure value) that the troop
# estimates, the timeline and the README's opening table show: no code names a measure.
HEADLINE_MEASURE = "headlineMeasure"
VOCABULARY = "vocabulary"  # the resource defining every controlled value: table, column, value, definition
MAX_JSON_BYTES = 16 * 1024 * 1024  # a descriptor or Table Schema; ours are a few kB
MAX_JSON_DEPTH = 64  # ours nest 5 deep; deeper would only exhaust the parser's stack
MAX_CELL_CHARS = 131_072  # Python's csv default, kept: a longer cell is an unclosed quote, not data
MAX_TEXT_BYTES = 16 * 1024 * 1024  # an archived article; ours are 4 kB
URL_OR_DRIVE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# DuckDB's read_csv expands * ? [ ] in a path (brace expansion may follow) to files the package does
# not name: `data/o[u]t/x` reads `data/out/x`, and `out` may be a link that leaves the package.
GLOB_CHARACTERS = "*?[]{}"


def unsafe_path_reason(path: object) -> str | None:
    """Why a path named by a package may not be read, or None for a safe one.

    Data Package v2: a path is a relative POSIX path, with no leading `/` and no `..` segment.
    URLs are refused too: nothing that reads a package fetches anything."""
    if not isinstance(path, str) or not path:
        return "is not a non-empty string"
    if URL_OR_DRIVE.match(path):
        return "is a URL or a drive path; only relative paths inside the package are read"
    if path.startswith("/"):
        return "is absolute; only relative paths inside the package are read"
    if "\\" in path or CONTROL_CHARACTERS.search(path) or any(0xD800 <= ord(c) <= 0xDFFF for c in path):
        return "contains a backslash, a control character or a lone surrogate; use a plain POSIX path"
    if ".." in path.split("/"):
        return "has a '..' segment; only paths inside the package are read"
    glob = glob_character(path)
    if glob:
        return f"contains {glob!r}, which a reader would expand to other files; use a name without * ? [ ] {{ }}"
    return None


def glob_character(path: str) -> str | None:
    """The first character of `path` that a file reader could take as a wildcard, if any."""
    return next((c for c in path if c in GLOB_CHARACTERS), None)


def inside(root: Path, path: str, folders: dict[str, Path] | None = None) -> Path:
    """The file `path` names under the package `root`, refused (PackageError) unless it is a safe
    relative path (unsafe_path_reason) whose every folder on the way, and the file itself, stays
    inside the root with every symbolic link followed. The file need not exist.

    The path returned has every link followed, so that no reader follows one again; and it has no
    glob character beyond the root's own, even where a link inside the package points at a name
    with one. `folders` caches the resolved folders for one pass over many files in few folders
    (the archived texts): only the file itself is then looked at."""
    reason = unsafe_path_reason(path)
    if reason:
        raise PackageError(f"path {quote(path)} {reason}")
    folders = {} if folders is None else folders
    if "" not in folders:
        folders[""] = root.resolve()
    base, current, prefix = folders[""], folders[""], ""
    *steps, name = path.split("/")
    for step in steps:
        prefix = f"{prefix}/{step}" if prefix else step
        if prefix not in folders:
            folders[prefix] = _followed(base, path, current / step, prefix)
        current = folders[prefix]
    return _followed(base, path, current / name, path)


def _followed(base: Path, path: str, step: Path, named: str) -> Path:
    """`step` (a resolved folder and one more name) with its link, if it is one, followed: refused if
    that leads outside `base` or to a name with a glob character. `named` is the part of `path` it is."""
    try:
        if not step.is_symlink():
            return step
        target = step.resolve()
    except OSError as error:  # a name too long, say
        raise PackageError(f"path {quote(path)} cannot be looked up: {error.strerror}") from None
    if not target.is_relative_to(base):
        link = "a symbolic link?" if named == path else f"through the symbolic link {quote(named)}"
        raise PackageError(f"path {quote(path)} resolves outside the package root ({link})")
    glob = glob_character(target.relative_to(base).as_posix())
    if glob:
        link = "is a symbolic link" if named == path else f"goes through the symbolic link {quote(named)}"
        raise PackageError(
            f"path {quote(path)} {link} to a name with {glob!r}, which a reader would expand to other files; "
            "link to a name without * ? [ ] { }"
        )
    return target


def package_file(root: Path, path: str, folders: dict[str, Path] | None = None) -> Path:
    """What a reader may be handed for `path`: exactly one regular file inside the package (inside()),
    never a folder, a FIFO or a device, which would be read as something else or block for ever."""
    file = inside(root, path, folders)
    try:
        mode = file.stat().st_mode
    except OSError:
        raise PackageError(f"path {quote(path)}: no such file") from None
    if not stat.S_ISREG(mode):
        raise PackageError(f"path {quote(path)} is not a regular file")
    return file


def depth_of(value: object) -> int:
    """How deeply a JSON value nests, counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def parse_json(data: bytes, name: str) -> Any:
    """JSON from bytes, with a clear PackageError for anything that is not a sane JSON document."""
    if len(data) > MAX_JSON_BYTES:
        raise PackageError(f"{name}: larger than {MAX_JSON_BYTES} bytes")
    try:
        value = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise PackageError(f"{name}: not UTF-8 (byte {error.start})") from None
    except RecursionError:
        raise PackageError(f"{name}: nested more than {MAX_JSON_DEPTH} levels deep") from None
    except ValueError as error:
        raise PackageError(f"{name}: not valid JSON: {clip(str(error))}") from None
    if depth_of(value) > MAX_JSON_DEPTH:
        raise PackageError(f"{name}: nested more than {MAX_JSON_DEPTH} levels deep")
    return value


def read_json(file: Path, name: str) -> Any:
    """A JSON file, read with the size and depth limits of parse_json. Only a regular file is
    opened: a FIFO or a device would block or never end."""
    try:
        if not stat.S_ISREG(file.stat().st_mode):
            raise PackageError(f"{name}: not a regular file")
        with file.open("rb") as handle:
            data = handle.read(MAX_JSON_BYTES + 1)
    except OSError as error:
        raise PackageError(f"{name}: cannot be read: {error.strerror}") from None
    return parse_json(data, name)


@dataclass(frozen=True, order=True)
class Problem:
    """One defect, located as `path:row:column` (row and column may be unknown), and the stable code
    of its kind (scripts.validation.checks.CHECKS lists them). The code stays out of comparisons: a
    problem is the same defect whichever engine names it."""

    path: str
    row: int | None
    column: str | None
    message: str
    code: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        # A backstop for every message: no problem line repeats more than a few hundred characters.
        object.__setattr__(self, "path", cut(self.path, 300))
        object.__setattr__(self, "column", None if self.column is None else cut(self.column, MAX_QUOTED_CHARS))
        object.__setattr__(self, "message", cut(self.message, 3 * MAX_QUOTED_CHARS))

    def __str__(self) -> str:
        """The problem as one line of text: no control character of the input reaches a terminal."""
        row = "-" if self.row is None else str(self.row)
        return printable(f"{self.path}:{row}:{self.column or '-'}: {self.message}")

    def line(self) -> str:
        """The validator's output line: `path:row:column: message [code]`."""
        return f"{self} [{printable(self.code)}]" if self.code else str(self)

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "row": self.row, "column": self.column, "message": self.message, "code": self.code}


@dataclass
class Table:
    """One tabular resource: where its CSV is, and its Table Schema."""

    name: str
    path: str  # as written in the descriptor, relative to the package root
    schema_path: str
    schema: dict[str, Any]
    root: Path
    staging: Any = None  # set by validation (a scripts.validation.staging.Stage): rows then stream from it

    def __post_init__(self) -> None:
        # Table Schema defaults made explicit once, so that no reader trips on a legal omission.
        fields = self.schema.get("fields") if isinstance(self.schema.get("fields"), list) else []
        self.schema = {
            **self.schema,
            "fields": [
                {**f, "type": f.get("type") or "any", "constraints": f.get("constraints") or {}}
                for f in fields
                if isinstance(f, dict)
            ],
        }

    @property
    def file(self) -> Path:
        """Where the table's CSV is (inside the package: see inside()); it may not exist."""
        return inside(self.root, self.path)

    @property
    def regular_file(self) -> Path:
        """The table's CSV as it is handed to a reader: one regular file inside the package."""
        return package_file(self.root, self.path)

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

    def rows(self, columns: list[str] | None = None, where: str | None = None) -> Iterator[tuple[int, dict[str, str]]]:
        """(row number, cells by column) for every data row, streamed; the header is row 1.

        From the staging database when one is attached (only the columns asked for, and only the
        rows for which the SQL condition `where` holds: the table is aliased `t`), else from the
        CSV (every column)."""
        if self.staging is not None:
            yield from self.staging.table_rows(self.name, columns or self.field_names, where)
            return
        if where is not None:
            raise ValueError("a row condition needs the staging database")
        # Undecodable bytes become U+FFFD here; the hygiene check reports them with their row.
        with self.regular_file.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
            reader = csv_reader(handle, self.path)
            header = next(reader, [])
            for number, cells in enumerate(reader, start=2):
                yield number, dict(zip(header, cells, strict=False))


def csv_reader(handle: Any, path: str) -> Iterator[list[str]]:
    """csv.reader with a cell size cap, whose parse errors become a PackageError naming the row."""
    csv.field_size_limit(MAX_CELL_CHARS)
    reader = csv.reader(handle)
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            hint = " (an unclosed quotation mark?)" if "field larger" in str(error) else ""
            raise CsvError(path, number, f"CSV cannot be parsed: {clip(str(error))}{hint}") from None
        yield cells


class CsvError(PackageError):
    """A CSV file that cannot be parsed past some row: nothing after it can be checked."""

    def __init__(self, path: str, row: int, message: str) -> None:
        super().__init__(f"{path}:{row}:-: {message}")
        self.problem = Problem(path, row, None, message, code="csv-parse-error")


# The resources a release adds beside the CSV tables: made from the CSVs (Parquet, JSON-LD, the SQLite
# database), or the archived texts that sources.csv names (text). None of them is a table to check.
DERIVED_FORMATS = ("parquet", "jsonld", "sqlite", "txt")


@dataclass
class DataPackage:
    """A data package on disk, read lazily."""

    descriptor_path: Path
    descriptor: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.descriptor_path = Path(self.descriptor_path)
        descriptor = read_json(self.descriptor_path, str(self.descriptor_path))
        if not isinstance(descriptor, dict):
            raise PackageError(f"{self.descriptor_path}: a data package descriptor is a JSON object")
        self.descriptor = descriptor

    @property
    def root(self) -> Path:
        return self.descriptor_path.parent

    @property
    def headline_measure(self) -> str | None:
        """The measure the site charts, as the descriptor names it (None when it names none)."""
        value = self.descriptor.get(HEADLINE_MEASURE)
        return value if isinstance(value, str) else None

    def definition(self, table: str, column: str, value: str) -> str | None:
        """What the vocabulary says a controlled value means (None when it does not define it)."""
        if VOCABULARY not in self.tables:
            return None
        for _, row in self.tables[VOCABULARY].rows():
            if (row.get("table"), row.get("column"), row.get("value")) == (table, column, value):
                return row.get("definition") or None
        return None

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
            if isinstance(resource, dict) and resource.get("format") in DERIVED_FORMATS:
                continue  # a release's file beside the CSVs: the CSVs are what is checked and built
            schema_ref = resource.get("schema")
            if isinstance(schema_ref, str):
                schema = read_json(inside(self.root, schema_ref), schema_ref)
            else:
                schema_ref, schema = "datapackage.json", schema_ref or {}
            tables[resource["name"]] = Table(resource["name"], resource["path"], schema_ref, schema, self.root)
        return tables

    def attach(self, staging: Any) -> None:
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
            data = self.text_bytes(row.get("text_path", ""))
            if data is not None:
                texts[row["source_id"]] = data.decode("utf-8", errors="replace")
        return texts

    @cached_property
    def unreadable_texts(self) -> frozenset[str]:
        """Sources whose text_path names a text that cannot be read (the archive check reports it)."""
        rows = self.tables["sources"].rows(["source_id", "text_path"])
        return frozenset(
            r["source_id"] for _, r in rows if r.get("text_path") and r["source_id"] not in self.archived_texts
        )

    def text_bytes(self, text_path: str) -> bytes | None:
        """The bytes of an archived text: None when the path names no regular file of at most
        MAX_TEXT_BYTES inside the package (which the archive check reports). Each read records the
        text's SHA-256 and whether it is UTF-8 (`text_digests`), so that the archive check need not
        read it again."""
        file = self.text_file(text_path)
        try:
            status = file.stat() if file is not None else None
            if status is None or not stat.S_ISREG(status.st_mode) or status.st_size > MAX_TEXT_BYTES:
                return None
            data = file.read_bytes()  # type: ignore[union-attr]
        except OSError:
            return None
        self.text_digests[text_path] = (hashlib.sha256(data).hexdigest(), _utf8_error(data))
        return data

    @cached_property
    def text_digests(self) -> dict[str, tuple[str, tuple[int, int] | None]]:
        """(SHA-256, the offset and value of the first byte that is not UTF-8) of each text read."""
        return {}

    @cached_property
    def text_folders(self) -> dict[str, Path]:
        return {}

    def text_file(self, text_path: str) -> Path | None:
        """The archived text a sources row names, or None when it names none or an unsafe path
        (which the archive check reports)."""
        if not text_path or unsafe_path_reason(text_path):
            return None
        try:
            return inside(self.root, text_path, self.text_folders)
        except PackageError:
            return None


def _utf8_error(data: bytes) -> tuple[int, int] | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start, data[error.start]
    return None


# A number as every reader reads it alike (Python, DuckDB, SQLite and its command line): ASCII
# digits, an optional sign, and for a number a decimal point and an exponent. Python's int() and
# float() also take `8_000`, other scripts' digits, `inf` and `nan`, which SQLite reads otherwise.
PLAIN_INTEGER = r"[+-]?[0-9]+"
PLAIN_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
NUMBER_LIMIT = 10**15  # the largest magnitude a number cell may have: exact as a double, far beyond any count


def as_int(cell: str) -> int | None:
    """A plain integer cell as an int; None for anything else (empty, a type error, `8_000`)."""
    if not re.fullmatch(PLAIN_INTEGER, cell):
        return None
    try:
        return int(cell)
    except ValueError:  # more digits than Python converts (4300)
        return None


def as_float(cell: str) -> float | None:
    """A plain number cell as a finite float; None for anything else (empty, `inf`, `8_000`)."""
    if not re.fullmatch(PLAIN_NUMBER, cell):
        return None
    value = float(cell)
    return value if math.isfinite(value) else None
