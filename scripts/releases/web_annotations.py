"""Every claim, quote and figure as a W3C Web Annotation (JSON-LD), for annotation tools and graphs.

One AnnotationCollection holds an Annotation per row. Its target is the archived source text, with
a TextQuoteSelector (the exact words, with up to 32 characters of context either side) and a
TextPositionSelector (the row's character offsets, in Unicode code points as the Web Annotation
model counts them). Its body is a schema.org Claim (claims and figures) or Quotation (quotes), with
who asserts or speaks it.

Every `id` is an absolute IRI, as the Web Annotation model requires (a relative one fails W3C's
"id is a URI" test). Each is built from the row's table and key, in one layout with two roots:

    what                      with [urls] base set (publication.toml)        without
    the collection            <base>/nk-russia-claims/annotations             urn:nk-russia-claims:annotations
    its page                  <base>/nk-russia-claims/annotations/page-1      urn:nk-russia-claims:annotations:page-1
    a row's annotation        <base>/nk-russia-claims/annotations/claims/K    urn:nk-russia-claims:annotations:claims:K
    a row (body, agent)       <base>/nk-russia-claims/claims/K                urn:nk-russia-claims:claims:K
    a source's archived text  <base>/nk-russia-claims/texts/S                 urn:nk-russia-claims:texts:S

Under the base, rows and texts are their pages on the site (scripts.package.site: /<database>/<table>/<key>,
the archived texts in its `texts` table); the urn's namespace is the package's name (characters a
URN namespace cannot hold, `.` and `_`, as `-`). It is not registered with IANA: the urns name
things, they do not resolve. The file invents no web address: without a base, no http IRI appears.

The ids carry no version, on purpose. An id names the same row in every release, as the row's key
does: the versioning policy (README) makes a changed key a MAJOR change, and so a changed
annotation id; a PATCH correction is the same annotation modified, which annotation stores update
in place instead of holding one copy per release. What a citation pins is the release (its version
and DOI, stated in the collection's label and the descriptor), not each id. Setting or changing
the base changes every id, and is therefore MAJOR too.

The file's context is the Web Annotation context, http://www.w3.org/ns/anno.jsonld. Processors
online fetch it; offline, `contexts/anno-terms.jsonld` (written for this project, not a copy)
defines the terms used here as that context does (same IRIs, no coercion it lacks), so that the
file expands with no network (see `expand_offline`) to the same graph.

At a million claims the file holds about two million annotations (some 2 GB): `write_jsonld` writes
it to disk one annotation at a time, the rows streamed from the validation's staging database, in
exactly the bytes that `jsonld_bytes` (the whole document in memory, the reference) gives."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from json.encoder import encode_basestring  # json's own (C) quoting of a string, ensure_ascii=False
from pathlib import Path
from typing import IO, Any, NamedTuple
from urllib.parse import quote

from scripts.package.publication import read_urls
from scripts.package.read import DataPackage
from scripts.package.site import DATABASE, TEXTS_TABLE
from scripts.sql import identifier
from scripts.validation.staging import ROW

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
CONTEXT_FILE = Path(__file__).parent / "contexts" / "anno-terms.jsonld"
RELEASE_PATH = "annotations.jsonld"
CONTEXT_RELEASE_PATH = "contexts/anno-terms.jsonld"
MEDIATYPE = "application/ld+json"
AFFIX = 32  # characters of context either side of the exact words


ANNOTATIONS = "annotations"


UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")  # what quote(…, safe="") leaves as it is


def _segment(segment: str) -> str:
    """One segment of an IRI, percent-encoded; the common plain key without calling quote (which
    takes most of the time of two million annotations' ids)."""
    plain = (segment.isascii() and segment.isalnum()) or UNRESERVED.fullmatch(segment)
    return segment if plain else quote(segment, safe="")


class Iris(NamedTuple):
    """The absolute IRIs of one package's annotations: under `root`, segments joined by `separator`."""

    root: str  # "https://…/nk-russia-claims/" or "urn:nk-russia-claims:"
    separator: str  # "/" or ":"

    def of(self, *segments: str) -> str:
        return self.root + self.separator.join(map(_segment, segments))

    def row(self, table: str, key: str) -> str:
        return self.of(table, key)

    def annotation(self, table: str, key: str) -> str:
        return self.of(ANNOTATIONS, table, key)

    def text(self, source_id: str) -> str:
        return self.of(TEXTS_TABLE, source_id)


def iris(package_name: str, base: str = "") -> Iris:
    """Under the configured base URL (the site) when there is one, else urn: IRIs of the package's name."""
    if base:
        return Iris(f"{base.rstrip('/')}/{DATABASE}/", "/")
    return Iris(f"urn:{re.sub(r'[^A-Za-z0-9-]', '-', package_name)}:", ":")


def package_iris(package: DataPackage) -> Iris:
    """The IRIs of `package`, under the base URL its publication.toml configures (if any)."""
    return iris(package.descriptor["name"], read_urls(package.root).base)


def target(text_iri: str, text: str, start: int, end: int) -> dict[str, Any]:
    return {
        "type": "SpecificResource",
        "source": {"id": text_iri, "type": "Text", "format": "text/plain"},
        "selector": [
            {
                "type": "TextQuoteSelector",
                "exact": text[start:end],
                "prefix": text[max(0, start - AFFIX) : start],
                "suffix": text[end : end + AFFIX],
            },
            {"type": "TextPositionSelector", "start": start, "end": end},
        ],
    }


def _agent(ids: Iris, entities: dict[str, dict[str, str]], entity_id: str) -> dict[str, Any]:
    entity = entities.get(entity_id, {})
    kind = "schema:Person" if entity.get("kind") == "person" else "schema:Organization"
    return {"id": ids.row("entities", entity_id), "type": kind, "schema:name": entity.get("name", entity_id)}


def _number(cell: str) -> int | float | None:
    if not cell:
        return None
    value = float(cell)
    return int(value) if value.is_integer() else value


def claim_body(ids: Iris, row: dict[str, str], entities: dict[str, dict[str, str]]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": ids.row("claims", row["claim_id"]),
        "type": "schema:Claim",
        "schema:text": row["claim"],
        "schema:author": _agent(ids, entities, row["claimant_id"]),
    }
    if row.get("claimed_on"):
        body["schema:dateCreated"] = row["claimed_on"]  # EDTF, as in the table
    return body


def quote_body(ids: Iris, row: dict[str, str], entities: dict[str, dict[str, str]]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": ids.row("quotes", row["quote_id"]),
        "type": "schema:Quotation",
        "schema:text": row["exact"],
    }
    if row.get("speaker_id"):
        body["schema:spokenByCharacter"] = _agent(ids, entities, row["speaker_id"])
    return body


def figure_body(
    ids: Iris, row: dict[str, str], claims: dict[str, dict[str, str]], entities: dict[str, dict[str, str]]
) -> dict:
    """A figure is the quantity a claim states: a Claim about a QuantitativeValue, part of its claim."""
    quantity: dict[str, Any] = {"type": "schema:QuantitativeValue", "schema:unitText": row["unit"]}
    for column, term in (
        ("value", "schema:value"),
        ("value_low", "schema:minValue"),
        ("value_high", "schema:maxValue"),
    ):
        if (number := _number(row.get(column, ""))) is not None:
            quantity[term] = number
    qualifiers = ", ".join(q for q in (row["qualifier"], row.get("second_qualifier", "")) if q)
    # The codes are defined in the package's vocabulary table (and docs/codebook.md).
    quantity["schema:description"] = f"measure: {row['measure']}; qualifier: {qualifiers}"
    body: dict[str, Any] = {
        "id": ids.row("figures", row["figure_id"]),
        "type": "schema:Claim",
        "schema:text": row["exact"],
        "schema:about": quantity,
        "schema:isPartOf": {"id": ids.row("claims", row["claim_id"])},
    }
    if row.get("as_of"):
        body["schema:temporalCoverage"] = row["as_of"]  # EDTF, as in the table
    if row.get("place"):
        body["schema:spatialCoverage"] = row["place"]
    claimant = claims.get(row["claim_id"], {}).get("claimant_id")
    if claimant:
        body["schema:author"] = _agent(ids, entities, claimant)
    return body


def annotation(ids: Iris, table: str, key: str, body: dict[str, Any], source: str, text: str, row: dict) -> dict:
    return {
        "id": ids.annotation(table, key),
        "type": "Annotation",
        "motivation": "describing",
        "body": body,
        "target": target(ids.text(source), text, int(row["char_start"]), int(row["char_end"])),
    }


def collection(package: DataPackage) -> dict[str, Any]:
    """The AnnotationCollection of every claim, quote and figure, in table and row order."""
    ids = package_iris(package)
    texts = package.archived_texts
    entities = {row["entity_id"]: row for _, row in package.tables["entities"].rows()}
    claims = {row["claim_id"]: row for _, row in package.tables["claims"].rows()}
    builders = {
        "claims": ("claim_id", lambda row: claim_body(ids, row, entities)),
        "quotes": ("quote_id", lambda row: quote_body(ids, row, entities)),
        "figures": ("figure_id", lambda row: figure_body(ids, row, claims, entities)),
    }
    items = []
    for table, (key, body_of) in builders.items():
        for _, row in package.tables[table].rows():
            source = row["source_id"]
            items.append(annotation(ids, table, row[key], body_of(row), source, texts[source], row))
    return _collection_head(package, ids, len(items), items)


def _collection_head(package: DataPackage, ids: Iris, total: int, items: list[Any]) -> dict[str, Any]:
    return {
        "@context": ANNO_CONTEXT,
        "id": ids.of(ANNOTATIONS),
        "type": "AnnotationCollection",
        "label": f"{package.descriptor.get('title', package.descriptor['name'])}, version "
        f"{package.descriptor['version']}: every claim, quote and figure",
        "total": total,
        "first": {"id": ids.of(ANNOTATIONS, "page-1"), "type": "AnnotationPage", "items": items},
    }


def jsonld_bytes(package: DataPackage) -> bytes:
    """The whole document in memory: the reference that `write_jsonld` streams byte for byte."""
    return (json.dumps(collection(package), indent=1, ensure_ascii=False) + "\n").encode()


# ----------------------------------------------------------------------------- streamed to disk
ITEMS_INDENT = "   "  # the depth of an annotation in the document: collection > first > items
ANNOTATED = {"claims": "claim_id", "quotes": "quote_id", "figures": "figure_id"}  # table: key, in file order


def encoded(value: Any, indent: str = "") -> str:
    """`value` as json.dumps(value, indent=1, ensure_ascii=False) writes it at the depth `indent`,
    for the types an annotation holds, about three times as fast (json's indenting encoder is
    pure Python)."""
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + " "
        members = f",\n{inner}".join([f"{encode_basestring(k)}: {_encoded_value(v, inner)}" for k, v in value.items()])
        return f"{{\n{inner}{members}\n{indent}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        inner = indent + " "
        return f"[\n{inner}" + f",\n{inner}".join([encoded(v, inner) for v in value]) + f"\n{indent}]"
    return json.dumps(value)  # null, true, false and numbers: as json writes them


def _encoded_value(value: Any, indent: str) -> str:
    """encoded(value, indent), with a string (most values) quoted at once: no call deeper."""
    return encode_basestring(value) if type(value) is str else encoded(value, indent)


def encoded_annotation(ids: Iris, table: str, key: str, body: dict[str, Any], source: str, text: str, row: dict) -> str:
    """encoded(annotation(...), ITEMS_INDENT), the target (the same shape in every annotation) from a
    template."""
    start, end = int(row["char_start"]), int(row["char_end"])
    i = ITEMS_INDENT
    return (
        f'{{\n{i} "id": {encode_basestring(ids.annotation(table, key))},\n{i} "type": "Annotation",\n'
        f'{i} "motivation": "describing",\n{i} "body": {encoded(body, i + " ")},\n'
        f'{i} "target": {{\n{i}  "type": "SpecificResource",\n{i}  "source": {{\n'
        f'{i}   "id": {encode_basestring(ids.text(source))},\n{i}   "type": "Text",\n'
        f'{i}   "format": "text/plain"\n{i}  }},\n{i}  "selector": [\n{i}   {{\n'
        f'{i}    "type": "TextQuoteSelector",\n{i}    "exact": {encode_basestring(text[start:end])},\n'
        f'{i}    "prefix": {encode_basestring(text[max(0, start - AFFIX) : start])},\n'
        f'{i}    "suffix": {encode_basestring(text[end : end + AFFIX])}\n{i}   }},\n{i}   {{\n'
        f'{i}    "type": "TextPositionSelector",\n{i}    "start": {start},\n{i}    "end": {end}\n'
        f"{i}   }}\n{i}  ]\n{i} }}\n{i}}}"
    )


def _figure_rows(package: DataPackage) -> Iterator[tuple[dict[str, str], str]]:
    """(row, its claim's claimant) of every figure in CSV order: joined in the staging database when
    there is one (a million claims do not fit in a dict), else looked up in the claims read whole."""
    figures, claims = package.tables["figures"], package.tables["claims"]
    stage = figures.staging
    if stage is None:
        claimants = {row["claim_id"]: row.get("claimant_id", "") for _, row in claims.rows()}
        for _, row in figures.rows():
            yield row, claimants.get(row["claim_id"], "")
        return
    columns = [f"f.{identifier(name)}" for name in figures.field_names]
    query = (
        f"SELECT {', '.join(columns)}, c.claimant_id FROM {identifier(figures.name)} f "
        f"LEFT JOIN {identifier(claims.name)} c ON c.claim_id = f.claim_id ORDER BY f.{ROW}"
    )
    for *cells, claimant in stage.execute(query):
        yield dict(zip(figures.field_names, cells, strict=True)), claimant or ""


def _annotated_rows(package: DataPackage, table: str) -> Iterator[tuple[dict[str, str], str]]:
    """(row, the claimant of a figure's claim: '' elsewhere) of one annotated table, streamed."""
    if table == "figures":
        yield from _figure_rows(package)
    else:
        for _, row in package.tables[table].rows():
            yield row, ""


def _row_count(package: DataPackage, table: str) -> int:
    stage = package.tables[table].staging
    if stage is None:
        return sum(1 for _ in package.tables[table].rows(["source_id"]))
    return int(stage.one(f"SELECT count(*) FROM {identifier(table)}"))


def annotation_texts(package: DataPackage) -> Iterator[str]:
    """Every annotation as `encoded` writes it in the document, in table and row order."""
    ids = package_iris(package)
    texts = package.archived_texts
    table = package.tables["entities"]
    named = [column for column in ("entity_id", "kind", "name") if column in table.field_names]  # what agents show
    entities = {row["entity_id"]: row for _, row in table.rows(named)}
    bodies: dict[str, Callable[[dict[str, str], str], dict[str, Any]]] = {
        "claims": lambda row, _: claim_body(ids, row, entities),
        "quotes": lambda row, _: quote_body(ids, row, entities),
        "figures": lambda row, claimant: figure_body(ids, row, {row["claim_id"]: {"claimant_id": claimant}}, entities),
    }
    for table, key in ANNOTATED.items():
        body_of = bodies[table]
        for row, claimant in _annotated_rows(package, table):
            source = row["source_id"]
            yield encoded_annotation(ids, table, row[key], body_of(row, claimant), source, texts[source], row)


def write_annotations(package: DataPackage, output: IO[str]) -> None:
    """The document, as jsonld_bytes gives it, written one annotation at a time."""
    ids = package_iris(package)
    total = sum(_row_count(package, table) for table in ANNOTATED)
    if total == 0:
        output.write(json.dumps(_collection_head(package, ids, 0, []), indent=1, ensure_ascii=False) + "\n")
        return
    marker = "\x00items\x00"  # stands for the items in the head: written around them
    head = json.dumps(_collection_head(package, ids, total, [marker]), indent=1, ensure_ascii=False)
    before, after = head.split(json.dumps(marker))
    output.write(before)
    separator = ""
    for text in annotation_texts(package):
        output.write(separator + text)
        separator = ",\n" + ITEMS_INDENT
    output.write(after + "\n")


def write_jsonld(package: DataPackage, path: Path) -> None:
    """annotations.jsonld at `path`, streamed: memory holds one annotation at a time (and the texts)."""
    with path.open("w", encoding="utf-8", newline="") as output:
        write_annotations(package, output)


def expand_offline(document: dict[str, Any], base: str = "") -> list[dict[str, Any]]:
    """The document expanded by pyld with the local context: nothing is fetched."""
    from pyld import jsonld
    from pyld.documentloader.frozen import FrozenDocumentLoader

    loader = FrozenDocumentLoader({ANNO_CONTEXT: CONTEXT_FILE})
    options: dict[str, Any] = {"documentLoader": loader}
    if base:
        options["base"] = base
    return jsonld.expand(document, options)
