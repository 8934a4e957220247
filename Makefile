# `make run` and `make test` both create .venv when it is missing and install
# the pinned dependencies from pyproject.toml (again only when it changes).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench screenshot clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(PY) main.py

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen TF_CPP_MIN_LOG_LEVEL=2 CUDA_VISIBLE_DEVICES= $(PY) -m pytest -q

bench: $(STAMP)
	TF_CPP_MIN_LOG_LEVEL=2 $(PY) bench/bench_engine.py

screenshot: $(STAMP)
	QT_QPA_PLATFORM=offscreen TF_CPP_MIN_LOG_LEVEL=2 $(PY) bench/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache
