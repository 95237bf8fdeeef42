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
import io
import sys
from pathlib import Path

from scripts.atomic import replace_folder_atomically
from scripts.cli import run
from scripts.curation.add_source import ID
from scripts.curation.drafting import DRAFT_COLUMNS, ROW_IDS, Drafts, Entity, Role, after_taken, draft, measure_words
from scripts.messages import PackageError, clip
from scripts.package.read import DataPackage

DRAFTS_FOLDER = "drafts"


def known_entities(package: DataPackage) -> list[Entity]:
    return [
        Entity(row["entity_id"], row["name"], row["kind"], [a.strip() for a in row["aliases"].split(",") if a.strip()])
        for _, row in package.tables["entities"].rows()
    ]


def known_roles(package: DataPackage) -> list[Role]:
    return [
        Role(row["person_id"], row["organization_id"], row["role"])
        for _, row in package.tables["affiliations"].rows()
        if row["relation"] == "holds_role" and row["role"]
    ]


def known_measures(package: DataPackage) -> list[tuple[str, frozenset[str]]]:
    return [
        (row["value"], measure_words(row["value"], row["definition"], row["example"]))
        for _, row in package.tables["vocabulary"].rows()
        if (row["table"], row["column"]) == ("figures", "measure")
    ]


def source_row(package: DataPackage, source_id: str) -> dict[str, str]:
    for _, row in package.tables["sources"].rows():
        if row["source_id"] == source_id:
            return row
    raise PackageError(f"{package.relative(package.tables['sources'].file)}: no source {clip(source_id)!r}")


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
    taken = {row[column] for name, column in ROW_IDS.items() for _, row in package.tables[name].rows()}
    after_taken(drafts, taken)
    without_held_rows(package, source_id, drafts)
    return drafts


def without_held_rows(package: DataPackage, source_id: str, drafts: Drafts) -> None:
    """Leave out the drafts the package holds already (the same span in the same table, the same
    venue id): a second `make suggest` on an article proposes only what is new, and a reference to
    a row left out names the package's row instead."""
    same: dict[str, str] = {}  # drafted id -> the package's id for the same span
    for name, rows in list(drafts.tables.items()):
        table = package.tables[name]
        if {"char_start", "char_end", "source_id"} <= set(table.field_names):
            held = {
                (row["char_start"], row["char_end"]): row for _, row in table.rows() if row["source_id"] == source_id
            }
            kept = []
            for row in rows:
                match = held.get((row["char_start"], row["char_end"]))
                if match is None:
                    kept.append(row)
                elif name in ROW_IDS:
                    same[row[ROW_IDS[name]]] = match[ROW_IDS[name]]
            drafts.tables[name] = kept
    if "sources" in drafts.tables:
        ids = {row["source_id"] for _, row in package.tables["sources"].rows()}
        drafts.tables["sources"] = [row for row in drafts.tables["sources"] if row["source_id"] not in ids]
    for rows in drafts.tables.values():
        for row in rows:
            for column in ("claim_id", "quote_id", "nested_in"):
                if column in row and row[column] in same:
                    row[column] = same[row[column]]
    held_links = {(row["quote_id"], row["claim_id"]) for _, row in package.tables["quote_claims"].rows()}
    drafts.tables["quote_claims"] = [
        row for row in drafts.tables.get("quote_claims", []) if (row["quote_id"], row["claim_id"]) not in held_links
    ]
    held_claims = set(same.values())
    drafts.tables["attributions"] = [
        row for row in drafts.tables.get("attributions", []) if row["claim_id"] not in held_claims
    ]


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


def draft_csv(columns: list[str], rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*columns, *DRAFT_COLUMNS])
    writer.writerows([row.get(c, "") for c in (*columns, *DRAFT_COLUMNS)] for row in rows)
    return buffer.getvalue()


def write_drafts(package: DataPackage, source_id: str, drafts: Drafts) -> dict[str, int]:
    files = {
        f"{name}.csv": draft_csv(package.tables[name].field_names, rows)
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
