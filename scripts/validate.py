"""Validate a data package: Table Schema rules (frictionless), then the project's own checks.

    python -m scripts.validate [datapackage.json] [--json] [--reference]

Table Schema rules run as set-based SQL over a staging load (scripts.schemasql); `--reference`
runs frictionless, the reference implementation, instead. Prints one line per problem as
`path:row:column: message` and exits 1 if there is any. Reads only: the package is never written to."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from scripts import checks
from scripts.package import DataPackage, Problem
from scripts.schemasql import schema_problems
from scripts.staging import staged
from scripts.tabular import frictionless_problems


def table_schema_problems(package: DataPackage, reference: bool = False) -> list[Problem]:
    """Types, required, unique, enum, pattern, minimum, primary and foreign keys."""
    if reference:
        return list(frictionless_problems(package))
    with staged(package) as (db, problems):
        return problems + list(schema_problems(db, package))


def staged_problems(package: DataPackage, reference: bool) -> list[Problem]:
    """Table Schema and content problems, with the package staged once in SQLite."""
    with staged(package) as (db, problems):
        package.attach(db)
        try:
            problems = (
                list(frictionless_problems(package)) if reference else problems + list(schema_problems(db, package))
            )
            return problems + list(checks.content_problems(package, db))
        finally:
            package.attach(None)


def validate(descriptor: Path, reference: bool = False) -> list[Problem]:
    """All problems of the package at `descriptor`, in a stable order."""
    if not descriptor.is_file():
        return [Problem(str(descriptor), None, None, "no such data package descriptor")]
    try:
        package = DataPackage(descriptor)
    except (OSError, ValueError) as error:
        return [Problem(str(descriptor), None, None, f"cannot read descriptor: {error}")]
    problems = list(checks.descriptor_problems(package))
    if problems:  # the rest would only repeat what a broken descriptor already explains
        return problems
    problems += staged_problems(package, reference)
    return sorted(set(problems), key=_order)


def _order(problem: Problem) -> tuple[str, int, str, str]:
    return problem.path, problem.row or 0, problem.column or "", problem.message


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="validate", description=__doc__.split("\n\n")[0])
    parser.add_argument("datapackage", nargs="?", default="datapackage.json", type=Path)
    parser.add_argument("--json", action="store_true", help="print the problems as a JSON list")
    parser.add_argument("--reference", action="store_true", help="check Table Schema rules with frictionless")
    args = parser.parse_args(argv)
    problems = validate(args.datapackage, args.reference)
    if args.json:
        print(json.dumps([p.as_dict() for p in problems], ensure_ascii=False, indent=2))
    else:
        for problem in problems:
            print(problem)
        summary = f"{len(problems)} problem(s) in {args.datapackage}" if problems else f"{args.datapackage}: valid"
        print(summary, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
