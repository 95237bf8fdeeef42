"""The benchmark's goals, and its results as Markdown tables measured against them.

    python -m scripts.benchmark.report [build/bench.json]

The goals are written once, here: `make bench` prints how its run meets them, and this command
turns a run's build/bench.json into the tables of docs/benchmark.md (steps, pages, goals), so that
the document reports the numbers of one run, not numbers copied by hand."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GIB = 1024  # MiB
# Our own steps, whose memory the goal bounds (frictionless and the floor are the references).
OWN_STEPS = ("validate", "build", "release", "validate_cache", "revalidate_claim", "revalidate_text")
STEP_TITLES = {
    "validate": "validate (cold)",
    "build": "build (validate + database + search + views + facet counts)",
    "frictionless": "frictionless validate",
    "import_floor": "sqlite3 `.import` (floor)",
    "release": "release (build + Parquet + annotations + notes' diff + zip)",
    "validate_cache": "validate (cold), writing the cache",
    "revalidate_claim": "re-validate after one changed claim (cache)",
    "revalidate_text": "re-validate after one re-archived text (cache)",
}


@dataclass(frozen=True)
class Measured:
    value: str  # what was measured, in words and numbers
    met: bool | None  # None: not measured in this run


Run = dict[str, Any]


@dataclass(frozen=True)
class Goal:
    text: str
    judge: Callable[[Run], Measured]


def largest(run: Run) -> dict[str, Any] | None:
    return max(run.get("sizes", []), key=lambda size: size["claims"], default=None)


def _seconds(size: dict[str, Any], step: str) -> float | None:
    return size["steps"].get(step, {}).get("seconds")


def _ratio_goal(numerator: str, denominator: str, limit: float, at_least: bool = False) -> Callable[[Run], Measured]:
    def judge(run: Run) -> Measured:
        size = largest(run)
        top, bottom = (_seconds(size, numerator), _seconds(size, denominator)) if size else (None, None)
        if not top or not bottom:
            return Measured("not measured", None)
        ratio = top / bottom
        met = ratio >= limit if at_least else ratio <= limit
        return Measured(f"{ratio:.1f}× ({_s(top)} against {_s(bottom)})", met)

    return judge


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"


def _memory(run: Run) -> Measured:
    size = largest(run)
    peaks = {step: size["steps"][step]["peak_mib"] for step in OWN_STEPS if size and step in size["steps"]}
    if not peaks:
        return Measured("not measured", None)
    worst = max(peaks, key=peaks.__getitem__)
    listed = ", ".join(f"{step} {mib:,.0f} MiB" for step, mib in peaks.items())
    return Measured(f"{listed} (most: {worst})", peaks[worst] <= GIB)


def _revalidation(run: Run) -> Measured:
    size = largest(run)
    step = size["steps"].get("revalidate_claim") if size else None
    if step is None:
        return Measured("not measured", None)
    if step.get("cold"):  # the cache was not used: no incremental time was measured
        return Measured(f"{_s(step['seconds'])}, but it validated cold", False)
    return Measured(_s(step["seconds"]), step["seconds"] <= 3)


def _pages(run: Run) -> Measured:
    pages = run.get("datasette") or {}
    if not pages:
        return Measured("not measured", None)
    eight = {name: levels["8_clients"] for name, levels in pages.items()}
    slow = {name: values["p95_ms"] for name, values in eight.items() if values["p95_ms"] > 100}
    errors = sum(values["errors"] for levels in pages.values() for values in levels.values())
    worst = max(eight, key=lambda name: eight[name]["p95_ms"])
    said = f"p95 {min(v['p95_ms'] for v in eight.values()):.0f}–{eight[worst]['p95_ms']:.0f} ms; {errors} errors"
    if slow:
        said += "; over 100 ms: " + ", ".join(f"{name} {ms:.0f}" for name, ms in sorted(slow.items()))
    return Measured(said, not slow and errors == 0)


def _duration(run: Run) -> Measured:
    seconds = run.get("seconds")
    if seconds is None:
        return Measured("not measured", None)
    sizes = ", ".join(f"{size['claims']:,}" for size in run["sizes"])
    return Measured(f"{seconds / 60:.1f} minutes for {sizes} claims", seconds <= 15 * 60)


GOALS: tuple[Goal, ...] = (
    Goal("validation ≥ 20× faster than `frictionless validate`", _ratio_goal("frictionless", "validate", 20, True)),
    Goal("validate + build ≤ 3× the sqlite3 `.import` floor", _ratio_goal("build", "import_floor", 3)),
    Goal("`make release` ≤ 1.5× the build", _ratio_goal("release", "build", 1.5)),
    Goal("peak memory ≤ 1 GiB for every step", _memory),
    Goal("re-validation after changing one claim ≤ 3 s", _revalidation),
    Goal("every benchmarked page p95 ≤ 100 ms with 8 clients, no errors", _pages),
    Goal("the whole `make bench` run within 15 minutes", _duration),
)


def _met(measured: Measured) -> str:
    return {True: "yes", False: "**no**", None: "not measured"}[measured.met]


def goals_table(run: Run) -> str:
    size = largest(run)
    where = f"{size['claims']:,} claims" if size else "the largest size"
    lines = [f"| goal | measured at {where} | met |", "|---|---|---|"]
    for goal in GOALS:
        measured = goal.judge(run)
        lines.append(f"| {goal.text} | {measured.value} | {_met(measured)} |")
    return "\n".join(lines)


def steps_table(run: Run) -> str:
    measured = [step for size in run.get("sizes", []) for step in size["steps"]]
    untitled = [step for step in dict.fromkeys(measured) if step not in STEP_TITLES]
    steps = [step for step in STEP_TITLES if step in measured] + untitled
    header = "| step | " + " | ".join(f"{size['claims']:,} claims" for size in run["sizes"]) + " |"
    lines = [header, "|---|" + "---:|" * len(run["sizes"])]
    for step in steps:
        cells = []
        for size in run["sizes"]:
            values = size["steps"].get(step)
            cold = " (went cold)" if values and values.get("cold") else ""
            cells.append(f"{values['seconds']:,.2f} s, {values['peak_mib']:,.0f} MiB{cold}" if values else "")
        lines.append(f"| {STEP_TITLES.get(step, step)} | " + " | ".join(cells) + " |")  # a new step shows by name
    rows = " | ".join(f"{size['rows']:,}" for size in run["sizes"])
    lines.append(f"| rows in all tables | {rows} |")
    return "\n".join(lines)


def pages_table(run: Run) -> str:
    pages = run.get("datasette") or {}
    lines = ["| page | 1 client p50 / p95 | 8 clients p50 / p95 | errors |", "|---|---:|---:|---:|"]
    for name, levels in pages.items():
        one, eight = levels["1_clients"], levels["8_clients"]
        errors = one["errors"] + eight["errors"]
        lines.append(
            f"| {name.replace('_', ' ')} | {one['p50_ms']:.0f} / {one['p95_ms']:.0f} | "
            f"{eight['p50_ms']:.0f} / {eight['p95_ms']:.0f} | {errors} |"
        )
    return "\n".join(lines)


def markdown(run: Run) -> str:
    size = largest(run)
    parts = ["Seconds and peak memory of each step, each in its own process:", steps_table(run)]
    if run.get("datasette") and size:
        parts += [f"Pages at {size['claims']:,} claims (ms; every request distinct):", pages_table(run)]
    parts += ["Against the goals:", goals_table(run)]
    return "\n\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="report", description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="?", default="build/bench.json", type=Path)
    args = parser.parse_args(argv)
    try:
        run = json.loads(args.results.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"{args.results}: cannot read the benchmark's results: {error}", file=sys.stderr)
        return 1
    try:
        print(markdown(run), end="")
    except (KeyError, TypeError, AttributeError) as error:  # a JSON file, but not what `make bench` writes
        print(f"{args.results}: not the results of `make bench` ({type(error).__name__}: {error})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
