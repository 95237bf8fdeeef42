"""Merge the draft rows a curator accepted into the package, or nothing.

    python -m scripts.curation.accept SOURCE_ID [datapackage.json]
    make accept SOURCE=id [DATAPACKAGE=…]

Reads `drafts/<source_id>/<table>.csv` (written by `make suggest`). A row whose `review` is
`accept` goes into its table without the draft columns; `reject` and empty rows stay out. The
package as it would be is validated in a temporary copy first: if the merge brings any problem the
package did not have, each is printed against the draft row that causes it where one does, and
nothing is written. (Problems the package already had, such as the numbers of a newly archived text
that no figure covers yet, do not stop it: accepting can go table by table.) Otherwise
every changed table is written whole and atomically, and the accepted and rejected rows leave the
drafts, so that running it again adds nothing twice."""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from scripts.atomic import temporary_folder, write_atomically
from scripts.cli import run
from scripts.curation.drafting import DRAFT_COLUMNS
from scripts.curation.spans import placed
from scripts.curation.suggest import DRAFTS_FOLDER, drafts_folder
from scripts.curation.tables import Row, csv_text, read_rows, table_of
from scripts.messages import PackageError, clip
from scripts.package.read import DataPackage, Problem, Table, inside, quote
from scripts.validation.validate import validate

REVIEWS = ("accept", "reject", "")


@dataclass
class Draft:
    table: Table
    file: Path  # the draft CSV
    rows: list[tuple[int, Row]]  # (row number in the draft file, row)

    def reviewed(self, verdict: str) -> list[tuple[int, Row]]:
        return [(n, row) for n, row in self.rows if row["review"].strip().lower() == verdict]


def read_drafts(package: DataPackage, source_id: str) -> list[Draft]:
    folder = drafts_folder(package, source_id)
    if not folder.is_dir():
        raise PackageError(
            f"{package.relative(folder)}: no drafts for {clip(source_id)}: run make suggest SOURCE={clip(source_id)}"
        )
    drafts = []
    for file in sorted(folder.glob("*.csv")):
        if file.is_symlink() or not file.is_file():
            raise PackageError(f"{package.relative(file)}: not a regular file (a link is never followed)")
        table = package.tables.get(file.stem)
        if table is None:
            raise PackageError(f"{package.relative(file)}: {quote(file.stem)} is no table of the package")
        drafts.append(Draft(table, file, _draft_rows(package, table, file)))
    return drafts


def _draft_rows(package: DataPackage, table: Table, file: Path) -> list[tuple[int, Row]]:
    where = package.relative(file)
    with file.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        wanted = [*table.field_names, *DRAFT_COLUMNS]
        if header != wanted:
            missing = [c for c in wanted if c not in header]
            extra = [c for c in header if c not in wanted]
            detail = "; ".join(
                p
                for p in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unknown {', '.join(map(quote, extra))}" if extra else "",
                )
                if p
            )
            raise PackageError(
                f"{where}:1: the header must be the columns of {table.name}.csv, then"
                f" {', '.join(DRAFT_COLUMNS)} ({detail or 'order differs'})"
            )
        rows, wrong = [], []
        for number, cells in enumerate(reader, 2):
            if len(cells) != len(wanted):
                wrong.append(f"{where}:{number}: {len(cells)} cells for {len(wanted)} columns")
                continue
            row = dict(zip(wanted, cells, strict=True))
            if row["review"].strip().lower() not in REVIEWS:
                wrong.append(
                    f"{where}:{number}:review: {quote(row['review'])} is neither accept nor reject (nor empty)"
                )
            rows.append((number, row))
    if wrong:  # every such row at once, not one per run
        raise PackageError("\n".join(wrong))
    return rows


def placed_spans(package: DataPackage, drafts: list[Draft]) -> list[str]:
    """Offsets of accepted rows found from `exact`, as `make spans` finds them, where they are empty
    or no longer give `exact` (a curator shortened it); the rows that cannot be placed, as problems."""
    problems = []
    for draft in drafts:
        if not {"source_id", "exact", "char_start", "char_end"} <= set(draft.table.field_names):
            continue
        for number, row in draft.reviewed("accept"):
            text = package.text_of(row["source_id"])
            found = placed(row, text) if text is not None else None
            if isinstance(found, tuple):
                row["char_start"], row["char_end"] = map(str, found)
            elif isinstance(found, Problem):
                moved = Problem(package.relative(draft.file), number, found.column, found.message)
                problems.append(moved.line())
    return problems


def merged(drafts: list[Draft]) -> dict[str, tuple[Table, list[Row], int]]:
    """table name → (table, rows after the merge, how many rows it had)."""
    result: dict[str, tuple[Table, list[Row], int]] = {}
    for draft in drafts:
        accepted = draft.reviewed("accept")
        if not accepted:
            continue
        table, rows, before = result.get(draft.table.name) or (draft.table, read_rows(draft.table), 0)
        before = before or len(rows)
        rows = rows + [{c: row[c] for c in draft.table.field_names} for _, row in accepted]
        result[draft.table.name] = (table, rows, before)
    return result


def validated_copy(
    package: DataPackage, tables: dict[str, tuple[Table, list[Row], int]], scratch: Path
) -> list[Problem]:
    """The package's problems once the tables are merged, judged in a copy in `scratch`."""
    files = {t.path for t in package.tables.values()}
    files |= {t.schema_path for t in package.tables.values() if t.schema_path}
    files |= {row["text_path"] for row in read_rows(table_of(package, "sources")) if row.get("text_path")}
    descriptor = scratch / "datapackage.json"
    shutil.copyfile(package.descriptor_path, descriptor)
    for name in sorted(files):
        source = inside(package.root, name)
        if source.is_file():
            target = inside(scratch, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    for table, rows, _ in tables.values():
        inside(scratch, table.path).write_text(csv_text(table, rows), encoding="utf-8")
    return validate(descriptor)


def _blamed(
    problem: Problem, drafts: list[Draft], tables: dict[str, tuple[Table, list[Row], int]], package: DataPackage
) -> str:
    """A problem on a merged row, told against the draft row it came from."""
    for name, (table, _, before) in tables.items():
        if problem.path == table.path and problem.row and problem.row - 1 > before:
            index = problem.row - 2 - before
            accepted = [(d, n) for d in drafts if d.table.name == name for n, _ in d.reviewed("accept")]
            if index < len(accepted):
                draft, number = accepted[index]
                moved = Problem(
                    package.relative(draft.file), number, problem.column, problem.message, code=problem.code
                )
                return moved.line() + _unaccepted(problem, draft, number, drafts, package)
    return problem.line()


def _unaccepted(problem: Problem, draft: Draft, number: int, drafts: list[Draft], package: DataPackage) -> str:
    """What to do when a row names a drafted row that is not accepted (a speaker whose entity was
    rejected): where that draft is, and its review."""
    if not problem.code.startswith("foreign-key") or not problem.column:
        return ""
    value = next((row.get(problem.column, "") for n, row in draft.rows if n == number), "")
    for other in drafts:
        key = other.table.primary_key
        for n, row in other.rows:
            if len(key) == 1 and row.get(key[0]) == value and row["review"].strip().lower() != "accept":
                review = row["review"].strip() or "empty"
                return (
                    f"; {quote(value)} is drafted at {package.relative(other.file)}:{n} with review {review}:"
                    " accept it too, or name a row the package has"
                )
    return ""


def accept(descriptor: Path, source_id: str) -> tuple[dict[str, int], list[str]]:
    """(rows added per table, problems). Writes only when there are no problems."""
    package = DataPackage(descriptor)
    drafts = read_drafts(package, source_id)
    unplaced = placed_spans(package, drafts)
    if unplaced:
        return {}, unplaced
    tables = merged(drafts)
    if not tables:
        return {}, []
    before = {str(p) for p in validate(package.descriptor_path)}
    with temporary_folder("nk-accept-") as scratch:
        problems = [p for p in validated_copy(package, tables, scratch) if str(p) not in before]
    if problems:
        return {}, [_blamed(p, drafts, tables, package) for p in problems]
    for table, rows, _ in tables.values():
        write_atomically(table.file, csv_text(table, rows))
    for draft in drafts:
        left = [row for _, row in draft.rows if row["review"].strip().lower() == ""]
        write_atomically(draft.file, csv_text(draft.table, left, DRAFT_COLUMNS))
    return {name: len(rows) - before for name, (_, rows, before) in tables.items()}, []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source_id")
    parser.add_argument("datapackage", nargs="?", default="datapackage.json")
    args = parser.parse_args(argv)
    added, problems = accept(Path(args.datapackage or "datapackage.json").absolute(), args.source_id)
    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        print(
            f"nothing written: {len(problems)} problem(s); fix the drafts or the package, then run make accept again",
            file=sys.stderr,
        )
        return 1
    if not added:
        print(f"{DRAFTS_FOLDER}/{args.source_id}: no row has review 'accept'; nothing written")
        return 0
    rows = ", ".join(f"{n} row(s) to {name}.csv" for name, n in added.items())
    print(f"added {rows}; they bring no new problem (make validate lists any the package already had)")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
