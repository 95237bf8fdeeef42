"""Generate a synthetic but valid package of N claims, for the benchmark.

    python -m scripts.benchmark.synth N OUTPUT_FOLDER

Proportions follow the real data: per claim an attribution, about 0.5 quotes, 0.4 figures and 0.2 links; an
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
from typing import NamedTuple

from scripts.package.read import VOCABULARY, DataPackage

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


class Shape(NamedTuple):
    """How many of each thing a package of N claims holds (the benchmark draws its requests from it)."""

    people: int
    articles: int
    venues: int
    troop_figures: int


def shape(claims: int) -> Shape:
    # A troop figure for 2 claims in 5: see `i % 5 < 2` in Synthesizer.claim.
    return Shape(max(claims // 20, 2), -(-claims // CLAIMS_PER_ARTICLE), max(claims // 100, 1), (claims * 2 + 4) // 5)


def headline_measure() -> str:
    """The measure of every synthetic figure: the one the project's descriptor charts."""
    measure = DataPackage(ROOT / "datapackage.json").headline_measure
    if measure is None:
        raise SystemExit("datapackage.json names no headlineMeasure for the synthetic figures")
    return measure


class Synthesizer:
    """Writes the CSV rows and texts of one synthetic package."""

    def __init__(self, claims: int, folder: Path) -> None:
        self.claims, self.folder = claims, folder
        self.people, self.articles, self.venues, _ = shape(claims)
        self.measure = headline_measure()
        self.headers = {
            name: table.field_names for name, table in DataPackage(ROOT / "datapackage.json").tables.items()
        }
        generated = set(self.headers) - {VOCABULARY}  # the controlled values are the project's own
        self.handles = {
            name: (folder / "data" / f"{name}.csv").open("w", encoding="utf-8", newline="") for name in generated
        }
        self.writers = {name: csv.writer(handle, lineterminator="\n") for name, handle in self.handles.items()}
        for name in generated:
            self.writers[name].writerow(self.headers[name])

    def row(self, table: str, **cells: object) -> None:
        self.writers[table].writerow([cells.get(column, "") for column in self.headers[table]])

    def run(self) -> None:
        for person in range(self.people):
            name = token(person).capitalize()
            self.row("entities", entity_id=f"p{person}", name=f"Person {name}", kind="person",
                     aliases=f"Person {name},{name}", description="A commentator.")  # fmt: skip
        for article in range(self.articles):
            self.row("entities", entity_id=f"outlet-{article}", name=f"Outlet {token(article)}", kind="media",
                     description="An outlet.")  # fmt: skip
        for venue in range(self.venues):
            self.row("sources", source_id=f"venue-{venue}", kind="interview", title=f"Interview {token(venue)}",
                     cited_in=f"article-{venue % self.articles}")  # fmt: skip
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
        self.row("sources", source_id=f"article-{article}", kind="news_article", title=f"Article {token(article)}",
                 publisher_id=f"outlet-{article}", published="2024-11", text_path=path,
                 text_sha256=hashlib.sha256(data).hexdigest())  # fmt: skip

    def claim(self, i: int, source: str, offset: int) -> str:
        """One paragraph and its rows: a claim and its attribution, and for some claims a quote, a
        figure and a link."""
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
        span = {"source_id": source, "exact": text, "char_start": offset, "char_end": offset + len(text)}
        self.row("claims", claim_id=f"c{i}", claimant_id=f"p{person}", via_source_id=via, claim=f"Claim {token(i)}.",
                 topic=TOPICS[i % len(TOPICS)], modality="asserts", claimed_on=date, **span)  # fmt: skip
        cue = f"Person {speaker}"
        self.row("attributions", claim_id=f"c{i}", step=1, role="asserts", entity_id=f"p{person}", via_source_id=via,
                 source_id=source, exact=cue, char_start=offset, char_end=offset + len(cue))  # fmt: skip
        if quote:
            start, end = quote
            self.row("quotes", quote_id=f"q{i}", source_id=source, speaker_id=f"p{person}", via_source_id=via,
                     exact=text[start:end], char_start=offset + start, char_end=offset + end,
                     kind="fragment")  # fmt: skip
            self.row("quote_claims", quote_id=f"q{i}", claim_id=f"c{i}")
        if figure:
            start, end = figure
            exact = text[start:end]
            self.row("figures", figure_id=f"f{i}", claim_id=f"c{i}", source_id=source, exact=exact,
                     char_start=offset + start, char_end=offset + end, measure=self.measure,
                     value=int(exact.replace(",", "")), unit="soldiers", qualifier="exact", as_of=date,
                     place="Kursk region", reported_by_id=f"p{person}")  # fmt: skip
        if i % 5 == 0 and i > 0:
            self.row("claim_links", from_claim_id=f"c{i}", to_claim_id=f"c{i - 1}", relation="elaborates",
                     note="Synthetic link.")  # fmt: skip
        return text


def generate(claims: int, folder: Path) -> Path:
    (folder / "data" / "texts").mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "schemas", folder / "schemas", dirs_exist_ok=True)
    shutil.copy2(ROOT / "datapackage.json", folder / "datapackage.json")
    shutil.copy2(ROOT / "data" / "vocabulary.csv", folder / "data" / "vocabulary.csv")
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
