"""The validator, by mutation: each test breaks a copy of the real package in one way and asserts
the exact problem line (`path:row:column: message`) that the validator reports for it, and that
every check's SQL filter and Python judge find the same problems in it (tests/agreement.py)."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from scripts.messages import quote
from scripts.package import spec
from scripts.package.read import DataPackage, Problem
from scripts.validation import checks
from scripts.validation.checks import (
    EMPTY_FOREIGN_KEYS,
    SHOWN_PER_KIND,
    SYMMETRIC_RELATIONS,
    descriptor_problems,
    not_verbatim_message,
    unknown_key_message,
)
from scripts.validation.schemasql import DELETE_IT, SHOWN_CELL_CHARS, field_conditions
from scripts.validation.validate import checked, main, table_schema_problems, validate
from tests.agreement import judges_agree_with_filters
from tests.conftest import ROOT, archived_text, read_table
from tests.mutations import append_row, delete_row, edit_json, row_number, set_cells

Expected = tuple[str, int | None, str | None, str]  # path, row, column, message
Mutation = Callable[[Path], list[Expected]]  # breaks the package under root, returns every problem it causes


class Prefix(str):
    """An expected message of which only the start is fixed: the rest names the checks that read a
    resource, which the check registry words."""


def at(path: str, row: int | None, column: str | None, message: str) -> Expected:
    return path, row, column, message


def _order(problem: Expected) -> tuple[str, int, str, str]:
    path, row, column, message = problem
    return path, row or 0, column or "", message


def found(descriptor: Path, reference: bool = False) -> list[Expected]:
    """Every problem the validator reports, as (path, row, column, message), sorted."""
    return as_expected(validate(descriptor, reference))


def as_expected(problems: list[Problem]) -> list[Expected]:
    return sorted(((p.path, p.row, p.column, p.message) for p in problems), key=_order)


def assert_reports_exactly(descriptor: Path, expected: list[Expected], reference: bool = False) -> None:
    """The validator reports these problems, each once, and nothing else."""
    assert_exactly(found(descriptor, reference), expected)


def assert_exactly(reported: list[Expected], expected: list[Expected]) -> None:
    """`reported` (sorted) is these problems, each once, and nothing else."""
    assert len(reported) == len(expected), "\n".join(map(str, reported))
    for got, want in zip(reported, sorted(expected, key=_order), strict=True):
        if isinstance(want[3], Prefix):
            assert got[:3] == want[:3] and got[3].startswith(want[3]), (got, want)
        else:
            assert got == want, "\n".join(map(str, reported))


def problem_lines(descriptor: Path) -> list[str]:
    return [str(problem) for problem in validate(descriptor)]


# ----------------------------------------------------------------------------- rows of one article
def key_of(root: Path, table: str, source_id: str, text: str, column: str = "exact") -> str:
    """The key (first cell) of the one row of `table` from `source_id` whose `column` contains `text`."""
    rows = [r for r in read_table(table, root) if r["source_id"] == source_id and text in r[column]]
    rows = [r for r in rows if r[column] == text] or rows  # a row that is exactly the text, before those around it
    assert len(rows) == 1, f"{table}: {len(rows)} rows of {source_id} with {text!r} in {column}"
    return next(iter(rows[0].values()))


def row_of(root: Path, table: str, key: str) -> dict[str, str]:
    return next(r for r in read_table(table, root) if next(iter(r.values())) == key)


def text_path(root: Path, source_id: str) -> str:
    return row_of(root, "sources", source_id)["text_path"]


def in_text(root: Path, source_id: str, offset: int) -> tuple[str, int, str]:
    """(path, line, column) of a character of an archived text, as the coverage check locates it."""
    text = archived_text(source_id, root)
    line_start = text.rfind("\n", 0, offset) + 1
    return text_path(root, source_id), text.count("\n", 0, offset) + 1, str(offset - line_start + 1)


def uncovered(root: Path, source_id: str, kind: str, start: int, end: int) -> Expected:
    """The coverage check's problem for a quotation or number that no row accounts for."""
    table = "quotes.csv" if kind == "quotation" else "figures.csv"
    words = archived_text(source_id, root)[start:end]
    message = f"{kind} {quote(words)} at {start}..{end} is in neither {table} nor exclusions.csv"
    return at(*in_text(root, source_id, start), message)


def not_found(value: str, key: str, table: str, column: str) -> str:
    """A foreign key's message: the value, where it was looked for, and what to do."""
    return (
        f"foreign-key: {quote(value)} is not {key} in data/{table}.csv: add that row there first, or correct {column}"
    )


def deleted_quote_references(root: Path, quote_id: str) -> list[Expected]:
    """The foreign-key problems of the quote_claims rows that still name a deleted quote."""
    rows = read_table("quote_claims", root)
    message = not_found(quote_id, "a quote_id", "quotes", "quote_id")
    return [
        at("data/quote_claims.csv", i, "quote_id", message) for i, r in enumerate(rows, 2) if r["quote_id"] == quote_id
    ]


def spans(row: dict[str, str]) -> tuple[int, int]:
    return int(row["char_start"]), int(row["char_end"])


def not_verbatim(path: str, row: int, exact: str, text: str, start: int, end: int) -> Expected:
    return at(path, row, "exact", not_verbatim_message(exact, text, start, end))


REQUIRED = "constraint-error: required, but empty: fill it in, or delete the row"
ENTITIES, FIGURES = "schemas/entities.schema.json", "schemas/figures.schema.json"
INFERRED = "{} is inferred, so its EDTF date ends in ? (or ~ or %)"
PLAIN_REAL = "ASCII digits 0-9, an optional sign, '.' and exponent"
BEYOND = "{} is beyond ±10^15, the largest magnitude a number cell may have: check its digits and unit"
NEEDED_BY = "no resource {!r}, which the project's checks need"


# ----------------------------------------------------------------------------- descriptors
def _needed(resource: str) -> Expected:
    return at("datapackage.json", None, "resources", Prefix(NEEDED_BY.format(resource)))


def schema_key_typo(root: Path) -> list[Expected]:
    def typo(schema: dict) -> None:
        schema["fields"][5]["contraints"] = schema["fields"][5].pop("constraints")

    edit_json(root / "schemas/claims.schema.json", typo)
    # Said once, where it is: the keys that reference claims, and the checks that read it, do not
    # call the resource missing.
    return [
        at(
            "schemas/claims.schema.json",
            None,
            "fields.5.contraints",
            "unknown key: correct it to 'constraints', or delete it",
        )
    ]


def version_not_semver(root: Path) -> list[Expected]:
    edit_json(root / "datapackage.json", lambda d: d.update(version="1.0"))
    pattern = r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$"
    return [at("datapackage.json", None, "version", f"String should match pattern '{pattern}'")]


def unknown_package_key(root: Path) -> list[Expected]:
    edit_json(root / "datapackage.json", lambda d: d.update(licences=d["licenses"]))
    return [at("datapackage.json", None, "licences", "unknown key: correct it to 'licenses', or delete it")]


def _resource_index(root: Path, name: str) -> int:
    resources = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))["resources"]
    return next(i for i, r in enumerate(resources) if r["name"] == name)


def table_without_schema(root: Path) -> list[Expected]:
    index = _resource_index(root, "figures")
    edit_json(root / "datapackage.json", lambda d: d["resources"][index].pop("schema"))
    message = "a table resource needs a schema (only a JSON-LD file may have none)"
    return [at("datapackage.json", None, f"resources.{index}", message)]


def resource_path_missing(root: Path) -> list[Expected]:
    (root / "data/figures.csv").rename(root / "data/figure.csv")
    index = _resource_index(root, "figures")
    return [at("datapackage.json", None, f"resources.{index}.path", "no such file: 'data/figures.csv'")]


def foreign_key_names_missing_field(root: Path) -> list[Expected]:
    def rename(schema: dict) -> None:
        schema["foreignKeys"][0]["fields"] = ["claim"]

    edit_json(root / "schemas/figures.schema.json", rename)
    message = _missing_key_field("claim", "claim_id")
    return [at("schemas/figures.schema.json", None, "foreignKeys.0.fields", message)]


def _missing_key_field(field: str, near: str) -> str:
    return (
        f"names the field {field!r}, which the schema does not have: name one of its fields "
        f"(did you mean {near!r}?), or add {field!r} to its fields"
    )


def foreign_keys_empty(root: Path) -> list[Expected]:
    """The official v2 profile refuses an empty foreignKeys: a table without keys leaves the key out."""
    edit_json(root / "schemas/vocabulary.schema.json", lambda schema: schema.update(foreignKeys=[]))
    return [at("schemas/vocabulary.schema.json", None, "foreignKeys", EMPTY_FOREIGN_KEYS)]


def primary_key_names_missing_field(root: Path) -> list[Expected]:
    """One line at the key; the keys of other schemas that reference quotes do not call it missing."""
    edit_json(root / "schemas/quotes.schema.json", lambda schema: schema.update(primaryKey="quote_identifier"))
    return [at("schemas/quotes.schema.json", None, "primaryKey", _missing_key_field("quote_identifier", "quote_id"))]


# ----------------------------------------------------------------------------- evidence
def quote_exact_altered(root: Path) -> list[Expected]:
    key = key_of(root, "quotes", "article-000", "immediate boost")
    original = row_of(root, "quotes", key)
    altered = original["exact"].replace("boost", "Boost")
    row = set_cells(root, "quotes", key, exact=altered)
    return [not_verbatim("data/quotes.csv", row, altered, archived_text("article-000", root), *spans(original))]


def span_end_past_text(root: Path) -> list[Expected]:
    key = key_of(root, "claims", "article-001", "future risks to regional stability")
    length = len(archived_text("article-001", root))
    row = set_cells(root, "claims", key, char_end=str(length + 1))
    start = row_of(root, "claims", key)["char_start"]
    return [at("data/claims.csv", row, "char_end", f"span {start}..{length + 1} is outside 0..{length} or empty")]


def span_start_not_before_end(root: Path) -> list[Expected]:
    key = key_of(root, "figures", "article-000", "8,000")
    start, end = spans(row_of(root, "figures", key))
    row = set_cells(root, "figures", key, char_start=str(end))
    length = len(archived_text("article-000", root))
    return [
        at("data/figures.csv", row, "char_start", f"span {end}..{end} is outside 0..{length} or empty"),
        uncovered(root, "article-000", "number", start, end),  # no row accounts for the number any more
    ]


def span_in_source_without_text(root: Path) -> list[Expected]:
    key = key_of(root, "claims", "article-000", "already present in the temporarily occupied")
    other = next(s["source_id"] for s in read_table("sources", root) if not s["text_path"])
    row = set_cells(root, "claims", key, source_id=other)
    chains = [i for i, a in enumerate(read_table("attributions", root), 2) if a["claim_id"] == key]
    quotes = [(i, q["quote_id"]) for i, q in enumerate(read_table("quote_claims", root), 2) if q["claim_id"] == key]
    return [
        at("data/claims.csv", row, "source_id", f"source {quote(other)} has no archived text"),
        *[at("data/attributions.csv", i, "source_id", f"the claim is read in {other}") for i in chains],
        *[at("data/quote_claims.csv", i, "claim_id",
             f"the spans of quote {q} and claim {key} do not nest in one article") for i, q in quotes],
    ]  # fmt: skip


# ----------------------------------------------------------------------------- archive
def archived_text_changed(root: Path) -> list[Expected]:
    path = root / text_path(root, "article-001")
    path.write_bytes(path.read_bytes() + b"\n")
    recorded = row_of(root, "sources", "article-001")["text_sha256"]
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    message = f"is {quote(recorded)}, but {text_path(root, 'article-001')} hashes to {actual}"
    return [at("data/sources.csv", row_number(root, "sources", "article-001"), "text_sha256", message)]


def archived_text_missing(root: Path) -> list[Expected]:
    path = text_path(root, "article-000")
    (root / path).unlink()
    # Reported once, at sources.csv: not again at every span of the article.
    row = row_number(root, "sources", "article-000")
    return [at("data/sources.csv", row, "text_path", f"archived text not found: {quote(path)}")]


# ----------------------------------------------------------------------------- figures
def figure_value_differs_from_its_words(root: Path) -> list[Expected]:
    key = key_of(root, "figures", "article-000", "8,000")
    value = int(row_of(root, "figures", key)["value"])
    row = set_cells(root, "figures", key, value=str(value + 1000))
    return [at("data/figures.csv", row, "value", f"is '{value + 1000}', but exact says {value}")]


def figure_low_above_value(root: Path) -> list[Expected]:
    key = key_of(root, "figures", "article-001", "12,000")
    value = int(row_of(root, "figures", key)["value"])
    row = set_cells(root, "figures", key, value_low=str(value + 1000))
    return [at("data/figures.csv", row, "value_low", f"{value + 1000} is above value {value}")]


def figure_high_below_value(root: Path) -> list[Expected]:
    key = key_of(root, "figures", "article-001", "15,000")
    value = int(row_of(root, "figures", key)["value"])
    row = set_cells(root, "figures", key, value_high=str(value - 1000))
    return [at("data/figures.csv", row, "value_high", f"{value - 1000} is below value {value}")]


def figure_outside_its_claim(root: Path) -> list[Expected]:
    key = key_of(root, "figures", "article-000", "8,000")
    figure = row_of(root, "figures", key)
    start, end = int(figure["char_start"]), int(figure["char_end"])
    claim = next(  # the first claim of the article whose evidence does not hold the figure
        c["claim_id"]
        for c in read_table("claims", root)
        if c["source_id"] == figure["source_id"] and not int(c["char_start"]) <= start < end <= int(c["char_end"])
    )
    row = set_cells(root, "figures", key, claim_id=claim)
    return [at("data/figures.csv", row, "char_start", f"span lies outside the evidence span of claim {claim}")]


def value_for_a_number_in_words(root: Path) -> list[Expected]:
    key = key_of(root, "figures", "article-000", "thousands")
    row = set_cells(root, "figures", key, value="5000")
    return [
        at(
            "data/figures.csv",
            row,
            "value",
            "exact states no number in digits (a quantity in words): value stays empty",
        )
    ]


# ----------------------------------------------------------------------------- quotes
def quote_and_claim_do_not_nest(root: Path) -> list[Expected]:
    quote_id = key_of(root, "quotes", "article-000", "pushing Ukrainian troops out")
    claim = key_of(root, "claims", "article-000", "immediate boost")
    row = append_row(root, "quote_claims", {"quote_id": quote_id, "claim_id": claim})
    message = f"the spans of quote {quote_id} and claim {claim} do not nest in one article"
    return [at("data/quote_claims.csv", row, "claim_id", message)]


def quote_not_between_quotation_marks(root: Path) -> list[Expected]:
    key = key_of(root, "quotes", "article-001", "indisputable")
    original = row_of(root, "quotes", key)
    start, end = spans(original)
    row = set_cells(root, "quotes", key, char_start=str(start + 2), exact=original["exact"][2:])
    reads = archived_text("article-001", root)[start + 1 : end + 1]  # the character after it, as the check words it
    return [
        at("data/quotes.csv", row, "exact", f"not enclosed by quotation marks: the text reads {quote(reads)}"),
        uncovered(root, "article-001", "quotation", start, end),
    ]


def nested_quote_outside_its_parent(root: Path) -> list[Expected]:
    key = key_of(root, "quotes", "article-000", "cannon fodder.")
    parent = key_of(root, "quotes", "article-000", "Given this, it is likely")
    row = set_cells(root, "quotes", key, nested_in=parent)
    return [at("data/quotes.csv", row, "nested_in", f"quote lies outside quote {parent}")]


# ----------------------------------------------------------------------------- dates
def _date(root: Path, table: str, key: str, column: str, value: str) -> list[Expected]:
    """Sets an inferred date (whose EDTF mark the new value lacks) to a value that is not EDTF."""
    row = set_cells(root, table, key, **{column: value})
    return [
        at(f"data/{table}.csv", row, column, f"{quote(value)} is not a valid EDTF date"),
        at(f"data/{table}.csv", row, column, INFERRED.format(column)),
    ]


def _blinken_claim(root: Path) -> str:
    return key_of(root, "claims", "article-000", "have already been deployed to Russia")


def month_thirteen(root: Path) -> list[Expected]:
    return _date(root, "claims", _blinken_claim(root), "claimed_on", "2024-13-31")


def impossible_day(root: Path) -> list[Expected]:
    key = key_of(root, "quotes", "article-001", "North Korean military personnel management")
    return _date(root, "quotes", key, "said_on", "2024-02-30")


def stray_space_in_date(root: Path) -> list[Expected]:
    key = key_of(root, "figures", "article-000", "3,000")
    return _date(root, "figures", key, "as_of", "2024-10- 28")


def date_that_is_not_edtf(root: Path) -> list[Expected]:
    key = next(s["source_id"] for s in read_table("sources", root) if "published" in s["inferred"].split(","))
    return _date(root, "sources", key, "published", "October 31")


def date_in_other_digits(root: Path) -> list[Expected]:
    return _date(root, "claims", _blinken_claim(root), "claimed_on", "٢٠٢٤-١٠-٣١")  # Arabic-Indic digits


# ----------------------------------------------------------------------------- numbers every reader reads alike
def _troops(root: Path, source_id: str, words: str) -> str:
    return key_of(root, "figures", source_id, words)


def _claim_in_article_000(root: Path) -> str:
    return key_of(root, "claims", "article-000", "already present in the temporarily occupied")


def number_with_an_underscore(root: Path) -> list[Expected]:
    row = set_cells(root, "figures", _troops(root, "article-000", "8,000"), value="8_000")  # Python: 8000; sqlite3: 8
    message = f"'8_000' has an underscore, which readers take differently: write it in {PLAIN_REAL}, without '_'"
    return [at("data/figures.csv", row, "value", message)]


def integer_in_full_width_digits(root: Path) -> list[Expected]:
    row = set_cells(root, "claims", _claim_in_article_000(root), char_start="１２")
    message = "'１２' is written in digits other than ASCII 0-9: write it in ASCII digits 0-9 with an optional sign"
    return [at("data/claims.csv", row, "char_start", message)]


def number_in_arabic_indic_digits(root: Path) -> list[Expected]:
    row = set_cells(root, "figures", _troops(root, "article-001", "12,000"), value_low="٨٠٠٠")
    message = f"'٨٠٠٠' is written in digits other than ASCII 0-9: write it in {PLAIN_REAL}"
    return [at("data/figures.csv", row, "value_low", message)]


def _not_finite(root: Path, value: str) -> list[Expected]:
    row = set_cells(root, "figures", _troops(root, "article-001", "15,000"), value_high=value)
    message = f"{quote(value)} is not a finite number: write the number in {PLAIN_REAL}, or leave the cell empty"
    return [at("data/figures.csv", row, "value_high", message)]


def infinite_number(root: Path) -> list[Expected]:
    return _not_finite(root, "inf")


def number_that_is_not_a_number(root: Path) -> list[Expected]:
    return _not_finite(root, "nan")


def number_near_the_largest_double(root: Path) -> list[Expected]:
    row = set_cells(root, "figures", _troops(root, "article-001", "15,000"), value_high="1.7e308")
    return [at("data/figures.csv", row, "value_high", BEYOND.format("'1.7e308'"))]


def integer_beyond_10_to_the_15(root: Path) -> list[Expected]:
    key = _claim_in_article_000(root)
    start = row_of(root, "claims", key)["char_start"]
    row = set_cells(root, "claims", key, char_end="10000000000000000")
    length = len(archived_text("article-000", root))
    return [
        at("data/claims.csv", row, "char_end", BEYOND.format("'10000000000000000'")),
        at("data/claims.csv", row, "char_end", f"span {start}..10000000000000000 is outside 0..{length} or empty"),
    ]


# ----------------------------------------------------------------------------- entities
def alias_of_two_entities(root: Path) -> list[Expected]:
    row = set_cells(root, "entities", "vladimir-putin", aliases="Vladimir Putin,Putin,Zelensky")
    return [at("data/entities.csv", row, "aliases", "alias 'Zelensky' also belongs to volodymyr-zelenskyy")]


def speaker_not_named_in_article(root: Path) -> list[Expected]:
    key = key_of(root, "quotes", "article-000", "immediate boost")
    row = set_cells(root, "quotes", key, speaker_id="pat-ryder")
    return [at("data/quotes.csv", row, "speaker_id", "pat-ryder: neither its name nor an alias appears in article-000")]


def claimant_not_named_in_article(root: Path) -> list[Expected]:
    key = key_of(root, "claims", "article-001", "interoperability")
    original = row_of(root, "claims", key)["claimant_id"]
    row = set_cells(root, "claims", key, claimant_id="andrew-yeo")
    chain = next(i for i, a in enumerate(read_table("attributions", root), 2) if a["claim_id"] == key)
    return [
        at("data/claims.csv", row, "claimant_id", "andrew-yeo: neither its name nor an alias appears in article-001"),
        at("data/attributions.csv", chain, "entity_id",
           f"step 1 is the claimant andrew-yeo, who asserts (here {original}, asserts)"),
    ]  # fmt: skip


# ----------------------------------------------------------------------------- coverage
def _skipped(root: Path, table: str, source_id: str, words: str, kind: str) -> list[Expected]:
    key = key_of(root, table, source_id, words)
    span = spans(row_of(root, table, key))
    delete_row(root, table, key)
    gone = uncovered(root, source_id, kind, *span)
    return [gone, *(deleted_quote_references(root, key) if table == "quotes" else [])]


def quotation_skipped(root: Path) -> list[Expected]:
    return _skipped(root, "quotes", "article-000", "immediate boost", "quotation")


def nested_quotation_skipped(root: Path) -> list[Expected]:
    return _skipped(root, "quotes", "article-000", "cannon fodder.", "quotation")


def number_skipped(root: Path) -> list[Expected]:
    return _skipped(root, "figures", "article-001", "$2,000", "number")


def number_in_words_skipped(root: Path) -> list[Expected]:
    return _skipped(root, "figures", "article-000", "thousands", "number")


def exclusion_of_nothing(root: Path) -> list[Expected]:
    text = archived_text("article-000", root)
    start = text.index("\n", text.index("\n") + 1) + 1  # the start of the third line: no number, no quotation
    end = start + 1
    while text[end].isalpha():
        end += 1
    row = append_row(
        root, "exclusions",
        {"source_id": "article-000", "char_start": str(start), "char_end": str(end), "exact": text[start:end],
         "reason": "x"},
    )  # fmt: skip
    return [at("data/exclusions.csv", row, "char_start", "excludes no quotation or number that the scan finds")]


# ----------------------------------------------------------------------------- CSV hygiene
def _rewrite(root: Path, name: str, change: Callable[[bytes], bytes]) -> None:
    path = root / "data" / name
    path.write_bytes(change(path.read_bytes()))


def byte_order_mark(root: Path) -> list[Expected]:
    _rewrite(root, "claims.csv", lambda data: b"\xef\xbb\xbf" + data)
    return [at("data/claims.csv", 1, None, "starts with a byte order mark; save as UTF-8 without BOM")]


def crlf_line_endings(root: Path) -> list[Expected]:
    _rewrite(root, "entities.csv", lambda data: data.replace(b"\n", b"\r\n"))
    return [at("data/entities.csv", 1, None, "CR line ending; use LF only")]


def no_final_newline(root: Path) -> list[Expected]:
    _rewrite(root, "claim_links.csv", lambda data: data.rstrip(b"\n"))
    lines = (root / "data/claim_links.csv").read_bytes().count(b"\n") + 1
    return [at("data/claim_links.csv", lines, None, "no newline at the end of the file")]


def not_utf8(root: Path) -> list[Expected]:
    row = row_number(root, "figures", key_of(root, "figures", "article-000", "700,000"))
    _rewrite(root, "figures.csv", lambda data: data.replace(b"the latest reported", b"the latest r\xe9ported"))
    # Reported twice: once by the Table Schema reader (frictionless says the same, without a row) and
    # once, located, by the byte scan.
    return [
        at("data/figures.csv", None, None, "encoding-error: not UTF-8: byte 0xe9"),
        at("data/figures.csv", row, None, "not UTF-8: byte 0xe9 in the chunk at offset 0"),
    ]


def extra_empty_cell(root: Path) -> list[Expected]:
    """One comma too many at the end of a row: DuckDB's reader took the row as whole, Python's (and
    frictionless's) sees an extra, empty cell."""
    lines = (root / "data" / "claims.csv").read_bytes().split(b"\n")
    number, line = next((n, line) for n, line in enumerate(lines, start=1) if n > 1 and b'"' not in line and line)
    _rewrite(root, "claims.csv", lambda data: data.replace(line + b"\n", line + b",\n", 1))
    width = len(lines[0].split(b","))
    advice = "put a cell that holds a comma in double quotes, or delete the extra comma"
    return [at("data/claims.csv", number, None, f"extra-cell: {width + 1} cells, expected {width}: {advice}")]


def _fields(root: Path, table: str, change: Callable[[list[dict]], list[dict]]) -> None:
    edit_json(root / f"schemas/{table}.schema.json", lambda schema: schema.update(fields=change(schema["fields"])))


def schema_field_removed(root: Path) -> list[Expected]:
    """Once, at the header, naming the column the schema lacks; no row is blamed for its extra cell."""
    _fields(root, "claims", lambda fields: [f for f in fields if f["name"] != "notes"])
    message = (
        "incorrect-label: the header has column 'notes' that schemas/claims.schema.json does not define: "
        "add it to the schema's fields, or delete it from the CSV"
    )
    return [at("data/claims.csv", 1, None, message)]


def schema_fields_added(root: Path) -> list[Expected]:
    """Once, at the header, naming the fields the CSV lacks; no row is blamed for its missing cells."""
    _fields(
        root,
        "entities",
        lambda fields: [*fields, {"name": "born", "type": "string"}, {"name": "died", "type": "string"}],
    )
    message = (
        "incorrect-label: schemas/entities.schema.json defines 2 fields 'born, died' that the header lacks: "
        "add them to the CSV, or remove them from the schema"
    )
    return [at("data/entities.csv", 1, None, message)]


def cell_missing(root: Path) -> list[Expected]:
    """A row one cell short (a comma lost): that row alone, with what to do."""
    lines = (root / "data" / "entities.csv").read_bytes().split(b"\n")
    number, line = next((n, line) for n, line in enumerate(lines, start=1) if n > 1 and b'"' not in line and line)
    _rewrite(root, "entities.csv", lambda data: data.replace(line + b"\n", line.rsplit(b",", 1)[0] + b"\n", 1))
    header = lines[0].decode().split(",")
    advice = "give every column a cell, an empty one too (a comma each)"
    message = f"missing-cell: {len(header) - 1} cells, expected {len(header)}: {advice}"
    return [at("data/entities.csv", number, header[-1], message)]


def trailing_space(root: Path) -> list[Expected]:
    key = key_of(root, "claims", "article-000", "limited combat experience")
    row = set_cells(root, "claims", key, claim=row_of(root, "claims", key)["claim"] + " ")
    return [at("data/claims.csv", row, "claim", "leading or trailing white space")]


def not_nfc(root: Path) -> list[Expected]:
    row = set_cells(root, "entities", "park", notes="Cafe\u0301 owner")
    return [at("data/entities.csv", row, "notes", "not NFC-normalised Unicode")]


def control_character(root: Path) -> list[Expected]:
    row = set_cells(root, "sources", "csis-pardo", title="CSIS\x07 report")
    return [at("data/sources.csv", row, "title", "control character U+0007")]


def invisible_format_character(root: Path) -> list[Expected]:
    row = set_cells(root, "sources", "csis-pardo", title="CSIS \u202ereport")
    message = (
        "invisible format character U+202E RIGHT-TO-LEFT OVERRIDE: it reorders, hides or joins text unseen; delete it"
    )
    return [at("data/sources.csv", row, "title", message)]


def spreadsheet_formula(root: Path) -> list[Expected]:
    key = key_of(root, "claims", "article-000", "could have strategic", column="claim")
    row = set_cells(root, "claims", key, notes='=HYPERLINK("http://example.org","x")')
    return [at("data/claims.csv", row, "notes", "starts with '=': a spreadsheet would run it as a formula")]


def formula_with_at_sign(root: Path) -> list[Expected]:
    row = set_cells(root, "entities", "kbs", description="@SUM(1,2)")
    return [at("data/entities.csv", row, "description", "starts with '@': a spreadsheet would run it as a formula")]


def url_not_http(root: Path) -> list[Expected]:
    row = set_cells(root, "sources", "kyodo-interview-zelensky", url="javascript:alert(1)")
    return [at("data/sources.csv", row, "url", "URL scheme must be http or https")]


# ----------------------------------------------------------------------------- claim links
def _link(root: Path, values: dict[str, str]) -> int:
    return append_row(root, "claim_links", {"relation": "corroborates", "note": "test", **values})


def link_to_itself(root: Path) -> list[Expected]:
    claim = read_table("claims", root)[0]["claim_id"]
    row = _link(root, {"from_claim_id": claim, "to_claim_id": claim})
    return [at("data/claim_links.csv", row, "to_claim_id", "a claim cannot link to itself")]


def link_repeated_in_reverse(root: Path) -> list[Expected]:
    link = next(r for r in read_table("claim_links", root) if r["relation"] in SYMMETRIC_RELATIONS)
    row = _link(root, {"from_claim_id": link["to_claim_id"], "to_claim_id": link["from_claim_id"]})
    message = f"duplicate link between {link['to_claim_id']} and {link['from_claim_id']}"
    return [at("data/claim_links.csv", row, "to_claim_id", message)]


def link_to_missing_claim(root: Path) -> list[Expected]:
    row = _link(root, {"from_claim_id": "no-such-claim", "to_claim_id": read_table("claims", root)[0]["claim_id"]})
    # Once, by the schema's foreign key (the links check does not say it again).
    message = not_found("no-such-claim", "a claim_id", "claims", "from_claim_id")
    return [at("data/claim_links.csv", row, "from_claim_id", message)]


def link_from_an_empty_cell(root: Path) -> list[Expected]:
    row = _link(root, {"from_claim_id": "", "to_claim_id": read_table("claims", root)[0]["claim_id"]})
    return [at("data/claim_links.csv", row, "from_claim_id", REQUIRED)]


# ----------------------------------------------------------------------------- Table Schema rules
def _enum(root: Path, table: str, field: str, value: str, nearest: str) -> str:
    """The message of a value outside an enum: the value, the nearest allowed one, all of them, and
    where they are defined."""
    schema = json.loads((root / f"schemas/{table}.schema.json").read_text(encoding="utf-8"))
    values = next(f for f in schema["fields"] if f["name"] == field)["constraints"]["enum"]
    return (
        f"constraint-error: {quote(value)} is not one of the allowed values; did you mean {quote(nearest)}? "
        f"(allowed: {', '.join(values)}; defined in data/vocabulary.csv and the enum of schemas/{table}.schema.json)"
    )


def value_outside_enum(root: Path) -> list[Expected]:
    key = key_of(root, "claims", "article-000", "With thousands of North Korean troops now being deployed to Russia")
    row = set_cells(root, "claims", key, topic="troops")
    return [at("data/claims.csv", row, "topic", _enum(root, "claims", "topic", "troops", "troop_numbers"))]


def unknown_speaker(root: Path) -> list[Expected]:
    key = key_of(root, "quotes", "article-000", "majority of people do not support")
    row = set_cells(root, "quotes", key, speaker_id="zelensky")
    message = not_found("zelensky", "an entity_id", "entities", "speaker_id")
    return [at("data/quotes.csv", row, "speaker_id", message)]


def duplicate_primary_key(root: Path) -> list[Expected]:
    first = read_table("figures", root)[0]["figure_id"]
    key = read_table("figures", root)[1]["figure_id"]
    row = set_cells(root, "figures", key, figure_id=first)
    # figure_id is the primary key and, in its field, unique: one problem (frictionless reports both rules).
    message = f"primary-key: figure_id {quote(first)} is already the key of row 2: give this row a new id, {DELETE_IT}"
    return [at("data/figures.csv", row, "figure_id", message)]


def offset_not_an_integer(root: Path) -> list[Expected]:
    key = key_of(root, "claims", "article-000", "no combat clashes")
    row = set_cells(root, "claims", key, char_start="12a")
    return [at("data/claims.csv", row, "char_start", "type-error: '12a' is not a valid integer")]


def id_not_a_slug(root: Path) -> list[Expected]:
    row = set_cells(root, "entities", "kbs", entity_id="KBS")
    pattern = "^[a-z0-9][a-z0-9_-]*$"
    referencing = [
        at("data/sources.csv", i, "publisher_id", not_found("kbs", "an entity_id", "entities", "publisher_id"))
        for i, s in enumerate(read_table("sources", root), 2) if s["publisher_id"] == "kbs"
    ]  # fmt: skip
    message = f"constraint-error: 'KBS' does not match the pattern \"{pattern}\" of {ENTITIES}: rewrite it to match"
    return [at("data/entities.csv", row, "entity_id", message), *referencing]


def _constrain(root: Path, table: str, field: str, **constraints: object) -> None:
    def add(schema: dict) -> None:
        next(f for f in schema["fields"] if f["name"] == field).setdefault("constraints", {}).update(constraints)

    edit_json(root / f"schemas/{table}.schema.json", add)


def _numbers_where(root: Path, table: str, column: str, outside: Callable[[float], bool]) -> list[int]:
    return [i for i, r in enumerate(read_table(table, root), 2) if r[column] and outside(float(r[column]))]


def above_maximum(root: Path) -> list[Expected]:
    top = int(row_of(root, "figures", _troops(root, "article-001", "15,000"))["value"]) - 1
    _constrain(root, "figures", "value", maximum=top)
    rows = _numbers_where(root, "figures", "value", lambda v: v > top)
    return [at("data/figures.csv", i, "value", _bound(root, i, f"is above the maximum {top}")) for i in rows]


def _bound(root: Path, row: int, broken: str) -> str:
    value = read_table("figures", root)[row - 2]["value"]
    return f"constraint-error: {quote(value)} {broken} of {FIGURES}: check the number and its unit"


def at_exclusive_minimum(root: Path) -> list[Expected]:
    bottom = int(row_of(root, "figures", _troops(root, "article-001", "$2,000"))["value"])
    _constrain(root, "figures", "value", exclusiveMinimum=bottom)
    rows = _numbers_where(root, "figures", "value", lambda v: v <= bottom)
    broken = f"is not above the exclusive minimum {bottom}"
    return [at("data/figures.csv", i, "value", _bound(root, i, broken)) for i in rows]


def longer_than_max_length(root: Path) -> list[Expected]:
    _constrain(root, "entities", "name", maxLength=30)
    set_cells(root, "entities", "kbs", name="Korean Broadcasting System of the Republic of Korea")
    long_names = [(i, len(e["name"])) for i, e in enumerate(read_table("entities", root), 2) if len(e["name"]) > 30]
    message = "constraint-error: {} characters, more than the maxLength 30 of {}: shorten it"
    return [at("data/entities.csv", i, "name", message.format(length, ENTITIES)) for i, length in long_names]


def unique_key_repeated(root: Path) -> list[Expected]:
    edit_json(root / "schemas/quotes.schema.json", lambda s: s.update(uniqueKeys=[["source_id", "char_start"]]))
    first = row_of(root, "quotes", key_of(root, "quotes", "article-000", "immediate boost"))
    key = key_of(root, "quotes", "article-000", "majority of people do not support")
    moved = row_of(root, "quotes", key)
    row = set_cells(root, "quotes", key, char_start=first["char_start"])
    text = archived_text("article-000", root)
    repeated = (
        f"unique-error: source_id, char_start ('article-000', {quote(first['char_start'])}) is already in row "
        f"{row_number(root, 'quotes', first['quote_id'])}, and source_id, char_start are a unique key: change one, "
        f"{DELETE_IT}"
    )
    return [
        at("data/quotes.csv", row, "source_id,char_start", repeated),
        not_verbatim("data/quotes.csv", row, moved["exact"], text, int(first["char_start"]), int(moved["char_end"])),
        uncovered(root, "article-000", "quotation", *spans(moved)),
    ]


# ----------------------------------------------------------------------------- 0.2 model
def _chain_of_yeo(root: Path) -> str:
    return key_of(root, "attributions", "article-000", "said Andrew Yeo")


def chain_step_one_is_not_the_claimant(root: Path) -> list[Expected]:
    key = _chain_of_yeo(root)
    claimant = row_of(root, "claims", key)["claimant_id"]
    row = set_cells(root, "attributions", key, entity_id="park")
    message = f"step 1 is the claimant {claimant}, who asserts (here park, asserts)"
    return [at("data/attributions.csv", row, "entity_id", message)]


def chain_with_a_gap(root: Path) -> list[Expected]:
    row = set_cells(root, "attributions", _chain_of_yeo(root), step="2")
    return [
        at("data/attributions.csv", row, "step", "step 2 of a chain of 1: the steps run 1, 2, …"),
        at("data/attributions.csv", row, "role", "only step 1 asserts; later steps relay"),
    ]


def claim_without_a_chain(root: Path) -> list[Expected]:
    key = _chain_of_yeo(root)
    delete_row(root, "attributions", key)
    message = f"claim {key} is not its article's own: attributions.csv must give its chain"
    return [at("data/claims.csv", row_number(root, "claims", key), "claimant_id", message)]


def attribution_words_altered(root: Path) -> list[Expected]:
    key = _chain_of_yeo(root)
    row = set_cells(root, "attributions", key, exact="said Yeo")
    start, end = spans(row_of(root, "attributions", key))
    return [not_verbatim("data/attributions.csv", row, "said Yeo", archived_text("article-000", root), start, end)]


def inferred_names_no_column(root: Path) -> list[Expected]:
    key = key_of(root, "claims", "article-000", "With thousands of North Korean troops now being deployed to Russia")
    row = set_cells(root, "claims", key, inferred="claimed_at", notes="A column that does not exist, inferred.")
    return [at("data/claims.csv", row, "inferred", "'claimed_at' is not a column of claims")]


def inferred_date_without_its_mark(root: Path) -> list[Expected]:
    key = _blinken_claim(root)
    row = set_cells(root, "claims", key, claimed_on=row_of(root, "claims", key)["claimed_on"].rstrip("?~%"))
    return [at("data/claims.csv", row, "claimed_on", INFERRED.format("claimed_on"))]


def inference_without_a_note(root: Path) -> list[Expected]:
    key = _blinken_claim(root)
    inferred = row_of(root, "claims", key)["inferred"]
    row = set_cells(root, "claims", key, notes="")
    return [
        at("data/claims.csv", row, "notes", f"inferred lists '{inferred}', so the notes must say how it was inferred")
    ]


def controlled_value_without_definition(root: Path) -> list[Expected]:
    _rewrite(
        root,
        "vocabulary.csv",
        lambda data: b"\n".join(line for line in data.split(b"\n") if not line.startswith(b"claims,modality,denies,")),
    )
    message = "claims.modality value 'denies' has no definition in vocabulary.csv"
    return [at("schemas/claims.schema.json", None, "modality", message)]


def definition_of_no_value(root: Path) -> list[Expected]:
    row = append_row(
        root, "vocabulary", {"table": "claims", "column": "modality", "value": "doubts", "definition": "x"}
    )
    return [at("data/vocabulary.csv", row, "value", "defines 'claims.modality.doubts', which no Table Schema allows")]


def affiliation_with_a_person(root: Path) -> list[Expected]:
    key = key_of(root, "affiliations", "article-000", "Andrew Yeo, a senior fellow")
    row = set_cells(root, "affiliations", key, organization_id="park")
    return [at("data/affiliations.csv", row, "organization_id", "is a person: affiliations link to bodies")]


def utterance_of_two_speakers(root: Path) -> list[Expected]:
    key = key_of(root, "quotes", "article-000", "unclear whether Kim Jong Un would send")
    utterance = row_of(root, "quotes", key)["utterance_id"]
    set_cells(root, "quotes", key, speaker_id="park")
    message = f"the parts of utterance {utterance} must share speaker and article"
    parts = [i for i, q in enumerate(read_table("quotes", root), 2) if q["utterance_id"] == utterance]
    return [at("data/quotes.csv", i, "utterance_id", message) for i in parts]  # every part, the changed one too


def flag_words_altered(root: Path) -> list[Expected]:
    key = key_of(root, "flags", "article-000", "Anthony Blinken")
    row = set_cells(root, "flags", key, exact="Antony Blinken")
    start, end = spans(row_of(root, "flags", key))
    return [not_verbatim("data/flags.csv", row, "Antony Blinken", archived_text("article-000", root), start, end)]


def quantity_word_skipped(root: Path) -> list[Expected]:
    key = next(
        r["figure_id"] for r in read_table("figures", root)
        if r["source_id"] == "article-000" and r["exact"] == "some"
    )  # fmt: skip
    span = spans(row_of(root, "figures", key))
    delete_row(root, "figures", key)
    return [uncovered(root, "article-000", "number", *span)]


MUTATIONS: list[Mutation] = [
    schema_key_typo, version_not_semver, unknown_package_key, table_without_schema, resource_path_missing,
    foreign_key_names_missing_field, primary_key_names_missing_field, foreign_keys_empty,
    quote_exact_altered, span_end_past_text, span_start_not_before_end,
    span_in_source_without_text, archived_text_changed, archived_text_missing,
    figure_value_differs_from_its_words, figure_low_above_value, figure_high_below_value,
    figure_outside_its_claim, value_for_a_number_in_words, quote_and_claim_do_not_nest,
    quote_not_between_quotation_marks, nested_quote_outside_its_parent, month_thirteen, impossible_day,
    stray_space_in_date, date_that_is_not_edtf, date_in_other_digits, number_with_an_underscore,
    integer_in_full_width_digits, number_in_arabic_indic_digits, infinite_number, number_that_is_not_a_number,
    number_near_the_largest_double, integer_beyond_10_to_the_15, alias_of_two_entities, speaker_not_named_in_article,
    claimant_not_named_in_article, quotation_skipped, nested_quotation_skipped, number_skipped,
    number_in_words_skipped, exclusion_of_nothing, byte_order_mark, crlf_line_endings, no_final_newline,
    not_utf8, extra_empty_cell, cell_missing, schema_field_removed, schema_fields_added,
    trailing_space, not_nfc, control_character, invisible_format_character,
    spreadsheet_formula, formula_with_at_sign, url_not_http, link_to_itself, link_from_an_empty_cell,
    link_repeated_in_reverse, link_to_missing_claim, value_outside_enum,
    unknown_speaker, duplicate_primary_key, offset_not_an_integer, id_not_a_slug, above_maximum,
    at_exclusive_minimum, longer_than_max_length, unique_key_repeated, chain_step_one_is_not_the_claimant,
    chain_with_a_gap, claim_without_a_chain, attribution_words_altered, inferred_names_no_column,
    inferred_date_without_its_mark, inference_without_a_note, controlled_value_without_definition,
    definition_of_no_value,
    affiliation_with_a_person, utterance_of_two_speakers, flag_words_altered, quantity_word_skipped,
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.__name__)
def test_each_defect_is_reported_at_its_file_row_and_column(package_copy: Path, mutation: Mutation) -> None:
    expected = mutation(package_copy.parent)
    assert expected, "a mutation names at least the problem it causes"
    with checked(package_copy) as (problems, package, db):  # one validation for both questions
        assert_exactly(as_expected(problems), expected)
        if package is not None and db is not None:  # the content checks ran: their filters and judges agree
            judges_agree_with_filters(package, db)
    # A defect of a Table Schema rule is also compared with frictionless (below), unless it cannot see it.
    breaks_a_table_schema_rule = bool(rule_breaches([Problem(*problem) for problem in expected]))
    assert breaks_a_table_schema_rule == (mutation in [*TABLE_SCHEMA_MUTATIONS, *NOT_IN_FRICTIONLESS, *SAID_ONCE])


def test_a_problem_reported_twice_fails_the_exact_comparison(package_copy: Path) -> None:
    """The comparison counts problems: a duplicate is not hidden by a match on its first copy."""
    expected = figure_value_differs_from_its_words(package_copy.parent)
    with pytest.raises(AssertionError):
        assert_reports_exactly(package_copy, expected * 2)


def test_a_link_to_a_missing_claim_is_reported_by_the_links_check_when_no_foreign_key_does(
    package_copy: Path,
) -> None:
    root = package_copy.parent
    edit_json(root / "schemas/claim_links.schema.json", lambda s: s.pop("foreignKeys"))
    row = _link(root, {"from_claim_id": "no-such-claim", "to_claim_id": read_table("claims", root)[0]["claim_id"]})
    assert_reports_exactly(package_copy, [at("data/claim_links.csv", row, "from_claim_id", "no claim 'no-such-claim'")])


def test_the_real_package_passes_and_every_exclusion_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(ROOT / "datapackage.json")]) == 0
    assert capsys.readouterr().out == ""
    assert all(e["reason"].strip() for e in read_table("exclusions"))
    # article-001: "the most dangerous and difficult areas" is a superlative, not a quantity.
    (most,) = [e for e in read_table("exclusions") if e["source_id"] == "article-001" and e["exact"] == "most"]
    assert "superlative" in most["reason"]


def test_an_excluded_number_is_not_reported_as_skipped(package_copy: Path) -> None:
    root = package_copy.parent
    key = key_of(root, "figures", "article-001", "few")  # "every few months"
    start, end = spans(row_of(root, "figures", key))
    delete_row(root, "figures", key)
    assert_reports_exactly(package_copy, [uncovered(root, "article-001", "number", start, end)])
    append_row(
        root, "exclusions",
        {"source_id": "article-001", "char_start": str(start), "char_end": str(end), "exact": "few", "reason": "t"},
    )  # fmt: skip
    assert_reports_exactly(package_copy, [])


def test_a_text_reports_its_first_uncovered_spans_of_each_kind_and_counts_the_rest(package_copy: Path) -> None:
    root, path = package_copy.parent, "data/texts/article-000.txt"
    text = (root / path).read_text(encoding="utf-8") + "\n"
    numbers, quotations = SHOWN_PER_KIND + 7, SHOWN_PER_KIND + 3
    grown = text + "x 1\n" * numbers + '"q"\n' * quotations
    (root / path).write_text(grown, encoding="utf-8")
    set_cells(root, "sources", "article-000", text_sha256=hashlib.sha256(grown.encode()).hexdigest())
    first = text.count("\n") + 1  # the line of the first "x 1"

    def number(index: int) -> str:
        start = len(text) + 4 * index + 2
        where = f"{path}:{first + index}:3"
        return f"{where}: number '1' at {start}..{start + 1} is in neither figures.csv nor exclusions.csv"

    def quotation(index: int) -> str:
        start = len(text) + 4 * numbers + 4 * index + 1
        where = f"{path}:{first + numbers + index}:2"
        return f"{where}: quotation 'q' at {start}..{start + 1} is in neither quotes.csv nor exclusions.csv"

    expected = [number(i) for i in range(SHOWN_PER_KIND)] + [quotation(i) for i in range(SHOWN_PER_KIND)]
    expected += [
        f"{path}:{first + SHOWN_PER_KIND}:3: … and 7 more numbers in neither figures.csv nor exclusions.csv",
        f"{path}:{first + numbers + SHOWN_PER_KIND}:2: … and 3 more quotations in neither quotes.csv nor "
        "exclusions.csv",
    ]
    assert sorted(problem_lines(package_copy)) == sorted(expected)


def test_all_problems_are_reported_in_one_run(package_copy: Path) -> None:
    root = package_copy.parent
    expected = [*trailing_space(root), *number_skipped(root), *month_thirteen(root)]
    assert_reports_exactly(package_copy, expected)


def test_json_output_lists_the_same_problems(package_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    figure_value_differs_from_its_words(package_copy.parent)
    assert main([str(package_copy), "--json"]) == 1
    reported = json.loads(capsys.readouterr().out)
    assert reported == [p.as_dict() for p in validate(package_copy)]
    assert {"path": "data/figures.csv", "column": "value"}.items() <= reported[0].items()


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()
    }


def test_validation_never_writes_to_the_package(package_copy: Path) -> None:
    root = package_copy.parent
    quotation_skipped(root)
    before = _tree_digest(root)
    validate(package_copy)
    main([str(package_copy), "--json"])
    assert _tree_digest(root) == before


@pytest.mark.slow
def test_make_validate_checks_another_copy_and_exits_1(
    package_copy: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    expected = figure_value_differs_from_its_words(package_copy.parent)
    result = subprocess.run(
        ["make", "--no-print-directory", "validate", f"DATAPACKAGE={package_copy}",
         f"VALIDATION_CACHE={tmp_path_factory.mktemp('cache')}"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    lines = [line for line in result.stdout.splitlines() if line.startswith(("data/", "schemas/"))]  # not make's own
    coded = [re.fullmatch(r"(.*) \[([a-z0-9-]+)\]", line) for line in lines]  # each line ends with its code
    assert all(coded), result.stdout
    assert [m.group(1) for m in coded if m] == [str(Problem(*problem)) for problem in expected], result.stdout


def test_a_missing_descriptor_is_a_clear_error(tmp_path: Path) -> None:
    assert [str(p) for p in validate(tmp_path / "datapackage.json")] == [
        f"{tmp_path / 'datapackage.json'}:-:-: no such data package descriptor"
    ]


# The mutations that break a Table Schema rule, which frictionless (the reference) checks too. Every
# other mutation breaks a project rule that frictionless cannot see: the test above holds each to its
# exact problems.
TABLE_SCHEMA_MUTATIONS = [
    quotation_skipped, nested_quotation_skipped, not_utf8, link_to_missing_claim, link_from_an_empty_cell,
    value_outside_enum, unknown_speaker, duplicate_primary_key, offset_not_an_integer, id_not_a_slug,
    above_maximum, at_exclusive_minimum, longer_than_max_length, extra_empty_cell, cell_missing,
]  # fmt: skip
NOT_IN_FRICTIONLESS = [unique_key_repeated]  # a Table Schema v2 rule that frictionless 5 does not check
# A header other than the schema's fields: said once, where frictionless reports each label and every row.
SAID_ONCE = [schema_field_removed, schema_fields_added]
# The error types of frictionless that both engines report (their messages start with one).
TABLE_SCHEMA_CODES = {
    "type-error", "constraint-error", "foreign-key", "primary-key", "unique-error", "encoding-error",
    "missing-cell", "extra-cell", "incorrect-label", "missing-label", "extra-label", "duplicate-label", "blank-row",
}  # fmt: skip


def rule_breaches(problems: list[Problem]) -> set[tuple[str, int | None, str | None, str]]:
    """(path, row, column, rule) of each Table Schema problem: the engines word their messages apart."""
    coded = ((p, p.message.split(":", 1)[0]) for p in problems)
    return {(p.path, p.row, p.column, code) for p, code in coded if code in TABLE_SCHEMA_CODES}


def one_per_repeated_key(breaches: set[tuple[str, int | None, str | None, str]]) -> set:
    """frictionless reports a repeated primary key twice when its field is also unique (primary-key
    and unique-error); the set-based engine once, as primary-key."""
    keys = {breach[:3] for breach in breaches if breach[3] == "primary-key"}
    return {breach for breach in breaches if not (breach[3] == "unique-error" and breach[:3] in keys)}


@pytest.mark.slow
@pytest.mark.parametrize("mutation", TABLE_SCHEMA_MUTATIONS, ids=lambda m: m.__name__)
def test_set_based_checks_flag_the_same_cells_as_frictionless(package_copy: Path, mutation: Mutation) -> None:
    mutation(package_copy.parent)
    package = DataPackage(package_copy)
    assert not list(descriptor_problems(package))
    reference = one_per_repeated_key(rule_breaches(table_schema_problems(package, reference=True)))
    assert reference, "frictionless sees this defect"
    assert rule_breaches(table_schema_problems(package)) == reference


@pytest.mark.parametrize("mutation", NOT_IN_FRICTIONLESS, ids=lambda m: m.__name__)
def test_a_rule_frictionless_does_not_check_is_checked_by_the_set_based_engine(
    package_copy: Path, mutation: Mutation
) -> None:
    expected = mutation(package_copy.parent)
    package = DataPackage(package_copy)
    assert rule_breaches(table_schema_problems(package, reference=True)) == set(), "frictionless checks it now"
    assert rule_breaches(table_schema_problems(package)) == rule_breaches([Problem(*p) for p in expected]) != set()


# Table Schema reads a number as Python's int() and float() do, and so frictionless takes `8_000`,
# other scripts' digits, `inf`, `nan` and 1e308 (the differential test above holds the set-based
# engine's type rule to the same). The sqlite3 command line, SQLite and DuckDB each read them otherwise,
# so the project's own check refuses them, in both modes.
TAKEN_BY_TABLE_SCHEMA = [
    number_with_an_underscore, integer_in_full_width_digits, number_in_arabic_indic_digits, infinite_number,
    number_that_is_not_a_number, number_near_the_largest_double,
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("mutation", TAKEN_BY_TABLE_SCHEMA, ids=lambda m: m.__name__)
def test_numbers_that_frictionless_takes_are_refused_by_the_project_check_in_both_modes(
    package_copy: Path, mutation: Mutation
) -> None:
    expected = mutation(package_copy.parent)
    reference = table_schema_problems(DataPackage(package_copy), reference=True)
    assert [p for p in reference if (p.path, p.row) == expected[0][:2]] == [], "frictionless now refuses it"
    for mode in (False, True):
        assert_reports_exactly(package_copy, expected, reference=mode)


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [("type", "date", "type 'date'"), ("format", "email", "format 'email'"), ("trueValues", ["yes"], "'trueValues'")],
)
def test_a_rule_the_set_based_engine_does_not_check_is_reported_not_skipped(
    package_copy: Path, key: str, value: object, rule: str
) -> None:
    edit_json(package_copy.parent / "schemas/claims.schema.json", lambda s: s["fields"][7].update({key: value}))
    message = f"{rule} is not checked by the set-based validator; run `make validate REFERENCE=1` (frictionless)"
    assert_reports_exactly(package_copy, [at("schemas/claims.schema.json", None, f"fields.7.{key}", message)])


def test_the_help_describes_our_own_engine_not_frictionless(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    description = " ".join(capsys.readouterr().out.split("positional arguments")[0].split())
    assert "the project's own engine" in description and "codebook's checks" in description
    assert "frictionless" not in description


KINDS = ["statement", "fragment", "scare", "reported"]


@pytest.mark.parametrize(
    ("cell", "guess"),
    [("statment", "; did you mean 'statement'?"), ("SCARE", "; did you mean 'scare'?"), ("xyzzy", "")],
)
def test_a_value_outside_an_enum_is_shown_with_the_nearest_allowed_value_and_where_values_are_defined(
    cell: str, guess: str
) -> None:
    field = {"name": "kind", "type": "string", "constraints": {"enum": KINDS}}
    [(_, message)] = field_conditions(field, "schemas/quotes.schema.json", "data/vocabulary.csv")
    assert message(cell) == (
        f"constraint-error: {quote(cell)} is not one of the allowed values{guess} (allowed: {', '.join(KINDS)}; "
        "defined in data/vocabulary.csv and the enum of schemas/quotes.schema.json)"
    )


def test_a_constraint_message_quotes_no_more_of_a_long_cell_than_needed() -> None:
    field = {"name": "kind", "type": "string", "constraints": {"enum": KINDS, "pattern": "^[a-z]+$"}}
    cell = "statement " * 100
    for _, message in field_conditions(field, "schemas/quotes.schema.json", "data/vocabulary.csv"):
        shown = message(cell)
        assert quote(cell, SHOWN_CELL_CHARS) in shown and len(shown) < len(cell) / 2


FIX_SPAN = "run `make spans` to recompute the offsets from `exact`, or correct `exact`"


@pytest.mark.parametrize(
    ("exact", "start", "end", "where"),
    [
        # one letter changed: the offset of that letter, and the words around it in both
        ("an immediate Boost", 23, 41, "from offset 36 (character 14 of exact), exact reads 'an immediate Boost' "
                                       "where the text reads '…omised an immediate boost to their pay, …'"),
        # offsets one too far: they part at the first character
        ("an immediate boost", 24, 42, "from offset 24 (character 1 of exact), exact reads 'an immediate boost' "
                                       "where the text reads '…iers were promised an immediate boost to…'"),
        # exact longer than its span: they part where the span ends
        ("an immediate boost", 23, 35, "from offset 35 (character 13 of exact), exact reads 'an immediate boost' "
                                       "where the text reads '…romised an immediate boost to their pay,…'"),
    ],
)  # fmt: skip
def test_a_span_that_is_not_verbatim_is_shown_where_it_first_differs_and_how_to_fix_it(
    exact: str, start: int, end: int, where: str
) -> None:
    text = "Soldiers were promised an immediate boost to their pay, officials said."
    assert (
        not_verbatim_message(exact, text, start, end) == f"exact is not the text at {start}..{end}: {where}; {FIX_SPAN}"
    )


@pytest.mark.parametrize(
    ("location", "advice"),
    [
        (("resources", 3, "mediaType"), "correct it to 'mediatype', or delete it"),
        (("fields", 2, "constraints", "enums"), "correct it to 'enum', or delete it"),
        (("xyzzy",), "delete it, or correct its spelling"),
    ],
)
def test_anunknown_key_message_names_the_key_it_was_likely_meant_to_be(location: tuple, advice: str) -> None:
    model = spec.TableSchema if location[0] == "fields" else spec.Package
    assert unknown_key_message(model, location) == f"unknown key: {advice}"


def test_the_sql_class_of_invisible_characters_holds_exactly_the_characters_is_invisible_names() -> None:
    """The SQL filter's character class and the Python judge agree on every code point past ASCII."""
    ranges = re.findall(r"\\x\{([0-9A-F]+)\}(?:-\\x\{([0-9A-F]+)\})?", checks.format_characters())
    in_class = {code for first, last in ranges for code in range(int(first, 16), int(last or first, 16) + 1)}
    named = {code for code in range(0x80, sys.maxunicode + 1) if checks.is_invisible(chr(code))}
    assert in_class == named
