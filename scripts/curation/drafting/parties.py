"""The parties the drafts add to the package: affiliations from appositions, and the new entities."""

from __future__ import annotations

import re

from scripts.curation.drafting.drafts import Drafts
from scripts.curation.drafting.names import Article, Entity, Mention

APPOSITION = re.compile(
    r"(?P<person>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,3}),\s+(?:an?|the)\s+(?P<role>[a-z][\w ’'-]*?)\s+"
    r"(?:at|with|of|for|in)\s+(?=(?:the\s+)?[A-Z])(?P<org>(?:the\s+)?[^,.;]*?[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*)(?=\s+in\s+a\b|\s+who\b|[,.;]|$)"
)
TITLE_BEFORE = re.compile(r"(?P<role>(?:(?:[A-Z][\w.-]*|of|for|and)\s+){1,5})$")


Found = tuple[int, int, Entity, Entity, str, str]  # start, end, person, organisation, role, rule


def appositions(article: Article, drafts: Drafts) -> None:
    """Affiliations from "Lena Ortiz, a researcher at the X Institute," and "Ukraine's President
    Volodymyr Zelenskyy": the person, the organisation, the role as written."""
    titled = [_titled_name(article, mention) for mention in article.mentions]
    found = _written_appositions(article) + [f for f in titled if f]
    seen: set[tuple[str, str]] = set()
    number = 0
    for start, end, person, org, role, how in sorted(found, key=lambda f: f[0]):
        if (person.entity_id, org.entity_id) in seen:
            continue  # one affiliation per person and organisation: the first the text gives
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


def _written_appositions(article: Article) -> list[Found]:
    """ "NAME, a ROLE at ORG": both parties known or drafted."""
    found: list[Found] = []
    for match in APPOSITION.finditer(article.text):
        person = _entity_at(article, match.start("person"), match.end("person"), person=True)
        org = _entity_at(article, match.start("org"), match.end("org"), person=False)
        if person and org:
            found.append((match.start(), match.end(), person, org, match.group("role").strip(), "NAME, a ROLE at ORG"))
    return found


def _titled_name(article: Article, mention: Mention) -> Found | None:
    """ "ORG's ROLE NAME": a person named after capitalised title words, and the organisation named
    within or right before them."""
    if mention.entity.kind != "person" or mention.how == "pronoun":
        return None
    start, _ = article.sentence_of(mention.start)
    titled = TITLE_BEFORE.search(article.text[start : mention.start])
    if not titled:
        return None
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
        return None
    org = orgs[-1]
    role = article.text[max(org.end, role_start) : mention.start].removeprefix("'s").removeprefix("’s").strip()
    if role and role.split()[0] not in ("of", "for", "and"):
        return org.start, mention.end, mention.entity, org.entity, role, "ORG's ROLE NAME"
    return None


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
