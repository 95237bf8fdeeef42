"""Where the dataset lives on the web: the one place its addresses are configured (publication.toml).

    [urls]
    base = ""        # the site's address: annotation ids are IRIs under it, datapackage.json's homepage
    repository = ""  # the source repository: CITATION.cff repository-code, .zenodo.json related_identifiers

An empty or missing address is unknown, and stays out of everything generated from it: nothing
invents a URL (annotation ids are then `urn:` IRIs from the package's name, version and row id).
Every stage reads the setting from here, so that the release, the citation files and the site agree."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from scripts.messages import PackageError, clip

PUBLICATION_FILE = "publication.toml"


class Urls(NamedTuple):
    base: str = ""  # the site; annotation ids are under it
    repository: str = ""  # the source repository


def read_urls(root: Path) -> Urls:
    """The configured addresses of the package at `root`; none configured (no file) is Urls()."""
    path = root / PUBLICATION_FILE
    if not path.is_file():
        return Urls()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise PackageError(f"{PUBLICATION_FILE}: not valid UTF-8 TOML ({clip(str(error), 120)})") from error
    urls = document.get("urls", {})
    if not isinstance(urls, dict):
        raise PackageError(f"{PUBLICATION_FILE}: [urls] must be a table")
    unknown = sorted(set(urls) - set(Urls._fields))
    if unknown:
        raise PackageError(
            f"{PUBLICATION_FILE}: [urls] has no setting {clip(unknown[0], 40)}: use {', '.join(Urls._fields)}"
        )
    return Urls(**{name: checked_url(name, urls.get(name, "")) for name in Urls._fields})


def checked_url(name: str, value: object) -> str:
    """An https (or http) address without spaces, query or fragment, its trailing slash removed; or ""."""
    if value == "":
        return ""
    if not isinstance(value, str):
        raise PackageError(f"{PUBLICATION_FILE}: urls.{name} must be a string")
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment or " " in value:
        raise PackageError(
            f"{PUBLICATION_FILE}: urls.{name} {clip(value, 60)!r} is not an http(s) address without query or fragment"
        )
    return value.rstrip("/")
