# nk-russia-claims: CSV + schemas -> validate -> SQLite -> Datasette / release.
# Every target sets up what it needs: a local virtualenv from the pinned lock file.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DATAPACKAGE ?= datapackage.json
SETUP := $(VENV)/.setup-done

.PHONY: setup validate test lint docs lock clean

setup: $(SETUP)

$(SETUP): requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	touch $@

validate: $(SETUP)
	$(PY) -m scripts.validate $(DATAPACKAGE)

lint: $(SETUP)
	$(VENV)/bin/ruff check scripts tests
	$(VENV)/bin/ruff format --check scripts tests

test: $(SETUP) lint
	$(PY) -m pytest -q

# Rewrites the generated data dictionary in README.md from the Table Schemas.
docs: $(SETUP)
	$(PY) -m scripts.docs --write README.md

# Re-pins every dependency (with hashes) from pyproject.toml.
lock: $(SETUP)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev -p 3.11 --generate-hashes --no-header -o requirements.lock
	sed -i '1i # Pinned dependencies of nk-russia-claims with hashes. Regenerate with `make lock`.' requirements.lock

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
