# Noumaris: `make run` serves the app with demo data; `make test` runs the suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test lint format migrate clean

# The packages go in with uv (pinned below), which keeps every wheel it has fetched in
# its cache (~/.cache/uv) and links them into a new venv: a fresh clone's venv takes
# seconds once the machine has seen the pins, where pip fetched them all again.
UV_VERSION := 0.13.9

# Python's own default: each module compiled once, its bytecode kept beside it (in
# __pycache__, ignored by git), not compiled again by every process. A machine that sets
# PYTHONDONTWRITEBYTECODE (this one does) made every server, worker and management
# command the suite starts compile Django and the app anew: ~2 s of CPU each.
unexport PYTHONDONTWRITEBYTECODE
UV := $(VENV)/bin/uv

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	test -x $(UV) || $(PY) -m pip install --quiet uv==$(UV_VERSION)
	$(UV) pip install --quiet --python $(PY) -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(UV) pip install --quiet --python $(PY) -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 $(PY) manage.py seed_features
	DJANGO_DEBUG=1 $(PY) manage.py seed_demo
	DJANGO_DEBUG=1 $(PY) manage.py seed_templates
	DJANGO_DEBUG=1 $(PY) manage.py seed_teaching_demo
	@# A task worker per queue beside the server (drafts; uploads' transcription;
	@# e-mails and the periodic upkeep, whose clock runs on the drafts worker). All
	@# run in the background of this shell, which waits: Ctrl-C, or the server's
	@# exit, stops them all. The sign-ins are printed once the server answers.
	PORT=$(PORT) DJANGO_DEBUG=1 $(PY) manage.py run_worker --queue-name drafts & drafts=$$!; \
	PORT=$(PORT) DJANGO_DEBUG=1 $(PY) manage.py run_worker --queue-name transcription --no-periodic & uploads=$$!; \
	PORT=$(PORT) DJANGO_DEBUG=1 $(PY) manage.py run_worker --queue-name email,default --no-periodic & mail=$$!; \
	worker="$$drafts $$uploads $$mail"; \
	PORT=$(PORT) DJANGO_DEBUG=1 $(PY) -m daphne -v 0 -b 127.0.0.1 -p $(PORT) noumaris.asgi:application & server=$$!; \
	trap 'kill $$worker $$server 2>/dev/null; wait' INT TERM; \
	for _ in $$(seq 1 120); do \
	  $(PY) -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$(PORT)/health', timeout=1)" 2>/dev/null && break; \
	  kill -0 $$server 2>/dev/null || break; sleep 0.5; \
	done; \
	echo ""; \
	echo "  Noumaris is running at http://localhost:$(PORT)"; \
	echo "  Demo sign-ins (password: noumaris-demo): superadmin, admin, admin2, attending,"; \
	echo "  resident, resident2, riverside-admin, riverside-resident, physician"; \
	echo ""; \
	wait $$server; kill $$worker 2>/dev/null; wait

# In parallel (pytest-xdist), two workers a core and one more: much of the suite
# waits on child servers, workers and Chromium, and a busy machine shares its cores
# by runnable process, so more workers keep the suite's share of them. Measured on
# fresh clones, 2 cores, beside `stress-ng --cpu 2`: 3 workers 853 s (51d053d),
# 5 workers 733 s (ca3d7d3); quiet, 3 workers took 448-548 s. Each worker has its
# own test database, copied from one migrated template, and its own Redis database
# (tests/parallel.py); the tests that share a server stay on one worker
# (xdist_group). The slowest ten are listed.
# TEST_WORKERS sets the number; PYTEST_ARGS adds to it, e.g.
# PYTEST_ARGS="-n 0 tests/noumaris" for one process.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) * 2 + 1 )))
test: $(VENV)/.dev
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadgroup --durations=10 $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-logo

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache
