"""Benchmark validation and build against frictionless and the sqlite3 `.import` floor.

    python -m scripts.benchmark.bench [--sizes 1000,10000] [--requests 40]

For each size N it generates a synthetic package of N claims (scripts.benchmark.synth), then times,
each in its own process: the project's `validate`, its `build` (which validates, then writes the
database with FTS), `frictionless validate`, and the sqlite3 command line's `.import` of the same
CSVs, the floor with no checks at all; then `validate --cache` cold (writing the cache) and the
incremental re-validations after one changed claim and one re-archived text (`revalidation`), and
`make release` with notes that diff against a synthetic previous version (`release_step`). At
the largest N it serves the database with Datasette on 127.0.0.1 and measures p50 and p95 latency
of searches, facets, table pages, the troop-estimate view, the canned queries and filtered figures
with 1 and 8 concurrent clients: every request distinct (`page_requests`), so that no cache
answers a repeat; and the pages a reader meets: the home page, the site's search (names, pasted
sentences, common words), the timeline, the article reader and the rows' own pages. Prints a
table; writes build/bench.json."""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

from scripts.benchmark.report import goals_table
from scripts.benchmark.synth import generate, headline_measure, shape, token
from scripts.package.read import DataPackage
from scripts.package.site import DATABASE, DATABASE_FILE, TROOP_ESTIMATES
from scripts.progress import progress
from scripts.publishing.serve import default_workers, server_command, write_inspect_file, write_metadata

BIN = Path(sys.executable).parent
WORK = Path("build/bench")
ROOT = Path(__file__).resolve().parents[2]
# What a release takes from around the package: its documents, what the README links to, the record
# of earlier releases (copies: the project's own files are never written).
RELEASE_FILES = ("README.md", "CHANGELOG.md", "CITATION.cff", "LICENSE", "CONTRIBUTING.md", "docs")
RELEASE_FILES += ("releases.json", ".zenodo.json", "publication.toml")
CHANGED_CLAIMS = 5  # claims changed, added and removed between the synthetic previous version and this one


def measure(
    command: list[str], cwd: Path | None = None, stdin: str | None = None, errors: list[str] | None = None
) -> dict[str, float]:
    """Wall time and peak memory (MiB) of one command in its own process; it must succeed. Its
    standard error is added to `errors` when given."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    if stdin:
        process.stdin.write(stdin)  # type: ignore[union-attr]
        process.stdin.close()  # type: ignore[union-attr]
    stderr = process.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if errors is not None:
        errors.append(stderr)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{stderr[-2000:]}")
    return {"seconds": round(seconds, 3), "peak_mib": round(usage.ru_maxrss / 1024, 1)}


def import_script(package: DataPackage) -> str:
    return "".join(f".import --csv {t.regular_file} {t.name}\n" for t in package.tables.values())


def run_size(claims: int) -> dict:
    folder = WORK / f"n{claims}"
    shutil.rmtree(folder, ignore_errors=True)
    progress(f"N={claims}: generating")
    descriptor = generate(claims, folder)
    package = DataPackage(descriptor)
    rows = sum(sum(1 for _ in t.rows()) for t in package.tables.values())
    python = str(BIN / "python")
    steps = {}
    progress(f"N={claims}: validate")
    steps["validate"] = measure([python, "-m", "scripts.validation.validate", str(descriptor)])
    progress(f"N={claims}: build (validate + database + FTS)")
    database = folder / DATABASE_FILE
    steps["build"] = measure([python, "-m", "scripts.publishing.build", str(descriptor), "--output", str(database)])
    progress(f"N={claims}: frictionless validate")
    steps["frictionless"] = measure([str(BIN / "frictionless"), "validate", "datapackage.json"], cwd=folder)
    progress(f"N={claims}: sqlite3 .import (floor)")
    floor_db = folder / "floor.db"
    steps["import_floor"] = measure(["sqlite3", str(floor_db)], stdin=import_script(package))
    floor_db.unlink()
    steps.update(revalidation(descriptor, python))
    progress(f"N={claims}: release (build + Parquet + annotations + zip, notes with a diff)")
    steps["release"] = release_step(package, python)
    for step in steps.values():
        step["rows_per_second"] = round(rows / step["seconds"])
    floor = steps["import_floor"]["seconds"]
    return {
        "claims": claims,
        "rows": rows,
        "steps": steps,
        "ratios": {
            "validate_and_build_over_floor": round(steps["build"]["seconds"] / floor, 2),
            "frictionless_over_validate": round(steps["frictionless"]["seconds"] / steps["validate"]["seconds"], 2),
            "release_over_build": round(steps["release"]["seconds"] / steps["build"]["seconds"], 2),
        },
        "database": str(database),
    }


def revalidation(descriptor: Path, python: str) -> dict[str, dict]:
    """A cold validation that writes the incremental validation's cache, then re-validations in
    their own processes, reading the cache only: after one changed claim, and after one re-archived
    text (its bytes and the SHA-256 in sources.csv). Each says whether it had to go cold."""
    cache = descriptor.parent.parent / f"{descriptor.parent.name}-validation-cache"  # outside the package
    shutil.rmtree(cache, ignore_errors=True)
    command = [python, "-m", "scripts.validation.validate", str(descriptor), "--cache", str(cache)]
    progress("validate, writing the cache")
    steps: dict[str, dict] = {"validate_cache": measure(command)}
    for name, change in (("revalidate_claim", change_one_claim), ("revalidate_text", rearchive_one_text)):
        progress(f"{name.replace('_', ' ')}: validate, reading the cache")
        originals = change(descriptor.parent)
        errors: list[str] = []
        try:
            steps[name] = measure([*command, "--cache-read-only"], errors=errors)
        finally:
            for file, data in originals.items():
                file.write_bytes(data)
        steps[name]["cold"] = "validating cold" in errors[0]
    shutil.rmtree(cache, ignore_errors=True)
    return steps


def change_one_claim(package: Path) -> dict[Path, bytes]:
    """The claim text of the middle row of claims.csv reworded (the package stays valid); the bytes it had."""
    claims = package / "data" / "claims.csv"
    data = claims.read_bytes()
    at = data.index(b",Claim ", data.index(b"\n", len(data) // 2))
    claims.write_bytes(data[:at] + b",Claim revised " + data[at + len(b",Claim ") :])
    return {claims: data}


def rearchive_one_text(package: Path) -> dict[Path, bytes]:
    """A word added at the end of the middle article's text, and its new SHA-256 recorded in sources.csv."""
    texts = sorted((package / "data" / "texts").iterdir())
    text = texts[len(texts) // 2]
    sources = package / "data" / "sources.csv"
    originals = {text: text.read_bytes(), sources: sources.read_bytes()}
    changed = originals[text] + b" zz"
    text.write_bytes(changed)
    old, new = (hashlib.sha256(data).hexdigest().encode() for data in (originals[text], changed))
    sources.write_bytes(originals[sources].replace(old, new, 1))
    return originals


def release_project(folder: Path) -> None:
    """The project's documents around the synthetic package in `folder`, as a release needs them."""
    for name in RELEASE_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name, dirs_exist_ok=True)
        elif source.is_file():
            shutil.copy2(source, folder / name)


def previous_version(package: DataPackage, previous: Path) -> Path:
    """The synthetic package as its previous version would have held it, for the release notes' diff:
    the same tables (hard links), but claims with CHANGED_CLAIMS rows changed, the last CHANGED_CLAIMS
    not yet added, and CHANGED_CLAIMS since removed."""
    shutil.rmtree(previous, ignore_errors=True)
    shutil.copytree(package.root / "schemas", previous / "schemas")
    shutil.copy2(package.root / "datapackage.json", previous / "datapackage.json")
    for table in package.tables.values():
        (previous / table.path).parent.mkdir(parents=True, exist_ok=True)
        if table.name != "claims":
            os.link(table.regular_file, previous / table.path)
    claims = package.tables["claims"]
    total = sum(1 for _ in claims.rows(["claim_id"]))
    with (
        claims.regular_file.open(encoding="utf-8", newline="") as source,
        (previous / claims.path).open("w", encoding="utf-8", newline="") as target,
    ):
        reader, writer = csv.reader(source), csv.writer(target, lineterminator="\n")
        header = next(reader)
        writer.writerow(header)
        text = header.index("claim")
        for number, row in enumerate(reader):
            if number >= total - CHANGED_CLAIMS:
                break  # added since
            if number < CHANGED_CLAIMS:
                row[text] = f"{row[text]} (as first worded)"
            writer.writerow(row)
        for number in range(CHANGED_CLAIMS):  # removed since: rows like the first, under keys of their own
            writer.writerow(
                [f"removed-{number}" if name == "claim_id" else cell for name, cell in zip(header, row, strict=True)]
            )
    return previous / "datapackage.json"


def release_step(package: DataPackage, python: str) -> dict[str, float]:
    """`make release` of the synthetic package, timed in its own process: its notes hold a real data
    diff, against a synthetic previous version. The archive is removed once measured (gigabytes)."""
    folder = package.root
    release_project(folder)
    previous = previous_version(package, folder.parent / f"{folder.name}-previous")
    dist = folder / "dist"
    try:
        command = [python, "-m", "scripts.releases.release", str(folder / "datapackage.json"), "--dist", str(dist)]
        measured = measure([*command, "--previous", str(previous.parent)])
        (notes,) = dist.glob("*-notes.md")
        diffed = f"{CHANGED_CLAIMS} added, {CHANGED_CLAIMS} removed, {CHANGED_CLAIMS} changed"
        if diffed not in notes.read_text(encoding="utf-8"):
            raise SystemExit(f"{notes}: the release notes do not hold the claims' diff ({diffed})")
        measured["archive_mib"] = round(sum(p.stat().st_size for p in dist.glob("*.zip")) / (1 << 20), 1)
    finally:
        shutil.rmtree(dist, ignore_errors=True)
        shutil.rmtree(previous.parent, ignore_errors=True)
    return measured


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _latencies(urls: list[str], clients: int) -> dict[str, float]:
    """p50 and p95 over one request per URL; failed ones (such as a query past the time limit, which
    Datasette answers with an error) are timed too and counted."""

    def fetch(url: str) -> tuple[float, bool]:
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                response.read()
            ok = True
        except OSError:  # HTTPError and timeouts
            ok = False
        return (time.perf_counter() - start) * 1000, ok

    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(fetch, urls))
    times = sorted(ms for ms, _ in results)
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
        "errors": sum(not ok for _, ok in results),
    }


def page_requests(base: str, claims: int, count: int, seed: int) -> dict[str, list[str]]:
    """`count` distinct requests per page, so that no cache can answer a repeat: varied search terms
    (a claim's own word, a person's name, a sentence of an article), facet filters, speakers, sources,
    articles, rows and page offsets, drawn from what the synthetic package holds
    (scripts.benchmark.synth). A page with few URLs (the home page, a common word) gets a parameter it
    ignores."""
    draw = random.Random(seed)
    people, articles, venues, estimates = shape(claims)
    measure = quote(headline_measure())

    def distinct(make: Callable[[], str]) -> list[str]:
        urls: dict[str, None] = {}
        for _ in range(100 * count):
            urls[make()] = None
            if len(urls) == count:
                return list(urls)
        raise SystemExit(f"a package of {claims} claims has too few distinct requests for {count} per page")

    def search_term() -> str:
        return token(draw.randrange(claims)) if draw.random() < 0.5 else f"Person {token(draw.randrange(people))}"

    def facet() -> str:
        if draw.random() < 0.5:
            return f"{base}/claims?_facet=topic&_facet=modality&claimant_id=p{draw.randrange(people)}"
        return f"{base}/claims?_facet=topic&_next={draw.randrange(claims)}"

    def source() -> str:
        chosen = f"article-{draw.randrange(articles)}" if draw.random() < 0.7 else f"venue-{draw.randrange(venues)}"
        return f"{base}/source_says?source={chosen}"

    site = base.rsplit("/", 1)[0]  # the site's own pages (/-/…) are beside the database's

    def phrase() -> str:
        """A sentence pasted from a synthetic article (synth.Synthesizer.claim), whole or in part."""
        claim = draw.randrange(claims)
        speaker = token(claim % people).capitalize()
        said = draw.choice(
            (f"Person {speaker} spoke about {token(claim)}.", f"spoke about {token(claim)}",
             f"the {token(claim - claim % 2)} front is quiet", f"Person {speaker} spoke … {token(claim)}")
        )  # fmt: skip
        return f"{site}/-/search?q={quote(said)}"

    def name() -> str:
        """A person's name, their surname alone or the common word of every name ("Person")."""
        person = token(draw.randrange(people)).capitalize()
        return f"{site}/-/search?q={quote(draw.choice((f'Person {person}', person, f'Person {person} Person')))}"

    def common() -> str:
        """Words every synthetic paragraph holds ("Person", "spoke about"): a common name or word matches
        a million rows. They are few, so a parameter the page ignores makes each request distinct."""
        said = draw.choice(("Person", "spoke", "spoke about", "troops were counted", "front is quiet"))
        return f"{site}/-/search?q={quote(said)}&from={draw.randrange(10**9)}"

    def row_page() -> str:
        claim = draw.randrange(claims)
        table, key = draw.choice(
            (("claims", f"c{claim}"), ("quotes", f"q{claim - claim % 2}"), ("figures", f"f{claim - claim % 5}"),
             ("sources", f"article-{draw.randrange(articles)}"), ("entities", f"p{draw.randrange(people)}"))
        )  # fmt: skip
        return f"{base}/{table}/{key}"

    timeline_pages = -(-estimates // 100)  # reader.PAGE_SIZE estimates a page

    def timeline() -> str:
        page = f"{site}/-/timeline?page={draw.randrange(1, timeline_pages + 1)}"
        return page if timeline_pages >= 10 * count else f"{page}&from={draw.randrange(10**9)}"  # few pages

    return {
        # the home page has one URL: a query string it ignores makes each request distinct
        "home": distinct(lambda: f"{site}/?from={draw.randrange(10**9)}"),
        "search_names": distinct(name),
        "search_phrases": distinct(phrase),
        "search_common_words": distinct(common),
        "timeline": distinct(timeline),
        "article_reader": distinct(lambda: f"{site}/-/articles/article-{draw.randrange(articles)}"),
        "row_page": distinct(row_page),
        "search": distinct(lambda: f"{base}/claims?_search={quote(search_term())}"),
        "facet": distinct(facet),
        "table_page": distinct(lambda: f"{base}/claims?_next={draw.randrange(claims)}"),
        "troop_estimates": distinct(
            lambda: f"{base}/{TROOP_ESTIMATES}?_next={draw.randrange(0, min(estimates, 5000), 50)}"
        ),
        "query_who_said": distinct(lambda: f"{base}/who_said?speaker=p{draw.randrange(people)}"),
        "query_source_says": distinct(source),
        "figures_by_date": distinct(
            lambda: (
                f"{base}/figures?measure={measure}&as_of={quote(f'2024-10-{draw.randrange(1, 29):02d}')}"
                f"&_next={draw.randrange(claims)}"
            )
        ),
    }


def datasette_latency(database: Path, requests: int, claims: int, workers: int | None = None) -> dict:
    """Latencies of the site served as `make serve` serves it (uvicorn, one worker per core unless
    `workers` says otherwise)."""
    folder = database.parent
    metadata = write_metadata(Path("datapackage.json"), folder / "metadata.json")
    write_inspect_file(database)
    port = _free_port()
    workers = workers or default_workers()
    command, environment = server_command(database, metadata, "127.0.0.1", port, workers)
    server = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/{DATABASE}"
    try:
        for _ in range(300):  # bounded wait for the server (every worker starts its own Datasette)
            try:
                urllib.request.urlopen(f"{base}.json", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        results = {}
        warm_up = page_requests(base, claims, 2 * workers, seed=0)  # every worker's first requests
        for level, clients in enumerate((1, 8), start=1):
            for name, urls in page_requests(base, claims, requests, seed=level).items():
                progress(f"datasette: {name}, {clients} client(s)")
                _latencies(warm_up[name], 1)
                results.setdefault(name, {})[f"{clients}_clients"] = _latencies(urls, clients)
        return results
    finally:
        server.terminate()
        server.wait(timeout=10)


def save(report: dict) -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK.parent / "bench.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def table(results: list[dict]) -> str:
    lines = [
        f"{'claims':>9} {'rows':>9} {'step':<13} {'seconds':>9} {'rows/s':>10} {'peak MiB':>9}",
    ]
    for result in results:
        for step, values in result["steps"].items():
            lines.append(f"{result['claims']:>9} {result['rows']:>9} {step:<13} {values['seconds']:>9.2f} "
                         f"{values['rows_per_second']:>10} {values['peak_mib']:>9.1f}")  # fmt: skip
        ratios = result["ratios"]
        lines.append(f"{'':>9} {'':>9} validate+build / floor = {ratios['validate_and_build_over_floor']}×, "
                     f"frictionless / validate = {ratios['frictionless_over_validate']}×, "
                     f"release / build = {ratios['release_over_build']}×")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--requests", default=40, type=int, help="distinct requests per page and concurrency level")
    parser.add_argument("--workers", type=int, help="server processes (default: one per core, as `make serve`)")
    args = parser.parse_args(argv)
    if shutil.which("sqlite3") is None:
        raise SystemExit("the sqlite3 command line is needed for the floor: `make bench` installs it")
    sizes = sorted(int(size) for size in args.sizes.split(","))
    started = time.perf_counter()
    report: dict = {"sizes": []}
    for size in sizes:  # each size is saved as soon as it is measured
        report["sizes"].append(run_size(size))
        save(report)
        progress("")
        print(table(report["sizes"][-1:]), flush=True)
    report["datasette"] = datasette_latency(
        Path(report["sizes"][-1]["database"]), args.requests, sizes[-1], args.workers
    )
    save(report)
    progress("")
    print(f"\nDatasette at {sizes[-1]} claims (p50 / p95 ms, {args.requests} requests each; errors):")
    for name, levels in report["datasette"].items():
        one, eight = levels["1_clients"], levels["8_clients"]
        single = f"1 client {one['p50_ms']:>7} / {one['p95_ms']:>7} ({one['errors']})"
        print(f"  {name:<34} {single}   8 clients {eight['p50_ms']:>7} / {eight['p95_ms']:>7} ({eight['errors']})")
    report["seconds"] = round(time.perf_counter() - started, 1)
    save(report)
    print("\nAgainst the goals (python -m scripts.benchmark.report prints every table as Markdown):")
    print(goals_table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
