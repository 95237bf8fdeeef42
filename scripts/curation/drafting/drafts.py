"""Draft rows as the tools hand them on: a table's columns plus how sure the rule is, why, and the review."""

from __future__ import annotations

from dataclasses import dataclass, field

Row = dict[str, str]
DRAFT_COLUMNS = ("confidence", "why", "review")


@dataclass
class Drafts:
    """Draft rows per table, in text order, each with confidence, why and an empty review."""

    tables: dict[str, list[Row]] = field(default_factory=dict)

    def add(self, table: str, row: Row, confidence: float, why: str) -> Row:
        row = {**row, "confidence": f"{confidence:.2f}", "why": why, "review": ""}
        self.tables.setdefault(table, []).append(row)
        return row
