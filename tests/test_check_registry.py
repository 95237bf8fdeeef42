"""The registry of checks (scripts.validation.checks.CHECKS): every problem carries a declared,
stable code; the columns a check declares are the columns a package must have; and each rule's SQL
filter only saves time: its Python judge, run on every row, finds exactly the same problems."""

from __future__ import annotations

import ast
import inspect
import json
import re
from pathlib import Path

import pytest

from scripts.benchmark.synth import generate
from scripts.package.read import DataPackage
from scripts.releases.docs import CHECKS_END, CHECKS_START, check_list, checked_as
from scripts.validation import checks
from scripts.validation.registry import CODE, Check, RowRule
from scripts.validation.validate import checked
from tests.agreement import assert_filters_agree_with_judges
from tests.conftest import ROOT, copy_package
from tests.hostile.test_schema_fields import drop_field
from tests.source_code import string_constants
from tests.test_validator import MUTATIONS

SOURCES = sorted((ROOT / "scripts").rglob("*.py"))


def test_every_code_is_kebab_case_declared_once_and_described() -> None:
    codes = checks.codes()  # refuses a code declared twice
    assert len(codes) == len(checks.PACKAGE_CODES) + sum(len(check.codes) for check in checks.CHECKS)
    assert [code for code in codes if not re.fullmatch(CODE, code)] == []
    assert [code for code, meaning in codes.items() if not meaning.strip()] == []
    assert [check.name for check in checks.CHECKS if not check.description or "\n" in check.description] == []


def _code_keywords() -> set[str]:
    """Every `code="…"` the project's code gives a Problem."""
    found: set[str] = set()
    for file in SOURCES:
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "code" and isinstance(node.value, ast.Constant):
                found.add(node.value.value)
    return found


def _kebab_literals() -> set[str]:
    """Every string literal of the project's code that reads like a code (the maps from a kind of
    problem to its code included), docstrings apart."""
    found: set[str] = set()
    for file in SOURCES:
        for constant in string_constants(ast.parse(file.read_text(encoding="utf-8"))):
            if "-" in constant.value and re.fullmatch(CODE, constant.value):
                found.add(constant.value)
    return found


def test_every_code_the_source_gives_a_problem_is_declared() -> None:
    given = _code_keywords()
    assert len(given) > 10, "the scan of the source finds no `code=`: it is broken"
    assert sorted(given - set(checks.codes())) == []


def test_every_declared_code_is_given_somewhere_in_the_source() -> None:
    """A declared code that nothing reports is a stale line in the README's list."""
    # schemasql and frictionless name these by the frictionless type that begins their messages
    by_type = {"type-error", "constraint-error", "unique-error", "primary-key-error", "foreign-key-error"}
    assert sorted(set(checks.codes()) - _kebab_literals() - by_type) == []


@pytest.mark.parametrize("check", [c for c in checks.CHECKS if c.reads], ids=lambda c: c.name)
def test_dropping_a_column_a_check_declares_is_refused_naming_that_check(tmp_path: Path, check: Check) -> None:
    """The required columns come from the registry: drop one column a check declares (the one fewest
    readers share, so that the message names this check) and validation refuses the package."""
    readers = checks.required_columns(checks.check_reads(), checks.STAGING_READS)
    table, column = min(
        ((t, c) for t, columns in check.reads.items() for c in columns), key=lambda tc: len(readers[tc[0]][tc[1]])
    )
    descriptor = copy_package(tmp_path)
    drop_field(tmp_path, table, column)
    _drop_keys_naming(tmp_path, table, column)  # else the schema is refused first, as a key to nothing
    refused = [p for p in checks.descriptor_problems(DataPackage(descriptor)) if p.code == "missing-required-field"]
    assert [p.message.split(" (")[0] for p in refused] == [f"no field {column!r}, which the project's checks need"]
    if len(readers[table][column]) <= 3:
        assert check.reader in refused[0].message


def _drop_keys_naming(root: Path, table: str, column: str) -> None:
    """Every key of every schema that names the column, gone."""
    for file in (root / "schemas").glob("*.schema.json"):
        schema = json.loads(file.read_text(encoding="utf-8"))
        _without_keys(schema, file.name.removesuffix(".schema.json"), table, column)
        file.write_text(json.dumps(schema, indent=2), encoding="utf-8")


def _without_keys(schema: dict, owner: str, table: str, column: str) -> None:
    def names(key: str | list[str]) -> bool:
        return column in ([key] if isinstance(key, str) else key)

    if owner == table and names(schema.get("primaryKey", [])):
        schema.pop("primaryKey")
    schema["foreignKeys"] = [
        key
        for key in schema.get("foreignKeys", [])
        if not (owner == table and names(key["fields"]))
        and not (key["reference"].get("resource", owner) == table and names(key["reference"]["fields"]))
    ]
    if owner == table:
        schema["uniqueKeys"] = [k for k in schema.get("uniqueKeys", []) if not names(k)]


# ----------------------------------------------------------------------------- filter and judge agree
def test_on_the_real_package_every_judge_finds_what_its_filter_leaves() -> None:
    every, filtered, _ = assert_filters_agree_with_judges(ROOT / "datapackage.json")
    assert every > filtered  # the filters pass rows, and the judges read every row without them


# On every mutated package, filters and judges are held to agree by the mutation test itself
# (tests/test_validator.py, test_each_defect_is_reported_at_its_file_row_and_column): one validation each.


@pytest.mark.slow
def test_the_mutations_reach_every_rule_with_a_problem(tmp_path: Path) -> None:
    """The agreement above is no comparison of empty lists: the mutation suite makes every rule's
    judge report something."""
    rules = {f"the {check.name} check's rule {index}": _codes_of(check, rule)
             for check in checks.CHECKS for index, rule in enumerate(check.rules)}  # fmt: skip
    reached: set[str] = set()
    for number, mutation in enumerate(MUTATIONS):
        if all(reached & codes for codes in rules.values()):
            break  # every rule reached: the other mutations cannot change the answer
        (tmp_path / str(number)).mkdir()
        copy = copy_package(tmp_path / str(number))
        mutation(copy.parent)
        with checked(copy) as (problems, _, _):
            reached |= {p.code for p in problems}
    unreached = [rule for rule, codes in rules.items() if not reached & codes]
    assert unreached == []


def _codes_of(check: Check, rule: RowRule) -> set[str]:
    """The codes a rule's judge can report: those named in its source."""
    source = inspect.getsource(rule.judge)
    named = set(re.findall(r'"([a-z0-9-]+)"', source)) & set(check.codes)
    if not named:  # a judge that takes its codes from a helper (the number and cell judges)
        named = set(check.codes)
    return named


def test_on_a_synthetic_package_of_1000_claims_every_judge_finds_what_its_filter_leaves(tmp_path: Path) -> None:
    every, filtered, _ = assert_filters_agree_with_judges(generate(1000, tmp_path / "package"))
    assert every > 1000 > filtered


# ----------------------------------------------------------------------------- the documents
def test_the_readmes_list_of_checks_is_rendered_from_the_registry() -> None:
    """Each check with the columns it reads, and each code with its meaning, in the generated section
    (a test elsewhere requires the README to be what `make docs` writes)."""
    listed = check_list()
    section = (ROOT / "README.md").read_text(encoding="utf-8").split(CHECKS_START)[1].split(CHECKS_END)[0]
    assert section.strip() == listed.strip()
    for code, meaning in checks.codes().items():
        assert f"| `{code}` | {meaning.replace('|', chr(92) + '|')} |" in listed
    for check in checks.CHECKS:
        assert f"| {check.name} | {check.description}" in listed
        for table, columns in check.reads.items():
            assert f"{table} ({', '.join(columns)})" in listed


def test_the_codebook_names_checks_only_by_codes_the_registry_has() -> None:
    codebook = (ROOT / "docs/codebook.md").read_text(encoding="utf-8")
    named = re.findall(r"`([a-z0-9-]+)`", " ".join(re.findall(r"\[checked: ([^\]]+)\]", codebook)))
    assert len(named) > 5 and set(named) <= set(checks.codes())
    assert checked_as("span-not-verbatim") == "[checked: `span-not-verbatim`]"
    with pytest.raises(ValueError, match="no-such-code"):
        checked_as("span-not-verbatim", "no-such-code")
