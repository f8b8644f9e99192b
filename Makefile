# The two commands of the README's quick start: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 4646

.PHONY: install migrate run test bench clean

install: $(VENV)/installed

$(VENV)/installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

migrate: install
	$(BIN)/python -m app.migrate

run: migrate
	$(BIN)/gunicorn -c gunicorn.conf.py --bind $(HOST):$(PORT) wsgi:app

test: migrate
	$(BIN)/python -m pytest

# wrk is the bench's preferred load generator: installed here when missing and
# run as root; without it the bench uses its own Python load generator.
bench: migrate
	command -v wrk >/dev/null || [ "$$(id -u)" != 0 ] || (apt-get update -qq && apt-get install -y -qq wrk) \
		|| echo "wrk could not be installed; the bench uses its Python load generator"
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) instance .pytest_cache
