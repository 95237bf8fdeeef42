"""The benchmark's goals are judged from a run's results, and its tables come from them (never from
numbers typed by hand)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.benchmark import report


def step(seconds: float, peak_mib: float = 100.0) -> dict[str, float]:
    return {"seconds": seconds, "peak_mib": peak_mib}


def page(p95: float, errors: int = 0) -> dict[str, dict[str, float]]:
    values = {"p50_ms": p95 / 2, "p95_ms": p95, "errors": errors}
    return {"1_clients": values, "8_clients": values}


def run(**steps: dict[str, float]) -> dict:
    small = {"claims": 10, "rows": 40, "steps": {"validate": step(1000.0), "build": step(1000.0)}}
    large = {"claims": 1000, "rows": 4000, "steps": steps}
    return {"sizes": [small, large], "datasette": {"search": page(80.0)}, "seconds": 600}


def verdicts(results: dict) -> dict[str, bool | None]:
    return {goal.text: goal.judge(results).met for goal in report.GOALS}


def test_goals_are_judged_at_the_largest_size_only() -> None:
    results = run(validate=step(1), frictionless=step(25), build=step(2), import_floor=step(1),
                  release=step(2.5), revalidate_claim=step(2))  # fmt: skip
    assert set(verdicts(results).values()) == {True}


def test_a_goal_missed_by_a_step_is_reported_as_not_met_with_its_numbers() -> None:
    results = run(validate=step(1), frictionless=step(10), build=step(4), import_floor=step(1),
                  release=step(8), revalidate_claim=step(5, peak_mib=2048))  # fmt: skip
    results["datasette"]["table_page"] = page(140.0)
    missed = {text for text, met in verdicts(results).items() if met is False}
    assert len(missed) == 6  # all but the run's duration
    table = report.goals_table(results)
    assert "10.0× (10.0 s against 1.00 s)" in table and "table_page 140" in table
    assert "revalidate_claim 2,048 MiB (most: revalidate_claim)" in table


def test_errors_on_a_page_miss_the_page_goal_even_when_it_is_fast() -> None:
    results = run()
    results["datasette"]["search"] = page(10.0, errors=1)
    assert verdicts(results)["every benchmarked page p95 ≤ 100 ms with 8 clients, no errors"] is False


def test_a_step_the_run_did_not_measure_is_said_to_be_not_measured() -> None:
    results = run(validate=step(1), build=step(2))
    judged = verdicts(results)
    assert judged["`make release` ≤ 1.5× the build"] is None
    assert "| re-validation after changing one claim ≤ 3 s | not measured | not measured |" in report.goals_table(
        results
    )


def test_the_markdown_has_a_column_per_size_and_a_row_per_measured_step(tmp_path: Path, capsys) -> None:
    results = run(validate=step(1), build=step(2))
    path = tmp_path / "bench.json"
    path.write_text(json.dumps(results), encoding="utf-8")
    assert report.main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "| step | 10 claims | 1,000 claims |" in out
    assert "| validate (cold) | 1,000.00 s, 100 MiB | 1.00 s, 100 MiB |" in out
    assert "| search | 40 / 80 | 40 / 80 | 0 |" in out


@pytest.mark.parametrize("content", [None, "{not json", '{"sizes": [{"claims": 1}]}', "[]"])
def test_unreadable_results_are_refused_with_the_file_named(tmp_path: Path, capsys, content: str | None) -> None:
    path = tmp_path / "bench.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert report.main([str(path)]) == 1
    assert str(path) in capsys.readouterr().err


def test_a_re_validation_that_went_cold_misses_the_goal_however_fast() -> None:
    results = run(revalidate_claim={**step(1), "cold": True})
    assert verdicts(results)["re-validation after changing one claim ≤ 3 s"] is False
    assert "(went cold)" in report.steps_table(results)


def test_a_step_without_a_title_is_still_reported_by_its_name() -> None:
    assert "| new_step | " in report.steps_table(run(new_step=step(3)))
