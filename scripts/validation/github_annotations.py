"""Problems as GitHub workflow commands, so that a pull request shows each on its changed line.

    ::error file=data/claims.csv,line=12,title=claims.csv, column exact [span-not-verbatim]::row 12: …

A problem's row is a CSV record (the header is row 1); a record can span several lines when a cell
holds a line break, so the line is found by reading the CSV. A problem in a JSON file (the
descriptor, a Table Schema) names a dotted location such as `resources.6.path`; its line is the line
where that value starts. Files are read through `inside()`, like every package file.
Workflow-command syntax: https://docs.github.com/actions/reference/workflow-commands-for-github-actions

The runner reads every line of a step's output as a possible command: one that starts with `::` after
any white space, or that holds `##[` anywhere (the older syntax). Input data reaches the output in file
names, column names and messages, so the commands escape each of them, and the plain lines printed
beside them (`plain_line`) can neither start a line of their own nor begin or hold a command."""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import suppress
from pathlib import Path

from scripts.package.read import MAX_JSON_BYTES, MAX_JSON_DEPTH, PackageError, Problem, inside
from scripts.package.textscan import Lines

_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


_LINE_BREAKS = str.maketrans({"\r": "\\r", "\n": "\\n"})


def plain_line(text: str) -> str:
    """A line of plain output that the runner reads as text: line breaks from the input are shown as
    `\\r` and `\\n` (one problem, one line), a leading `::` as `\\::` and `##[` as `#\\#[`."""
    line = text.translate(_LINE_BREAKS).replace("##[", "#\\#[")
    stripped = line.lstrip()  # the runner skips leading white space (Python's set holds .NET's)
    if stripped.startswith("::"):
        line = line[: len(line) - len(stripped)] + "\\" + stripped
    return line


def csv_record_lines(file: Path, wanted: set[int]) -> dict[int, int]:
    """The line on which each wanted record (header = 1) starts; the file is read only as far as
    the last one."""
    lines: dict[int, int] = {}
    if not wanted:
        return lines
    last = max(wanted)
    with file.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        next_start = 1
        for number, _ in enumerate(reader, start=1):
            if number in wanted:
                lines[number] = next_start
            next_start = reader.line_num + 1
            if number >= last:
                break
    return lines


class _Located:
    """The line of each value in a JSON text, by its dotted location (`resources.6.path`)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines: dict[str, int] = {}
        self.position = 0
        self.newlines = Lines(text)  # found once: counting them again for each value was quadratic

    def _skip_space(self) -> None:
        while self.position < len(self.text) and self.text[self.position] in " \t\r\n":
            self.position += 1

    def _line(self) -> int:
        return self.newlines.line_and_column(self.position)[0]

    def value(self, where: str, depth: int = 0) -> None:
        if depth > MAX_JSON_DEPTH:
            raise ValueError("nested too deep")  # the descriptor checks say so; no line is needed
        self._skip_space()
        self.lines[where] = self._line()
        char = self.text[self.position : self.position + 1]
        if char == "{":
            self._container("}", where, depth, keyed=True)
        elif char == "[":
            self._container("]", where, depth, keyed=False)
        elif char == '"':
            self._string()
        else:
            match = _NUMBER.match(self.text, self.position)
            word = next((w for w in ("true", "false", "null") if self.text.startswith(w, self.position)), None)
            if match is None and word is None:
                raise ValueError(f"unexpected character at {self.position}")
            self.position = match.end() if match else self.position + len(word or "")

    def _string(self) -> str:
        value, end = json.decoder.scanstring(self.text, self.position + 1)
        self.position = end
        return value

    def _container(self, closing: str, where: str, depth: int, keyed: bool) -> None:
        self.position += 1
        index = 0
        while True:
            self._skip_space()
            if self.text[self.position : self.position + 1] == closing:
                self.position += 1
                return
            if keyed:
                key = self._string()
                self._skip_space()
                self.position += 1  # the colon
            else:
                key = str(index)
            self.value(f"{where}.{key}" if where else key, depth + 1)
            index += 1
            self._skip_space()
            if self.text[self.position : self.position + 1] == ",":
                self.position += 1


def json_location_lines(text: str) -> dict[str, int]:
    """Every dotted location of a JSON document with the line its value starts on ("" is the root)."""
    located = _Located(text)
    with suppress(ValueError, IndexError):  # malformed JSON: the locations found before the fault
        located.value("")
    return located.lines


def _json_line(lines: dict[str, int], column: str | None) -> int | None:
    """The line of `column`, or of the nearest enclosing location that exists (an unknown key
    sits on the line of the object that holds it)."""
    where = column or ""
    while where not in lines and where:
        where = where.rpartition(".")[0]
    return lines.get(where)


def github_commands(problems: Iterable[Problem], root: Path, workspace: Path | None = None) -> Iterator[str]:
    """One `::error` workflow command per problem. File paths are relative to the workspace (the
    checkout, where GitHub looks them up), which is the current folder unless told otherwise."""
    problems = list(problems)
    workspace = (workspace or Path.cwd()).resolve()
    rows: dict[str, set[int]] = {}  # of each file, in one pass: not one pass over every problem per file
    for problem in problems:
        found = rows.setdefault(problem.path, set())
        if problem.row is not None:
            found.add(problem.row)
    files: dict[str, Path | None] = {}
    for path in rows:
        try:
            file = inside(root, path)
            files[path] = file if file.is_file() else None
        except PackageError:
            files[path] = None
    csv_lines: dict[str, dict[int, int]] = {}
    json_lines: dict[str, dict[str, int]] = {}
    for path, file in files.items():
        if file is None:
            continue
        if path.endswith(".csv"):
            csv_lines[path] = csv_record_lines(file, rows[path])
        elif path.endswith(".json") and file.stat().st_size <= MAX_JSON_BYTES:
            json_lines[path] = json_location_lines(file.read_text(encoding="utf-8", errors="replace"))
    for problem in problems:
        file = files.get(problem.path)
        line = None
        if problem.path in csv_lines and problem.row is not None:
            line = csv_lines[problem.path].get(problem.row)
        elif problem.path in json_lines:
            line = _json_line(json_lines[problem.path], problem.column)
        shown = os.path.relpath(file, workspace) if file is not None else problem.path
        properties = [f"file={escape_property(shown)}"]
        if line is not None:
            properties.append(f"line={line}")
        name = Path(problem.path).name
        title = f"{name}, column {problem.column}" if problem.column else name
        if problem.path.endswith(".json") and problem.column:
            title = f"{name}, at {problem.column}"
        if problem.code:  # the kind of problem, by its stable code (scripts.validation.checks.CHECKS)
            title = f"{title} [{problem.code}]"
        properties.append(f"title={escape_property(title)}")
        message = f"row {problem.row}: {problem.message}" if problem.row is not None else problem.message
        yield f"::error {','.join(properties)}::{escape_data(message)}"


MAX_SUMMARY_ROWS = 200


def step_summary(problems: list[Problem], descriptor: str) -> str:
    """Markdown for the job's summary page: GitHub shows only the first few annotations of a step,
    so every problem (up to MAX_SUMMARY_ROWS) is listed there too."""
    if not problems:
        return f"### Validation of `{descriptor}`: valid\n"
    lines = [f"### Validation of `{descriptor}`: {len(problems)} problem(s)", "", "| file | row | column | problem |",
             "|---|---|---|---|"]  # fmt: skip
    cell = lambda text: (text or "").replace("|", "\\|").replace("\n", " ")  # noqa: E731
    for p in problems[:MAX_SUMMARY_ROWS]:
        lines.append(f"| `{cell(p.path)}` | {p.row or ''} | {cell(p.column)} | {cell(p.message)} |")
    if len(problems) > MAX_SUMMARY_ROWS:
        lines.append(f"\n…and {len(problems) - MAX_SUMMARY_ROWS} more: see the log.")
    return "\n".join(lines) + "\n"
