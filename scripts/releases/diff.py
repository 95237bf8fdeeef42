"""What changed in the data between two versions, table by table and row by row (by primary key).

    python -m scripts.releases.diff [--format markdown|json] FROM [TO]

FROM and TO are each a released version (0.1.0 or v0.1.0, resolved to its commit through
releases.json, so no git tag is needed), a git revision, a release zip, or a folder holding a
datapackage.json; TO defaults to the working tree. Prints Markdown, every name and cell of the
input made printable, or with `--format json` one JSON object for machines (`to_json`).

Memory stays bounded whatever the size of the files or the number of rows: only the descriptor, the
schemas and the tables are read, as streams, each side's rows kept as keys and digests in an SQLite
file of a temporary folder; the cells of changed rows are read again for the first
MAX_LISTED_CHANGES of them, and at most MAX_LISTED_KEYS added and removed rows are listed. A table
past MAX_FILE_BYTES (or all past MAX_TOTAL_BYTES), a row past MAX_ROW_CHARS or MAX_COLUMNS cells is
refused, naming it."""

from __future__ import annotations

import argparse
import hashlib
import json
import marshal
import operator
import os
import sqlite3
import stat
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from scripts.atomic import temporary_folder
from scripts.cli import run
from scripts.package.read import (
    DERIVED_FORMATS,
    MAX_QUOTED_CHARS,
    DataPackage,
    PackageError,
    Table,
    clip,
    csv_reader,
    inside,
    printable,
    quote,
    unsafe_path_reason,
)
from scripts.releases import registry
from scripts.validation.checks import descriptor_problems

MAX_MEMBERS = 10_000
# A diff reads only the descriptor, the schemas and the tables: at a million claims the tables are
# 330 MB, the largest 150 MB. A side holding more is refused, not read.
MAX_FILE_BYTES = 512 << 20
MAX_TOTAL_BYTES = 1 << 30
MAX_RATIO = 100  # CSV and SQLite compress about 5 to 10 times; bombs a thousand times
MAX_ROW_CHARS = 4 << 20  # one CSV row, over all its lines; ours are a few kB
MAX_COLUMNS = 10_000  # cells in a row, fields in a schema; ours have at most a few dozen
# How much of the changed rows is shown cell by cell (the counts stay exact): a longer list is read
# by nobody, and holding it would take memory in proportion to the table.
MAX_LISTED_CHANGES = 10_000  # changed cells per table
MAX_LISTED_BYTES = 64 << 20  # of old rows held while the changed cells are found
MAX_LISTED_KEYS = 10_000  # added rows listed per table, and as many removed ones
INDEX_CACHE_KIB = 64 * 1024  # SQLite's page cache while the rows' keys and digests are compared on disk
COMPARED = (".json", ".csv")  # what is unpacked: the database and the texts stay packed
ARGUMENT_CHARS = 100_000  # paths named on one git command line, well within the system's limit


@dataclass
class TableDiff:
    name: str
    added: list[str] = field(default_factory=list)  # primary keys, columns joined by |
    removed: list[str] = field(default_factory=list)
    changed: list[tuple[str, dict[str, tuple[str, str]]]] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    table_added: bool = False
    table_removed: bool = False
    unlisted: int = 0  # changed rows counted but not listed cell by cell (MAX_LISTED_CHANGES)
    added_unlisted: int = 0  # added and removed rows counted but not listed (MAX_LISTED_KEYS)
    removed_unlisted: int = 0
    key_columns: list[str] = field(default_factory=list)  # what a key joins: the primary key, else every column

    @property
    def empty(self) -> bool:
        changes = self.added or self.removed or self.changed or self.unlisted
        return not (changes or self.columns_added or self.columns_removed)


@contextmanager
def snapshot(ref: str, repo: Path = Path(".")) -> Iterator[Path]:
    """A folder holding the package at `ref`: a folder, a release zip, or a git revision."""
    if ref.startswith("-"):  # never an option to git: `--output=FILE` would truncate FILE
        raise PackageError(f"{quote(ref)}: neither a folder, a release zip nor a git revision")
    path = Path(ref)
    if path.is_dir():
        yield path
        return
    with temporary_folder(f"nk-diff-{os.getpid()}-") as folder:
        if not path.exists() and (release := registry.recorded_release(repo, ref)) is not None:
            ref = release.commit
        if path.is_file() and zipfile.is_zipfile(path):
            try:
                unzip(path, Path(folder))
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, zlib.error, EOFError) as error:
                raise PackageError(f"{path}: cannot be unpacked: {clip(str(error))}") from None
            _forget_derived_resources(Path(folder))
        else:
            unpack_revision(ref, repo, Path(folder))
        yield _package_root(Path(folder), ref)


def unpack_revision(ref: str, repo: Path, folder: Path) -> None:
    """Extract the descriptors, schemas, tables and symbolic links of a git revision into `folder`.

    The tree is listed first, with sizes, so that a file past the limits is refused before it is
    read, and git reads no other file (a tree may hold files of any size). The archive of the rest
    is streamed member by member through tarfile's data filter, which refuses links that leave the
    folder; nothing is held whole."""
    arguments = ["--literal-pathspecs", "archive", "--format=tar", "--end-of-options", ref]
    for paths in _batches(_compared_paths(ref, repo)):
        with _git(ref, repo, [*arguments, *paths]) as stream:
            _extract_tar_stream(stream, ref, folder)


def _batches(paths: list[str]) -> Iterator[list[str]]:
    """The paths in groups short enough for one command line."""
    batch: list[str] = []
    length = 0
    for path in paths:
        if batch and length + len(path) > ARGUMENT_CHARS:
            yield batch
            batch, length = [], 0
        batch.append(path)
        length += len(path) + 1
    if batch:
        yield batch


def _compared_paths(ref: str, repo: Path) -> list[str]:
    """The paths of the revision's compared files and links, refused past the limits."""
    paths, total = [], 0
    with _git(ref, repo, ["ls-tree", "-r", "-l", "-z", "--full-tree", "--end-of-options", ref]) as listing:
        for entry in _records(listing):
            meta, _, name = entry.partition(b"\t")
            mode, kind, _, size = meta.split()
            path = os.fsdecode(name)
            if mode == b"120000" or (kind == b"blob" and path.endswith(COMPARED)):
                paths.append(path)
                total += int(size) if kind == b"blob" else 0
                _check_member(quote(ref), path, int(size) if kind == b"blob" else 0, total, len(paths))
    return paths


@contextmanager
def _git(ref: str, repo: Path, arguments: list[str]) -> Iterator[IO[bytes]]:
    """The output of a git command as a stream; refused with git's reason if it fails."""
    with tempfile.TemporaryFile() as errors:
        try:
            git = subprocess.Popen(
                ["git", *arguments], cwd=repo, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors
            )
        except OSError as error:  # a path too long for a command line
            raise PackageError(f"{quote(ref)}: cannot be unpacked: {error.strerror}") from None
        assert git.stdout is not None
        try:
            yield git.stdout
            while git.stdout.read(1 << 20):  # the rest (an archive's padding), so that git ends cleanly
                pass
            if git.wait() != 0:
                errors.seek(0)
                why = clip(errors.read(4096).decode(errors="replace").strip())
                raise PackageError(f"{quote(ref)}: neither a folder, a release zip nor a git revision ({why})")
        finally:
            git.stdout.close()  # refused half way: git's next write fails, and it ends
            git.wait()


def _records(stream: IO[bytes]) -> Iterator[bytes]:
    """The NUL-terminated records of a stream, read a block at a time."""
    rest = b""
    while block := stream.read(1 << 16):
        *records, rest = (rest + block).split(b"\0")
        yield from records
    if rest:
        yield rest


def _extract_tar_stream(stream: IO[bytes], ref: str, folder: Path) -> None:
    total = members = 0
    try:
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            for member in tar:
                if member.isfile():
                    members += 1
                    total += member.size
                    _check_member(quote(ref), member.name, member.size, total, members)
                tar.extract(member, folder, filter="data")
    except (tarfile.TarError, OSError) as error:
        raise PackageError(f"{quote(ref)}: cannot be unpacked: {clip(str(error))}") from None


def _check_member(archive: str, name: str, size: int, total: int, members: int) -> None:
    """Refuse an archive past the limits on one compared file, all of them, and their count."""
    if size > MAX_FILE_BYTES:
        raise PackageError(f"{archive}: {quote(name)} is larger than {MAX_FILE_BYTES} bytes, the most a diff reads")
    if total > MAX_TOTAL_BYTES:
        raise PackageError(f"{archive}: unpacks to more than {MAX_TOTAL_BYTES} bytes")
    if members > MAX_MEMBERS:
        raise PackageError(f"{archive}: more than {MAX_MEMBERS} members")


def unzip(archive_path: Path, folder: Path) -> None:
    """Extract a release zip with limits: safe member names only, at most MAX_MEMBERS members,
    MAX_FILE_BYTES each and MAX_TOTAL_BYTES in all, none compressed more than MAX_RATIO times (a zip
    bomb is refused before it fills the disk). Sizes are counted as the bytes come, not taken from
    the headers."""
    with zipfile.ZipFile(archive_path) as archive:
        # Only the descriptor, schemas and tables are compared: the database and texts stay packed.
        members = [m for m in archive.infolist() if m.filename.endswith(COMPARED)]
        if len(members) > MAX_MEMBERS:
            raise PackageError(f"{archive_path}: more than {MAX_MEMBERS} members")
        total = 0
        for member in members:
            reason = unsafe_path_reason(member.filename)
            if reason:
                raise PackageError(f"{archive_path}: member {quote(member.filename)} {reason}")
            target = folder / member.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            with archive.open(member) as source, target.open("wb") as sink:
                while chunk := source.read(1 << 20):
                    written += len(chunk)
                    total += len(chunk)
                    _check_member(str(archive_path), member.filename, written, total, 0)
                    if written > MAX_RATIO * max(member.compress_size, 1024):
                        raise PackageError(
                            f"{archive_path}: member {quote(member.filename)} is compressed more than "
                            f"{MAX_RATIO} times (a zip bomb?)"
                        )
                    sink.write(chunk)


def _forget_derived_resources(folder: Path) -> None:
    """Drop the Parquet and JSON-LD resources from unpacked descriptors: they are made from the CSVs,
    which are what a diff compares, and they stay packed."""
    for descriptor_path in folder.rglob("datapackage.json"):
        try:
            descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue  # reported when the package is read
        if isinstance(descriptor, dict) and isinstance(descriptor.get("resources"), list):
            descriptor["resources"] = [
                r for r in descriptor["resources"] if not (isinstance(r, dict) and r.get("format") in DERIVED_FORMATS)
            ]
            descriptor_path.write_text(json.dumps(descriptor), encoding="utf-8")


def _package_root(folder: Path, ref: str) -> Path:
    found = sorted(folder.rglob("datapackage.json"), key=lambda p: len(p.parts))
    if not found:
        raise PackageError(f"{quote(ref)}: holds no datapackage.json")
    return found[0].parent


def _readable_package(root: Path) -> DataPackage:
    """The package at root, refused unless its descriptor and schemas pass the spec models: a diff
    reads only what a valid descriptor names, inside the package."""
    package = DataPackage(inside(root, "datapackage.json"))  # not a link that leaves the folder
    problems = list(descriptor_problems(package, project=False))
    if problems:
        shown = "\n".join(str(p) for p in problems[:10])
        raise PackageError(f"{root / 'datapackage.json'} cannot be compared:\n{shown}")
    return package


def _check_sizes(package: DataPackage) -> None:
    """Refuse a side whose tables are not regular files of at most MAX_FILE_BYTES, MAX_TOTAL_BYTES
    in all, or whose schemas name more than MAX_COLUMNS fields: a diff holds one row at a time."""
    total = 0
    for table in package.tables.values():
        if len(table.fields) > MAX_COLUMNS:
            raise PackageError(f"{table.schema_path}: more than {MAX_COLUMNS} fields")
        named = package.root / table.path
        try:
            status = table.file.stat()
        except OSError as error:
            raise PackageError(f"{named}: cannot be read: {error.strerror}") from None
        if not stat.S_ISREG(status.st_mode):
            raise PackageError(f"{named}: not a regular file")
        if status.st_size > MAX_FILE_BYTES:
            raise PackageError(f"{named} is larger than {MAX_FILE_BYTES} bytes, the most a diff reads")
        total += status.st_size
        if total > MAX_TOTAL_BYTES:
            raise PackageError(f"{package.root}: its tables hold more than {MAX_TOTAL_BYTES} bytes")


class _Lines:
    """The lines of a CSV file for csv.reader, refused once one row (over all its lines) passes
    MAX_ROW_CHARS: no row is held larger than that."""

    def __init__(self, handle: IO[str], path: str) -> None:
        self.handle, self.path = handle, path
        self.row, self.chars = 1, 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.handle.readline(MAX_ROW_CHARS + 1)
        if not line:
            raise StopIteration
        self.chars += len(line)
        if self.chars > MAX_ROW_CHARS:
            raise PackageError(f"{self.path}:{self.row}:-: row longer than {MAX_ROW_CHARS} characters")
        return line

    def next_row(self) -> None:
        self.row, self.chars = self.row + 1, 0


def _rows(table: Table, columns: list[str]) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(key, the cells of `columns`) of each row of a table's CSV, streamed: the key is its primary
    key's cells (else every field's) joined by |. As in a row read as a dict, a column the header
    lacks is empty, and a name the header repeats is its last column."""
    key_columns = table.primary_key or table.field_names
    # Undecodable bytes become U+FFFD, as when the package is validated.
    with table.file.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        lines = _Lines(handle, table.path)
        reader = csv_reader(lines, table.path)
        header = next(reader, [])
        _check_width(header, table.path, 1)
        lines.next_row()
        width = len(header)  # a column the header lacks is read from an empty cell put here
        position = {name: i for i, name in enumerate(header)}
        key_of = _picker([position.get(c, width) for c in key_columns])
        cells_of = _picker([position.get(c, width) for c in columns])
        for number, cells in enumerate(reader, start=2):
            _check_width(cells, table.path, number)
            lines.next_row()
            if len(cells) > width:
                cells[width] = ""
            else:
                cells.extend([""] * (width + 1 - len(cells)))
            yield "|".join(key_of(cells)), cells_of(cells)


def _picker(positions: list[int]) -> Callable[[list[str]], tuple[str, ...]]:
    """A function taking the cells at `positions` from a row, as a tuple (itemgetter, at C speed)."""
    if len(positions) == 1:
        position = positions[0]
        return lambda cells: (cells[position],)
    return operator.itemgetter(*positions) if positions else lambda cells: ()


def _check_width(cells: list[str], path: str, number: int) -> None:
    if len(cells) > MAX_COLUMNS:
        raise PackageError(f"{path}:{number}:-: more than {MAX_COLUMNS} cells")


def _digest(cells: tuple[str, ...]) -> bytes:
    """A digest of a row's cells: the same for the same cells only (marshal's encoding of a tuple
    of strings is unambiguous, unlike any join)."""
    return hashlib.blake2b(marshal.dumps(cells, 2), digest_size=16).digest()


@contextmanager
def _row_index() -> Iterator[sqlite3.Connection]:
    """A database in a temporary folder for the keys and digests of both sides' rows: memory stays
    within SQLite's page cache however many rows a table has (a dict of twelve million keys took 3 GB)."""
    with temporary_folder(f"nk-diff-{os.getpid()}-rows-") as folder:
        db = sqlite3.connect(folder / "rows.db")
        try:
            for pragma in ("journal_mode = OFF", "synchronous = OFF", f"cache_size = -{INDEX_CACHE_KIB}"):
                db.execute(f"PRAGMA {pragma}")
            yield db
        finally:
            db.close()


def _index(db: sqlite3.Connection, side: str, table: Table | None, columns: list[str]) -> None:
    """Each row's key and a digest of its cells in `columns`, in table `side` in the rows' order. A
    repeated key keeps its first place and its last row, as a dict of rows would."""
    db.execute(f"CREATE TABLE {side} (key TEXT NOT NULL UNIQUE, digest BLOB NOT NULL)")
    if table is not None:
        rows = ((key, _digest(cells)) for key, cells in _rows(table, columns))
        upsert = (
            f"INSERT INTO {side} (key, digest) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET digest = excluded.digest"
        )
        db.executemany(upsert, rows)


def _keys(db: sqlite3.Connection, query: str, limit: int) -> tuple[list[str], int]:
    """The first `limit` keys a query selects (in its order), and how many more there are."""
    total = db.execute(f"SELECT count(*) FROM ({query})").fetchone()[0]
    return [key for (key,) in db.execute(f"{query} LIMIT ?", [limit])], max(total - limit, 0)


def _old_cells(old: Table, columns: list[str], wanted: set[str]) -> dict[str, bytes]:
    """The cells in `columns` of the old rows of the `wanted` keys, packed, until MAX_LISTED_BYTES
    are held (rows past that are counted, not listed)."""
    held: dict[str, bytes] = {}
    size = 0
    for key, cells in _rows(old, columns):
        if key not in wanted or (key not in held and size > MAX_LISTED_BYTES):
            continue
        packed = marshal.dumps(cells)
        size += len(packed) - len(held.get(key, b""))
        held[key] = packed
    return held


def _shown(value: str) -> str:
    """As much of a cell as the listing shows: clip() cuts the rest."""
    return value[: MAX_QUOTED_CHARS + 1]


def _changed_cells(
    new: Table, columns: list[str], old_cells: dict[str, bytes]
) -> dict[str, dict[str, tuple[str, str]]]:
    """The changed cells of each listed row, (old, new) by column, in the new table's row order,
    at most MAX_LISTED_CHANGES of them (whole rows)."""
    listed: dict[str, dict[str, tuple[str, str]]] = {}
    count = 0
    for key, cells in _rows(new, columns):
        packed = old_cells.get(key)
        if packed is None or (key not in listed and count >= MAX_LISTED_CHANGES):
            continue
        before = marshal.loads(packed)
        changes = {c: (_shown(b), _shown(a)) for c, b, a in zip(columns, before, cells, strict=True) if b != a}
        count += len(changes) - len(listed.get(key, {}))
        listed[key] = changes
    return {key: changes for key, changes in listed.items() if changes}


def _file_digest(path: Path) -> bytes:
    digest = hashlib.blake2b(digest_size=32)
    with path.open("rb") as reader:
        while chunk := reader.read(1 << 20):
            digest.update(chunk)
    return digest.digest()


def _same_rows(old: Table | None, new: Table | None) -> bool:
    """Whether both sides read as the same rows under the same keys: the same fields, the same key
    and the same bytes (so nothing is added, removed or changed)."""
    if old is None or new is None or old.field_names != new.field_names or old.primary_key != new.primary_key:
        return False
    try:
        if old.file.stat().st_size != new.file.stat().st_size:
            return False
        return old.file.samefile(new.file) or _file_digest(old.file) == _file_digest(new.file)
    except OSError:  # a file that cannot be read is reported by the row reading
        return False


def diff_tables(old: Table | None, new: Table | None, name: str) -> TableDiff:
    """Rows added, removed and changed, by key. Each side is read as a stream and held as keys and
    digests of rows; the old cells of changed rows are read again only for the rows listed."""
    either = new or old
    result = TableDiff(name, key_columns=(either.primary_key or either.field_names) if either else [])
    old_columns, new_columns = (old.field_names if old else []), (new.field_names if new else [])
    common = [c for c in new_columns if c in old_columns]
    result.columns_added = [c for c in new_columns if c not in old_columns]
    result.columns_removed = [c for c in old_columns if c not in new_columns]
    result.table_added, result.table_removed = old is None, new is None
    if _same_rows(old, new):  # an unchanged table (most, from one release to the next): nothing to read
        return result
    with _row_index() as db:
        _index(db, "old", old, common)
        _index(db, "new", new, common)
        result.added, result.added_unlisted = _keys(
            db, "SELECT key FROM new WHERE key NOT IN (SELECT key FROM old) ORDER BY rowid", MAX_LISTED_KEYS
        )
        result.removed, result.removed_unlisted = _keys(
            db, "SELECT key FROM old WHERE key NOT IN (SELECT key FROM new) ORDER BY rowid", MAX_LISTED_KEYS
        )
        changed, unlisted = _keys(
            db, "SELECT n.key FROM new n JOIN old o ON o.key = n.key WHERE o.digest != n.digest ORDER BY n.rowid",
            MAX_LISTED_CHANGES,
        )  # fmt: skip
    if changed and old is not None and new is not None:
        listed = _changed_cells(new, common, _old_cells(old, common, set(changed)))
        result.changed = list(listed.items())
        result.unlisted = len(changed) + unlisted - len(result.changed)
    return result


def diff_packages(old_root: Path, new_root: Path) -> list[TableDiff]:
    old, new = _readable_package(old_root), _readable_package(new_root)
    _check_sizes(old)
    _check_sizes(new)
    names = list(new.tables) + [n for n in old.tables if n not in new.tables]
    return [diff_tables(old.tables.get(n), new.tables.get(n), n) for n in names]


def _code(key: str) -> str:
    return clip(key.replace("\n", " ")).replace("`", "'")


def _cell(text: str) -> str:
    return clip((text or "∅").replace("\n", " ")).replace("|", "\\|")


def to_markdown(diffs: list[TableDiff], old_label: str, new_label: str) -> str:
    """The diff as Markdown; every name and cell of the input made printable (no control character
    reaches the terminal)."""
    lines = [f"## Data changes from {printable(old_label)} to {printable(new_label)}", ""]
    if all(d.empty for d in diffs):
        return "\n".join([*lines, "No data changed.", ""])
    for d in diffs:
        if d.empty:
            continue
        added, removed = len(d.added) + d.added_unlisted, len(d.removed) + d.removed_unlisted
        counts = f"{added} added, {removed} removed, {len(d.changed) + d.unlisted} changed"
        lines += [f"### {printable(d.name)}: {counts}", ""]
        if d.table_added or d.table_removed:
            lines.append(f"- table {'added' if d.table_added else 'removed'}")
        else:
            lines += [f"- column added: `{printable(c)}`" for c in d.columns_added]
            lines += [f"- column removed: `{printable(c)}`" for c in d.columns_removed]
        lines += [f"- added `{_code(key)}`" for key in d.added]
        lines += [f"- removed `{_code(key)}`" for key in d.removed]
        lines += [f"- {n} more {what} row(s) not listed here" for n, what in
                  ((d.added_unlisted, "added"), (d.removed_unlisted, "removed")) if n]  # fmt: skip
        if d.changed:
            lines += ["", "| row | column | old | new |", "|---|---|---|---|"]
            lines += [
                f"| `{_code(key)}` | `{printable(column)}` | {_cell(old)} | {_cell(new)} |"
                for key, changes in d.changed
                for column, (old, new) in changes.items()
            ]
        if d.unlisted:
            lines += ["", f"{d.unlisted} more changed row(s) not listed here"]
        lines.append("")
    return "\n".join(lines)


def _json_cell(value: str) -> dict[str, object]:
    return {"value": value[:MAX_QUOTED_CHARS], "clipped": len(value) > MAX_QUOTED_CHARS}


def to_json(diffs: list[TableDiff], old_label: str, new_label: str) -> str:
    """The diff as one JSON object: per table, the columns its keys are made of and the rows added,
    removed and changed by key (those columns' cells joined by `|`), with counts that include the rows not listed (past
    MAX_LISTED_KEYS and MAX_LISTED_CHANGES); each changed cell old and new, cut at MAX_QUOTED_CHARS."""
    tables = [
        {
            "name": d.name,
            "key_columns": d.key_columns,
            "table_added": d.table_added,
            "table_removed": d.table_removed,
            "columns_added": d.columns_added,
            "columns_removed": d.columns_removed,
            "added": {"count": len(d.added) + d.added_unlisted, "keys": d.added},
            "removed": {"count": len(d.removed) + d.removed_unlisted, "keys": d.removed},
            "changed": {
                "count": len(d.changed) + d.unlisted,
                "rows": [
                    {
                        "key": key,
                        "cells": {c: {"old": _json_cell(o), "new": _json_cell(n)} for c, (o, n) in cells.items()},
                    }
                    for key, cells in d.changed
                ],
            },
        }
        for d in diffs
    ]
    document = {"from": old_label, "to": new_label, "changed": not all(d.empty for d in diffs), "tables": tables}
    return json.dumps(document, ensure_ascii=False, indent=1)


FORMATS: dict[str, Callable[[list[TableDiff], str, str], str]] = {"markdown": to_markdown, "json": to_json}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="diff", description=__doc__.split("\n\n")[0])
    parser.add_argument("old", metavar="FROM")
    parser.add_argument("new", metavar="TO", nargs="?", default=".")
    parser.add_argument("--repo", default=Path("."), type=Path, help="the git repository that revisions refer to")
    parser.add_argument("--format", default="", help="markdown (the default) or json")
    args = parser.parse_args(argv)
    # Checked here, not by argparse's choices, so that an unknown format exits 1 like other bad input.
    render = FORMATS.get(args.format or "markdown")
    if render is None:
        raise PackageError(f"diff: unknown format {quote(clip(args.format, 40))}: use {' or '.join(FORMATS)}")
    with snapshot(args.old, args.repo) as old_root, snapshot(args.new, args.repo) as new_root:
        label = "the working tree" if args.new == "." else args.new
        print(render(diff_packages(old_root, new_root), args.old, label))
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
