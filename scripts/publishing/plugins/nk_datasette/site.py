"""The facts every plugin of the site repeats, in one place (the plugins cannot import scripts.*)."""

from __future__ import annotations

DATABASE = "nk-russia-claims"  # the database the site serves, as scripts/publishing/metadata.py names it


def quoted(name: str) -> str:
    """An SQL identifier, whatever characters it holds (Datasette's escape_sqlite leaves ] alone)."""
    return '"' + name.replace('"', '""') + '"'


def article_label(source_id: str, title: str | None, kind: str | None) -> str:
    """A source's title, or a description for a source without a headline: never "None"."""
    if title:
        return title
    return f"Untitled {'news article' if kind == 'news_article' else 'source'} ({source_id})"
