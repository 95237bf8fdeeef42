"""Helpers that break a copy of the package in one precise way, returning where the defect is."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _rows(root: Path, table: str) -> list[list[str]]:
    with (root / "data" / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _write(root: Path, table: str, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    (root / "data" / f"{table}.csv").write_text(buffer.getvalue(), encoding="utf-8", newline="")


def row_number(root: Path, table: str, key: str) -> int:
    """CSV row number (header = 1) of the row whose first cell is `key`."""
    rows = _rows(root, table)
    return next(i for i, row in enumerate(rows, start=1) if i > 1 and row[0] == key)


def first_key(root: Path, table: str, where: Callable[[dict[str, str]], bool] = lambda row: True) -> str:
    """The key (first cell) of the first row of `table` that `where` accepts. Engine tests pick their
    row by what it holds, not by today's ids, so that another article or another order leaves them whole."""
    header, *rows = _rows(root, table)
    return next(row[0] for row in rows if where(dict(zip(header, row, strict=True))))


def key_at(root: Path, table: str, number: int) -> str:
    """The key (first cell) of the row at CSV row `number` (header = 1; negative: from the end)."""
    rows = _rows(root, table)
    return rows[number - 1 if number > 0 else number][0]


def row_of(root: Path, table: str, key: str) -> dict[str, str]:
    """The row whose first cell is `key`, by column."""
    header, *rows = _rows(root, table)
    return dict(zip(header, next(row for row in rows if row[0] == key), strict=True))


def cell(root: Path, table: str, key: str, column: str) -> str:
    rows = _rows(root, table)
    return rows[row_number(root, table, key) - 1][rows[0].index(column)]


def set_cells(root: Path, table: str, key: str, **changes: str) -> int:
    """Change cells of the row whose first cell is `key`; returns its row number."""
    rows = _rows(root, table)
    number = row_number(root, table, key)
    for column, value in changes.items():
        rows[number - 1][rows[0].index(column)] = value
    _write(root, table, rows)
    return number


def delete_row(root: Path, table: str, key: str) -> None:
    rows = _rows(root, table)
    del rows[row_number(root, table, key) - 1]
    _write(root, table, rows)


def append_row(root: Path, table: str, values: dict[str, str]) -> int:
    rows = _rows(root, table)
    rows.append([values.get(column, "") for column in rows[0]])
    _write(root, table, rows)
    return len(rows)


def edit_json(path: Path, edit: Any) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def review_drafts(folder: Path, table: str, verdicts: dict[str, str], **cells: str) -> None:
    """Write a verdict into the review column of the draft rows whose exact (or name) is a key ("" for
    any row), and the given cells into each row accepted, as a curator edits drafts/<id>/<table>.csv."""
    file = folder / f"{table}.csv"
    with file.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, drafted = list(reader.fieldnames or []), list(reader)
    for row in drafted:
        verdict = verdicts.get(row.get("exact") or row.get("name", ""), verdicts.get("", ""))
        row["review"] = verdict
        if verdict == "accept":
            row.update(cells)
    with file.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(drafted)
