# nk-russia-claims: CSV + schemas -> validate -> SQLite -> Datasette / release.
# Every target sets up what it needs: a local virtualenv from the pinned lock file.

PYTHON ?= python3
VENV ?= .venv
DATAPACKAGE ?= datapackage.json
# cffconvert needs jsonschema 3, frictionless needs 4: it gets a virtualenv of its own.
CFFCONVERT_VENV ?= .venv-cffconvert
HOST ?= 127.0.0.1
PORT ?= 8001
# The browser of the browser tests: Debian's Chromium by default (installed by `make browser`);
# any Chromium or Chrome works, e.g. `make test CHROMIUM=/usr/bin/google-chrome` on a hosted runner.
CHROMIUM ?= /usr/bin/chromium
SQLITE3 := /usr/bin/sqlite3
SIZES ?= 1000,10000
SERVICE ?=
RECORD ?= --record
# The incremental validation's cache (outside any package); empty: none. CACHE_READ_ONLY=1: read, never write.
VALIDATION_CACHE ?= build/validation-cache
CACHE_READ_ONLY ?=
TO ?= .
WORKFLOWS := $(wildcard .github/workflows/*.yml)

# Every variable a recipe uses reaches it through the environment, quoted ("$$TITLE"), and is never
# pasted into the shell script; make takes each value literally (no `$(…)` or `$5` of it is expanded).
# A pasted headline with a backtick, `$(…)`, `;` or a quote mark stays text.
ARGUMENTS := PYTHON VENV CFFCONVERT_VENV DATAPACKAGE HOST PORT CHROMIUM SQLITE3 SIZES SERVICE RECORD \
	FROM TO TEXT ID TITLE URL PUBLISHED PUBLISHER PUBLISHER_NAME SOURCE REFERENCE FORMAT WORKERS TAG ARCHIVE WORKFLOWS \
	FORCE ALL VALIDATION_CACHE CACHE_READ_ONLY
$(foreach name,$(ARGUMENTS),$(if $(filter undefined,$(origin $(name))),,$(eval override $(name) := $$(value $(name)))))
export $(ARGUMENTS)

# These also name files in make's own rules, where nothing can be quoted: plain paths only.
PATH_CHARACTERS := a b c d e f g h i j k l m n o p q r s t u v w x y z A B C D E F G H I J K L M N O P Q R S T U V W X Y Z \
	0 1 2 3 4 5 6 7 8 9 / . _ - + @ ~
without = $(if $(2),$(call without,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))
plain_path = $(and $(filter 1,$(words $(1))),$(if $(call without,$(1),$(PATH_CHARACTERS)),,yes))
$(foreach name,VENV CFFCONVERT_VENV CHROMIUM SQLITE3,$(if $(call plain_path,$($(name))),,\
	$(error $(name) must be one path of letters, digits and / . _ - + @ ~ (make names it in a rule))))

override BIN := "$$VENV/bin"
override PY := $(BIN)/python
override SETUP := $(VENV)/.setup-done
override CFFCONVERT := $(CFFCONVERT_VENV)/.setup-done

.PHONY: setup browser validate build serve publish release tag-check diff citation versions bench check test screenshots lint docs lock clean add-source spans todo check-article suggest accept suggest-eval link-candidates

setup: $(SETUP)

$(SETUP): requirements.lock
	"$$PYTHON" -m venv "$$VENV"
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	touch "$$VENV/.setup-done"

$(CFFCONVERT): requirements-cffconvert.lock
	"$$PYTHON" -m venv "$$CFFCONVERT_VENV"
	"$$CFFCONVERT_VENV/bin/pip" install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-cffconvert.lock
	touch "$$CFFCONVERT_VENV/.setup-done"

# Debian's Chromium for the browser test (Playwright drives it; it downloads no browser of its own).
# Another browser that CHROMIUM names is used as it is.
browser: $(CHROMIUM)

/usr/bin/chromium:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium

$(filter-out /usr/bin/chromium,$(CHROMIUM)):
	@echo "no browser at CHROMIUM=$$CHROMIUM: install Chromium or Chrome there, or leave CHROMIUM unset" >&2; exit 1

# The sqlite3 command line: the build imports the CSVs with it (without it, through Python: slower),
# and the benchmark's .import floor is its own.
$(SQLITE3):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends sqlite3

# Table Schema rules run as set-based SQL; `make validate REFERENCE=1` runs frictionless instead.
# The verdict is kept in VALIDATION_CACHE, and the next run re-checks only what changed (cold when in doubt).
# Under GitHub Actions (or FORMAT=github) each problem is also an ::error annotation for the pull request.
validate: $(SETUP)
	$(PY) -m scripts.validation.validate "$$DATAPACKAGE" $${REFERENCE:+--reference} $${FORMAT:+--format "$$FORMAT"} \
		$${VALIDATION_CACHE:+--cache "$$VALIDATION_CACHE"} $${CACHE_READ_ONLY:+--cache-read-only}

# Validates, then writes the database atomically; a package that does not validate builds nothing.
build: $(SETUP) $(SQLITE3)
	$(PY) -m scripts.publishing.build "$$DATAPACKAGE"

# uvicorn with one Datasette worker per core; `make serve WORKERS=1` for a single process.
serve: build
	$(PY) -m scripts.publishing.serve --datapackage "$$DATAPACKAGE" --host "$$HOST" \
		--port "$$PORT" $${WORKERS:+--workers "$$WORKERS"}

# Deploys the same site to Google Cloud Run (`datasette publish cloudrun`); needs an authenticated gcloud.
# .github/workflows/publish.yml runs it once the GCP_SERVICE_ACCOUNT_KEY secret is set.
publish: build
	$(PY) -m scripts.publishing.publish --datapackage "$$DATAPACKAGE" $${SERVICE:+--service "$$SERVICE"}

# A reproducible dist/nk-russia-claims-<version>.zip, dist/SHA256SUMS and the release notes; a new version is
# recorded in releases.json (its commit and the archive hash: commit that file). A build that is not the
# recorded release is named nk-russia-claims-<version>+<commit>.zip (-dev.zip from uncommitted changes).
# (`make release RECORD=` records nothing.)
release: $(SETUP)
	$(PY) -m scripts.releases.release "$$DATAPACKAGE" --dist dist $${RECORD:+--record}

# Rows added, removed and changed per table: make diff FROM=0.1.0 (a version in releases.json, a git revision,
# a release zip or a folder) [TO=…] [FORMAT=markdown|json] (FORMAT=json: one JSON object, for machines).
diff: $(SETUP)
	@test -n "$$FROM" || { echo "usage: make diff FROM=<version, git revision, release zip or folder> [TO=…] [FORMAT=json]" >&2; exit 2; }
	$(PY) -m scripts.releases.diff --format "$$FORMAT" -- "$$FROM" "$$TO"

# The curator's tools (CONTRIBUTING.md): archive an article, place spans, list what is left to do.
add-source: $(SETUP)
	@test -n "$$TEXT" && test -n "$$ID" || { echo "usage: make add-source TEXT=path ID=id [TITLE= URL= PUBLISHED= PUBLISHER=id | PUBLISHER_NAME=name]" >&2; exit 2; }
	$(PY) -m scripts.curation.add_source --datapackage "$$DATAPACKAGE" --title "$$TITLE" --url "$$URL" \
		--published "$$PUBLISHED" --publisher "$$PUBLISHER" --publisher-name "$$PUBLISHER_NAME" -- "$$TEXT" "$$ID"

spans: $(SETUP)
	$(PY) -m scripts.curation.spans "$$DATAPACKAGE"

todo: $(SETUP)
	$(PY) -m scripts.curation.todo "$$DATAPACKAGE" $${SOURCE:+--source "$$SOURCE"} || test $$? -eq 141

# Drafts from an article's text (drafts/<id>/*.csv), the accepted ones merged, the drafts scored.
suggest: $(SETUP)
	@test -n "$$SOURCE" || { echo "usage: make suggest SOURCE=id [DATAPACKAGE=…]" >&2; exit 2; }
	$(PY) -m scripts.curation.suggest "$$SOURCE" "$$DATAPACKAGE" $${FORCE:+--force}

accept: $(SETUP)
	@test -n "$$SOURCE" || { echo "usage: make accept SOURCE=id [DATAPACKAGE=…]" >&2; exit 2; }
	$(PY) -m scripts.curation.accept "$$SOURCE" "$$DATAPACKAGE"

suggest-eval: $(SETUP)
	$(PY) -m scripts.curation.suggest_eval "$$DATAPACKAGE" --texts tests/suggest_texts --goals held_out

# Pairs of claims the link procedure (codebook §8) should look at, and links that share nothing it asks about.
link-candidates: $(SETUP)
	$(PY) -m scripts.curation.link_candidates "$$DATAPACKAGE" $${SOURCE:+--source "$$SOURCE"} $${ALL:+--all} \
		|| test $$? -eq 141  # `make link-candidates | head`: the reader stopped, no failure

# One article: the package validated, only that article's problems shown, and its own tests run.
check-article: $(SETUP)
	@test -n "$$SOURCE" || { echo "usage: make check-article SOURCE=id [DATAPACKAGE=…]" >&2; exit 2; }
	$(PY) -m scripts.curation.check_article "$$DATAPACKAGE" --source "$$SOURCE"

# Times validate, build, frictionless and the sqlite3 .import floor on synthetic packages:
# make bench SIZES=10000,100000,1000000. Writes build/bench.json.
bench: $(SETUP) $(SQLITE3)
	$(PY) -m scripts.benchmark.bench --sizes "$$SIZES"

# Regenerates CITATION.cff, .zenodo.json and datapackage.json's homepage from datapackage.json,
# CHANGELOG.md, releases.json and publication.toml, then checks the citation with cffconvert.
citation: $(SETUP) $(CFFCONVERT)
	$(PY) -m scripts.releases.versioning citation
	"$$CFFCONVERT_VENV/bin/cffconvert" --validate -i CITATION.cff

# Fails if the version, changelog, citation, releases.json and git history disagree.
versions: $(SETUP)
	$(PY) -m scripts.releases.versioning check

# Python with ruff, its layers with import-linter (pyproject.toml); the GitHub workflows against their
# schema (bundled, offline) and with zizmor's security audit (offline). $$WORKFLOWS is a list of files: the shell splits it, quoting nothing.
# A release tag names the package version, with its changelog entry and its record in releases.json
# (the release workflow runs it): make tag-check TAG=v1.2.3 [ARCHIVE=dist] (then the built archive must
# be the recorded one).
tag-check: $(SETUP)
	$(PY) -m scripts.releases.versioning tag "$$TAG" $${ARCHIVE:+--archive "$$ARCHIVE"}

lint: $(SETUP)
	$(BIN)/ruff check scripts tests
	$(BIN)/ruff format --check scripts tests
	$(BIN)/lint-imports --no-cache
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows $$WORKFLOWS
	$(BIN)/check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
	$(BIN)/zizmor --offline --no-progress $$WORKFLOWS .github/dependabot.yml

# The fast lane while you work: lint, then every test not marked slow, on every core (pytest-xdist).
check: export NK_CFFCONVERT := $(abspath $(CFFCONVERT_VENV))/bin/cffconvert
check: $(SETUP) $(CFFCONVERT) $(SQLITE3) lint
	$(PY) -m pytest -q -n auto --dist worksteal -m "not slow"

# Every test, the slow ones and the browser's included, on every core: each worker has its own
# temporary folders and ports (tests/conftest.py).
test: export NK_CFFCONVERT := $(abspath $(CFFCONVERT_VENV))/bin/cffconvert
test: $(SETUP) $(CFFCONVERT) $(SQLITE3) browser lint
	NK_CHROMIUM="$$CHROMIUM" $(PY) -m pytest -q -n auto --dist worksteal

# Rewrites the README's screenshots (docs/*.png) from the browser test; `make test` never does.
screenshots: $(SETUP) browser
	NK_SCREENSHOTS=docs NK_CHROMIUM="$$CHROMIUM" $(PY) -m pytest -q tests/test_browser.py

# Rewrites the generated data dictionary in README.md and docs/codebook.md from the package.
docs: $(SETUP)
	$(PY) -m scripts.releases.docs --write README.md
	$(PY) -m scripts.releases.docs --codebook docs/codebook.md
	$(PY) -m scripts.curation.suggest_eval --texts tests/suggest_texts --write-readme README.md

# Re-pins every dependency (with hashes) from pyproject.toml.
lock: $(SETUP)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip compile pyproject.toml --extra dev -p 3.11 --generate-hashes --no-header -o requirements.lock
	sed -i '1i # Pinned dependencies of nk-russia-claims with hashes. Regenerate with `make lock`.' requirements.lock
	echo "cffconvert==2.0.0" | $(BIN)/uv pip compile - -p 3.11 --generate-hashes --no-header -o requirements-cffconvert.lock
	sed -i '1i # cffconvert (its own virtualenv: it needs jsonschema 3) with hashes. Regenerate with `make lock`.' requirements-cffconvert.lock

clean:
	rm -rf "$$VENV" "$$CFFCONVERT_VENV" build dist .pytest_cache .ruff_cache
