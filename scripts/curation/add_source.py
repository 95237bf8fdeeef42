"""Archive a new article byte for byte and record it in sources.csv.

    python -m scripts.curation.add_source TEXT ID [--title …] [--url …] [--published …]
        [--publisher ID | --publisher-name NAME]
    make add-source TEXT=path ID=id [TITLE= URL= PUBLISHED= PUBLISHER=id | PUBLISHER_NAME=name] [DATAPACKAGE=…]

The text is copied unchanged to data/texts/<ID>.txt and its SHA-256 recorded. PUBLISHER names an
outlet already in entities.csv; PUBLISHER_NAME adds it there (kind media, its id made from the
name). What is left out (headline, outlet, URL, publication date) is named in the row's notes,
in the project's words: "Outlet, URL and publication date not given in the text."
Everything is checked before anything is written: a file that is not UTF-8, an id or a text
already in the package, a date that is not EDTF, a publisher that is no entity or a new one that
is an entity already changes nothing."""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import unicodedata
from pathlib import Path

from scripts.atomic import write_atomically
from scripts.cli import run
from scripts.curation.tables import Row, read_rows, table_of, write_rows
from scripts.package.edtf_dates import is_edtf
from scripts.package.read import DataPackage, PackageError, clip, inside, quote

ID = re.compile(r"[a-z0-9][a-z0-9_-]*")  # the whole id: fullmatch (`$` lets a final newline in)
NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")
MAX_TEXT_BYTES = 16 * 1024 * 1024


def add_source(
    descriptor: Path, text: Path, source_id: str, *, title: str = "", url: str = "", published: str = "",
    publisher: str = "", publisher_name: str = "",
) -> Path:  # fmt: skip
    """Archive `text` as source `source_id`; returns the archived file. Raises PackageError, having
    written nothing, when anything is wrong."""
    package = DataPackage(descriptor)
    sources = table_of(package, "sources")
    rows = read_rows(sources)
    data = _read_text(text)
    digest = hashlib.sha256(data).hexdigest()
    if not ID.fullmatch(source_id):
        raise PackageError(f"ID {quote(source_id)}: use lowercase letters, digits, - and _ (e.g. kyiv-report)")
    if any(row["source_id"] == source_id for row in rows):
        raise PackageError(f"{sources.path}: source {quote(source_id)} exists already; nothing was changed")
    twin = next((row["source_id"] for row in rows if row["text_sha256"] == digest), None)
    if twin:
        raise PackageError(f"{text}: this text is archived already as {quote(twin)}; nothing was changed")
    if published and not is_edtf(published):
        raise PackageError(f"PUBLISHED {quote(published)} is not an EDTF date (e.g. 2024-11-04, 2024-11, 2024-11-04?)")
    if url and not url.startswith(("https://", "http://")):
        raise PackageError(f"URL {quote(url)}: only http(s) addresses are recorded")
    entity_rows = read_rows(table_of(package, "entities"))
    entities = {row["entity_id"] for row in entity_rows}
    if publisher and publisher_name:
        raise PackageError("give PUBLISHER (an entity already in entities.csv) or PUBLISHER_NAME (a new one), not both")
    if publisher and publisher not in entities:
        raise PackageError(
            f"PUBLISHER {quote(publisher)} is no entity of entities.csv; add it first,"
            " or give PUBLISHER_NAME=… to add it"
        )
    named = bool(publisher or publisher_name)
    outlet = new_outlet(publisher_name, source_id, entity_rows) if publisher_name else None
    if not named:
        outlet = unnamed_outlet(source_id, entities)
    publisher = outlet["entity_id"] if outlet else publisher
    relative = f"data/texts/{source_id}.txt"
    target = inside(package.root, relative)  # not through a link that leaves the package
    if target.exists():
        raise PackageError(f"{relative} exists already; nothing was changed")
    given = publisher if named else ""  # an unnamed outlet's entity is no outlet the text gives
    notes = " ".join(filter(None, ["Added with make add-source.", not_given_note(title, given, url, published)]))
    rows.append({
        "source_id": source_id, "kind": "news_article", "title": title, "publisher_id": publisher,
        "published": published, "url": url, "text_path": relative, "text_sha256": digest, "received_as": text.name,
        "notes": notes,
    })  # fmt: skip
    write_atomically(target, data)
    entities_before = table_of(package, "entities").file.read_bytes()
    try:
        if outlet:
            write_rows(table_of(package, "entities"), [*entity_rows, outlet])
        write_rows(sources, rows)
    except BaseException:
        target.unlink(missing_ok=True)  # the text without its row would be an orphan
        if outlet:
            write_atomically(table_of(package, "entities").file, entities_before)
        raise
    return target


def entity_id_of(name: str) -> str:
    """An entity id made from a name, as the package's ids are: "Financial Times" -> financial-times,
    "Le Monde diplomatique" -> le-monde-diplomatique, "Dziennik Bałtycki" -> dziennik-batycki (letters
    without an ASCII form drop out; their accents go first), "King's College London" ->
    kings-college-london (an apostrophe joins, as the package's ids have it)."""
    name = name.replace("'", "").replace("’", "")
    ascii_letters = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return NOT_ALPHANUMERIC.sub("-", ascii_letters.casefold()).strip("-")


def unnamed_outlet(source_id: str, entities: set[str]) -> Row:
    """The entity of an outlet the text does not name, as the codebook has one for each such article:
    the claimant of the article's own, unattributed assertions."""
    entity_id = f"outlet-{source_id}"
    if entity_id in entities:
        raise PackageError(f"entity {quote(entity_id)} exists already: give PUBLISHER={entity_id}; nothing was changed")
    return {
        "entity_id": entity_id, "name": f"Unnamed outlet of {source_id}", "kind": "media", "role": "media",
        "aliases": "",
        "description": f"The outlet that published {source_id}; the text does not name it.",
        "notes": "Claimant of the article's own, unattributed assertions.",
    }  # fmt: skip


def new_outlet(name: str, source_id: str, entities: list[Row]) -> Row:
    """The entities row of a new outlet; refused when the id or the name is an entity's already."""
    name = name.strip()
    entity_id = entity_id_of(name)
    if not ID.fullmatch(entity_id):
        raise PackageError(f"PUBLISHER_NAME {quote(name)}: give a name with letters or digits")
    folded = name.casefold()
    for row in entities:
        spellings = {row["name"].casefold(), *(alias.strip().casefold() for alias in row["aliases"].split(","))}
        if row["entity_id"] == entity_id or folded in spellings:
            raise PackageError(
                f"PUBLISHER_NAME {quote(name)} is entity {quote(row['entity_id'])} already:"
                f" give PUBLISHER={row['entity_id']} instead; nothing was changed"
            )
    return {
        "entity_id": entity_id, "name": name, "kind": "media", "role": "media", "aliases": name,
        "description": f"The outlet that published {source_id}.", "notes": "Added with make add-source.",
    }  # fmt: skip


def not_given_note(title: str, publisher: str, url: str, published: str) -> str:
    """The project's note for what the text does not give: "Outlet, URL and publication date not
    given in the text." Empty when everything is given."""
    missing = [
        what
        for what, value in (("headline", title), ("outlet", publisher), ("URL", url), ("publication date", published))
        if not value
    ]
    if not missing:
        return ""
    listed = missing[0] if len(missing) == 1 else f"{', '.join(missing[:-1])} and {missing[-1]}"
    return f"{listed[0].upper()}{listed[1:]} not given in the text."


def _read_text(path: Path) -> bytes:
    if not path.is_file():
        raise PackageError(f"{path}: no such file")
    data = path.read_bytes()[: MAX_TEXT_BYTES + 1]
    if len(data) > MAX_TEXT_BYTES:
        raise PackageError(f"{path}: larger than {MAX_TEXT_BYTES} bytes")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PackageError(
            f"{path}: not UTF-8 (byte {data[error.start]:#x} at offset {error.start}); nothing was changed"
        ) from None
    if not data.strip():
        raise PackageError(f"{path}: empty")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="add-source", description=__doc__.split("\n\n")[0])
    parser.add_argument("text", type=Path)
    parser.add_argument("source_id", metavar="ID")
    parser.add_argument("--datapackage", default=Path("datapackage.json"), type=Path)
    for option in ("title", "url", "published", "publisher", "publisher-name"):
        parser.add_argument(f"--{option}", default="")
    args = parser.parse_args(argv)
    target = add_source(
        args.datapackage, args.text, args.source_id, title=args.title, url=args.url, published=args.published,
        publisher=args.publisher, publisher_name=args.publisher_name,
    )  # fmt: skip
    print(f"archived {clip(str(target))}; next: `make todo SOURCE={args.source_id}`", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
