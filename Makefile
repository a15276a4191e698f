PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared

.PHONY: install test run corpus train evaluate bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Install the package (editable) with every extra into .venv (again only when pyproject.toml changes).
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,notebooks,spark]' > $(VENV)/install.log 2>&1 || (cat $(VENV)/install.log; exit 1)
	@touch $@

# The test suite (what CI runs).
test: install
	$(BIN)/python -m pytest

# Code the bundled synthetic sample notes and print a table.
run: install
	@mkdir -p out
	@$(BIN)/ccm-coder code corpus/samples/sample_notes.jsonl -o out/sample_results.jsonl
	@$(BIN)/ccm-coder show out/sample_results.jsonl

# Rebuild the synthetic corpus (corpus/data/) and its datasheet counts.
corpus: install
	$(BIN)/python -m corpus.build

# Retrain models/ from the corpus (deterministic).
train: install
	@test -f corpus/data/train.jsonl || $(BIN)/python -m corpus.build
	$(BIN)/ccm-coder train --corpus corpus/data --out models

# Accuracy tables of the README: corpus test split, dev notes, real non-CCM notes.
evaluate: install
	@test -f corpus/data/test.jsonl || $(BIN)/python -m corpus.build
	$(BIN)/python -m benchmarks.accuracy --shared $(SHARED)

# Speed and memory benchmarks of the README.
bench: install
	@test -f corpus/data/test.jsonl || $(BIN)/python -m corpus.build
	$(BIN)/python -m benchmarks.steps
	$(BIN)/python -m benchmarks.speed --shared $(SHARED)
	$(BIN)/python -m benchmarks.spark_bench --shared $(SHARED)

lint: install
	$(BIN)/ruff check nlp corpus tests benchmarks

clean:
	rm -rf out .pytest_cache
