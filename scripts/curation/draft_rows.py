"""Turn what drafting.py finds in an article into draft rows of the package's tables.

Order matters: quotations first (they fix who speaks where), then the attributed sentences that
become claim skeletons, then figures (each belongs to a claim and a party), then appositions."""

from __future__ import annotations

import re
from collections.abc import Iterable

from scripts.curation.drafting import (
    ATTRIBUTING,
    CLAUSE_SPLIT,
    IDIOMS,
    PREPOSITIONS,
    SAYING,
    SHARE_NOUN,
    SUPERLATIVE,
    VENUE,
    Article,
    Drafts,
    Entity,
    Mention,
    Role,
    Row,
    Speech,
    opinion_of,
    paragraph_of,
    slug,
    speech_after,
    speech_before,
    subject,
)
from scripts.package import textscan, wording


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
REFERENCES = {"claim_id": ("claim_id",), "quote_id": ("quote_id", "nested_in")}


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


PERCENT = re.compile(r"\s?(?:%|per\s?cent\b)")  # "40%", "40 percent", "40 per cent": part of the figure


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


class QuoteDrafter:
    def __init__(self, article: Article, drafts: Drafts) -> None:
        self.article, self.drafts = article, drafts
        self.speakers: dict[tuple[int, int], Speech] = {}  # quote span → speech
        self.rows: list[tuple[Row, float, str]] = []

    def marked(self) -> None:
        for quotation in self.article.quotations:
            parent = self._parent(quotation)
            so_called = re.search(
                r"\bso-called\s+\W?$", self.article.text[max(0, quotation.start - 12) : quotation.start]
            )
            speech = None if parent or so_called else self._speech_of(quotation)
            kind = "scare" if parent or so_called else self._kind(quotation)
            row = {
                "source_id": self.article.source_id,
                "speaker_id": "",
                "exact": quotation.exact,
                "char_start": str(quotation.start),
                "char_end": str(quotation.end),
                "kind": kind,
                "nested_in": parent,
            }
            confidence, why = 0.5, f"{kind}: between quotation marks; no speaker found"
            if parent:
                confidence, why = 0.6, "scare: a quotation inside another quotation; speaker of the one around it"
                row["speaker_id"] = self._speaker_at(parent)
            elif so_called:  # "so-called “storm” assaults": the words the writer sets apart
                confidence, why = 0.6, "scare: after 'so-called'; the article's own words"
                row["speaker_id"] = self.article.outlet
            elif speech:
                row["speaker_id"] = speech.speaker.entity.entity_id
                confidence, why = speech.confidence, f"{kind}: between quotation marks; speaker by '{speech.how}'"
                self.speakers[(quotation.start, quotation.end)] = speech
            self.rows.append((row, confidence, why))

    def _same_words_spoken(self) -> None:
        """A quotation with no speaker (a headline's) whose words a quotation with a speaker holds too:
        that speaker, inferred, as the codebook's headline rule says."""
        for row, confidence, why in list(self.rows):
            if row["speaker_id"] or row["kind"] == "scare":
                continue
            words = row["exact"].strip(" ,.'’‘\"“”").lower()
            for other, _, _ in self.rows:
                if other is not row and other["speaker_id"] and words and words in other["exact"].lower():
                    row["speaker_id"], row["inferred"] = other["speaker_id"], "speaker_id"
                    index = self.rows.index((row, confidence, why))
                    self.rows[index] = (
                        row,
                        0.4,
                        why.replace("no speaker found", "speaker of the same words elsewhere"),
                    )
                    break

    def _speaker_at(self, parent: str) -> str:
        for row, _, _ in self.rows:
            if f"@{row['char_start']}" == parent:
                return row["speaker_id"]
        return ""

    def _parent(self, quotation: textscan.Span) -> str:
        for other in self.article.quotations:
            if other is not quotation and other.start < quotation.start and quotation.end <= other.end:
                return f"@{other.start}"
        return ""

    def _kind(self, quotation: textscan.Span) -> str:
        words = quotation.exact.split()
        first = next((c for c in quotation.exact if c.isalpha()), "")
        return "statement" if first.isupper() and len(words) >= 4 else "fragment"

    def _speech_of(self, quotation: textscan.Span) -> Speech | None:
        article = self.article
        start, end = article.sentence_of(quotation.start)
        next_quote = min(
            (q.start - 1 for q in article.quotations if q.start > quotation.end + 1), default=len(article.text)
        )
        speech = speech_after(article, quotation.end, min(end, next_quote))
        if speech is None:
            previous = max(
                (q.end + 1 for q in article.quotations if q.end < quotation.start - 1 and q.end >= start), default=start
            )
            speech = speech_before(article, previous, quotation.start - 1)
        colon = re.search(r":\s*$", article.text[start : quotation.start - 1])
        if speech is None and colon:  # "Hnatiuk was careful: “…”"
            who = subject(article, start, start + colon.start())
            if who and who.entity.entity_id:
                speech = Speech(who, start + colon.start(), start + colon.end(), "NAME …: “…”", 0.6)
        if speech is None and end > quotation.end + 1:
            later = article.text[quotation.end + 1 : end]
            said = re.search(rf"(?P<who>\b[\w'’. -]{{1,40}}?)\s+(?:{SAYING})\b", later)
            if said:
                who = article.mentions_in(quotation.end + 1 + said.start("who"), quotation.end + 1 + said.end("who"))
                if who:
                    speech = Speech(
                        article.resolve(who[-1]), quotation.end, end, "NAME said, later in the sentence", 0.7
                    )
        return speech or self._carried(quotation.start)

    def _carried(self, offset: int) -> Speech | None:
        """No attribution in its sentence: the speaker of the paragraph's or the previous paragraph's
        last attributed words, or the person whose opinion the paragraph gives."""
        article = self.article
        start, _ = paragraph_of(article.text, offset)
        earlier = [(span, s) for span, s in self.speakers.items() if span[1] < offset]
        same = [s for span, s in earlier if span[0] >= start]
        if same:
            return Speech(same[-1].speaker, same[-1].verb_start, same[-1].verb_end, "the paragraph's speaker", 0.6)
        opinion = opinion_of(article, start, offset)
        if opinion:
            return opinion
        opening = [m for m in article.mentions_in(start, offset) if m.start == start and m.entity.kind == "person"]
        if opening:  # "He laughed. “On paper, …”": the person the paragraph opens with
            who = article.resolve(opening[0])
            if who.entity.entity_id:
                return Speech(who, who.start, who.end, "the person the paragraph opens with", 0.5)
        previous_start, _ = paragraph_of(article.text, max(0, start - 2))
        said = [m for m in re.finditer(rf"\b(?:{SAYING})\b", article.text[previous_start:start])]
        if said:
            verb = said[-1]
            who = subject(article, article.sentence_of(previous_start + verb.start())[0], previous_start + verb.start())
            if who:
                return Speech(
                    who,
                    previous_start + verb.start(),
                    previous_start + verb.end(),
                    "the previous paragraph's speaker",
                    0.5,
                )
        if earlier and earlier[-1][0][0] >= previous_start:
            last = earlier[-1][1]
            return Speech(last.speaker, last.verb_start, last.verb_end, "the previous paragraph's speaker", 0.5)
        return None

    def _venue(self, row: Row, speech: Speech) -> None:
        """ "in an interview with Kyodo News", "in a statement to the Financial Times": a cited source of
        its own (sources.csv, cited_in the article), which the quote came through (via_source_id)."""
        article = self.article
        start, end = article.sentence_of(speech.verb_start)
        match = VENUE.search(article.text[start:end])
        if not match:
            return
        row["_venue"] = f"; venue “{match.group().strip()}”"
        if not match.group("kind") or not speech.speaker.entity.entity_id:
            return
        kind = dict(wording.VENUE_KINDS)[match.group("kind").lower()]
        after = start + match.end("kind")
        named = [
            m for m in article.mentions_in(after, min(end, after + 40)) if m.entity.kind in ("media", "organization")
        ]
        outlet = named[0].entity if named else None  # "with Korean TV channel KBS": the outlet named after it
        speaker = speech.speaker.entity
        source_id = "-".join(
            p for p in (slug(outlet.name) if outlet else "", match.group("kind").lower(), speaker.entity_id) if p
        )
        source_id = slug(source_id)
        earlier = [
            s["source_id"]
            for s in self.drafts.tables.get("sources", [])
            if s["kind"] == kind and s["source_id"].endswith(f"-{speaker.entity_id}")
        ]
        if outlet is None and earlier:  # "in his interview": the interview named before
            source_id = earlier[-1]
        row["via_source_id"] = source_id
        if any(s["source_id"] == source_id for s in self.drafts.tables.get("sources", [])):
            return
        where = f" with {outlet.name}" if outlet and kind == "interview" else f" to {outlet.name}" if outlet else ""
        venue = {
            "source_id": source_id,
            "kind": kind,
            "title": f"{speaker.name}{_possessive(speaker.name)} {match.group('kind').lower()}{where}",
            "publisher_id": outlet.entity_id if outlet else "",
            "cited_in": article.source_id,
            "notes": "Date and URL not given in the text.",
        }
        self.drafts.add("sources", venue, 0.5, f"a venue the text names: “{match.group().strip()}”")

    def reported(self) -> None:
        """Clauses after a verb of saying ('X said (that) …', 'X said, adding that …') or before one
        ('…, he said.', '…, lawmaker Lee told reporters.'), when the clause holds no quotation marks
        (then the marked words are the quotation, as the codebook says)."""
        article = self.article
        self._answers()
        for start, end in article.sentences:
            body = article.text[start:end]
            self._as_they_say(start, body)
            for verb in re.finditer(rf"\b(?:{SAYING}|adding|saying)\b", body):
                if article.inside_quotation(start + verb.start(), start + verb.end()):
                    continue
                if not self._forward(start, end, verb):
                    self._backward(start, end, verb)

    def _answers(self) -> None:
        """A question-and-answer transcript ("Q: …" then "Choi: …"): each answer printed without
        quotation marks is a `reported` row of the one who answers, to its last full stop (codebook §5)."""
        article = self.article
        lines = list(
            re.finditer(r"(?m)^(?P<who>[A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){0,2}):[ \t]+(?P<answer>.+)$", article.text)
        )
        questions = [m for m in lines if m.group("who") in ("Q", "Question")]
        if not questions:
            return
        for line in lines:
            if line in questions or line.group("who") in ("A", "Answer"):
                continue
            named = article.mentions_in(line.start("who"), line.end("who"))
            mention = named[0] if named else Mention(line.start(), line.start(), Entity("", "", "", []), "none")
            speech = Speech(mention, line.start("who"), line.end("who"), "the answer's name in a Q&A", 0.7)
            end = line.end("answer")
            end = end - 1 if article.text[end - 1] in ".!?" else end
            self._reported_row(line.start("answer"), end, speech, "an answer in a Q&A transcript")

    def _as_they_say(self, start: int, body: str) -> None:
        """ "If, as Ukrainian commanders say, the North Koreans are …, losses will mount": the clause
        after the aside, to its next comma, is what they say."""
        aside = re.search(rf"\b[Aa]s\s+(?P<who>[^,]{{1,60}}?)\s+(?:{SAYING})\s*,\s*(?P<clause>[^,;.!?]+)", body)
        if not aside or any(mark in aside.group("clause") for mark in '"“”'):
            return
        who = subject(self.article, start + aside.start("who"), start + aside.end("who"))
        mention = who or Mention(start, start, Entity("", "", "", []), "none")
        speech = Speech(mention, start + aside.start(), start + aside.start("clause"), "as NAME say, …", 0.5)
        self._reported_row(start + aside.start("clause"), start + aside.end("clause"), speech, "as NAME say, …")

    def _backward(self, start: int, end: int, verb: re.Match[str]) -> None:
        """'CLAUSE, argued Pardo.' / 'CLAUSE, the official added, …' / 'CLAUSE, the Defence Secretary,
        Richard Halloran, told …': the clause before the commas that open the speaker's words."""
        article = self.article
        before = article.text[start : start + verb.start()]
        if any(mark in before for mark in '"“”'):
            return
        commas = [m.start() for m in re.finditer(r",\s", before) if len(before[m.start() :].split()) <= 8]
        comma, speech = None, None
        for at in reversed(commas):
            tail = before[at:].strip(" ,")
            if not tail:
                speech = speech_after(article, start + at, end)
                if speech and speech.how == "said NAME":
                    comma = at
                    break
                continue
            speech = speech_after(article, start + at, end)
            if speech is None:
                who = subject(article, start + at + 1, start + verb.start())
                if who and who.entity.entity_id:
                    speech = Speech(who, start + verb.start(), start + verb.end(), f"clause, NAME {verb.group()}", 0.7)
            if speech and (speech.speaker.entity.kind != "country" or not tail.startswith(("the ", "The "))):
                comma = at
                break
            speech = None
        if comma is None and commas and len(before[commas[-1] :].split()) <= 4:
            # "…, Seoul lawmaker says": a short description no rule names; the clause, for the curator
            comma = commas[-1]
            speech = Speech(
                Mention(start, start, Entity("", "", "", []), "none"),
                start + verb.start(),
                start + verb.end(),
                "no speaker found",
                0.3,
            )
        if comma is None or speech is None:
            return
        for at in reversed([c for c in commas if c < comma]):
            if re.fullmatch(r",\s+(?:the|a|an)\s+(?:[\w'’-]+\s*){1,4}", before[at:comma], re.I):
                comma = at  # the title before the name: ", the Defence Secretary, Richard Halloran,"
        if len(before[:comma].split()) >= 4 and not re.search(rf"\b(?:{SAYING})\b", before[:comma]):
            self._reported_row(start, start + comma, speech, f"clause, NAME {verb.group()}")

    def _forward(self, start: int, end: int, verb: re.Match[str]) -> bool:
        article = self.article
        body = article.text[start:end]
        rest = body[verb.end() :]
        when = re.match(r"^\s+(?:on|last|this|earlier)\s+\w+(?:\s+\d{1,2})?(?=\s)", rest)  # "said on Tuesday …"
        if when and not re.match(r"^\s+that\b", rest[when.end() :]):
            rest = " " * when.end() + rest[when.end() :]
        that = re.match(r"^((?:\s+[\w'’.,-]+){0,14}?)\s+that\s+", rest)
        gap = that.group(1) if that else ""
        if that and not re.search(r"[;:\"“”‘]|\b(?:and|has|had|have|was|were|is|are|will|would|could|been)\b", gap):
            clause_start = start + verb.end() + that.end()
        elif (
            re.match(r"^\s+[\w'’-]+", rest)
            and rest.split()[0].lower() not in PREPOSITIONS
            and verb.group() not in ("told", "tells")
            and not re.search(r"[,.!?][\"”’']\s*$", body[: verb.start()])  # '…," said X' is no clause
        ):
            clause_start = start + verb.end() + len(rest) - len(rest.lstrip())
            if re.match(r"^(?:[A-Z][\w'’.-]+\s*)+(?:,|[.!?]?$)", rest.strip()):
                return False  # 'said Andrew Yeo, …': the speaker after the verb, not a clause
        else:
            return False
        speech = self._speaker_of_verb(start, end, verb) or Speech(
            Mention(start, start, Entity("", "", "", []), "none"),
            start + verb.start(),
            start + verb.end(),
            "no speaker found",
            0.3,
        )
        clause_end = end - 1 if article.text[end - 1] in ".!?" else end
        semicolon = article.text.find(";", clause_start, clause_end)
        clause_end = semicolon if semicolon >= 0 else clause_end
        own = re.compile(r",\s+(?:and|but)\s+(?:he|she|they|it|we)\b").search(article.text, clause_start, clause_end)
        clause_end = own.start() if own else clause_end  # ", and he urged …": a sentence of its own
        later = re.search(rf",\s+(?:\w+\s+){{0,6}}?(?:{SAYING})\b", article.text[clause_start:clause_end])
        if later and not re.search(r"\bthat\b", article.text[clause_start + later.start() : clause_end]):
            clause_end = clause_start + later.start()  # '… that X, he said' ends at the comma
        for part_start, part_end in _clauses(article.text, clause_start, clause_end):
            if not any(
                mark in article.text[part_start:part_end] for mark in '"“”'
            ):  # else the marked words are the quote
                self._reported_row(part_start, part_end, speech, f"NAME {verb.group()} (that) …")
        return True

    def _speaker_of_verb(self, start: int, end: int, verb: re.Match[str]) -> Speech | None:
        article = self.article
        if verb.group() in ("adding", "saying"):
            earlier = [s for (s, _), sp in self.speakers.items() if start <= s < start + verb.start()]
            if earlier:
                return next(sp for (s, _), sp in self.speakers.items() if s == earlier[-1])
        return speech_before(article, start, start + verb.end()) or speech_after(article, start + verb.start() - 1, end)

    def _reported_row(self, start: int, end: int, speech: Speech, how: str) -> None:
        text = self.article.text
        while end > start and text[end - 1] in " ,":
            end -= 1
        if end - start < 8:
            return
        row = {
            "source_id": self.article.source_id,
            "speaker_id": speech.speaker.entity.entity_id,
            "exact": text[start:end],
            "char_start": str(start),
            "char_end": str(end),
            "kind": "reported",
        }
        self.speakers[(start, end)] = speech
        self.rows.append((row, min(speech.confidence, 0.7), f"reported: {how}; speaker by '{speech.how}'"))

    def renumber(self) -> None:
        """Ids in text order; a scare quotation names its parent by id."""
        self.rows.sort(key=lambda item: int(item[0]["char_start"]))
        ids = {}
        for number, (row, _, _) in enumerate(self.rows, 1):
            row["quote_id"] = f"{self.article.prefix}-q{number:02d}"
            ids[f"@{row['char_start']}"] = row["quote_id"]
        self._same_words_spoken()
        spoken = {(s, e): speech for (s, e), speech in self.speakers.items()}
        for row, _, _ in self.rows:  # venues in text order: "in his interview" is the one named before
            speech = spoken.get((int(row["char_start"]), int(row["char_end"])))
            if speech:
                self._venue(row, speech)
        for row, confidence, why in self.rows:
            why += row.pop("_venue", "")
            row["nested_in"] = ids.get(row.get("nested_in", ""), "")
            self.drafts.add("quotes", row, confidence, why)


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A reported clause split where the text reports a second one: ', and that …', ', but warned that …'."""
    parts, at = [], start
    for split in CLAUSE_SPLIT.finditer(text, start, end):
        parts.append((at, split.start()))
        at = split.end()
    parts.append((at, end))
    return parts


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
        text = self.article.text
        step = 0
        if speech:
            s, e = speech.span
            step += 1
            row = {
                "claim_id": claim_id,
                "step": str(step),
                "role": "asserts",
                "entity_id": speech.speaker.entity.entity_id,
                "source_id": self.article.source_id,
                "exact": text[s:e],
                "char_start": str(s),
                "char_end": str(e),
            }
            self.drafts.add("attributions", row, speech.confidence, f"asserts: '{speech.how}'")
        according = re.search(r"\b[Aa]ccording to\b", text[start:end])
        if according and speech and not speech.how.startswith("according"):
            who = self.article.mentions_in(start + according.end(), end)
            if who:
                s, e = start + according.start(), who[0].end
                step += 1
                row = {
                    "claim_id": claim_id,
                    "step": str(step),
                    "role": "relays",
                    "entity_id": who[0].entity.entity_id,
                    "source_id": self.article.source_id,
                    "exact": text[s:e],
                    "char_start": str(s),
                    "char_end": str(e),
                }
                self.drafts.add("attributions", row, 0.6, "relays: 'according to NAME' beside a speaker")
        if reportedly and not speech:
            s, e = start + reportedly.start(), start + reportedly.end()
            row = {
                "claim_id": claim_id,
                "step": "1",
                "role": "asserts",
                "entity_id": self._unnamed(),
                "source_id": self.article.source_id,
                "exact": text[s:e],
                "char_start": str(s),
                "char_end": str(e),
            }
            self.drafts.add("attributions", row, 0.7, "asserts: 'reportedly' names no source")

    def claim_at(self, offset: int) -> tuple[str, str]:
        for start, end, claim_id, claimant in self.claims:
            if start <= offset < end:
                return claim_id, claimant
        return "", ""


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
        text = self.article.text
        exact = text[start:end]
        qualifiers = self._qualifiers(start)
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
        word = exact.split(",")[0].split()[0].lower() if how == "word" else ""
        if how == "word":
            if word in ("majority", "most"):
                low, qualifiers = "0.5", ["more_than"]
            else:
                qualifiers = ["vague"]
            if "if not all" in exact:
                high, qualifiers = "1", ["more_than", "up_to"]
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


def _possessive(name: str) -> str:
    return "’" if name.endswith("s") else "’s"


def _written(number: float) -> str:
    return f"{number:g}" if number != int(number) else str(int(number))


APPOSITION = re.compile(
    r"(?P<person>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,3}),\s+(?:an?|the)\s+(?P<role>[a-z][\w ’'-]*?)\s+"
    r"(?:at|with|of|for|in)\s+(?=(?:the\s+)?[A-Z])(?P<org>(?:the\s+)?[^,.;]*?[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*)(?=\s+in\s+a\b|\s+who\b|[,.;]|$)"
)
TITLE_BEFORE = re.compile(r"(?P<role>(?:(?:[A-Z][\w.-]*|of|for|and)\s+){1,5})$")


def appositions(article: Article, drafts: Drafts) -> None:
    """Affiliations from "Lena Ortiz, a researcher at the X Institute," and "Ukraine's President
    Volodymyr Zelenskyy": the person, the organisation, the role as written."""
    seen: set[tuple[str, str]] = set()
    found: list[tuple[int, int, Entity, Entity, str, str]] = []
    for match in APPOSITION.finditer(article.text):
        person = _entity_at(article, match.start("person"), match.end("person"), person=True)
        org = _entity_at(article, match.start("org"), match.end("org"), person=False)
        if person and org:
            found.append((match.start(), match.end(), person, org, match.group("role").strip(), "NAME, a ROLE at ORG"))
    for mention in article.mentions:
        if mention.entity.kind != "person" or mention.how == "pronoun":
            continue
        start, _ = article.sentence_of(mention.start)
        titled = TITLE_BEFORE.search(article.text[start : mention.start])
        if not titled:
            continue
        role_start = start + titled.start()
        orgs = [
            m
            for m in article.mentions
            if m.end <= mention.start
            and m.entity.kind != "person"
            and m.how != "pronoun"
            and (m.start >= role_start or article.text[m.end : role_start].strip() in ("'s", "’s", ""))
            and m.start >= role_start - 30
        ]
        if not orgs:
            continue
        org = orgs[-1]
        role = article.text[max(org.end, role_start) : mention.start].removeprefix("'s").removeprefix("’s").strip()
        if role and role.split()[0] not in ("of", "for", "and"):
            found.append((org.start, mention.end, mention.entity, org.entity, role, "ORG's ROLE NAME"))
    number = 0
    for start, end, person, org, role, how in sorted(found, key=lambda f: f[0]):
        if (person.entity_id, org.entity_id) in seen:
            continue
        seen.add((person.entity_id, org.entity_id))
        number += 1
        row = {
            "affiliation_id": f"{article.prefix}-a{number:02d}",
            "person_id": person.entity_id,
            "organization_id": org.entity_id,
            "relation": "holds_role",
            "role": role,
            "source_id": article.source_id,
            "exact": article.text[start:end],
            "char_start": str(start),
            "char_end": str(end),
        }
        drafts.add("affiliations", row, 0.5, f"apposition: '{how}'")


def _entity_at(article: Article, start: int, end: int, person: bool) -> Entity | None:
    mentions: list[Mention] = [m for m in article.mentions if start <= m.start and m.end <= end and m.how != "pronoun"]
    wanted = [m for m in mentions if (m.entity.kind == "person") == person]
    if not wanted:
        return None
    return wanted[-1].entity if person else min(wanted, key=lambda m: -(m.end - m.start)).entity


def new_entities(article: Article, drafts: Drafts) -> None:
    """Entities the drafts name that the package does not have, each with the first words that name it."""
    used = {
        row.get(column, "")
        for rows in drafts.tables.values()
        for row in rows
        for column in ("speaker_id", "claimant_id", "entity_id", "person_id", "organization_id", "reported_by_id")
    }
    for entity in article.entities.values():
        if not entity.drafted or entity.entity_id not in used:
            continue
        first = next((m for m in article.mentions if m.entity is entity), None)
        evidence = article.text[first.start : first.end] if first else entity.name
        row = {
            "entity_id": entity.entity_id,
            "name": entity.name,
            "kind": entity.kind,
            "aliases": ",".join(dict.fromkeys(entity.aliases)),
            "description": "",
        }
        why = (
            f"“{evidence}” is no entity's name ({entity.kind} by its words): check that the name is whole and no"
            " alias of an entity the package has, and write its description"
        )
        drafts.add("entities", row, 0.5, why)
