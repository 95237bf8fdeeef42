"""Quote rows: the marked quotations with their speakers, the reported clauses after or before a verb
of saying, the answers of a Q&A, and the venues (interviews, statements) the words came through."""

from __future__ import annotations

import re

from scripts.curation.drafting.drafts import Drafts, Row
from scripts.curation.drafting.names import Article, Entity, Mention
from scripts.curation.drafting.speech import Speech, opinion_of, speech_after, speech_before, subject
from scripts.curation.drafting.text import SAYING, paragraph_of, slug
from scripts.package import textscan, wording

PREPOSITIONS = (
    "in",
    "during",
    "on",
    "at",
    "to",
    "last",
    "this",
    "earlier",
    "previously",
    "later",
    "of",
    "about",
    "against",
    "with",
    "after",
    "before",
    "by",
    "for",
    "from",
    "as",
    "him",
    "them",
    "reporters",
    "journalists",
)
CLAUSE_SPLIT = re.compile(rf"(?:,|\s+[—–])?\s+(?:but|and)\s+(?:also\s+)?(?:(?:{SAYING})\s+(?:that\s+)?|that\s+)")
VENUE = re.compile(
    r"\b(?:[Ii]n|[Dd]uring|[Aa]t)\s+(?:an?|the|his|her|their)\s+(?:\w+\s+){0,2}?"
    rf"(?P<kind>{'|'.join(re.escape(w) for w, _ in wording.VENUE_KINDS)})s?"
    r"(?:\s+(?:with|to|for|on)\s+(?P<outlet>(?:[A-Za-z][\w'’.-]*\s+){0,4}?[A-Z][\w'’.-]*))?"
    r"|\btold\s+(?P<told>(?:the\s+)?(?:[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*|state\s+(?:television|media|TV)))"
)


NEGATED = re.compile(
    r"(?:\b(?:did|does|do|would|will|could|has|have|had|was|were)\s+not|n[’']t|\bnever|\b(?:declined|refused)\s+to)\s+$"
)
AUDIENCE_WORDS = "(?:reporters|journalists|lawmakers|legislators|MPs|parliament|the press|interrogators|investigators)"
AUDIENCE = re.compile(rf"^\s+{AUDIENCE_WORDS}\s+(?=[a-z])")
# "told reporters the figure included …": the audience, then the clause


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
        for row, _, _ in self.rows:
            if row["nested_in"] and not row["speaker_id"]:  # the parent may come after it in the scan
                row["speaker_id"] = self._speaker_at(row["nested_in"])

    def _same_words_spoken(self) -> None:
        """A quotation with no speaker, or a headline's, whose words a quotation with a speaker holds
        too: that speaker, inferred, as the codebook's headline rule says."""
        for row, confidence, why in list(self.rows):
            headline = int(row["char_end"]) <= self.article.headline_end
            if (row["speaker_id"] and not headline) or row["kind"] == "scare":
                continue
            words = row["exact"].strip(" ,.'’‘\"“”").lower()
            for other, _, _ in self.rows:
                body = int(other["char_start"]) > self.article.headline_end
                if other is not row and other["speaker_id"] and body and words and words in other["exact"].lower():
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
        after = start + match.end("kind")
        named = [
            m for m in article.mentions_in(after, min(end, after + 40)) if m.entity.kind in ("media", "organization")
        ]
        outlet = named[0].entity if named else None  # "with Korean TV channel KBS": the outlet named after it
        source_id = self._venue_id(match.group("kind").lower(), speech.speaker.entity, outlet)
        row["via_source_id"] = source_id
        if not any(s["source_id"] == source_id for s in self.drafts.tables.get("sources", [])):
            self._venue_source(source_id, match, speech.speaker.entity, outlet)

    def _venue_id(self, written: str, speaker: Entity, outlet: Entity | None) -> str:
        """outlet-kind-speaker; without an outlet, the same kind of venue of the speaker named before
        ("in his interview")."""
        kind = dict(wording.VENUE_KINDS)[written]
        source_id = slug("-".join(p for p in (slug(outlet.name) if outlet else "", written, speaker.entity_id) if p))
        earlier = [
            s["source_id"]
            for s in self.drafts.tables.get("sources", [])
            if s["kind"] == kind and s["source_id"].endswith(f"-{speaker.entity_id}")
        ]
        return earlier[-1] if outlet is None and earlier else source_id

    def _venue_source(self, source_id: str, match: re.Match[str], speaker: Entity, outlet: Entity | None) -> None:
        written = match.group("kind").lower()
        kind = dict(wording.VENUE_KINDS)[written]
        where = f" with {outlet.name}" if outlet and kind == "interview" else f" to {outlet.name}" if outlet else ""
        venue = {
            "source_id": source_id,
            "kind": kind,
            "title": f"{speaker.name}{_possessive(speaker.name)} {written}{where}",
            "publisher_id": outlet.entity_id if outlet else "",
            "cited_in": self.article.source_id,
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
                if article.inside_quotation(start + verb.start(), start + verb.end()) or NEGATED.search(
                    body[: verb.start()]
                ):
                    continue  # "did not say whether …", "declined to confirm …": no speech (codebook §5)
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
            self._unmarked_answers()
            return
        for line in lines:
            if line in questions or line.group("who") in ("A", "Answer"):
                continue
            named = article.mentions_in(line.start("who"), line.end("who"))
            mention = named[0] if named else _nobody(line.start())
            speech = Speech(mention, line.start("who"), line.end("who"), "the answer's name in a Q&A", 0.7)
            end = line.end("answer")
            end = end - 1 if article.text[end - 1] in ".!?" else end
            self._reported_row(line.start("answer"), end, speech, "an answer in a Q&A transcript")

    def _unmarked_answers(self) -> None:
        """An interview printed as questions in paragraphs of their own ("Are they good soldiers?"), each
        followed by the answer without quotation marks: the answer is a `reported` row of the person
        named last before the question (codebook §5)."""
        article, text = self.article, self.article.text
        for question in re.finditer(r"(?m)^(?P<q>[A-Z][^\n\"“”‘]{5,200}\?)[ \t]*\n+(?P<a>[^\n]+)", text):
            answer_start, answer_end = question.span("a")
            if len(question.group("q").split()) > 30 or any(m in question.group("a")[:1] for m in "\"“‘'"):
                continue
            people = [
                article.resolve(m)
                for m in article.mentions
                if m.end <= question.start() and not article.inside_quotation(m.start, m.end)
            ]
            people = [m for m in people if m.entity.kind == "person" and m.entity.entity_id]
            if not people:
                continue
            speech = Speech(people[-1], question.start(), question.end("q"), "the interviewee answering", 0.5)
            end = answer_end - 1 if text[answer_end - 1] in ".!?" else answer_end
            self._reported_row(answer_start, end, speech, "an answer printed under its question")

    def _as_they_say(self, start: int, body: str) -> None:
        """ "If, as Ukrainian commanders say, the North Koreans are …, losses will mount": the clause
        after the aside, to its next comma, is what they say."""
        aside = re.search(rf"\b[Aa]s\s+(?P<who>[^,]{{1,60}}?)\s+(?:{SAYING})\s*,\s*(?P<clause>[^,;.!?]+)", body)
        if not aside or any(mark in aside.group("clause") for mark in '"“”'):
            return
        who = subject(self.article, start + aside.start("who"), start + aside.end("who"))
        mention = who or _nobody(start)
        speech = Speech(mention, start + aside.start(), start + aside.start("clause"), "as NAME say, …", 0.5)
        self._reported_row(start + aside.start("clause"), start + aside.end("clause"), speech, "as NAME say, …")

    def _backward(self, start: int, end: int, verb: re.Match[str]) -> None:
        """'CLAUSE, argued Pardo.' / 'CLAUSE, the official added, …' / 'CLAUSE, the Defence Secretary,
        Richard Halloran, told …': the clause before the commas that open the speaker's words."""
        before = self.article.text[start : start + verb.start()]
        after = self.article.text[start + verb.end() : end]
        if any(mark in before for mark in '"“”') or re.match(r"[^.:]{0,40}:\s*[\"“‘']", after):
            return  # '…, told the Post: "…"': the verb introduces the quotation, no clause before it
        commas = [m.start() for m in re.finditer(r",\s", before) if len(before[m.start() :].split()) <= 8]
        found = self._speaker_after_comma(start, end, verb, before, commas)
        if found is None and commas and len(before[commas[-1] :].split()) <= 8:
            # "…, Seoul lawmaker says": a short description no rule names; the clause, for the curator
            found = commas[-1], _no_speaker(start, verb)
        if found is None:
            return
        comma = _before_title(before, commas, found[0])
        if len(before[:comma].split()) >= 2 and not re.search(rf"\b(?:{SAYING})\b", before[:comma]):
            self._reported_row(start, start + comma, found[1], f"clause, NAME {verb.group()}")
            self._rest_of_utterance(start + verb.end(), end, found[1])

    def _rest_of_utterance(self, after_verb: int, end: int, speech: Speech) -> None:
        """ "Across the whole front, he said, the number is higher.": the words after the verb are the
        second part of one utterance (codebook §5: two rows sharing an utterance_id)."""
        rest = re.match(
            rf"(?:\s+{AUDIENCE_WORDS})?,\s+(?!adding\b|saying\b|according\b)(?P<b>[^\"“”]+?)[.!?]?$",
            self.article.text[after_verb:end],
        )
        if rest:
            b_start = after_verb + rest.start("b")
            self._reported_row(
                b_start, after_verb + rest.end("b"), speech, "…, NAME said, … (the utterance's second part)"
            )

    def _speaker_after_comma(
        self, start: int, end: int, verb: re.Match[str], before: str, commas: list[int]
    ) -> tuple[int, Speech] | None:
        """The last comma (of those given) after which a speaker is named, and the speech; a country
        is no speaker when the words after the comma start with "the"."""
        article = self.article
        for at in reversed(commas):
            tail = before[at:].strip(" ,")
            speech = speech_after(article, start + at, end)
            if not tail:
                if speech and speech.how == "said NAME":
                    return at, speech
                continue
            if speech is None:
                who = subject(article, start + at + 1, start + verb.start())
                if who and who.entity.entity_id:
                    speech = Speech(who, start + verb.start(), start + verb.end(), f"clause, NAME {verb.group()}", 0.7)
            if speech and (speech.speaker.entity.kind != "country" or not tail.startswith(("the ", "The "))):
                return at, speech
        return None

    def _forward(self, start: int, end: int, verb: re.Match[str]) -> bool:
        """'X said (that) CLAUSE': the clause after the verb, to the sentence's end or the next clause
        of its own, as reported rows; False when no clause follows the verb."""
        clause_start = self._clause_after(start, end, verb)
        if clause_start is None:
            return False
        speech = self._speaker_of_verb(start, end, verb) or _no_speaker(start, verb)
        clause_end = self._reported_end(clause_start, end)
        for part_start, part_end in _clauses(self.article.text, clause_start, clause_end):
            if not any(
                mark in self.article.text[part_start:part_end] for mark in '"“”'
            ):  # else the marked words are the quote
                self._reported_row(part_start, part_end, speech, f"NAME {verb.group()} (that) …")
        return True

    def _clause_after(self, start: int, end: int, verb: re.Match[str]) -> int | None:
        """Where the reported clause after the verb starts: after "that", or right after the verb
        when a word that is no preposition follows; None when the verb reports no clause."""
        body = self.article.text[start:end]
        rest = body[verb.end() :]
        when = re.match(
            r"^\s+(?:(?:on|last|this|earlier)\s+\w+(?:\s+\d{1,2})?|yesterday|today|tonight|overnight)(?=\s|[.,])", rest
        )  # "said on Tuesday …", "said yesterday."
        if when and not re.match(r"^\s+that\b", rest[when.end() :]):
            rest = " " * when.end() + rest[when.end() :]
        that = re.match(r"^,?((?:\s+[\w'’.,-]+){0,14}?)\s+that\s+", rest)  # "said, citing …, that"
        gap = that.group(1) if that else ""
        if that and not re.search(r"[;:\"“”‘]|\b(?:and|has|had|have|was|were|is|are|will|would|could|been)\b", gap):
            return start + verb.end() + that.end()
        if (
            re.match(r"^\s+[\w'’-]+", rest)
            and (
                rest.split()[0].lower() not in PREPOSITIONS
                or (verb.group() in ("told", "tells", "telling") and AUDIENCE.match(rest))
            )
            and (verb.group() not in ("told", "tells", "telling") or AUDIENCE.match(rest))
            and not re.search(r"[,.!?][\"”’']\s*$", body[: verb.start()])  # '…," said X' is no clause
        ):
            if re.match(r"^(?:[A-Z][\w'’.-]+\s*)+(?:,|[.!?]?$)", rest.strip()):
                return None  # 'said Andrew Yeo, …': the speaker after the verb, not a clause
            audience = AUDIENCE.match(rest) if verb.group() in ("told", "tells", "telling") else None
            skipped = audience.end() if audience else len(rest) - len(rest.lstrip())
            if audience and rest[skipped:].split()[0].lower() in PREPOSITIONS:
                return None  # "…, the agency told lawmakers on Thursday.": no clause follows
            return start + verb.end() + skipped
        return None

    def _reported_end(self, clause_start: int, end: int) -> int:
        """Where a reported clause ends: before the sentence's full stop, a semicolon, ", and he …"
        (a sentence of its own) or ", he said" after it."""
        text = self.article.text
        clause_end = end - 1 if text[end - 1] in ".!?" else end
        semicolon = text.find(";", clause_start, clause_end)
        clause_end = semicolon if semicolon >= 0 else clause_end
        own = re.compile(r",\s+(?:and|but)\s+(?:he|she|they|it|we)\b").search(text, clause_start, clause_end)
        clause_end = own.start() if own else clause_end  # ", and he urged …": a sentence of its own
        second = re.compile(r"\s+and\s+(?:also\s+)?[a-z]+ed\s+(?=[A-Z]|the\b|a\b|its\b|his\b|her\b)")
        verb = second.search(text, clause_start, clause_end)
        clause_end = verb.start() if verb else clause_end  # "… had been recorded and accused Moscow …"
        according = re.compile(r",\s+according to\b").search(text, clause_start, clause_end)
        clause_end = according.start() if according else clause_end
        later = re.search(rf",\s+(?:\w+\s+){{0,6}}?(?:{SAYING})\b", text[clause_start:clause_end])
        if later and not re.search(r"\bthat\b", text[clause_start + later.start() : clause_end]):
            clause_end = clause_start + later.start()  # '… that X, he said' ends at the comma
        return clause_end

    def _speaker_of_verb(self, start: int, end: int, verb: re.Match[str]) -> Speech | None:
        article = self.article
        if verb.group() in ("adding", "saying"):
            earlier = [s for (s, _), sp in self.speakers.items() if start <= s < start + verb.start()]
            if earlier:
                return next(sp for (s, _), sp in self.speakers.items() if s == earlier[-1])
            who = subject(article, start, start + verb.start())  # "It did not rule out …, saying …"
            if who and who.entity.entity_id:
                return Speech(who, start + verb.start(), start + verb.end(), f"NAME …, {verb.group()}", 0.6)
        return speech_before(article, start, start + verb.end()) or speech_after(article, start + verb.start() - 1, end)

    def _reported_row(self, start: int, end: int, speech: Speech, how: str) -> None:
        text = self.article.text
        while end > start and text[end - 1] in " ,":
            end -= 1
        if end - start < 8 or self._holds_quotation(start, end) or self._only_a_name(start, end):
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

    def _holds_quotation(self, start: int, end: int) -> bool:
        """A reported clause that holds a marked quotation, or part of one, is no row: the marked words
        are (codebook §5)."""
        return any(q.start - 1 < end and start < q.end + 1 for q in self.article.quotations)

    def _only_a_name(self, start: int, end: int) -> bool:
        """ "Andrei Kovalenko, a former attaché, told the Courier …": a name and its apposition are no clause."""
        first = next((m for m in self.article.mentions if m.start == start and m.entity.kind == "person"), None)
        return bool(first and re.fullmatch(r"(?:,\s+(?:an?|the)\s+[^,]+)?,?", self.article.text[first.end : end]))

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


def _nobody(at: int) -> Mention:
    """The speaker of words no rule finds a party for: the curator names one."""
    return Mention(at, at, Entity("", "", "", []), "none")


def _no_speaker(start: int, verb: re.Match[str]) -> Speech:
    return Speech(_nobody(start), start + verb.start(), start + verb.end(), "no speaker found", 0.3)


def _before_title(before: str, commas: list[int], comma: int) -> int:
    """The comma before a title that stands before the name: ", the Defence Secretary, Richard Halloran,",
    ", one of the lawmakers, Yoon Ha-neul,"."""
    for at in reversed([c for c in commas if c < comma]):
        if re.fullmatch(
            r",\s+(?:(?:one|some|two|three)\s+of\s+)?(?:the|a|an)\s+(?:[\w'’-]+\s*){1,4}", before[at:comma], re.I
        ):
            comma = at
    return comma


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A reported clause split where the text reports a second one: ', and that …', ', but warned that …'."""
    parts, at = [], start
    for split in CLAUSE_SPLIT.finditer(text, start, end):
        parts.append((at, split.start()))
        at = split.end()
    parts.append((at, end))
    return parts


def _possessive(name: str) -> str:
    return "’" if name.endswith("s") else "’s"
