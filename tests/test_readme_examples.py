"""The README's "Using the data" examples run as written in an unzipped release and give typed
columns: every Python and DuckDB example is executed here (R is not available to the tests)."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from scripts.package.read import DataPackage
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLES = README[README.index("<!-- examples:start -->") : README.index("<!-- examples:end -->")]
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", EXAMPLES, re.S)
FIELDS = {f["name"]: f for table in DataPackage(ROOT / "datapackage.json").tables.values() for f in table.fields}
NUMERIC = {name for name, f in FIELDS.items() if f["type"] in ("integer", "number")}


def blocks(language: str) -> list[str]:
    return [code for lang, code in BLOCKS if lang == language]


def test_the_examples_cover_pandas_duckdb_sqlite_r_and_frictionless() -> None:
    assert [lang for lang, _ in BLOCKS] == ["python", "python", "sql", "python", "python", "r"]
    assert "pd.read_parquet" in blocks("python")[0] and "frictionless" in blocks("python")[1]
    assert "import duckdb" in blocks("python")[2] and "import sqlite3" in blocks("python")[3]
    assert "read_package" in blocks("r")[0]


def assert_typed(frame: pd.DataFrame, where: str) -> None:
    for column in frame.columns:
        if column in NUMERIC:
            assert pd.api.types.is_numeric_dtype(frame[column]), f"{where}: {column} is {frame[column].dtype}"
        if column.endswith(("_earliest", "_latest")):
            assert (
                pd.api.types.is_datetime64_any_dtype(frame[column])
                or frame[column].dropna().map(lambda value: hasattr(value, "year")).all()
            ), f"{where}: {column} is {frame[column].dtype}"


@pytest.mark.parametrize("index", range(len(blocks("python"))))
def test_python_example_runs_and_gives_typed_columns(
    index: int, released: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(released)
    namespace: dict = {}
    exec(compile(blocks("python")[index], f"README example {index + 1}", "exec"), namespace)  # the README's own code
    frames = {name: value for name, value in namespace.items() if isinstance(value, pd.DataFrame)}
    assert frames and all(len(frame) for frame in frames.values())
    for name, frame in frames.items():
        assert_typed(frame, name)
    assert capsys.readouterr().out.strip()


@pytest.mark.parametrize("statement", [s.strip() for s in ";".join(blocks("sql")).split(";") if s.strip()])
def test_duckdb_example_runs_and_gives_typed_columns(statement: str, released: Path, monkeypatch) -> None:
    monkeypatch.chdir(released)
    connection = duckdb.connect()
    frame = connection.sql(statement).df()
    assert len(frame) > 0, statement
    assert_typed(frame, statement.splitlines()[-1])


def test_the_offline_json_ld_example_expands_the_annotations_with_no_network(
    released: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (code,) = [c for lang, c in re.findall(r"```(\w+)\n(.*?)```", README, re.S) if "FrozenDocumentLoader" in c]
    monkeypatch.chdir(released)
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args: pytest.fail("the example used the network"))
    namespace: dict = {}
    exec(compile(code, "README JSON-LD example", "exec"), namespace)
    items = namespace["expanded"][0]["http://www.w3.org/ns/activitystreams#first"][0]
    assert len(items["http://www.w3.org/ns/activitystreams#items"][0]["@list"]) > 0
