"""The benchmark's inputs and plumbing (never its timings: speed is measured by `make bench`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from datasette.app import Datasette

from scripts.benchmark import bench
from scripts.benchmark.synth import generate, token
from scripts.package.read import DataPackage
from scripts.package.site import DATABASE
from scripts.package.textscan import NUMBER_WORD
from scripts.publishing.build import build
from scripts.publishing.metadata import datasette_metadata
from scripts.publishing.serve import PLUGINS_DIR, SETTINGS, TEMPLATES_DIR
from scripts.validation.validate import validate


@pytest.mark.slow
def test_synthetic_package_is_valid_for_both_validators(tmp_path: Path) -> None:
    descriptor = generate(300, tmp_path)
    assert validate(descriptor) == []
    assert validate(descriptor, reference=True) == []


def test_synthetic_package_exercises_every_table_in_proportion(tmp_path: Path) -> None:
    package = DataPackage(generate(1000, tmp_path))
    counts = {name: sum(1 for _ in table.rows()) for name, table in package.tables.items()}
    assert counts["claims"] == 1000
    assert (counts["quotes"], counts["figures"], counts["claim_links"]) == (500, 400, 199)
    assert len(package.archived_texts) == 20


def test_synthetic_tokens_are_unique_and_never_number_words() -> None:
    tokens = [token(i) for i in range(20000)]
    assert len(set(tokens)) == len(tokens)
    assert not any(NUMBER_WORD.fullmatch(t) for t in tokens)


def test_a_defect_in_a_synthetic_package_is_caught(tmp_path: Path) -> None:
    descriptor = generate(100, tmp_path)
    claims = tmp_path / "data/claims.csv"
    claims.write_text(claims.read_text().replace(",asserts,", ",assertz,", 1))
    assert [str(p) for p in validate(descriptor)] == [
        "data/claims.csv:2:modality: constraint-error: 'assertz' is not one of the allowed values; did you mean "
        "'asserts'? (allowed: asserts, estimates, predicts, speculates, warns, denies, reports; defined in "
        "data/vocabulary.csv and the enum of schemas/claims.schema.json)"
    ]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="`make bench` installs the sqlite3 command line")
def test_benchmark_measures_every_step_and_reports_ratios(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "WORK", tmp_path / "bench")
    result = bench.run_size(60)
    assert set(result["steps"]) == {
        "validate", "build", "frictionless", "import_floor", "release", "validate_cache", "revalidate_claim",
        "revalidate_text",
    }  # fmt: skip
    assert result["steps"]["revalidate_claim"]["cold"] is False and result["steps"]["revalidate_text"]["cold"] is False
    assert all(step["seconds"] > 0 and step["peak_mib"] > 0 for step in result["steps"].values())
    assert set(result["ratios"]) == {
        "validate_and_build_over_floor",
        "frictionless_over_validate",
        "release_over_build",
    }
    assert "validate+build / floor" in bench.table([result]) and "release / build" in bench.table([result])
    assert result["steps"]["release"]["archive_mib"] > 0


def test_measure_fails_loudly_when_a_step_fails() -> None:
    with pytest.raises(SystemExit, match="failed"):
        bench.measure(["false"])


def test_progress_is_shown_on_a_terminal_only(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from scripts import progress as module

    monkeypatch.setattr(module.sys.stderr, "isatty", lambda: False)
    module.progress("staging data/claims.csv")
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(module.sys.stderr, "isatty", lambda: True)
    module.progress("staging data/claims.csv")
    assert capsys.readouterr().err == "\r\033[Kstaging data/claims.csv"


@pytest.mark.slow
async def test_every_benchmark_request_is_distinct_and_answers(tmp_path: Path) -> None:
    descriptor = generate(2000, tmp_path / "synthetic")
    database = tmp_path / f"{DATABASE}.db"
    build(descriptor, database)
    site = Datasette(
        immutables=[str(database)], metadata=datasette_metadata(DataPackage(descriptor)), settings=SETTINGS,
        plugins_dir=str(PLUGINS_DIR), template_dir=str(TEMPLATES_DIR),
    )  # fmt: skip
    pages = bench.page_requests(f"/{DATABASE}", 2000, 12, seed=1)
    assert set(pages) == {"search", "facet", "table_page", "troop_estimates", "query_who_said",
                          "query_source_says", "figures_by_date", "home", "search_names", "search_phrases",
                          "search_common_words", "timeline", "article_reader", "row_page"}  # fmt: skip
    for name, urls in pages.items():
        assert len(set(urls)) == len(urls) == 12, name
        for url in urls:
            response = await site.client.get(url, follow_redirects=True)  # as urllib in the benchmark
            assert response.status_code == 200, (url, response.status_code)
    assert bench.page_requests(f"/{DATABASE}", 2000, 12, seed=1) == pages  # reproducible
    assert set(bench.page_requests(f"/{DATABASE}", 2000, 12, seed=2)["search"]) != set(pages["search"])
    searched = await site.client.get(pages["search"][0].replace("/claims?", "/claims.json?"), follow_redirects=True)
    assert searched.json()["rows"], "a search term the synthetic package holds finds its claim"
    for url in pages["search_phrases"] + pages["search_names"]:  # each finds what it pasted or named
        assert 'class="search-results"><li>' in (await site.client.get(url)).text.replace("\n", ""), url
    with pytest.raises(SystemExit, match="too few distinct requests"):
        bench.page_requests(f"/{DATABASE}", 20, 40, seed=1)
