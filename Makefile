# `make run` and `make test` both create .venv when it is missing and install
# the pinned dependencies from pyproject.toml (again only when it changes).
# `make run GPU=1` installs TensorFlow's CUDA packages too (NVIDIA GPUs, Linux).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
comma := ,
STAMP := $(VENV)/.installed$(if $(GPU),-gpu)
EXTRAS := test$(if $(GPU),$(comma)gpu)

# Desktop entry for the current user (XDG paths; workbench/entry/desktop_entry.py).
DATA_HOME ?= $(or $(XDG_DATA_HOME),$(HOME)/.local/share)

# Where `make wheel-test` builds and installs the wheel (a fresh venv each time).
WHEEL_DIR ?= dist
WHEEL_VENV ?= $(CURDIR)/.wheel-test

.PHONY: run test bench screenshot install-desktop uninstall-desktop wheel wheel-test clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

run: $(STAMP)
	$(PY) main.py

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen TF_CPP_MIN_LOG_LEVEL=2 CUDA_VISIBLE_DEVICES= $(PY) -m pytest -q --durations=30

bench: $(STAMP)
	TF_CPP_MIN_LOG_LEVEL=2 $(PY) bench/bench_engine.py

screenshot: $(STAMP)
	QT_QPA_PLATFORM=offscreen TF_CPP_MIN_LOG_LEVEL=2 $(PY) bench/screenshots.py

# The application menu entry and icon, for this user, starting this checkout's .venv.
install-desktop: $(STAMP)
	XDG_DATA_HOME=$(DATA_HOME) $(PY) main.py --install-desktop

uninstall-desktop:
	XDG_DATA_HOME=$(DATA_HOME) $(PYTHON) main.py --uninstall-desktop

wheel: $(STAMP)
	rm -rf $(WHEEL_DIR) build
	$(PY) -m pip wheel --quiet --no-deps --wheel-dir $(WHEEL_DIR) .

# The wheel as a user gets it: a fresh venv outside the checkout, no editable
# install; version, a one-epoch training and an off-screen window start from it.
wheel-test: wheel
	rm -rf $(WHEEL_VENV)
	$(PYTHON) -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/python -m pip install --quiet $(WHEEL_DIR)/rcnn_workbench-*.whl
	.ci/wheel_smoke_test $(WHEEL_VENV)

clean:
	rm -rf $(VENV) $(WHEEL_VENV) $(WHEEL_DIR) build .pytest_cache
