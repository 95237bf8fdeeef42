"""publication.toml: the one place the dataset's addresses are set, checked before anything uses them."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.messages import PackageError
from scripts.package.publication import PUBLICATION_FILE, Urls, read_urls
from tests.conftest import PACKAGE


def test_the_repository_configures_no_address_it_does_not_have() -> None:
    assert read_urls(PACKAGE) == Urls()  # until the site and repository exist, every address stays empty


def test_a_package_without_the_file_has_no_address(tmp_path: Path) -> None:
    assert read_urls(tmp_path) == Urls()


def test_an_address_is_read_without_its_trailing_slash(tmp_path: Path) -> None:
    (tmp_path / PUBLICATION_FILE).write_text('[urls]\nbase = "https://example.org/nk/"\n', encoding="utf-8")
    assert read_urls(tmp_path) == Urls(base="https://example.org/nk", repository="")


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('[urls]\nbase = "ftp://example.org"\n', "urls.base"),
        ('[urls]\nbase = "https://example.org/?a=1"\n', "urls.base"),
        ("[urls]\nrepository = 3\n", "urls.repository"),
        ('[urls]\nhomepage = "https://example.org"\n', "no setting"),
        ("[urls\n", "not valid UTF-8 TOML"),
        ("urls = 1\n", "must be a table"),
    ],
)
def test_a_bad_address_is_refused_naming_the_file_and_the_setting(tmp_path: Path, text: str, named: str) -> None:
    (tmp_path / PUBLICATION_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(PackageError, match=named) as refused:
        read_urls(tmp_path)
    assert str(refused.value).startswith(PUBLICATION_FILE)
