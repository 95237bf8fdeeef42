"""The data package itself: its archive and spans (every article sources.csv lists) and the facts each
article must hold (tests/articles/, one module per article, written from reading it, not from the
CSVs, so that a broken span, key, speaker or number fails a test). Every test here reads the package
at PACKAGE (NK_PACKAGE_ROOT): tests/test_articles.py runs them on a package with one more article."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from scripts.package.textscan import quotations
from scripts.releases.docs import main as docs_main
from scripts.validation.validate import validate
from tests.articles import ARTICLES, Article
from tests.conftest import PACKAGE, ROOT, archived_text, read_table

pytestmark = pytest.mark.package

EXPECTED = [pytest.param(article, id=source_id) for source_id, article in sorted(ARTICLES.items())]


def archived_sources() -> list[dict[str, str]]:
    """Every article of the package whose text is archived, as data/sources.csv lists them."""
    return [source for source in read_table("sources") if source["text_path"]]


def rows_of(table: str, source_id: str) -> list[dict[str, str]]:
    return [row for row in read_table(table) if row["source_id"] == source_id]


def _quote(source_id: str, opening: str) -> dict[str, str]:
    (quote,) = [q for q in rows_of("quotes", source_id) if q["exact"].startswith(opening)]
    return quote


def _figure(source_id: str, exact: str) -> dict[str, str]:
    (row,) = [f for f in rows_of("figures", source_id) if f["exact"] == exact]
    return row


def _claim(claim_id: str) -> dict[str, str]:
    return next(c for c in read_table("claims") if c["claim_id"] == claim_id)


def test_archived_texts_are_the_received_files_byte_for_byte() -> None:
    sources = archived_sources()
    assert sources
    for source in sources:  # the hash recorded when the file as received was archived
        data = (PACKAGE / source["text_path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == source["text_sha256"], source["source_id"]


@pytest.mark.parametrize(
    "table", ["claims", "quotes", "figures", "attributions", "affiliations", "flags", "exclusions"]
)
def test_every_span_is_verbatim_in_its_archived_text(table: str) -> None:
    for row in read_table(table):
        text = archived_text(row["source_id"])
        assert text[int(row["char_start"]) : int(row["char_end"])] == row["exact"], row


@pytest.mark.parametrize("article", EXPECTED)
def test_every_quotation_of_the_article_is_a_quote_row_with_its_speaker(article: Article) -> None:
    quotes = [q for q in rows_of("quotes", article.source_id) if q["kind"] != "reported"]
    for opening, speaker in article.quotations:
        matches = [q for q in quotes if q["exact"].startswith(opening)]
        assert [q["speaker_id"] for q in matches] == [speaker], opening
    assert len(quotes) == len(article.quotations)


@pytest.mark.parametrize("article", EXPECTED)
def test_speech_without_quotation_marks_is_a_reported_quote(article: Article) -> None:
    for opening, speaker in article.reported:
        quote = _quote(article.source_id, opening)
        assert (quote["kind"], quote["speaker_id"]) == ("reported", speaker)


@pytest.mark.parametrize("article", EXPECTED)
def test_one_utterance_split_by_he_said_shares_an_utterance_id(article: Article) -> None:
    for openings in article.utterances:
        utterances = {_quote(article.source_id, opening)["utterance_id"] for opening in openings}
        assert len(utterances) == 1 and "" not in utterances, openings


@pytest.mark.parametrize("article", EXPECTED)
def test_a_quote_may_support_several_claims(article: Article) -> None:
    for opening, count in article.quotes_supporting:
        quote_id = _quote(article.source_id, opening)["quote_id"]
        assert sum(link["quote_id"] == quote_id for link in read_table("quote_claims")) == count, opening


@pytest.mark.parametrize("article", EXPECTED)
def test_quotes_keep_the_texts_own_marks_and_punctuation(article: Article) -> None:
    for opening, ending, inner in article.nested:
        outer = _quote(article.source_id, opening)
        assert outer["exact"].endswith(ending)
        nested = [q for q in rows_of("quotes", article.source_id) if q["nested_in"] == outer["quote_id"]]
        assert [q["exact"] for q in nested] == [inner]


@pytest.mark.parametrize("source", archived_sources(), ids=lambda source: source["source_id"])
def test_every_quotation_the_scanner_finds_is_a_quote_row(source: dict[str, str]) -> None:
    spans = {(int(q["char_start"]), int(q["char_end"])) for q in rows_of("quotes", source["source_id"])}
    found = quotations(archived_text(source["source_id"]))
    assert found
    for quotation in found:
        assert (quotation.start, quotation.end) in spans, quotation


@pytest.mark.parametrize("article", EXPECTED)
def test_figures_hold_the_numbers_of_the_article(article: Article) -> None:
    for exact, measure, value, qualifier, as_of, claimant in article.figures:
        figure = _figure(article.source_id, exact)
        held = (figure["measure"], float(figure["value"]), figure["qualifier"], figure["as_of"])
        assert held == (measure, value, qualifier, as_of), exact
        assert _claim(figure["claim_id"])["claimant_id"] == figure["reported_by_id"] == claimant, exact


@pytest.mark.parametrize("article", EXPECTED)
def test_two_qualifiers_are_kept_where_the_text_gives_two(article: Article) -> None:
    for exact, *qualifiers in article.two_qualifiers:
        figure = _figure(article.source_id, exact)
        assert [figure["qualifier"], figure["second_qualifier"], figure["value_high"]] == qualifiers


def test_proportions_in_words_are_shares_without_a_value() -> None:
    for word in ("some", "most", "majority", "majority, if not all"):
        for figure in (f for f in read_table("figures") if f["exact"] == word):
            assert (figure["unit"], figure["value"]) == ("share", "")
            if figure["qualifier"] == "more_than":
                assert figure["value_low"] == "0.5" and "value_low" in figure["inferred"]


@pytest.mark.parametrize("article", EXPECTED)
def test_numbers_in_words_are_vague_figures_without_a_value(article: Article) -> None:
    for word in article.vague_words:
        figure = _figure(article.source_id, word)
        assert (figure["qualifier"], figure["value"]) == ("vague", "")


def test_claims_name_the_venue_the_article_cites() -> None:
    blinken = next(c for c in read_table("claims") if c["claimant_id"] == "antony-blinken")
    assert (blinken["via_source_id"], blinken["claimed_on"]) == ("briefing-blinken-2024-10-31", "2024-10-31?")
    assert blinken["inferred"] == "claimed_on" and "inferred" in blinken["notes"]


@pytest.mark.parametrize("article", EXPECTED)
def test_the_venues_an_article_cites_are_sources_known_only_through_it(article: Article) -> None:
    sources = {s["source_id"]: s for s in read_table("sources")}
    for source_id, (kind, publisher) in article.venues.items():
        source = sources[source_id]
        assert (source["kind"], source["publisher_id"], source["cited_in"]) == (kind, publisher, article.source_id)
        assert source["url"] == "" and source["text_path"] == ""  # known only through the article


def test_spelling_variants_of_one_person_are_one_entity_with_aliases() -> None:
    entities = read_table("entities")
    for spellings in (("Zelenskyy", "Zelensky"), ("Kim Jong Un", "Kim Jong-Un"), ("Anthony Blinken",)):
        owners = {e["entity_id"] for e in entities for s in spellings if s in e["aliases"].split(",")}
        assert len(owners) == 1, spellings


@pytest.mark.parametrize("article", EXPECTED)
def test_unknown_facts_stay_empty_with_a_note_saying_why(article: Article) -> None:
    (source,) = [s for s in read_table("sources") if s["source_id"] == article.source_id]
    assert source["url"] == source["published"] == ""  # neither article gives them
    assert "not given" in source["notes"]
    for opening, note in article.undated_quotes:
        undated = _quote(article.source_id, opening)
        assert undated["said_on"] == "" and note in undated["notes"]


@pytest.mark.parametrize("article", EXPECTED)
def test_combat_status_and_troop_counts_are_linked_across_articles(article: Article) -> None:
    links = {(link["from_claim_id"], link["to_claim_id"]): link["relation"] for link in read_table("claim_links")}
    for (source_from, exact_from), relation, (source_to, exact_to) in article.figure_links:
        claims = (_figure(source_from, exact_from)["claim_id"], _figure(source_to, exact_to)["claim_id"])
        assert links.get(claims) == relation, (exact_from, exact_to)
    for words, relation in article.linked_claims:
        (claim,) = [c for c in rows_of("claims", article.source_id) if words in c["exact"]]
        assert relation in {r for (_, to), r in links.items() if to == claim["claim_id"]}, words


def test_every_field_has_a_description_and_every_controlled_list_an_enum() -> None:
    descriptor = json.loads((PACKAGE / "datapackage.json").read_text(encoding="utf-8"))
    assert re.fullmatch(r"\d+\.\d+\.\d+", descriptor["version"]) and descriptor["name"] == "nk-russia-claims"
    for resource in descriptor["resources"]:
        schema = json.loads((PACKAGE / resource["schema"]).read_text(encoding="utf-8"))
        assert schema["missingValues"] == [""]
        for field in schema["fields"]:
            assert field.get("description"), (resource["name"], field["name"])
            if field["name"] in ("kind", "topic", "modality", "measure", "unit", "qualifier", "relation"):
                assert field["constraints"]["enum"], field["name"]


def test_ids_are_stable_lowercase_slugs() -> None:
    for table, key in (("sources", "source_id"), ("entities", "entity_id"), ("claims", "claim_id"),
                       ("quotes", "quote_id"), ("figures", "figure_id")):  # fmt: skip
        for row in read_table(table):
            assert re.fullmatch(r"[a-z0-9][a-z0-9_-]*", row[key]), row[key]


def test_the_real_package_validates_without_problems() -> None:
    assert validate(PACKAGE / "datapackage.json") == []


def test_readme_data_dictionary_is_generated_from_the_schemas() -> None:
    from scripts.releases.docs import main

    assert main(["--datapackage", str(PACKAGE / "datapackage.json"), "--check", str(PACKAGE / "README.md")]) == 0


SHARED_SEEDS = "/".join(("..", "shared")).encode()  # spelled so that this file does not contain it
# What runs or is tested: the code, its tests, the Makefile, CI and the tools' settings. The prose
# (README, docs, CHANGELOG) may tell where the seeds came from.
RUNS = ("scripts", "tests", ".ci", ".github", "Makefile", "pyproject.toml")


def files_that_run(root: Path) -> list[Path]:
    found = []
    for name in RUNS:
        path = root / name
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        found += [f for f in files if "__pycache__" not in f.parts]
    return found


def files_naming(root: Path, needle: bytes) -> list[str]:
    return [str(f.relative_to(root)) for f in files_that_run(root) if needle in f.read_bytes()]


def test_nothing_in_the_project_reads_the_shared_seeds_folder() -> None:
    covered = {str(f.relative_to(ROOT)) for f in files_that_run(ROOT)}
    assert {"scripts/validation/checks.py", "tests/hostile/probes.py", ".ci/run", "Makefile"} <= covered
    assert any(name.startswith(".github/workflows/") for name in covered) and "pyproject.toml" in covered
    assert files_naming(ROOT, SHARED_SEEDS) == []


def test_the_seeds_search_finds_the_folder_named_anywhere_that_runs(tmp_path: Path) -> None:
    for name in ("scripts/deep/module.py", ".github/workflows/ci.yml", "Makefile", "docs/history.md", "README.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"cp " + SHARED_SEEDS + b"/seeds/x.txt data/\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests/clean.py").write_text("print('nothing shared')\n")
    assert files_naming(tmp_path, SHARED_SEEDS) == ["scripts/deep/module.py", ".github/workflows/ci.yml", "Makefile"]


def test_the_codebook_is_generated_from_its_template_and_the_vocabulary() -> None:
    assert (
        docs_main(["--datapackage", str(ROOT / "datapackage.json"), "--check-codebook", str(ROOT / "docs/codebook.md")])
        == 0
    )
    codebook = (ROOT / "docs/codebook.md").read_text(encoding="utf-8")
    for row in read_table("vocabulary"):
        assert f"| `{row['value']}` |" in codebook


def test_every_row_the_codebook_cites_as_an_example_exists() -> None:
    codebook = (ROOT / "docs/codebook.md").read_text(encoding="utf-8")
    cited = set(re.findall(r"\ba\d{3}-[a-z]\d\d\b", codebook))
    ids = {row[key] for table, key in (("claims", "claim_id"), ("quotes", "quote_id"), ("figures", "figure_id"),
                                       ("flags", "flag_id"), ("affiliations", "affiliation_id"))
           for row in read_table(table)}  # fmt: skip
    assert cited and cited <= ids, sorted(cited - ids)
