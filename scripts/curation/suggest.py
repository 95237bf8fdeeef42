"""Draft rows for one archived article, for a curator to review.

    python -m scripts.curation.suggest SOURCE_ID [datapackage.json]
    make suggest SOURCE=id [DATAPACKAGE=…]

Writes `drafts/<source_id>/<table>.csv` beside the descriptor: the table's own columns (offsets
included) and three more, `confidence` (0–1, how sure the rule is), `why` (the rule that matched)
and `review`, empty until the curator writes `accept` or `reject`. `make accept SOURCE=id` then
merges the accepted rows. The folder is replaced whole, atomically; drafts never enter the package
by themselves."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from scripts.atomic import replace_folder_atomically
from scripts.cli import run
from scripts.curation.add_source import ID
from scripts.curation.drafting import DRAFT_COLUMNS, Drafts, Entity, Role, after_taken, draft, measure_words
from scripts.curation.tables import csv_text, read_rows, table_of
from scripts.messages import PackageError, clip
from scripts.package.read import DataPackage

DRAFTS_FOLDER = "drafts"


def known_entities(package: DataPackage) -> list[Entity]:
    return [
        Entity(row["entity_id"], row["name"], row["kind"], [a.strip() for a in row["aliases"].split(",") if a.strip()])
        for row in read_rows(table_of(package, "entities"))
    ]


def known_roles(package: DataPackage) -> list[Role]:
    return [
        Role(row["person_id"], row["organization_id"], row["role"])
        for row in read_rows(table_of(package, "affiliations"))
        if row["relation"] == "holds_role" and row["role"]
    ]


def known_measures(package: DataPackage) -> list[tuple[str, frozenset[str]]]:
    return [
        (row["value"], measure_words(row["value"], row["definition"], row["example"]))
        for row in read_rows(table_of(package, "vocabulary"))
        if (row["table"], row["column"]) == ("figures", "measure")
    ]


def source_row(package: DataPackage, source_id: str) -> dict[str, str]:
    for row in read_rows(table_of(package, "sources")):
        if row["source_id"] == source_id:
            return row
    raise PackageError(f"{package.relative(table_of(package, 'sources').file)}: no source {clip(source_id)!r}")


def drafts_of(package: DataPackage, source_id: str) -> Drafts:
    source = source_row(package, source_id)
    text = package.text_of(source_id) if source.get("text_path") else None
    if text is None:
        raise PackageError(f"{source_id}: no archived text to draft from (text_path is empty or unreadable)")
    drafts = draft(
        text,
        source_id,
        known_entities(package),
        source.get("publisher_id", ""),
        known_roles(package),
        known_measures(package),
    )
    keys = row_ids(package)
    taken = {name: {row[column] for row in read_rows(table_of(package, name))} for name, column in keys.items()}
    follow_references(package, drafts, after_taken(drafts, keys, taken))
    without_held_rows(package, source_id, drafts)
    return drafts


def row_ids(package: DataPackage) -> dict[str, str]:
    """Each table whose Table Schema keys it by one column, and that column."""
    return {name: table.primary_key[0] for name, table in package.tables.items() if len(table.primary_key) == 1}


def follow_references(package: DataPackage, drafts: Drafts, renamed: dict[str, dict[str, str]]) -> None:
    """Rename every drafted cell that refers to a renamed id, as the Table Schemas' foreign keys say
    which cells refer to which (figures.claim_id to claims, quotes.nested_in to quotes, …)."""
    for name, table in package.tables.items():
        for fields, target, _ in table.foreign_keys():
            ids = renamed.get(target, {})
            for row in drafts.tables.get(name, []) if len(fields) == 1 and ids else []:
                row[fields[0]] = ids.get(row.get(fields[0], ""), row.get(fields[0], ""))


def without_held_rows(package: DataPackage, source_id: str, drafts: Drafts) -> None:
    """Leave out the drafts the package holds already: a row of the same span in the same table (a
    reference to it then names the package's row), and a row whose key the package has (a venue, a
    quote's link to a claim, a held claim's attribution). A second `make suggest` on an article
    proposes only what is new."""
    keys = row_ids(package)
    same: dict[str, dict[str, str]] = {}  # table -> drafted id -> the package's id for the same span
    for name, rows in list(drafts.tables.items()):
        table = table_of(package, name)
        if {"char_start", "char_end", "source_id"} <= set(table.field_names) and name in keys:
            held = {(r["char_start"], r["char_end"]): r for r in read_rows(table) if r["source_id"] == source_id}
            spans = [(row, held.get((row["char_start"], row["char_end"]))) for row in rows]
            same[name] = {row[keys[name]]: match[keys[name]] for row, match in spans if match is not None}
            drafts.tables[name] = [row for row, match in spans if match is None]
    follow_references(package, drafts, same)
    for name, rows in list(drafts.tables.items()):
        table = table_of(package, name)
        held_keys = {tuple(r[c] for c in table.primary_key) for r in read_rows(table)}
        drafts.tables[name] = [row for row in rows if tuple(row.get(c, "") for c in table.primary_key) not in held_keys]


def drafts_folder(package: DataPackage, source_id: str) -> Path:
    """drafts/<source_id> inside the package; an id that is no plain id (a path) is refused."""
    if not ID.fullmatch(source_id):
        raise PackageError(f"source id {clip(source_id)!r} is not an id (lowercase letters, digits, - and _)")
    return package.root / DRAFTS_FOLDER / source_id


def reviewed_drafts(package: DataPackage, source_id: str) -> str:
    """The first draft file whose rows hold a review ("" when none): a curator's work not to lose."""
    for file in sorted(drafts_folder(package, source_id).glob("*.csv")):
        if file.is_symlink() or not file.is_file():
            continue
        with file.open(encoding="utf-8", newline="") as handle:
            if any(row.get("review", "").strip() for row in csv.DictReader(handle)):
                return package.relative(file)
    return ""


def write_drafts(package: DataPackage, source_id: str, drafts: Drafts) -> dict[str, int]:
    files = {
        f"{name}.csv": csv_text(table_of(package, name), rows, DRAFT_COLUMNS)
        for name, rows in drafts.tables.items()
        if name in package.tables and rows
    }
    replace_folder_atomically(drafts_folder(package, source_id), files)
    return {name: len(rows) for name, rows in drafts.tables.items() if rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source_id")
    parser.add_argument("datapackage", nargs="?", default="datapackage.json")
    parser.add_argument("--force", action="store_true", help="replace drafts that hold a curator's review")
    args = parser.parse_args(argv)
    package = DataPackage(Path(args.datapackage or "datapackage.json").absolute())
    reviewed = reviewed_drafts(package, args.source_id)
    if reviewed and not args.force:
        raise PackageError(
            f"{reviewed}: drafts hold a review already; run make accept SOURCE={args.source_id} first, or"
            f" make suggest SOURCE={args.source_id} FORCE=1 to replace them (every review is lost)"
        )
    counts = write_drafts(package, args.source_id, drafts_of(package, args.source_id))
    where = package.relative(drafts_folder(package, args.source_id))
    listed = ", ".join(f"{n} {name}" for name, n in counts.items())
    print(
        f"{where}: {listed}. Write accept or reject in each row's review column,"
        f" then make accept SOURCE={args.source_id}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
