"""Figure rows: every number and quantity word the text scan finds, with its qualifiers, unit,
measure, claim and reporter; the quantity words that are no quantity become exclusions."""

from __future__ import annotations

import re

from scripts.curation.drafting.claims import ClaimDrafter
from scripts.curation.drafting.drafts import Drafts
from scripts.curation.drafting.names import Article
from scripts.package import textscan, wording

PERCENT = re.compile(r"\s?(?:%|per\s?cent\b)")  # "40%", "40 percent", "40 per cent": part of the figure

SHARE_NOUN = re.compile(r"^\s+(?:of\b|are\b|were\b|[a-z]+s\b)")
SUPERLATIVE = re.compile(r"\bthe\s+$", re.I)
IDIOMS = re.compile(r"\b(?:at all|above all|after all|all but|first of all|once and for all)\b", re.I)


class FigureDrafter:
    def __init__(self, article: Article, drafts: Drafts, claims: ClaimDrafter) -> None:
        self.article, self.drafts, self.claims = article, drafts, claims
        self.number = 0

    def figures(self) -> None:
        spans = sorted(textscan.numbers(self.article.text), key=lambda s: s.start)
        used: set[int] = set()
        for index, span in enumerate(spans):
            drafted = self.drafts.tables.get("figures", [])
            if span.start in used or (drafted and span.start < int(drafted[-1]["char_end"])):
                continue  # the "millions" of "hundreds of millions", drafted with it
            second = self._range_end(span, spans[index + 1 :])
            if second:
                used.add(second.start)
                self._figure(span.start, second.end, "between", [span, second])
                continue
            if span.exact.lower() in wording.SHARE_WORDS or span.exact.isalpha():
                self._word(span, spans)
            elif self._qualifies_next(span, spans[index + 1 :]):
                self._exclusion(span, f"“{span.exact}” qualifies the number after it (approximately)")
            else:
                magnitude = textscan.MAGNITUDE.match(self.article.text, span.end) or PERCENT.match(
                    self.article.text, span.end
                )
                self._figure(span.start, magnitude.end() if magnitude else span.end, "", [span])

    def _range_end(self, span: textscan.Span, later: list[textscan.Span]) -> textscan.Span | None:
        if not later or span.exact.isalpha() or later[0].exact.isalpha():
            return None
        gap = self.article.text[span.end : later[0].start]
        joiners = "|".join(re.escape(j) for j in wording.RANGE_JOINERS)
        if not re.fullmatch(rf"\s*(?:{joiners})\s*\$?", gap):
            return None
        before = self.article.text[max(0, span.start - 10) : span.start]
        if gap.strip() == "and" and not re.search(r"\bbetween\s+\$?$", before, re.I):
            return None
        return later[0]

    def _qualifies_next(self, span: textscan.Span, later: list[textscan.Span]) -> bool:
        return bool(later) and not later[0].exact.isalpha() and span.exact.isalpha() and span.end + 1 == later[0].start

    def _word(self, span: textscan.Span, spans: list[textscan.Span]) -> None:
        text = self.article.text
        before, after = text[max(0, span.start - 6) : span.start], text[span.end : span.end + 30]
        word = span.exact.lower()
        if word == "most" and SUPERLATIVE.search(before) and not re.match(r"^\s+of\b", after):
            self._exclusion(
                span, f"“the most {after.split()[0] if after.split() else ''}”: a superlative, not a quantity"
            )
            return
        if word == "all" and IDIOMS.search(text[max(0, span.start - 12) : span.end + 8]):
            self._exclusion(span, "an idiom, not a quantity")
            return
        if word == "some" and re.match(r"^\s+\$?\d", after):
            self._exclusion(span, "“some” qualifies the number after it (approximately)")
            return
        if word == "all" and re.search(r"if not\s+$", text[max(0, span.start - 8) : span.start]):
            return  # part of "the majority, if not all", drafted with it
        end = span.end
        extra = (
            re.match(r"^,?\s+if not all\b", after)
            or re.match(rf"^\s+(?:{'|'.join(wording.MAGNITUDE_WORDS)})\b", after)
            or re.match(
                rf"^\s+(?:tens\s+)?of\s+(?:{'|'.join(wording.MAGNITUDE_WORDS)})s\b", after
            )  # "hundreds of millions"
        )
        if extra:
            end += extra.end()
        self._figure(
            span.start,
            end,
            "word",
            [span],
            share=word in wording.SHARE_WORDS and (bool(SHARE_NOUN.match(after)) or word in ("majority", "most")),
        )

    def _figure(self, start: int, end: int, how: str, parts: list[textscan.Span], share: bool = False) -> None:
        exact = self.article.text[start:end]
        value, low, high, qualifiers = _values(exact, how, self._qualifiers(start))
        unit = self._unit(end, exact, share)
        claim_id, claimant = self.claims.claim_at(start)
        self.number += 1
        row = {
            "figure_id": f"{self.article.prefix}-f{self.number:02d}",
            "claim_id": claim_id,
            "source_id": self.article.source_id,
            "exact": exact,
            "char_start": str(start),
            "char_end": str(end),
            "measure": self._measure(start, end, unit),
            "value": value,
            "value_low": low,
            "value_high": high,
            "unit": unit,
            "qualifier": qualifiers[0] if qualifiers else "exact",
            "second_qualifier": qualifiers[1] if len(qualifiers) > 1 else "",
            "reported_by_id": self._reporter(start) or claimant or self.article.outlet,
            "inferred": "value_low" if how == "word" and low else "",
        }
        confidence = 0.8 if how != "word" else 0.5
        self.drafts.add("figures", row, confidence, f"figure: {how or 'number'}; qualifier by the words before it")

    def _qualifiers(self, start: int) -> list[str]:
        text = self.article.text
        window = re.split(r"[,;:.!?\"“”]", text[max(0, start - 45) : start])[-1].lower()
        found: list[tuple[int, str]] = []
        taken: list[tuple[int, int]] = []
        for phrase, qualifier in wording.QUALIFIER_PHRASES:
            for match in re.finditer(rf"\b{re.escape(phrase)}\b", window):
                if any(s < match.end() and match.start() < e for s, e in taken):
                    continue
                if phrase == "some" and match.end() != len(window.rstrip()):
                    continue
                taken.append(match.span())
                found.append((match.start(), qualifier))
        if re.search(r"\bbetween\s*\$?$", window):
            found.append((len(window), "between"))
        return [q for _, q in sorted(found)]

    def _unit(self, end: int, exact: str, share: bool) -> str:
        if exact.startswith("$"):
            return "USD"
        if PERCENT.search(exact):
            return "percent"
        if share:
            return "share"
        after = self.article.text[end : end + 40].lower()
        words = re.findall(r"[a-z]+", after)[:4]
        if words and words[0] == "of":
            words = re.findall(r"[a-z]+", after)[:6]
        for word in words:
            for unit_word, unit in wording.UNIT_WORDS:
                if word == unit_word:
                    return unit
        return ""

    def _measure(self, start: int, end: int, unit: str) -> str:
        """The vocabulary's measure whose definition and example share the most words with the
        sentence (its unit's word counting twice); none where no measure shares two. A guess the
        curator checks: the vocabulary, not this code, knows what the measures are."""
        s, e = self.article.sentence_of(start)
        sentence = set(_words(self.article.text[s:e])) | ({unit.lower()} if unit else set())
        scored = []
        for value, words in self.article.measures:
            score = len(sentence & words) + (2 if unit and unit.lower() in words else 0)
            scored.append((score, value))
        scored.sort(reverse=True)
        if not scored or scored[0][0] < 2 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
            return ""
        return scored[0][1]

    def _reporter(self, offset: int) -> str:
        for (s, e), speech in self.claims.speakers.items():
            if s <= offset < e:
                return speech.speaker.entity.entity_id
        return ""

    def _exclusion(self, span: textscan.Span, reason: str) -> None:
        row = {
            "source_id": self.article.source_id,
            "char_start": str(span.start),
            "char_end": str(span.end),
            "exact": span.exact,
            "reason": reason,
        }
        self.drafts.add("exclusions", row, 0.6, "exclusion: a quantity word that is no quantity here")


STOP_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "and",
        "or",
        "with",
        "by",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "that",
        "this",
        "these",
        "those",
        "it",
        "its",
        "their",
        "his",
        "her",
    ]
)


def _words(text: str) -> list[str]:
    """Lowercase words of four letters or more, stems cut at a plural s, for matching definitions."""
    return [w.rstrip("s") for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in STOP_WORDS]


def measure_words(value: str, definition: str, example: str) -> frozenset[str]:
    """What a measure is about, in words: its name's parts, definition and example."""
    return frozenset(_words(f"{value.replace('_', ' ')} {definition} {example}")) | frozenset(value.split("_"))


def _values(exact: str, how: str, qualifiers: list[str]) -> tuple[str, str, str, list[str]]:
    """value, value_low, value_high and the qualifiers of a figure's words: a range's two ends, a
    number bounded by "up to" or "at least", a quantity word's share ("the majority": more than half)."""
    value = low = high = ""
    numbers = textscan.number_values(exact)
    if how == "between":
        low, high = _written(numbers[0]), _written(numbers[-1])
        qualifiers = ["between"] + [q for q in qualifiers if q != "between"]
    elif numbers:
        value = _written(numbers[0])
        if "up_to" in qualifiers:
            high = value
        if "at_least" in qualifiers:
            low = value
    if how == "word":
        if exact.split(",")[0].split()[0].lower() in ("majority", "most"):
            low, qualifiers = "0.5", ["more_than"]
        else:
            qualifiers = ["vague"]
        if "if not all" in exact:
            high, qualifiers = "1", ["more_than", "up_to"]
    return value, low, high, qualifiers


def _written(number: float) -> str:
    return f"{number:g}" if number != int(number) else str(int(number))
