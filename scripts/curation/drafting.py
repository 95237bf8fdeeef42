"""Draft rows from an article's text by rules: quotations and their speakers, figures, appositions,
attributed sentences. Every draft says how sure it is and which rule made it; a curator decides.

The rules read the codebook's word lists (scripts/package/wording.py), the text scan that the
coverage check uses (every quotation and every number it finds gets a draft), and the package's
entities with their aliases. Nothing here reads a file or the network: text in, rows out."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from scripts.package import textscan, wording

Row = dict[str, str]
DRAFT_COLUMNS = ("confidence", "why", "review")

SAYING = "|".join(wording.SAYING_VERBS)
VIEWING = "|".join(wording.VIEW_VERBS)
SAYING_VERB = re.compile(rf"\b(?:{SAYING})\b")
ATTRIBUTING = re.compile(rf"\b(?:{SAYING}|{VIEWING})\b|\b(?:{'|'.join(wording.ATTRIBUTION_PHRASES)})\b", re.I)
PRONOUN = re.compile(r"\b(?:he|she|He|She)\b")
NAME_WORD = r"(?:[A-Z][\w'’.-]*[\w.]|[A-Z])"
NAME = re.compile(
    rf"{NAME_WORD}(?:[ \t]+(?:{NAME_WORD}|de|da|van|von|bin|al|of|for|and)(?=[ \t]+[A-Z]|\b))*(?:[ \t]+{NAME_WORD})?"
)
ABBREVIATION = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Gen|Maj|Col|Lt|Capt|Adm|Sgt|Sen|Rep|Gov|Prof|St|Jr|Sr|No|vs|etc|Jan|Feb|Mar|Apr"
    r"|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)|\b[A-Z])$"
)
SENTENCE_END = re.compile(r"[.!?][\"”’']*(?=\s+[\"“‘'A-Z0-9]|\s*$)")
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
DESCRIPTION = re.compile(
    r"(?:\b(?:[Aa]n?|[Tt]he)[ \t]+(?:[\w.-]+[ \t]+){0,3}"
    r"|\b[A-Z][\w-]*(?:[ \t]+[A-Z][\w-]*)*['’]s[ \t]+(?:[a-z][\w-]*[ \t]+){0,2})"
    rf"(?P<head>{'|'.join(wording.DESCRIPTION_NOUNS)})\b"
)
GENDER_TITLES = {
    "Mr": "m",
    "Mr.": "m",
    "Sir": "m",
    "Lord": "m",
    "Mrs": "f",
    "Mrs.": "f",
    "Ms": "f",
    "Ms.": "f",
    "Dame": "f",
    "Lady": "f",
    "Baroness": "f",
}
DEMONYM = re.compile(r"(?:ans|ese|ish|ians)$")
SENTENCE_OPENERS = (
    "He",
    "She",
    "It",
    "They",
    "We",
    "I",
    "You",
    "Since",
    "When",
    "While",
    "After",
    "Before",
    "But",
    "And",
    "If",
    "Despite",
    "Asked",
    "Much",
    "This",
    "That",
    "These",
    "Those",
    "Then",
    "Now",
    "Yet",
    "So",
    "Still",
    "Even",
    "Once",
    "Until",
)
PREPOSITIONS_BEFORE_PLACES = ("in", "at", "on", "from", "for", "to", "with", "by", "after", "during", "near", "of")
COMPASS = ("North", "South", "East", "West")  # "South Korean estimates": an adjective, no party
OPENINGS = ("In", "At", "On", "From", "For", "To", "With", "By", "After", "During")
MONTH_NAMES = set(textscan.MONTHS.split("|")) | {
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
}
AFTER_NAME = (
    "has",
    "have",
    "had",
    "was",
    "were",
    "is",
    "are",
    "will",
    "would",
    "also",
    "who",
    "previously",
    "then",
    "later",
    "recently",
    "earlier",
    "again",
    "and",
    "or",
    "on",
    "in",
    "at",
    "to",
    "of",
    "for",
    "from",
    "with",
    "by",
    "as",
    "last",
    "this",
    "that",
    "did",
    "does",
    "do",
    "can",
    "could",
    "may",
    "might",
    "should",
    "must",
    "expressed",
    "spoke",
    "speaking",
    "wrote",
    "asked",
    "replied",
)
SHARE_NOUN = re.compile(r"^\s+(?:of\b|are\b|were\b|[a-z]+s\b)")
SUPERLATIVE = re.compile(r"\bthe\s+$", re.I)
IDIOMS = re.compile(r"\b(?:at all|above all|after all|all but|first of all|once and for all)\b", re.I)


@dataclass
class Entity:
    entity_id: str
    name: str
    kind: str
    aliases: list[str]
    drafted: bool = False
    evidence: str = ""
    gender: str = ""  # "m" or "f" where a title says so (Mr, Dame), for he and she

    def names(self) -> list[str]:
        return [self.name, *self.aliases]


@dataclass(frozen=True)
class Role:
    """A role someone holds in an organisation or country, from the package's affiliations: it lets
    "Ukraine's President" name the person."""

    person_id: str
    organization_id: str
    role: str


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    entity: Entity
    how: str  # "name", "alias", "surname", "pronoun", "new name", "group"


@dataclass
class Drafts:
    """Draft rows per table, in text order, each with confidence, why and an empty review."""

    tables: dict[str, list[Row]] = field(default_factory=dict)

    def add(self, table: str, row: Row, confidence: float, why: str) -> Row:
        row = {**row, "confidence": f"{confidence:.2f}", "why": why, "review": ""}
        self.tables.setdefault(table, []).append(row)
        return row


def slug(name: str) -> str:
    """An entity id from a name, as CONTRIBUTING names them: lowercase words joined by '-'."""
    words = re.findall(r"[a-z0-9]+", name.lower().replace("’", "").replace("'", ""))
    return "-".join(words) or "entity"


def sentences(text: str, quoted: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(start, end) of each sentence, paragraph by paragraph; a full stop inside a quotation does not
    end the sentence that carries it, and "Maj." or "U.S." end none."""
    found: list[tuple[int, int]] = []
    offset = 0
    for paragraph in text.splitlines(keepends=True):
        start = offset
        body = paragraph.rstrip("\n")
        for match in SENTENCE_END.finditer(body):
            stop = offset + match.end()
            if ABBREVIATION.search(body[: match.start()]) or any(s < stop - 1 < e for s, e in quoted):
                continue
            found.append(_trimmed(text, start, stop))
            start = stop
        if body[start - offset :].strip():
            found.append(_trimmed(text, start, offset + len(body)))
        offset += len(paragraph)
    return [span for span in found if span[1] > span[0]]


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


class Article:
    """One text and what the rules found in it so far: its sentences, quotations and mentions."""

    def __init__(
        self,
        text: str,
        source_id: str,
        prefix: str,
        entities: Iterable[Entity],
        outlet: str,
        roles: Iterable[Role] = (),
    ) -> None:
        self.text, self.source_id, self.prefix, self.outlet = text, source_id, prefix, outlet
        self.entities = {entity.entity_id: entity for entity in entities}
        self.roles = list(roles)
        first = text.split("\n", 1)[0]
        self.headline_end = len(first) if "\n" in text and not first.rstrip().endswith((".", "!", "?")) else 0
        self.measures: list[tuple[str, frozenset[str]]] = []  # the vocabulary's measures and their words
        self.quotations = [s for s in textscan.quotations(text) if s.what == "quotation"]
        quoted = [(q.start - 1, q.end + 1) for q in self.quotations]
        self.sentences = sentences(text, quoted)
        self.known = self._known_names()
        self.mentions = self._mentions()

    # -- names -------------------------------------------------------------------------------
    def _known_names(self) -> re.Pattern[str] | None:
        names = {n for entity in self.entities.values() for n in entity.names() if len(n) > 1}
        if not names:
            return None
        alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")

    def _by_name(self, name: str) -> Entity | None:
        for entity in self.entities.values():
            if name in entity.names():
                return entity
        return None

    def _mentions(self) -> list[Mention]:
        """Every mention of a party, in text order: known names and aliases, then new capitalised
        names (drafted as entities), surnames of people named before, and he/she."""
        taken: list[tuple[int, int]] = []
        found: list[Mention] = []
        known = list(self.known.finditer(self.text)) if self.known else []
        for match in DESCRIPTION.finditer(self.text):
            head = match.start("head"), match.end("head")
            if any(k.start() < head[1] and head[0] < k.end() for k in known) or self.inside_quotation(*match.span()):
                continue  # "South Korean intelligence officials" is the entity the package knows
            after_name = re.search(
                r"(?:^|(?P<before>\S+)\s)(?P<name>[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)*),\s*$",
                self.text[max(0, match.start() - 60) : match.start()],
            )
            prepositional = after_name and (after_name.group("before") or "").lower() in PREPOSITIONS_BEFORE_PLACES
            in_opening = after_name and after_name.group("name").split()[0] in OPENINGS
            if re.match(r"[Aa]n?\s", match.group()) and after_name and not prepositional and not in_opening:
                continue  # "Olena Kovalenko, a spokeswoman for …": an apposition, not another party
            mention = self._description(match)
            if mention:
                found.append(mention)
                taken.append(match.span())
        for match in known:
            entity = self._by_name(match.group())
            longer = " " not in match.group() and re.match(
                r"[ \t]+[A-Z][\w'’-]", self.text[match.end() : match.end() + 3]
            )
            if longer and entity and entity.kind == "person":
                continue  # "Park Sang-won" is not Park, "Oleh Vasylenko" not every Oleh: the longer name decides
            if entity and not any(s < match.end() and match.start() < e for s, e in taken):
                found.append(Mention(match.start(), match.end(), entity, "name"))
                taken.append(match.span())
        for match in (piece for whole in NAME.finditer(self.text) for piece in _sentence_pieces(whole)):
            start, written, owner = match.start(), match.group(), None
            overlapping = [(s, e) for s, e in taken if s < match.end() and start < e]
            whole_of = overlapping and all(
                self.text[max(0, s - 4) : s] == " of " and e <= match.end() for s, e in overlapping
            )
            if whole_of:  # "Ministry of Foreign Affairs of Ukraine": a body named with its country
                taken = [(s, e) for s, e in taken if (s, e) not in overlapping]
                found = [m for m in found if (m.start, m.end) not in overlapping]
                overlapping = []
            if overlapping:
                # "South Korea's National Intelligence Service": the name after the known possessor
                last = max(e for _, e in overlapping)
                rest = re.match(r"^['’]s[ \t]+(?=[A-Z])", self.text[last : match.end()])
                if not rest:
                    continue
                owner = self.text[overlapping[0][0] : last + rest.end()].rstrip()
                start, written = last + rest.end(), self.text[last + rest.end() : match.end()]
            mention = self._new_name(start, written, owner)
            if mention:
                found.append(mention)
        for match in PRONOUN.finditer(self.text):
            found.append(Mention(match.start(), match.end(), Entity("", match.group(), "person", []), "pronoun"))
        return self._definite_resolved(sorted(found, key=lambda m: m.start))

    def _definite_resolved(self, found: list[Mention]) -> list[Mention]:
        """ "the official" is the last party before it described with that noun; "the ministry" or "the
        agency" the last government body or organisation named before it; else no one."""
        resolved: list[Mention] = []
        for mention in found:
            if mention.how != "definite":
                resolved.append(mention)
                continue
            head = mention.entity.aliases[0]
            before = [m.entity for m in resolved if m.entity.entity_id and not self.inside_quotation(m.start, m.end)]
            same = [e for e in before if e.drafted and e.name.lower().endswith(head)]
            bodies = [e for e in before if e.kind in ("government", "organization")]
            if same:
                resolved.append(Mention(mention.start, mention.end, same[-1], "description"))
            elif bodies and head in ("ministry", "agency", "government", "committee"):
                resolved.append(Mention(mention.start, mention.end, bodies[-1], "description"))
        return resolved

    def _new_name(self, start: int, written: str, owner: str | None = None) -> Mention | None:
        """A capitalised name no entity has: a person, or an organisation by its words."""
        for word in written.split():
            if word.endswith(".") and len(word) > 2 and word not in wording.TITLE_WORDS:
                written = written[: written.index(word) + len(word) - 1]  # "said Cho." ends a sentence; "Maj." not
                break
        words = written.split()
        gender = next((GENDER_TITLES[w] for w in words if w in GENDER_TITLES), "")
        institution = words[-1] in (*wording.ORGANIZATION_WORDS, *wording.GOVERNMENT_WORDS, *wording.MEDIA_WORDS)
        while words and (
            (words[0] in wording.TITLE_WORDS and not institution) or words[0] in ("The", "A", "An", "US", "U.S.")
        ):
            start += len(words[0]) + 1
            words = words[1:]
        if words and words[0] in ("of", "for") and len(words) >= 3 and not institution:
            start += len(" ".join(words[:-2])) + 1  # "Minister of Foreign Affairs Andriy Kovalenko"
            words = words[-2:]
        while words and words[0] in SENTENCE_OPENERS:
            start += len(words[0]) + 1
            words = words[1:]
        while words and words[-1] in ("of", "for", "and"):
            words = words[:-1]
        if not words:
            return None
        name = " ".join(words)
        surname_of = self._surname(name)
        if surname_of and gender:
            surname_of.gender = gender
        if surname_of:
            return Mention(start, start + len(name), surname_of, "surname")
        if self._sentence_start(start) and len(words) == 1:
            return None
        if len(name) < 3 or (name.upper() == name and len(words) == 1 and len(name) < 3):
            return None
        if DEMONYM.search(words[-1]) or (len(words) == 2 and words[0] in COMPASS and words[1].endswith("an")):
            return None  # "the North Koreans", "Ukrainians": people of a country, no party
        country = self._by_name(dict(wording.CAPITALS).get(name, "")) if len(words) == 1 else None
        if country and self._before_saying(start + len(name)):
            return Mention(start, start + len(name), country, "capital")  # "Kyiv said": Ukraine
        acronym = self._acronym(name) if len(words) == 1 and name.isupper() else None
        if acronym:
            return Mention(start, start + len(name), acronym, "acronym")
        body = (
            self._body_by_word(name)
            if len(words) == 1 and name in wording.GOVERNMENT_WORDS + wording.ORGANIZATION_WORDS
            else None
        )
        if body:
            return Mention(start, start + len(name), body, "institution word")  # "The Ministry said"
        if len(words) == 1 and (name in MONTH_NAMES or not self._before_saying(start + len(name))):
            return None
        if re.search(r"(?:ans?|ese|ish|ics?|is?)$", words[-1]) and self._modifies_noun(start + len(name)):
            return None  # "North Korean soldiers": an adjective, not a name
        kind = _kind_of(words)
        for cut in range(len(words) - 1):  # "Ukrainian President Volodymyr Zelenskiy": the known person at its end
            tail = words[cut:]
            variant = self._spelling_variant(tail) if kind == "person" and len(tail) > 1 else None
            if variant:
                at = start + len(" ".join(words[:cut])) + (1 if cut else 0)
                return Mention(at, start + len(name), variant, "spelling variant")
        full = f"{owner} {name}" if owner and kind != "person" else name  # "Ukraine's Ministry of Defence"
        entity = self._by_name(full) or self._by_name(name) or Entity(slug(full), full, kind, [], drafted=True)
        if entity.drafted and entity.entity_id not in self.entities:
            entity.entity_id = self._free_id(entity.entity_id)
            entity.aliases = list(dict.fromkeys([full, name]))
            if kind == "person" and len(words) > 1:
                entity.aliases.append(_surname_of(words))
            entity.gender = gender
            self.entities[entity.entity_id] = entity
        return Mention(start, start + len(name), entity, "new name")

    def _description(self, match: re.Match[str]) -> Mention | None:
        """ "a senior US official" or "South Korea's foreign ministry": a party the text describes;
        "the official" is the last one described with that noun."""
        written, head = match.group(), match.group("head").lower()
        if written.split()[0].lower() == "the" and "'" not in written and "’" not in written:
            # resolved once every name is found (resolve_definite): its antecedent may be a name
            return Mention(match.start(), match.end(), Entity("", written, "definite", [head]), "definite")
        bare = re.sub(r"^(?:[Aa]n?|[Tt]he)[ \t]+", "", written)
        name = bare[0].upper() + bare[1:]  # "a senior US official" is "Senior US official"
        entity = self._by_name(name) or self._by_name(written)
        if entity is None:
            kind = "group" if head.endswith("s") or head in ("intelligence", "military") else "person"
            if head in ("ministry", "agency", "government", "committee"):
                kind = "government"
            entity = Entity(self._free_id(slug(bare)), name, kind, [written], drafted=True)
            self.entities[entity.entity_id] = entity
        return Mention(match.start(), match.end(), entity, "description")

    def _spelling_variant(self, words: list[str]) -> Entity | None:
        """ "Volodymyr Zelenskiy" for Volodymyr Zelenskyy, "Kim Yong-hyun" for Kim Yong-Hyun: a known
        person whose name has as many words, each the same but for case or two letters."""
        for entity in self.entities.values():
            if entity.kind != "person" or entity.drafted:
                continue
            for known in entity.names():
                parts = known.split()
                same_first = len(parts) == len(words) and words[0].casefold() == parts[0].casefold()
                if same_first and all(_close(a, b) for a, b in zip(parts, words, strict=True)):
                    return entity
        return None

    def _body_by_word(self, word: str) -> Entity | None:
        """ "the Ministry" after "Ministry of Foreign Affairs of Ukraine": the last drafted body with that word."""
        bodies = [e for e in self.entities.values() if e.drafted and word in e.name.split()]
        return bodies[-1] if bodies else None

    def _acronym(self, written: str) -> Entity | None:
        """ "the NIS" after "National Intelligence Service": the organisation whose initials it is."""
        for entity in reversed(list(self.entities.values())):
            for name in entity.names():
                initials = "".join(w[0] for w in name.split() if w[0].isupper() and w not in ("The",))
                if entity.kind != "person" and len(initials) > 1 and initials == written:
                    return entity
        return None

    def _free_id(self, wanted: str) -> str:
        taken, candidate, n = set(self.entities), wanted, 2
        while candidate in taken:
            candidate, n = f"{wanted}-{n}", n + 1
        return candidate

    def _surname(self, name: str) -> Entity | None:
        """The person a single word names: by surname, or by a given name after a title ("Dame Susan")
        when one person only has it."""
        people = [e for e in self.entities.values() if e.kind == "person" and len(e.name.split()) > 1]
        by_surname = [e for e in people if _surname_of(e.name.split()) == name]
        if by_surname:
            return by_surname[-1]
        by_word = [e for e in people if e.drafted and name in e.name.split()]
        if len(by_word) == 1:
            return by_word[0]
        spelled = [e for e in people if not e.drafted and len(name) >= 6 and _close(_surname_of(e.name.split()), name)]
        return spelled[0] if len(spelled) == 1 else None  # "Zelenskiy:" for Zelenskyy

    def _sentence_start(self, offset: int) -> bool:
        return any(start == offset for start, _ in self.sentences)

    def _modifies_noun(self, offset: int) -> bool:
        """Whether a lowercase word that is no verb follows: then the capitalised words describe it."""
        following = re.match(r"\s+([a-z][\w'’-]*)", self.text[offset : offset + 40])
        if not following:
            return False
        word = following.group(1)
        return word not in AFTER_NAME and not re.fullmatch(rf"{SAYING}|{VIEWING}", word)

    def _before_saying(self, offset: int) -> bool:
        return bool(re.match(rf"\s+(?:also\s+)?(?:{SAYING})\b", self.text[offset : offset + 30]))

    # -- where things are --------------------------------------------------------------------
    def sentence_of(self, offset: int) -> tuple[int, int]:
        for start, end in self.sentences:
            if start <= offset < end:
                return start, end
        return offset, offset

    def inside_quotation(self, start: int, end: int) -> bool:
        return any(q.start - 1 <= start and end <= q.end + 1 for q in self.quotations)

    def mentions_in(self, start: int, end: int) -> list[Mention]:
        return [
            m for m in self.mentions if start <= m.start and m.end <= end and not self.inside_quotation(m.start, m.end)
        ]

    def resolve(self, mention: Mention) -> Mention:
        """he/she is the last person named before it; anything else is itself."""
        if mention.how != "pronoun":
            return mention
        before = [m for m in self.mentions if m.end <= mention.start and m.how != "pronoun"]
        unlike = "f" if mention.entity.name.lower() == "he" else "m"
        outside = [m for m in before if not self.inside_quotation(m.start, m.end)]
        if mention.start >= self.headline_end:  # a headline's party is no antecedent of the body's "he"
            outside = [m for m in outside if m.start >= self.headline_end]
        for earlier in reversed(outside):
            if earlier.entity.kind == "person" and earlier.entity.gender != unlike:
                return Mention(mention.start, mention.end, earlier.entity, "pronoun")
        return mention


@dataclass(frozen=True)
class Piece:
    """Part of a NAME match, with the offsets a match has."""

    at: int
    text: str

    def start(self) -> int:
        return self.at

    def end(self) -> int:
        return self.at + len(self.text)

    def group(self) -> str:
        return self.text


def _sentence_pieces(match: re.Match[str]) -> list[Piece]:
    """A NAME match cut where a sentence ends inside it ("… Allied Defense. Kwon"): a word ending in
    a full stop ends a name unless it is a title or an initial ("Maj.", "J.", "U.S.")."""
    pieces, at = [], match.start()
    for word in re.finditer(r"\S+", match.group()):
        if word.group().endswith(".") and len(word.group()) > 4 and word.group() not in wording.TITLE_WORDS:
            end = match.start() + word.end() - 1
            pieces.append(Piece(at, match.string[at:end]))
            at = match.start() + word.end()
            while at < match.end() and match.string[at] in " \t":
                at += 1
    if at < match.end():
        pieces.append(Piece(at, match.string[at : match.end()]))
    return [p for p in pieces if p.text]


def _close(a: str, b: str) -> bool:
    """Two spellings of one word: equal but for case, or at most two letters apart."""
    a, b = a.casefold(), b.casefold()
    if a == b:
        return True
    if abs(len(a) - len(b)) > 2 or min(len(a), len(b)) < 5:
        return False
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1] <= 2


def _surname_of(words: list[str]) -> str:
    """The word a text calls a person by later: the last, but the first of a Korean-style name whose
    given name is hyphenated ("Lee Sung-min" is "Lee")."""
    return words[0] if "-" in words[-1] and len(words) == 2 else words[-1]


def _kind_of(words: list[str]) -> str:
    if any(w in wording.MEDIA_WORDS for w in words):
        return "media"
    if any(w in wording.GOVERNMENT_WORDS for w in words):
        return "government"
    if any(w in wording.ORGANIZATION_WORDS for w in words):
        return "organization"
    if any(w in wording.GROUP_WORDS for w in words):
        return "group"
    return "person"


RANK = {"person": 0, "group": 1, "government": 2, "organization": 2, "media": 3, "country": 4}


def subject(article: Article, start: int, end: int, inner_clauses: bool = True) -> Mention | None:
    """The party a clause's verb belongs to: the head of the text before the verb, past an opening
    phrase ("In an interview with Kyodo News, …"); a person before an organisation or a country,
    the last of equals ("Ukraine's President Volodymyr Zelenskyy")."""
    if re.search(r"\b[Ii]t\s+(?:also\s+|has\s+|had\s+)?$", article.text[start:end]):
        bodies = [
            m for m in article.mentions if m.end <= end and m.entity.kind in ("government", "organization", "media")
        ]
        if bodies:  # "In its latest update, it said …": the last body named before
            return bodies[-1]
    close = [m for m in article.mentions_in(start, end) if not re.search(r"[,;:]", article.text[m.end : end])]
    close = [m for m in close if len(article.text[m.end : end].split()) <= 2]
    if close and re.search(r"\b(?:who|which)\b", article.text[start : close[-1].start]):
        close = []  # "A Ukrainian mother who fled to Harrowgate says": the place is no subject
    if close:  # "…, he said" / "Zelenskyy stated" / "Ukraine's President added": the noun right before the verb
        nearest = article.resolve(close[-1])
        people = [m for m in article.mentions_in(start, nearest.start) if m.entity.kind == "person"]
        if people and re.fullmatch(
            r"\s+(?:of|at|from|with)\s+(?:the\s+)?", article.text[people[-1].end : nearest.start]
        ):
            nearest = people[-1]  # "Andrew Yeo of the Brookings Institution has argued": Yeo
        if nearest.entity.entity_id:
            return holder_of_role(article, nearest) or nearest
    whole_start = start
    inner = list(re.finditer(r"(?:,\s+(?:while|whereas|and|but|as|though)\s+|;\s+)", article.text[start:end]))
    inner = inner if inner_clauses else []
    if inner:
        start += inner[-1].end()  # "…, while Russian officials have said …": the last clause's subject
    clause = article.text[start:end]
    opening = re.match(r"^(?:In|During|According to|On|At|After|Speaking|Asked)\b[^,]*,\s*", clause)
    if opening and article.mentions_in(start + opening.end(), end):
        start += opening.end()
        clause = article.text[start:end]
    head = re.split(r",\s|\s(?:has|have|had|was|were|is|are|will|would|also|previously|then|later|who)\s", clause)[0]
    if not article.mentions_in(start, start + len(head)):
        segments = [m.end() for m in re.finditer(r",\s", clause)]
        for at in segments:  # "Asked about the reports, a Kremlin spokesman called …"
            piece = re.split(r",\s", clause[at:])[0]
            if article.mentions_in(start + at, start + at + len(piece)):
                start, clause, head = start + at, clause[at:], piece
                break
    verb = ATTRIBUTING.search(head, 1)
    if verb and not head.lower().startswith("according to"):
        head = head[: verb.start()]
    mentions = [article.resolve(m) for m in article.mentions_in(start, start + len(head))]
    mentions = [m for m in mentions if m.entity.entity_id]
    if not mentions:
        group = re.search(rf"((?:[A-Z][\w'’-]*\s+){{0,2}}(?:[a-z]+\s+)?(?:{'|'.join(wording.GROUP_WORDS)}))\s*$", head)
        if group:
            return _group_mention(article, start + group.start(1), group.group(1))
        if start > whole_start and inner_clauses:  # "…, and said the Joint Chiefs …": the sentence's subject
            return subject(article, whole_start, end, inner_clauses=False)
        return None
    best = min(mentions, key=lambda m: (RANK.get(m.entity.kind, 5), -m.start))
    return holder_of_role(article, best) or best


def holder_of_role(article: Article, mention: Mention) -> Mention | None:
    """ "Ukraine's President …": the person the package knows in that role of that organisation."""
    if mention.entity.kind == "person":
        return None
    after = article.text[mention.end : mention.end + 60].lower()
    after = re.sub(r"^['’]s", "", after).lstrip()
    for role in article.roles:
        if role.organization_id == mention.entity.entity_id and after.startswith(role.role.lower()):
            holder = article.entities.get(role.person_id)
            if holder:
                return Mention(mention.start, mention.end, holder, "role")
    return None


def _group_mention(article: Article, start: int, written: str) -> Mention:
    name = written[0].upper() + written[1:]
    entity = article._by_name(written) or article._by_name(name)
    if entity is None:
        entity = Entity(article._free_id(slug(written)), name, "group", [written], drafted=True)
        article.entities[entity.entity_id] = entity
    return Mention(start, start + len(written), entity, "group")


@dataclass
class Speech:
    """Who said something, by which words, and through which venue."""

    speaker: Mention
    verb_start: int
    verb_end: int
    how: str
    confidence: float

    @property
    def span(self) -> tuple[int, int]:
        return min(self.speaker.start, self.verb_start), max(self.speaker.end, self.verb_end)


def speech_after(article: Article, offset: int, limit: int) -> Speech | None:
    """'…," said Andrew Yeo' / '…," Yeo said' / '…, he said.' right after a quotation or clause."""
    after = article.text[offset:limit]
    verb = re.match(rf"^[\"”’',.]*\s*(?P<verb>{SAYING})\s", after)
    if verb:
        named = [m for m in article.mentions_in(offset + verb.end(), limit) if m.start <= offset + verb.end() + 12]
        if named:
            return Speech(
                article.resolve(named[0]), offset + verb.start("verb"), offset + verb.end("verb"), "said NAME", 0.9
            )
    inverted = re.match(rf"^[\"”’',.]*\s*(?P<who>.{{1,60}}?)\s+(?:also\s+)?(?P<verb>{SAYING})\b", after)
    if inverted and '"' not in inverted.group("who") and "“" not in inverted.group("who"):
        named = article.mentions_in(offset + inverted.start("who"), offset + inverted.end("who"))
        if not named and inverted.group("who") == "it":
            bodies = [
                m
                for m in article.mentions
                if m.end <= offset and m.entity.kind in ("government", "organization", "media")
            ]
            named = bodies[-1:]  # "…, it said.": the last body named before
        if named:
            speaker = article.resolve(min(named, key=lambda m: (RANK.get(m.entity.kind, 5), -m.start)))
            return Speech(speaker, offset + inverted.start("verb"), offset + inverted.end("verb"), "NAME said", 0.9)
    return None


def speech_before(article: Article, start: int, offset: int) -> Speech | None:
    """'X said in June, "…' / 'X told Newsweek that …' / 'X described them as "…': the last verb
    of saying or viewing before the quotation in its sentence, and that verb's subject."""
    before = article.text[start:offset]
    verbs = [
        m for m in ATTRIBUTING.finditer(before) if not article.inside_quotation(start + m.start(), start + m.end())
    ]
    if not verbs:
        return None
    verb = verbs[-1]
    if verb.group().lower() == "according to":
        named = article.mentions_in(start + verb.end(), offset)
        if named:
            return Speech(article.resolve(named[0]), start + verb.start(), start + verb.end(), "according to NAME", 0.7)
        return None
    if verb.group().lower() in ("reportedly", "allegedly"):
        return None
    after_verb = [m for m in article.mentions_in(start + verb.end(), offset) if m.start <= start + verb.end() + 2]
    who = subject(article, start, start + verb.start())
    if who is None and after_verb and verb.group() in wording.SAYING_VERBS:
        who = after_verb[0]
    if who is None:
        return None
    return Speech(who, start + verb.start(), start + verb.end(), f"NAME {verb.group()} …", 0.8)


def opinion_of(article: Article, start: int, end: int) -> Speech | None:
    """ "In Zelenskyy's opinion, …": the paragraph's view is that person's."""
    match = re.search(r"\b(?:In|in)\s+(?P<who>.{1,40}?)['’]s?\s+(?:opinion|view|words)", article.text[start:end])
    if not match:
        return None
    named = article.mentions_in(start + match.start("who"), start + match.end("who") + 2)
    if not named:
        return None
    return Speech(article.resolve(named[0]), start + match.start(), start + match.end(), "in NAME's opinion", 0.6)


def paragraph_of(text: str, offset: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return start, len(text) if end < 0 else end
