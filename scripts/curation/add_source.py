"""Archive a new article byte for byte and record it in sources.csv.

    python -m scripts.curation.add_source TEXT ID [--title …] [--url …] [--published …] [--publisher …]
    make add-source TEXT=path ID=id [TITLE= URL= PUBLISHED= PUBLISHER=] [DATAPACKAGE=…]

The text is copied unchanged to data/texts/<ID>.txt and its SHA-256 recorded. Everything is
checked before anything is written: a file that is not UTF-8, an id or a text already in the
package, a date that is not EDTF or a publisher that is no entity changes nothing."""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

from scripts.atomic import write_atomically
from scripts.cli import run
from scripts.curation.tables import read_rows, write_rows
from scripts.package.edtf_dates import is_edtf
from scripts.package.read import DataPackage, PackageError, clip, inside, quote

ID = re.compile(r"[a-z0-9][a-z0-9_-]*")  # the whole id: fullmatch (`$` lets a final newline in)
MAX_TEXT_BYTES = 16 * 1024 * 1024


def add_source(
    descriptor: Path, text: Path, source_id: str, *, title: str = "", url: str = "", published: str = "",
    publisher: str = "",
) -> Path:  # fmt: skip
    """Archive `text` as source `source_id`; returns the archived file. Raises PackageError, having
    written nothing, when anything is wrong."""
    package = DataPackage(descriptor)
    sources = package.tables["sources"]
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
    entities = {row["entity_id"] for row in read_rows(package.tables["entities"])}
    if publisher and publisher not in entities:
        raise PackageError(f"PUBLISHER {quote(publisher)} is no entity of entities.csv; add it first")
    relative = f"data/texts/{source_id}.txt"
    target = inside(package.root, relative)  # not through a link that leaves the package
    if target.exists():
        raise PackageError(f"{relative} exists already; nothing was changed")
    notes = "Added with make add-source." + ("" if published else " Publication date not given.")
    rows.append({
        "source_id": source_id, "kind": "news_article", "title": title, "publisher_id": publisher,
        "published": published, "url": url, "text_path": relative, "text_sha256": digest, "received_as": text.name,
        "notes": notes,
    })  # fmt: skip
    write_atomically(target, data)
    try:
        write_rows(sources, rows)
    except BaseException:
        target.unlink(missing_ok=True)  # the text without its row would be an orphan
        raise
    return target


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
    for option in ("title", "url", "published", "publisher"):
        parser.add_argument(f"--{option}", default="")
    args = parser.parse_args(argv)
    target = add_source(
        args.datapackage, args.text, args.source_id, title=args.title, url=args.url, published=args.published,
        publisher=args.publisher,
    )  # fmt: skip
    print(f"archived {clip(str(target))}; next: `make todo SOURCE={args.source_id}`", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
