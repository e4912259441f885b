# Set-up and entry points. `make demo` and `make test` each do the whole set-up on a fresh Debian machine
# (Debian packages, a .venv, the project installed) and are quick no-ops on a second run.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# What ruff and mypy check (mypy's own list is `files` in pyproject.toml: the same).
CHECKED := lane devices plates plates_training flows tests benchmarks
# The fonts synthetic plates are drawn with (plates_training/glyph_data.py): the models' training, and the tests
# (tests/plates/test_glyphs.py, test_line_net.py) and benchmarks/plates.py that render plates; the reader needs none.
FONT_PACKAGES := fonts-opendin fonts-roboto-unhinted fonts-open-sans fonts-bebas-neue fonts-dejavu-extra \
	fonts-liberation
# postgresql: the central database of many sites (make central, its tests and benchmark: docs/central.md).
APT_PACKAGES := tesseract-ocr tesseract-ocr-eng chromium postgresql $(FONT_PACKAGES)

.PHONY: demo test quick setup system lint typecheck simulate bench clean central central-stop

demo: setup
	$(BIN)/lane demo

# The gates first, each stopping the run with its tool's message: ruff (lint, then format), mypy (strict); then
# the whole suite. `make quick` is the inner loop: the same gates, then all but the slow integration tests.
# The suite on two processes (pytest-xdist; a module's tests stay together, pyproject's --dist loadscope).
test: setup lint typecheck
	$(BIN)/python -m pytest -q -n 2

quick: setup lint typecheck
	$(BIN)/python -m pytest -q -n 2 -m "not slow"

# The project's modules are byte-compiled as pip compiles an installed package's (an editable install is not),
# so that a command starts without compiling them even where PYTHONDONTWRITEBYTECODE is set; quick when current.
setup: system $(STAMP)
	@$(BIN)/python -m compileall -q lane devices plates plates_training flows >/dev/null

# Debian packages (Tesseract for plates, Chromium for the HTML report's screenshot test, the fonts synthetic plates
# are drawn with): installed only when one is missing, so a second run asks apt nothing.
system:
	@if ! command -v tesseract >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1 || ! dpkg -s fonts-opendin >/dev/null 2>&1 || ! dpkg -s postgresql >/dev/null 2>&1 || \
	    ! $(PYTHON) -c 'import venv, ensurepip' >/dev/null 2>&1; then \
	  echo "installing Debian packages: $(APT_PACKAGES) python3-venv"; \
	  if [ "$$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APT_PACKAGES) python3-venv >/dev/null; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Reinstalled only when pyproject.toml changes. RapidOCR's package is installed for the PP-OCRv6 recogniser's model
# file it carries (plates/ppocr.py) and nothing else: the `ppocr` extra's requirement, read from pyproject.toml and
# installed without its dependencies, which are for its own text detector and would bring opencv-python over the
# headless OpenCV (pip cannot install one extra without dependencies, hence not '.[dev,ppocr]').
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(BIN)/python -m pip install -q --no-deps $$($(BIN)/python -c 'import tomllib; \
	  print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["ppocr"])')
	touch $(STAMP)

lint: setup
	$(BIN)/ruff check $(CHECKED)
	$(BIN)/ruff format --check $(CHECKED)

# The layering (pyproject.toml's [tool.importlinter] contracts): lane over flows, plates and devices, which import
# neither lane nor each other; flows without I/O; `lane run` without the simulators. Part of `make lint` too.
.PHONY: layers
layers: setup
	$(BIN)/lint-imports
lint: layers

typecheck: setup
	$(BIN)/mypy

simulate: setup
	$(BIN)/lane simulate --hours 8 --lanes 4

bench: setup
	$(BIN)/python -m benchmarks.simulate

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

# The central database of many sites (docs/central.md): a local PostgreSQL cluster under var/central (initdb and
# pg_ctl of Debian's postgresql package, run as the postgres user when root), on 127.0.0.1:$(CENTRAL_PORT) and a
# unix socket in var/central/run, with the migrations applied; `make central-stop` stops it.
CENTRAL_PORT ?= 5544
central: setup
	$(BIN)/python -m lane.central.cluster start var/central $(CENTRAL_PORT)

central-stop:
	$(BIN)/python -m lane.central.cluster stop var/central $(CENTRAL_PORT)
