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
file expands with no network (see `expand_offline`) to the same graph."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

from scripts.package.publication import read_urls
from scripts.package.read import DataPackage
from scripts.package.site import DATABASE, TEXTS_TABLE

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
CONTEXT_FILE = Path(__file__).parent / "contexts" / "anno-terms.jsonld"
RELEASE_PATH = "annotations.jsonld"
CONTEXT_RELEASE_PATH = "contexts/anno-terms.jsonld"
MEDIATYPE = "application/ld+json"
AFFIX = 32  # characters of context either side of the exact words


ANNOTATIONS = "annotations"


class Iris(NamedTuple):
    """The absolute IRIs of one package's annotations: under `root`, segments joined by `separator`."""

    root: str  # "https://…/nk-russia-claims/" or "urn:nk-russia-claims:"
    separator: str  # "/" or ":"

    def of(self, *segments: str) -> str:
        return self.root + self.separator.join(quote(segment, safe="") for segment in segments)

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
    return {
        "@context": ANNO_CONTEXT,
        "id": ids.of(ANNOTATIONS),
        "type": "AnnotationCollection",
        "label": f"{package.descriptor.get('title', package.descriptor['name'])}, version "
        f"{package.descriptor['version']}: every claim, quote and figure",
        "total": len(items),
        "first": {"id": ids.of(ANNOTATIONS, "page-1"), "type": "AnnotationPage", "items": items},
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
