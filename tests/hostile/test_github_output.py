"""Under `--format github` GitHub's runner reads every line the validator prints, and takes a line for
a workflow command when it starts with `::` after white space, or holds `##[` anywhere (the older
syntax). Input data (a schema's pattern, a column name, a cell) never becomes a command of its own, and
each annotation carries the data back unchanged."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from scripts.package.read import printable
from scripts.validation import validate
from scripts.validation.github_annotations import plain_line
from tests.hostile.conftest import Runner, Site
from tests.mutations import edit_json, set_cells

# Each line would be a command if it reached the start of a line: stop all commands (until a token),
# a forged annotation, a mask, escapes that the runner would decode in command data, the older syntax.
HOSTILE = (
    "zz\n::stop-commands::token\r::error file=x::forged\r\n \u00a0::add-mask::secret %0A::warning::w ##[add-mask]v"
)
# A column name holds no control character (the descriptor checks refuse one), but the rest.
NAME = "notes ::stop-commands::token, ##[add-mask]v %0A:x"
DATA_ESCAPES = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))  # in the runner's order (ActionCommand.cs)
PROPERTY_ESCAPES = (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"))


def _unescape(text: str, escapes: tuple[tuple[str, str], ...]) -> str:
    for escaped, character in escapes:
        text = text.replace(escaped, character)
    return text


def runner_command(line: str) -> tuple[str, dict[str, str], str] | None:
    """The command the runner reads in a line (ActionCommand.TryParseV2), if any."""
    message = line.lstrip()
    end = message.find("::", 2)
    if not message.startswith("::") or end < 0:
        return None
    name, _, listed = message[2:end].partition(" ")
    pairs = (pair.partition("=") for pair in listed.strip().split(","))
    properties = {key: _unescape(value, PROPERTY_ESCAPES) for key, _, value in pairs if key and value}
    return name, properties, _unescape(message[end + 2 :], DATA_ESCAPES)


def _rename_column(site: Site, table: str, old: str, new: str) -> None:
    edit_json(site.root / f"schemas/{table}.schema.json",
              lambda s: next(f for f in s["fields"] if f["name"] == old).update(name=new))  # fmt: skip
    path = site.root / f"data/{table}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[0][rows[0].index(old)] = new
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def _first_key(site: Site, table: str) -> str:
    with (site.root / f"data/{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))[1][0]


def test_no_input_data_becomes_a_workflow_command_and_each_annotation_round_trips(
    sandbox: Site, command: Runner
) -> None:
    pattern = f"^[a-z][a-z0-9_-]*$|{HOSTILE}"
    constraints = lambda schema: next(f for f in schema["fields"] if f["name"] == "entity_id")["constraints"]  # noqa: E731
    edit_json(sandbox.root / "schemas/entities.schema.json", lambda schema: constraints(schema).update(pattern=pattern))
    entity = _first_key(sandbox, "entities")
    set_cells(sandbox.root, "entities", entity, entity_id=entity.upper())
    _rename_column(sandbox, "claims", "notes", NAME)
    set_cells(sandbox.root, "claims", _first_key(sandbox, "claims"), **{NAME: "a cell\nwith a line break"})
    problems = json.loads(command(validate.main, [str(sandbox.descriptor), "--format", "json"]).out)
    # The pattern is quoted with its controls as visible escapes (clip), the rest of it as it is.
    assert any(printable(HOSTILE) in p["message"] for p in problems) and any(p["column"] == NAME for p in problems)

    outcome = command(validate.main, [str(sandbox.descriptor), "--format", "github"])
    lines = re.split(r"\r\n|\r|\n", outcome.out + outcome.err)  # as the runner splits a step's output
    commands = [found for line in lines if (found := runner_command(line))]
    assert not [line for line in lines if "##[" in line and not runner_command(line)]  # the runner tries ::x:: first
    assert [name for name, _, _ in commands] == ["error"] * len(problems)
    assert len([line for line in lines if line.strip()]) == 2 * len(problems) + 1  # and the summary line
    for problem, (_, properties, data) in zip(problems, commands, strict=True):
        row = problem["row"]
        assert data == (f"row {row}: {problem['message']}" if row is not None else problem["message"])
        name = Path(problem["path"]).name
        title = f"{name}, column {problem['column']}" if problem["column"] else name
        assert problem["code"] and properties["title"] == f"{title} [{problem['code']}]"
        assert properties["file"].endswith(problem["path"])


def test_a_plain_line_can_neither_start_a_line_nor_be_a_command() -> None:
    line = plain_line(f" \u00a0::error::x{HOSTILE}")
    assert "\n" not in line and "\r" not in line and "##[" not in line
    assert runner_command(line) is None and line.lstrip().startswith("\\::")
    assert plain_line("data/claims.csv:8:modality: 50% of them") == "data/claims.csv:8:modality: 50% of them"
