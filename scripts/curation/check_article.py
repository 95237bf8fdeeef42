"""One article's check: the package validated, only that article's problems shown, then the tests
written for that article run.

    python -m scripts.curation.check_article [datapackage.json] --source ID [--no-tests]
    make check-article SOURCE=id [DATAPACKAGE=…]

An article's problems are those on its text file and on the rows that belong to it: rows whose
source_id is the article (in sources.csv also the venues it cites, cited_in), and rows without a
source_id whose foreign key names such a row (a quote_claims row by its quote or claim, a claim
link by either claim). Entities are shared by every article and belong to none. Where the package
cannot be read as a whole (a broken descriptor, a CSV that cannot be parsed), every problem is
shown: none can be placed. The tests are those of tests/test_package.py selected by the source id
(its per-article expectations, tests/articles/article_NNN.py), run on this package
(NK_PACKAGE_ROOT). Exits 1 when the article has a problem or a test fails."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from scripts.cli import run
from scripts.curation.add_source import ID
from scripts.curation.tables import table_of
from scripts.package.read import DataPackage, PackageError, Problem, Table, quote
from scripts.validation.validate import checked

TESTS = Path(__file__).resolve().parents[2] / "tests"
NO_TESTS_COLLECTED = 5  # pytest's exit status when the selection is empty
PYTEST_KEYWORDS = {"and", "or", "not"}  # the words of a -k expression, which no id may be alone


def owners(package: DataPackage) -> dict[tuple[str, int], set[str]]:
    """(table path, row number) -> the sources the row belongs to."""
    owned: dict[tuple[str, int], set[str]] = {}
    read: dict[str, list[tuple[set[str], dict[str, str]]]] = {}  # tables with a source_id: rows, owners
    tables = list(package.tables.values())
    for table in (t for t in tables if "source_id" in t.field_names):
        for number, row in table.rows():
            sources = {row.get("source_id", ""), row.get("cited_in", "") if table.name == "sources" else ""} - {""}
            owned[(table.path, number)] = sources
            read.setdefault(table.name, []).append((sources, row))
    for table in (t for t in tables if "source_id" not in t.field_names):
        references = [
            (fields, _index(read[target], referenced))
            for fields, target, referenced in table.foreign_keys()
            if target in read
        ]
        if references:
            for number, row in table.rows():
                owned[(table.path, number)] = set().union(
                    *(index.get(_cells(row, fields), set()) for fields, index in references)
                )
    return owned


def _cells(row: dict[str, str], columns: list[str]) -> tuple[str, ...]:
    return tuple(row.get(column, "") for column in columns)


def _index(rows: list[tuple[set[str], dict[str, str]]], columns: list[str]) -> dict[tuple[str, ...], set[str]]:
    index: dict[tuple[str, ...], set[str]] = {}
    for sources, row in rows:
        index.setdefault(_cells(row, columns), set()).update(sources)
    return index


def _text_paths(sources: Table, source_id: str) -> set[str]:
    return {row["text_path"] for _, row in sources.rows() if row.get("source_id") == source_id and row["text_path"]}


def article_problems(descriptor: Path, source_id: str) -> tuple[list[Problem], int, bool]:
    """(the article's problems, how many other problems the package has, whether each problem
    could be placed). Raises PackageError when the package has no such source."""
    with checked(descriptor) as (problems, package, db):
        if package is None or db is None:
            return problems, 0, False
        if source_id not in {row["source_id"] for _, row in table_of(package, "sources").rows()}:
            raise PackageError(f"SOURCE {quote(source_id)} is no source of {table_of(package, 'sources').path}")
        owned, texts = owners(package), _text_paths(table_of(package, "sources"), source_id)
    mine = [p for p in problems if p.path in texts or source_id in owned.get((p.path, p.row or 0), set())]
    return mine, len(problems) - len(mine), True


def run_tests(descriptor: Path, source_id: str) -> int:
    """The tests about this article on this package: pytest's exit status (0 when there is none)."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "package", "-k", source_id]
    environment = {**os.environ, "NK_PACKAGE_ROOT": str(descriptor.resolve().parent)}
    status = subprocess.run([*command, str(TESTS / "test_package.py")], env=environment, check=False).returncode
    return 0 if status == NO_TESTS_COLLECTED else status


def _print(problems: Iterable[Problem]) -> None:
    for problem in problems:
        print(problem.line())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="check-article", description=__doc__.split("\n\n")[0])
    parser.add_argument("datapackage", nargs="?", default=Path("datapackage.json"), type=Path)
    parser.add_argument("--source", required=True, help="the article's source id")
    parser.add_argument("--no-tests", action="store_true", help="validate only")
    args = parser.parse_args(argv)
    if not ID.fullmatch(args.source) or args.source in PYTEST_KEYWORDS:
        raise PackageError(f"SOURCE {quote(args.source)}: use lowercase letters, digits, - and _ (e.g. kyiv-report)")
    problems, others, placed = article_problems(args.datapackage, args.source)
    _print(problems)
    if not placed:
        print(f"{len(problems)} problem(s) in {args.datapackage}, none of them placed in an article", file=sys.stderr)
        return 1
    elsewhere = f"; {others} more elsewhere in the package (make validate)" if others else ""
    print(f"check-article: {len(problems)} problem(s) in {args.source}{elsewhere}", file=sys.stderr)
    status = 0 if args.no_tests else run_tests(args.datapackage, args.source)
    return 1 if problems or status else 0


if __name__ == "__main__":
    sys.exit(run(main))
