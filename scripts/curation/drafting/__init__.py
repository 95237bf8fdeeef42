"""Draft rows from an article's text by rules: quotations and their speakers, figures, appositions,
attributed sentences. Every draft says how sure it is and which rule made it; a curator decides.

The rules read the codebook's word lists (scripts/package/wording.py), the text scan that the
coverage check uses (every quotation and every number it finds gets a draft), and the package's
entities with their aliases. Nothing here reads a file or the network: text in, rows out.

One module per stage: text (sentences, verbs of saying), names (who the text names), speech (who
says what), quotes, claims, figures, parties (affiliations, new entities), and rows, which runs
them in order."""

from scripts.curation.drafting.drafts import DRAFT_COLUMNS, Drafts, Row
from scripts.curation.drafting.figures import measure_words
from scripts.curation.drafting.names import Entity, Role
from scripts.curation.drafting.rows import after_taken, draft

__all__ = ["DRAFT_COLUMNS", "Drafts", "Entity", "Role", "Row", "after_taken", "draft", "measure_words"]
