"""What changed in the data between two versions, table by table and row by row (by primary key).

    python -m scripts.releases.diff FROM [TO]

FROM and TO are each a released version (0.1.0 or v0.1.0, resolved to its commit through
releases.json, so no git tag is needed), a git revision, a release zip, or a folder holding a
datapackage.json; TO defaults to the working tree. Prints Markdown."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from scripts.atomic import temporary_folder
from scripts.cli import run
from scripts.package.read import (
    DERIVED_FORMATS,
    DataPackage,
    PackageError,
    Table,
    clip,
    inside,
    quote,
    unsafe_path_reason,
)
from scripts.releases import registry
from scripts.validation.checks import descriptor_problems

MAX_MEMBERS = 10_000
MAX_UNZIPPED_BYTES = 1 << 30  # 1 GiB: a million-claim release is a few hundred MB
MAX_RATIO = 100  # CSV and SQLite compress about 5 to 10 times; bombs a thousand times

Row = dict[str, str]


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

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.columns_added or self.columns_removed)


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
        if not path.exists() and (release := registry.find(repo, ref)) is not None:
            ref = release.commit
        if path.is_file() and zipfile.is_zipfile(path):
            try:
                unzip(path, Path(folder))
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, zlib.error, EOFError) as error:
                raise PackageError(f"{path}: cannot be unpacked: {clip(str(error))}") from None
            _forget_derived_resources(Path(folder))
        else:
            archive = subprocess.run(
                ["git", "archive", "--format=tar", "--end-of-options", ref], cwd=repo, capture_output=True, check=False
            )
            if archive.returncode != 0:
                why = clip(archive.stderr.decode(errors="replace").strip())
                raise PackageError(f"{quote(ref)}: neither a folder, a release zip nor a git revision ({why})")
            try:
                with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
                    tar.extractall(folder, filter="data")  # refuses links that leave the folder
            except (tarfile.TarError, OSError) as error:
                raise PackageError(f"{quote(ref)}: cannot be unpacked: {clip(str(error))}") from None
        yield _package_root(Path(folder), ref)


def unzip(archive_path: Path, folder: Path) -> None:
    """Extract a release zip with limits: safe member names only, at most MAX_MEMBERS members and
    MAX_UNZIPPED_BYTES in all, none compressed more than MAX_RATIO times (a zip bomb is refused
    before it fills the disk). Sizes are counted as the bytes come, not taken from the headers."""
    with zipfile.ZipFile(archive_path) as archive:
        # Only the descriptor, schemas and tables are compared: the database and texts stay packed.
        members = [m for m in archive.infolist() if m.filename.endswith((".json", ".csv"))]
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
                    if total > MAX_UNZIPPED_BYTES:
                        raise PackageError(f"{archive_path}: unpacks to more than {MAX_UNZIPPED_BYTES} bytes")
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


def _keyed(table: Table) -> dict[str, Row]:
    key = table.primary_key or table.field_names
    return {"|".join(row.get(k, "") for k in key): row for _, row in table.rows()}


def diff_tables(old: Table | None, new: Table | None, name: str) -> TableDiff:
    result = TableDiff(name)
    old_rows = _keyed(old) if old else {}
    new_rows = _keyed(new) if new else {}
    old_columns, new_columns = (old.field_names if old else []), (new.field_names if new else [])
    result.columns_added = [c for c in new_columns if c not in old_columns]
    result.columns_removed = [c for c in old_columns if c not in new_columns]
    result.added = [key for key in new_rows if key not in old_rows]
    result.removed = [key for key in old_rows if key not in new_rows]
    result.table_added, result.table_removed = old is None, new is None
    for key, row in new_rows.items():
        before = old_rows.get(key)
        if before is None:
            continue
        changes = {c: (before.get(c, ""), row.get(c, "")) for c in new_columns if c in old_columns}
        changes = {c: values for c, values in changes.items() if values[0] != values[1]}
        if changes:
            result.changed.append((key, changes))
    return result


def diff_packages(old_root: Path, new_root: Path) -> list[TableDiff]:
    old, new = _readable_package(old_root), _readable_package(new_root)
    names = list(new.tables) + [n for n in old.tables if n not in new.tables]
    return [diff_tables(old.tables.get(n), new.tables.get(n), n) for n in names]


def _code(key: str) -> str:
    return clip(key).replace("`", "'").replace("\n", " ")


def _cell(text: str) -> str:
    return clip(text or "∅").replace("|", "\\|").replace("\n", " ")


def to_markdown(diffs: list[TableDiff], old_label: str, new_label: str) -> str:
    lines = [f"## Data changes from {old_label} to {new_label}", ""]
    if all(d.empty for d in diffs):
        return "\n".join([*lines, "No data changed.", ""])
    for d in diffs:
        if d.empty:
            continue
        counts = f"{len(d.added)} added, {len(d.removed)} removed, {len(d.changed)} changed"
        lines += [f"### {d.name}: {counts}", ""]
        if d.table_added or d.table_removed:
            lines.append(f"- table {'added' if d.table_added else 'removed'}")
        else:
            lines += [f"- column added: `{c}`" for c in d.columns_added]
            lines += [f"- column removed: `{c}`" for c in d.columns_removed]
        lines += [f"- added `{_code(key)}`" for key in d.added]
        lines += [f"- removed `{_code(key)}`" for key in d.removed]
        if d.changed:
            lines += ["", "| row | column | old | new |", "|---|---|---|---|"]
            lines += [
                f"| `{key}` | `{column}` | {_cell(old)} | {_cell(new)} |"
                for key, changes in d.changed
                for column, (old, new) in changes.items()
            ]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="diff", description=__doc__.split("\n\n")[0])
    parser.add_argument("old", metavar="FROM")
    parser.add_argument("new", metavar="TO", nargs="?", default=".")
    parser.add_argument("--repo", default=Path("."), type=Path, help="the git repository that revisions refer to")
    args = parser.parse_args(argv)
    with snapshot(args.old, args.repo) as old_root, snapshot(args.new, args.repo) as new_root:
        label = "the working tree" if args.new == "." else args.new
        print(to_markdown(diff_packages(old_root, new_root), args.old, label))
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
