"""Fill or repair char_start and char_end from `exact` in every span table.

    python -m scripts.curation.spans [datapackage.json]
    make spans [DATAPACKAGE=…]

A row whose offsets already give `exact` is never touched. Otherwise `exact` is looked up in its
article as whole words ("all" is not found inside "Tallinn"): found once, its offsets are written;
found several times, the row's own char_start (a rough one will do, as in a W3C
TextPositionSelector used as a hint) picks the nearest occurrence. Every row that can be placed is
written, each table whole and atomically; the rows that cannot (no hint, or not found) are listed
as path:row:column, and the exit status is then 1."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scripts.cli import run
from scripts.curation.tables import Row, read_rows, write_rows
from scripts.package.read import SPAN_COLUMNS, DataPackage, Problem, Table, as_int, quote

MAX_LISTED = 10  # occurrences named in a message


def span_tables(package: DataPackage) -> list[Table]:
    return [t for t in package.tables.values() if {"source_id", *SPAN_COLUMNS} <= set(t.field_names)]


def substrings(text: str, exact: str) -> list[int]:
    """Where `exact` starts in `text`, inside words or not."""
    found, start = [], text.find(exact)
    while start >= 0 and exact:
        found.append(start)
        start = text.find(exact, start + 1)
    return found


def whole_words(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] starts and ends at word boundaries: each side is the text's edge, a
    character that is no letter or digit, or the span's own punctuation there ('"about 2,000' may
    follow a letter)."""
    starts_clean = start == 0 or not text[start - 1].isalnum() or not text[start].isalnum()
    ends_clean = end == len(text) or not text[end].isalnum() or not text[end - 1].isalnum()
    return starts_clean and ends_clean


def occurrences(text: str, exact: str) -> list[int]:
    """Where `exact` starts in `text` as whole words."""
    return [at for at in substrings(text, exact) if whole_words(text, at, at + len(exact))]


def placed(row: Row, text: str) -> tuple[int, int] | Problem | None:
    """The offsets `row` should have, None if it has them, or the reason they cannot be found."""
    exact, start, end = row["exact"], as_int(row["char_start"]), as_int(row["char_end"])
    if start is not None and end is not None and text[start:end] == exact and 0 <= start < end:
        return None
    found = occurrences(text, exact)
    if not found:
        inside = len(substrings(text, exact))
        within = f" as whole words (it stands {inside} time(s) inside a longer word)" if inside else ""
        return Problem("", 0, "exact", f"{quote(exact)} is not in {row['source_id']}{within}")
    if len(found) > 1 and start is None:
        places = ", ".join(map(str, found[:MAX_LISTED])) + (", …" if len(found) > MAX_LISTED else "")
        message = (
            f"{quote(exact)} occurs {len(found)} times in {row['source_id']} (at {places}):"
            " give a char_start near the one meant"
        )
        return Problem("", 0, "char_start", message)
    best = min(found, key=lambda at: abs(at - (start or 0)))
    return best, best + len(exact)


def repair(descriptor: Path) -> tuple[list[Problem], int]:
    """(problems, tables changed). Writes every row that can be placed, each table whole and
    atomically; a row that cannot keeps its offsets and is one of the problems."""
    package = DataPackage(descriptor)
    problems: list[Problem] = []
    changes: dict[str, tuple[Table, list[Row]]] = {}
    for table in span_tables(package):
        rows = read_rows(table)
        changed = False
        for number, row in enumerate(rows, start=2):
            text = package.text_of(row["source_id"])
            if text is None:
                problems.append(
                    Problem(table.path, number, "source_id", f"{quote(row['source_id'])} has no archived text")
                )
                continue
            result = placed(row, text)
            if isinstance(result, Problem):
                problems.append(Problem(table.path, number, result.column, result.message))
            elif result is not None:
                row["char_start"], row["char_end"] = str(result[0]), str(result[1])
                changed = True
        if changed:
            changes[table.name] = (table, rows)
    for table, rows in changes.values():
        write_rows(table, rows)
    return problems, len(changes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="spans", description=__doc__.split("\n\n")[0])
    parser.add_argument("datapackage", nargs="?", default=Path("datapackage.json"), type=Path)
    args = parser.parse_args(argv)
    problems, tables = repair(args.datapackage)
    for problem in problems:
        print(problem)
    repaired = f"{tables} table(s) repaired" if tables else "no table changed"
    if problems:
        print(f"{len(problems)} span(s) cannot be placed; the others were written ({repaired})", file=sys.stderr)
        return 1
    print(f"spans: {repaired}" if tables else "spans: every span already holds its text", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
