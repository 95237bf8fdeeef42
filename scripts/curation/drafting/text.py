"""What every rule reads in a text: the verbs of saying and viewing, sentences and paragraphs, and
the id a name makes."""

from __future__ import annotations

import re

from scripts.curation.add_source import entity_id_of
from scripts.package import wording

SAYING = "|".join(wording.SAYING_VERBS)
VIEWING = "|".join(wording.VIEW_VERBS)

ATTRIBUTING = re.compile(rf"\b(?:{SAYING}|{VIEWING})\b|\b(?:{'|'.join(wording.ATTRIBUTION_PHRASES)})\b", re.I)

ABBREVIATION = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Gen|Maj|Col|Lt|Capt|Adm|Sgt|Sen|Rep|Gov|Prof|St|Jr|Sr|No|vs|etc|Jan|Feb|Mar|Apr"
    r"|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)|\b[A-Z])$"
)
# "SEOUL, Nov 13 (Meridian Wire) - " or "KYIV — ": the dateline opens a paragraph and no sentence
DATELINE = re.compile(r"[A-Z][A-Z .'’-]{2,}(?:,[^()\n—–-]{1,30})?(?:[ \t]*\([^)\n]{1,40}\))?[ \t]*[—–-]+[ \t]+(?=\S)")
SENTENCE_END = re.compile(r"[.!?][\"”’']*(?=\s+[\"“‘'A-Z0-9]|\s*$)")


def slug(name: str) -> str:
    """An entity id from a name, made as add-source makes an outlet's (CONTRIBUTING's row ids)."""
    return entity_id_of(name) or "entity"


def sentences(text: str, quoted: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(start, end) of each sentence, paragraph by paragraph; a full stop inside a quotation does not
    end the sentence that carries it, and "Maj." or "U.S." end none."""
    found: list[tuple[int, int]] = []
    offset = 0
    for paragraph in text.splitlines(keepends=True):
        body = paragraph.rstrip("\n")
        dateline = DATELINE.match(body)
        start = offset + (dateline.end() if dateline else 0)
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


def paragraph_of(text: str, offset: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return start, len(text) if end < 0 else end
