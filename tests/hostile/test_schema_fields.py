"""Whatever fields a schema has, validate and build answer 0 (valid, built) or 1 (refused, with a
located message), never 2: every field of every schema is dropped in turn (a column a check or the
build reads is then refused by name, before anything reads it), and fields are renamed to names
that SQL must quote (quotes, backticks, spaces, semicolons, non-ASCII letters, SQL's own words)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from datasette.app import Datasette
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scripts.cli import run
from scripts.package.read import DataPackage
from scripts.package.site import DATABASE_FILE
from scripts.publishing import build
from scripts.publishing.metadata import datasette_metadata
from scripts.publishing.serve import PLUGINS_DIR, SETTINGS, TEMPLATES_DIR
from scripts.sql import identifier as quoted
from scripts.validation import validate
from tests.conftest import ROOT, copy_package

# Sweeps over every field and key of the schemas, each a validation and a build: `make check` leaves them out.
pytestmark = pytest.mark.slow

SCHEMA_FIELDS = [
    (path.name.removesuffix(".schema.json"), field["name"])
    for path in sorted((ROOT / "schemas").glob("*.schema.json"))
    for field in json.loads(path.read_text(encoding="utf-8"))["fields"]
]
# Names that SQL reads otherwise unless quoted, the staging database's own column names, and SQL words.
AWKWARD = st.sampled_from(
    ['a"b', "it's", "`x`", "two words", " lead", "x;DROP TABLE claims;--", "é", "名前", "Ωmega", "ß",
     "name", "cell", "value", "position", "select", "order", "rowid", "_rowid_", "oid", "_row"]
)  # fmt: skip
NAME_CHARACTERS = st.sampled_from(list("\"'` ;,.-_()[]%*?\\") + list("aZ9éßЖ名ǅ"))
hostile_names = AWKWARD | st.text(NAME_CHARACTERS, min_size=1, max_size=12)
RENAMES = settings(
    max_examples=30,
    deadline=None,
    database=None,
    derandomize=os.environ.get("CI") == "true",
    suppress_health_check=[HealthCheck.too_slow],
)


@contextmanager
def package_copy() -> Iterator[Path]:
    """A fresh copy per example (a pytest fixture would be shared by every Hypothesis example)."""
    with tempfile.TemporaryDirectory(prefix="nk-fields-") as folder:
        yield copy_package(Path(folder))


def _edit_columns(root: Path, table: str, edit: Callable[[list[list[str]], int], None], column: str) -> None:
    path = root / "data" / f"{table}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    edit(rows, rows[0].index(column))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")


def _edit_schemas(root: Path, edit: Callable[[str, dict], None]) -> None:
    for path in sorted((root / "schemas").glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        edit(path.name.removesuffix(".schema.json"), schema)
        path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")


def drop_field(root: Path, table: str, name: str) -> None:
    """The field gone from its schema and its column from the CSV (keys that name it are left as they are)."""

    def drop(owner: str, schema: dict) -> None:
        if owner == table:
            schema["fields"] = [f for f in schema["fields"] if f["name"] != name]

    _edit_schemas(root, drop)
    _edit_columns(root, table, lambda rows, index: [row.pop(index) for row in rows], name)


def rename_field(root: Path, table: str, old: str, new: str) -> None:
    """The field renamed everywhere: its schema, the keys that name it (its own and other tables'
    references to it) and the CSV header."""

    def renamed(names: str | list[str]) -> str | list[str]:
        return [new if n == old else n for n in names] if isinstance(names, list) else new if names == old else names

    def rename(owner: str, schema: dict) -> None:
        if owner == table:
            for field in schema["fields"]:
                field["name"] = new if field["name"] == old else field["name"]
            if "primaryKey" in schema:
                schema["primaryKey"] = renamed(schema["primaryKey"])
            schema["uniqueKeys"] = [renamed(key) for key in schema.get("uniqueKeys", [])] or None
            for key in schema.get("foreignKeys", []):
                key["fields"] = renamed(key["fields"])
        for key in schema.get("foreignKeys", []):
            if (key["reference"].get("resource") or owner) == table:
                key["reference"]["fields"] = renamed(key["reference"]["fields"])
        if schema.get("uniqueKeys") is None:
            schema.pop("uniqueKeys", None)

    _edit_schemas(root, rename)
    _edit_columns(root, table, lambda rows, index: rows[0].__setitem__(index, new), old)
    if "inferred" in _header(root, table):  # the cells that name the column, as a curator would rename them

        def rename_in_inferred(rows: list[list[str]], index: int) -> None:
            for row in rows[1:]:
                row[index] = ",".join(new if name == old else name for name in row[index].split(","))

        _edit_columns(root, table, rename_in_inferred, "inferred")


def _header(root: Path, table: str) -> list[str]:
    with (root / "data" / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def exit_codes(descriptor: Path) -> tuple[int, int, str]:
    """(validate's exit code, build's, everything both printed)."""
    output = descriptor.parent / "build" / DATABASE_FILE
    printed = io.StringIO()
    with redirect_stdout(printed), redirect_stderr(printed):
        validated = run(validate.main, [str(descriptor)])
        built = run(build.main, [str(descriptor), "--output", str(output)])
    assert (built == 0) == output.is_file(), "a database is written exactly when the build succeeds"
    if built == 0:
        read_back(output)
        asyncio.run(pages_answer(descriptor, output))
    return validated, built, printed.getvalue()


async def pages_answer(descriptor: Path, database: Path) -> None:
    """The site's own pages answer a built package without a server error, whatever columns it
    lacks (a view that cannot be built is left out of the database: no page may need it)."""
    site = Datasette(
        immutables=[str(database)], metadata=datasette_metadata(DataPackage(descriptor)), settings=SETTINGS,
        plugins_dir=str(PLUGINS_DIR), template_dir=str(TEMPLATES_DIR),
    )  # fmt: skip
    with closing(sqlite3.connect(database)) as db:
        articles = [source for (source,) in db.execute("SELECT source_id FROM texts LIMIT 1")]
    paths = ["/", "/-/timeline", "/-/search?q=troops", *(f"/-/articles/{source}" for source in articles)]
    for path in paths:
        response = await site.client.get(path)
        assert response.status_code < 500, f"{path}: {response.status_code}"


def read_back(database: Path) -> None:
    """Every table of a built database reads, its search indexes too (whose columns live in their
    tables: an index over a column the table lacks fails only when read)."""
    with closing(sqlite3.connect(database)) as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            db.execute(f"SELECT * FROM {quoted(table)} LIMIT 1").fetchall()


def assert_answered(descriptor: Path) -> None:
    """Valid and built, or refused by both with a message: never a crash, and never one without the other."""
    validated, built, printed = exit_codes(descriptor)
    assert validated in (0, 1) and built in (0, 1), printed[-2000:]
    assert "internal error" not in printed and "Traceback" not in printed, printed[-2000:]
    assert validated == built, f"validate exits {validated} but build {built}: {printed[-2000:]}"


@pytest.mark.parametrize(("table", "name"), SCHEMA_FIELDS, ids=[f"{t}.{n}" for t, n in SCHEMA_FIELDS])
def test_dropping_any_field_of_any_schema_is_answered_never_a_crash(table: str, name: str) -> None:
    with package_copy() as descriptor:
        drop_field(descriptor.parent, table, name)
        assert_answered(descriptor)


def test_a_table_without_a_primary_key_leaves_every_page_answering() -> None:
    """figures without figure_id (and so without a key): valid, built, and the reader marks no figure
    it could not link instead of failing."""
    with package_copy() as descriptor:
        drop_field(descriptor.parent, "figures", "figure_id")
        _edit_schemas(descriptor.parent, lambda owner, schema: schema.pop("primaryKey") if owner == "figures" else None)
        validated, built, printed = exit_codes(descriptor)
    assert (validated, built) == (0, 0), printed[-2000:]


def test_a_dropped_column_that_a_check_reads_is_refused_by_name() -> None:
    """The refusal says which field of which schema is missing and what reads it."""
    with package_copy() as descriptor:
        drop_field(descriptor.parent, "entities", "kind")
        validated, built, printed = exit_codes(descriptor)
    assert (validated, built) == (1, 1), printed[-2000:]
    assert "schemas/entities.schema.json:-:fields: no field 'kind'" in printed
    assert "entities.kind is read by the affiliation check); add it back" in printed


@RENAMES
@given(which=st.sampled_from(SCHEMA_FIELDS), new=hostile_names)
def test_renaming_any_field_to_a_name_sql_must_quote_is_answered_never_a_crash(
    which: tuple[str, str], new: str
) -> None:
    table, old = which
    with package_copy() as descriptor:
        rename_field(descriptor.parent, table, old, new)
        assert_answered(descriptor)


@pytest.mark.parametrize("new", ['a"b', "x;DROP TABLE claims;--", "Ωmega `é`", "it's"])
def test_a_column_no_check_requires_may_have_any_name(new: str) -> None:
    """A renamed column that nothing requires goes through staging, every check (the date and
    inference checks read this one) and the build: the package stays valid."""
    with package_copy() as descriptor:
        rename_field(descriptor.parent, "claims", "claimed_on", new)
        validated, built, printed = exit_codes(descriptor)
    assert (validated, built) == (0, 0), printed[-2000:]


def _descriptor_keys() -> list[tuple[str, ...]]:
    """Every key of the descriptor and of its licence: the site's metadata reads them at build time."""
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    return [(key,) for key in descriptor] + [("licenses", "0", key) for key in descriptor["licenses"][0]]


@pytest.mark.parametrize("place", _descriptor_keys(), ids=".".join)
def test_dropping_any_key_of_the_descriptor_or_its_licence_is_answered_never_a_crash(place: tuple[str, ...]) -> None:
    with package_copy() as descriptor:
        data = json.loads(descriptor.read_text(encoding="utf-8"))
        *parents, key = place
        target = data
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        del target[key]
        descriptor.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        assert_answered(descriptor)
