"""The typed encodings in a release: every table as Parquet with its Table Schema's types, read as
typed columns by DuckDB and pandas, and every claim, quote and figure as a W3C Web Annotation whose
selectors find its exact words and which expands offline with a JSON-LD processor."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyld import jsonld

from scripts.package.publication import read_urls
from scripts.package.read import DataPackage
from scripts.publishing.build import BuildError
from scripts.releases import parquet, web_annotations
from scripts.releases.release import release
from tests.conftest import PACKAGE as PACKAGE_ROOT
from tests.conftest import archived_text, read_table
from tests.mutations import edit_json
from tests.test_release import copy_project

PACKAGE = DataPackage(PACKAGE_ROOT / "datapackage.json")

pytestmark = pytest.mark.package


def released_descriptor(folder: Path) -> dict:
    return json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))


# Parquet


def test_every_table_has_a_parquet_resource_beside_its_csv(released: Path) -> None:
    resources = {r["name"]: r for r in released_descriptor(released)["resources"]}
    for name in PACKAGE.tables:
        described = resources[f"{name}-parquet"]
        assert described["path"] == f"data/{name}.parquet" and described["format"] == "parquet"
        assert described["schema"]["primaryKey"] == PACKAGE.tables[name].primary_key
        assert (released / described["path"]).is_file()


@pytest.mark.parametrize("name", sorted(PACKAGE.tables))
def test_parquet_columns_have_their_table_schema_types_and_the_csv_values(released: Path, name: str) -> None:
    table = pq.read_table(released / f"data/{name}.parquet")
    rows = read_table(name)
    assert table.num_rows == len(rows)
    for field in PACKAGE.tables[name].fields:
        column = table.column(field["name"])
        kind, enum = field["type"], (field.get("constraints") or {}).get("enum")
        expected = {"integer": pa.int64(), "number": pa.float64(), "list": pa.list_(pa.string())}.get(kind)
        if kind == "string":
            expected = pa.dictionary(pa.int8(), pa.string()) if enum else pa.string()
        assert column.type == expected, field["name"]
        for row, value in zip(rows, column.to_pylist(), strict=True):
            assert as_csv_cell(field, value) == row[field["name"]], (name, field["name"])


def as_csv_cell(field: dict, value: object) -> str:
    if value is None:
        return ""
    if field["type"] == "list":
        return field.get("delimiter", ",").join(value)
    if field["type"] == "number":
        return f"{value:g}" if float(value).is_integer() else repr(value)
    return str(value)


def test_enum_dictionaries_hold_every_allowed_value_in_schema_order(released: Path) -> None:
    table = pq.read_table(released / "data/figures.parquet")
    field = PACKAGE.tables["figures"].field("qualifier")
    assert table.column("qualifier").chunk(0).dictionary.to_pylist() == field["constraints"]["enum"]


def test_edtf_dates_stay_strings_and_gain_first_and_last_days(released: Path) -> None:
    figures = pq.read_table(released / "data/figures.parquet").to_pylist()
    dated = [row for row in figures if row["as_of"]]
    assert dated, "the package has dated figures"
    for row in dated:
        plain = row["as_of"].rstrip("?~%")
        assert row["as_of_earliest"] == row["as_of_latest"] == datetime.date.fromisoformat(plain)
    assert all(row["as_of_earliest"] is None and row["as_of_latest"] is None for row in figures if not row["as_of"])


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("2024-10-31", "2024-10-31", "2024-10-31"),
        ("2024-10-31?", "2024-10-31", "2024-10-31"),
        ("2024-11", "2024-11-01", "2024-11-30"),
        ("2024", "2024-01-01", "2024-12-31"),
        ("2024-10~", "2024-10-01", "2024-10-31"),
        ("", None, None),
    ],
)
def test_edtf_bounds_are_the_first_and_last_day_a_value_can_mean(text: str, earliest: str, latest: str) -> None:
    as_date = lambda s: s and datetime.date.fromisoformat(s)  # noqa: E731
    assert parquet.edtf_bounds(text) == (as_date(earliest) or None, as_date(latest) or None)


def test_duckdb_reads_typed_columns_from_the_parquet_files(released: Path) -> None:
    connection = duckdb.connect()

    def column_types(table: str) -> dict[str, str]:
        described = connection.execute(f"DESCRIBE SELECT * FROM '{released}/data/{table}.parquet'").fetchall()
        return {row[0]: row[1] for row in described}

    types = {table: column_types(table) for table in ("figures", "quotes", "claims", "entities")}
    assert types["figures"]["value"] == types["figures"]["value_low"] == "DOUBLE"
    assert types["figures"]["char_start"] == "BIGINT"
    assert types["figures"]["as_of"] == types["quotes"]["said_on"] == types["claims"]["claimed_on"] == "VARCHAR"
    assert types["figures"]["as_of_earliest"] == types["quotes"]["said_on_earliest"] == "DATE"
    assert types["entities"]["aliases"] == types["claims"]["inferred"] == "VARCHAR[]"
    total = connection.execute(f"SELECT sum(value) FROM '{released}/data/figures.parquet'").fetchone()[0]
    assert total == sum(float(row["value"]) for row in read_table("figures") if row["value"])
    aliases = connection.execute(
        f"SELECT name FROM '{released}/data/entities.parquet' WHERE list_contains(aliases, 'Zelensky')"
    ).fetchall()
    assert aliases == [("Volodymyr Zelenskyy",)]


def test_pandas_reads_typed_columns_from_the_parquet_files(released: Path) -> None:
    figures = pd.read_parquet(released / "data/figures.parquet")
    assert figures["value"].dtype == "float64" and figures["char_start"].dtype == "int64"
    assert isinstance(figures["qualifier"].dtype, pd.CategoricalDtype)
    assert figures["value"].sum() == sum(float(row["value"]) for row in read_table("figures") if row["value"])


# Web Annotations


def expected_iri(*segments: str) -> str:
    """The layout the README documents: under the configured base, else urn:<package name>:."""
    base = read_urls(PACKAGE_ROOT).base
    if base:
        return f"{base}/nk-russia-claims/" + "/".join(segments)
    return f"urn:{PACKAGE.descriptor['name']}:" + ":".join(segments)


def annotation_items(folder: Path) -> list[dict]:
    document = json.loads((folder / web_annotations.RELEASE_PATH).read_text(encoding="utf-8"))
    assert document["@context"] == web_annotations.ANNO_CONTEXT and document["type"] == "AnnotationCollection"
    items = document["first"]["items"]
    assert document["total"] == len(items)
    return items


def test_every_claim_quote_and_figure_is_one_annotation_with_a_schema_org_body(released: Path) -> None:
    items = annotation_items(released)
    expected = {
        expected_iri("annotations", table, row[key]): kind
        for table, key, kind in (
            ("claims", "claim_id", "schema:Claim"),
            ("quotes", "quote_id", "schema:Quotation"),
            ("figures", "figure_id", "schema:Claim"),
        )
        for row in read_table(table)
    }
    assert {item["id"]: item["body"]["type"] for item in items} == expected
    assert all(item["type"] == "Annotation" and item["motivation"] == "describing" for item in items)


def test_every_selector_yields_the_exact_words_of_its_row(released: Path) -> None:
    exact_of = {
        expected_iri("annotations", table, row[key]): row["exact"]
        for table, key in (("claims", "claim_id"), ("quotes", "quote_id"), ("figures", "figure_id"))
        for row in read_table(table)
    }
    text_paths = {expected_iri("texts", row["source_id"]): row["text_path"] for row in read_table("sources")}
    for item in annotation_items(released):
        source = text_paths[item["target"]["source"]["id"]]  # the archived text's IRI names its source
        text = (released / source).read_bytes().decode("utf-8")
        quote, position = item["target"]["selector"]
        assert (quote["type"], position["type"]) == ("TextQuoteSelector", "TextPositionSelector")
        assert text[position["start"] : position["end"]] == quote["exact"] == exact_of[item["id"]]
        found = text.find(quote["prefix"] + quote["exact"] + quote["suffix"])
        assert found == position["start"] - len(quote["prefix"]), item["id"]
        assert text == archived_text(source.rsplit("/", 1)[1].removesuffix(".txt"))


def test_annotations_expand_offline_with_the_vendored_context_and_lose_no_term(released: Path, no_network) -> None:
    document = json.loads((released / web_annotations.RELEASE_PATH).read_text(encoding="utf-8"))
    base = (released / web_annotations.RELEASE_PATH).as_uri()
    expanded = web_annotations.expand_offline(document, base)
    # Compacting back with the same context gives the document again: no key was dropped as unknown.
    context = json.loads((released / web_annotations.CONTEXT_RELEASE_PATH).read_text(encoding="utf-8"))
    loader = {"documentLoader": lambda url, options: pytest.fail(f"fetched {url}")}
    compacted = jsonld.compact(expanded, context, {**loader, "base": base})
    compacted.pop("@context")
    document.pop("@context")
    assert normalise(compacted) == normalise(document)
    graph = json.dumps(expanded)
    for iri in ("http://www.w3.org/ns/oa#hasTarget", "http://www.w3.org/ns/oa#TextQuoteSelector",
                "http://www.w3.org/ns/oa#start", "http://schema.org/Quotation", "http://schema.org/Claim"):  # fmt: skip
        assert iri in graph
    for source in read_table("sources"):  # every archived text is the target of its annotations, by its IRI
        if source["text_path"]:
            assert f'"@id": "{expected_iri("texts", source["source_id"])}"' in graph


def normalise(node: object) -> object:
    """JSON-LD compaction writes a one-item list as the item itself; compare without that difference."""
    if isinstance(node, list):
        return [normalise(item) for item in node] if len(node) != 1 else normalise(node[0])
    if isinstance(node, dict):
        return {key: normalise(value) for key, value in node.items()}
    return node


def test_the_context_defines_every_term_the_annotations_use() -> None:
    terms = set(json.loads(web_annotations.CONTEXT_FILE.read_text(encoding="utf-8"))["@context"])
    document = web_annotations.collection(PACKAGE)

    def used(node: object) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                yield key
                if key in ("type", "motivation"):
                    yield value
                yield from used(value)
        elif isinstance(node, list):
            for item in node:
                yield from used(item)

    unknown = {t for t in used(document) if t != "@context" and t not in terms and t.split(":")[0] not in terms}
    assert unknown == set()


def test_a_resource_that_takes_a_derived_files_name_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    (root / "data/vocabulary.csv").rename(root / "annotations.jsonld")  # a table where the annotations go
    edit_json(root / "datapackage.json", lambda d: d["resources"][-1].update(path="annotations.jsonld"))
    with pytest.raises(BuildError, match="resource 'vocabulary' takes a name or path that a release gives"):
        release(root / "datapackage.json", tmp_path / "dist")
    assert not (tmp_path / "dist").exists()
