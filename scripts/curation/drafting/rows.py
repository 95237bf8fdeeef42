"""Every draft row of one article, in order: quotations first (they fix who speaks where), then the
attributed sentences that become claim skeletons, then figures (each belongs to a claim and a
party), then appositions and new entities; then the ids a package has already are renumbered."""

from __future__ import annotations

import re
from collections.abc import Iterable

from scripts.curation.drafting.claims import ClaimDrafter
from scripts.curation.drafting.drafts import Drafts, Row
from scripts.curation.drafting.figures import FigureDrafter
from scripts.curation.drafting.names import Article, Entity, Role
from scripts.curation.drafting.parties import appositions, new_entities
from scripts.curation.drafting.quotes import QuoteDrafter
from scripts.curation.drafting.text import slug


def draft(
    text: str,
    source_id: str,
    entities: Iterable[Entity],
    outlet: str = "",
    roles: Iterable[Role] = (),
    measures: Iterable[tuple[str, frozenset[str]]] = (),
) -> Drafts:
    """Every draft row for one article's text; `measures` are the vocabulary's figures.measure values
    with their words (measure_words)."""
    prefix = _prefix(source_id)
    article = Article(text, source_id, prefix, entities, outlet, roles)
    article.measures = list(measures)
    drafts = Drafts()
    quotes = QuoteDrafter(article, drafts)
    quotes.marked()
    quotes.reported()
    quotes.renumber()
    claims = ClaimDrafter(article, drafts, quotes.speakers)
    claims.skeletons()
    FigureDrafter(article, drafts, claims).figures()
    quote_claims(drafts)
    appositions(article, drafts)
    new_entities(article, drafts)
    return drafts


ROW_IDS = {"claims": "claim_id", "quotes": "quote_id", "figures": "figure_id", "affiliations": "affiliation_id"}


def after_taken(drafts: Drafts, taken: set[str]) -> None:
    """Renumber drafted row ids that the package has already (an article curated before) to the next
    free numbers, as CONTRIBUTING numbers a row added later, and follow them in every reference."""
    renamed: dict[str, str] = {}
    for table, column in ROW_IDS.items():
        used = set(taken)
        for row in drafts.tables.get(table, []):
            old = row[column]
            match = re.fullmatch(r"(.*-[a-z])(\d+)", old)
            if old not in used or not match:
                used.add(old)
                continue
            number = int(match.group(2))
            while f"{match.group(1)}{number:02d}" in used:
                number += 1
            renamed[old] = row[column] = f"{match.group(1)}{number:02d}"
            used.add(row[column])
    for rows in drafts.tables.values():
        for row in rows:
            for column in ("claim_id", "quote_id", "nested_in"):
                if column in row and row[column] in renamed and not _is_own_id(row, column):
                    row[column] = renamed[row[column]]


def _is_own_id(row: Row, column: str) -> bool:
    """Whether `column` is the row's own id, renamed already (a claim's claim_id, a quote's quote_id)."""
    return (column == "claim_id" and "claimant_id" in row) or (column == "quote_id" and "speaker_id" in row)


def quote_claims(drafts: Drafts) -> None:
    """Each drafted quote supports the claim skeleton of the sentence it stands in."""
    claims = drafts.tables.get("claims", [])
    for quote in drafts.tables.get("quotes", []):
        start, end = int(quote["char_start"]), int(quote["char_end"])
        for claim in claims:
            if int(claim["char_start"]) <= start and end <= int(claim["char_end"]):
                row = {"quote_id": quote["quote_id"], "claim_id": claim["claim_id"]}
                drafts.add("quote_claims", row, 0.5, "the quote stands in the claim's sentence")
                break


def _prefix(source_id: str) -> str:
    """`article-002` → `a002`, as CONTRIBUTING names rows; another id keeps its own letters."""
    match = re.fullmatch(r"article-(\d+)", source_id)
    return f"a{match.group(1)}" if match else slug(source_id)
