"""The project's own checks, beyond Table Schema: each yields Problems and never writes.

Checks trust nothing: a cell that frictionless reports as mistyped, or a reference it reports as
missing, is skipped here instead of being reported twice."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse

from pydantic import ValidationError

from scripts import spec, textscan
from scripts.edtf_check import is_edtf
from scripts.package import EDTF_RDF_TYPE, SPAN_COLUMNS, DataPackage, Problem, Table, as_float, as_int

NUMBER_CELL = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
SYMMETRIC_RELATIONS = {"corroborates", "contradicts"}


# --------------------------------------------------------------------------- descriptors
def descriptor_problems(package: DataPackage) -> Iterator[Problem]:
    """The descriptor and every Table Schema against the spec models; every path exists."""
    name = package.relative(package.descriptor_path)
    yield from _model_problems(spec.Package, package.descriptor, name)
    for index, resource in enumerate(package.descriptor.get("resources", [])):
        if not isinstance(resource, dict):
            continue
        for key in ("path", "schema"):
            ref = resource.get(key)
            if isinstance(ref, str) and not (package.root / ref).is_file():
                yield Problem(name, None, f"resources.{index}.{key}", f"no such file: {ref}")
        schema_ref = resource.get("schema")
        if isinstance(schema_ref, str) and (package.root / schema_ref).is_file():
            try:
                schema = _read_json(package.root / schema_ref)
            except ValueError as error:
                yield Problem(schema_ref, None, None, f"not valid JSON: {error}")
                continue
            yield from _model_problems(spec.TableSchema, schema, schema_ref)


def _read_json(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))


def _model_problems(model: type[spec.Strict], data: object, path: str) -> Iterator[Problem]:
    try:
        model.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            location = ".".join(str(part) for part in item["loc"]) or None
            message = "unknown key" if item["type"] == "extra_forbidden" else item["msg"]
            yield Problem(path, None, location, message)


# --------------------------------------------------------------------------- content
def content_problems(package: DataPackage) -> Iterator[Problem]:
    for check in CONTENT_CHECKS:
        yield from check(package)


def archive_problems(package: DataPackage) -> Iterator[Problem]:
    """Each archived text exists and its SHA-256 is the one recorded in sources.csv."""
    sources = package.tables["sources"]
    for row_number, row in sources.records:
        path, recorded = row.get("text_path", ""), row.get("text_sha256", "")
        if not path:
            if recorded:
                yield Problem(sources.path, row_number, "text_sha256", "a hash is recorded but no text_path")
            continue
        file = package.root / path
        if not file.is_file():
            yield Problem(sources.path, row_number, "text_path", f"archived text not found: {path}")
            continue
        data = file.read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != recorded:
            yield Problem(sources.path, row_number, "text_sha256", f"is {recorded!r}, but {path} hashes to {actual}")
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as error:
            yield Problem(path, None, None, f"not UTF-8: {error}")


def span_tables(package: DataPackage) -> Iterator[Table]:
    return (t for t in package.tables.values() if {"source_id", *SPAN_COLUMNS} <= set(t.field_names))


def evidence_problems(package: DataPackage) -> Iterator[Problem]:
    """Every span is verbatim: 0 <= char_start < char_end <= len(text) and text[start:end] == exact."""
    for table in span_tables(package):
        for row_number, row in table.records:
            yield from _span_problems(package, table, row_number, row)


def _span_problems(package: DataPackage, table: Table, row_number: int, row: dict[str, str]) -> Iterator[Problem]:
    start, end = as_int(row.get("char_start", "")), as_int(row.get("char_end", ""))
    if start is None or end is None:
        return  # a type error that frictionless reports
    text = package.text_of(row.get("source_id", ""))
    if text is None:
        yield Problem(table.path, row_number, "source_id", f"source {row.get('source_id')!r} has no archived text")
        return
    if not 0 <= start < end <= len(text):
        column = "char_start" if not 0 <= start < end else "char_end"
        yield Problem(table.path, row_number, column, f"span {start}..{end} is outside 0..{len(text)} or empty")
        return
    if text[start:end] != row.get("exact", ""):
        yield Problem(
            table.path,
            row_number,
            "exact",
            f"{row.get('exact')!r} is not the text at {start}..{end}, which reads {text[start:end]!r}",
        )


def _by_id(table: Table, key: str) -> dict[str, dict[str, str]]:
    return {row[key]: row for _, row in table.records if row.get(key)}


def _inside(inner: dict[str, str], outer: dict[str, str]) -> bool:
    start, end = as_int(inner.get("char_start", "")), as_int(inner.get("char_end", ""))
    outer_start, outer_end = as_int(outer.get("char_start", "")), as_int(outer.get("char_end", ""))
    if None in (start, end, outer_start, outer_end):
        return True  # a type error that frictionless reports
    return inner.get("source_id") == outer.get("source_id") and outer_start <= start and end <= outer_end  # type: ignore[operator]


def _outside_claim(
    table: Table, row_number: int, row: dict[str, str], claims: dict[str, dict[str, str]]
) -> Iterator[Problem]:
    """A figure's or quote's span must lie inside the evidence span of the claim it belongs to."""
    claim = claims.get(row.get("claim_id", ""))
    if claim and not _inside(row, claim):
        message = f"span lies outside the evidence span of claim {claim['claim_id']}"
        yield Problem(table.path, row_number, "char_start", message)


def figure_problems(package: DataPackage) -> Iterator[Problem]:
    """value is the number written in exact; low <= value <= high; the span lies in its claim's."""
    figures, claims = package.tables["figures"], _by_id(package.tables["claims"], "claim_id")
    for row_number, row in figures.records:
        value, qualifier = as_float(row.get("value", "")), row.get("qualifier")
        written = textscan.number_value(row.get("exact", ""))
        if qualifier != "vague":
            if written is None:
                yield Problem(figures.path, row_number, "exact", "states no number in digits; use qualifier vague")
            elif value != written:
                yield Problem(figures.path, row_number, "value", f"is {row.get('value')!r}, but exact says {written:g}")
        low, high = as_float(row.get("value_low", "")), as_float(row.get("value_high", ""))
        if value is not None and low is not None and low > value:
            yield Problem(figures.path, row_number, "value_low", f"{low:g} is above value {value:g}")
        if value is not None and high is not None and high < value:
            yield Problem(figures.path, row_number, "value_high", f"{high:g} is below value {value:g}")
        if low is not None and high is not None and low > high:
            yield Problem(figures.path, row_number, "value_low", f"{low:g} is above value_high {high:g}")
        yield from _outside_claim(figures, row_number, row, claims)


def quote_problems(package: DataPackage) -> Iterator[Problem]:
    """A quote lies inside its claim's span (and its parent quote's) and between quotation marks."""
    quotes = package.tables["quotes"]
    claims, parents = _by_id(package.tables["claims"], "claim_id"), _by_id(quotes, "quote_id")
    for row_number, row in quotes.records:
        yield from _outside_claim(quotes, row_number, row, claims)
        parent = parents.get(row.get("nested_in", ""))
        if parent and not _inside(row, parent):
            yield Problem(quotes.path, row_number, "nested_in", f"quote lies outside quote {parent['quote_id']}")
        text = package.text_of(row.get("source_id", ""))
        start, end = as_int(row.get("char_start", "")), as_int(row.get("char_end", ""))
        if text is None or start is None or end is None or not 0 < start < end < len(text):
            continue
        if text[start - 1] not in textscan.OPENING_MARKS or text[end] not in textscan.CLOSING_MARKS:
            yield Problem(
                quotes.path,
                row_number,
                "exact",
                f"not enclosed by quotation marks: the text reads {text[start - 1 : end + 1]!r}",
            )


def date_problems(package: DataPackage) -> Iterator[Problem]:
    """Every EDTF column (rdfType EDTF) parses strictly: no stray spaces, real months and days."""
    for table in package.tables.values():
        columns = [f["name"] for f in table.fields if f.get("rdfType") == EDTF_RDF_TYPE]
        for row_number, row in table.records:
            for column in columns:
                cell = row.get(column, "")
                if cell and not is_edtf(cell):
                    yield Problem(table.path, row_number, column, f"{cell!r} is not a valid EDTF date")


def entity_problems(package: DataPackage) -> Iterator[Problem]:
    """No alias belongs to two entities; every speaker and claimant is named in the article."""
    entities = package.tables["entities"]
    owner: dict[str, str] = {}
    by_id: dict[str, list[str]] = {}
    for row_number, row in entities.records:
        aliases = [a for a in row.get("aliases", "").split(",") if a]
        by_id[row.get("entity_id", "")] = [row.get("name", ""), *aliases]
        for alias in aliases:
            key = alias.casefold()
            if key in owner and owner[key] != row.get("entity_id"):
                yield Problem(entities.path, row_number, "aliases", f"alias {alias!r} also belongs to {owner[key]}")
            owner.setdefault(key, row.get("entity_id", ""))
    publishers = {r["source_id"]: r.get("publisher_id", "") for _, r in package.tables["sources"].records}
    for table, column in (("claims", "claimant_id"), ("quotes", "speaker_id")):
        yield from _names_resolve(package, package.tables[table], column, by_id, publishers)


def _names_resolve(
    package: DataPackage, table: Table, column: str, by_id: dict[str, list[str]], publishers: dict[str, str]
) -> Iterator[Problem]:
    for row_number, row in table.records:
        entity_id, source_id = row.get(column, ""), row.get("source_id", "")
        names = by_id.get(entity_id)
        text = package.text_of(source_id)
        if names is None or text is None or publishers.get(source_id) == entity_id:
            continue  # a missing entity is a foreign-key error; an article's own voice needs no name
        if not any(name and name in text for name in names):
            yield Problem(
                table.path,
                row_number,
                column,
                f"{entity_id}: neither its name nor an alias appears in {source_id}",
            )


def coverage_problems(package: DataPackage) -> Iterator[Problem]:
    """Every quotation and number in every archived text is a quotes or figures row, or excluded."""
    covered: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for name in ("quotes", "figures", "exclusions"):
        for _, row in package.tables[name].records:
            start, end = as_int(row.get("char_start", "")), as_int(row.get("char_end", ""))
            if start is not None and end is not None:
                covered[row.get("source_id", "")].append((start, end, name))
    sources = {r["source_id"]: r.get("text_path", "") for _, r in package.tables["sources"].records}
    found: set[tuple[str, int, int]] = set()
    for source_id, text in package.archived_texts.items():
        for span in [*textscan.quotations(text), *textscan.numbers(text)]:
            found.add((source_id, span.start, span.end))
            if not _is_covered(span, covered[source_id]):
                line, column = textscan.line_and_column(text, span.start)
                table = "figures" if span.what == "number" else "quotes"
                where = f"{span.what} {span.exact!r} at {span.start}..{span.end}"
                message = f"{where} is in neither {table}.csv nor exclusions.csv"
                yield Problem(sources[source_id], line, str(column), message)
    exclusions = package.tables["exclusions"]
    for row_number, row in exclusions.records:
        key = (row.get("source_id", ""), as_int(row.get("char_start", "")), as_int(row.get("char_end", "")))
        if key not in found:
            yield Problem(
                exclusions.path,
                row_number,
                "char_start",
                "excludes no quotation or number that the scan finds",
            )


def _is_covered(span: textscan.Span, rows: list[tuple[int, int, str]]) -> bool:
    if span.what == "number":  # a figure's span covers the number's token
        return any(s <= span.start and span.end <= e for s, e, name in rows if name != "quotes")
    return any((s, e) == (span.start, span.end) for s, e, name in rows if name != "figures")


def hygiene_problems(package: DataPackage) -> Iterator[Problem]:
    """CSV files that open safely anywhere: encoding, line endings, cells, formulas, URLs."""
    for table in package.tables.values():
        if table.file.is_file():
            yield from _file_problems(table)
            yield from _cell_problems(table)


def _file_problems(table: Table) -> Iterator[Problem]:
    data = table.file.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        yield Problem(table.path, 1, None, "starts with a byte order mark; save as UTF-8 without BOM")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        yield Problem(table.path, line, None, f"not UTF-8: byte {data[error.start]:#x} at offset {error.start}")
    if b"\r" in data:
        yield Problem(table.path, data.count(b"\n", 0, data.index(b"\r")) + 1, None, "CR line ending; use LF only")
    if data and not data.endswith(b"\n"):
        yield Problem(table.path, data.count(b"\n") + 1, None, "no newline at the end of the file")


def _cell_problems(table: Table) -> Iterator[Problem]:
    uri_columns = {f["name"] for f in table.fields if f.get("format") == "uri"}
    for row_number, row in table.records:
        for column, cell in row.items():
            for message in _cell_defects(cell, column in uri_columns):
                yield Problem(table.path, row_number, column, message)


def _cell_defects(cell: str, is_uri: bool) -> Iterator[str]:
    if cell != cell.strip():
        yield "leading or trailing white space"
    if unicodedata.normalize("NFC", cell) != cell:
        yield "not NFC-normalised Unicode"
    control = next((c for c in cell if unicodedata.category(c) == "Cc"), None)
    if control is not None:
        yield f"control character U+{ord(control):04X}"
    if cell[:1] in ("=", "+", "-", "@") and not NUMBER_CELL.match(cell):
        yield f"starts with {cell[0]!r}: a spreadsheet would run it as a formula"
    if is_uri and cell and urlparse(cell).scheme not in ("http", "https"):
        yield f"URL scheme must be http or https: {cell!r}"


def link_problems(package: DataPackage) -> Iterator[Problem]:
    """Both ends of a link exist; no claim links to itself; no link is given twice."""
    links, claims = package.tables["claim_links"], _by_id(package.tables["claims"], "claim_id")
    seen: Counter[tuple[str, str]] = Counter()
    for row_number, row in links.records:
        start, end, relation = (
            row.get("from_claim_id", ""),
            row.get("to_claim_id", ""),
            row.get("relation", ""),
        )
        for column, claim_id in (("from_claim_id", start), ("to_claim_id", end)):
            if claim_id not in claims:
                yield Problem(links.path, row_number, column, f"no claim {claim_id!r}")
        if start == end:
            yield Problem(links.path, row_number, "to_claim_id", "a claim cannot link to itself")
        pairs = [(start, end)] + ([(end, start)] if relation in SYMMETRIC_RELATIONS else [])
        if any(seen[pair] for pair in pairs):
            yield Problem(links.path, row_number, "to_claim_id", f"duplicate link between {start} and {end}")
        seen[(start, end)] += 1


CONTENT_CHECKS: list[Callable[[DataPackage], Iterator[Problem]]] = [
    hygiene_problems,
    archive_problems,
    evidence_problems,
    figure_problems,
    quote_problems,
    date_problems,
    entity_problems,
    coverage_problems,
    link_problems,
]
