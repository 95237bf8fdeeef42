"""Generate a synthetic but valid package of N claims, for the benchmark.

    python -m scripts.benchmark.synth N OUTPUT_FOLDER

Proportions follow the real data: per claim about 0.5 quotes, 0.4 figures and 0.2 links; an
archived article per 50 claims, a cited venue per 100 and an entity per 20. Every row is anchored
in its article's text, so that every check of the validator really runs. Schemas and descriptor
are the project's own."""

from __future__ import annotations

import argparse
import csv
import hashlib
import shutil
import sys
from pathlib import Path

from scripts.package.read import DataPackage

ROOT = Path(__file__).resolve().parents[2]
CLAIMS_PER_ARTICLE = 50
TOPICS = ("troop_numbers", "deployment", "training", "combat", "strategy")


CONSONANTS = "bcdghjklmnpqrstvwxz"  # no vowels: a token never spells a number word such as "few"


def token(number: int) -> str:
    """A word for a number, in letters only: digits in a text would each need a figure."""
    letters = ""
    number += len(CONSONANTS)
    while number:
        number, rest = divmod(number, len(CONSONANTS))
        letters = CONSONANTS[rest] + letters
    return letters


class Synthesizer:
    """Writes the CSV rows and texts of one synthetic package."""

    def __init__(self, claims: int, folder: Path) -> None:
        self.claims, self.folder = claims, folder
        self.people = max(claims // 20, 2)
        self.articles = -(-claims // CLAIMS_PER_ARTICLE)
        self.venues = max(claims // 100, 1)
        headers = {name: table.field_names for name, table in DataPackage(ROOT / "datapackage.json").tables.items()}
        self.handles = {
            name: (folder / "data" / f"{name}.csv").open("w", encoding="utf-8", newline="") for name in headers
        }
        self.writers = {name: csv.writer(handle, lineterminator="\n") for name, handle in self.handles.items()}
        for name, header in headers.items():
            self.writers[name].writerow(header)

    def row(self, table: str, *values: object) -> None:
        self.writers[table].writerow(values)

    def run(self) -> None:
        for person in range(self.people):
            name = token(person).capitalize()
            self.row(
                "entities", f"p{person}", f"Person {name}", "person", f"Person {name},{name}", "A commentator.", "", ""
            )
        for article in range(self.articles):
            self.row("entities", f"outlet-{article}", f"Outlet {token(article)}", "media", "", "An outlet.", "", "")
        for venue in range(self.venues):
            self.row("sources", f"venue-{venue}", "interview", f"Interview {token(venue)}", "", "", "", "", "",
                     f"article-{venue % self.articles}", "", "")  # fmt: skip
        for article in range(self.articles):
            self.article(article)
        for handle in self.handles.values():
            handle.close()

    def article(self, article: int) -> None:
        paragraphs, offset = [], 0
        first = article * CLAIMS_PER_ARTICLE
        for claim in range(first, min(first + CLAIMS_PER_ARTICLE, self.claims)):
            paragraph = self.claim(claim, f"article-{article}", offset)
            paragraphs.append(paragraph)
            offset += len(paragraph) + 1
        data = "\n".join(paragraphs).encode("utf-8")
        path = f"data/texts/article-{article}.txt"
        (self.folder / path).write_bytes(data)
        self.row("sources", f"article-{article}", "news_article", f"Article {token(article)}", f"outlet-{article}",
                 "2024-11", "", path, hashlib.sha256(data).hexdigest(), "", "", "")  # fmt: skip

    def claim(self, i: int, source: str, offset: int) -> str:
        """One paragraph and its rows: a claim, and for some claims a quote, a figure and a link."""
        person = i % self.people
        speaker = token(person).capitalize()
        text = f"Person {speaker} spoke about {token(i)}."
        quote = figure = None
        if i % 2 == 0:
            words = f"the {token(i)} front is quiet,"
            quote = (len(text) + 2, len(text) + 2 + len(words))
            text += f' "{words}" {speaker} said.'
        if i % 5 < 2:
            number = f"{(i % 97 + 1) * 1000:,}"
            figure = (len(text) + 1, len(text) + 1 + len(number))
            text += f" {number} troops were counted."
        date = f"2024-10-{i % 28 + 1:02d}"
        via = f"venue-{i % self.venues}" if i % 3 == 0 else ""
        self.row("claims", f"c{i}", source, f"p{person}", via, f"Claim {token(i)}.", TOPICS[i % len(TOPICS)],
                 "asserts", date, text, offset, offset + len(text), "")  # fmt: skip
        if quote:
            start, end = quote
            self.row("quotes", f"q{i}", source, f"p{person}", via, f"c{i}", text[start:end], offset + start,
                     offset + end, "fragment", "", "", "")  # fmt: skip
        if figure:
            start, end = figure
            exact = text[start:end]
            self.row("figures", f"f{i}", f"c{i}", source, exact, offset + start, offset + end, "nk_troops_in_russia",
                     int(exact.replace(",", "")), "", "", "soldiers", "exact", date, "Kursk region", "")  # fmt: skip
        if i % 5 == 0 and i > 0:
            self.row("claim_links", f"c{i}", f"c{i - 1}", "elaborates", "Synthetic link.")
        return text


def generate(claims: int, folder: Path) -> Path:
    (folder / "data" / "texts").mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "schemas", folder / "schemas", dirs_exist_ok=True)
    shutil.copy2(ROOT / "datapackage.json", folder / "datapackage.json")
    Synthesizer(claims, folder).run()
    return folder / "datapackage.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="synth", description=__doc__.split("\n\n")[0])
    parser.add_argument("claims", type=int)
    parser.add_argument("output", type=Path)
    args = parser.parse_args(argv)
    print(generate(args.claims, args.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
