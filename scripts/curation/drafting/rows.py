"""Every draft row of one article, in order: quotations first (they fix who speaks where), then the
attributed sentences that become claim skeletons, then figures (each belongs to a claim and a
party), then appositions and new entities; then the ids a package has already are renumbered."""

from __future__ import annotations

import re
from collections.abc import Iterable

from scripts.curation.drafting.claims import ClaimDrafter
from scripts.curation.drafting.drafts import Drafts
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


def after_taken(drafts: Drafts, keys: dict[str, str], taken: dict[str, set[str]]) -> dict[str, dict[str, str]]:
    """Renumber drafted row ids (`keys`: table -> its id column) that the package has already (`taken`,
    an article curated before) to the next free numbers, as CONTRIBUTING numbers a row added later.
    Returns, per table, the ids renamed, for the references to follow."""
    renamed: dict[str, dict[str, str]] = {}
    for table, column in keys.items():
        used = set(taken.get(table, ()))
        for row in drafts.tables.get(table, []):
            old = row[column]
            match = re.fullmatch(r"(.*-[a-z])(\d+)", old)
            if old not in used or not match:
                used.add(old)
                continue
            number = int(match.group(2))
            while f"{match.group(1)}{number:02d}" in used:
                number += 1
            renamed.setdefault(table, {})[old] = row[column] = f"{match.group(1)}{number:02d}"
            used.add(row[column])
    return renamed


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
