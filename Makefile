# Two commands on a fresh machine: `make run` serves the chat page, `make test` runs every test.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000

.PHONY: run serve test test-sqlite test-postgres lint format bench bench-rest bench-search clean

$(PY):
	python3 -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# Writes .env when missing, and adds a SECRET_KEY to an older one; never changes a value.
.env: | $(PY)
	$(PY) -m chat.envfile .env

run: $(VENV)/.runtime .env  ## the development server on http://127.0.0.1:$(PORT)
	$(PY) -m chat.envfile .env
	$(VENV)/bin/flask --app app run --port $(PORT)

# Several workers share events through Redis: REDIS_URL=redis://127.0.0.1:6379/0 WEB_CONCURRENCY=3 make serve
serve: $(VENV)/.runtime .env  ## production-like: gunicorn as in the Procfile
	$(VENV)/bin/gunicorn -c gunicorn.conf.py app:app

# axe-core (pinned in tests/e2e/axe/package-lock.json) for the page's accessibility check.
AXE := tests/e2e/axe/node_modules/axe-core/axe.min.js
$(AXE): tests/e2e/axe/package.json tests/e2e/axe/package-lock.json
	npm ci --prefix tests/e2e/axe --no-audit --no-fund --ignore-scripts
	touch $@

# Every test runs on both backends: SQLite, then PostgreSQL (TEST_POSTGRES_URL, default the local server).
test: test-sqlite test-postgres  ## every test on both backends, browser tests included (needs Debian's chromium and PostgreSQL: see .ci/run)

test-sqlite: $(VENV)/.dev $(AXE)
	TEST_DATABASE=sqlite $(PY) -m pytest

test-postgres: $(VENV)/.dev $(AXE)
	TEST_DATABASE=postgres $(PY) -m pytest

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .

bench: $(VENV)/.dev
	$(PY) bench/run.py

bench-rest: $(VENV)/.dev  ## REST creates/s through gunicorn and the newest page of a 1M-message channel, on both backends
	cd bench && ../$(PY) rest.py --database sqlite && ../$(PY) rest.py --database postgres

bench-search: $(VENV)/.dev  ## message search: first pages, index size, sends/s with and without the index (bench/README.md)
	cd bench && ../$(PY) search_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
