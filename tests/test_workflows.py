"""The GitHub workflows: CI runs the README's test command with the pinned setup, every action is
pinned by commit, permissions are least-privilege, the release checks its tag, the site deploys with
the settings of `make serve` and only once its secret is set, and `make lint` catches a bad workflow."""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scripts.publishing.publish import pinned, publish_command
from scripts.publishing.serve import PLUGINS_DIR, SETTINGS, TEMPLATES_DIR, datasette_command
from scripts.releases import registry, versioning
from tests.conftest import ROOT
from tests.makefile import StandIn
from tests.test_release import copy_project

WORKFLOWS = ROOT / ".github" / "workflows"
VENV_BIN = Path(sys.executable).parent


def workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def steps(document: dict) -> list[dict]:
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


def readme_test_command() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Two commands", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return next(line.split("#")[0].strip() for line in block.splitlines() if line.startswith("make test"))


def test_ci_runs_the_readme_test_command_on_every_push_and_pull_request() -> None:
    ci = workflow("ci.yml")
    assert set(ci[True]) == {"push", "pull_request"}  # YAML reads the key `on` as True
    runs = [step.get("run") for step in steps(ci)]
    assert readme_test_command() == "make test" and "make test" in runs
    assert "make test" in (ROOT / ".ci/run").read_text(encoding="utf-8")
    assert "make validate" in runs  # its problems become annotations on the pull request


def test_ci_caches_the_virtualenvs_by_their_lock_files_and_python() -> None:
    (cache,) = [step for step in steps(workflow("ci.yml")) if step.get("uses", "").startswith("actions/cache@")]
    key = cache["with"]["key"]
    assert "requirements.lock" in key and "requirements-cffconvert.lock" in key and "python-version" in key
    assert cache["with"]["path"].split() == [".venv", ".venv-cffconvert"]


def test_ci_names_a_browser_that_a_hosted_runner_has(tmp_path: Path) -> None:
    ci = workflow("ci.yml")
    assert ci["jobs"]["test"]["env"]["CHROMIUM"] == "/usr/bin/google-chrome"
    project = StandIn(tmp_path / "project")
    browser = str(project.stub)  # any existing file stands in for a browser
    made = project.make("test", *project.defaults(), f"CHROMIUM={browser}")
    assert made.returncode == 0 and "apt-get" not in made.stdout, made.stderr
    (pytest_run,) = [call for call in project.calls() if call.arguments[:2] == ["-m", "pytest"]]
    assert pytest_run.environment == {"NK_CHROMIUM": browser, "NK_CFFCONVERT": str(project.root / "cff/bin/cffconvert")}
    missing = subprocess.run(["make", "browser", "CHROMIUM=/opt/no/chrome"], cwd=ROOT, capture_output=True, text=True)
    assert missing.returncode != 0 and "no browser at CHROMIUM=/opt/no/chrome" in missing.stderr


def test_history_is_fetched_where_versions_are_checked() -> None:
    for name in ("ci.yml", "release.yml"):
        (checkout,) = [s for s in steps(workflow(name)) if s.get("uses", "").startswith("actions/checkout@")]
        assert checkout["with"]["fetch-depth"] == 0, name


@pytest.mark.parametrize("name", ["ci.yml", "release.yml", "publish.yml"])
def test_every_action_is_pinned_by_commit_and_permissions_are_least_privilege(name: str) -> None:
    document = workflow(name)
    assert document["permissions"] == {"contents": "read"}
    for step in steps(document):
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+(?:/[\w.-]+)*@[0-9a-f]{40}", step["uses"]), step["uses"]
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False
    wider = {job_name: job["permissions"] for job_name, job in document["jobs"].items() if "permissions" in job}
    for job in document["jobs"].values():
        assert "secrets" not in job  # no secret is handed on; the publish key lives in its environment
    assert wider == ({"release": {"contents": "write"}} if name == "release.yml" else {})


def test_release_checks_tag_and_record_builds_without_recording_and_attaches_the_files() -> None:
    release = workflow("release.yml")
    assert release[True] == {"push": {"tags": ["v*"]}}
    job = release["jobs"]["release"]
    runs = [step.get("run", "") for step in job["steps"]]
    checks = [i for i, step in enumerate(job["steps"]) if step.get("run") == "make tag-check"]
    assert [job["steps"][i]["env"].get("ARCHIVE") for i in checks] == [None, "dist"]
    assert checks[0] < runs.index("make release RECORD=") < checks[1]
    attach = next(run for run in runs if "gh release create" in run)
    assert "gh release create" in attach and "gh release upload" in attach and "dist/SHA256SUMS" in attach
    assert "${{" not in "".join(runs)  # no expression is pasted into a shell script
    assert release["jobs"]["publish"] == {"needs": "release", "uses": "$/.github/workflows/publish.yml"}


def test_release_deposits_the_built_archive_on_zenodo_after_attaching_it_and_only_with_a_token() -> None:
    job = workflow("release.yml")["jobs"]["release"]
    runs = [step.get("run", "") for step in job["steps"]]
    attach = next(i for i, run in enumerate(runs) if "gh release create" in run)
    deposit = next(i for i, run in enumerate(runs) if "scripts.releases.zenodo dist" in run)
    assert attach < deposit  # the archive is on the release before its DOI is added to the notes
    env = job["steps"][deposit]["env"]
    assert (
        env["ZENODO_TOKEN"] == "${{ secrets.ZENODO_TOKEN }}" and env["ZENODO_SANDBOX"] == "${{ vars.ZENODO_SANDBOX }}"
    )
    assert "gh release edit" in runs[deposit] and "git push" not in "".join(runs)  # CI pushes nothing


# The forms GitHub documents for `uses:` (docs.github.com, "Workflow syntax": jobs.<job_id>.uses and
# jobs.<job_id>.steps[*].uses). A job calls a reusable workflow, which lives in .github/workflows. The same
# repository is `$/…` (at the running commit; github.blog changelog 2026-07-30, zizmor's self-repository
# audit asks for it) or `./…` (in the checked-out workspace).
NAME = r"[A-Za-z0-9_.-]+"
REF = r"@[A-Za-z0-9_./-]+"
SAME_REPOSITORY = r"(?:\$|\.)/"
WORKFLOW_FILE = rf"\.github/workflows/{NAME}\.ya?ml"
JOB_USES = re.compile(rf"{SAME_REPOSITORY}{WORKFLOW_FILE}|{NAME}/{NAME}/{WORKFLOW_FILE}{REF}")
STEP_USES = re.compile(rf"{SAME_REPOSITORY}(?:{NAME}/)*{NAME}|{NAME}/{NAME}(?:/{NAME})*{REF}|docker://[^\s]+")


def uses_problems(document: dict, root: Path = ROOT) -> list[str]:
    """Each `uses:` of a workflow that is not one of GitHub's documented forms, or names a local file
    that does not exist."""
    problems = []
    for job_name, job in document["jobs"].items():
        found = [(f"jobs.{job_name}.uses", job["uses"], JOB_USES)] if "uses" in job else []
        found += [
            (f"jobs.{job_name}.steps[{i}].uses", step["uses"], STEP_USES)
            for i, step in enumerate(job.get("steps", []))
            if "uses" in step
        ]
        for where, value, form in found:
            if not isinstance(value, str) or not form.fullmatch(value):
                problems.append(f"{where}: {value!r} is not a form GitHub accepts")
            elif re.match(SAME_REPOSITORY, value) and not local_target_exists(root / value[2:], form is JOB_USES):
                problems.append(f"{where}: {value!r} names no {'workflow' if form is JOB_USES else 'action'} here")
    return problems


def local_target_exists(path: Path, workflow_file: bool) -> bool:
    """A local reusable workflow is a file; a local action is a folder with its metadata file."""
    if workflow_file:
        return path.is_file()
    return any((path / name).is_file() for name in ("action.yml", "action.yaml", "Dockerfile"))


@pytest.mark.parametrize("name", ["ci.yml", "release.yml", "publish.yml"])
def test_every_uses_of_every_workflow_has_a_form_github_accepts(name: str) -> None:
    assert uses_problems(workflow(name)) == []


@pytest.mark.parametrize(
    ("where", "value", "accepted"),
    [
        ("job", "$/.github/workflows/publish.yml", True),
        ("job", "./.github/workflows/publish.yml", True),
        ("job", "octo/repo/.github/workflows/build.yaml@v1", True),
        ("job", "$.github/workflows/publish.yml", False),
        ("job", "$/github/workflows/publish.yml", False),
        ("job", "$/.github/workflows/missing.yml", False),
        ("job", ".github/workflows/publish.yml", False),
        ("job", "/.github/workflows/publish.yml", False),
        ("job", "./.github/workflows/missing.yml", False),
        ("job", "./scripts/publish.yml", False),
        ("job", "octo/repo/.github/workflows/build.yml", False),  # no ref
        ("job", "actions/checkout@v5", False),  # an action is no job
        ("step", "actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8", True),
        ("step", "github/codeql-action/init@v3", True),
        ("step", "docker://alpine:3.20", True),
        ("step", "./actions/hello", True),  # a local action: a folder with its action.yml
        ("step", "$/actions/hello", True),
        ("step", "./.github/workflows", False),  # a folder, but no action
        ("step", "actions/checkout", False),
        ("step", "$/actions/checkout@v5", False),
        ("step", "$/actions/missing", False),
        ("step", "./no/such/action", False),
        ("step", "docker://", False),
    ],
)
def test_the_uses_check_refuses_what_github_refuses(tmp_path: Path, where: str, value: str, accepted: bool) -> None:
    (tmp_path / ".github/workflows").mkdir(parents=True)
    (tmp_path / ".github/workflows/publish.yml").write_text("jobs: {}\n")
    (tmp_path / "actions/hello").mkdir(parents=True)
    (tmp_path / "actions/hello/action.yml").write_text("runs: {using: node20, main: x.js}\n")
    job = {"uses": value} if where == "job" else {"runs-on": "ubuntu-24.04", "steps": [{"uses": value}]}
    assert (uses_problems({"jobs": {"x": job}}, tmp_path) == []) is accepted


@pytest.mark.parametrize(
    ("setting", "arguments"), [((), ["--dist", "dist", "--record"]), (("RECORD=",), ["--dist", "dist"])]
)
def test_make_release_records_unless_told_not_to(
    tmp_path: Path, setting: tuple[str, ...], arguments: list[str]
) -> None:
    project = StandIn(tmp_path / "project")
    assert project.make("release", *project.defaults(), *setting).returncode == 0
    assert project.calls()[-1].arguments == ["-m", "scripts.releases.release", "datapackage.json", *arguments]


def test_tag_check_takes_the_tag_from_the_environment_never_the_shell(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    result = subprocess.run(
        ["make", "-s", "tag-check", f"TAG=v1`touch {marker}`"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode != 0 and "is not the package version" in result.stderr
    assert not marker.exists()


def test_publish_is_off_until_set_up_and_keeps_its_key_in_an_environment() -> None:
    publish = workflow("publish.yml")
    assert set(publish[True]) == {"workflow_call", "workflow_dispatch"}
    (job,) = publish["jobs"].values()
    assert job["if"] == "vars.GCP_PROJECT != ''" and job["environment"] == "site"
    runs = [step.get("run") for step in job["steps"]]
    sign_in = next(step for step in job["steps"] if "gcloud auth" in step.get("run", ""))
    assert sign_in["env"]["KEY"] == "${{ secrets.GCP_SERVICE_ACCOUNT_KEY }}"
    assert 'if [ -z "$KEY" ]' in sign_in["run"] and "trap" in sign_in["run"] and "run/region" in sign_in["run"]
    assert runs.index("make build") < runs.index(sign_in["run"]) < runs.index("make publish")


def recorded_copy(tmp_path: Path) -> Path:
    """A copy of the project whose current version is recorded in releases.json, as it is once released;
    between setting the version and `make release` (when `make test` runs) it is not yet."""
    root = copy_project(tmp_path)
    version = versioning.read_descriptor(root)["version"]
    if registry.find(root, version) is None:
        record = registry.Release(version, "2026-01-01", "0" * 40, f"nk-russia-claims-{version}.zip", "a" * 64)
        registry.write_releases(root, [*registry.read_releases(root), record])
    return root


def test_tag_check_refuses_a_tag_that_is_not_the_version_or_has_no_changelog_entry(tmp_path: Path) -> None:
    root = recorded_copy(tmp_path)
    version = versioning.read_descriptor(root)["version"]
    assert versioning.tag_problems(root, f"v{version}") == []
    assert versioning.tag_problems(root, "v9.9.9")[0].startswith("tag v9.9.9 is not the package version")
    changelog = root / "CHANGELOG.md"
    changelog.write_text(changelog.read_text().replace(f"## [{version}] -", "## [0.0.0] -"))
    assert versioning.tag_problems(root, f"v{version}") == [
        f"CHANGELOG.md: no '## [{version}] - YYYY-MM-DD' entry for the tagged version"
    ]


def test_tag_check_refuses_a_version_that_releases_json_does_not_record(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    version = versioning.read_descriptor(root)["version"]
    registry.write_releases(root, [r for r in registry.read_releases(root) if r.version != version])
    recorded = ", ".join(r.version for r in registry.read_releases(root))
    assert versioning.tag_problems(root, f"v{version}") == [
        f"releases.json: {version} is not a recorded release; recorded: {recorded}: tag the commit that records it "
        "(make release, then commit releases.json)"
    ]


def test_tag_check_refuses_an_archive_that_is_not_the_recorded_release(tmp_path: Path) -> None:
    root = recorded_copy(tmp_path)
    version = versioning.read_descriptor(root)["version"]
    recorded = registry.find(root, version)
    assert recorded is not None, "the current version is recorded in releases.json"
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / recorded.archive).write_bytes(b"not the release")
    (problem,) = versioning.tag_problems(root, f"v{version}", dist)
    expected = f"({recorded.sha256[:12]}…, commit {recorded.commit[:12]}): tag the recorded commit"
    assert problem.endswith(f"is not the {version} that releases.json records {expected}")
    assert hashlib.sha256(b"not the release").hexdigest()[:12] in problem


def settings_of(command: list[str]) -> dict:
    """The settings a `datasette serve` command line gives the site, as the site itself reports them."""
    program = str(VENV_BIN / command[0])
    result = subprocess.run(
        [program, *command[1:], "--get", "/-/settings.json"], capture_output=True, text=True, timeout=120, check=False
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def test_the_deployed_site_has_the_settings_plugins_and_templates_of_make_serve(tmp_path: Path) -> None:
    database, metadata = tmp_path / "x.db", tmp_path / "m.json"
    sqlite3.connect(database).close()
    metadata.write_text("{}", encoding="utf-8")
    served = datasette_command(database, metadata, "127.0.0.1", 8001)
    published = publish_command(database, metadata, "nk-russia-claims")
    deployed = ["datasette", "serve", str(database), *shlex.split(published[published.index("--extra-options") + 1])]
    # Datasette reads both command lines to the settings of serve.py, whatever its defaults are.
    for command in (served, deployed):
        assert settings_of(command).items() >= SETTINGS.items()
    for option in ("--plugins-dir", "--template-dir", "--metadata"):
        assert published[published.index(option) + 1] == served[served.index(option) + 1]
    installs = [published[i + 1] for i, part in enumerate(published) if part == "--install"]
    assert installs == pinned(("datasette", "datasette-vega")) and all("==" in pin for pin in installs)


@pytest.mark.slow
def test_make_publish_deploys_through_gcloud_with_the_pinned_site(tmp_path: Path, database: Path) -> None:
    """`datasette publish cloudrun` end to end, with a stand-in gcloud that records its calls and
    keeps the Docker build context: nothing leaves the machine."""
    fake = tmp_path / "bin" / "gcloud"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> {tmp_path}/calls\n'
        f'case "$1 $2" in "builds submit") cp -r . {tmp_path}/context ;; esac\n'
        'case "$*" in "config get-value project") echo test-project ;; esac\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = {"PATH": f"{fake.parent}:{VENV_BIN}:/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "scripts.publishing.publish", "--database", str(database), "--service", "nk-test"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    calls = (tmp_path / "calls").read_text()
    assert "run deploy --allow-unauthenticated" in calls and " nk-test " in calls
    dockerfile = (tmp_path / "context/Dockerfile").read_text()
    assert all(pin in dockerfile for pin in pinned(("datasette", "datasette-vega")))
    assert "--setting sql_time_limit_ms 1500" in dockerfile and "--setting allow_download true" in dockerfile
    context = tmp_path / "context"
    assert {p.name for p in (context / "plugins").iterdir()} >= {p.name for p in PLUGINS_DIR.glob("*.py")}
    assert {p.name for p in (context / "templates").iterdir()} == {p.name for p in TEMPLATES_DIR.iterdir()}


@pytest.mark.slow
def test_publish_refuses_a_service_name_cloud_run_would_refuse() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scripts.publishing.publish", "--service", "Bad Name; rm -rf /", "--dry-run"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode != 0 and "is not a Cloud Run service name" in result.stderr


BAD_WORKFLOW = """name: bad
on: pull_request_target
permissions: write-all
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
"""


def test_zizmor_finds_the_holes_of_a_dangerous_workflow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD_WORKFLOW)
    result = subprocess.run(
        [str(VENV_BIN / "zizmor"), "--offline", "--no-progress", str(bad)], capture_output=True, text=True
    )
    assert result.returncode != 0
    for audit in ("template-injection", "unpinned-uses", "dangerous-triggers"):
        assert audit in result.stdout, audit


@pytest.mark.slow
def test_check_jsonschema_refuses_a_workflow_that_github_would_refuse(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("name: bad\non: push\njobs:\n  build:\n    steps:\n      - run: true\n")  # no runs-on
    command = [str(VENV_BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows"]
    assert subprocess.run([*command, str(bad)], capture_output=True).returncode != 0
    assert subprocess.run([*command, *map(str, WORKFLOWS.glob("*.yml"))], capture_output=True).returncode == 0


def test_make_lint_checks_every_workflow(tmp_path: Path) -> None:
    project = StandIn(tmp_path / "project")  # with a copy of the workflows
    assert project.make("lint", *project.defaults()).returncode == 0
    names = sorted(str(p.relative_to(ROOT)) for p in WORKFLOWS.glob("*.yml"))
    assert names == [".github/workflows/ci.yml", ".github/workflows/publish.yml", ".github/workflows/release.yml"]
    calls = project.calls()
    schema = next(c for c in calls if c.arguments[:2] == ["--builtin-schema", "vendor.github-workflows"])
    zizmor = next(c for c in calls if c.program == "zizmor")
    assert sorted(schema.arguments[2:]) == names and sorted(zizmor.arguments[2:-1]) == names
