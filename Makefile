# The two commands of the README, and a few helpers. Each one installs what is missing first.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test setup check-deploy lint messages bench

setup:
	@bash scripts/bootstrap.sh

run: setup
	@$(PY) scripts/devservices.py run

# In parallel on every core; other pytest arguments: make test ARGS="-k audit"
test: setup
	@$(PY) scripts/devservices.py test -n auto $(ARGS)

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
bench: setup
	@$(PY) scripts/devservices.py bench $(ARGS)
