"""What each archived article holds, written from reading it (not from the CSVs), kept with the
article: one module `article_*.py` per article, found and registered in ARTICLES under its source
id. A data test about an article looks its rows up by that source id and their exact words, so that
adding an article never breaks a test about another. An article without a module here is still
covered by the tests over every article (hashes, spans, quotations, validation)."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field

Figure = tuple[str, str, float, str, str, str]  # exact, measure, value, qualifier, as_of, claimant
Link = tuple[tuple[str, str], str, tuple[str, str]]  # (source id, figure's exact) relation (source id, exact)


@dataclass(frozen=True)
class Article:
    source_id: str
    quotations: tuple[tuple[str, str], ...]  # every quotation marked in the text: first words, speaker
    reported: tuple[tuple[str, str], ...] = ()  # speech without quotation marks: first words, speaker
    utterances: tuple[tuple[str, ...], ...] = ()  # quotes (first words) of one utterance split by "he said"
    quotes_supporting: tuple[tuple[str, int], ...] = ()  # a quote (first words) and how many claims it supports
    nested: tuple[tuple[str, str, str], ...] = ()  # outer quote's first words, its ending, the nested quote
    figures: tuple[Figure, ...] = ()
    vague_words: tuple[str, ...] = ()  # numbers in words: vague figures without a value
    two_qualifiers: tuple[tuple[str, str, str, str], ...] = ()  # exact, qualifier, second qualifier, value_high
    venues: dict[str, tuple[str, str]] = field(default_factory=dict)  # cited source: kind, publisher
    undated_quotes: tuple[tuple[str, str], ...] = ()  # first words, what the note says instead of a date
    figure_links: tuple[Link, ...] = ()  # claims of two figures, linked
    # words of a claim of this article, and the relation of a link to it from a claim of any article
    linked_claims: tuple[tuple[str, str], ...] = ()
    # Rows of the troop_estimates view: the figure's exact words, as_of, value, claimant, venue.
    troop_estimates: tuple[tuple[str, str, float, str, str | None], ...] = ()
    # Rows of the who_said_what view: the quote's exact words, speaker's name, venue, article's label.
    speaker_of_quote: tuple[tuple[str, str, str, str], ...] = ()


def _articles() -> dict[str, Article]:
    """Every `article_*.py` module beside this one: adding the module registers the article."""
    modules = [info.name for info in pkgutil.iter_modules(__path__) if info.name.startswith("article_")]
    found = [importlib.import_module(f"{__name__}.{name}").ARTICLE for name in sorted(modules)]
    return {article.source_id: article for article in found}


ARTICLES: dict[str, Article] = _articles()
