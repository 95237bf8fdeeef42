"""The curator's checklist: what an archived text holds that no row covers yet.

    python -m scripts.curation.todo [datapackage.json] [--source ID]
    make todo [SOURCE=id] [DATAPACKAGE=…]

One line per item, as `path:line:column: what 'snippet' at start..end: what clears it`: every
quotation that is not a quotes row, every number and quantity word that is neither a figure nor an
exclusion (the same scan as the validator's coverage check), and every capitalised name that is no
entity's name or alias. The validator requires the quotations and numbers to be cleared; a name is
listed so that no speaker is missed, and one that names no person, body or outlet may stay. Exits 0
even when the list is long: it is a to-do list, not a verdict."""

from __future__ import annotations

import argparse
import re
import sys
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

from scripts.cli import run
from scripts.curation.tables import read_rows, table_of
from scripts.package import textscan
from scripts.package.read import DataPackage, PackageError, as_int, clip, printable, quote

# Two or more capitalised words in a row ("Dmytro Ponomarenko", "Center for Strategic and International Studies"),
# on one line: a heading's last word and the next line's first are not one name.
SPACE = r"[^\S\n]+"
NAME = re.compile(rf"\b[A-Z][\w'’-]+(?:{SPACE}(?:(?:of|for|and|the|de|van|von){SPACE})*[A-Z][\w'’-]+)+")
SNIPPET = 60
# What clears each kind of item: advice the validator accepts (an exclusion of a name would be stale).
CLEARED_BY = {
    "quotation": "add a quotes row, or an exclusions row saying why it is none",
    "number": "add a figures row, or an exclusions row saying why it is none",
    "quantity word": "add a figures row, or an exclusions row saying why it is none",
    "name": "add an entity with this name or alias if it names a person, body or outlet; otherwise leave it",
}


@dataclass
class Covering:
    """Spans sorted by start, with the furthest end reached so far: whether any of them contains a
    given span is one bisection, not a pass over every row."""

    starts: list[int]
    reach: list[int]

    @classmethod
    def of(cls, spans: Iterable[tuple[int, int]]) -> Covering:
        ordered = sorted(spans)
        return cls([start for start, _ in ordered], list(accumulate((end for _, end in ordered), max)))

    def contains(self, start: int, end: int) -> bool:
        index = bisect_right(self.starts, start)  # the spans that start at or before `start`
        return index > 0 and self.reach[index - 1] >= end


@dataclass
class Rows:
    """What the package's rows already account for, read once for every source on the list."""

    paths: dict[str, str]
    quoted: dict[str, set[tuple[int, int]]]
    counted: dict[str, Covering]
    names: set[str]

    @classmethod
    def of(cls, package: DataPackage) -> Rows:
        counted: dict[str, list[tuple[int, int]]] = {}
        for table in ("figures", "exclusions"):
            for source_id, spans in _spans_by_source(package, table).items():
                counted.setdefault(source_id, []).extend(spans)
        names = {
            spelling.casefold()
            for row in read_rows(table_of(package, "entities"))
            for spelling in [row["name"], *row["aliases"].split(",")]
            if spelling
        }
        paths: dict[str, str] = {}
        for row in read_rows(table_of(package, "sources")):
            paths.setdefault(row["source_id"], row["text_path"])  # the first row, as the key means
        return cls(
            paths=paths,
            quoted={source_id: set(spans) for source_id, spans in _spans_by_source(package, "quotes").items()},
            counted={source_id: Covering.of(spans) for source_id, spans in counted.items()},
            names=names,
        )


def _spans_by_source(package: DataPackage, table: str) -> dict[str, list[tuple[int, int]]]:
    spans: dict[str, list[tuple[int, int]]] = {}
    for row in read_rows(package.tables[table]):
        start, end = as_int(row.get("char_start", "")), as_int(row.get("char_end", ""))
        if start is not None and end is not None:
            spans.setdefault(row.get("source_id", ""), []).append((start, end))
    return spans


def todo(package: DataPackage, source_id: str, rows: Rows | None = None) -> Iterator[str]:
    text = package.text_of(source_id)
    if text is None:
        raise PackageError(f"{quote(source_id)}: no archived text in this package")
    rows = rows or Rows.of(package)
    path = rows.paths[source_id]
    quoted = rows.quoted.get(source_id, set())
    counted = rows.counted.get(source_id, Covering.of([]))
    items = []
    for kind, span in textscan.spans(text):  # the coverage check's scan
        if kind == textscan.KIND_QUOTATION:
            if (span.start, span.end) not in quoted:
                items.append((span.start, span.end, "quotation"))
        elif not counted.contains(span.start, span.end):
            items.append((span.start, span.end, "number" if any(c.isdigit() for c in span.exact) else "quantity word"))
    items += [(m.start(), m.end(), "name") for m in NAME.finditer(text) if not _known(m.group(), rows.names)]
    lines = textscan.Lines(text)
    for start, end, what in sorted(items):
        line, column = lines.line_and_column(start)
        yield f"{path}:{line}:{column}: {what} {quote(text[start:end], SNIPPET)} at {start}..{end}: {CLEARED_BY[what]}"


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
    rows, count, names = Rows.of(package), 0, 0
    for source_id in sources:
        for line in todo(package, source_id, rows):
            print(printable(line))  # the path is a cell of sources.csv
            count += 1
            names += line.endswith(CLEARED_BY["name"])
    required = f" ({count - names} that the validator requires, {names} name(s) to look at)" if count else ""
    print(f"todo: {count} item(s) in {clip(', '.join(sources))}{required}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
