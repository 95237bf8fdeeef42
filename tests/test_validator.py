"""The validator, by mutation: each test breaks a copy of the real package in one way and asserts
the exact problem line (`path:row:column: message`) that the validator reports for it."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from scripts.package.read import DataPackage
from scripts.validation.checks import SHOWN_PER_KIND, descriptor_problems
from scripts.validation.validate import main, table_schema_problems, validate
from tests.conftest import ROOT, read_table
from tests.mutations import append_row, cell, delete_row, edit_json, row_number, set_cells

Mutation = Callable[[Path], str]  # breaks the package under root, returns the expected line's start


def problem_lines(descriptor: Path) -> list[str]:
    return [str(problem) for problem in validate(descriptor)]


# ----------------------------------------------------------------------------- descriptors
def schema_key_typo(root: Path) -> str:
    def typo(schema: dict) -> None:
        schema["fields"][5]["contraints"] = schema["fields"][5].pop("constraints")

    edit_json(root / "schemas/claims.schema.json", typo)
    return "schemas/claims.schema.json:-:fields.5.contraints: unknown key"


def version_not_semver(root: Path) -> str:
    edit_json(root / "datapackage.json", lambda d: d.update(version="1.0"))
    return "datapackage.json:-:version: String should match pattern"


def unknown_package_key(root: Path) -> str:
    edit_json(root / "datapackage.json", lambda d: d.update(licences=d["licenses"]))
    return "datapackage.json:-:licences: unknown key"


def table_without_schema(root: Path) -> str:
    edit_json(root / "datapackage.json", lambda d: d["resources"][6].pop("schema"))
    return "datapackage.json:-:resources.6: Value error, a table resource needs a schema"


def resource_path_missing(root: Path) -> str:
    (root / "data/figures.csv").rename(root / "data/figure.csv")
    return "datapackage.json:-:resources.6.path: no such file: 'data/figures.csv'"


def foreign_key_names_missing_field(root: Path) -> str:
    def rename(schema: dict) -> None:
        schema["foreignKeys"][0]["fields"] = ["claim"]

    edit_json(root / "schemas/figures.schema.json", rename)
    return "schemas/figures.schema.json:-:-: Value error, keys name fields that the schema does not have: claim"


# ----------------------------------------------------------------------------- evidence
def quote_exact_altered(root: Path) -> str:
    row = set_cells(
        root, "quotes", "a000-q01", exact=cell(root, "quotes", "a000-q01", "exact").replace("boost", "Boost")
    )
    return f"data/quotes.csv:{row}:exact: 'North Korean troops will give Russia an immediate Boost"


def span_end_past_text(root: Path) -> str:
    row = set_cells(root, "claims", "a001-c27", char_end="99999")
    return f"data/claims.csv:{row}:char_end: span"


def span_start_not_before_end(root: Path) -> str:
    row = set_cells(root, "figures", "a000-f03", char_start="2188")
    return f"data/figures.csv:{row}:char_start: span 2188..2188"


def span_in_source_without_text(root: Path) -> str:
    row = set_cells(root, "claims", "a000-c03", source_id="kbs-interview-zelenskyy")
    return f"data/claims.csv:{row}:source_id: source 'kbs-interview-zelenskyy' has no archived text"


# ----------------------------------------------------------------------------- archive
def archived_text_changed(root: Path) -> str:
    path = root / "data/texts/article-001.txt"
    path.write_bytes(path.read_bytes() + b"\n")
    return f"data/sources.csv:{row_number(root, 'sources', 'article-001')}:text_sha256: is 'b913665a"


def archived_text_missing(root: Path) -> str:
    (root / "data/texts/article-000.txt").unlink()
    return f"data/sources.csv:{row_number(root, 'sources', 'article-000')}:text_path: archived text not found"


# ----------------------------------------------------------------------------- figures
def figure_value_differs_from_its_words(root: Path) -> str:
    row = set_cells(root, "figures", "a000-f03", value="9000")
    return f"data/figures.csv:{row}:value: is '9000', but exact says 8000"


def figure_low_above_value(root: Path) -> str:
    row = set_cells(root, "figures", "a001-f01", value_low="13000")
    return f"data/figures.csv:{row}:value_low: 13000 is above value 12000"


def figure_high_below_value(root: Path) -> str:
    row = set_cells(root, "figures", "a001-f02", value_high="14000")
    return f"data/figures.csv:{row}:value_high: 14000 is below value 15000"


def figure_outside_its_claim(root: Path) -> str:
    row = set_cells(root, "figures", "a000-f03", claim_id="a000-c26")
    return f"data/figures.csv:{row}:char_start: span lies outside the evidence span of claim a000-c26"


def value_for_a_number_in_words(root: Path) -> str:
    row = set_cells(root, "figures", "a000-f01", value="5000")  # "thousands"
    return f"data/figures.csv:{row}:value: exact states no number in digits"


# ----------------------------------------------------------------------------- quotes
def quote_and_claim_do_not_nest(root: Path) -> str:
    row = append_row(root, "quote_claims", {"quote_id": "a000-q04", "claim_id": "a000-c07"})
    return f"data/quote_claims.csv:{row}:claim_id: the spans of quote a000-q04 and claim a000-c07 do not nest"


def quote_not_between_quotation_marks(root: Path) -> str:
    start, exact = (
        int(cell(root, "quotes", "a001-q01", "char_start")),
        cell(root, "quotes", "a001-q01", "exact"),
    )
    row = set_cells(root, "quotes", "a001-q01", char_start=str(start + 2), exact=exact[2:])
    return f"data/quotes.csv:{row}:exact: not enclosed by quotation marks"


def nested_quote_outside_its_parent(root: Path) -> str:
    row = set_cells(root, "quotes", "a000-q09", nested_in="a000-q07")
    return f"data/quotes.csv:{row}:nested_in: quote lies outside quote a000-q07"


# ----------------------------------------------------------------------------- dates
def month_thirteen(root: Path) -> str:
    row = set_cells(root, "claims", "a000-c14", claimed_on="2024-13-31")
    return f"data/claims.csv:{row}:claimed_on: '2024-13-31' is not a valid EDTF date"


def impossible_day(root: Path) -> str:
    row = set_cells(root, "quotes", "a001-q04", said_on="2024-02-30")
    return f"data/quotes.csv:{row}:said_on: '2024-02-30' is not a valid EDTF date"


def stray_space_in_date(root: Path) -> str:
    row = set_cells(root, "figures", "a000-f04", as_of="2024-10- 28")
    return f"data/figures.csv:{row}:as_of: '2024-10- 28' is not a valid EDTF date"


def date_that_is_not_edtf(root: Path) -> str:
    row = set_cells(root, "sources", "briefing-blinken-2024-10-31", published="October 31")
    return f"data/sources.csv:{row}:published: 'October 31' is not a valid EDTF date"


def date_in_other_digits(root: Path) -> str:
    row = set_cells(root, "claims", "a000-c14", claimed_on="٢٠٢٤-١٠-٣١")  # Arabic-Indic digits
    return f"data/claims.csv:{row}:claimed_on: '٢٠٢٤-١٠-٣١' is not a valid EDTF date"


# ----------------------------------------------------------------------------- numbers every reader reads alike
def number_with_an_underscore(root: Path) -> str:
    row = set_cells(root, "figures", "a000-f03", value="8_000")  # Python: 8000; the sqlite3 import: 8
    return f"data/figures.csv:{row}:value: '8_000' has an underscore"


def integer_in_full_width_digits(root: Path) -> str:
    row = set_cells(root, "claims", "a000-c03", char_start="１２")
    return f"data/claims.csv:{row}:char_start: '１２' is written in digits other than ASCII 0-9"


def number_in_arabic_indic_digits(root: Path) -> str:
    row = set_cells(root, "figures", "a001-f01", value_low="٨٠٠٠")
    return f"data/figures.csv:{row}:value_low: '٨٠٠٠' is written in digits other than ASCII 0-9"


def infinite_number(root: Path) -> str:
    row = set_cells(root, "figures", "a001-f02", value_high="inf")
    return f"data/figures.csv:{row}:value_high: 'inf' is not a finite number"


def number_that_is_not_a_number(root: Path) -> str:
    row = set_cells(root, "figures", "a001-f02", value_high="nan")
    return f"data/figures.csv:{row}:value_high: 'nan' is not a finite number"


def number_near_the_largest_double(root: Path) -> str:
    row = set_cells(root, "figures", "a001-f02", value_high="1.7e308")
    return f"data/figures.csv:{row}:value_high: '1.7e308' is beyond ±10^15"


def integer_beyond_10_to_the_15(root: Path) -> str:
    row = set_cells(root, "claims", "a000-c03", char_end="10000000000000000")
    return f"data/claims.csv:{row}:char_end: '10000000000000000' is beyond ±10^15"


# ----------------------------------------------------------------------------- entities
def alias_of_two_entities(root: Path) -> str:
    row = set_cells(root, "entities", "vladimir-putin", aliases="Vladimir Putin,Putin,Zelensky")
    return f"data/entities.csv:{row}:aliases: alias 'Zelensky' also belongs to volodymyr-zelenskyy"


def speaker_not_named_in_article(root: Path) -> str:
    row = set_cells(root, "quotes", "a000-q01", speaker_id="pat-ryder")
    return f"data/quotes.csv:{row}:speaker_id: pat-ryder: neither its name nor an alias appears in article-000"


def claimant_not_named_in_article(root: Path) -> str:
    row = set_cells(root, "claims", "a001-c25", claimant_id="andrew-yeo")
    return f"data/claims.csv:{row}:claimant_id: andrew-yeo: neither its name nor an alias appears in article-001"


# ----------------------------------------------------------------------------- coverage
def quotation_skipped(root: Path) -> str:
    delete_row(root, "quotes", "a000-q01")
    return "data/texts/article-000.txt:6:2: quotation 'North Korean troops will give"


def nested_quotation_skipped(root: Path) -> str:
    delete_row(root, "quotes", "a000-q09")
    return "data/texts/article-000.txt:16:280: quotation 'cannon fodder.' at 3007..3021"


def number_skipped(root: Path) -> str:
    delete_row(root, "figures", "a001-f05")
    return "data/texts/article-001.txt:5:49: number '$2,000' at 1817..1823 is in neither figures.csv"


def number_in_words_skipped(root: Path) -> str:
    delete_row(root, "figures", "a000-f01")
    return "data/texts/article-000.txt:4:6: number 'thousands'"


def exclusion_of_nothing(root: Path) -> str:
    row = append_row(
        root, "exclusions",
        {"source_id": "article-000", "char_start": "4", "char_end": "12", "exact": "Category", "reason": "x"},
    )  # fmt: skip
    return f"data/exclusions.csv:{row}:char_start: excludes no quotation or number"


# ----------------------------------------------------------------------------- CSV hygiene
def _rewrite(root: Path, name: str, change: Callable[[bytes], bytes]) -> None:
    path = root / "data" / name
    path.write_bytes(change(path.read_bytes()))


def byte_order_mark(root: Path) -> str:
    _rewrite(root, "claims.csv", lambda data: b"\xef\xbb\xbf" + data)
    return "data/claims.csv:1:-: starts with a byte order mark"


def crlf_line_endings(root: Path) -> str:
    _rewrite(root, "entities.csv", lambda data: data.replace(b"\n", b"\r\n"))
    return "data/entities.csv:1:-: CR line ending"


def no_final_newline(root: Path) -> str:
    _rewrite(root, "claim_links.csv", lambda data: data.rstrip(b"\n"))
    lines = (root / "data/claim_links.csv").read_bytes().count(b"\n") + 1
    return f"data/claim_links.csv:{lines}:-: no newline at the end of the file"


def not_utf8(root: Path) -> str:
    _rewrite(root, "figures.csv", lambda data: data.replace(b"the latest reported", b"the latest r\xe9ported"))
    return f"data/figures.csv:{row_number(ROOT, 'figures', 'a000-f02')}:-: not UTF-8"


def trailing_space(root: Path) -> str:
    row = set_cells(root, "claims", "a000-c02", claim="The North Korean fighters have limited combat experience. ")
    return f"data/claims.csv:{row}:claim: leading or trailing white space"


def not_nfc(root: Path) -> str:
    row = set_cells(root, "entities", "park", notes="Cafe\u0301 owner")
    return f"data/entities.csv:{row}:notes: not NFC-normalised Unicode"


def control_character(root: Path) -> str:
    row = set_cells(root, "sources", "csis-pardo", title="CSIS\x07 report")
    return f"data/sources.csv:{row}:title: control character U+0007"


def invisible_format_character(root: Path) -> str:
    row = set_cells(root, "sources", "csis-pardo", title="CSIS \u202ereport")
    return f"data/sources.csv:{row}:title: invisible format character U+202E RIGHT-TO-LEFT OVERRIDE"


def spreadsheet_formula(root: Path) -> str:
    row = set_cells(root, "claims", "a000-c11", notes='=HYPERLINK("http://example.org","x")')
    return f"data/claims.csv:{row}:notes: starts with '=': a spreadsheet would run it as a formula"


def formula_with_at_sign(root: Path) -> str:
    row = set_cells(root, "entities", "kbs", description="@SUM(1,2)")
    return f"data/entities.csv:{row}:description: starts with '@'"


def url_not_http(root: Path) -> str:
    row = set_cells(root, "sources", "kyodo-interview-zelensky", url="javascript:alert(1)")
    return f"data/sources.csv:{row}:url: URL scheme must be http or https"


# ----------------------------------------------------------------------------- claim links
def _link(root: Path, values: dict[str, str]) -> int:
    return append_row(root, "claim_links", {"relation": "corroborates", "note": "test", **values})


def link_to_itself(root: Path) -> str:
    row = _link(root, {"from_claim_id": "a000-c01", "to_claim_id": "a000-c01"})
    return f"data/claim_links.csv:{row}:to_claim_id: a claim cannot link to itself"


def link_repeated_in_reverse(root: Path) -> str:
    row = _link(root, {"from_claim_id": "a000-c41", "to_claim_id": "a001-c04"})  # a001-c04 -> a000-c41 exists
    return f"data/claim_links.csv:{row}:to_claim_id: duplicate link between a000-c41 and a001-c04"


def link_to_missing_claim(root: Path) -> str:
    row = _link(root, {"from_claim_id": "a000-c99", "to_claim_id": "a000-c01"})
    return f"data/claim_links.csv:{row}:from_claim_id: no claim 'a000-c99'"


# ----------------------------------------------------------------------------- Table Schema rules
def value_outside_enum(root: Path) -> str:
    row = set_cells(root, "claims", "a000-c01", topic="troops")
    return f"data/claims.csv:{row}:topic: constraint-error"


def unknown_speaker(root: Path) -> str:
    row = set_cells(root, "quotes", "a000-q02", speaker_id="zelensky")
    return f"data/quotes.csv:{row}:speaker_id: foreign-key"


def duplicate_primary_key(root: Path) -> str:
    row = set_cells(root, "figures", "a000-f02", figure_id="a000-f01")
    return f"data/figures.csv:{row}:figure_id: primary-key"


def offset_not_an_integer(root: Path) -> str:
    row = set_cells(root, "claims", "a000-c05", char_start="12a")
    return f"data/claims.csv:{row}:char_start: type-error"


def id_not_a_slug(root: Path) -> str:
    row = set_cells(root, "entities", "kbs", entity_id="KBS")
    return f"data/entities.csv:{row}:entity_id: constraint-error"


def _constrain(root: Path, table: str, field: str, **constraints: object) -> None:
    def add(schema: dict) -> None:
        next(f for f in schema["fields"] if f["name"] == field).setdefault("constraints", {}).update(constraints)

    edit_json(root / f"schemas/{table}.schema.json", add)


def above_maximum(root: Path) -> str:
    _constrain(root, "figures", "value", maximum=14000)
    return f'data/figures.csv:{row_number(root, "figures", "a001-f02")}:value: constraint-error: constraint "maximum"'


def at_exclusive_minimum(root: Path) -> str:
    _constrain(root, "figures", "value", exclusiveMinimum=2000)
    return f"data/figures.csv:{row_number(root, 'figures', 'a001-f05')}:value: constraint-error"


def longer_than_max_length(root: Path) -> str:
    _constrain(root, "entities", "name", maxLength=30)
    row = set_cells(root, "entities", "kbs", name="Korean Broadcasting System of the Republic of Korea")
    return f'data/entities.csv:{row}:name: constraint-error: constraint "maxLength"'


def unique_key_repeated(root: Path) -> str:
    edit_json(root / "schemas/quotes.schema.json", lambda s: s.update(uniqueKeys=[["source_id", "char_start"]]))
    start = cell(root, "quotes", "a000-q01", "char_start")
    row = set_cells(root, "quotes", "a000-q02", char_start=start)
    return f"data/quotes.csv:{row}:source_id,char_start: unique-error"


# ----------------------------------------------------------------------------- 0.2 model
def chain_step_one_is_not_the_claimant(root: Path) -> str:
    row = set_cells(root, "attributions", "a000-c07", entity_id="park")
    return f"data/attributions.csv:{row}:entity_id: step 1 is the claimant andrew-yeo, who asserts"


def chain_with_a_gap(root: Path) -> str:
    row = set_cells(root, "attributions", "a000-c07", step="2")
    return f"data/attributions.csv:{row}:step: step 2 of a chain of 1"


def claim_without_a_chain(root: Path) -> str:
    delete_row(root, "attributions", "a000-c07")
    return (
        f"data/claims.csv:{row_number(root, 'claims', 'a000-c07')}:claimant_id: claim a000-c07 is not its article's own"
    )


def attribution_words_altered(root: Path) -> str:
    row = set_cells(root, "attributions", "a000-c07", exact="said Yeo")
    return f"data/attributions.csv:{row}:exact: 'said Yeo' is not the text at"


def inferred_names_no_column(root: Path) -> str:
    row = set_cells(root, "claims", "a000-c01", inferred="claimed_at")
    return f"data/claims.csv:{row}:inferred: 'claimed_at' is not a column of claims"


def inferred_date_without_its_mark(root: Path) -> str:
    row = set_cells(root, "claims", "a000-c14", claimed_on="2024-10-31")
    return f"data/claims.csv:{row}:claimed_on: claimed_on is inferred, so its EDTF date ends in ?"


def controlled_value_without_definition(root: Path) -> str:
    _rewrite(
        root,
        "vocabulary.csv",
        lambda data: b"\n".join(line for line in data.split(b"\n") if not line.startswith(b"claims,modality,denies,")),
    )
    return "schemas/claims.schema.json:-:modality: claims.modality value 'denies' has no definition in vocabulary.csv"


def definition_of_no_value(root: Path) -> str:
    row = append_row(
        root, "vocabulary", {"table": "claims", "column": "modality", "value": "doubts", "definition": "x"}
    )
    return f"data/vocabulary.csv:{row}:value: defines 'claims.modality.doubts', which no Table Schema allows"


def affiliation_with_a_person(root: Path) -> str:
    row = set_cells(root, "affiliations", "a000-a01", organization_id="park")
    return f"data/affiliations.csv:{row}:organization_id: is a person"


def utterance_of_two_speakers(root: Path) -> str:
    row = set_cells(root, "quotes", "a000-q06", speaker_id="park")
    return f"data/quotes.csv:{row}:utterance_id: the parts of utterance a000-u01 must share speaker and article"


def flag_words_altered(root: Path) -> str:
    row = set_cells(root, "flags", "a000-x01", exact="Antony Blinken")
    return f"data/flags.csv:{row}:exact: 'Antony Blinken' is not the text at"


def quantity_word_skipped(root: Path) -> str:
    delete_row(root, "figures", "a000-f07")  # "some soldiers"
    return "data/texts/article-000.txt:16:138: number 'some' at 2865..2869"


NOT_IN_FRICTIONLESS = {unique_key_repeated}
MUTATIONS: list[Mutation] = [
    schema_key_typo, version_not_semver, unknown_package_key, table_without_schema, resource_path_missing,
    foreign_key_names_missing_field, quote_exact_altered, span_end_past_text, span_start_not_before_end,
    span_in_source_without_text, archived_text_changed, archived_text_missing,
    figure_value_differs_from_its_words, figure_low_above_value, figure_high_below_value,
    figure_outside_its_claim, value_for_a_number_in_words, quote_and_claim_do_not_nest,
    quote_not_between_quotation_marks, nested_quote_outside_its_parent, month_thirteen, impossible_day,
    stray_space_in_date, date_that_is_not_edtf, date_in_other_digits, number_with_an_underscore,
    integer_in_full_width_digits, number_in_arabic_indic_digits, infinite_number, number_that_is_not_a_number,
    number_near_the_largest_double, integer_beyond_10_to_the_15, alias_of_two_entities, speaker_not_named_in_article,
    claimant_not_named_in_article, quotation_skipped, nested_quotation_skipped, number_skipped,
    number_in_words_skipped, exclusion_of_nothing, byte_order_mark, crlf_line_endings, no_final_newline,
    not_utf8, trailing_space, not_nfc, control_character, invisible_format_character, spreadsheet_formula,
    formula_with_at_sign,
    url_not_http, link_to_itself, link_repeated_in_reverse, link_to_missing_claim, value_outside_enum,
    unknown_speaker, duplicate_primary_key, offset_not_an_integer, id_not_a_slug, above_maximum,
    at_exclusive_minimum, longer_than_max_length, unique_key_repeated, chain_step_one_is_not_the_claimant,
    chain_with_a_gap, claim_without_a_chain, attribution_words_altered, inferred_names_no_column,
    inferred_date_without_its_mark, controlled_value_without_definition, definition_of_no_value,
    affiliation_with_a_person, utterance_of_two_speakers, flag_words_altered, quantity_word_skipped,
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.__name__)
def test_each_defect_is_reported_at_its_file_row_and_column(package_copy: Path, mutation: Mutation) -> None:
    expected = mutation(package_copy.parent)
    lines = problem_lines(package_copy)
    assert any(line.startswith(expected) for line in lines), "\n".join(lines)
    assert main([str(package_copy)]) == 1


def test_the_real_package_passes_and_every_exclusion_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(ROOT / "datapackage.json")]) == 0
    assert capsys.readouterr().out == ""
    exclusions = read_table("exclusions")
    assert [e["exact"] for e in exclusions] == ["most"] and "superlative" in exclusions[0]["reason"]


def test_an_excluded_number_is_not_reported_as_skipped(package_copy: Path) -> None:
    root = package_copy.parent
    delete_row(root, "figures", "a001-f03")  # "few" in "every few months"
    append_row(
        root, "exclusions",
        {"source_id": "article-001", "char_start": "880", "char_end": "883", "exact": "few", "reason": "t"},
    )  # fmt: skip
    assert problem_lines(package_copy) == []


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
    expected = [trailing_space(root), number_skipped(root), month_thirteen(root)]
    lines = problem_lines(package_copy)
    assert all(any(line.startswith(e) for line in lines) for e in expected), lines


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
def test_make_validate_checks_another_copy_and_exits_1(package_copy: Path) -> None:
    expected = figure_value_differs_from_its_words(package_copy.parent)
    result = subprocess.run(
        ["make", "--no-print-directory", "validate", f"DATAPACKAGE={package_copy}"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert any(line.startswith(expected) for line in result.stdout.splitlines()), result.stdout


def test_a_missing_descriptor_is_a_clear_error(tmp_path: Path) -> None:
    assert [str(p) for p in validate(tmp_path / "datapackage.json")] == [
        f"{tmp_path / 'datapackage.json'}:-:-: no such data package descriptor"
    ]


@pytest.mark.slow
@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.__name__)
def test_set_based_checks_flag_the_same_cells_as_frictionless(package_copy: Path, mutation: Mutation) -> None:
    if mutation in NOT_IN_FRICTIONLESS:
        pytest.skip("frictionless 5 does not check this Table Schema v2 rule; the set-based engine does")
    mutation(package_copy.parent)
    package = DataPackage(package_copy)
    if list(descriptor_problems(package)):
        pytest.skip("a broken descriptor stops validation before any Table Schema rule runs")
    reference = {(p.path, p.row, p.column) for p in table_schema_problems(package, reference=True)}
    assert {(p.path, p.row, p.column) for p in table_schema_problems(package)} == reference


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
    location = expected.split(": ", 1)[0]
    reference = table_schema_problems(DataPackage(package_copy), reference=True)
    assert not any(str(p).startswith(location) for p in reference), "frictionless now refuses it: update the note"
    for mode in (False, True):
        assert any(str(p).startswith(expected) for p in validate(package_copy, mode))


@pytest.mark.parametrize(
    ("key", "value", "column"),
    [
        ("type", "date", "fields.7.type"),
        ("format", "email", "fields.7.format"),
        ("trueValues", ["yes"], "fields.7.trueValues"),
    ],
)
def test_a_rule_the_set_based_engine_does_not_check_is_reported_not_skipped(
    package_copy: Path, key: str, value: object, column: str
) -> None:
    edit_json(package_copy.parent / "schemas/claims.schema.json", lambda s: s["fields"][7].update({key: value}))
    lines = problem_lines(package_copy)
    assert any(line.startswith(f"schemas/claims.schema.json:-:{column}: ") and "REFERENCE=1" in line for line in lines)
