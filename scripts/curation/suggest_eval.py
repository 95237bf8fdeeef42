"""Score `make suggest`'s drafts against curated rows: quotations found, speakers right, figures
found, values right.

    python -m scripts.curation.suggest_eval [datapackage.json] [--texts FOLDER …] [--misses]
        [--goals SET] [--write-readme README.md | --check-readme README.md]
    make suggest-eval [DATAPACKAGE=…]

An annotated article is a text with the rows a curator wrote for it: each article of the package
with quotes or figures, and each folder of test texts (`text.txt`, `quotes.csv`, `figures.csv`,
`meta.json`; a speaker is an entity id of the package or the name the text gives). A curated row is
found when a draft of its table overlaps it by at least half of their joint extent (the drafts'
and the curators' ends may differ by a comma or a "that"). A speaker is right when the draft names
the same entity, or, for a party new to the package, an entity with that name. A value is right
when value, value_low and value_high all agree. The goals are the issue's: 95 % of quotations
found and 85 % of their speakers right, every figure found and 95 % of values right."""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from scripts.atomic import write_atomically
from scripts.cli import run
from scripts.curation.drafting import Entity, Role, Row, draft
from scripts.curation.suggest import known_entities, known_roles
from scripts.curation.tables import read_rows, table_of
from scripts.messages import PackageError
from scripts.package.read import DataPackage, as_float, as_int
from scripts.releases.docs import splice

GOALS = {"quotes found": 0.95, "speakers right": 0.85, "figures found": 1.0, "values right": 0.95}
MIN_OVERLAP = 0.5


@dataclass
class Annotated:
    name: str  # the article's source id, or the test text's folder
    group: str  # "package", or the folder's parent (dev, held_out)
    text: str
    quotes: list[Row]
    figures: list[Row]
    outlet: str = ""


@dataclass
class Score:
    name: str
    group: str
    counts: dict[str, int] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def rate(self, found: str, of: str) -> float | None:
        total = self.counts.get(of, 0)
        return self.counts.get(found, 0) / total if total else None


def overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    joint = max(a[1], b[1]) - min(a[0], b[0])
    shared = min(a[1], b[1]) - max(a[0], b[0])
    return shared / joint if joint > 0 and shared > 0 else 0.0


def span_of(row: Row) -> tuple[int, int]:
    return as_int(row["char_start"]) or 0, as_int(row["char_end"]) or 0


def best_match(row: Row, drafts: list[Row]) -> Row | None:
    scored = [(overlap(span_of(row), span_of(d)), d) for d in drafts]
    scored = [(s, d) for s, d in scored if s >= MIN_OVERLAP]
    return max(scored, key=lambda item: item[0])[1] if scored else None


def same_party(expected: str, drafted: str, entities: dict[str, Entity]) -> bool:
    """An entity id of the package must match exactly; a name matches a drafted entity's names."""
    if expected == drafted:
        return True
    entity = entities.get(drafted)
    if expected in entities and not (entity and entity.drafted):
        return False
    names = {comparable(n) for n in entity.names()} if entity else set()
    return comparable(expected) in names


HONORIFICS = (
    "the ",
    "a ",
    "an ",
    "sir ",
    "dame ",
    "lord ",
    "lady ",
    "mr ",
    "mr. ",
    "mrs ",
    "mrs. ",
    "ms ",
    "ms. ",
    "dr ",
    "dr. ",
)


def comparable(name: str) -> str:
    """A name as two writers may both mean it: case, the apostrophe's shape and a leading article or
    honorific aside ("Sir Nicholas Penhallow" is "Nicholas Penhallow", "South Korea’s" is "South Korea's")."""
    name = name.casefold().replace("’", "'").strip()
    for prefix in HONORIFICS:
        name = name.removeprefix(prefix)
    return name


def values(row: Row) -> tuple[float | None, ...]:
    return tuple(as_float(row.get(column, "")) for column in ("value", "value_low", "value_high"))


def score(article: Annotated, known: list[Entity], roles: list[Role]) -> Score:
    drafted = draft(
        article.text,
        article.name,
        [Entity(e.entity_id, e.name, e.kind, list(e.aliases)) for e in known],
        article.outlet,
        roles,
    )
    entities = {e.entity_id: e for e in known}
    for row in drafted.tables.get("entities", []):
        entities[row["entity_id"]] = Entity(
            row["entity_id"], row["name"], row["kind"], row["aliases"].split(","), drafted=True
        )
    result = Score(article.name, article.group)
    quotes, figures = drafted.tables.get("quotes", []), drafted.tables.get("figures", [])

    def speaker(row: Row, match: Row) -> str:
        if same_party(row["speaker_id"], match["speaker_id"], entities):
            return ""
        return f"speaker {match['speaker_id'] or '(none)'!r} for {row['speaker_id']!r}: {row['exact'][:50]!r}"

    def value(row: Row, match: Row) -> str:
        return "" if values(row) == values(match) else f"values {values(match)} for {values(row)}: {row['exact']!r}"

    _tally(result, "quotes", article.quotes, quotes, "speakers right", speaker)
    _tally(result, "figures", article.figures, figures, "values right", value)
    result.add("draft quotes", len(quotes))
    result.add("draft figures", len(figures))
    return result


def _tally(
    result: Score, kind: str, curated: list[Row], drafts: list[Row], right: str, judge: Callable[[Row, Row], str]
) -> None:
    """Count the curated rows of one kind, those a draft finds, and those `judge` finds right (it
    returns "" or what is wrong); each miss is noted."""
    for row in curated:
        result.add(kind)
        match = best_match(row, drafts)
        if match is None:
            result.misses.append(f"{kind[:-1]} not found: {row['exact'][:60]!r} at {row['char_start']}")
            continue
        result.add(f"{kind} found")
        wrong = judge(row, match)
        if wrong:
            result.misses.append(wrong)
        else:
            result.add(right)


def from_package(package: DataPackage) -> Iterator[Annotated]:
    quotes = [row for row in read_rows(table_of(package, "quotes"))]
    figures = [row for row in read_rows(table_of(package, "figures"))]
    for source in read_rows(table_of(package, "sources")):
        text = package.text_of(source["source_id"]) if source.get("text_path") else None
        if text is None:
            continue
        mine = [q for q in quotes if q["source_id"] == source["source_id"]]
        counted = [f for f in figures if f["source_id"] == source["source_id"]]
        if mine or counted:
            yield Annotated(source["source_id"], "package", text, mine, counted, source.get("publisher_id", ""))


def from_folder(folder: Path) -> Iterator[Annotated]:
    """Test texts: each folder below `folder` that holds a text.txt."""
    for text_file in sorted(folder.glob("**/text.txt")):
        here = text_file.parent
        try:
            text = text_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise PackageError(f"{text_file}: cannot be read as UTF-8 text ({type(error).__name__})") from None
        quotes = _csv(here / "quotes.csv", ("exact", "char_start", "char_end", "speaker"))
        figures = _csv(here / "figures.csv", ("exact", "char_start", "char_end", "value", "value_low", "value_high"))
        for row in quotes:
            row["speaker_id"] = row.pop("speaker", "")
        for row in figures:
            row["reported_by_id"] = row.pop("reported_by", "")
        for rows, kind in ((quotes, "quotes"), (figures, "figures")):
            for number, row in enumerate(rows, 2):
                start, end = span_of(row)
                if text[start:end] != row["exact"]:
                    raise PackageError(
                        f"{here / (kind + '.csv')}:{number}: char_start..char_end is not exact in text.txt"
                    )
        yield Annotated(here.name, here.parent.name, text, quotes, figures, f"outlet-{here.name}")


def _csv(path: Path, needed: tuple[str, ...]) -> list[Row]:
    """The rows of a test text's CSV (none if it has no such file); a header without the columns the
    scores read is refused, naming them."""
    if not path.is_file():
        return []
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [column for column in needed if column not in (reader.fieldnames or [])]
            if missing:
                raise PackageError(f"{path}:1: the header lacks {', '.join(missing)}")
            return [{key: value or "" for key, value in row.items() if key is not None} for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise PackageError(f"{path}: cannot be read as a UTF-8 CSV ({type(error).__name__})") from None


def table(scores: list[Score]) -> str:
    """A Markdown table: one line per article, one per group, and the goals."""
    lines = [
        "| Article | Set | Quotations found | Speakers right | Figures found | Values right"
        " | Drafts (quotes, figures) |",
        "|---|---|---|---|---|---|---|",
    ]
    groups: dict[str, Score] = {}
    for s in scores:
        lines.append(_line(s.name, s.group, s))
        total = groups.setdefault(s.group, Score(f"all {s.group}", s.group))
        for key, n in s.counts.items():
            total.add(key, n)
    for group, total in groups.items():
        lines.append(_line(f"**all ({group})**", group, total))
    lines.append(
        "\nGoals: 95 % of quotations found and 85 % of their speakers right; every figure found and 95 % of"
        " their values right. *Drafts*: how many quote and figure drafts the article got (a draft that"
        " matches no curated row costs the curator a `reject`, and counts against no goal)."
    )
    return "\n".join(lines)


def _line(name: str, group: str, s: Score) -> str:
    def cell(found: str, of: str) -> str:
        rate = s.rate(found, of)
        return "–" if rate is None else f"{s.counts.get(found, 0)}/{s.counts.get(of, 0)} ({rate:.0%})"

    drafts = f"{s.counts.get('draft quotes', 0)}, {s.counts.get('draft figures', 0)}"
    return (
        f"| {name} | {group} | {cell('quotes found', 'quotes')} | {cell('speakers right', 'quotes found')} "
        f"| {cell('figures found', 'figures')} | {cell('values right', 'figures found')} | {drafts} |"
    )


def goals_met(scores: list[Score], group: str) -> list[str]:
    """The goals a group misses, as sentences; empty when all are met."""
    total = Score(group, group)
    for s in scores:
        if s.group == group:
            for key, n in s.counts.items():
                total.add(key, n)
    pairs = {
        "quotes found": "quotes",
        "speakers right": "quotes found",
        "figures found": "figures",
        "values right": "figures found",
    }
    if not total.counts:
        return [f"{group}: no test text in this set, so no goal can be met"]
    missed = []
    for key, goal in GOALS.items():
        rate = total.rate(key, pairs[key])
        if rate is not None and rate < goal:
            missed.append(f"{group}: {key} {rate:.0%}, below the goal of {goal:.0%}")
    return missed


README_START, README_END = "<!-- suggest-eval:start -->", "<!-- suggest-eval:end -->"


def _readme(path: Path, text: str, write: bool) -> int:
    current = path.read_text(encoding="utf-8")
    updated = splice(current, text, README_START, README_END)
    if write:
        write_atomically(path, updated)
        return 0
    if updated != current:
        print(f"{path}: the drafting scores are stale; run `make docs`", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("datapackage", nargs="?", default="datapackage.json")
    parser.add_argument("--texts", action="append", type=Path, default=[], help="a folder of test texts")
    parser.add_argument("--misses", action="store_true", help="list each miss")
    parser.add_argument("--goals", default="", help="a set whose goals must be met (exit 1 otherwise)")
    readme = parser.add_mutually_exclusive_group()
    readme.add_argument("--write-readme", type=Path, help="put the table in this README, between its markers")
    readme.add_argument("--check-readme", type=Path, help="exit 1 if this README's table is stale")
    args = parser.parse_args(argv)
    package = DataPackage(Path(args.datapackage or "datapackage.json"))
    known = known_entities(package)
    articles = [*from_package(package), *(a for folder in args.texts for a in from_folder(folder))]
    roles = known_roles(package)
    scores = [score(article, known, roles) for article in articles]
    text = table(scores)
    if args.write_readme or args.check_readme:
        return _readme(args.write_readme or args.check_readme, text, write=bool(args.write_readme))
    print(text)
    if args.misses:
        for s in scores:
            for miss in s.misses:
                print(f"{s.name}: {miss}")
    missed = goals_met(scores, args.goals) if args.goals else []
    for line in missed:
        print(line, file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(run(main))
