"""Who a text names: the package's entities by their names and aliases, new capitalised names (drafted
as entities), descriptions ("a senior US official"), surnames and he/she. `Article` holds them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from scripts.curation.drafting.text import SAYING, VIEWING, paragraph_of, sentences, slug
from scripts.package import textscan, wording

PRONOUN = re.compile(r"\b(?:he|she|He|She)\b")
NAME_WORD = r"(?:[A-Z][\w'’.-]*[\w.]|[A-Z])"
NAME = re.compile(
    rf"{NAME_WORD}(?:[ \t]+(?:{NAME_WORD}|de|da|van|von|bin|al|of|for|and)(?=[ \t]+[A-Z]|\b))*(?:[ \t]+{NAME_WORD})?"
)

DESCRIPTION = re.compile(
    r"(?:\b(?:[Aa]n?|[Tt]he)[ \t]+(?:(?!(?:the|an?)\b)[\w.-]+[ \t]+){0,3}?"
    r"|\b[A-Z][\w-]*(?:[ \t]+[A-Z][\w-]*)*['’]s[ \t]+(?:[a-z][\w-]*[ \t]+){0,2})"
    rf"(?:(?:{'|'.join(wording.DESCRIPTION_NOUNS)})[ \t]+)*(?P<head>{'|'.join(wording.DESCRIPTION_NOUNS)})\b"
)  # the first description noun after the article, with any that follow it ("a ministry spokesperson")
OFFICES = "|".join(wording.OFFICE_WORDS)
OFFICE = re.compile(rf"\b[Tt]he[ \t]+(?:[A-Za-z][\w'’-]*[ \t]+){{0,2}}?(?P<head>(?i:{OFFICES}))\b")
# "who gave only his call sign, Orlan": a one-word name that no capital-letter rule would take for one
CALL_SIGN = re.compile(
    r"\b(?:call[- ]?sign|nom de guerre|known (?:only )?as|identified (?:only )?as|(?:first|given) name)"
    r"[,:]?[ \t]+[\"“‘']?(?P<name>[A-Z][\w'’-]+)"
)
BODY_NOUNS = ("ministry", "agency", "government", "committee", "intelligence", "military")
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
        # a first line that ends no sentence and is short is a headline ("Troops reach the front, Kyiv says")
        short = len(first.split()) <= 20 and not first.rstrip().rstrip("\"”’'").endswith((".", "!", "?"))
        self.headline_end = len(first) if "\n" in text and short else 0
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
        self._add_descriptions(known, found, taken)
        self._add_known_names(known, found, taken)
        self._add_call_signs(found, taken)
        self._add_new_names(found, taken)
        self._add_offices(found, taken)
        for match in PRONOUN.finditer(self.text):
            found.append(Mention(match.start(), match.end(), Entity("", match.group(), "person", []), "pronoun"))
        return self._lede_named(self._definite_resolved(sorted(found, key=lambda m: m.start)))

    def _add_descriptions(self, known: list[re.Match[str]], found: list[Mention], taken: list[tuple[int, int]]) -> None:
        for match in DESCRIPTION.finditer(self.text):
            if _head_in_known_name(match, known) or self.inside_quotation(*match.span()):
                continue  # "South Korean intelligence officials" is the entity the package knows
            if self._apposition_description(match):
                continue  # "Olena Kovalenko, a spokeswoman for …": an apposition, not another party
            mention = self._description(match)
            if mention:
                found.append(mention)
                taken.append(match.span())

    def _add_call_signs(self, found: list[Mention], taken: list[tuple[int, int]]) -> None:
        """A person the text names by a call sign or first name only, drafted as a person of that name."""
        for match in CALL_SIGN.finditer(self.text):
            start, end = match.span("name")
            if _overlaps(start, end, taken) or self.inside_quotation(start, end):
                continue
            name = match.group("name")
            entity = self._by_name(name) or Entity(self._free_id(slug(name)), name, "person", [name], drafted=True)
            self.entities.setdefault(entity.entity_id, entity)
            found.append(Mention(start, end, entity, "call sign"))
            taken.append((start, end))

    def _add_offices(self, found: list[Mention], taken: list[tuple[int, int]]) -> None:
        """ "the Defence Secretary", "The Minister": resolved to the person with that office once every
        name is found."""
        for match in OFFICE.finditer(self.text):
            if _overlaps(match.start(), match.end(), taken) or self.inside_quotation(*match.span()):
                continue
            office = Entity("", match.group(), "definite", [match.group("head").lower()])
            found.append(Mention(match.start(), match.end(), office, "definite"))

    def _office_holder(self, office: str, at: Mention, found: list[Mention]) -> Entity | None:
        """The person named right after `at` ("The Pentagon spokesman, Maj. Gen. Pat Ryder"), else the
        last person before it the text gives the office, else the first after it, else the last person
        its paragraph names before it."""
        people = [
            m
            for m in found
            if m.entity.kind == "person"
            and m.entity.entity_id
            and m.how != "pronoun"
            and not self.inside_quotation(m.start, m.end)
        ]
        named_next = self._named_next(at, people)
        if named_next:
            return named_next
        holders = [m for m in people if self._holds_office(m, office)]
        before = [m for m in holders if m.end <= at.start]
        after = [m for m in holders if m.start >= at.end]
        if before or after:
            return before[-1].entity if before else after[0].entity
        # "Choi Min-seok commanded a corps … the former lieutenant general said": the person the paragraph named
        paragraph_start, _ = paragraph_of(self.text, at.start)
        named = [m for m in people if paragraph_start <= m.start and m.end <= at.start]
        return named[-1].entity if named else None

    def _named_next(self, at: Mention, people: list[Mention]) -> Entity | None:
        """The person whose name follows `at` as its apposition ("a ministry spokesperson, Col. Lee Min-ho")."""
        following = next((m for m in people if m.start >= at.end), None)
        between = self.text[at.end : following.start] if following else ""
        return following.entity if following and re.fullmatch(r",?[ \t]+(?:[A-Z][\w.]*[ \t]+)*", between) else None

    def _holds_office(self, mention: Mention, office: str) -> bool:
        """ "Defence Minister Kim", "the Defence Secretary, Tom Halloway", "Kovalchuk, Ukraine's deputy
        foreign minister": the office right before the name or in the apposition after it."""
        before = self.text[max(0, mention.start - 60) : mention.start]
        title = rf"(?i:{office})s?\b(?:[ \t]+(?:of|for|the|and|[A-Z][\w'’.-]*))*(?:,)?[ \t]*$"
        after = rf",[ \t]+(?:[\w'’-]+[ \t]+){{0,4}}?(?i:{office})\b"
        return bool(re.search(rf"\b{title}", before) or re.match(after, self.text[mention.end : mention.end + 80]))

    def _apposition_description(self, match: re.Match[str]) -> bool:
        """ "a …" right after "NAME, ", unless the name is a place after a preposition or opens the sentence."""
        after_name = re.search(
            r"(?:^|(?P<before>\S+)\s)(?P<name>[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)*),\s*$",
            self.text[max(0, match.start() - 60) : match.start()],
        )
        if not after_name or not re.match(r"[Aa]n?\s", match.group()):
            return False
        prepositional = (after_name.group("before") or "").lower() in PREPOSITIONS_BEFORE_PLACES
        in_opening = after_name.group("name").split()[0] in OPENINGS
        return not prepositional and not in_opening

    def _add_known_names(self, known: list[re.Match[str]], found: list[Mention], taken: list[tuple[int, int]]) -> None:
        for match in known:
            entity = self._by_name(match.group())
            if entity and entity.kind == "person" and self._before_longer_name(match):
                continue  # "Park Sang-won" is not Park, "Oleh Vasylenko" not every Oleh: the longer name decides
            if entity and not _overlaps(match.start(), match.end(), taken):
                found.append(Mention(match.start(), match.end(), entity, "name"))
                taken.append(match.span())

    def _before_longer_name(self, match: re.Match[str]) -> bool:
        """A one-word name followed by another capitalised word."""
        return " " not in match.group() and bool(
            re.match(r"[ \t]+[A-Z][\w'’-]", self.text[match.end() : match.end() + 3])
        )

    def _add_new_names(self, found: list[Mention], taken: list[tuple[int, int]]) -> None:
        """Capitalised names no mention covers yet; `found` and `taken` change in place."""
        for match in (piece for whole in NAME.finditer(self.text) for piece in _sentence_pieces(whole)):
            start, written, owner = match.start(), match.group(), None
            overlapping = [(s, e) for s, e in taken if s < match.end() and start < e]
            if self._named_with_country(overlapping, match.end()):
                # "Ministry of Foreign Affairs of Ukraine": a body named with its country
                taken[:] = [(s, e) for s, e in taken if (s, e) not in overlapping]
                found[:] = [m for m in found if (m.start, m.end) not in overlapping]
                overlapping = []
            if overlapping:
                possessed = self._possessed_name(overlapping, match.end())
                if not possessed:
                    continue
                owner, start, written = possessed
            mention = self._new_name(start, written, owner)
            if mention:
                found.append(mention)

    def _named_with_country(self, overlapping: list[tuple[int, int]], end: int) -> bool:
        """Whether every known name inside a longer name follows " of " (a country the name ends with)."""
        return bool(overlapping) and all(self.text[max(0, s - 4) : s] == " of " and e <= end for s, e in overlapping)

    def _possessed_name(self, overlapping: list[tuple[int, int]], end: int) -> tuple[str, int, str] | None:
        """ "South Korea's National Intelligence Service": the owner, and where and what the name after
        the known possessor is; None when the known name owns nothing."""
        last = max(e for _, e in overlapping)
        rest = re.match(r"^['’]s[ \t]+(?=[A-Z])", self.text[last:end])
        if not rest:
            return None
        owner = self.text[overlapping[0][0] : last + rest.end()].rstrip()
        return owner, last + rest.end(), self.text[last + rest.end() : end]

    def _definite_resolved(self, found: list[Mention]) -> list[Mention]:
        """ "the official" is the last party before it described with that noun; "the Minister" the person
        with that office; "the ministry" or "the agency" the last government body or organisation named
        before it (one with that word in its name first); else no one."""
        resolved: list[Mention] = []
        people = [m for m in found if m.entity.kind == "person" and m.entity.entity_id and m.how != "pronoun"]
        for mention in found:
            named = self._named_next(mention, people) if mention.how in ("description", "definite") else None
            personal = mention.entity.kind == "person" or (
                mention.how == "definite" and mention.entity.aliases[0] not in BODY_NOUNS
            )
            if named and personal:  # "A ministry spokesperson, Col. Lee Min-ho,", "The lawmaker, Lee Jae-won,"
                resolved.append(Mention(mention.start, mention.end, named, "description named"))
                continue
            if mention.how != "definite":
                resolved.append(mention)
                continue
            head = mention.entity.aliases[0]
            before = [m.entity for m in resolved if m.entity.entity_id and not self.inside_quotation(m.start, m.end)]
            same = [e for e in before if e.drafted and e.name.lower().endswith(head)]
            bodies = [e for e in before if e.kind in ("government", "organization")]
            # "the ministry" is the last body whose name has that word, else the last body
            bodies = [e for e in bodies if head in e.name.lower().split()] or bodies
            holder = self._office_holder(head, mention, found) if head in wording.OFFICE_WORDS else None
            if same:
                resolved.append(Mention(mention.start, mention.end, same[-1], "description"))
            elif holder:
                resolved.append(Mention(mention.start, mention.end, holder, "office"))
            elif bodies and head in ("ministry", "agency", "government", "committee"):
                resolved.append(Mention(mention.start, mention.end, bodies[-1], "description"))
        return resolved

    def _lede_named(self, found: list[Mention]) -> list[Mention]:
        """ "…, a South Korean lawmaker said." in the lede, then "Han Ki-joon, a member of …" opening the
        next paragraph: the news-wire way of naming the lede's speaker, who is that person."""
        lede = self._lede()
        if lede is None:
            return found
        following = self._paragraph_after(lede[1])
        opener = next((m for m in found if following[0] <= m.start < following[1]), None)
        introduced = (
            opener is not None
            and opener.start == following[0]
            and opener.entity.kind == "person"
            and opener.how == "new name"
            and self.text[opener.end : opener.end + 1] == ","
        )
        if not introduced:
            return found
        return [
            Mention(m.start, m.end, opener.entity, "described in the lede, named next")
            if lede[0] <= m.start < lede[1] and m.how == "description" and m.entity.kind == "person"
            else m
            for m in found
        ]

    def _paragraph_after(self, end: int) -> tuple[int, int]:
        """The next paragraph with words in it after offset `end` (empty at the text's end)."""
        at = end + 1
        while at < len(self.text):
            start, stop = paragraph_of(self.text, at)
            if self.text[start:stop].strip():
                return start, stop
            at = stop + 1
        return len(self.text), len(self.text)

    def _lede(self) -> tuple[int, int] | None:
        """The first paragraph after the headline that is prose (a sentence of a dozen words or more)."""
        start, end = self._paragraph_after(self.headline_end - 1)
        while start < len(self.text):
            if len(self.text[start:end].split()) >= 12 and self.text[start:end].rstrip().endswith((".", "”", '"')):
                return start, end
            start, end = self._paragraph_after(end)
        return None

    def _new_name(self, start: int, written: str, owner: str | None = None) -> Mention | None:
        """A capitalised name no entity has: a person, or an organisation by its words."""
        words = _without_sentence_end(written).split()
        gender = next((GENDER_TITLES[w] for w in words if w in GENDER_TITLES), "")
        start, words = _name_words(start, words)
        if not words:
            return None
        name = " ".join(words)
        surname_of = self._surname(name)
        if surname_of and gender:
            surname_of.gender = gender
        if surname_of:
            return Mention(start, start + len(name), surname_of, "surname")
        drafted = self._by_name(name)
        if drafted and drafted.drafted:  # "Orlan said", once a call sign named Orlan
            return Mention(start, start + len(name), drafted, "name")
        if self._no_name(start, name, words):
            return None
        named = self._named_otherwise(start, name, words)
        if named:
            return named
        if self._no_new_party(start, name, words):
            return None
        kind = _kind_of(words)
        variant = self._variant_at_end(start, name, words, kind)
        if variant:
            return variant
        return self._drafted_name(start, name, words, kind, owner, gender)

    def _no_name(self, start: int, name: str, words: list[str]) -> bool:
        """A capitalised word that opens a sentence, too short a name, or people of a country."""
        if self._sentence_start(start) and len(words) == 1:
            return True
        countries = [e.name for e in self.entities.values() if e.kind == "country"]
        if len(words) == 1 and any(name in demonyms(country) for country in countries):
            return True  # "Ukrainian estimates": an adjective, never a name
        if len(name) < 3 or (name.upper() == name and len(words) == 1 and len(name) < 3):
            return True
        # "the North Koreans", "Ukrainians": people of a country, no party
        return bool(DEMONYM.search(words[-1]) or (len(words) == 2 and words[0] in COMPASS and words[1].endswith("an")))

    def _named_otherwise(self, start: int, name: str, words: list[str]) -> Mention | None:
        """One word that names a known party another way: a capital, an acronym, an institution's word."""
        country = self._by_name(dict(wording.CAPITALS).get(name, "")) if len(words) == 1 else None
        placed = re.search(r"\b(?:in|at|from|to|near)\s+$", self.text[max(0, start - 6) : start])
        if country and self._before_saying(start + len(name)) and not placed:  # "the embassy in Seoul said"
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
        return None

    def _no_new_party(self, start: int, name: str, words: list[str]) -> bool:
        """A month, a single word that says nothing, or an adjective before a noun."""
        if len(words) == 1 and (name in MONTH_NAMES or not self._before_saying(start + len(name))):
            return True
        # "North Korean soldiers": an adjective, not a name
        return bool(re.search(r"(?:ans?|ese|ish|ics?|is?)$", words[-1]) and self._modifies_noun(start + len(name)))

    def _variant_at_end(self, start: int, name: str, words: list[str], kind: str) -> Mention | None:
        """ "Ukrainian President Volodymyr Zelenskiy": the known person at its end."""
        for cut in range(len(words) - 1):
            tail = words[cut:]
            variant = self._spelling_variant(tail) if kind == "person" and len(tail) > 1 else None
            if variant:
                at = start + len(" ".join(words[:cut])) + (1 if cut else 0)
                return Mention(at, start + len(name), variant, "spelling variant")
        return None

    def _drafted_name(
        self, start: int, name: str, words: list[str], kind: str, owner: str | None, gender: str
    ) -> Mention:
        """The entity the name is, drafted the first time the text names it."""
        full = f"{owner} {name}" if owner and kind != "person" else name  # "Ukraine's Ministry of Defence"
        entity = (
            self._by_name(full)
            or self._by_name(name)
            or self._known_body_within(full, name)
            or Entity(slug(full), full, kind, [], drafted=True)
        )
        if entity.drafted and entity.entity_id not in self.entities:
            entity.entity_id = self._free_id(entity.entity_id)
            entity.aliases = list(dict.fromkeys([full, name]))
            if kind == "person" and len(words) > 1:
                entity.aliases.append(_surname_of(words))
            entity.gender = gender
            self.entities[entity.entity_id] = entity
        acronym = re.match(r"[ \t]*\((?P<short>[A-Z]{2,6})\)", self.text[start + len(name) :])
        if acronym and entity.kind != "person" and acronym.group("short") not in entity.aliases:
            entity.aliases.append(acronym.group("short"))  # "Security Service of Ukraine (SBU)": SBU is its name too
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
        entity = self._by_name(name) or self._by_name(written) or self._known_body_within(bare)
        if entity is None:
            kind = "group" if head.endswith("s") or head in ("intelligence", "military") else "person"
            if head in ("ministry", "agency", "government", "committee"):
                kind = "government"
            entity = Entity(self._free_id(slug(bare)), name, kind, [written], drafted=True)
            self.entities[entity.entity_id] = entity
        return Mention(match.start(), match.end(), entity, "description")

    def _known_body_within(self, longer: str, *also: str) -> Entity | None:
        """The package's body or group whose every name word the longer name holds, of the same
        country ("South Korea's National Intelligence Service" holds "South Korean intelligence";
        "Ukraine's military intelligence" does not hold "intelligence agencies"). The longer name
        (and `also`) become its aliases for this text, so that "the NIS" finds it too."""
        words = _body_words(longer)
        places = self._place_words(words)
        for entity in self.entities.values():
            if entity.drafted or entity.kind not in ("government", "organization", "group", "media"):
                continue
            for known in entity.names():
                own = _body_words(known)
                held = 1 < len(own) < len(words) and all(any(_same_stem(o, w) for w in words) for o in own)
                if held and places <= {w for w in words if any(_same_stem(o, w) for o in own)}:
                    entity.aliases.extend([longer, *also])
                    return entity
        return None

    def _place_words(self, words: list[str]) -> set[str]:
        """The words that name a country the package knows, or its adjective."""
        countries = [w for e in self.entities.values() if e.kind == "country" for w in _body_words(e.name)]
        return {w for w in words if any(_same_stem(w, c) for c in countries)}

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
        """ "the NIS" after "National Intelligence Service": the organisation whose initials it is, or
        that the text gave this acronym in brackets."""
        given = [e for e in self.entities.values() if e.kind != "person" and written in e.aliases]
        if given:
            return given[-1]
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
        proper = [e for e in people if e.drafted and all(w[:1].isupper() for w in e.name.split())]
        by_word = [e for e in proper if name in e.name.split()]  # a description ("a former officer") is no name
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
        return bool(
            re.match(rf"\s+(?:also\s+|has\s+|had\s+)?(?:{SAYING}|{VIEWING})\b", self.text[offset : offset + 30])
        )

    # -- where things are --------------------------------------------------------------------
    def sentence_of(self, offset: int) -> tuple[int, int]:
        for start, end in self.sentences:
            if start <= offset < end:
                return start, end
        return offset, offset

    def _in_question(self, offset: int) -> bool:
        """Whether the offset lies in a paragraph that is one question (an interviewer's)."""
        start, end = paragraph_of(self.text, offset)
        paragraph = self.text[start:end].strip()
        return paragraph.endswith("?") and paragraph.count("?") == 1 and not self.inside_quotation(start, end)

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
        # a party named inside a quotation or an interviewer's question ("And does Kim gain?") is no antecedent
        outside = [m for m in before if not self.inside_quotation(m.start, m.end) and not self._in_question(m.start)]
        if mention.start >= self.headline_end:  # a headline's party is no antecedent of the body's "he"
            outside = [m for m in outside if m.start >= self.headline_end]
        people = [m for m in outside if m.entity.kind == "person" and m.entity.gender != unlike]
        if not people:
            return mention
        last = people[-1]
        # "Choi dismissed …, but even several hundred dead would not trouble Kim Jong Un. He was blunter …":
        # the subject of the sentence that names the last person, not a person it names later
        sentence_start, _ = self.sentence_of(last.start)
        subject = next((m for m in people if m.start == sentence_start), None)
        chosen = subject if subject and self.sentence_of(mention.start)[0] != sentence_start else last
        return Mention(mention.start, mention.end, chosen.entity, "pronoun")


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


def _body_words(name: str) -> list[str]:
    """A body's name as words to compare: lower case, without possessives and small words, a capital
    read as its country and a synonym as the word it stands for."""
    capitals, synonyms = dict(wording.CAPITALS), dict(wording.NAME_SYNONYMS)
    words: list[str] = []
    for word in re.findall(r"[\w-]+(?:['’]s)?", name):
        word = re.sub(r"['’]s$", "", word)
        words.extend(capitals.get(word, word).lower().split())
    return [synonyms.get(w, w) for w in words if w not in ("the", "of", "and", "for", "in")]


def _same_stem(a: str, b: str) -> bool:
    """One word, or a country's name and its adjective (Korea, Korean; Ukraine, Ukrainian)."""
    if a == b:
        return True
    common = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return common >= 5 and len(a) - common <= 3 and len(b) - common <= 3


def demonyms(country: str) -> set[str]:
    """The adjectives a country's name gives in English, by its ending: Russia → Russian, Korea → Korean,
    Ukraine → Ukrainian (a list would be better where the endings fail)."""
    stem = country.removesuffix("e")
    return {f"{country}n", f"{stem}ian", f"{country}an", f"{country}ese"}


def _surname_of(words: list[str]) -> str:
    """The word a text calls a person by later: the last, but the first of a Korean-style name whose
    given name is hyphenated ("Lee Sung-min" is "Lee")."""
    return words[0] if "-" in words[-1] and len(words) == 2 else words[-1]


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def _head_in_known_name(match: re.Match[str], known: list[re.Match[str]]) -> bool:
    head = match.start("head"), match.end("head")
    return any(k.start() < head[1] and head[0] < k.end() for k in known)


def _without_sentence_end(written: str) -> str:
    """ "said Cho." ends a sentence; "Maj." not: the name stops before the full stop."""
    for word in written.split():
        if word.endswith(".") and len(word) > 2 and word not in wording.TITLE_WORDS:
            return written[: written.index(word) + len(word) - 1]
    return re.sub(r"['’]s$", "", written)  # "the Ministry of Defence's assessment": the name without its 's


def _name_words(start: int, words: list[str]) -> tuple[int, list[str]]:
    """The name's own words and where they start: past titles (unless the name is an institution's),
    articles, "of …" before a person and words that open sentences; without a trailing "of"."""
    institution = words[-1] in (*wording.ORGANIZATION_WORDS, *wording.GOVERNMENT_WORDS, *wording.MEDIA_WORDS)
    while words and (
        (words[0] in wording.TITLE_WORDS and not institution)
        or words[0] in ("The", "A", "An", "US", "U.S.", *OPENINGS)
        or (words[0].isupper() and len(words) > 2 and words[1] in wording.TITLE_WORDS and not institution)
    ):  # "NATO Secretary General Mark Rutte", "In December"
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
    return start, words


def _kind_of(words: list[str]) -> str:
    if (words[0] in wording.COUNTRY_WORDS and len(words) > 2 and words[1] == "of") or (
        len(words) == 2 and words[1] in wording.COUNTRY_WORDS
    ):
        return "country"  # "Republic of Veloria", "Russian Federation"; not "Ministry of … of the Republic of …"
    if any(w in wording.MEDIA_WORDS for w in words):
        return "media"
    if any(w in wording.GOVERNMENT_WORDS for w in words):
        return "government"
    if any(w in wording.ORGANIZATION_WORDS for w in words):
        return "organization"
    if any(w in wording.GROUP_WORDS for w in words):
        return "group"
    return "person"
