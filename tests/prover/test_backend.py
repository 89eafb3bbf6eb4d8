"""prozchain.prover.set_backend: one process-wide choice of backend."""

from __future__ import annotations

import pytest

from prozchain import native
from prozchain import prover


def test_set_backend_switches(prover_backend):
    assert prover.current_backend() is prover_backend
    prover.set_backend("reference")
    assert prover.current_backend() is native.get_backend("reference")


def test_unknown_backend_is_refused_and_changes_nothing(prover_backend):
    with pytest.raises(native.BackendUnavailable, match="unknown backend 'nope'"):
        prover.set_backend("nope")
    assert prover.current_backend() is prover_backend
