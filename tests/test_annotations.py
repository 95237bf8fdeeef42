"""Under GitHub Actions, validation also prints each problem as an `::error` workflow command with
the file and line where a contributor sees it in a pull request, and the column in the title; the
plain `path:row:column` lines stay as they are."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.package import textscan
from scripts.package.read import Problem
from scripts.validation import github_annotations
from scripts.validation.github_annotations import (
    csv_record_lines,
    escape_data,
    escape_property,
    github_commands,
    json_location_lines,
)
from tests.conftest import ROOT, copy_package
from tests.mutations import edit_json, first_key, key_at, row_number, set_cells

# The validator run as a program on package copies: seconds each. `make check` leaves them out.
pytestmark = pytest.mark.slow


def run_validate(folder: Path, *args: str, github: bool = False) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "GITHUB_ACTIONS"}
    if github:
        env["GITHUB_ACTIONS"] = "true"
    env["PYTHONPATH"] = str(ROOT)
    command = [sys.executable, "-m", "scripts.validation.validate", "datapackage.json", *args]
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=120)


def commands_and_lines(output: str) -> tuple[list[str], list[str]]:
    lines = output.splitlines()
    return [line for line in lines if line.startswith("::error ")], [line for line in lines if "::" not in line]


def line_of(file: Path, needle: str) -> int:
    return next(number for number, line in enumerate(file.read_text().splitlines(), 1) if needle in line)


def test_each_problem_is_one_error_command_on_the_line_where_its_row_starts(tmp_path: Path) -> None:
    root = copy_package(tmp_path).parent
    claims = root / "data/claims.csv"
    # A line break inside an earlier cell (itself a problem): from there on a row's number and its
    # line differ.
    first, later = first_key(root, "claims"), key_at(root, "claims", -1)
    set_cells(root, "claims", first, notes="First line of a note.\nSecond line of the note.")
    set_cells(root, "claims", later, modality="asserted")
    result = run_validate(root, github=True)
    assert result.returncode == 1
    commands, plain = commands_and_lines(result.stdout)
    assert len(commands) == len(plain) == 2
    row = row_number(root, "claims", later)
    line = line_of(claims, f"{later},")
    assert line == row + 1
    modality = next(text for text in plain if ":modality:" in text)
    message = modality.split(": ", 1)[1].removesuffix(" [constraint-error]")
    assert (
        f"::error file=data/claims.csv,line={line},title=claims.csv%2C column modality [constraint-error]::row {row}: "
        + message
        in commands
    )
    assert commands[0].startswith(
        "::error file=data/claims.csv,line=2,title=claims.csv%2C column notes [control-character]::row 2: "
    )
    # the plain line is `path:row:column: message [code]`
    assert modality.startswith(f"data/claims.csv:{row}:modality: ") and modality.endswith(" [constraint-error]")


def test_a_descriptor_problem_points_at_the_line_of_its_key(tmp_path: Path) -> None:
    root = copy_package(tmp_path).parent
    (root / "data/figures.csv").rename(root / "data/figure.csv")
    commands, plain = commands_and_lines(run_validate(root, github=True).stdout)
    line = line_of(root / "datapackage.json", '"path": "data/figures.csv"')
    assert plain == ["datapackage.json:-:resources.6.path: no such file: 'data/figures.csv' [descriptor-error]"]
    assert commands == [
        f"::error file=datapackage.json,line={line},title=datapackage.json%2C at resources.6.path [descriptor-error]::"
        "no such file: 'data/figures.csv'"
    ]


def test_a_schema_problem_points_at_its_field(tmp_path: Path) -> None:
    root = copy_package(tmp_path).parent
    edit_json(root / "schemas/claims.schema.json", lambda s: s["fields"][5].update(contraints={}))
    commands, plain = commands_and_lines(run_validate(root, "--format", "github").stdout)
    assert len(commands) == len(plain) and plain[0] == (
        "schemas/claims.schema.json:-:fields.5.contraints: unknown key: correct it to 'constraints', or delete it "
        "[schema-error]"
    )
    line = line_of(root / "schemas/claims.schema.json", '"contraints"')
    assert commands[0].startswith(f"::error file=schemas/claims.schema.json,line={line},")


def test_without_github_actions_only_the_plain_lines_are_printed(tmp_path: Path) -> None:
    root = copy_package(tmp_path).parent
    set_cells(root, "claims", first_key(root, "claims"), modality="asserted")
    result = run_validate(root)
    assert result.returncode == 1 and "::error" not in result.stdout
    assert len(result.stdout.splitlines()) == 1
    problems = json.loads(run_validate(root, "--format", "json", github=True).stdout)
    assert [(p["column"], p["code"]) for p in problems] == [("modality", "constraint-error")]


def test_a_valid_package_prints_no_error_command() -> None:
    result = run_validate(ROOT, github=True)
    assert result.returncode == 0 and result.stdout == ""


def test_file_paths_are_relative_to_the_workspace(tmp_path: Path) -> None:
    (tmp_path / "nested").mkdir()
    root = copy_package(tmp_path / "nested").parent
    problem = Problem("data/claims.csv", 2, "modality", "bad")
    (command,) = github_commands([problem], root, workspace=tmp_path)
    assert command.startswith("::error file=nested/data/claims.csv,line=2,")


def test_messages_and_properties_are_escaped() -> None:
    assert escape_data("50% of\nthem\r") == "50%25 of%0Athem%0D"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    (command,) = github_commands([Problem("x.csv", None, "a,b", "line\nbreak")], Path("/nonexistent"))
    assert command == "::error file=x.csv,title=x.csv%2C column a%2Cb::line%0Abreak"


def test_csv_record_lines_follow_quoted_line_breaks(tmp_path: Path) -> None:
    file = tmp_path / "t.csv"
    file.write_text('a,b\n1,"x\ny\nz"\n2,w\n3,v\n')
    assert csv_record_lines(file, {1, 2, 3, 4}) == {1: 1, 2: 2, 3: 5, 4: 6}


@pytest.mark.parametrize(
    ("text", "where", "line"),
    [
        ('{\n  "a": [\n    {"b": 1},\n    {\n      "c": "x"\n    }\n  ]\n}', "a.1.c", 5),
        ('{\n  "a": [\n    {"b": 1},\n    {\n      "c": "x"\n    }\n  ]\n}', "a.0", 3),
        ('{"s": "a \\" quote",\n "t": true, "u": null, "v": -1.5e3,\n "w": [false]}', "w.0", 3),
        ('{"broken": [1, 2', "broken.1", 1),
    ],
)
def test_json_locations_have_the_line_their_value_starts_on(text: str, where: str, line: int) -> None:
    assert json_location_lines(text)[where] == line


def test_json_lines_are_found_once_per_document_not_once_per_value(monkeypatch: pytest.MonkeyPatch) -> None:
    indexed: list[str] = []

    class CountedLines(textscan.Lines):
        def __init__(self, text: str) -> None:
            indexed.append(text)
            super().__init__(text)

    monkeypatch.setattr(github_annotations, "Lines", CountedLines, raising=False)
    text = json.dumps({"keywords": [f"k{n}" for n in range(1000)]}, indent=1)
    lines = json_location_lines(text)
    assert indexed == [text]
    assert [lines[f"keywords.{n}"] for n in range(1000)] == list(range(3, 1003))


def test_json_nested_too_deep_gives_what_was_found_without_a_crash() -> None:
    lines = json_location_lines("[" * 10_000 + "]" * 10_000)
    assert lines[""] == 1 and len(lines) < 100


def test_the_readme_shows_what_the_validator_prints_for_a_mistyped_value(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = readme.split("<!-- annotation-example:start -->")[1].split("<!-- annotation-example:end -->")[0]
    shown = example.split("```text\n")[1].split("```")[0].splitlines()
    (row,) = {int(line.split(":")[1]) for line in shown if line.startswith("data/claims.csv:")}
    root = copy_package(tmp_path).parent
    set_cells(root, "claims", key_at(root, "claims", row), modality="asserted")  # the row the README shows
    assert run_validate(root, github=True).stdout.splitlines() == shown


def test_under_github_actions_every_problem_is_listed_in_the_step_summary(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    root = copy_package(tmp_path / "p").parent
    row = set_cells(root, "claims", key_at(root, "claims", -1), modality="asserted")
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    env = {**os.environ, "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "scripts.validation.validate", "datapackage.json"]
    assert subprocess.run(command, cwd=root, env=env, capture_output=True).returncode == 1
    text = summary.read_text()
    assert text.startswith("earlier step\n### Validation of `datapackage.json`: 1 problem(s)")
    assert f"| `data/claims.csv` | {row} | modality | constraint-error:" in text
