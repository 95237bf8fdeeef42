"""A staging load of the package into SQLite: every CSV cell as TEXT, with its CSV row number.

Set-based checks (scripts.validation.schemasql) and the build run over it, so that the data is parsed once
and no check holds a whole table in Python memory."""

from __future__ import annotations

import codecs
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import re2

from scripts.atomic import remove_stale, temporary_folder
from scripts.package.read import CsvError, DataPackage, Problem, Table, csv_reader, quote
from scripts.progress import progress

ROW = "_row"  # the CSV row number (header = 1), as frictionless counts
UNDECODABLE: list[UnicodeDecodeError] = []


def _record_undecodable(error: UnicodeError) -> tuple[str, int]:
    """Decode on past a bad byte (as U+FFFD), remembering it: the file is streamed, never held whole."""
    assert isinstance(error, UnicodeDecodeError)
    UNDECODABLE.append(error)
    return "\ufffd", error.end


codecs.register_error("nk-record", _record_undecodable)


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> Any:
    """RE2: linear in the length of the cell whatever the pattern, so no schema can stall a check."""
    return re2.compile(pattern)


def _regexp(pattern: str, value: str | None) -> bool:
    return value is not None and _compiled(pattern).search(value) is not None


def _is_number(value: str | None) -> bool:
    if value is None or value != value.strip():
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


def register_functions(db: sqlite3.Connection) -> None:
    db.create_function("regexp", 2, _regexp, deterministic=True)
    db.create_function("is_number", 1, _is_number, deterministic=True)


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load_table(db: sqlite3.Connection, table: Table) -> Iterator[Problem]:
    """Stage one CSV; yields a problem for a wrong header or a row with missing or extra cells."""
    names = table.field_names
    columns = ", ".join(f"{quoted(n)} TEXT" for n in names)
    db.execute(f"CREATE TABLE {quoted(table.name)} ({ROW} INTEGER PRIMARY KEY, {columns})")
    problems: list[Problem] = []
    UNDECODABLE.clear()
    # utf-8-sig: a byte order mark is not part of the header (the hygiene check reports it).
    with table.file.open(encoding="utf-8-sig", errors="nk-record", newline="") as handle:
        reader = csv_reader(handle, table.path)
        header = next(reader, [])
        if header != names:
            problems.append(
                Problem(
                    table.path, 1, None, f"incorrect-label: header is {quote(header)}, the schema says {quote(names)}"
                )
            )
        width = len(names)

        def rows() -> Iterator[list[object]]:
            for number, cells in enumerate(reader, start=2):
                if len(cells) != width:
                    what = "missing-cell" if len(cells) < width else "extra-cell"
                    problems.append(Problem(table.path, number, None, f"{what}: {len(cells)} cells, expected {width}"))
                    cells = (cells + [""] * width)[:width]
                yield [number, *cells]

        placeholders = ", ".join("?" for _ in range(width + 1))
        db.executemany(f"INSERT INTO {quoted(table.name)} VALUES ({placeholders})", rows())
    if UNDECODABLE:
        error = UNDECODABLE[0]
        problems.append(
            Problem(table.path, None, None, f"encoding-error: not UTF-8: byte {error.object[error.start]:#x}")
        )
    yield from problems


STAGE_PREFIX = "nk-stage-"


@contextmanager
def staged(package: DataPackage) -> Iterator[tuple[sqlite3.Connection, list[Problem], bool]]:
    """The package staged in a temporary SQLite file (bounded memory), the load's problems, and
    whether every CSV could be parsed to its end (if not, nothing more can be checked)."""
    remove_stale(Path(tempfile.gettempdir()), STAGE_PREFIX)
    with temporary_folder(f"{STAGE_PREFIX}{os.getpid()}-") as folder:
        db = sqlite3.connect(folder / "stage.db")
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute("PRAGMA cache_size = -200000")  # about 200 MB of page cache
        register_functions(db)
        try:
            problems: list[Problem] = []
            parsed = True
            with db:
                for table in package.tables.values():
                    if table.file.is_file():
                        progress(f"staging {table.path}")
                        try:
                            problems += load_table(db, table)
                        except CsvError as error:
                            problems.append(error.problem)
                            parsed = False
            yield db, problems, parsed
        finally:
            db.close()
