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

# One pytest-xdist worker per core (WORKERS=0: no workers, one process); tests/conftest.py says how
# tests are shared out. The suite starts hundreds of Python processes (CLI runs, journeys, fuzz
# and dask workers): they keep their compiled bytecode, in the venv, even where the environment
# says not to write it, rather than each compiling the package again.
WORKERS ?= auto
test: $(STAMP)
	env -u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX=$(abspath $(VENV))/pycache PROZ_REQUIRE_C=1 \
		$(BIN)/python -m pytest tests -n $(WORKERS) --dist loadgroup

# Mutation fuzzing of every file reader: FUZZ_MUTANTS per format (default 3000), FUZZ_SEED (default fresh)
fuzz: $(STAMP)
	PROZ_REQUIRE_C=1 nice $(BIN)/python -m tests.fuzz.run

bench: $(STAMP)
	$(BIN)/python -m pytest bench --benchmark-only --benchmark-columns=min,median,mean,rounds

clean:
	rm -rf $(VENV) build *.egg-info native/_bn254*.so native/_bn254.c native/_bn254.o native/src/constants.h
