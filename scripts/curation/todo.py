"""The curator's checklist: what an archived text holds that no row covers yet.

    python -m scripts.curation.todo [datapackage.json] [--source ID]
    make todo [SOURCE=id] [DATAPACKAGE=…]

One line per item, as `path:line:column: what 'snippet' at start..end`: every quotation that is not
a quotes row, every number and quantity word that is neither a figure nor an exclusion (the same
scan as the validator's coverage check), and every capitalised name that is no entity's name or
alias. Exits 0 even when the list is long: it is a to-do list, not a verdict."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from scripts.cli import run
from scripts.curation.tables import read_rows
from scripts.package import textscan
from scripts.package.read import DataPackage, PackageError, as_int, clip, printable, quote

# Two or more capitalised words in a row ("Dmytro Ponomarenko", "Center for Strategic and International Studies").
NAME = re.compile(r"\b[A-Z][\w'’-]+(?:\s+(?:(?:of|for|and|the|de|van|von)\s+)*[A-Z][\w'’-]+)+")
SNIPPET = 60


def covered(package: DataPackage, table: str, source_id: str) -> set[tuple[int, int]]:
    spans = set()
    for row in read_rows(package.tables[table]):
        start, end = as_int(row.get("char_start", "")), as_int(row.get("char_end", ""))
        if row.get("source_id") == source_id and start is not None and end is not None:
            spans.add((start, end))
    return spans


def todo(package: DataPackage, source_id: str) -> Iterator[str]:
    text = package.text_of(source_id)
    if text is None:
        raise PackageError(f"{quote(source_id)}: no archived text in this package")
    path = next(row["text_path"] for row in read_rows(package.tables["sources"]) if row["source_id"] == source_id)
    quoted = covered(package, "quotes", source_id)
    counted = covered(package, "figures", source_id) | covered(package, "exclusions", source_id)
    names = {
        spelling.casefold()
        for row in read_rows(package.tables["entities"])
        for spelling in [row["name"], *row["aliases"].split(",")]
        if spelling
    }
    items = [
        (span.start, span.end, "quotation")
        for span in textscan.quotations(text)
        if (span.start, span.end) not in quoted
    ]
    items += [
        (span.start, span.end, "number")
        for span in textscan.numbers(text)
        if not any(s <= span.start and span.end <= e for s, e in counted)
    ]
    items += [(m.start(), m.end(), "name") for m in NAME.finditer(text) if not _known(m.group(), names)]
    for start, end, what in sorted(items):
        line, column = textscan.line_and_column(text, start)
        yield f"{path}:{line}:{column}: {what} {quote(text[start:end], SNIPPET)} at {start}..{end}"


def _known(name: str, names: set[str]) -> bool:
    folded = name.casefold()
    return folded in names or any(known in folded for known in names if len(known) > 3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="todo", description=__doc__.split("\n\n")[0])
    parser.add_argument("datapackage", nargs="?", default=Path("datapackage.json"), type=Path)
    parser.add_argument("--source", default="", help="one archived source; all of them by default")
    args = parser.parse_args(argv)
    package = DataPackage(args.datapackage)
    sources = [args.source] if args.source else sorted(package.archived_texts)
    count = 0
    for source_id in sources:
        for line in todo(package, source_id):
            print(printable(line))  # the path is a cell of sources.csv
            count += 1
    print(f"todo: {count} item(s) in {clip(', '.join(sources))}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
