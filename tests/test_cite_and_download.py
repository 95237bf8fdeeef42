"""The home page's "Cite and download" (issue 25), through Datasette's own test client: the served
version's APA and BibTeX, the latest recorded release's archive and SHA-256, each table's whole CSV
and the changelog, all derived from the package, its releases.json and its CHANGELOG.md; a download
link only where the configured repository gives one, never an invented address."""

from __future__ import annotations

import csv
import io
import json
from html import escape
from pathlib import Path

import pytest
from datasette.app import Datasette

from scripts.package import citing
from scripts.package.read import DataPackage
from scripts.publishing.metadata import datasette_metadata
from scripts.publishing.serve import PLUGINS_DIR, SETTINGS, TEMPLATES_DIR
from tests.conftest import PACKAGE, copy_package, read_table
from tests.test_release import copy_project

pytestmark = pytest.mark.package

DESCRIPTOR = json.loads((PACKAGE / "datapackage.json").read_text(encoding="utf-8"))
REPOSITORY = "https://github.com/example/nk-russia-claims"


def site_for(root: Path, database: Path) -> Datasette:
    """The site of the package at `root` (its metadata: citation, releases, changelog) on `database`."""
    metadata = datasette_metadata(DataPackage(root / "datapackage.json"))
    return Datasette(
        immutables=[str(database)], metadata=metadata, settings=SETTINGS, plugins_dir=str(PLUGINS_DIR),
        template_dir=str(TEMPLATES_DIR),
    )  # fmt: skip


async def page(site: Datasette, path: str, status: int = 200) -> str:
    response = await site.client.get(path, follow_redirects=True)  # a table page: to its reading order
    assert response.status_code == status, (path, response.text[:300])
    return response.text


def section(html: str) -> str:
    start = html.index('<section id="cite"')
    return html[start : html.index("</section>", start)]


async def test_the_home_page_cites_the_served_version_in_apa_and_bibtex(site: Datasette) -> None:
    cite = section(await page(site, "/"))
    facts = citing.citation_of(PACKAGE, DESCRIPTOR)
    assert facts.version == DESCRIPTOR["version"]
    assert escape(citing.bibtex(facts)) in cite and f"version = {{{facts.version}}}" in citing.bibtex(facts)
    apa = escape(citing.apa(facts)).replace(f"*{escape(facts.title)}*", f"<i>{escape(facts.title)}</i>")
    assert apa in cite and f"(Version {facts.version})" in apa


async def test_the_home_page_gives_the_latest_recorded_archive_with_its_sha256(site: Datasette) -> None:
    releases = citing.read_releases(PACKAGE)
    assert releases, "no release recorded in releases.json"
    latest = releases[-1]
    cite = section(await page(site, "/"))
    assert latest.archive in cite and f'<code class="sha256">{latest.sha256}</code>' in cite
    assert "github.com" not in cite and "archive-link" not in cite  # no repository configured: no link invented
    assert f"<code>{latest.commit[:12]}</code>" in cite  # where to get it: rebuilt from its commit


async def test_every_tables_csv_link_downloads_all_its_rows_in_the_package_columns(site: Datasette) -> None:
    cite = section(await page(site, "/"))
    for resource in DESCRIPTOR["resources"]:
        if not resource["path"].endswith(".csv"):
            continue
        href = f"/nk-russia-claims/{resource['name']}.csv?_stream=on"
        assert f'href="{escape(href)}"' in cite, resource["name"]
        rows = list(csv.reader(io.StringIO(await page(site, href), newline="")))
        with (PACKAGE / resource["path"]).open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        assert rows[0] == header and len(rows) - 1 == len(read_table(resource["name"])), resource["name"]


async def test_the_changelog_is_served_with_every_released_version(site: Datasette) -> None:
    assert 'href="/-/changelog"' in section(await page(site, "/"))
    html = await page(site, "/-/changelog")
    changelog = (PACKAGE / "CHANGELOG.md").read_text(encoding="utf-8")
    released = citing.changelog_releases(changelog)
    assert released and all(f"## [{version}] - {day}" in html for version, day in released)


@pytest.mark.parametrize("path", ["/", "/-/changelog", "/nk-russia-claims/claims", "/-/search?q=troops"])
async def test_every_pages_footer_links_its_release_to_cite_and_download(site: Datasette, path: str) -> None:
    footer = (await page(site, path)).split('<footer class="ft">', 1)[1]
    assert f'<a href="/#cite" class="site-release">Release {DESCRIPTOR["version"]}</a>' in footer
    if path == "/":  # Datasette's own "About", on the page that shows the package's metadata
        assert f'<a href="/#cite">\n        {DESCRIPTOR["name"]} {DESCRIPTOR["version"]}</a>' in footer


async def test_a_github_repository_gives_the_release_assets_download_link_and_the_url(
    tmp_path: Path, database: Path
) -> None:
    root = copy_project(tmp_path)
    (root / "publication.toml").write_text(f'[urls]\nrepository = "{REPOSITORY}"\n', encoding="utf-8")
    latest = citing.read_releases(root)[-1]
    cite = section(await page(site_for(root, database), "/"))
    download = f"{REPOSITORY}/releases/download/v{latest.version}/{latest.archive}"
    assert f'<a href="{download}" class="archive-link">{latest.archive}</a>' in cite
    assert f"url     = {{{REPOSITORY}}}" in cite and f"[Data set]. {REPOSITORY}" in cite


async def test_a_repository_elsewhere_than_github_gives_no_download_link(tmp_path: Path, database: Path) -> None:
    root = copy_project(tmp_path)
    (root / "publication.toml").write_text('[urls]\nrepository = "https://example.org/git/nk"\n', encoding="utf-8")
    cite = section(await page(site_for(root, database), "/"))
    assert "archive-link" not in cite and "/releases/download/" not in cite
    assert 'of <a href="https://example.org/git/nk">the project\'s repository</a>' in cite


async def test_a_package_without_releases_or_changelog_says_so_and_serves_no_changelog(
    tmp_path: Path, database: Path
) -> None:
    copy_package(tmp_path)  # the descriptor, data and schemas only
    site = site_for(tmp_path, database)
    cite = section(await page(site, "/"))
    assert "No release is recorded yet" in cite and "not released yet" in cite and "sha256" not in cite
    assert "This site serves no changelog" in cite
    await page(site, "/-/changelog", status=404)


async def test_the_codebook_the_rows_notes_cite_is_served_and_linked_from_the_home_page(site: Datasette) -> None:
    assert 'href="/-/codebook"' in await page(site, "/")
    html = await page(site, "/-/codebook")
    codebook = (PACKAGE / "docs" / "codebook.md").read_text(encoding="utf-8")
    headings = [line.removeprefix("## ") for line in codebook.splitlines() if line.startswith("## ")]
    assert headings and all(escape(h) in html for h in headings)
