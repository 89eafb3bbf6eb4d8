"""``step`` on a witness equals full execution, for random programs of transactions; and a
witness that lies about anything is rejected."""

from __future__ import annotations

import dataclasses
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prozchain.rollup.vm import Deposit, InvalidWitness, Witness, state_root, step
from prozchain.rollup.vm.examples import ESCROW, TOKEN, token_storage
from prozchain.rollup.vm.merkle import KECCAK, Commitment, Proof
from prozchain.rollup.vm.state import addr_int

from .helpers import ALICE, BOB, CAROL, call, machine, run

TOKEN_AT, ESCROW_AT = "0x" + "70" * 20, "0x" + "e5" * 20
KEYS = (ALICE, BOB, CAROL)


def world(scheme: Commitment = KECCAK):
    return machine({TOKEN_AT: TOKEN, ESCROW_AT: ESCROW},
                   token_storage(TOKEN_AT, {k.address: 1_000 for k in KEYS}, scheme), scheme=scheme)


@st.composite
def programs(draw):
    """A batch of random token, escrow and plain transfer calls, with nonces in order."""
    nonces = {k.address: 0 for k in KEYS}
    txs = []
    for _ in range(draw(st.integers(1, 6))):
        key, peer = draw(st.sampled_from(KEYS)), draw(st.sampled_from(KEYS))
        kind = draw(st.sampled_from(["token", "open", "release", "refund", "pay"]))
        args, to, value = {
            "token": ((1, addr_int(peer.address), draw(st.integers(0, 1_500))), TOKEN_AT, 0),
            "open": ((1, addr_int(peer.address), addr_int(CAROL.address)), ESCROW_AT, draw(st.integers(0, 50))),
            "release": ((2, draw(st.integers(0, 3))), ESCROW_AT, 0),
            "refund": ((3, draw(st.integers(0, 3))), ESCROW_AT, 0),
            "pay": ((), peer.address, draw(st.integers(0, 50))),
        }[kind]
        gas = draw(st.sampled_from([2_500, 8_000, 100_000]))  # some run out of gas
        txs.append(call(key, to, *args, value=value, nonce=nonces[key.address], gas=gas,
                        gas_price=draw(st.integers(0, 3))))
        nonces[key.address] += 1
    return txs


@settings(max_examples=25, deadline=None, database=None)
@given(programs(), st.lists(st.integers(1, 100), max_size=2))
def test_step_from_witness_equals_full_execution(txs, amounts):
    check_program(txs, amounts, KECCAK)


def check_program(txs, amounts, scheme: Commitment) -> None:
    """Run a batch of ``txs`` after deposits of ``amounts``; every step's witness gives its next root."""
    ex, genesis = world(scheme)
    deposits = [Deposit(i, KEYS[i].address, a) for i, a in enumerate(amounts)]
    trace = run(ex, genesis, txs, deposits, check_steps=False)
    for i in range(len(trace) + 1):  # one past the end: a halted machine stays put
        witness = Witness.decode(ex.witness(trace.context(i)).encode())
        assert state_root(witness.ctx, scheme) == trace.root(i)
        assert step(witness, scheme) == trace.root(i + 1), f"step {i} of {len(trace)}"


def _a_call_step():
    ex, genesis = world()
    trace = run(ex, genesis, [call(ALICE, ESCROW_AT, 1, addr_int(BOB.address), addr_int(CAROL.address),
                                   value=9)], check_steps=False)
    return ex, trace


def test_tampered_witnesses_are_rejected():
    ex, trace = _a_call_step()
    begin = ex.witness(trace.contexts[0])      # fetches the transaction from the inbox
    sload = next(w for w in (ex.witness(c) for c in trace.contexts) if len(w.proofs) == 2)
    raw, path = begin.item
    forged_item = dataclasses.replace(begin, item=(raw[:-1] + bytes([raw[-1] ^ 1]), path))
    with pytest.raises(InvalidWitness):
        step(forged_item)
    proof = sload.proofs[1]
    lie = Proof(proof.siblings, (proof.leaf[0], proof.leaf[1] + 1) if proof.leaf else (b"\x01" * 32, 5))
    with pytest.raises(InvalidWitness):
        step(dataclasses.replace(sload, proofs=(sload.proofs[0], lie)))
    with pytest.raises(InvalidWitness):
        step(dataclasses.replace(sload, proofs=sload.proofs[:1]))
    with pytest.raises(InvalidWitness):
        step(dataclasses.replace(sload, proofs=sload.proofs + sload.proofs[:1]))


def test_a_lying_context_changes_the_pre_root():
    ex, trace = _a_call_step()
    witness = ex.witness(trace.contexts[3])
    changed = dataclasses.replace(witness.ctx, gas_left=witness.ctx.gas_left + 1)
    assert state_root(changed) != trace.root(3)  # L1 compares this with the agreed root


def test_return_needs_the_suspended_frame():
    callee = "SET r3, 4\nRET r3"
    caller = f"SET r6, {int('c1' * 20, 16)}\nSET r7, 0\nCALL r6, r7, r3\nRET r3"
    ex, genesis = machine({"0x" + "c0" * 20: caller, "0x" + "c1" * 20: callee})
    trace = run(ex, genesis, [call(ALICE, "0x" + "c0" * 20)])
    ret = next(i for i in range(len(trace)) if ex.witness(trace.contexts[i]).popped is not None)
    witness = ex.witness(trace.contexts[ret])
    with pytest.raises(InvalidWitness, match="caller"):
        step(dataclasses.replace(witness, popped=None))
    frame, below = witness.popped
    with pytest.raises(InvalidWitness, match="call stack"):
        step(dataclasses.replace(witness, popped=(dataclasses.replace(frame, pc=frame.pc + 1), below)))


def test_vm_throughput_is_reported(capsys):
    """Token transfers per second of the full executor (roots after every step included)."""
    ex, genesis = world()
    txs = [call(ALICE, TOKEN_AT, 1, addr_int(BOB.address), 1, nonce=n) for n in range(40)]
    started = time.perf_counter()
    trace = run(ex, genesis, txs, check_steps=False)
    roots = [trace.root(i) for i in range(len(trace) + 1)]
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\nVM: {len(txs)} token transfers, {len(trace)} steps, {len(roots)} roots in "
              f"{elapsed:.3f} s: {len(txs) / elapsed:.0f} tx/s, {len(trace) / elapsed:.0f} steps/s")
    assert len(trace) > 20 * len(txs)
