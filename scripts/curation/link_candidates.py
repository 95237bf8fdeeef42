"""Pairs of claims a curator should look at for a link, and links that rest on too little.

    python -m scripts.curation.link_candidates [datapackage.json] [--source ID] [--all]
    make link-candidates [SOURCE=id] [ALL=1] [DATAPACKAGE=…]

The codebook's link procedure (§8) starts by asking what a pair shares: a party (an entity named by
its name or an alias in both claims' words, or the claimant of both), a quantity (a figure of each
with the same measure), a place (a figure's place, or "the Kursk region" in the words) or a time (the
claim's date, or a figure's `as_of`). This tool asks that question of every pair of claims that has
no link, ranks the pairs by what they share (a rare party counts more than one nearly every claim
names), and prints each with the words of both claims; the curator answers the procedure's other
questions and decides. It proposes the pairs that share as much as one thing only a tenth of the
claims have (or several commoner things); `--all` lists every pair that shares anything. It then
lists the links whose two claims share none of these things, with the distinctive words they
share: the procedure keeps such a link only where the claims state one thing. Pairs a review
judged "no link" are listed in `docs/link-decisions.csv` (`claim_id_a,claim_id_b,decision,review`)
and left out, so that each run shows what is still to decide. It writes nothing and exits 0: it
is a list to read, not a verdict."""

from __future__ import annotations

import argparse
import io
import math
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from scripts.cli import run
from scripts.curation.tables import read_rows, table_of
from scripts.package.read import DataPackage, PackageError, clip, csv_reader, package_file, printable

Row = dict[str, str]
DECISIONS = "docs/link-decisions.csv"  # the curators' record of pairs judged "no link" (no table of the package)
DECISION_COLUMNS = ["claim_id_a", "claim_id_b", "decision", "review"]

# "the Kursk region", "in Kursk": a place the words name, where no figure gives it (a country is a party)
PLACE = re.compile(
    r"\b([A-Z][\w'’-]+)\s+(?:region|oblast|province)\b(?!\s+of\b)|\b(?:in|near|into|around|outside|region\s+of)\s+"
    r"([A-Z][\w'’-]+)\b(?!['’]s)"
)
# A party named in at least this share of all claims is the dataset's subject (North Korea, Russia),
# not an actor two claims share: the codebook says a shared topic is no link.
SUBJECT_SHARE = 0.5
# A pair is proposed when what it shares weighs at least as much as one thing a tenth of the claims have.
PROPOSED_WEIGHT = math.log(10) + 0.1
COMMON_WORDS = {
    "north",
    "korean",
    "korea",
    "troop",
    "soldier",
    "russia",
    "russian",
    "that",
    "with",
    "have",
    "their",
    "from",
    "they",
    "this",
    "been",
    "will",
    "would",
    "could",
    "there",
    "which",
    "were",
    "about",
    "more",
}


@dataclass(frozen=True)
class Shared:
    """One thing two claims share: its kind (party, claimant, quantity, place, time) and what it is."""

    kind: str
    what: str


@dataclass
class Features:
    """What one claim gives the procedure's first question."""

    claim: Row
    parties: set[str] = field(default_factory=set)  # entity ids named in its words
    quantities: set[str] = field(default_factory=set)  # measures of its figures
    places: set[str] = field(default_factory=set)
    times: set[str] = field(default_factory=set)
    words: set[str] = field(default_factory=set)  # its content words, for the wording two claims share

    claimant: str = ""  # the claimant, where it is one actor (see claimant_of)

    def shared_with(self, other: Features, subject: set[str]) -> list[Shared]:
        shared = [Shared("party", p) for p in sorted((self.parties & other.parties) - subject)]
        if self.claimant and self.claimant == other.claimant and self.claimant not in subject:
            shared.append(Shared("claimant", self.claimant))
        shared += [Shared("quantity", q) for q in sorted(self.quantities & other.quantities)]
        shared += [Shared("place", p) for p in sorted(self.places & other.places)]
        shared += [Shared("time", t) for t in sorted(self.times & other.times)]
        return shared

    def wording_shared(self, other: Features, distinctive: set[str]) -> list[Shared]:
        """Distinctive words both claims use ("cannon fodder", "experience"): a sign, for the curator, that
        they may state one thing; no ground for a link on their own."""
        return [Shared("wording", w) for w in sorted(self.words & other.words & distinctive)]


@dataclass(frozen=True)
class Candidate:
    first: Row
    second: Row
    shared: tuple[Shared, ...]
    weight: float


def _names(entities: Iterable[Row]) -> dict[str, re.Pattern[str]]:
    """Each entity's names and aliases as one whole-word pattern: only those written with a capital,
    since a lower-case alias ("reportedly", "intelligence agencies") is a phrase anyone's claim may use."""
    patterns = {}
    for entity in entities:
        names = {entity["name"], *(a.strip() for a in entity["aliases"].split(","))}
        names = {n for n in names if len(n) >= 3 and n[0].isupper()}
        if names:
            alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
            patterns[entity["entity_id"]] = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)
    return patterns


def claimant_of(claim: Row, kinds: dict[str, str], publishers: dict[str, str]) -> str:
    """The claimant as an actor two claims can share: not a group (two claims of "unnamed sources" or
    "officials" may come from different people) and not the outlet narrating its own article."""
    claimant = claim["claimant_id"]
    if kinds.get(claimant) == "group" or publishers.get(claim["source_id"]) == claimant:
        return ""
    return claimant


def places_in(words: str, parties: Iterable[str]) -> set[str]:
    """The places the words name, as bare names ("Russia's Kursk region" is Kursk); countries are parties."""
    found = {next(g for g in m.groups() if g) for m in PLACE.finditer(words)}
    return {re.sub(r"['’]s$", "", place) for place in found} - set(parties)


def content_words(text: str) -> set[str]:
    """Lower-case words of four letters or more, a plural's s dropped, without the words every claim uses."""
    words = {w.lower().removesuffix("s") for w in re.findall(r"[A-Za-z][\w-]{3,}", text)}
    return words - COMMON_WORDS


def distinctive_words(features: dict[str, Features]) -> set[str]:
    """Words at most a tenth of the claims use."""
    counts = Counter(w for f in features.values() for w in f.words)
    return {w for w, n in counts.items() if n <= max(2, len(features) // 10)}


def features_of(
    claims: list[Row], figures: list[Row], entities: list[Row], sources: Iterable[Row] = ()
) -> dict[str, Features]:
    names = _names(entities)
    kinds = {entity["entity_id"]: entity["kind"] for entity in entities}
    country_names = {entity["name"] for entity in entities if entity["kind"] == "country"}
    publishers = {source["source_id"]: source["publisher_id"] for source in sources}
    found = {claim["claim_id"]: Features(claim, claimant=claimant_of(claim, kinds, publishers)) for claim in claims}
    for claim_id, features in found.items():
        words = f"{features.claim['claim']} {features.claim['exact']}"
        features.parties = {entity_id for entity_id, pattern in names.items() if pattern.search(words)}
        features.places = places_in(words, country_names)
        features.times = {features.claim["claimed_on"]} - {""}
        features.words = content_words(features.claim["claim"])
        for figure in figures:
            if figure["claim_id"] == claim_id:
                features.quantities.add(figure["measure"])
                place = figure["place"]
                features.places |= places_in(place, country_names) or ({place} - {""} - country_names)
                features.times |= {figure["as_of"]} - {""}
    return found


def subject_parties(features: dict[str, Features]) -> set[str]:
    """Parties named in (or claimant of) at least half the claims: the dataset's subject."""
    counts = Counter(p for f in features.values() for p in f.parties | ({f.claimant} - {""}))
    return {party for party, n in counts.items() if n >= SUBJECT_SHARE * len(features)}


def _rarity(features: dict[str, Features]) -> dict[Shared, float]:
    """How much sharing a thing says: log(claims / claims that have it), so a rare party counts more."""
    having: Counter[Shared] = Counter()
    for f in features.values():
        things = [Shared("party", p) for p in f.parties] + [Shared("claimant", f.claimant)]
        things += [Shared("quantity", q) for q in f.quantities] + [Shared("place", p) for p in f.places]
        things += [Shared("time", t) for t in f.times]
        having.update(set(things))
    return {thing: math.log(len(features) / n) + 0.1 for thing, n in having.items()}


def linked_pairs(links: list[Row]) -> set[frozenset[str]]:
    return {frozenset((link["from_claim_id"], link["to_claim_id"])) for link in links}


def candidates(
    features: dict[str, Features], links: list[Row], source: str = "", judged: frozenset[frozenset[str]] = frozenset()
) -> list[Candidate]:
    """Unlinked pairs, not yet judged "no link", that share something the procedure asks about, most telling first."""
    subject, rarity, linked = subject_parties(features), _rarity(features), linked_pairs(links)
    distinctive = distinctive_words(features)
    found = []
    for a, b in combinations(features.values(), 2):
        ids = frozenset((a.claim["claim_id"], b.claim["claim_id"]))
        if ids in linked or ids in judged or (source and source not in (a.claim["source_id"], b.claim["source_id"])):
            continue
        shared = a.shared_with(b, subject)
        if shared:
            weight = sum(rarity.get(thing, 0.1) for thing in shared)
            found.append(Candidate(a.claim, b.claim, tuple(shared + a.wording_shared(b, distinctive)), weight))
    return sorted(found, key=lambda c: (-c.weight, c.first["claim_id"], c.second["claim_id"]))


def judged_pairs(package: DataPackage) -> frozenset[frozenset[str]]:
    """The pairs `docs/link-decisions.csv` records as judged "no link"; none where the file is absent
    (a released package has no docs/)."""
    try:
        file = package_file(package.root, DECISIONS)
    except PackageError:
        if (package.root / DECISIONS).exists() or (package.root / DECISIONS).is_symlink():
            raise  # there, but not a regular file inside the package: refuse rather than ignore it
        return frozenset()
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise PackageError(f"{DECISIONS}: not UTF-8 (byte {error.start})") from None
    rows = list(csv_reader(io.StringIO(text, newline=""), DECISIONS))
    if not rows or rows[0] != DECISION_COLUMNS:
        raise PackageError(f"{DECISIONS}: the header must be {','.join(DECISION_COLUMNS)}")
    pairs = set()
    for number, row in enumerate(rows[1:], 2):
        if len(row) != len(DECISION_COLUMNS) or row[2] != "no link" or not row[0] or not row[1]:
            raise PackageError(f"{DECISIONS}:{number}: write two claim ids, “no link” and the review that decided it")
        pairs.add(frozenset(row[:2]))
    return frozenset(pairs)


def unfounded_links(
    features: dict[str, Features], links: list[Row], source: str = ""
) -> Iterator[tuple[Row, list[Shared]]]:
    """Links whose claims share no party, claimant, quantity, place or time, with the distinctive words
    they share (which may show that they state one thing)."""
    subject, distinctive = subject_parties(features), distinctive_words(features)
    for link in links:
        a, b = features.get(link["from_claim_id"]), features.get(link["to_claim_id"])
        if a is None or b is None or (source and source not in (a.claim["source_id"], b.claim["source_id"])):
            continue  # a link to a missing claim is the validator's `link-end-missing`
        if not a.shared_with(b, subject):
            yield link, a.wording_shared(b, distinctive)


def _claim_line(claim: Row) -> str:
    """The claim as the procedure needs it: claimant, modality (its firmness), date and all its words."""
    dated = f", {claim['claimed_on']}" if claim["claimed_on"] else ""
    return f"  {claim['claim_id']} ({claim['claimant_id']}, {claim['modality']}{dated}): {clip(claim['claim'], 600)}"


def report(
    found: list[Candidate], unfounded: list[tuple[Row, list[Shared]]], features: dict[str, Features], every: bool
) -> Iterator[str]:
    shown = found if every else [c for c in found if c.weight >= PROPOSED_WEIGHT]
    which = "all of them" if every else f"the {len(shown)} proposed (--all lists every one)"
    yield f"# {len(found)} unlinked pair(s) that share something; {which}:"
    for rank, candidate in enumerate(shown, 1):
        what = "; ".join(f"{s.kind} {s.what}" for s in candidate.shared)
        yield f"{rank}. {candidate.first['claim_id']} – {candidate.second['claim_id']}  [{what}]"
        yield _claim_line(candidate.first)
        yield _claim_line(candidate.second)
    yield ""
    yield f"# {len(unfounded)} link(s) whose claims share no party, quantity, place or time:"
    for link, wording in unfounded:
        words = ", ".join(w.what for w in wording) or "nothing"
        yield f"- {link['from_claim_id']} {link['relation']} {link['to_claim_id']}  [words shared: {words}]"
        yield f"  note: {clip(link['note'], 600)}"
        yield _claim_line(features[link["from_claim_id"]].claim)
        yield _claim_line(features[link["to_claim_id"]].claim)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="link-candidates", description=__doc__.split("\n\n")[0])
    parser.add_argument("datapackage", nargs="?", default=Path("datapackage.json"), type=Path)
    parser.add_argument("--source", default="", help="only pairs with a claim of this source")
    parser.add_argument("--all", action="store_true", help="every pair that shares anything, not only the proposed")
    args = parser.parse_args(argv)
    package = DataPackage(args.datapackage)
    claims = read_rows(table_of(package, "claims"))
    if args.source and args.source not in {claim["source_id"] for claim in claims}:
        raise PackageError(
            f"{package.relative(table_of(package, 'claims').file)}: no claim of source {clip(args.source)!r}"
        )
    figures = read_rows(table_of(package, "figures"))
    entities = read_rows(table_of(package, "entities"))
    links = read_rows(table_of(package, "claim_links"))
    features = features_of(claims, figures, entities, read_rows(table_of(package, "sources")))
    judged = judged_pairs(package)
    found = candidates(features, links, args.source, judged)
    unfounded = list(unfounded_links(features, links, args.source))
    for line in report(found, unfounded, features, args.all):
        print(printable(line))
    if judged:
        print(f"({len(judged)} pair(s) judged no link in {DECISIONS} left out)")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
