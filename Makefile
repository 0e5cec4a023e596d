# The two commands of the README, and a few helpers. Each one installs what is missing first.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test setup check-deploy lint messages bench bench-conversion bench-simulate bench-proof \
	bench-batch

setup:
	@bash scripts/bootstrap.sh

# The portal as the public meets it: gunicorn, DEBUG off, with the Celery worker and beat.
run: setup
	@$(PY) scripts/devservices.py run

# For developers: the same with Django's runserver, reloading on every change, DEBUG on.
.PHONY: dev
dev: setup
	@$(PY) scripts/devservices.py dev

# In parallel on every core; other pytest arguments: make test ARGS="-k audit"
test: setup
	@$(PY) scripts/devservices.py test -n auto $(ARGS)

# The same without the browser journeys (Playwright and Chromium), for the edit-test loop.
.PHONY: test-fast
test-fast: setup
	@$(PY) scripts/devservices.py test -n auto -m "not browser" $(ARGS)

check-deploy: setup
	@bash scripts/check_deploy.sh

lint: setup
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

# Extract the page strings into locale/zh_Hans (then translate the new entries).
messages: setup
	@$(PY) manage.py makemessages -l zh_Hans --ignore .venv --ignore var --no-obsolete

# The benchmark of the archive and a staff queue at 10 000 and 100 000 learners, in a database of
# its own (creditbank_bench); prints a Markdown table. Larger: make bench ARGS="--learners 1000000"
# Then the conversion lookup at 1 000 institutions, 100 000 courses and 10 000 rules (and at a
# tenth) beside the archive: CONVERSION_ARGS go to manage.py bench_conversion; alone: make
# bench-conversion. Last the what-if simulator (issue 13): a learner with 50 recognised
# achievements at a programme with 200 rules, beside the archive, and the rule engine alone;
# SIMULATE_ARGS go to manage.py bench_simulate; alone: make bench-simulate. Then the proof
# documents (issue 14): transcripts of 1, 5 and 20 pages rendered and signed beside WeasyPrint
# alone, their peak memory, and the verification page beside the archive; PROOF_ARGS go to
# manage.py bench_proof; alone: make bench-proof. Last batch recognition (issue 15): a 100 000-row
# CSV and the same rows as XLSX end to end beside psycopg COPY and calamine alone, and a worker's
# memory on a 1 000 000-row CSV; BATCH_ARGS go to manage.py bench_batch; alone: make bench-batch.
bench: setup
	@$(PY) scripts/devservices.py bench $(ARGS)
	@$(PY) scripts/devservices.py bench-conversion $(CONVERSION_ARGS)
	@$(PY) scripts/devservices.py bench-simulate $(SIMULATE_ARGS)
	@$(PY) scripts/devservices.py bench-proof $(PROOF_ARGS)
	@$(PY) scripts/devservices.py bench-batch $(BATCH_ARGS)

bench-conversion: setup
	@$(PY) scripts/devservices.py bench-conversion $(CONVERSION_ARGS)

bench-simulate: setup
	@$(PY) scripts/devservices.py bench-simulate $(SIMULATE_ARGS)

bench-proof: setup
	@$(PY) scripts/devservices.py bench-proof $(PROOF_ARGS)

bench-batch: setup
	@$(PY) scripts/devservices.py bench-batch $(BATCH_ARGS)

# Pin every Python package with its hashes, after a change to pyproject.toml (which keeps the
# ranges): requirements.lock for the image, requirements-test.lock (the same pins plus the test
# tools) for make setup and CI. Pins that still fit are kept; to move them:
# make lock ARGS="--upgrade" or ARGS="--upgrade-package django".
.PHONY: lock
LOCK_FLAGS := --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	--no-emit-find-links
lock: setup
	@CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile $(LOCK_FLAGS) $(ARGS) \
		--output-file requirements.lock pyproject.toml
	@CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile $(LOCK_FLAGS) $(ARGS) \
		--extra test --constraint requirements.lock --output-file requirements-test.lock pyproject.toml
