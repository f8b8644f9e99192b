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

bench: migrate
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) instance .pytest_cache
