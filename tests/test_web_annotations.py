"""The release's Web Annotations as their users' tools see them: the W3C Web Annotation test suite's
MUST assertions (mirrored as our own JSON Schemas in tests/w3c_annotation_musts/, named after the
assertions of w3c/web-annotation-tests they follow), pyld and rdflib reading them offline, the
offline context agreeing with W3C's, and ids that are absolute IRIs from the configured base or
the package's name, the same in every version."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import jsonschema
import pytest
import rdflib
from pyld import jsonld
from rdflib.namespace import RDF
from referencing import Registry, Resource

from scripts.package.read import DataPackage
from scripts.releases import web_annotations
from tests.conftest import PACKAGE as PACKAGE_ROOT
from tests.conftest import ROOT, read_table
from tests.mutations import edit_json
from tests.test_release import copy_project

pytestmark = pytest.mark.package

MUSTS = Path(__file__).parent / "w3c_annotation_musts"
OA = rdflib.Namespace("http://www.w3.org/ns/oa#")
PACKAGE = DataPackage(PACKAGE_ROOT / "datapackage.json")
NAME = PACKAGE.descriptor["name"]

# An absolute IRI (RFC 3987 over RFC 3986): a scheme, then URI characters, %-escapes or non-ASCII.
ABSOLUTE_IRI = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#\[\]]|%[0-9A-Fa-f]{2}|[^\x00-\x7f])+"
)
IRIS = jsonschema.FormatChecker(formats=())
IRIS.checks("uri")(lambda value: not isinstance(value, str) or ABSOLUTE_IRI.fullmatch(value) is not None)


def released_document(folder: Path) -> dict:
    return json.loads((folder / web_annotations.RELEASE_PATH).read_text(encoding="utf-8"))


def standalone_annotations(document: dict) -> list[dict]:
    """Each annotation of the collection as W3C's tests take one: a document of its own, with the
    @context it inherits from the collection."""
    return [{"@context": document["@context"], **item} for item in document["first"]["items"]]


# ----------------------------------------------------------------------------- W3C MUST assertions
def must_validators() -> dict[str, jsonschema.Draft7Validator]:
    schemas = {path.name: json.loads(path.read_text(encoding="utf-8")) for path in sorted(MUSTS.glob("*.json"))}
    registry: Registry = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas.values()
    )
    return {
        name.removesuffix(".json"): jsonschema.Draft7Validator(schema, registry=registry, format_checker=IRIS)
        for name, schema in schemas.items()
        if name != "definitions.json"
    }


MUST_VALIDATORS = must_validators()


def test_the_mirrored_assertions_are_valid_draft_7_schemas() -> None:
    for path in MUSTS.glob("*.json"):
        jsonschema.Draft7Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))
    assert set(MUST_VALIDATORS) >= {
        "3.1-annotationContextValidated", "3.1-annotationIdValidated", "3.1-annotationTypeValidated",
        "3.1-targetKeyFound", "3.1-targetObjectsRecognized",
    }  # fmt: skip


@pytest.mark.parametrize("assertion", sorted(MUST_VALIDATORS))
def test_every_released_annotation_passes_the_w3c_must_assertion(released: Path, assertion: str) -> None:
    annotations = standalone_annotations(released_document(released))
    assert len(annotations) == sum(len(read_table(t)) for t in ("claims", "quotes", "figures"))
    failures = {
        item["id"]: error.message for item in annotations for error in MUST_VALIDATORS[assertion].iter_errors(item)
    }
    assert failures == {}


def _relative_id(item: dict) -> None:
    item["id"] = "#annotations/claims/x"  # what the 0.4 releases had


def _no_context(item: dict) -> None:
    del item["@context"]


def _other_type(item: dict) -> None:
    item["type"] = "oa:Annotation"


def _no_target(item: dict) -> None:
    del item["target"]


def _relative_source(item: dict) -> None:
    item["target"]["source"]["id"] = "data/texts/x.txt"


def _negative_start(item: dict) -> None:
    item["target"]["selector"][1]["start"] = -1


def _quote_without_exact(item: dict) -> None:
    del item["target"]["selector"][0]["exact"]


def _body_and_body_value(item: dict) -> None:
    item["bodyValue"] = "a comment"


def _relative_body(item: dict) -> None:
    item["body"]["id"] = "#claims/x"


BREAKS: list[tuple[Callable[[dict], None], str]] = [
    (_relative_id, "3.1-annotationIdValidated"),
    (_no_context, "3.1-annotationContextValidated"),
    (_other_type, "3.1-annotationTypeValidated"),
    (_no_target, "3.1-targetKeyFound"),
    (_relative_source, "3.1-targetObjectsRecognized"),
    (_negative_start, "4-targetSpecificResourceSelectors"),
    (_quote_without_exact, "4-targetSpecificResourceSelectors"),
    (_body_and_body_value, "3.2.5-notBodyBodyValue"),
    (_relative_body, "3.2-bodyObjectsRecognized"),
]


@pytest.mark.parametrize(("breaking", "assertion"), BREAKS, ids=lambda b: getattr(b, "__name__", b))
def test_an_annotation_that_breaks_a_must_fails_that_assertion(
    breaking: Callable[[dict], None], assertion: str
) -> None:
    item = standalone_annotations(web_annotations.collection(PACKAGE))[0]
    assert MUST_VALIDATORS[assertion].is_valid(item)
    broken = copy.deepcopy(item)
    breaking(broken)
    assert not MUST_VALIDATORS[assertion].is_valid(broken)


# ----------------------------------------------------------------------------- pyld and rdflib, offline
def expected_annotation_ids() -> set[str]:
    keys = (("claims", "claim_id"), ("quotes", "quote_id"), ("figures", "figure_id"))
    return {web_annotations.package_iris(PACKAGE).annotation(t, row[k]) for t, k in keys for row in read_table(t)}


def test_pyld_expands_every_annotation_to_an_oa_annotation_with_its_iri_wherever_the_file_is(
    released: Path, no_network
) -> None:
    document = released_document(released)
    expanded = [web_annotations.expand_offline(document, base) for base in ("file:///a/", "https://elsewhere.test/")]
    assert expanded[0] == expanded[1]  # no id depends on where the file is read from
    nodes: list[dict] = []

    def collect(node: object) -> None:
        if isinstance(node, dict):
            nodes.append(node)
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(expanded[0])
    annotations = {n["@id"] for n in nodes if "http://www.w3.org/ns/oa#Annotation" in n.get("@type", [])}
    assert annotations == expected_annotation_ids()
    assert all(ABSOLUTE_IRI.fullmatch(n["@id"]) for n in nodes if "@id" in n)


def test_rdflib_reads_every_annotation_as_an_oa_annotation_node_with_an_iri(released: Path, no_network) -> None:
    document = released_document(released)
    # Offline, the context's URL is mapped to the file the release ships beside it.
    shipped = json.loads((released / web_annotations.CONTEXT_RELEASE_PATH).read_text(encoding="utf-8"))
    document["@context"] = shipped["@context"]
    graph = rdflib.Graph().parse(data=json.dumps(document), format="json-ld")
    annotations = set(graph.subjects(RDF.type, OA.Annotation))
    assert all(isinstance(node, rdflib.URIRef) for node in annotations)
    assert {str(node) for node in annotations} == expected_annotation_ids()
    sources = {str(s) for s in graph.objects(None, OA.hasSource)}
    cited = {row["source_id"] for t in ("claims", "quotes", "figures") for row in read_table(t)}
    assert sources == {web_annotations.package_iris(PACKAGE).text(source) for source in cited}
    starts = list(graph.objects(None, OA.start))
    assert starts and all(s.datatype == rdflib.XSD.integer for s in starts)  # as W3C's context gives them


# ----------------------------------------------------------------------------- the context
# What http://www.w3.org/ns/anno.jsonld makes of each term our offline context defines: the IRI a
# key or a type expands to. (From the W3C Web Annotation Vocabulary's JSON-LD context.)
W3C_TERMS = {
    "Annotation": "http://www.w3.org/ns/oa#Annotation",
    "AnnotationCollection": "http://www.w3.org/ns/activitystreams#OrderedCollection",
    "AnnotationPage": "http://www.w3.org/ns/activitystreams#OrderedCollectionPage",
    "SpecificResource": "http://www.w3.org/ns/oa#SpecificResource",
    "TextQuoteSelector": "http://www.w3.org/ns/oa#TextQuoteSelector",
    "TextPositionSelector": "http://www.w3.org/ns/oa#TextPositionSelector",
    "Text": "http://purl.org/dc/dcmitype/Text",
    "describing": "http://www.w3.org/ns/oa#describing",
    "label": "http://www.w3.org/2000/01/rdf-schema#label",
    "format": "http://purl.org/dc/elements/1.1/format",
    "body": "http://www.w3.org/ns/oa#hasBody",
    "target": "http://www.w3.org/ns/oa#hasTarget",
    "source": "http://www.w3.org/ns/oa#hasSource",
    "selector": "http://www.w3.org/ns/oa#hasSelector",
    "motivation": "http://www.w3.org/ns/oa#motivatedBy",
    "exact": "http://www.w3.org/ns/oa#exact",
    "prefix": "http://www.w3.org/ns/oa#prefix",
    "suffix": "http://www.w3.org/ns/oa#suffix",
    "start": "http://www.w3.org/ns/oa#start",
    "end": "http://www.w3.org/ns/oa#end",
    "total": "http://www.w3.org/ns/activitystreams#totalItems",
    "first": "http://www.w3.org/ns/activitystreams#first",
    "items": "http://www.w3.org/ns/activitystreams#items",
}
W3C_PREFIXES = {
    "oa": "http://www.w3.org/ns/oa#", "as": "http://www.w3.org/ns/activitystreams#",
    "dc": "http://purl.org/dc/elements/1.1/", "dcterms": "http://purl.org/dc/terms/",
    "dctypes": "http://purl.org/dc/dcmitype/", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#", "schema": "http://schema.org/",
}  # fmt: skip
UNCOERCED = {"exact", "prefix", "suffix", "start", "end", "total", "label", "format"}  # W3C gives them no @type


def our_context() -> dict:
    return json.loads(web_annotations.CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]


def test_the_offline_context_defines_only_terms_and_prefixes_as_w3c_does() -> None:
    context = our_context()
    prefixes = {k: v for k, v in context.items() if isinstance(v, str) and v.endswith(("#", "/"))}
    assert prefixes == {k: W3C_PREFIXES[k] for k in prefixes}
    assert set(context) - set(prefixes) - {"id", "type"} == set(W3C_TERMS)


@pytest.mark.parametrize("term", sorted(W3C_TERMS))
def test_each_term_expands_to_the_iri_and_value_w3cs_context_gives_it(term: str) -> None:
    context = our_context()
    if term[0].isupper() or term == "describing":  # a class, or a motivation: a value of type/motivation
        key = "motivation" if term == "describing" else "type"
        (node,) = jsonld.expand({"@context": context, "id": "urn:x:a", key: term})
        values = node.get("@type") or [v["@id"] for v in node[W3C_TERMS["motivation"]]]
        assert values == [W3C_TERMS[term]]
        return
    (node,) = jsonld.expand({"@context": context, "id": "urn:x:a", term: 7 if term in UNCOERCED else "urn:x:b"})
    (value,) = node[W3C_TERMS[term]] if term != "items" else node[W3C_TERMS[term]][0]["@list"]
    assert value == ({"@value": 7} if term in UNCOERCED else {"@id": "urn:x:b"})


# ----------------------------------------------------------------------------- identifiers
def ids_in(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        if "id" in node:
            yield node["id"]
        for value in node.values():
            yield from ids_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from ids_in(value)


def test_without_a_base_url_every_id_is_a_urn_of_the_package_name(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    (root / "publication.toml").write_text('[urls]\nbase = ""\n', encoding="utf-8")
    ids = list(ids_in(web_annotations.collection(DataPackage(root / "datapackage.json"))))
    assert ids and all(i.startswith(f"urn:{NAME}:") for i in ids)
    assert f"urn:{NAME}:annotations" in ids and f"urn:{NAME}:texts:{read_table('sources')[0]['source_id']}" in ids


def test_with_a_base_url_every_id_is_under_it_and_rows_are_their_site_pages(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    (root / "publication.toml").write_text('[urls]\nbase = "https://claims.example.org/data/"\n', encoding="utf-8")
    document = web_annotations.collection(DataPackage(root / "datapackage.json"))
    ids = list(ids_in(document))
    assert ids and all(i.startswith("https://claims.example.org/data/nk-russia-claims/") for i in ids)
    claim = read_table("claims")[0]["claim_id"]
    assert f"https://claims.example.org/data/nk-russia-claims/claims/{claim}" in ids  # the row's page on the site
    assert f"https://claims.example.org/data/nk-russia-claims/annotations/claims/{claim}" in ids


def test_ids_do_not_change_with_the_version(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    before = list(ids_in(web_annotations.collection(DataPackage(root / "datapackage.json"))))
    edit_json(root / "datapackage.json", lambda d: d.update(version="99.0.1"))
    assert list(ids_in(web_annotations.collection(DataPackage(root / "datapackage.json")))) == before


def test_an_id_segment_is_percent_encoded_so_it_cannot_add_a_level() -> None:
    assert web_annotations.iris("a.b_c", "").row("claims", "x:y/z") == "urn:a-b-c:claims:x%3Ay%2Fz"


def test_the_readme_rdflib_example_reads_every_annotation_offline(
    released: Path, monkeypatch: pytest.MonkeyPatch, no_network
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (code,) = [c for c in re.findall(r"```python\n(.*?)```", readme, re.S) if "rdflib.Graph" in c]
    monkeypatch.chdir(released)
    namespace: dict = {}
    exec(compile(code, "README rdflib example", "exec"), namespace)  # the README's own code
    assert {str(node) for node in namespace["annotations"]} == expected_annotation_ids()
