"""`make link-candidates`: the pairs of claims the link procedure should look at, and the links that
share nothing it asks about."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from scripts.cli import run
from scripts.curation import link_candidates as lc
from tests.conftest import ROOT, read_table

ENTITIES = [
    {"entity_id": "kim", "name": "Kim Jong Un", "kind": "person", "aliases": "Kim"},
    {"entity_id": "north-korea", "name": "North Korea", "kind": "country", "aliases": "Pyongyang"},
    {"entity_id": "sources", "name": "Unnamed sources", "kind": "group", "aliases": "reportedly"},
    {"entity_id": "outlet", "name": "The Wire", "kind": "media", "aliases": ""},
]
SOURCES = [{"source_id": "s1", "publisher_id": "outlet"}, {"source_id": "s2", "publisher_id": ""}]


def claim(claim_id: str, text: str, claimant: str = "outlet", source: str = "s1", on: str = "") -> dict[str, str]:
    return {
        "claim_id": claim_id,
        "source_id": source,
        "claimant_id": claimant,
        "claim": text,
        "exact": text,
        "claimed_on": on,
        "modality": "asserts",
    }


def figure(claim_id: str, measure: str, place: str = "", as_of: str = "") -> dict[str, str]:
    return {"claim_id": claim_id, "measure": measure, "place": place, "as_of": as_of}


def pairs(claims: list[dict[str, str]], figures: list[dict[str, str]] = (), links=(), source: str = "") -> dict:
    features = lc.features_of(claims, list(figures), ENTITIES, SOURCES)
    found = lc.candidates(features, list(links), source)
    return {(c.first["claim_id"], c.second["claim_id"]): {(s.kind, s.what) for s in c.shared} for c in found}


# claims of no one in particular that all name North Korea, so that it is the subject of most claims
FILLER = [claim(f"x{n}", f"North Korea said something else number {n}.", "sources", "s2") for n in range(4)]


def test_two_claims_with_figures_of_one_measure_are_a_candidate_showing_what_they_share() -> None:
    claims = [claim("a", "About 8,000 troops are there."), claim("b", "Some 12,000 troops are there.", "kim", "s2")]
    found = pairs(claims, [figure("a", "nk_troops_in_russia"), figure("b", "nk_troops_in_russia")])
    assert ("quantity", "nk_troops_in_russia") in found[("a", "b")]


def test_a_pair_already_linked_is_no_candidate() -> None:
    claims = [claim("a", "Kim sent troops.", "kim", "s2"), claim("b", "Kim sent more troops.", "kim", "s2")]
    link = {"from_claim_id": "b", "to_claim_id": "a", "relation": "updates", "note": ""}
    assert pairs(claims + FILLER) != {} and ("a", "b") not in pairs(claims + FILLER, links=[link])


def test_a_party_named_in_most_claims_is_the_subject_and_no_shared_actor() -> None:
    claims = [claim("a", "North Korea sent troops."), claim("b", "North Korea sent shells.")]
    assert ("a", "b") not in pairs(claims + FILLER)
    others = [claim("c", "Kim sent troops."), claim("d", "Kim met Putin."), *FILLER]
    assert ("party", "kim") in pairs(others)[("c", "d")]


def test_a_group_claimant_or_the_outlet_narrating_its_own_article_is_no_shared_actor() -> None:
    claims = [
        claim("a", "Troops arrived.", "sources", "s2"),
        claim("b", "Shells arrived.", "sources", "s2"),
        claim("c", "Tanks arrived.", "outlet", "s1"),
        claim("d", "Drones arrived.", "outlet", "s1"),
    ]
    assert pairs(claims + FILLER) == {}


def test_a_lower_case_alias_is_no_name_in_a_claims_words() -> None:
    claims = [claim("a", "Troops reportedly arrived."), claim("b", "Shells reportedly came.")]
    assert pairs(claims + FILLER) == {}


def test_a_place_is_shared_whether_the_words_or_a_figure_give_it() -> None:
    claims = [claim("a", "Troops are in Russia's Kursk region."), claim("b", "Some were killed.", "kim", "s2")]
    found = pairs(claims + FILLER, [figure("b", "nk_casualties", place="the Russian region of Kursk")])
    assert ("place", "Kursk") in found[("a", "b")]


def test_source_keeps_only_pairs_with_a_claim_of_that_source() -> None:
    claims = [claim("a", "Kim sent troops.", "kim", "s2"), claim("b", "Kim sent shells.", "kim", "s2")]
    assert pairs(claims + FILLER, source="s1") == {} and ("a", "b") in pairs(claims + FILLER, source="s2")


def test_a_link_whose_claims_share_nothing_is_listed_with_the_words_they_share() -> None:
    claims = [
        claim("a", "The soldiers are cannon fodder.", "kim", "s2"),
        claim("b", "They will be used as cannon fodder.", "outlet", "s1"),
    ]
    features = lc.features_of(claims + FILLER, [], ENTITIES, SOURCES)
    link = {"from_claim_id": "a", "to_claim_id": "b", "relation": "corroborates", "note": "n"}
    listed = list(lc.unfounded_links(features, [link]))
    assert [(row["from_claim_id"], {w.what for w in words}) for row, words in listed] == [("a", {"cannon", "fodder"})]


def test_link_candidates_on_the_package_prints_both_lists(
    package_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(lc.main, [str(package_copy), "--all"]) == 0
    out = capsys.readouterr().out
    assert "unlinked pair(s) that share something" in out and "link(s) whose claims share no party" in out


def test_only_pairs_that_share_enough_are_proposed_unless_all_are_asked_for() -> None:
    a, b = claim("a", "one"), claim("b", "two")
    weak = lc.Candidate(a, b, (lc.Shared("party", "x"),), lc.PROPOSED_WEIGHT - 0.01)
    strong = lc.Candidate(b, a, (lc.Shared("quantity", "y"),), lc.PROPOSED_WEIGHT)
    features = {"a": lc.Features(a), "b": lc.Features(b)}
    proposed = list(lc.report([strong, weak], [], features, every=False))
    every = list(lc.report([strong, weak], [], features, every=True))
    assert [line for line in proposed if line[:2] == "1."] and not [line for line in proposed if line[:2] == "2."]
    assert [line for line in every if line[:2] == "2."]


def test_link_candidates_refuses_a_source_without_claims(
    package_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(lc.main, [str(package_copy), "--source", "no-such-article"]) == 1
    assert "no claim of source 'no-such-article'" in capsys.readouterr().err


def test_link_candidates_refuses_a_claim_row_without_its_cells(
    package_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    claims = package_copy.parent / "data" / "claims.csv"
    claims.write_text(claims.read_text().rstrip("\n") + "\nlonely\n")
    assert run(lc.main, [str(package_copy)]) == 1
    assert "claims.csv" in capsys.readouterr().err


def test_a_pair_judged_no_link_is_not_proposed_again() -> None:
    claims = [claim("a", "Kim sent troops.", "kim", "s2"), claim("b", "Kim sent shells.", "kim", "s2"), *FILLER]
    judged = frozenset({frozenset(("b", "a"))})
    assert ("a", "b") in pairs(claims) and ("a", "b") not in {
        (c.first["claim_id"], c.second["claim_id"])
        for c in lc.candidates(lc.features_of(claims, [], ENTITIES, SOURCES), [], "", judged)
    }


def _decisions(package_copy: Path, text: str) -> None:
    (package_copy.parent / lc.DECISIONS).parent.mkdir(exist_ok=True)
    (package_copy.parent / lc.DECISIONS).write_text(text, encoding="utf-8", errors="surrogateescape")


def test_link_candidates_leaves_out_the_pairs_the_decisions_file_records(
    package_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _decisions(package_copy, "claim_id_a,claim_id_b,decision,review\n")
    assert run(lc.main, [str(package_copy), "--all"]) == 0
    every = capsys.readouterr().out
    first = next(line for line in every.splitlines() if line.startswith("1. "))
    a, b = first[3:].split("  [")[0].split(" – ")
    _decisions(package_copy, f"claim_id_a,claim_id_b,decision,review\n{b},{a},no link,test\n")
    assert run(lc.main, [str(package_copy), "--all"]) == 0
    out = capsys.readouterr().out
    assert f"1. {a} – {b}  [" not in out and "(1 pair(s) judged no link" in out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b\n", "the header must be claim_id_a,claim_id_b,decision,review"),
        ("claim_id_a,claim_id_b,decision,review\nx,y,maybe,r\n", "link-decisions.csv:2: write two claim ids"),
        ("claim_id_a,claim_id_b,decision,review\n\udcff,y,no link,r\n", "link-decisions.csv: not UTF-8"),
    ],
)
def test_link_candidates_refuses_a_decisions_file_it_cannot_read(
    package_copy: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    _decisions(package_copy, text)
    assert run(lc.main, [str(package_copy)]) == 1
    assert message in capsys.readouterr().err


def test_link_candidates_refuses_a_decisions_file_that_links_outside_the_package(
    package_copy: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path_factory.mktemp("outside") / "elsewhere.csv"  # not under the package's folder
    outside.write_text("claim_id_a,claim_id_b,decision,review\n", encoding="utf-8")
    (package_copy.parent / lc.DECISIONS).parent.mkdir(exist_ok=True)
    (package_copy.parent / lc.DECISIONS).symlink_to(outside)
    assert run(lc.main, [str(package_copy)]) == 1
    assert "resolves outside the package root" in capsys.readouterr().err


def test_every_pair_judged_no_link_names_two_claims_that_are_not_linked() -> None:
    decisions = ROOT / lc.DECISIONS
    rows = list(csv.DictReader(decisions.open(encoding="utf-8")))
    claims = {row["claim_id"] for row in read_table("claims")}
    linked = {frozenset((link["from_claim_id"], link["to_claim_id"])) for link in read_table("claim_links")}
    assert rows and all({row["claim_id_a"], row["claim_id_b"]} <= claims for row in rows)
    assert not [row for row in rows if frozenset((row["claim_id_a"], row["claim_id_b"])) in linked]
