"""What a check is: a stable code for each kind of problem it reports, a one-line description, the
columns it reads, and how it finds problems (as frictionless-py's Check classes declare their codes).

A check finds problems in two ways. What SQL can judge whole (a missing link, a span outside its
claim's) it finds by a query. What needs Python (a span that is not the text, a number written in
other digits) is a RowRule: an SQL filter that passes the rows that are plainly right, and a Python
judge that words what is wrong with every other row. The filter is only a speed-up: run on every
row, the judge must find exactly the same problems (a test holds every rule to it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from scripts.package.read import DataPackage, Problem, Table
from scripts.validation.staging import Stage

Reads = dict[str, tuple[str, ...]]  # table: the columns read
CODE = r"[a-z0-9]+(?:-[a-z0-9]+)*"  # kebab-case


@dataclass(frozen=True)
class Suspects:
    """The rows of one table that a judge reads. `where` (SQL over the table aliased `t`) is false for
    a row that is plainly right, so that only the others reach Python. `select`, for rows joined to
    other tables or read in another order, is a query of (row number, *columns) without a WHERE
    clause, to which `WHERE {where}` and `order` are added."""

    table: Table  # where the problems are reported
    columns: list[str]
    where: str
    select: str | None = None
    order: str = ""

    def rows(self, db: Stage, filtered: bool = True) -> Iterator[tuple[int, dict[str, Any]]]:
        """The suspect rows, or with `filtered` false every row."""
        if self.select is None:
            yield from self.table.rows(self.columns, where=f"({self.where})" if filtered else None)
            return
        condition = f" WHERE {self.where}" if filtered else ""
        for number, *cells in db.execute(f"{self.select}{condition} {self.order}"):
            yield number, dict(zip(self.columns, cells, strict=True))


Judge = Callable[[DataPackage, Table, int, dict[str, Any]], Iterator[Problem]]


@dataclass(frozen=True)
class RowRule:
    """An SQL filter and the Python judge of the rows it does not pass, as one object."""

    suspects: Callable[[DataPackage, Stage], Iterator[Suspects]]  # per table: the filter
    judge: Judge  # what is wrong with one row, worded; nothing for a right one

    def problems(self, package: DataPackage, db: Stage, filtered: bool = True) -> Iterator[Problem]:
        for suspects in self.suspects(package, db):
            for number, row in suspects.rows(db, filtered):
                yield from self.judge(package, suspects.table, number, row)


Finder = Callable[[DataPackage, Stage], Iterator[Problem]]


@dataclass(frozen=True)
class Check:
    """One of the project's content checks. `codes` names every kind of problem it reports (code:
    what is wrong), each problem it yields carries one of them; `reads` is every table and column it
    reads, which a package must have (columns it finds in the schemas need no declaration)."""

    name: str  # as messages name it: "the {name} check"
    description: str  # one line: what it requires
    codes: dict[str, str]
    reads: Reads
    find: Finder | None = None  # the problems found whole, by SQL (or by Python reading every row)
    rules: tuple[RowRule, ...] = field(default=())
    found_in_schemas: str = ""  # the columns it reads that it finds in the schemas, said in words

    @property
    def reader(self) -> str:
        return f"the {self.name} check"

    def problems(self, package: DataPackage, db: Stage, filtered: bool = True) -> Iterator[Problem]:
        """Every problem it finds; with `filtered` false, each rule's judge reads every row."""
        if self.find is not None:
            yield from self.find(package, db)
        for rule in self.rules:
            yield from rule.problems(package, db, filtered)


def required_columns(*declared: dict[str, Reads]) -> dict[str, dict[str, list[str]]]:
    """{table: {column: who reads it}} of every declaration: the tables and columns a package must have."""
    required: dict[str, dict[str, list[str]]] = {}
    for declarations in declared:
        for reader, tables in declarations.items():
            for table, columns in tables.items():
                for column in columns:
                    required.setdefault(table, {}).setdefault(column, []).append(reader)
    return required
