"""Validate a data package with the project's own engine: every CSV against its Table Schema (types,
required, enum, pattern, bounds, keys), then the codebook's checks (spans verbatim, links, vocabulary,
coverage of each article).

    python -m scripts.validation.validate [datapackage.json] [--format text|json|github] [--reference]
                                          [--cache FOLDER [--cache-read-only]]

Table Schema rules run as set-based SQL over a staging load (scripts.validation.schemasql); `--reference`
runs frictionless, the reference implementation, instead. Prints one line per problem as
`path:row:column: message [code]` (the code names the kind of problem: scripts.validation.checks
lists them) and exits 1 if there is any; with `--format github` (the default
when GITHUB_ACTIONS=true) each problem also becomes an `::error file=…,line=…` workflow command.
Reads only: the package is never written to."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

from scripts.cli import run
from scripts.package.read import DataPackage, PackageError, Problem
from scripts.validation import checks
from scripts.validation.background_scan import scanning
from scripts.validation.github_annotations import github_commands, plain_line, step_summary
from scripts.validation.incremental import ValidationCache
from scripts.validation.schemasql import schema_problems
from scripts.validation.staging import Stage, staged

Alongside = Callable[[DataPackage, Stage], AbstractContextManager[object]]


def table_schema_problems(package: DataPackage, reference: bool = False) -> list[Problem]:
    """Types, required, unique, enum, pattern, minimum, primary and foreign keys."""
    if reference:
        return reference_problems(package)
    with staged(package) as (db, problems, parsed):
        return problems + (list(schema_problems(db, package)) if parsed else [])


def reference_problems(package: DataPackage) -> list[Problem]:
    """The Table Schema rules as frictionless checks them (imported only then: it takes 0.1 s)."""
    from scripts.validation.tabular import frictionless_problems

    return list(frictionless_problems(package))


@contextmanager
def checked(
    descriptor: Path, reference: bool = False, alongside: Alongside | None = None
) -> Iterator[tuple[list[Problem], DataPackage | None, Stage | None]]:
    """(every problem, the package, its staging database) while the staging database lives.

    The build reads the validated rows from the same staging database, so the CSVs are parsed
    once. Package and database are None when the descriptor cannot be read. `alongside` is entered
    as soon as every table is staged and before the checks run, and left before the staging database
    closes: the build writes its database meanwhile, on the other core."""
    if not descriptor.is_file():
        yield (
            [Problem(str(descriptor), None, None, "no such data package descriptor", code="descriptor-error")],
            None,
            None,
        )
        return
    try:
        package = DataPackage(descriptor)
    except PackageError as error:
        message = str(error).removeprefix(f"{descriptor}: ")
        yield (
            [Problem(str(descriptor), None, None, f"cannot read descriptor: {message}", code="descriptor-error")],
            None,
            None,
        )
        return
    problems = list(checks.descriptor_problems(package))
    if problems:  # the rest would only repeat what a broken descriptor already explains
        yield problems, package, None
        return
    with scanning(package) as background, staged(package) as (db, load_problems, parsed):
        db.background = background
        if not parsed:  # a CSV that cannot be parsed: every later check would only add noise
            yield sorted(set(load_problems), key=_order), package, None
            return
        package.attach(db)
        try:
            with alongside(package, db) if alongside else nullcontext():
                problems = (
                    reference_problems(package) if reference else load_problems + list(schema_problems(db, package))
                )
                problems += checks.content_problems(package, db)
                yield sorted(set(problems), key=_order), package, db
        finally:
            package.attach(None)


def validate(descriptor: Path, reference: bool = False, cache: ValidationCache | None = None) -> list[Problem]:
    """All problems of the package at `descriptor`, in a stable order. With a cache (not under
    `reference`), only what changed since the cached verdict is checked again, when that can be done
    exactly (scripts.validation.incremental); a cold validation writes the cache, unless read-only."""
    if cache is not None and not reference:
        found = cache.revalidate(descriptor)
        if found is not None:
            return found
    writing = cache is not None and not reference and cache.writable
    with checked(descriptor, reference, cache.copying if writing and cache else None) as (problems, package, db):
        if writing and cache is not None and package is not None and db is not None:
            cache.write(package, db, problems)
        return problems


def cache_slot(folder: Path, descriptor: Path) -> Path:
    """The cache folder of one package: FOLDER holds one per descriptor, so that validating another
    package (a test's copy, say) never replaces this one's cache."""
    return folder / hashlib.sha256(str(descriptor.resolve()).encode("utf-8")).hexdigest()[:16]


def _order(problem: Problem) -> tuple[str, int, str, str]:
    return problem.path, problem.row or 0, problem.column or "", problem.message


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="validate", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "datapackage", nargs="?", default="datapackage.json", type=Path, help="the descriptor (default: %(default)s)"
    )
    parser.add_argument(
        "--format",
        choices=["text", "json", "github"],
        default="github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text",
        help="text: `path:row:column: message [code]` lines; json: a JSON list; github: the text lines and, for "
        "each problem, an `::error` workflow command (the default when GITHUB_ACTIONS=true)",
    )
    parser.add_argument("--json", action="store_const", const="json", dest="format", help="the same as --format json")
    parser.add_argument(
        "--reference",
        action="store_true",
        help="check the Table Schema rules with frictionless, the reference implementation, instead of our engine",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        metavar="FOLDER",
        help="keep the verdict in FOLDER (outside the package, e.g. build/validation-cache; a subfolder per "
        "package) and, next time, check again only what changed; anything it cannot do exactly is validated "
        "cold, saying why on standard error",
    )
    parser.add_argument(
        "--cache-read-only",
        action="store_true",
        help="read the cache of --cache but never write it (a pull request's run in CI)",
    )
    args = parser.parse_args(argv)
    cache = ValidationCache(cache_slot(args.cache, args.datapackage), not args.cache_read_only) if args.cache else None
    problems = validate(args.datapackage, args.reference, cache)
    if args.format == "json":
        print(json.dumps([p.as_dict() for p in problems], ensure_ascii=False, indent=2))
        return 1 if problems else 0
    for problem in problems:
        print(plain_line(problem.line()) if args.format == "github" else problem.line())
    if args.format == "github":
        for command in github_commands(problems, args.datapackage.parent):
            print(command)
        summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary_file:  # the job's summary page, which GitHub Actions names in this variable
            with open(summary_file, "a", encoding="utf-8") as summary:
                summary.write(step_summary(problems, str(args.datapackage)))
    summary = f"{len(problems)} problem(s) in {args.datapackage}" if problems else f"{args.datapackage}: valid"
    print(summary, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(run(main))
