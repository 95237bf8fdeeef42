"""Claim skeletons: one per attributed sentence, with its claimant, hedges and attribution steps."""

from __future__ import annotations

import re

from scripts.curation.drafting.drafts import Drafts
from scripts.curation.drafting.names import Article
from scripts.curation.drafting.speech import Speech, speech_before
from scripts.curation.drafting.text import ATTRIBUTING, SAYING
from scripts.package import wording


class ClaimDrafter:
    """One claim skeleton per attributed sentence: the sentence as evidence, its claimant and hedges;
    the claim's words are the curator's to write."""

    def __init__(self, article: Article, drafts: Drafts, speakers: dict[tuple[int, int], Speech]) -> None:
        self.article, self.drafts, self.speakers = article, drafts, speakers
        self.claims: list[tuple[int, int, str, str]] = []  # start, end, claim_id, claimant

    def skeletons(self) -> None:
        article = self.article
        number = 0
        for start, end in article.sentences:
            speech = self._speech_in(start, end)
            reportedly = re.search(r"\breportedly\b", article.text[start:end])
            attributed = ATTRIBUTING.search(article.text[start:end])
            if speech is None and not reportedly and not attributed:
                continue
            number += 1
            claim_id = f"{article.prefix}-c{number:02d}"
            claimant = speech.speaker.entity.entity_id if speech else self._unnamed()
            hedges = [w for w in wording.HEDGES if re.search(rf"\b{w}\b", article.text[start:end], re.I)]
            row = {
                "claim_id": claim_id,
                "source_id": article.source_id,
                "claimant_id": claimant,
                "claim": "",
                "modality": "reports" if reportedly and not speech else ("speculates" if hedges else "asserts"),
                "exact": article.text[start:end],
                "char_start": str(start),
                "char_end": str(end),
            }
            why = "an attributed sentence: write the claim" + (
                f", keeping its hedges: {', '.join(hedges)}" if hedges else ""
            )
            if not claimant:
                why += f"; name who asserts it (the sentence says '{attributed.group() if attributed else ''}')"
            if end <= article.headline_end and article.outlet:
                # a headline is the outlet's claim, and only where it says what the body does not
                row["claimant_id"] = article.outlet
                why = "the headline: the outlet's claim only where it says what the body does not (codebook §2)"
            self.drafts.add("claims", row, 0.4 if claimant else 0.2, why)
            self.claims.append((start, end, claim_id, claimant))
            self._attributions(claim_id, start, end, speech, reportedly)

    def _speech_in(self, start: int, end: int) -> Speech | None:
        for (s, _), speech in self.speakers.items():
            if start <= s < end:
                return speech
        before = speech_before(self.article, start, end)
        if before and before.how.startswith("according"):
            return before
        return (
            before
            if before and re.search(rf"\b(?:{SAYING})\b", self.article.text[before.verb_start : before.verb_end])
            else None
        )

    def _unnamed(self) -> str:
        for entity in self.article.entities.values():
            if "reportedly" in entity.aliases:
                return entity.entity_id
        return ""

    def _attributions(
        self, claim_id: str, start: int, end: int, speech: Speech | None, reportedly: re.Match[str] | None
    ) -> None:
        """The claim's steps: the speaker who asserts it, then whoever relays it ("according to NAME"
        beside a speaker); or the unnamed source of "reportedly"."""
        step = 0
        if speech:
            step += 1
            entity_id = speech.speaker.entity.entity_id
            self._attribution(
                claim_id, step, "asserts", entity_id, speech.span, speech.confidence, f"asserts: '{speech.how}'"
            )
        according = re.search(r"\b[Aa]ccording to\b", self.article.text[start:end])
        if according and speech and not speech.how.startswith("according"):
            who = self.article.mentions_in(start + according.end(), end)
            if who:
                step += 1
                span = start + according.start(), who[0].end
                why = "relays: 'according to NAME' beside a speaker"
                self._attribution(claim_id, step, "relays", who[0].entity.entity_id, span, 0.6, why)
        if reportedly and not speech:
            span = start + reportedly.start(), start + reportedly.end()
            why = "asserts: 'reportedly' names no source"
            self._attribution(claim_id, 1, "asserts", self._unnamed(), span, 0.7, why)

    def _attribution(
        self, claim_id: str, step: int, role: str, entity_id: str, span: tuple[int, int], confidence: float, why: str
    ) -> None:
        s, e = span
        row = {
            "claim_id": claim_id,
            "step": str(step),
            "role": role,
            "entity_id": entity_id,
            "source_id": self.article.source_id,
            "exact": self.article.text[s:e],
            "char_start": str(s),
            "char_end": str(e),
        }
        self.drafts.add("attributions", row, confidence, why)

    def claim_at(self, offset: int) -> tuple[str, str]:
        for start, end, claim_id, claimant in self.claims:
            if start <= offset < end:
                return claim_id, claimant
        return "", ""
