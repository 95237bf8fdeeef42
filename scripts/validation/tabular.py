"""Table Schema validation with frictionless, the reference implementation, reported as Problems."""

from __future__ import annotations

from collections.abc import Iterator

from frictionless import Package

from scripts.package.read import DataPackage, Problem, clip
from scripts.validation.schemasql import frictionless_code


def frictionless_problems(package: DataPackage) -> Iterator[Problem]:
    """Every frictionless error of the package: types, required, unique, enum, pattern, keys."""
    report = Package(str(package.descriptor_path)).validate()
    tables = package.tables
    for task in report.tasks:
        table = tables.get(task.name)
        path = table.path if table else task.name
        for error in task.errors:
            column = _column_of(error) or (
                ",".join(table.primary_key) if error.type == "primary-key" and table else None
            )
            code = frictionless_code(error.type)
            yield Problem(path, getattr(error, "row_number", None), column, _message_of(error), code=code)
    for error in report.errors:
        yield Problem(
            package.relative(package.descriptor_path), None, None, error.message, code=frictionless_code(error.type)
        )


def _column_of(error: object) -> str | None:
    name = getattr(error, "field_name", None)
    if name:
        return name
    names = getattr(error, "field_names", None)  # foreign-key and primary-key errors
    return ",".join(names) if names else None


def _message_of(error: object) -> str:
    note = getattr(error, "note", "") or ""
    text = note or error.message  # type: ignore[attr-defined]
    return f"{error.type}: {clip(text)}"  # type: ignore[attr-defined]
