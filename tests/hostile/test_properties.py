"""Property-based tests (Hypothesis): whatever text lands in a cell and whatever JSON lands in a
descriptor, the validator answers with problems and never crashes; and whatever character of an
archived text changes under a span, the validator never calls the package valid."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scripts.cli import run
from scripts.validation.validate import main, validate
from tests.conftest import ROOT, copy_package, read_table
from tests.mutations import edit_json, set_cells

# Property searches that validate a package copy per example: seconds each. `make check` leaves them out.
pytestmark = pytest.mark.slow

TABLES = ("sources", "entities", "claims", "quotes", "figures", "claim_links", "exclusions")
SPAN_TABLES = ("claims", "quotes", "figures")
# No example database (the tests write nothing into the clone); CI replays one fixed sequence.
PROPERTY = settings(
    max_examples=60,  # each example validates a package copy: 60 keep `make test` under 5 minutes on 2 cores
    deadline=None,
    database=None,
    derandomize=os.environ.get("CI") == "true",
    suppress_health_check=[HealthCheck.too_slow],
)

cell_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)  # any text a CSV can hold
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@contextmanager
def package_copy() -> Iterator[Path]:
    """A fresh copy per example (a pytest fixture would be shared by every example)."""
    with tempfile.TemporaryDirectory(prefix="nk-property-") as folder:
        yield copy_package(Path(folder))


def _rows(root: Path, table: str) -> list[list[str]]:
    with (root / "data" / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


@PROPERTY
@given(table=st.sampled_from(TABLES), row=st.integers(0, 200), column=st.integers(0, 20), text=cell_text)
def test_any_text_in_any_cell_gets_problems_never_a_crash(table: str, row: int, column: int, text: str) -> None:
    with package_copy() as descriptor:
        rows = _rows(descriptor.parent, table)
        if len(rows) > 1:
            target = rows[1 + row % (len(rows) - 1)]
            target[column % len(target)] = text
        path = descriptor.parent / "data" / f"{table}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
        assert run(main, [str(descriptor)]) in (0, 1)


def _descriptor_places(descriptor: dict) -> list[tuple[str, ...]]:
    places: list[tuple[str, ...]] = [(key,) for key in descriptor]
    for index, resource in enumerate(descriptor["resources"]):
        places += [("resources", str(index), key) for key in resource]
    return places


@PROPERTY
@given(place=st.integers(0, 200), value=json_values, in_schema=st.booleans(), field=st.integers(0, 20))
def test_any_json_in_a_descriptor_or_schema_gets_problems_never_a_crash(
    place: int, value: object, in_schema: bool, field: int
) -> None:
    with package_copy() as descriptor:
        if in_schema:

            def change(schema: dict) -> None:
                target = schema["fields"][field % len(schema["fields"])]
                key = ["name", "type", "constraints", "rdfType", "format"][place % 5]
                target[key] = value

            edit_json(descriptor.parent / "schemas" / "claims.schema.json", change)
        else:

            def change(data: dict) -> None:
                *parents, key = _descriptor_places(data)[place % len(_descriptor_places(data))]
                target: object = data
                for part in parents:
                    target = target[int(part)] if isinstance(target, list) else target[part]  # type: ignore[index]
                target[key] = value  # type: ignore[index]

            edit_json(descriptor, change)
        assert run(main, [str(descriptor)]) in (0, 1)


def _span_rows() -> list[tuple[str, int, dict[str, str]]]:
    return [(table, number, row) for table in SPAN_TABLES for number, row in enumerate(read_table(table), start=2)]


SPAN_ROWS = _span_rows()


@PROPERTY
@given(which=st.integers(0, len(SPAN_ROWS) - 1), where=st.floats(0, 1, exclude_max=True), new=st.characters())
def test_a_changed_character_under_a_span_is_never_called_valid(which: int, where: float, new: str) -> None:
    table, number, row = SPAN_ROWS[which]
    start, end = int(row["char_start"]), int(row["char_end"])
    offset = start + int(where * (end - start))
    with package_copy() as descriptor:
        root = descriptor.parent
        path = root / "data" / "texts" / f"{row['source_id']}.txt"
        text = path.read_bytes().decode("utf-8")
        if text[offset] == new or "\ud800" <= new <= "\udfff":
            return  # not a change, or not a character UTF-8 can store
        path.write_bytes((text[:offset] + new + text[offset + 1 :]).encode("utf-8"))
        set_cells(root, "sources", row["source_id"], text_sha256=hashlib.sha256(path.read_bytes()).hexdigest())
        problems = validate(descriptor)
        assert any(p.path == f"data/{table}.csv" and p.row == number for p in problems), problems[:5]


def test_the_json_strategy_reaches_the_descriptor_keys() -> None:
    """The descriptor fuzz above really varies top-level keys and every resource's keys."""
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    places = _descriptor_places(descriptor)
    assert ("resources", "0", "path") in places and ("version",) in places
