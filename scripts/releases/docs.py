"""Generate the README's data dictionary, troop-count table, list of checks and citing section from
the package and the validator's registry of checks.

python -m scripts.releases.docs              # print the dictionary
python -m scripts.releases.docs --write README.md
python -m scripts.releases.docs --check README.md   # exit 1 if the README is stale

It belongs to the releases layer, not publishing: the citing section is made of release facts
(releases.json, CHANGELOG.md, scripts.releases.citation), and the README and codebook ship in the
release archive."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import jinja2

from scripts.atomic import write_atomically
from scripts.cli import run
from scripts.package import wording
from scripts.package.read import EDTF_RDF_TYPE, VOCABULARY, DataPackage, Table
from scripts.package.textscan import QUANTITY_WORDS
from scripts.releases import citation, versioning
from scripts.validation.checks import CHECKS, DESCRIPTOR_CODES, codes

START, END = "<!-- data-dictionary:start -->", "<!-- data-dictionary:end -->"
ESTIMATES_START, ESTIMATES_END = "<!-- estimates:start -->", "<!-- estimates:end -->"
CITATION_START, CITATION_END = "<!-- citation:start -->", "<!-- citation:end -->"
CHECKS_START, CHECKS_END = "<!-- checks:start -->", "<!-- checks:end -->"


def data_dictionary(package: DataPackage) -> str:
    resources = {r["name"]: r for r in package.descriptor["resources"]}
    parts = ["_Generated from the Table Schemas by `make docs`; do not edit by hand._\n"]
    for name, table in package.tables.items():
        resource = resources[name]
        parts.append(f"### `{table.path}`: {resource.get('title', name)}\n")
        parts.append(f"{resource.get('description', '')} Rows: {sum(1 for _ in table.rows())}.\n")
        parts.append(f"Primary key: {', '.join(f'`{k}`' for k in table.primary_key)}.{_references(table)}\n")
        parts.append("| column | type | required | description |\n|---|---|---|---|")
        parts.extend(_row(field) for field in table.fields)
        parts.append("")
    return "\n".join(parts)


def _references(table: Table) -> str:
    links = [f"`{','.join(f)}` → `{r}.{','.join(rf)}`" for f, r, rf in table.foreign_keys()]
    return f" References: {'; '.join(links)}." if links else ""


def _row(field: dict) -> str:
    constraints = field.get("constraints", {})
    kind = "EDTF date" if field.get("rdfType") == EDTF_RDF_TYPE else field["type"]
    extra = []
    if "enum" in constraints:
        extra.append("One of: " + ", ".join(f"`{v}`" for v in constraints["enum"]) + ".")
    if "pattern" in constraints:
        extra.append(f"Pattern: `{constraints['pattern']}`.")
    if constraints.get("unique"):
        extra.append("Unique.")
    description = " ".join([field.get("description", ""), *extra]).replace("|", "\\|")
    required = "yes" if constraints.get("required") else ""
    return f"| `{field['name']}` | {kind} | {required} | {description} |"


# Said under the table only when one of its dates ends in `?`; true of any number of articles.
INFERRED_YEAR_NOTE = "A date ending in `?` has its year inferred from context: the article prints none."


def troop_estimates(package: DataPackage) -> str:
    """The README's opening table: every figure of the headline measure (the descriptor's
    headlineMeasure) that the articles report, who gives it, and when."""
    tables = package.tables
    names = {row["entity_id"]: row["name"] for _, row in tables["entities"].rows(["entity_id", "name"])}
    claims = {row["claim_id"]: row for _, row in tables["claims"].rows(["claim_id", "claimant_id", "modality"])}
    lines = [
        "_Generated from the package by `make docs`._\n",
        "| troop count | as the text puts it | date | who says so | how | article |",
        "|---|---|---|---|---|---|",
    ]
    rows = [row for _, row in tables["figures"].rows() if row["measure"] == package.headline_measure]
    for row in sorted(rows, key=lambda r: (r["as_of"] == "", r["as_of"], r["source_id"], int(r["char_start"]))):
        count = troop_count(row)
        qualifiers = ", ".join(q.replace("_", " ") for q in (row["qualifier"], row["second_qualifier"]) if q)
        claim = claims[row["claim_id"]]
        date = row["as_of"] or "not stated"
        lines.append(
            f"| {count} ({qualifiers}) | “{row['exact']}” | {date} | {names.get(claim['claimant_id'], '')} "
            f"| {claim['modality']} | `{row['source_id']}` |"
        )
    if any(row["as_of"].endswith("?") for row in rows):
        lines.append(f"\n{INFERRED_YEAR_NOTE}")
    return "\n".join(lines)


def how_to_cite(package: DataPackage) -> str:
    """The README's citing section: APA and BibTeX for the current version, with its DOI when
    releases.json records one, and the form to use once Zenodo has minted one when it does not."""
    facts = versioning.expected_citation(package.root)
    doi = facts.doi or citation.DOI_PLACEHOLDER
    with_doi = (
        "With its DOI" if facts.doi else "Once Zenodo has minted a DOI for the release you use (see its Zenodo record)"
    )
    return "\n".join([
        "_Generated from the package by `make docs`._\n",
        "Without a DOI:\n",
        f"> {citation.apa(replace(facts, doi=''))}\n",
        f"```bibtex\n{citation.bibtex(replace(facts, doi=''))}\n```\n",
        f"{with_doi}, add it:\n",
        f"> {citation.apa(facts, doi)}\n",
        f"```bibtex\n{citation.bibtex(facts, doi)}\n```",
    ])  # fmt: skip


def troop_count(figure: dict[str, str]) -> str:
    """A figure's number as the README's table writes it: 12,000; a range's two ends, 10,000–12,000."""
    if figure["value"]:
        return f"{float(figure['value']):,.0f}"
    if figure["value_low"] and figure["value_high"]:
        return f"{float(figure['value_low']):,.0f}–{float(figure['value_high']):,.0f}"
    return "(no number)"


def check_list() -> str:
    """The README's list of checks and problem codes, from the registry (scripts.validation.checks)."""
    cell = lambda text: text.replace("|", "\\|")  # noqa: E731
    lines = [
        "_Generated from the registry of checks (`scripts/validation/checks.py`) by `make docs`._\n",
        "Each problem line ends with its code in brackets (`path:row:column: message [code]`); `--json` gives it",
        'as `"code"` and a GitHub annotation in its title. Codes are stable: match problems by code, not by',
        "message. The project's own checks, and the columns each reads (a package without one is refused):\n",
        "| check | what it requires | columns read |",
        "|---|---|---|",
    ]
    for check in CHECKS:
        read = [f"{table} ({', '.join(columns)})" for table, columns in check.reads.items()]
        read += [check.found_in_schemas] if check.found_in_schemas else []
        lines.append(f"| {check.name} | {cell(check.description)} | {cell('; '.join(read))} |")
    lines += ["", "| code | what is wrong | found by |", "|---|---|---|"]
    by = {code: f"the {check.name} check" for check in CHECKS for code in check.codes}
    for code, meaning in codes().items():
        found = by.get(code) or ("the descriptor checks" if code in DESCRIPTOR_CODES else "Table Schema and CSV")
        lines.append(f"| `{code}` | {cell(meaning)} | {found} |")
    lines.append(
        "\nWith `--reference`, frictionless reports Table Schema problems by its own error types "
        "(`primary-key` and `foreign-key` as `primary-key-error` and `foreign-key-error`)."
    )
    return "\n".join(lines)


def splice(readme: str, dictionary: str, start: str = START, end: str = END) -> str:
    """The README with the text between the markers replaced by `dictionary`."""
    head, found, rest = readme.partition(start)
    _, found_end, tail = rest.partition(end)
    if not (found and found_end):
        raise SystemExit(f"README has no {start} … {end} markers")
    return f"{head}{start}\n{dictionary}\n{end}{tail}"


TEMPLATES = Path(__file__).parent / "templates"


def codebook(package: DataPackage) -> str:
    """docs/codebook.md: the editorial rules (a template) and every controlled value (the vocabulary)."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["cell"] = lambda text: (text or "").replace("|", "\\|").replace("\n", " ")
    groups: dict[tuple[str, str], list[dict[str, str]]] = {}
    for _, row in package.tables[VOCABULARY].rows():
        groups.setdefault((row["table"], row["column"]), []).append(row)
    words = ", ".join(f"*{word}*" for word in QUANTITY_WORDS)
    return environment.get_template("codebook.md.j2").render(
        groups=groups.items(),
        quantity_words=words,
        headline_measure=package.headline_measure,
        checked=checked_as,
        words=drafting_words(),
    )


def drafting_words() -> dict[str, str]:
    """The drafting rules' word lists, as the codebook prints them."""

    def listed(words: tuple[str, ...] | list[str]) -> str:
        return ", ".join(f"*{word}*" for word in words)

    qualifiers: dict[str, list[str]] = {}
    for phrase, qualifier in wording.QUALIFIER_PHRASES:
        qualifiers.setdefault(qualifier, []).append(phrase)
    units: dict[str, list[str]] = {}
    for word, unit in wording.UNIT_WORDS:
        units.setdefault(unit, []).append(word)
    return {
        "saying": listed(wording.SAYING_VERBS),
        "viewing": listed(wording.VIEW_VERBS),
        "hedges": listed(wording.HEDGES),
        "qualifiers": "; ".join(f"`{q}` ← {listed(p)}" for q, p in qualifiers.items()),
        "units": "; ".join(f"`{u}` ← {listed(w)}" for u, w in units.items()),
        "descriptions": listed(wording.DESCRIPTION_NOUNS),
        "capitals": "; ".join(f"*{capital}* for {country}" for capital, country in wording.CAPITALS),
        "documents": listed(wording.DOCUMENT_WORDS),
        "offices": listed(wording.OFFICE_WORDS),
        "synonyms": "; ".join(f"*{word}* for *{meant}*" for word, meant in wording.NAME_SYNONYMS),
    }


def checked_as(*names: str) -> str:
    """How the codebook names the checks that hold data to a rule: by their problem codes, each of
    which must be in the registry (a renamed code fails `make docs`)."""
    unknown = [name for name in names if name not in codes()]
    if unknown:
        raise ValueError(f"the codebook names problem codes that no check reports: {', '.join(unknown)}")
    return "[checked: " + ", ".join(f"`{name}`" for name in names) + "]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="docs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--datapackage", default="datapackage.json", type=Path)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", type=Path, help="rewrite the dictionary in this README")
    group.add_argument("--check", type=Path, help="exit 1 if this README's dictionary is stale")
    group.add_argument("--codebook", type=Path, help="write the codebook to this file")
    group.add_argument("--check-codebook", type=Path, help="exit 1 if this codebook is stale")
    args = parser.parse_args(argv)
    package = DataPackage(args.datapackage)
    if args.codebook or args.check_codebook:
        text = codebook(package)
        if args.codebook:
            write_atomically(args.codebook, text)
            return 0
        if args.check_codebook.read_text(encoding="utf-8") != text:
            print(f"{args.check_codebook}: the codebook is stale; run `make docs`", file=sys.stderr)
            return 1
        return 0
    dictionary = data_dictionary(package)
    target = args.write or args.check
    if target is None:
        print(dictionary)
        return 0
    current = target.read_text(encoding="utf-8")
    updated = splice(splice(current, dictionary), troop_estimates(package), ESTIMATES_START, ESTIMATES_END)
    updated = splice(updated, how_to_cite(package), CITATION_START, CITATION_END)
    updated = splice(updated, check_list(), CHECKS_START, CHECKS_END)
    if args.check:
        if updated != current:
            print(f"{target}: the data dictionary is stale; run `make docs`", file=sys.stderr)
            return 1
        return 0
    write_atomically(target, updated)
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
