"""`make suggest`, `make accept` and `make suggest-eval`: drafts from an article's text, merged only
when a curator accepts them, scored against rows a curator wrote."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scripts.cli import run
from scripts.curation import accept as accept_tool
from scripts.curation import suggest, suggest_eval
from scripts.curation.drafting import DRAFT_COLUMNS, Entity, Role, draft
from scripts.curation.drafting.names import Article
from scripts.package import textscan
from scripts.package.read import DataPackage
from scripts.validation.validate import validate
from tests.articles.third import next_source_id
from tests.conftest import PACKAGE, ROOT
from tests.mutations import review_drafts, row_of

TEST_TEXTS = ROOT / "tests" / "suggest_texts"
ZELENSKY = Entity("volodymyr-zelenskyy", "Volodymyr Zelenskyy", "person", ["Zelensky", "Volodymyr Zelensky"])
STORY = (
    "Troops arrive\n"
    'KYIV (Wire) - "The North Korean units are already at the front," said Olena Kovalenko, a spokeswoman for '
    "the Kyiv Defence Institute. She added that between 10,000 and 12,000 soldiers had arrived.\n"
    "Kovalenko said the losses were heavy. “We counted about 1,200 casualties,” she said.\n"
    "Zelensky told reporters that the most dangerous areas were in the east.\n"
)


def rows(table: str, text: str = STORY, entities: tuple[Entity, ...] = (ZELENSKY,)) -> list[dict[str, str]]:
    return draft(text, "article-900", list(entities), "outlet-900").tables.get(table, [])


def by_exact(table: str, exact: str, text: str = STORY) -> dict[str, str]:
    found = [row for row in rows(table, text) if row["exact"] == exact]
    assert len(found) == 1, [row["exact"] for row in rows(table, text)]
    return found[0]


# -- what the rules draft ---------------------------------------------------------------------------


def test_a_quotation_gets_the_speaker_named_after_it_and_a_new_entity_with_its_surname() -> None:
    quote = by_exact("quotes", "The North Korean units are already at the front,")
    assert (quote["speaker_id"], quote["kind"]) == ("olena-kovalenko", "statement")
    entity = next(row for row in rows("entities") if row["entity_id"] == "olena-kovalenko")
    assert (entity["name"], entity["kind"], entity["aliases"]) == (
        "Olena Kovalenko",
        "person",
        "Olena Kovalenko,Kovalenko",
    )


def test_a_pronoun_speaker_is_the_person_named_before_it() -> None:
    assert by_exact("quotes", "We counted about 1,200 casualties,")["speaker_id"] == "olena-kovalenko"


def test_reported_speech_after_a_verb_of_saying_is_a_reported_quote_without_that_or_full_stop() -> None:
    quote = by_exact("quotes", "between 10,000 and 12,000 soldiers had arrived")
    assert (quote["kind"], quote["speaker_id"]) == ("reported", "olena-kovalenko")
    assert by_exact("quotes", "the losses were heavy")["speaker_id"] == "olena-kovalenko"


def test_a_known_entity_is_matched_by_its_alias() -> None:
    assert by_exact("quotes", "the most dangerous areas were in the east")["speaker_id"] == "volodymyr-zelenskyy"


def test_a_range_is_one_figure_with_both_ends_and_no_value() -> None:
    figure = by_exact("figures", "10,000 and 12,000")
    assert (figure["value"], figure["value_low"], figure["value_high"], figure["qualifier"]) == (
        "", "10000", "12000", "between"
    )  # fmt: skip
    assert (figure["unit"], figure["reported_by_id"]) == ("soldiers", "olena-kovalenko")


@pytest.mark.parametrize(("words", "qualifier", "value", "low", "high"), [
    ("about 1,200", "approximately", "1200", "", ""),
    ("nearly 1,200", "close_to", "1200", "", ""),
    ("up to 1,200", "up_to", "1200", "", "1200"),
    ("at least 1,200", "at_least", "1200", "1200", ""),
    ("1,200", "exact", "1200", "", ""),
])  # fmt: skip
def test_the_words_before_a_number_give_its_qualifier_and_bound(
    words: str, qualifier: str, value: str, low: str, high: str
) -> None:
    text = f"Officials said {words} soldiers were killed.\n"
    figure = by_exact("figures", "1,200", text)
    assert (figure["qualifier"], figure["value"], figure["value_low"], figure["value_high"]) == (
        qualifier,
        value,
        low,
        high,
    )


def test_a_superlative_most_is_drafted_as_an_exclusion_not_a_figure() -> None:
    exclusion = by_exact("exclusions", "most")
    assert "superlative" in exclusion["reason"]
    assert not [row for row in rows("figures") if row["exact"] == "most"]


def test_an_attributed_sentence_becomes_a_claim_skeleton_for_the_curator_to_write() -> None:
    claims = rows("claims")
    skeleton = next(row for row in claims if row["exact"].startswith("She added"))
    assert (skeleton["claim"], skeleton["claimant_id"], skeleton["review"]) == ("", "olena-kovalenko", "")
    steps = [row for row in rows("attributions") if row["claim_id"] == skeleton["claim_id"]]
    assert [(s["step"], s["role"], s["entity_id"], s["exact"]) for s in steps] == [
        ("1", "asserts", "olena-kovalenko", "She added")
    ]


def test_an_apposition_drafts_an_affiliation_with_the_role_as_written() -> None:
    affiliation = by_exact("affiliations", "Olena Kovalenko, a spokeswoman for the Kyiv Defence Institute")
    assert (affiliation["person_id"], affiliation["organization_id"], affiliation["role"]) == (
        "olena-kovalenko", "kyiv-defence-institute", "spokeswoman"
    )  # fmt: skip


def test_an_adjective_of_nationality_is_no_new_entity() -> None:
    assert "north-korean" not in {row["entity_id"] for row in rows("entities")}


# Words to build texts from: attributions, quotations, numbers and quantity words in every arrangement.
PIECES = st.sampled_from([
    "Olena Kovalenko said", "said Olena Kovalenko,", "Kovalenko told reporters that", "she added",
    "According to Ukrainian officials,", "reportedly", "“", "”", '"', "‘", "’", "'", "about", "between",
    "and", "up to", "1,200", "$2,000", "12", "thousands", "most", "some", "the most", "all", "troops",
    "Zelensky", "He said", ".", ",", "\n", "North Korean", "that", "the front",
])  # fmt: skip


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(PIECES, max_size=40).map(" ".join))
def test_every_quotation_and_number_the_coverage_check_counts_gets_a_draft(text: str) -> None:
    drafts = draft(text, "article-900", [ZELENSKY], "outlet-900").tables
    for table in drafts.values():
        for row in table:
            if "exact" in row and row.get("char_start"):
                assert text[int(row["char_start"]) : int(row["char_end"])] == row["exact"]
    quoted = {(int(r["char_start"]), int(r["char_end"])) for r in drafts.get("quotes", [])}
    covering = [
        (int(r["char_start"]), int(r["char_end"])) for t in ("figures", "exclusions") for r in drafts.get(t, [])
    ]
    for kind, span in textscan.spans(text):
        if span.what != "quotation" and kind == textscan.KIND_QUOTATION:
            continue
        if kind == textscan.KIND_QUOTATION:
            assert (span.start, span.end) in quoted, span
        else:
            assert any(s <= span.start and span.end <= e for s, e in covering), span


# -- make suggest and make accept on a package ----------------------------------------------------------------


def _archive(package_copy: Path, text: str) -> str:
    """The story archived under the next free id, as add-source does."""
    from scripts.curation.add_source import main as add_source

    root = package_copy.parent
    source_id, _ = next_source_id(root)
    story = root.parent / "story.txt"
    story.write_text(text, encoding="utf-8")
    assert add_source([str(story), source_id, "--datapackage", str(package_copy), "--publisher-name", "Wire 900"]) == 0
    return source_id


def _suggested(package_copy: Path) -> tuple[str, Path]:
    """STORY archived under the next free id and drafted: (its id, its drafts folder)."""
    source_id = _archive(package_copy, STORY)
    assert suggest.main([source_id, str(package_copy)]) == 0
    return source_id, package_copy.parent / "drafts" / source_id


def test_suggest_writes_each_tables_columns_then_confidence_why_and_an_empty_review(package_copy: Path) -> None:
    source_id = _archive(package_copy, STORY)
    tables = {p.name: p.read_bytes() for p in (package_copy.parent / "data").glob("*.csv")}
    assert suggest.main([source_id, str(package_copy)]) == 0
    package = DataPackage(package_copy)
    folder = package_copy.parent / "drafts" / source_id
    assert {f.stem for f in folder.glob("*.csv")} >= {"quotes", "figures", "claims", "attributions", "entities"}
    for file in folder.glob("*.csv"):
        with file.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            assert next(reader) == [*package.tables[file.stem].field_names, *DRAFT_COLUMNS]
            assert all(cells[-1] == "" for cells in reader)
    assert {p.name: p.read_bytes() for p in (package_copy.parent / "data").glob("*.csv")} == tables  # drafts only


def test_accept_adds_only_the_accepted_rows_and_takes_them_out_of_the_drafts(package_copy: Path) -> None:
    source_id, folder = _suggested(package_copy)
    review_drafts(folder, "entities", {"Olena Kovalenko": "accept"}, description="Spokeswoman (test text).")
    quote = "The North Korean units are already at the front,"
    review_drafts(folder, "quotes", {quote: "accept", "the losses were heavy": "reject"})
    before = validate(package_copy)
    assert accept_tool.main([source_id, str(package_copy)]) == 0
    assert row_of(package_copy.parent, "entities", "olena-kovalenko")["description"] == "Spokeswoman (test text)."
    added = [r for r in _table(package_copy, "quotes") if r["source_id"] == source_id]
    assert [r["exact"] for r in added] == [quote]
    assert set(DRAFT_COLUMNS).isdisjoint(added[0])
    left = [r["exact"] for r in _table_file(folder / "quotes.csv")]
    assert quote not in left and "the losses were heavy" not in left and left
    assert {str(p) for p in validate(package_copy)} <= {str(p) for p in before}
    assert accept_tool.main([source_id, str(package_copy)]) == 0  # again: nothing accepted, nothing added
    assert len([r for r in _table(package_copy, "quotes") if r["source_id"] == source_id]) == 1


def test_accept_writes_nothing_and_names_the_draft_row_when_a_row_brings_a_problem(
    package_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source_id, folder = _suggested(package_copy)
    review_drafts(
        folder, "quotes", {"The North Korean units are already at the front,": "accept"}
    )  # speaker not accepted
    tables = {p.name: p.read_bytes() for p in (package_copy.parent / "data").glob("*.csv")}
    drafts_before = (folder / "quotes.csv").read_bytes()
    assert accept_tool.main([source_id, str(package_copy)]) == 1
    error = capsys.readouterr().err
    assert f"drafts/{source_id}/quotes.csv:2:speaker_id:" in error and "nothing written" in error
    assert {p.name: p.read_bytes() for p in (package_copy.parent / "data").glob("*.csv")} == tables
    assert (folder / "quotes.csv").read_bytes() == drafts_before


def test_accept_refuses_a_review_that_is_neither_accept_nor_reject(
    package_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source_id, folder = _suggested(package_copy)
    review_drafts(folder, "quotes", {"the losses were heavy": "maybe"})
    assert run(accept_tool.main, [source_id, str(package_copy)]) == 1
    assert f"drafts/{source_id}/quotes.csv:" in capsys.readouterr().err


def test_accept_without_drafts_says_to_run_suggest(package_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(accept_tool.main, ["article-999", str(package_copy)]) == 1
    assert "make suggest SOURCE=article-999" in capsys.readouterr().err


def _table(package_copy: Path, name: str) -> list[dict[str, str]]:
    return _table_file(package_copy.parent / "data" / f"{name}.csv")


def _table_file(file: Path) -> list[dict[str, str]]:
    with file.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# -- make suggest-eval ------------------------------------------------------------------------------------------


def test_every_test_text_row_is_verbatim_and_its_meta_names_a_style() -> None:
    articles = list(suggest_eval.from_folder(TEST_TEXTS))  # raises on an offset that is not exact
    assert {a.group for a in articles} == {"dev", "held_out"}
    for folder in {t.parent for t in TEST_TEXTS.glob("*/*/text.txt")}:
        assert json.loads((folder / "meta.json").read_text(encoding="utf-8"))["style"]


def _test_text(folder: Path, text: str, quotes: list[dict[str, str]]) -> Path:
    """A one-article test-text folder as tests/suggest_texts holds them."""
    folder.mkdir(parents=True)
    (folder / "text.txt").write_text(text, encoding="utf-8")
    (folder / "meta.json").write_text('{"style": "wire"}', encoding="utf-8")
    with (folder / "quotes.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["exact", "char_start", "char_end", "kind", "speaker"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(quotes)
    return folder


@pytest.mark.parametrize(("speaker", "status"), [("Olena Kovalenko", 0), ("Someone Else", 1)])
def test_suggest_eval_exits_1_while_a_set_misses_its_goals(tmp_path: Path, speaker: str, status: int) -> None:
    text = '"The units are at the front," said Olena Kovalenko.\n'
    quote = {"exact": "The units are at the front,", "char_start": "1", "char_end": "28", "kind": "statement"}
    _test_text(tmp_path / "texts" / "held_out" / "one", text, [{**quote, "speaker": speaker}])
    argv = [str(ROOT / "datapackage.json"), "--texts", str(tmp_path / "texts"), "--goals", "held_out"]
    assert suggest_eval.main(argv) == status


def test_a_miss_counts_against_the_goals() -> None:
    text = 'Kovalenko spoke. "Nothing," and later 5,000.\n'
    article = suggest_eval.Annotated("t", "probe", text, [], [])
    article.quotes = [{"exact": "later", "char_start": "31", "char_end": "36", "speaker_id": "x"}]
    article.figures = [
        {"exact": "5,000", "char_start": "37", "char_end": "42", "value": "4000", "value_low": "", "value_high": ""}
    ]
    scores = [suggest_eval.score(article, [], [])]
    missed = suggest_eval.goals_met(scores, "probe")
    assert any("quotes found 0%" in m for m in missed) and any("values right 0%" in m for m in missed)


def test_the_readme_shows_the_scores_of_the_drafts_as_they_are() -> None:
    argv = [str(ROOT / "datapackage.json"), "--texts", str(TEST_TEXTS), "--check-readme", str(ROOT / "README.md")]
    assert suggest_eval.main(argv) == 0


def test_a_stale_score_table_is_refused(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"x\n{suggest_eval.README_START}\n| old |\n{suggest_eval.README_END}\n", encoding="utf-8")
    argv = [str(ROOT / "datapackage.json"), "--texts", str(TEST_TEXTS), "--check-readme", str(readme)]
    assert suggest_eval.main(argv) == 1
    assert suggest_eval.main([*argv[:-2], "--write-readme", str(readme)]) == 0
    assert suggest_eval.main(argv) == 0


@pytest.mark.parametrize("source_id", ["../outside", "a/b", ".."])
def test_suggest_and_accept_refuse_a_source_id_that_is_a_path(package_copy: Path, source_id: str) -> None:
    assert run(suggest.main, [source_id, str(package_copy)]) == 1
    assert run(accept_tool.main, [source_id, str(package_copy)]) == 1
    assert not (package_copy.parent / "outside").exists() and not (package_copy.parent / "drafts").exists()


def test_accept_refuses_a_draft_file_that_is_a_link(package_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source_id, folder = _suggested(package_copy)
    (folder / "quotes.csv").unlink()
    (folder / "quotes.csv").symlink_to(package_copy.parent / "data" / "quotes.csv")
    assert run(accept_tool.main, [source_id, str(package_copy)]) == 1
    assert "not a regular file" in capsys.readouterr().err


@pytest.mark.parametrize(("sentence", "exact", "value", "unit"), [
    ("Officials said 1.5 million shells were sent.", "1.5 million", "1500000", ""),
    ("Officials said 40 percent of the troops were hurt.", "40 percent", "40", "percent"),
    ("Officials said 40% of the troops were hurt.", "40%", "40", "percent"),
])  # fmt: skip
def test_magnitudes_and_percentages_are_drafted_as_the_codebook_says(
    sentence: str, exact: str, value: str, unit: str
) -> None:
    figure = by_exact("figures", exact, sentence + "\n")
    assert (figure["value"], figure["unit"]) == (value, unit)


def test_alternatives_are_drafted_as_one_figure_with_two_ends() -> None:
    figure = by_exact("figures", "40 or 50", "Officials said 40 or 50 soldiers were captured.\n")
    assert (figure["value_low"], figure["value_high"], figure["qualifier"]) == ("40", "50", "between")


@pytest.mark.package  # any package: drafts for an article that has rows already
def test_drafts_for_a_curated_article_take_free_ids_and_their_references_follow() -> None:
    package = DataPackage(PACKAGE / "datapackage.json")
    source_id = next(row["source_id"] for _, row in package.tables["quotes"].rows())
    drafted = suggest.drafts_of(package, source_id).tables
    held = {}
    for table, column in (("claims", "claim_id"), ("quotes", "quote_id"), ("figures", "figure_id")):
        held[table] = {row[column] for _, row in package.tables[table].rows()}
        assert not {row[column] for row in drafted.get(table, [])} & held[table]
    claims = {row["claim_id"] for row in drafted.get("claims", [])} | held["claims"]
    quotes = {row["quote_id"] for row in drafted.get("quotes", [])} | held["quotes"]
    assert {row["claim_id"] for row in drafted.get("figures", []) if row["claim_id"]} <= claims
    assert {row["claim_id"] for row in drafted.get("quote_claims", [])} <= claims
    assert {row["quote_id"] for row in drafted.get("quote_claims", [])} <= quotes


def test_a_set_without_texts_meets_no_goal() -> None:
    assert suggest_eval.goals_met([], "held_out") == ["held_out: no test text in this set, so no goal can be met"]


def test_accept_works_with_the_default_relative_descriptor(package_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source_id = _archive(package_copy, STORY)
    monkeypatch.chdir(package_copy.parent)
    assert run(suggest.main, [source_id]) == 0
    review_drafts(Path("drafts") / source_id, "entities", {"Olena Kovalenko": "accept"}, description="A spokeswoman.")
    assert run(accept_tool.main, [source_id]) == 0
    assert row_of(package_copy.parent, "entities", "olena-kovalenko")["description"] == "A spokeswoman."


def test_suggest_keeps_reviewed_drafts_unless_forced(package_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source_id, folder = _suggested(package_copy)
    review_drafts(folder, "quotes", {"the losses were heavy": "reject"})
    reviewed = (folder / "quotes.csv").read_bytes()
    assert run(suggest.main, [source_id, str(package_copy)]) == 1
    assert "FORCE=1" in capsys.readouterr().err and (folder / "quotes.csv").read_bytes() == reviewed
    assert run(suggest.main, [source_id, str(package_copy), "--force"]) == 0
    assert (folder / "quotes.csv").read_bytes() != reviewed


def test_a_second_suggest_proposes_only_what_the_package_lacks(package_copy: Path) -> None:
    source_id, folder = _suggested(package_copy)
    quote = "The North Korean units are already at the front,"
    review_drafts(folder, "entities", {"Olena Kovalenko": "accept"}, description="A spokeswoman.")
    review_drafts(folder, "quotes", {quote: "accept"})
    assert run(accept_tool.main, [source_id, str(package_copy)]) == 0
    assert run(suggest.main, [source_id, str(package_copy)]) == 0
    drafted = [row["exact"] for row in _table_file(folder / "quotes.csv")]
    assert quote not in drafted and "the losses were heavy" in drafted
    assert "olena-kovalenko" not in {row["entity_id"] for row in _table_file(folder / "entities.csv")}


def test_accept_places_the_span_of_an_accepted_row_from_its_exact(package_copy: Path) -> None:
    source_id, folder = _suggested(package_copy)
    review_drafts(folder, "entities", {"Olena Kovalenko": "accept"}, description="A spokeswoman.")
    review_drafts(folder, "quotes", {"the losses were heavy": "accept"}, exact="the losses", char_start="", char_end="")
    assert run(accept_tool.main, [source_id, str(package_copy)]) == 0
    added = next(r for r in _table(package_copy, "quotes") if r["source_id"] == source_id)
    text = DataPackage(package_copy).text_of(source_id) or ""
    assert text[int(added["char_start"]) : int(added["char_end"])] == "the losses"


def test_accept_says_where_a_rejected_speaker_is_drafted(
    package_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source_id, folder = _suggested(package_copy)
    review_drafts(folder, "entities", {"Olena Kovalenko": "reject"})
    review_drafts(folder, "quotes", {"the losses were heavy": "accept"})
    assert run(accept_tool.main, [source_id, str(package_copy)]) == 1
    assert f"is drafted at drafts/{source_id}/entities.csv:" in capsys.readouterr().err


@pytest.mark.parametrize(("expected", "drafted_name"), [
    ("Sir Nicholas Penhallow", "Nicholas Penhallow"),
    ("South Korea's Ministry of National Defense", "South Korea’s Ministry of National Defense"),
    ("a senior US official", "Senior US official"),
])  # fmt: skip
def test_the_scorer_takes_one_name_written_two_ways_for_one_party(expected: str, drafted_name: str) -> None:
    drafted = Entity("x", drafted_name, "person", [], drafted=True)
    assert suggest_eval.same_party(expected, "x", {"x": drafted})
    assert not suggest_eval.same_party("Nicholas Pen", "x", {"x": drafted})


def test_an_attributed_headline_is_drafted_as_the_outlets_claim() -> None:
    text = "Troops reach the front, Kyiv says\nKyiv said on Monday that troops had reached the front.\n"
    skeletons = rows("claims", text)
    assert skeletons[0]["exact"].startswith("Troops reach") and skeletons[0]["claimant_id"] == "outlet-900"
    assert "headline" in skeletons[0]["why"]


def test_a_role_named_by_its_countrys_adjective_is_the_person_the_package_knows_in_it() -> None:
    ukraine = Entity("ukraine", "Ukraine", "country", ["Ukraine"])
    text = "In his nightly address, the Ukrainian president said that the first casualties were recorded.\n"
    drafted = draft(
        text, "article-900", [ZELENSKY, ukraine], "outlet-900", [Role("volodymyr-zelenskyy", "ukraine", "President")]
    )
    assert [q["speaker_id"] for q in drafted.tables["quotes"]] == ["volodymyr-zelenskyy"]


def test_a_possessive_is_no_part_of_a_drafted_name() -> None:
    text = "The Ministry of Defence's assessment said that most were infantry.\n"
    names = {row["name"] for row in rows("entities", text)}
    assert "Ministry of Defence" in names and not any(name.endswith("s") and "Defence" in name for name in names)


def test_a_word_of_a_description_is_no_persons_name() -> None:
    text = (
        "Headline: a former North Korean officer speaks\n\n"
        "Choi Yong-ho served for years. The North's army is large, he said.\n"
    )
    drafted = draft(text, "article-900", [], "outlet-900").tables
    assert {row["speaker_id"] for row in drafted["quotes"]} == {"choi-yong-ho"}


def test_suggest_refuses_a_package_without_a_table_it_reads(
    package_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    descriptor = json.loads(package_copy.read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "affiliations"]
    package_copy.write_text(json.dumps(descriptor), encoding="utf-8")
    source_id = next(iter(DataPackage(package_copy).archived_texts))
    assert run(suggest.main, [source_id, str(package_copy)]) == 1
    assert "no resource 'affiliations'" in capsys.readouterr().err


def test_suggest_refuses_a_table_whose_rows_lack_a_column(
    package_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entities = package_copy.parent / "data" / "entities.csv"
    rows = list(csv.reader(entities.open(encoding="utf-8", newline="")))
    with entities.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([row[:3] for row in rows])
    source_id = next(iter(DataPackage(package_copy).archived_texts))
    assert run(suggest.main, [source_id, str(package_copy)]) == 1
    assert f"data/entities.csv:2: no cell for {', '.join(rows[0][3:])}" in capsys.readouterr().err


@pytest.mark.parametrize("quotes", ["foo,bar\n1,2\n", "exact,char_start,char_end,kind,speaker\nhi,0,x,statement,a\n"])
def test_suggest_eval_refuses_a_test_text_it_cannot_score(tmp_path: Path, quotes: str) -> None:
    folder = tmp_path / "texts" / "held_out" / "one"
    folder.mkdir(parents=True)
    (folder / "text.txt").write_text("hi\n", encoding="utf-8")
    (folder / "quotes.csv").write_text(quotes, encoding="utf-8")
    assert run(suggest_eval.main, [str(ROOT / "datapackage.json"), "--texts", str(tmp_path / "texts")]) == 1


# -- who speaks when the text does not name them at the verb ----------------------------------------

SEOUL_SPIES = Entity("south-korean-intelligence", "South Korean intelligence", "government", [])
COUNTRIES = (Entity("south-korea", "South Korea", "country", []), Entity("ukraine", "Ukraine", "country", []))


def speakers(text: str, entities: tuple[Entity, ...] = ()) -> dict[str, str]:
    """Each drafted quotation's words and its speaker."""
    drafted = draft(text, "article-900", list(entities), "outlet-900").tables
    return {row["exact"]: row["speaker_id"] for row in drafted.get("quotes", [])}


@pytest.mark.parametrize(
    "name",
    ["South Korea's National Intelligence Service", "Seoul's spy agency", "the South Korean intelligence service"],
)
def test_a_longer_name_of_a_body_the_package_knows_is_that_body(name: str) -> None:
    text = f"{name[0].upper()}{name[1:]} said that 3,000 troops had moved.\n"
    assert speakers(text, (SEOUL_SPIES, *COUNTRIES)) == {"3,000 troops had moved": "south-korean-intelligence"}


def test_a_longer_name_of_another_country_is_no_body_the_package_knows() -> None:
    text = "Ukraine's military intelligence agency said that 3,000 troops had moved.\n"
    agencies = Entity("intelligence-agencies", "Intelligence agencies", "group", ["intelligence agencies"])
    drafted = speakers(text, (SEOUL_SPIES, agencies, *COUNTRIES))
    assert drafted == {"3,000 troops had moved": "ukraines-military-intelligence-agency"}


def test_an_acronym_after_a_longer_name_of_a_known_body_is_that_body() -> None:
    text = (
        "South Korea's National Intelligence Service (NIS) briefed lawmakers.\n"
        "The NIS said that the troops were paid.\n"
    )
    assert speakers(text, (SEOUL_SPIES, *COUNTRIES)) == {"the troops were paid": "south-korean-intelligence"}


def test_the_statement_speaks_for_the_body_that_issued_it() -> None:
    text = (
        "Ukraine's Ministry of Defence issued a statement on Monday. Defence Minister Rustem Umerov spoke too.\n"
        "The statement, released after a meeting of the War Cabinet, said that 1,100 had been killed.\n"
    )
    assert speakers(text)["1,100 had been killed"] == "ukraines-ministry-of-defence"


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("Defence Minister Rustem Umerov met Dana Voss. The minister said that the units were new.\n", "rustem-umerov"),
        (
            "Soldiers are 'expendable', the Defence Secretary has said.\nThe Defence Secretary, Tom Halloway, spoke.\n",
            "tom-halloway",
        ),
        (
            "Dana Voss spoke. The Pentagon spokesman, Maj. Gen. Pat Ryder, said that the US could not confirm it.\n",
            "pat-ryder",
        ),
    ],
)
def test_the_office_a_person_was_named_with_stands_for_that_person(text: str, speaker: str) -> None:
    assert set(speakers(text).values()) == {speaker}


def test_a_description_with_its_name_in_apposition_is_the_person_named() -> None:
    text = "A ministry spokesperson, Col. Lee Min-ho, told a briefing that the estimate was based on many sources.\n"
    assert set(speakers(text).values()) == {"lee-min-ho"}


def test_the_ministry_is_the_last_body_with_that_word_in_its_name() -> None:
    text = (
        "South Korea's Ministry of National Defense met after the National Security Council did.\n"
        "The ministry said that at least 100 had been killed.\n"
    )
    assert speakers(text)["at least 100 had been killed"] == "south-koreas-ministry-of-national-defense"


def test_people_the_text_counts_are_a_group_and_they_is_that_group() -> None:
    text = (
        "Russia pays $2,000 a month, two people familiar with the arrangement said. "
        "Most of the money goes to the state, they said.\n"
    )
    assert set(speakers(text).values()) == {"two-people-familiar-with-the-arrangement"}


def test_a_call_sign_names_a_person_and_he_is_that_person() -> None:
    text = (
        "Our correspondent Tom Brennan spoke to a drone operator who gave only his call sign, Orlan.\n\n"
        "'They come in small groups,' he said.\n\n"
        "Orlan said his unit had hit about 100 soldiers.\n"
    )
    assert set(speakers(text).values()) == {"orlan"}


def test_the_name_after_said_and_a_title_is_the_speaker() -> None:
    text = (
        "The Ministry of Foreign Affairs met. “Every soldier prolongs the war,” said Foreign Minister Aurelia Brandt.\n"
    )
    assert set(speakers(text).values()) == {"aurelia-brandt"}


def test_a_speaker_the_lede_describes_is_the_person_the_next_paragraph_opens_with() -> None:
    text = (
        "Troops near the front, lawmaker says\n\n"
        "SEOUL (Wire) - About 11,000 soldiers are now deployed in the region, a South Korean lawmaker said on"
        " Wednesday after a closed-door briefing.\n\n"
        "Han Ki-joon, a member of the intelligence committee, told reporters the units had taken casualties.\n"
    )
    assert speakers(text)["About 11,000 soldiers are now deployed in the region"] == "han-ki-joon"


def test_a_description_outside_the_lede_keeps_its_own_party() -> None:
    text = (
        "Troops near the front\n\n"
        "SEOUL (Wire) - North Korean units moved west this week, according to satellite images seen by this"
        " agency.\n\n"
        "About 11,000 soldiers are now deployed in the region, a South Korean lawmaker said on Wednesday.\n\n"
        "Han Ki-joon, a member of the intelligence committee, told reporters the units had taken casualties.\n"
    )
    assert speakers(text)["About 11,000 soldiers are now deployed in the region"] == "south-korean-lawmaker"


def test_a_republic_or_federation_is_a_country_not_a_person() -> None:
    text = "The Republic of Veloria said it would act. The Russian Federation said it would not.\n"
    article = Article(text, "article-900", "a900", [], "outlet-900")
    kinds = {article.text[m.start : m.end]: m.entity.kind for m in article.mentions}
    assert kinds == {"Republic of Veloria": "country", "Russian Federation": "country"}


@pytest.mark.parametrize("dateline", ["SEOUL (Wire) - ", "SEOUL, Nov 13 (Meridian Wire) - ", "KYIV — "])
def test_a_dateline_is_no_part_of_the_reported_clause_it_opens(dateline: str) -> None:
    text = f"{dateline}About 11,000 soldiers are now deployed, Han Ki-joon said.\n"
    assert speakers(text) == {"About 11,000 soldiers are now deployed": "han-ki-joon"}


def test_told_reporters_without_that_reports_the_clause_after_the_audience() -> None:
    text = "Han Ki-joon, a member of the intelligence committee, told reporters the units had taken casualties.\n"
    assert speakers(text) == {"the units had taken casualties": "han-ki-joon"}


def test_an_acronym_given_in_brackets_names_the_body_before_it() -> None:
    text = (
        "The Security Service of Ukraine (SBU) questioned a prisoner.\n"
        "The SBU said that the prisoner had expected training.\n"
    )
    assert speakers(text) == {"the prisoner had expected training": "security-service-of-ukraine"}
    entity = next(row for row in rows("entities", text) if row["entity_id"] == "security-service-of-ukraine")
    assert "SBU" in entity["aliases"].split(",")


@pytest.mark.parametrize("verb", ["did not say", "declined to say", "would not say", "never said", "didn't say"])
def test_a_negated_verb_of_saying_reports_no_speech(verb: str) -> None:
    assert speakers(f"Kim Yong-hyun {verb} where the reports came from.\n") == {}


def test_an_answer_under_a_question_of_its_own_is_the_interviewees_reported_speech() -> None:
    text = (
        "Major Taras Hnatiuk commands a battalion near Sudzha.\n\n"
        "How many North Koreans are facing you?\n\n"
        "In our sector, more than a thousand. They rotate.\n"
    )
    assert speakers(text)["In our sector, more than a thousand. They rotate"] == "taras-hnatiuk"


def test_speech_split_by_one_of_them_told_reporters_is_two_parts_of_that_speaker() -> None:
    text = (
        "Lawmakers were briefed on Wednesday.\n"
        "Most of that money, one of the lawmakers, Yoon Ha-neul, told reporters, is likely to be kept by the state.\n"
    )
    assert speakers(text) == {
        "Most of that money": "yoon-ha-neul",
        "is likely to be kept by the state": "yoon-ha-neul",
    }


def test_said_yesterday_ends_the_attribution_and_the_clause_before_it_is_reported() -> None:
    text = "About 3,000 soldiers had moved to the front, the Security Service of Ukraine said yesterday.\n"
    assert speakers(text) == {"About 3,000 soldiers had moved to the front": "security-service-of-ukraine"}


def test_it_opening_a_sentence_is_the_body_named_before_when_saying_follows() -> None:
    text = (
        "South Korea's Ministry of National Defense condemned the move.\n"
        "It did not rule out sending arms to Kyiv, saying all options remained on the table.\n"
    )
    assert speakers(text) == {"all options remained on the table": "south-koreas-ministry-of-national-defense"}


def test_a_definite_description_with_its_name_in_apposition_is_the_person_named() -> None:
    text = (
        "A lawmaker was briefed by the spy agency.\n"
        "The lawmaker, Lee Jae-won, said the agency believes casualties have passed 100.\n"
    )
    assert speakers(text) == {"the agency believes casualties have passed 100": "lee-jae-won"}


def test_a_reported_clause_holding_single_marked_words_gives_only_the_marked_quotation() -> None:
    text = "The soldier ‘did not know he was going to war’, the SBU said in a statement.\n"
    assert list(speakers(text)) == ["did not know he was going to war"]


def test_a_name_and_its_apposition_before_told_is_no_reported_clause() -> None:
    text = (
        "Andrei Kovalenko, a former attaché in Seoul, told the Courier the capture was ‘a propaganda gift’ for Kyiv,"
        " but warned against reading too much into it.\n"
    )
    assert not [exact for exact in speakers(text) if exact.startswith("Andrei")]


def test_told_lawmakers_on_a_day_ends_the_sentence_and_the_clause_before_it_is_reported() -> None:
    text = "North Korea has sent 12,000 soldiers to Russia, South Korea's spy agency told lawmakers on Thursday.\n"
    assert speakers(text) == {"North Korea has sent 12,000 soldiers to Russia": "south-koreas-spy-agency"}


def test_a_clause_that_cuts_through_a_quotation_is_no_reported_row() -> None:
    text = "‘They are thrown forward in waves, and they are dying in waves,’ said Lee Seong-ho, an MP.\n"
    assert list(speakers(text)) == ["They are thrown forward in waves, and they are dying in waves,"]


def test_a_person_named_in_an_interviewers_question_is_not_who_he_is() -> None:
    text = (
        "Choi Yong-ho served in the North Korean army for twenty years.\n\n"
        "And does Kim Jong Un gain from this?\n\n"
        "“Enormously. Cash, oil, perhaps technology,” he said.\n"
    )
    assert speakers(text) == {"Enormously. Cash, oil, perhaps technology,": "choi-yong-ho"}


def test_a_group_word_opening_a_sentence_is_the_groups_speech() -> None:
    assert speakers("Analysts said Russia was paying Pyongyang roughly $2,000 per soldier.\n") == {
        "Russia was paying Pyongyang roughly $2,000 per soldier": "analysts"
    }


def test_telling_reporters_only_that_gives_the_quotation_to_the_one_telling() -> None:
    text = (
        "Kremlin spokesman Dmitry Peskov declined to comment, telling reporters only that cooperation"
        " “is not directed against third countries.”\n"
    )
    assert speakers(text) == {"is not directed against third countries.": "dmitry-peskov"}


def test_a_body_a_country_owns_speaks_not_the_country() -> None:
    text = "Ukraine's special operations forces said dozens had died in a single drone strike.\n"
    ukraine = Entity("ukraine", "Ukraine", "country", [])
    assert speakers(text, (ukraine,)) == {
        "dozens had died in a single drone strike": "ukraines-special-operations-forces"
    }


def test_a_group_with_has_said_after_the_clause_is_the_speaker() -> None:
    text = "North Korean soldiers are 'taking heavy losses' in assaults, British defence intelligence has said.\n"
    known = Entity("british-intelligence", "British intelligence", "government", [])
    assert speakers(text, (known,)) == {"taking heavy losses": "british-intelligence"}


def test_a_verb_that_opens_a_quotation_after_a_colon_reports_no_clause_before_it() -> None:
    text = (
        "A drone operator, who gave his call sign, Taras, told the Post: 'They walk in columns. We call it the"
        ' "grinder".\'\n'
    )
    assert speakers(text) == {'They walk in columns. We call it the "grinder".': "taras", "grinder": "taras"}


def test_an_adjective_of_a_country_is_no_speaker() -> None:
    text = (
        "Choi Min-seok retired in 2019.\n\n"
        "Choi dismissed Ukrainian estimates of heavy losses as “partly propaganda,” but said that hundreds of dead"
        " would not trouble Kim.\n"
    )
    ukraine = Entity("ukraine", "Ukraine", "country", [])
    assert set(speakers(text, (ukraine,)).values()) == {"choi-min-seok"}


def test_a_capital_after_in_is_a_place_not_its_country_speaking() -> None:
    korea = Entity("south-korea", "South Korea", "country", [])
    text = "The Russian Embassy in Seoul said that the cooperation was lawful.\n"
    assert speakers(text, (korea,))["the cooperation was lawful"] != "south-korea"


def test_he_is_the_subject_of_the_sentence_that_named_the_last_person() -> None:
    text = (
        "Choi Min-seok dismissed the estimates, but said even heavy losses would not trouble Kim Jong Un.\n\n"
        "He was blunter about the money. Moscow was paying the regime in hard currency, he noted.\n"
    )
    assert speakers(text)["Moscow was paying the regime in hard currency"] == "choi-min-seok"


def test_an_office_no_one_was_named_with_is_the_person_its_paragraph_named() -> None:
    text = (
        "Choi Min-seok commanded a corps before he retired in 2019. In an interview, the former lieutenant"
        " general said the troops should not be dismissed.\n"
    )
    assert speakers(text) == {"the troops should not be dismissed": "choi-min-seok"}


def test_quoted_as_saying_gives_the_quotation_to_the_one_quoted() -> None:
    text = (
        "The ministry issued a statement.\n"
        "“We will not stand by,” Defense Minister Kim Yong-hyun was quoted as saying in the statement.\n"
    )
    assert speakers(text) == {"We will not stand by,": "kim-yong-hyun"}


def test_a_noun_phrase_before_he_said_is_the_first_part_of_the_utterance() -> None:
    text = "Choi Min-seok spoke.\n\nNorth Korea’s officers, he said, had never seen a drone war before.\n"
    assert speakers(text) == {
        "North Korea’s officers": "choi-min-seok",
        "had never seen a drone war before": "choi-min-seok",
    }
