"""The facts every plugin of the site repeats, in one place (the plugins cannot import scripts.*)."""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

PLUGIN = "nk-site"  # the plugin configuration that scripts/publishing/metadata.py writes (site_configuration)
_databases: WeakKeyDictionary[Any, str | None] = WeakKeyDictionary()  # per Datasette instance


def database_name(datasette: Any) -> str | None:
    """The database the site serves, as the metadata names it (plugins → nk-site → database); None
    for a site whose metadata names none (other databases: the plugins' own pages show nothing).
    Read once per site: Datasette merges the whole metadata on every look-up."""
    if datasette not in _databases:
        _databases[datasette] = (datasette.plugin_config(PLUGIN) or {}).get("database")
    return _databases[datasette]


def quoted(name: str) -> str:
    """An SQL identifier, whatever characters it holds (Datasette's escape_sqlite leaves ] alone)."""
    return '"' + name.replace('"', '""') + '"'


def article_label(source_id: str, title: str | None, kind: str | None) -> str:
    """A source's title, or a description for a source without a headline: never "None"."""
    if title:
        return title
    return f"Untitled {'news article' if kind == 'news_article' else 'source'} ({source_id})"
