"""Every claim, quote and figure as a W3C Web Annotation (JSON-LD), for annotation tools and graphs.

One AnnotationCollection holds an Annotation per row. Its target is the archived source text, with
a TextQuoteSelector (the exact words, with up to 32 characters of context either side) and a
TextPositionSelector (the row's character offsets, in Unicode code points as the Web Annotation
model counts them). Its body is a schema.org Claim (claims and figures) or Quotation (quotes), with
who asserts or speaks it. Identifiers are fragments of the file (`#claims/a000-c01`), and sources
are paths inside the package, so the file invents no web address: a reader resolves them against
wherever the package is.

The file's context is the Web Annotation context, http://www.w3.org/ns/anno.jsonld. Processors
online fetch it; offline, `contexts/anno-terms.jsonld` (written for this project, not a copy)
defines the terms used here with the IRIs of the Web Annotation Vocabulary, so that the file
expands with no network (see `expand_offline`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scripts.package.read import DataPackage

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
CONTEXT_FILE = Path(__file__).parent / "contexts" / "anno-terms.jsonld"
RELEASE_PATH = "annotations.jsonld"
CONTEXT_RELEASE_PATH = "contexts/anno-terms.jsonld"
MEDIATYPE = "application/ld+json"
AFFIX = 32  # characters of context either side of the exact words


def _id(table: str, key: str) -> str:
    return f"#{table}/{key}"


def target(text_path: str, text: str, start: int, end: int) -> dict[str, Any]:
    return {
        "type": "SpecificResource",
        "source": {"id": text_path, "type": "Text", "format": "text/plain"},
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


def _agent(entities: dict[str, dict[str, str]], entity_id: str) -> dict[str, Any]:
    entity = entities.get(entity_id, {})
    kind = "schema:Person" if entity.get("kind") == "person" else "schema:Organization"
    return {"id": _id("entities", entity_id), "type": kind, "schema:name": entity.get("name", entity_id)}


def _number(cell: str) -> int | float | None:
    if not cell:
        return None
    value = float(cell)
    return int(value) if value.is_integer() else value


def claim_body(row: dict[str, str], entities: dict[str, dict[str, str]]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": _id("claims", row["claim_id"]),
        "type": "schema:Claim",
        "schema:text": row["claim"],
        "schema:author": _agent(entities, row["claimant_id"]),
    }
    if row.get("claimed_on"):
        body["schema:dateCreated"] = row["claimed_on"]  # EDTF, as in the table
    return body


def quote_body(row: dict[str, str], entities: dict[str, dict[str, str]]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": _id("quotes", row["quote_id"]),
        "type": "schema:Quotation",
        "schema:text": row["exact"],
    }
    if row.get("speaker_id"):
        body["schema:spokenByCharacter"] = _agent(entities, row["speaker_id"])
    return body


def figure_body(row: dict[str, str], claims: dict[str, dict[str, str]], entities: dict[str, dict[str, str]]) -> dict:
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
        "id": _id("figures", row["figure_id"]),
        "type": "schema:Claim",
        "schema:text": row["exact"],
        "schema:about": quantity,
        "schema:isPartOf": {"id": _id("claims", row["claim_id"])},
    }
    if row.get("as_of"):
        body["schema:temporalCoverage"] = row["as_of"]  # EDTF, as in the table
    if row.get("place"):
        body["schema:spatialCoverage"] = row["place"]
    claimant = claims.get(row["claim_id"], {}).get("claimant_id")
    if claimant:
        body["schema:author"] = _agent(entities, claimant)
    return body


def annotation(table: str, key: str, body: dict[str, Any], text_path: str, text: str, row: dict[str, str]) -> dict:
    return {
        "id": _id(f"annotations/{table}", key),
        "type": "Annotation",
        "motivation": "describing",
        "body": body,
        "target": target(text_path, text, int(row["char_start"]), int(row["char_end"])),
    }


def collection(package: DataPackage) -> dict[str, Any]:
    """The AnnotationCollection of every claim, quote and figure, in table and row order."""
    texts = package.archived_texts
    paths = {row["source_id"]: row["text_path"] for _, row in package.tables["sources"].rows()}
    entities = {row["entity_id"]: row for _, row in package.tables["entities"].rows()}
    claims = {row["claim_id"]: row for _, row in package.tables["claims"].rows()}
    builders = {
        "claims": ("claim_id", lambda row: claim_body(row, entities)),
        "quotes": ("quote_id", lambda row: quote_body(row, entities)),
        "figures": ("figure_id", lambda row: figure_body(row, claims, entities)),
    }
    items = []
    for table, (key, body_of) in builders.items():
        for _, row in package.tables[table].rows():
            source = row["source_id"]
            items.append(annotation(table, row[key], body_of(row), paths[source], texts[source], row))
    return {
        "@context": ANNO_CONTEXT,
        "id": "#annotations",
        "type": "AnnotationCollection",
        "label": f"{package.descriptor.get('title', package.descriptor['name'])}, version "
        f"{package.descriptor['version']}: every claim, quote and figure",
        "total": len(items),
        "first": {"id": "#annotations/page-1", "type": "AnnotationPage", "items": items},
    }


def jsonld_bytes(package: DataPackage) -> bytes:
    return (json.dumps(collection(package), indent=1, ensure_ascii=False) + "\n").encode()


def expand_offline(document: dict[str, Any], base: str = "") -> list[dict[str, Any]]:
    """The document expanded by pyld with the local context: nothing is fetched."""
    from pyld import jsonld
    from pyld.documentloader.frozen import FrozenDocumentLoader

    loader = FrozenDocumentLoader({ANNO_CONTEXT: CONTEXT_FILE})
    options: dict[str, Any] = {"documentLoader": loader}
    if base:
        options["base"] = base
    return jsonld.expand(document, options)
