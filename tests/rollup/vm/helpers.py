"""Run transactions on a fresh VM and check every step against the one-step verifier."""

from __future__ import annotations

from prozchain.circuits.testing import assert_rejects
from prozchain.rollup.l1.crypto import Key
from prozchain.rollup.vm import Executor, L2Tx, step
from prozchain.rollup.vm.isa import assemble
from prozchain.rollup.vm.merkle import KECCAK, Commitment

ALICE, BOB, CAROL = (Key.from_seed(s) for s in (b"alice", b"bob", b"carol"))
CONTRACT = "0x" + "c0" * 20
OTHER = "0x" + "c1" * 20


def machine(code: dict | None = None, storage: dict | None = None, balances: dict | None = None,
            scheme: Commitment = KECCAK):
    """An executor and a genesis world with funded keys and the given contracts."""
    ex = Executor(scheme)
    funds = {ALICE.address: 10**18, BOB.address: 10**18, CAROL.address: 10**18}
    funds.update(balances or {})
    world = ex.genesis(funds, {a: (assemble(c) if isinstance(c, str) else c) for a, c in (code or {}).items()},
                       storage or {})
    return ex, world


def run(ex: Executor, world: bytes, txs: list[L2Tx], deposits=(), check_steps: bool = True):
    """The trace of one batch; with ``check_steps`` every step is re-done from its witness."""
    trace = ex.run(ex.start(world, 0, list(deposits), [t.encode() for t in txs]))
    if check_steps:
        for i in range(len(trace)):
            assert step(ex.witness(trace.contexts[i]), ex.scheme) == trace.root(i + 1), f"step {i}"
    return trace


def call(key: Key, to: str, *args: int, value: int = 0, nonce: int = 0, gas: int = 100_000,
         gas_price: int = 0) -> L2Tx:
    return L2Tx(nonce=nonce, to=to, value=value, args=args, gas_limit=gas, gas_price=gas_price).sign(key)


def assert_proves_only_its_root(circuit, inputs: dict) -> None:
    """``circuit`` (a start's, with a ``post_root`` input) accepts ``inputs`` and refuses its
    witness with the post-state root changed."""
    wrong = list(circuit.solve(inputs))
    (wire,) = circuit.signal("post_root").wires
    wrong[wire] += 1
    assert_rejects(circuit, wrong)
