"""Who says something: the subject of a verb of saying or viewing, before or after the words said."""

from __future__ import annotations

import re
from dataclasses import dataclass

from scripts.curation.drafting.names import Article, Entity, Mention, demonyms
from scripts.curation.drafting.text import ATTRIBUTING, SAYING, slug
from scripts.package import wording

DOCUMENTS = "|".join(wording.DOCUMENT_WORDS)
BODIES = ("government", "organization", "media")
PEOPLE = "|".join((*wording.GROUP_WORDS, "people"))
RANK = {"person": 0, "group": 1, "government": 2, "organization": 2, "media": 3, "country": 4}


def subject(article: Article, start: int, end: int, inner_clauses: bool = True) -> Mention | None:
    """The party a clause's verb belongs to: the head of the text before the verb, past an opening
    phrase ("In an interview with Kyodo News, …"); a person before an organisation or a country,
    the last of equals ("Ukraine's President Volodymyr Zelenskyy")."""
    it = _body_called_it(article, start, end)
    if it:
        return it
    if re.match(r"It\s+(?!is\b|was\b)", article.text[start:end]):  # "It did not rule out …, saying …"
        return _last_of(article, start, BODIES)
    nearest = _noun_before_verb(article, start, end)
    if nearest:
        return nearest
    whole_start = start
    start = _clause_start(article, start, end, inner_clauses)
    start, head = _head(article, start, end)
    mentions = [article.resolve(m) for m in article.mentions_in(start, start + len(head))]
    mentions = [m for m in mentions if m.entity.entity_id]
    if mentions:
        best = min(mentions, key=lambda m: (RANK.get(m.entity.kind, 5), -m.start))
        return _possessed_body(article, best, start + len(head)) or holder_of_role(article, best) or best
    group = re.search(
        rf"((?:[A-Z][\w'’-]*\s+){{0,2}}(?:[a-z]+\s+)?(?i:{'|'.join(wording.GROUP_WORDS)}))\s*$", head
    )  # "Ukrainian commanders", "Analysts" opening a sentence
    if group:
        return _group_mention(article, start + group.start(1), group.group(1))
    by_role = _role_by_nationality(article, whole_start, article.text[whole_start:end])
    if by_role:
        return by_role
    if start > whole_start and inner_clauses:  # "…, and said the Joint Chiefs …": the sentence's subject
        return subject(article, whole_start, end, inner_clauses=False)
    return None


def _possessed_body(article: Article, owner: Mention, head_end: int) -> Mention | None:
    """ "Ukraine's special operations forces said": the body the country owns speaks, not the country."""
    if owner.entity.kind != "country":
        return None
    owned = re.fullmatch(r"['’]s\s+((?:[a-z][\w-]*\s+){0,3}[a-z][\w-]*)\s*", article.text[owner.end : head_end])
    if not owned or owned.group(1).split()[-1] in wording.SAYING_VERBS:
        return None
    return _group_mention(article, owner.start, article.text[owner.start : owner.end + owned.end(1)])


def _role_by_nationality(article: Article, start: int, head: str) -> Mention | None:
    """ "the Ukrainian president said": the person the package knows in that role of the country its
    adjective names (Ukraine's President, in affiliations)."""
    said = re.search(
        r"(?:^|\s)(?:the\s+)?(?P<adjective>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\s+(?P<role>[a-z][a-z ]+?)\s*$", head
    )
    if not said:
        return None
    for role in article.roles:
        country = article.entities.get(role.organization_id)
        same_role = country and country.kind == "country" and role.role.lower() == said.group("role")
        if same_role and said.group("adjective") in demonyms(country.name):
            holder = article.entities.get(role.person_id)
            if holder:
                return Mention(start + said.start("adjective"), start + said.end("role"), holder, "role")
    return None


def _body_called_it(article: Article, start: int, end: int) -> Mention | None:
    """ "In its latest update, it said …", "The statement, released after …, said …": the last body
    named before, whose statement or report it is."""
    document = rf"\b(?:[Ii]t|[Tt]he\s+(?:{DOCUMENTS})(?:,[^,]{{1,80}},)?)\s+(?:also\s+|has\s+|had\s+)?$"
    named = re.search(document, article.text[start:end])
    return _last_of(article, start + named.start(), BODIES) if named else None


def _last_of(article: Article, end: int, kinds: tuple[str, ...]) -> Mention | None:
    """The last party of these kinds named before `end`, outside quotations: whom "it" or "they" is."""
    named = [
        m
        for m in article.mentions
        if m.end <= end and m.entity.kind in kinds and not article.inside_quotation(m.start, m.end)
    ]
    return named[-1] if named else None


def _noun_before_verb(article: Article, start: int, end: int) -> Mention | None:
    """ "…, he said" / "Zelenskyy stated" / "Ukraine's President added": the noun right before the verb."""
    close = [m for m in article.mentions_in(start, end) if not re.search(r"[,;:]", article.text[m.end : end])]
    close = [m for m in close if len(article.text[m.end : end].split()) <= 2]
    if not close or re.search(r"\b(?:who|which)\b", article.text[start : close[-1].start]):
        return None  # "A Ukrainian mother who fled to Harrowgate says": the place is no subject
    nearest = article.resolve(close[-1])
    people = [m for m in article.mentions_in(start, nearest.start) if m.entity.kind == "person"]
    if people and re.fullmatch(r"\s+(?:of|at|from|with)\s+(?:the\s+)?", article.text[people[-1].end : nearest.start]):
        nearest = people[-1]  # "Andrew Yeo of the Brookings Institution has argued": Yeo
    if nearest.entity.entity_id:
        return holder_of_role(article, nearest) or nearest
    return None


def _clause_start(article: Article, start: int, end: int, inner_clauses: bool) -> int:
    """Where the clause of the verb starts: after the last inner clause's joiner ("…, while Russian
    officials have said …") and after an opening phrase that leaves a party to name."""
    inner = list(re.finditer(r"(?:,\s+(?:while|whereas|and|but|as|though)\s+|;\s+)", article.text[start:end]))
    if inner and inner_clauses:
        start += inner[-1].end()
    opening = re.match(r"^(?:In|During|According to|On|At|After|Speaking|Asked)\b[^,]*,\s*", article.text[start:end])
    if opening and article.mentions_in(start + opening.end(), end):
        start += opening.end()
    return start


def _head(article: Article, start: int, end: int) -> tuple[int, str]:
    """The clause's head, where the subject stands, and where it starts: to its first comma or
    auxiliary; past a comma when a later piece holds the only party ("Asked about the reports, a
    Kremlin spokesman called …"); cut before a verb of saying or viewing."""
    clause = article.text[start:end]
    head = re.split(r",\s|\s(?:has|have|had|was|were|is|are|will|would|also|previously|then|later|who)\s", clause)[0]
    if not article.mentions_in(start, start + len(head)):
        for at in (m.end() for m in re.finditer(r",\s", clause)):
            piece = re.split(r",\s", clause[at:])[0]
            if article.mentions_in(start + at, start + at + len(piece)):
                start, head = start + at, piece
                break
    verb = ATTRIBUTING.search(head, 1)
    if verb and not head.lower().startswith("according to"):
        head = head[: verb.start()]
    return start, head


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
    entity = article._by_name(written) or article._by_name(name) or article._known_body_within(written)
    if entity is None:
        entity = Entity(article._free_id(slug(written)), name, "group", [written], drafted=True)
        article.entities[entity.entity_id] = entity
    mention = Mention(start, start + len(written), entity, "group")
    if mention not in article.mentions:  # "they" may name the group later
        article.mentions = sorted([*article.mentions, mention], key=lambda m: m.start)
    return mention


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
        # "said Yeo", "said Foreign Minister Aurelia Brandt": the name, past capitalised titles
        titles = r"(?:[A-Z][\w.'’-]*[ \t]+){0,4}"
        named = [
            m
            for m in article.mentions_in(offset + verb.end(), limit)
            if m.start <= offset + verb.end() + 12 or re.fullmatch(titles, article.text[offset + verb.end() : m.start])
        ]
        if named:
            return Speech(
                article.resolve(named[0]), offset + verb.start("verb"), offset + verb.end("verb"), "said NAME", 0.9
            )
    inverted = re.match(
        rf"^[\"”’',.]*\s*(?P<who>.{{1,60}}?)\s+(?:also\s+|has\s+|have\s+|had\s+)?(?P<verb>{SAYING})\b", after
    )
    if inverted and '"' not in inverted.group("who") and "“" not in inverted.group("who"):
        who, at = inverted.group("who"), offset + inverted.start("who")
        named = article.mentions_in(at, offset + inverted.end("who")) or _unnamed_speaker(article, at, who, offset)
        if named:
            speaker = article.resolve(min(named, key=lambda m: (RANK.get(m.entity.kind, 5), -m.start)))
            return Speech(speaker, offset + inverted.start("verb"), offset + inverted.end("verb"), "NAME said", 0.9)
    return None


def _unnamed_speaker(article: Article, at: int, who: str, offset: int) -> list[Mention]:
    """ "…, it said": the last body before; "…, they said": the last group; "…, two people familiar
    with the arrangement said": that group, drafted."""
    if who in ("it", "they"):
        last = _last_of(article, offset, BODIES if who == "it" else ("group",))
        return [last] if last else []
    counted = r"(?:two|three|four|five|several|some|many|a|an|\d+)\s+(?:[\w-]+\s+){0,2}"
    if re.fullmatch(rf"{counted}(?:{PEOPLE})\b[\w\s'’-]*", who):
        return [_group_mention(article, at, who)]
    group = re.search(rf"(?:^|,\s+)((?:[A-Z][\w'’-]*\s+){{1,2}}(?:[a-z]+\s+)?(?:{PEOPLE}))$", who)
    # "… in mass assaults, British defence intelligence has said"
    return [_group_mention(article, at + group.start(1), group.group(1))] if group else []


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
