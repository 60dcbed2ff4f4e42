# GapWatch: `make demo` runs the whole pipeline on the embedded stack; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Quix Streams for `gapwatch bench peers`, in a virtualenv of its own: quixstreams 3.28.1 pins
# confluent-kafka < 2.13 and pydantic < 2.14, and the project needs >= 2.16 and >= 2.14.
QUIX_VENV := .venv-quix
QUIX_STAMP := $(QUIX_VENV)/.installed
# The project's own ranges for what the peer imports of it (the contracts, the warehouse and,
# for --complaints, the classifier).
QUIX_PACKAGES := 'quixstreams==3.28.1' 'clickhouse-connect>=1.12,<2' 'chdb>=4.4,<5' \
	'orjson>=3.13' 'scikit-learn>=1.9,<2' 'rjieba>=0.2.2,<0.3' 'jieba==0.42.1' 'joblib>=1.6'

.PHONY: demo test lint format install clean bench dashboards

install: $(STAMP) $(QUIX_STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall when the dependencies change; the project itself is installed editable.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# The peer finds the project's source through PYTHONPATH; only its dependencies live here.
$(QUIX_STAMP): Makefile
	$(PYTHON) -m venv $(QUIX_VENV)
	$(QUIX_VENV)/bin/python -m pip install --quiet --disable-pip-version-check $(QUIX_PACKAGES)
	touch $(QUIX_STAMP)

demo: $(STAMP)
	$(BIN)/gapwatch demo

# Headless Chromium draws the HTML report in its test; Debian's package, installed once.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium

test: $(STAMP) $(QUIX_STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest

# Speed on this machine, beside the ceilings measured in the same run (minutes, not seconds).
bench: $(STAMP) $(QUIX_STAMP)
	$(BIN)/gapwatch bench pipeline
	$(BIN)/gapwatch bench peers --complaints 24000
	$(BIN)/gapwatch bench warehouse

# Grafana dashboards and alert rules, generated from pipeline/panels (a test fails when stale).
dashboards: $(STAMP)
	$(BIN)/gapwatch grafana generate

# Types too: mypy checks pipeline/ as [tool.mypy] in pyproject.toml says.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf var .pytest_cache .ruff_cache .mypy_cache
