# Gatekeeper developer commands. `make help` lists them.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := FLASK_APP=wsgi.py $(BIN)/flask
HOST ?= 127.0.0.1
PORT ?= 5000
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379
PYTEST_ARGS ?=
# Test processes (pytest-xdist, a file per process at a time: a file's live server starts once).
TEST_WORKERS ?= 2
XDIST = -n $(TEST_WORKERS) --dist loadfile

SHARED_DATA ?= ../shared/data


.PHONY: help run run-prod serve test test-sqlite test-postgres lint format migrate lock i18n-extract i18n-update i18n-compile clean bench bench-cn bench-plates bench-hazard bench-presence bench-gate bench-captures train-chars train-lines

help: ## List the commands
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-nodeps.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -r requirements-nodeps.txt
	touch $@

install: $(VENV)/.installed ## Create the virtualenv and install the pinned requirements

run: install ## Embedded mode: migrate, seed the demo park, serve on http://127.0.0.1:5000
	$(FLASK) db upgrade
	$(FLASK) demo
	@echo "Gatekeeper on http://$(HOST):$(PORT)  (Ctrl-C stops it)"
	@$(FLASK) scheduler & sched=$$!; trap 'kill $$sched 2>/dev/null' EXIT INT TERM; \
	  GATEKEEPER_WARM_MODELS=1 $(BIN)/gunicorn --workers 2 --threads 4 --bind $(HOST):$(PORT) --access-logfile - wsgi:app

run-prod: install ## Production mode here: PostgreSQL, Redis, gunicorn, 2 workers, the scheduler (honcho), demo park
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/run-prod.sh

test: test-postgres test-sqlite ## Whole suite on PostgreSQL, then the embedded-mode tests on SQLite (each run its own database and Redis db)

test-postgres: install
	GK_TEST_DATABASE_URL=$(PG_TEST_URL) GK_TEST_REDIS_URL=$(REDIS_TEST_URL) $(BIN)/pytest $(XDIST) $(PYTEST_ARGS)

test-sqlite: install
	GK_TEST_REDIS_URL=$(REDIS_TEST_URL) $(BIN)/pytest -m embedded $(XDIST) $(PYTEST_ARGS)

bench: bench-cn bench-plates bench-hazard ## OCR benchmarks (JSON and Markdown in bench-results/): plates cn (with peers), us/br, orange plates, one summary table
	$(FLASK) ocr bench-summary bench-results --tanker $(SHARED_DATA)/hazmat/tanker_rear_225_1073.jpg

.benchenv/.installed: requirements-bench.txt requirements-bench-nodeps.txt
	$(PYTHON) -m venv .benchenv
	.benchenv/bin/pip install --quiet -r requirements-bench.txt
	.benchenv/bin/pip install --quiet --no-deps -r requirements-bench-nodeps.txt
	touch $@

bench-cn: install .benchenv/.installed ## Chinese plates: Gatekeeper beside HyperLPR and a generic PP-OCR reading, in one run
	mkdir -p bench-results
	.benchenv/bin/python bench/peers_cn.py $(SHARED_DATA)/plates/cn > bench-results/cn-peers.json
	$(FLASK) ocr bench-cn $(SHARED_DATA)/plates/cn --peers bench-results/cn-peers.json --out bench-results/cn.json

bench-plates: install
	$(FLASK) ocr bench $(SHARED_DATA)/plates/us --formats US --out bench-results/us.json
	$(FLASK) ocr bench $(SHARED_DATA)/plates/br --formats BR --out bench-results/br.json

bench-presence: install ## Occupancy, inventory, roll call and the kiosk/dashboard pages on PostgreSQL at 1 M vs 10 M and 10 k vs 1 M passages (JSON in bench-results/)
	bash .ci/services.sh
	$(BIN)/python bench/presence.py --out bench-results/presence.json
	$(BIN)/python bench/presence.py --sizes 10000,1000000 --sightings 200000 --out bench-results/pages.json

bench-gate: install ## ANPR decisions on PostgreSQL + gunicorn: unloaded, 100/s offered for a minute, saturation, beside pgbench
	bash .ci/services.sh
	$(BIN)/python bench/gate.py --out bench-results/gate.json

bench-captures: install ## Camera frames to decision through Redis and 2 warm flask workers: 1, 2 and 4 lanes at one capture a second each, Chinese then foreign traffic
	bash .ci/services.sh
	PYTHONPATH=. $(BIN)/python bench/captures.py --traffic cn --out bench-results/captures.json
	PYTHONPATH=. $(BIN)/python bench/captures.py --traffic foreign --out bench-results/captures-foreign.json

bench-hazard: install
	$(FLASK) ocr bench-hazard $(SHARED_DATA)/plates/us --count 200 --out bench-results/hazard.json
	$(FLASK) ocr bench-hazard $(SHARED_DATA)/plates/us --count 200 --generator 2 --seed 2 --out bench-results/hazard-gen2.json

train-chars: install ## Retrain the plate-character classifier on generated characters
	$(BIN)/python -m gatekeeper.vision.training.train_chars

train-lines: install ## Fine-tune EasyOCR's recogniser on generated plate rows (about 30 min on 2 cores)
	$(BIN)/python -m gatekeeper.vision.training.train_lines

lint: install ## ruff check, ruff format --check, mypy (strict) on domain, vision, services, web, jobs, adapters
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: install ## Generate a migration from model changes: make migrate MSG="what changed"
	$(FLASK) db migrate -m "$(MSG)"

lock: ## Re-pin requirements.txt from requirements.in (fresh virtualenv)
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install --quiet -r requirements.in
	.lockenv/bin/pip install --quiet --no-deps -r requirements-nodeps.txt
	{ head -2 requirements.txt; .lockenv/bin/pip freeze --exclude-editable | grep -v '^rapidocr-onnxruntime=='; } > requirements.lock.tmp
	mv requirements.lock.tmp requirements.txt && rm -rf .lockenv

i18n-extract: install ## Extract translatable text into gatekeeper/translations/messages.pot
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -o gatekeeper/translations/messages.pot .

i18n-update: i18n-extract ## Merge new messages into the catalogues (then translate them)
	$(BIN)/pybabel update -i gatekeeper/translations/messages.pot -d gatekeeper/translations --no-fuzzy-matching --ignore-obsolete -w 100

i18n-compile: install ## Compile the translation catalogues
	$(BIN)/pybabel compile -d gatekeeper/translations

clean: ## Remove the virtualenv, caches and the embedded database
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache instance
