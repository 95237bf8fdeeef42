"""The fast validation engine gives the answers of the simple one it replaced: DuckDB's CSV reader
stages the cells Python's csv module reads (or leaves the file to it), the text scans find the
spans a character-by-character scan finds, and the build keeps no database of a package that does
not validate, even though it writes one while the checks run."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from scripts.benchmark.synth import generate
from scripts.package import textscan
from scripts.package.read import MAX_CELL_CHARS, DataPackage
from scripts.publishing import build as build_module
from scripts.publishing.build import BuildError, CommandLineImport, build
from scripts.validation import background_scan, staging
from scripts.validation.checks import SHOWN_PER_KIND, is_plain_number
from scripts.validation.schemasql import plain_number
from scripts.validation.validate import validate
from tests.conftest import copy_package
from tests.mutations import append_row, first_key, row_of, set_cells

PROPERTY = settings(
    max_examples=300,
    deadline=None,
    database=None,
    derandomize=os.environ.get("CI") == "true",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
SCHEMA = {"fields": [{"name": "a", "type": "string"}, {"name": "b", "type": "string"}]}


def staged_cells(data: bytes) -> tuple[list[tuple[int, str, str]] | None, bool]:
    """(the staged rows of a two-column CSV, whether DuckDB's reader staged them); None when the
    file cannot be parsed to its end."""
    with tempfile.TemporaryDirectory(prefix="nk-engine-") as folder:
        root = Path(folder)
        (root / "t.csv").write_bytes(data)
        (root / "datapackage.json").write_text(
            '{"name": "t", "resources": [{"name": "t", "path": "t.csv", "schema": ' + json.dumps(SCHEMA) + "}]}"
        )
        package = DataPackage(root / "datapackage.json")
        used_duckdb = []
        original = staging.load_with_duckdb

        def spy(stage: staging.Stage, table: object, commas: int) -> bool:
            staged = original(stage, table, commas)  # type: ignore[arg-type]
            used_duckdb.append(staged)
            return staged

        staging.load_with_duckdb = spy  # type: ignore[assignment]
        try:
            with staging.staged(package) as (stage, _, parsed):
                if not parsed:
                    return None, False
                return list(stage.execute('SELECT _row, a, b FROM "t" ORDER BY _row')), any(used_duckdb)
        finally:
            staging.load_with_duckdb = original  # type: ignore[assignment]


PYTHON_CSV_FIELD_LIMIT = 128 * 1024  # csv.field_size_limit() of a fresh interpreter, which the project keeps


def python_cells(data: bytes) -> list[tuple[int, str, str]] | None:
    """What Python's csv module (frictionless's reader) reads with its default cell limit, padded or
    cut to two cells; None when it refuses the file. The limit is process-wide (frictionless raises it
    on import, the staging sets it): it is set here, and put back."""
    previous = csv.field_size_limit(PYTHON_CSV_FIELD_LIMIT)
    try:
        text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return None
    finally:
        csv.field_size_limit(previous)
    return [(number, *[*row, "", ""][:2]) for number, row in enumerate(rows[1:], start=2)]  # type: ignore[misc]


# A cell longer than any reader takes: each must refuse the file it is in.
TOO_LONG = "x" * (MAX_CELL_CHARS + 1)
csv_bytes = st.lists(
    st.sampled_from(["a", "b", " ", "\t", ",", '"', '""', "\n", "\r", "x y", "1", "é", "\u2028", TOO_LONG]),
    max_size=30,
).map(lambda parts: ("a,b\n" + "".join(parts)).encode("utf-8"))


@pytest.mark.slow
@PROPERTY
@given(data=csv_bytes)
@example(data=f"a,b\n{TOO_LONG},1\n".encode())  # both refuse
@example(data=f'a,b\n1,"{TOO_LONG}\n'.encode())  # both refuse an unclosed quote that runs on
def test_duckdb_stages_exactly_the_cells_python_reads_or_leaves_the_file_to_python(data: bytes) -> None:
    cells, by_duckdb = staged_cells(data)
    expected = python_cells(data)
    # Both read the file, to the same cells, or both refuse it: one reader refusing what the other
    # reads is a disagreement too.
    assert cells == expected, (data, by_duckdb)


def test_a_plain_file_is_staged_by_duckdb_and_a_lenient_corner_by_python() -> None:
    assert staged_cells(b'a,b\n1,"x, ""y"""\n')[1] is True
    corners = (b'a,b\n"1" ,2\n', b"a,b\n1,2\n\n3,4\n", b'a,b\n 1, "2"\n', b"a,b\r\n1,2\r\n", b"a,b\n1\x00,2\n")
    extra_empty_cell = b"a,b\n1,2,\n"  # DuckDB reads a row of two; Python, and frictionless, a row of three
    for corner in (*corners, extra_empty_cell):
        cells, by_duckdb = staged_cells(corner)
        assert not by_duckdb, corner
        assert cells == python_cells(corner), corner


@pytest.mark.parametrize("chunk_bytes", range(1, 17))
def test_a_lenient_corner_is_found_wherever_the_byte_scans_chunks_end(
    chunk_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The byte scan reads line-aligned chunks: a blank line or spaced quote that begins a chunk
    (its line end in the chunk before) is found as surely as one inside a chunk."""
    monkeypatch.setattr(staging, "CHUNK_BYTES", chunk_bytes)
    for corner in (b"a,b\n1,2\n\n3,4\n", b'a,b\n1,2\n "3",4\n', b"a,b\n1,2\n3,4\n\n"):
        cells, by_duckdb = staged_cells(corner)
        assert not by_duckdb, corner
        assert cells == python_cells(corner), corner


# ------------------------------------------------------------------ text scans
def reference_number_words(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in textscan.NUMBER_WORD.finditer(text)]


def reference_quotations(text: str) -> list[tuple[int, int, str]]:
    """The character-by-character scan that textscan.quotations replaced."""
    spans, offset = [], 0
    for paragraph in text.splitlines(keepends=True):
        opened = None
        for index, char in enumerate(paragraph):
            if char in textscan.DOUBLE_MARKS:
                if opened is None:
                    opened = index
                else:
                    spans.append((offset + opened + 1, offset + index, "quotation"))
                    opened = None
        if opened is not None:
            spans.append((offset + opened, offset + opened + 1, "unbalanced quotation mark"))
        opened = None
        for index, char in enumerate(paragraph):
            before = paragraph[index - 1] if index else " "
            after = paragraph[index + 1] if index + 1 < len(paragraph) else " "
            if (
                char in "‘'"
                and opened is None
                and (before.isspace() or before in textscan.DOUBLE_MARKS)
                and after.isalnum()
            ):
                opened = index
            elif char in "’'" and opened is not None and not after.isalpha():
                spans.append((offset + opened + 1, offset + index, "quotation"))
                opened = None
        offset += len(paragraph)
    return spans


words = st.lists(
    st.sampled_from(["thousands", "Few", "SOME", "all", "ball", "_all", "éall", "allé", " ", ".", "\n", "ſome",
                     "İ", "K", "mostly", "Majority", "2024", "1,000", '"', "“", "”", "'", "‘", "’", "don't", "x"]),
    max_size=25,
).map("".join)  # fmt: skip


@PROPERTY
@given(text=words)
def test_number_words_are_the_regex_matches(text: str) -> None:
    assert [(s.start, s.end) for s in textscan.number_words(text)] == reference_number_words(text)


@PROPERTY
@given(text=words)
def test_quotations_are_the_character_scan_spans(text: str) -> None:
    assert [(s.start, s.end, s.what) for s in textscan.quotations(text)] == reference_quotations(text)


def test_the_background_scan_finds_what_the_scan_here_finds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    package = DataPackage(generate(200, tmp_path))
    background = background_scan.Background(package)
    try:
        found = background.result()
    finally:
        background.stop()
    # The child process itself scanned: no fallback to a scan here.
    assert background.process.returncode == 0 and background.failure is None
    assert capsys.readouterr().err == ""
    here = background_scan.scan(package)
    assert found == here and len(here.starts) > 100


def _child_that(tmp_path: Path, script: str) -> Path:
    """A stand-in for the Python that the background scan starts its child with."""
    fake = tmp_path / "bin" / "python"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    fake.chmod(0o755)
    return fake


@pytest.mark.parametrize(
    ("script", "failure"),
    [
        ("echo 'Traceback: boom' >&2; exit 3", "the child process exited with 3: Traceback: boom"),
        ("printf 'not a pickle'", "its output cannot be read: UnpicklingError: "),
    ],
    ids=["child-exits-with-an-error", "child-writes-no-scan"],
)
def test_a_failed_background_scan_is_reported_and_the_texts_are_scanned_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], script: str, failure: str
) -> None:
    package = DataPackage(generate(20, tmp_path / "package"))
    monkeypatch.setattr(background_scan.sys, "executable", str(_child_that(tmp_path, script)))
    background = background_scan.Background(package)
    try:
        found = background.result()
    finally:
        background.stop()
    assert background.failure is not None and background.failure.startswith(failure)
    assert capsys.readouterr().err == (
        f"warning: the background scan of the texts failed ({background.failure}); scanning them here\n"
    )
    assert found == background_scan.scan(package)


def test_a_large_package_is_scanned_in_the_background(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    descriptor = generate(200, tmp_path)
    monkeypatch.setattr(background_scan, "BACKGROUND_SOURCES_BYTES", 0)
    started: list[background_scan.Background] = []
    original = background_scan.Background.__init__

    def spy(self: background_scan.Background, package: DataPackage) -> None:
        original(self, package)
        started.append(self)

    monkeypatch.setattr(background_scan.Background, "__init__", spy)
    figures = tmp_path / "data/figures.csv"
    header, _first, *rest = figures.read_text().splitlines(keepends=True)
    figures.write_text(header + "".join(rest))  # the first figure's number is now accounted for by nothing
    assert any("'1,000' at 60..65 is in neither figures.csv" in str(p) for p in validate(descriptor))
    assert started and started[0].process.returncode == 0  # it ran, and it is gone
    assert started[0].failure is None  # its own scan was used


@PROPERTY
@given(text=words)
def test_a_span_is_worded_from_its_kind_as_the_scan_words_it(text: str) -> None:
    for kind, span in textscan.spans(text):
        assert textscan.span_at(text, kind, span.start, span.end) == span


@PROPERTY
@given(text=st.text(alphabet="ab\n\r\u2028", max_size=40))
def test_a_line_lookup_agrees_with_counting_the_newlines_before_it(text: str) -> None:
    lines = textscan.Lines(text)
    for offset in range(len(text) + 1):
        line = text.count("\n", 0, offset) + 1
        assert lines.line_and_column(offset) == (line, offset - (text.rfind("\n", 0, offset) + 1) + 1)


# ------------------------------------------------------------------ work per text, not per row or problem
BARE_NUMBERS = 500_000  # lines of "x 1": 2 MB of numbers that no row accounts for
STALE_EXCLUSIONS = 30


def _with_bare_numbers_and_stale_exclusions(root: Path) -> tuple[str, str, list[int]]:
    """The first archived article grown by BARE_NUMBERS lines of "x 1", and STALE_EXCLUSIONS
    exclusions of an "x" each (no quotation or number): (its text path, the text, the exclusions' rows)."""
    source = row_of(root, "sources", first_key(root, "sources", lambda row: bool(row["text_path"])))
    file = root / source["text_path"]
    text = file.read_text(encoding="utf-8") + "\n"
    grown = text + "x 1\n" * BARE_NUMBERS
    file.write_text(grown, encoding="utf-8")
    set_cells(root, "sources", source["source_id"], text_sha256=hashlib.sha256(grown.encode()).hexdigest())
    rows = []
    for index in range(STALE_EXCLUSIONS):
        start = len(text) + 4 * index
        span = {"char_start": str(start), "char_end": str(start + 1), "exact": "x"}
        rows.append(append_row(root, "exclusions", {"source_id": source["source_id"], **span, "reason": "stale"}))
    return source["text_path"], text, rows


@pytest.mark.slow
def test_each_text_is_scanned_and_indexed_once_whatever_its_rows_and_problems(
    package_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, text, stale_rows = _with_bare_numbers_and_stale_exclusions(package_copy.parent)
    scans: list[int] = []  # the length of each text the number scan reads
    indexed: list[int] = []  # the length of each text whose lines are found
    lookups: list[int] = []
    scan_numbers = textscan.numbers

    def counted_scan(text: str) -> Iterator[textscan.Span]:
        scans.append(len(text))
        return scan_numbers(text)

    class CountedLines(textscan.Lines):
        def __init__(self, text: str) -> None:
            indexed.append(len(text))
            super().__init__(text)

        def line_and_column(self, offset: int) -> tuple[int, int]:
            lookups.append(offset)
            return super().line_and_column(offset)

    monkeypatch.setattr(textscan, "numbers", counted_scan)
    monkeypatch.setattr(textscan, "Lines", CountedLines, raising=False)
    problems = [str(p) for p in validate(package_copy)]
    grown = len(text) + 4 * BARE_NUMBERS
    # The coverage scan, and one more for the exclusions that SQL could not match: not one per row.
    assert scans.count(grown) <= 2
    assert indexed.count(grown) == 1 and len(lookups) <= 2 * (SHOWN_PER_KIND + 1)  # not one count per problem
    first_unshown = text.count("\n") + SHOWN_PER_KIND + 1
    rest = f"… and {BARE_NUMBERS - SHOWN_PER_KIND} more numbers in neither figures.csv nor exclusions.csv"
    assert [p for p in problems if "… and" in p] == [f"{path}:{first_unshown}:3: {rest}"]
    assert sum("number '1' at" in p for p in problems) == SHOWN_PER_KIND
    stale = "char_start: excludes no quotation or number that the scan finds"
    assert [p for p in problems if stale in p] == [f"data/exclusions.csv:{row}:{stale}" for row in stale_rows]


# ------------------------------------------------------------------ build
def test_a_build_that_fails_validation_leaves_no_database_even_though_it_began_writing(tmp_path: Path) -> None:
    descriptor = generate(300, tmp_path / "package")
    claims = tmp_path / "package/data/claims.csv"
    claims.write_text(claims.read_text().replace(",asserts,", ",assertz,", 1))
    output = tmp_path / "out" / "db.sqlite"
    began: list[build_module.Writer] = []
    original = build_module.Writer.start

    def spy(self: build_module.Writer) -> None:
        began.append(self)
        original(self)

    build_module.Writer.start = spy  # type: ignore[method-assign]
    try:
        with pytest.raises(BuildError, match="does not validate"):
            build(descriptor, output)
    finally:
        build_module.Writer.start = original  # type: ignore[method-assign]
    assert began, "the writer started before the checks ended"
    assert not began[0].is_alive()
    assert list(output.parent.iterdir()) == []


def test_a_valid_build_holds_every_row_typed(tmp_path: Path) -> None:
    descriptor = generate(300, tmp_path / "package")
    output = tmp_path / "db.sqlite"
    build(descriptor, output)
    db = sqlite3.connect(output)
    assert db.execute("SELECT count(*) FROM claims").fetchone() == (300,)
    typed = "SELECT typeof(char_start), typeof(value), typeof(value_low) FROM figures LIMIT 1"
    assert db.execute(typed).fetchone() == ("integer", "real", "null")  # value is a Table Schema number
    assert db.execute("SELECT claim_id FROM claims ORDER BY rowid LIMIT 2").fetchall() == [("c0",), ("c1",)]


def test_staging_never_keeps_a_temporary_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a temporary folder of the test's own: the machine's is shared with every other process."""
    own = tmp_path / "tmp"
    own.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(own))
    descriptor = generate(50, tmp_path / "package")
    assert validate(descriptor) == []
    assert list(own.iterdir()) == []


def _dump(database: Path) -> list[str]:
    return list(sqlite3.connect(database).iterdump())


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="`make test` installs the sqlite3 command line")
def test_the_command_line_import_builds_the_database_the_python_path_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    descriptor = generate(300, tmp_path / "package")
    copied: list[str] = []
    original = build_module.copy_imported

    def spy(db: sqlite3.Connection, table: object) -> None:
        copied.append(table.name)  # type: ignore[attr-defined]
        original(db, table)  # type: ignore[arg-type]

    monkeypatch.setattr(build_module, "copy_imported", spy)
    build(descriptor, tmp_path / "by-command-line.db")
    assert {"claims", "attributions", "figures"} <= set(copied)
    monkeypatch.setattr(build_module.shutil, "which", lambda name: None)  # no sqlite3: the Python path
    copied.clear()
    build(descriptor, tmp_path / "by-python.db")
    assert copied == []
    assert _dump(tmp_path / "by-command-line.db") == _dump(tmp_path / "by-python.db")


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="`make test` installs the sqlite3 command line")
def test_a_table_the_command_line_reads_otherwise_is_loaded_through_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    descriptor = generate(100, tmp_path / "package")
    original = build_module.CommandLineImport.agrees

    def claims_disagree(self: build_module.CommandLineImport, db: sqlite3.Connection, source: object, table) -> bool:  # type: ignore[no-untyped-def]
        return table.name != "claims" and original(self, db, source, table)

    monkeypatch.setattr(build_module.CommandLineImport, "agrees", claims_disagree)
    build(descriptor, tmp_path / "db.sqlite")
    db = sqlite3.connect(tmp_path / "db.sqlite")
    assert db.execute("SELECT count(*), sum(char_end) FROM claims").fetchone()[0] == 100


LONG_DECIMAL = "349598005126730.84375183"  # SQLite 3.40 reads it one bit off the correctly rounded double


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="`make test` installs the sqlite3 command line")
def test_both_build_paths_publish_the_number_python_and_duckdb_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    descriptor = copy_package(tmp_path)
    figure = first_key(descriptor.parent, "figures", lambda row: bool(row["value"]))
    set_cells(descriptor.parent, "figures", figure, value_high=LONG_DECIMAL)
    build(descriptor, tmp_path / "by-command-line.db")
    monkeypatch.setattr(build_module.shutil, "which", lambda name: None)  # no sqlite3: the Python path
    build(descriptor, tmp_path / "by-python.db")
    for path in ("by-command-line.db", "by-python.db"):
        sql = "SELECT value_high FROM figures WHERE figure_id = ?"
        assert sqlite3.connect(tmp_path / path).execute(sql, [figure]).fetchone() == (float(LONG_DECIMAL),), path


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="`make test` installs the sqlite3 command line")
@pytest.mark.parametrize(("table", "column", "cell"), [("figures", "value", "8_000"), ("claims", "char_end", "1_0")])
def test_the_command_line_import_is_not_used_for_a_table_sqlite_types_otherwise(
    tmp_path: Path, table: str, column: str, cell: str
) -> None:
    descriptor = copy_package(tmp_path)
    key = first_key(descriptor.parent, table, lambda row: bool(row[column]))  # a cell that holds a number
    set_cells(descriptor.parent, table, key, **{column: cell})  # DuckDB casts it to 8000 or 10, SQLite to 8 or 1
    package = DataPackage(descriptor)
    with staging.staged(package) as (stage, _, _):
        importing = CommandLineImport(package, stage)
        assert importing.imported() and table in {t.name for t in importing.tables}
        with sqlite3.connect(tmp_path / "db.sqlite") as db:
            db.execute("ATTACH DATABASE ? AS stage", [str(importing.stage_file)])
            source = stage.connection.cursor()
            agreeing = {t.name for t in importing.tables if importing.agrees(db, source, t)}
            source.close()
        db.close()
    assert table not in agreeing and {"sources", "entities"} <= agreeing


NUMBER_LIKE = st.text(st.sampled_from("0123456789+-.eE_ xXinfatyINFATY٣８"), max_size=24) | st.sampled_from(
    ["1000000000000000", "1000000000000001", "-1e15", "1e15", "1.0000000000000001e15", "1e16", "1.7e308", "1e400",
     "9" * 400, ".5", "5.", "+.5e-3", "8_000", "１２", "٣٤", "inf", "-Infinity", "nan", "0x10", "1e", "."]
)  # fmt: skip


@PROPERTY
@given(cell=NUMBER_LIKE, kind=st.sampled_from(["integer", "number"]))
def test_the_sql_filter_and_the_python_judge_agree_on_plain_numbers(cell: str, kind: str) -> None:
    (in_sql,) = IN_MEMORY.execute(f"SELECT {plain_number('c', kind)} FROM (SELECT ? AS c)", [cell]).fetchone()
    assert in_sql == is_plain_number(cell, kind)


IN_MEMORY = duckdb.connect()  # no file: one connection for every example


def test_a_day_written_before_its_month_is_no_quantity_but_a_count_of_months_is() -> None:
    text = "On 19 December 2024 and on 4 Nov, 12 months and 40 soldiers."
    assert [span.exact for span in textscan.numbers(text)] == ["12", "40"]


def test_a_magnitude_word_multiplies_the_number_it_follows() -> None:
    assert textscan.number_values("1.5 million") == [1_500_000]
    assert textscan.number_values("between 2 and 3 thousand") == [2, 3000]
    assert textscan.number_value("8,000") == 8000
