"""The bond ledger: only a bond's controller ends it, every change has a reason, and the totals
are conserved after every step of random sequences of locks, slashes and releases."""

from __future__ import annotations

import random

import pytest

from prozchain.rollup.common.units import ETHER
from prozchain.rollup.economics.bonds import BURN, BondLedger, bonds, conserved, history, kind_tag
from prozchain.rollup.l1 import Chain, Key

KEYS = [Key.from_seed(f"party{i}".encode()) for i in range(4)]


class GasChain(Chain):
    """A chain whose transactions get gas enough for a lock (about 140,000)."""

    def transact(self, *args, **fields):
        fields.setdefault("gas_limit", 300_000)
        return super().transact(*args, **fields)


def fresh() -> tuple[Chain, str]:
    chain = GasChain({k.address: 100 * ETHER for k in KEYS})
    ledger, _ = chain.deploy(KEYS[0], BondLedger)
    return chain, ledger


def test_only_the_controller_ends_a_bond_and_every_change_has_a_reason():
    chain, ledger = fresh()
    owner, controller, other = KEYS[1], KEYS[0], KEYS[2]
    bid = chain.transact(controller, ledger, "lock", owner.address, 500, "exit", "fast exit 3", value=500).return_value
    bond = chain.view(ledger, "bond", bid)
    assert (bond.owner, bond.controller, bond.kind_tag, bond.held, bond.open) == \
        (owner.address.lower(), controller.address.lower(), kind_tag("exit"), 500, True)
    assert not chain.transact(other, ledger, "release", bid, "mine now").status  # not its controller
    assert not chain.transact(owner, ledger, "slash", bid, 1, other.address, "x").status  # the owner neither
    assert not chain.transact(controller, ledger, "release", bid, "").status  # a reason is required
    assert not chain.transact(controller, ledger, "slash", bid, 501, other.address, "too much").status
    assert not chain.transact(controller, ledger, "lock", owner.address, 5, "exit", "short", value=4).status
    before = chain.state.balance(owner.address)
    assert chain.transact(controller, ledger, "release", bid, "exit paid").return_value == 500
    assert chain.state.balance(owner.address) == before + 500
    assert not chain.view(ledger, "bond", bid).open
    assert not chain.transact(controller, ledger, "release", bid, "again").status  # closed
    assert [e.reason for e in history(chain, ledger)] == ["fast exit 3", "exit paid"]
    assert conserved(chain, ledger)


def test_a_bond_slashed_to_nothing_closes():
    chain, ledger = fresh()
    bid = chain.transact(KEYS[0], ledger, "lock", KEYS[1].address, 10, "proposer", "p", value=10).return_value
    assert chain.transact(KEYS[0], ledger, "slash", bid, 5, KEYS[2].address, "half to the winner").status
    assert chain.transact(KEYS[0], ledger, "slash", bid, 5, BURN, "half burnt").status
    assert not chain.view(ledger, "bond", bid).open
    assert not chain.transact(KEYS[0], ledger, "release", bid, "nothing left").status
    (record,) = bonds(chain, ledger, owner=KEYS[1].address, kind="proposer")
    assert (record.amount, record.held, record.slashed, record.released) == (10, 0, 10, 0)
    assert bonds(chain, ledger, kind="exit") == []


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_random_sequences_conserve_the_totals_after_every_step(seed):
    rng = random.Random(seed)
    chain, ledger = fresh()
    open_bonds: dict[int, tuple[Key, int]] = {}  # id -> (controller, held)
    for step in range(30):
        action = rng.choice(["lock", "lock", "slash", "release"]) if open_bonds else "lock"
        if action == "lock":
            controller, owner = rng.choice(KEYS), rng.choice(KEYS)
            amount = rng.randint(1, 10**6)
            receipt = chain.transact(controller, ledger, "lock", owner.address, amount,
                                     rng.choice(["proposer", "exit", "stake"]), f"step {step}", value=amount)
            open_bonds[receipt.return_value] = (controller, amount)
        else:
            bid = rng.choice(sorted(open_bonds))
            controller, held = open_bonds[bid]
            if action == "slash":
                amount = rng.randint(1, held)
                assert chain.transact(controller, ledger, "slash", bid, amount, rng.choice(KEYS).address,
                                      f"step {step}").status, f"seed {seed}"
                open_bonds[bid] = (controller, held - amount)
            else:
                assert chain.transact(controller, ledger, "release", bid, f"step {step}").return_value == held
                open_bonds[bid] = (controller, 0)
            if open_bonds[bid][1] == 0:
                del open_bonds[bid]
        assert conserved(chain, ledger), f"seed {seed}, step {step}"
        assert chain.view(ledger, "totals").held == sum(h for _, h in open_bonds.values())
