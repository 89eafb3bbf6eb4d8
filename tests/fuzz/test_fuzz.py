"""The bounded fuzz run of ``make test``: ``FUZZ_MUTANTS`` (default 120) mutants of every format
under ``FUZZ_SEED`` (default: fresh, printed with any failure), each batch in a worker process
under a memory and a time bound. ``make fuzz`` runs thousands (:mod:`tests.fuzz.run`)."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from tests.fuzz.corpus import FILES, build
from tests.fuzz.mutators import mutant
from tests.fuzz.run import fuzz, report
from tests.fuzz.targets import TARGETS

SEED = int(os.environ.get("FUZZ_SEED") or random.SystemRandom().randrange(2**32))
MUTANTS = int(os.environ.get("FUZZ_MUTANTS", 120))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("fuzz-corpus"))


@pytest.mark.parametrize("name", TARGETS)
def test_every_mutant_is_refused_or_harmless(name: str, corpus: Path):
    results = fuzz(name, SEED, MUTANTS, corpus)
    assert len(results) == MUTANTS
    assert all(r.passed for r in results), report(results, SEED)


@pytest.mark.parametrize("name", TARGETS)
def test_mutants_replay_from_their_seed_and_index(name: str, corpus: Path):
    original = (corpus / FILES[TARGETS[name].file]).read_bytes()
    first = [mutant(TARGETS[name], original, SEED, i) for i in range(20)]
    assert first == [mutant(TARGETS[name], original, SEED, i) for i in range(20)]
    assert len({m.label for m in first}) > 10  # the operators are spread over the file
