# One-command set-up: every target creates the venv and installs the project (C core included).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SOURCES := setup.py pyproject.toml native/build.py native/gen_constants.py $(wildcard native/src/*.c native/src/*.h)

.PHONY: demo test fuzz bench clean

$(STAMP): $(SOURCES)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(STAMP)
	$(BIN)/prozchain demo

test: $(STAMP)
	PROZ_REQUIRE_C=1 $(BIN)/python -m pytest tests

# Mutation fuzzing of every file reader: FUZZ_MUTANTS per format (default 3000), FUZZ_SEED (default fresh)
fuzz: $(STAMP)
	PROZ_REQUIRE_C=1 nice $(BIN)/python -m tests.fuzz.run

bench: $(STAMP)
	$(BIN)/python -m pytest bench --benchmark-only --benchmark-columns=min,median,mean,rounds

clean:
	rm -rf $(VENV) build *.egg-info native/_bn254*.so native/_bn254.c native/_bn254.o native/src/constants.h
