# Two commands a newcomer needs: `make run` and `make test`. Each builds .venv from
# constraints.txt (pinned versions) on a machine that has only Python 3.11 and make.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Prefect on its embedded defaults, kept inside the project and quiet.
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120

.PHONY: run test lint bench bench-flow clean sample-corpus

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test,dask]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/foi run

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/vocabulary_bench.py

# The flow on the 100,000-case scale corpus: cold, unchanged, one changed, Dask, floor (~15-20 min).
bench-flow: $(STAMP)
	$(BIN)/python bench/flow_bench.py

lint: $(STAMP)
	$(BIN)/ruff check pipeline schemas tests bench flows.py

sample-corpus: $(STAMP)
	$(BIN)/python -m pipeline.samples.generate

clean:
	rm -rf $(VENV) .prefect published reports
