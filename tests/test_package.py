"""The data package itself: its archive, its spans and the facts it must hold from both articles.

Expectations here are written from reading the articles, not from the CSVs, so a broken span,
key, speaker or number fails a test."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from scripts.package.textscan import quotations
from scripts.releases.docs import main as docs_main
from scripts.validation.validate import validate
from tests.conftest import ROOT, archived_text, read_table

SEEDS_SHA256 = {  # of the files as received (shared/seeds), recorded when they were archived
    "article-000": "761b5a95713df4e1ccd03ed97473daf4b7c0a0831c0659d89a319de645cac5c4",
    "article-001": "b913665aa2e369a4ee126911a9f87a033c8206e57d8f9457395e0c1b88d86c56",
}

# Every quotation of both articles: (article, its first words, who speaks them).
QUOTATIONS = [
    ("article-000", "North Korean troops will give Russia an immediate boost", "andrew-yeo"),
    ("article-000", "Because the majority of people do not support mobilization", "volodymyr-zelenskyy"),
    ("article-000", "free up Russian troops to lead on the offensives", "ramon-pacheco-pardo"),
    ("article-000", "They may be useful in pushing Ukrainian troops", "andrew-yeo"),
    ("article-000", "certainly better trained to fight than Russian conscripts", "andrew-yeo"),
    ("article-000", "But it's unclear whether Kim Jong Un", "andrew-yeo"),
    ("article-000", "Given this, it is likely that the North Korean troops", "park"),
    ("article-000", "While some soldiers may be tasked with psychological warfare", "park"),
    ("article-000", "cannon fodder.", "park"),
    ("article-000", "If these troops are sent into direct combat", "park"),
    ("article-000", "I will say frankly: the North Korean military", "volodymyr-zelenskyy"),
    ("article-000", "inexperienced infantry.", "ukrainian-intelligence-officials"),
    ("article-001", "indisputable", "volodymyr-zelenskyy"),
    ("article-001", "cannon fodder.", "volodymyr-zelenskyy"),
    ("article-001", "first battles with North Korean soldiers", "volodymyr-zelenskyy"),
    ("article-001", "If I were North Korean military personnel management", "pat-ryder"),
    ("article-001", "the most dangerous and difficult areas.", "kim-yong-hyun"),
    ("article-001", "cannon fodder mercenaries,", "kim-yong-hyun"),
    ("article-001", "invariable support", "kim-jong-un"),
]


def test_archived_texts_are_the_received_files_byte_for_byte() -> None:
    for source in read_table("sources"):
        if source["text_path"]:
            data = (ROOT / source["text_path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == source["text_sha256"] == SEEDS_SHA256[source["source_id"]]


@pytest.mark.parametrize(
    "table", ["claims", "quotes", "figures", "attributions", "affiliations", "flags", "exclusions"]
)
def test_every_span_is_verbatim_in_its_archived_text(table: str) -> None:
    for row in read_table(table):
        text = archived_text(row["source_id"])
        assert text[int(row["char_start"]) : int(row["char_end"])] == row["exact"], row


def test_every_quotation_of_both_articles_is_a_quote_row_with_its_speaker() -> None:
    quotes = [q for q in read_table("quotes") if q["kind"] != "reported"]
    for source_id, opening, speaker in QUOTATIONS:
        matches = [q for q in quotes if q["source_id"] == source_id and q["exact"].startswith(opening)]
        assert [q["speaker_id"] for q in matches] == [speaker], (source_id, opening)
    assert len(quotes) == len(QUOTATIONS)


def test_speech_without_quotation_marks_is_a_reported_quote() -> None:
    reported = {q["exact"]: q for q in read_table("quotes") if q["kind"] == "reported"}
    bielieskov = reported[
        "It might be enough to make a difference against Ukraine on a single front if that's how they are used"
    ]
    assert bielieskov["speaker_id"] == "mykola-bielieskov"


def test_one_utterance_split_by_he_said_shares_an_utterance_id() -> None:
    quotes = {q["quote_id"]: q for q in read_table("quotes")}
    assert quotes["a000-q05"]["utterance_id"] == quotes["a000-q06"]["utterance_id"] != ""
    assert quotes["a000-q07"]["utterance_id"] == quotes["a000-q08"]["utterance_id"] != ""


def test_a_quote_may_support_several_claims() -> None:
    supported = [link["claim_id"] for link in read_table("quote_claims") if link["quote_id"] == "a000-q11"]
    assert len(supported) == 4


def test_quotes_keep_the_texts_own_marks_and_punctuation() -> None:
    park = next(q for q in read_table("quotes") if q["exact"].startswith("While some soldiers"))
    assert park["exact"].endswith("expendable ‘cannon fodder.'")  # curly open, straight close
    nested = next(q for q in read_table("quotes") if q["nested_in"] == park["quote_id"])
    assert nested["exact"] == "cannon fodder."


def test_every_quotation_the_scanner_finds_is_a_quote_row() -> None:
    spans = {(q["source_id"], int(q["char_start"]), int(q["char_end"])) for q in read_table("quotes")}
    for source_id in SEEDS_SHA256:
        for found in quotations(archived_text(source_id)):
            assert (source_id, found.start, found.end) in spans, found


def _figure(exact: str) -> dict[str, str]:
    (row,) = [f for f in read_table("figures") if f["exact"] == exact]
    return row


def _claim(claim_id: str) -> dict[str, str]:
    return next(c for c in read_table("claims") if c["claim_id"] == claim_id)


@pytest.mark.parametrize(
    ("exact", "measure", "value", "qualifier", "as_of", "claimant"),
    [
        ("8,000", "nk_troops_in_russia", 8000, "exact", "2024-10-31?", "antony-blinken"),
        ("3,000", "nk_troops_in_russia", 3000, "exact", "2024-10-28?", "unnamed-sources"),
        ("50", "distance_to_border_km", 50, "approximately", "2024-10-28?", "unnamed-sources"),
        ("12,000", "nk_troops_in_russia", 12000, "exact", "", "us-south-korean-ukrainian-intelligence"),
        ("15,000", "nk_troops_in_russia", 15000, "could_reach", "", "ukrainian-officials"),
        ("100,000", "nk_troops_rotated_per_year", 100000, "potentially", "", "ukrainian-officials"),
        ("700,000", "russian_casualties", 700000, "close_to", "", "unnamed-sources"),
        ("$2,000", "payment_per_soldier_per_month", 2000, "approximately", "", "south-korean-intelligence"),
    ],
)
def test_figures_hold_the_numbers_of_the_articles(exact, measure, value, qualifier, as_of, claimant) -> None:
    figure = _figure(exact)
    assert (figure["measure"], float(figure["value"]), figure["qualifier"], figure["as_of"]) == (
        measure,
        value,
        qualifier,
        as_of,
    )
    assert _claim(figure["claim_id"])["claimant_id"] == figure["reported_by_id"] == claimant


def test_two_qualifiers_are_kept_where_the_text_gives_two() -> None:
    figure = _figure("100,000")  # "potentially adding up to 100,000"
    assert (figure["qualifier"], figure["second_qualifier"], figure["value_high"]) == ("potentially", "up_to", "100000")


def test_proportions_in_words_are_shares_without_a_value() -> None:
    for word in ("some", "most", "majority", "majority, if not all"):
        for figure in (f for f in read_table("figures") if f["exact"] == word):
            assert (figure["unit"], figure["value"]) == ("share", "")
            if figure["qualifier"] == "more_than":
                assert figure["value_low"] == "0.5" and "value_low" in figure["inferred"]


def test_numbers_in_words_are_vague_figures_without_a_value() -> None:
    for word in ("thousands", "few"):
        figure = _figure(word)
        assert (figure["qualifier"], figure["value"]) == ("vague", "")


def test_claims_name_the_venue_the_article_cites() -> None:
    claims = read_table("claims")
    blinken = next(c for c in claims if c["claimant_id"] == "antony-blinken")
    assert (blinken["via_source_id"], blinken["claimed_on"]) == ("briefing-blinken-2024-10-31", "2024-10-31?")
    assert blinken["inferred"] == "claimed_on" and "inferred" in blinken["notes"]
    sources = {s["source_id"]: s for s in read_table("sources")}
    venues = {
        "kbs-interview-zelenskyy": ("interview", "kbs", "article-000"),
        "newsweek-commentary-yeo": ("commentary", "newsweek", "article-000"),
        "ft-statement-ukrainian-intelligence": ("statement", "financial-times", "article-000"),
        "briefing-blinken-2024-10-31": ("press_briefing", "", "article-000"),
        "kyodo-interview-zelensky": ("interview", "kyodo-news", "article-001"),
    }
    for source_id, (kind, publisher, cited_in) in venues.items():
        source = sources[source_id]
        assert (source["kind"], source["publisher_id"], source["cited_in"]) == (kind, publisher, cited_in)
        assert source["url"] == "" and source["text_path"] == ""  # known only through the article


def test_spelling_variants_of_one_person_are_one_entity_with_aliases() -> None:
    entities = read_table("entities")
    for spellings in (("Zelenskyy", "Zelensky"), ("Kim Jong Un", "Kim Jong-Un"), ("Anthony Blinken",)):
        owners = {e["entity_id"] for e in entities for s in spellings if s in e["aliases"].split(",")}
        assert len(owners) == 1, spellings


def test_unknown_facts_stay_empty_with_a_note_saying_why() -> None:
    for article in (s for s in read_table("sources") if s["kind"] == "news_article"):
        assert article["url"] == article["published"] == ""
        assert "not given" in article["notes"]
    undated = next(q for q in read_table("quotes") if q["exact"].startswith("the most dangerous"))
    assert undated["said_on"] == "" and "last month" in undated["notes"]


def test_combat_status_and_troop_counts_are_linked_across_articles() -> None:
    links = {(link["from_claim_id"], link["to_claim_id"]): link["relation"] for link in read_table("claim_links")}
    troop_claims = {f["exact"]: f["claim_id"] for f in read_table("figures")}
    assert links[(troop_claims["8,000"], troop_claims["3,000"])] == "updates"
    # Neither article dates the other's count: a tension, not an update and not a contradiction.
    assert links[(troop_claims["12,000"], troop_claims["8,000"])] == "in_tension"
    no_clashes = next(c for c in read_table("claims") if "no combat clashes" in c["exact"])
    assert "updates" in {r for (_, to), r in links.items() if to == no_clashes["claim_id"]}


def test_every_field_has_a_description_and_every_controlled_list_an_enum() -> None:
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    assert re.fullmatch(r"\d+\.\d+\.\d+", descriptor["version"]) and descriptor["name"] == "nk-russia-claims"
    for resource in descriptor["resources"]:
        schema = json.loads((ROOT / resource["schema"]).read_text(encoding="utf-8"))
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
    assert validate(ROOT / "datapackage.json") == []


def test_readme_data_dictionary_is_generated_from_the_schemas() -> None:
    from scripts.releases.docs import main

    assert main(["--datapackage", str(ROOT / "datapackage.json"), "--check", str(ROOT / "README.md")]) == 0


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
    cited = set(re.findall(r"\ba00[01]-[a-z]\d\d\b", codebook))
    ids = {row[key] for table, key in (("claims", "claim_id"), ("quotes", "quote_id"), ("figures", "figure_id"),
                                       ("flags", "flag_id"), ("affiliations", "affiliation_id"))
           for row in read_table(table)}  # fmt: skip
    assert cited and cited <= ids, sorted(cited - ids)
