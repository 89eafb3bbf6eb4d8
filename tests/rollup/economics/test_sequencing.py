"""The sequencer set on L1: a stake-weighted schedule seeded by an L1 block hash nobody knew
when the members joined, backups after a silent
leader's timeout, batches forwarded to the rollup's inbox against the poster's arrival stream,
and disputes that slash (through the bond ledger) and jail on a contradicted receipt."""

from __future__ import annotations

from collections import Counter

import pytest

from prozchain.rollup.common.merkle import list_root
from prozchain.rollup.common.units import ETHER
from prozchain.rollup.economics.bonds import BURN, BondLedger, bonds, conserved, history
from prozchain.rollup.economics.ordering import GENESIS_PREFIX, ArrivalReceipt, chain_over
from prozchain.rollup.economics.sequencing import SequencerSet, ranking
from prozchain.rollup.l1 import Chain, Key, keccak256
from prozchain.rollup.l1.token import NO_BANK
from prozchain.rollup.optimistic.contracts.portal import Portal
from prozchain.rollup.vm.codec import pack_batch
from prozchain.rollup.vm.tx import L2Tx

KEYS = {n: Key.from_seed(f"set-{n}".encode()) for n in ("deployer", "a", "b", "c", "claimant")}
SLOT, EPOCH, BACKUP, WINDOW = 60, 10, 20, 3_600
GAS = 1_000_000
GENESIS: dict[str, int] = {}  # gate -> the L1 time its slot 0 starts


def world(stakes: dict[str, int], backup: int = BACKUP, policy: str = "fcfs") -> tuple[Chain, str, str, str]:
    """A set with ``stakes`` (name -> wei) joined before its genesis, linked to an optimistic portal."""
    chain = Chain({k.address: 100 * ETHER for k in KEYS.values()})
    deployer = KEYS["deployer"]
    ledger, _ = chain.deploy(deployer, BondLedger)
    gate, _ = chain.deploy(deployer, SequencerSet, ledger, chain.time + SLOT, SLOT, EPOCH, backup, ETHER, policy)
    GENESIS[gate] = chain.time + SLOT
    portal, _ = chain.deploy(deployer, Portal, gate, NO_BANK, WINDOW, ledger, 10**30, 10_000)
    chain.transact(deployer, gate, "link", portal)
    for name, stake in stakes.items():
        assert chain.transact(KEYS[name], gate, "join", value=stake, gas_limit=GAS).status
    draw(chain, gate)
    chain.advance_time(SLOT)
    return chain, ledger, gate, portal


def draw(chain: Chain, gate: str) -> None:
    """Schedule the current epoch's seed block (epoch 0 before genesis) and let it be mined."""
    assert chain.transact(KEYS["deployer"], gate, "draw_seed", gas_limit=GAS).status
    chain.mine()


def name_of(address: str) -> str:
    return next(n for n, k in KEYS.items() if k.address == address)


def at_slot(chain: Chain, gate: str, slot: int, into: int = 0) -> list[str]:
    """Move L1 to ``into`` seconds into ``slot`` (a transaction is mined at once, at that time);
    the slot's ranking by name."""
    chain.advance_time(GENESIS[gate] + slot * SLOT + into - chain.time)
    if not chain.view(gate, "seed_of", slot // EPOCH):  # nobody posted in the epoch before
        draw(chain, gate)
    return [name_of(a) for a in chain.view(gate, "leaders", slot)]


def post(chain: Chain, gate: str, who: str, hashes: list[bytes], head: bytes):
    return chain.transact(KEYS[who], gate, "post_batch", b"batch data", list_root(hashes, keccak256),
                          len(hashes), head, gas_limit=GAS)


def test_ranking_is_weighted_by_stake_and_deterministic():
    stakes = [("0xa", 6), ("0xb", 3), ("0xc", 1)]
    firsts = Counter(ranking(i.to_bytes(4, "big"), stakes)[0] for i in range(3_000))
    assert firsts["0xa"] > firsts["0xb"] > firsts["0xc"] > 0
    assert abs(firsts["0xa"] / 3_000 - 0.6) < 0.05
    assert ranking(b"seed", stakes) == ranking(b"seed", stakes)
    assert ranking(b"seed", []) == []


def test_schedule_is_agreed_on_l1_and_joins_count_from_the_next_epoch():
    chain, _, gate, _ = world({"a": 3 * ETHER, "b": ETHER})
    first = chain.view(gate, "leaders", 0)
    assert sorted(map(name_of, first)) == ["a", "b"] and chain.view(gate, "leaders", 0) == first
    chain.transact(KEYS["c"], gate, "join", value=ETHER, gas_limit=GAS)
    assert all("c" not in map(name_of, chain.view(gate, "leaders", s)) for s in range(EPOCH))
    at_slot(chain, gate, EPOCH * 3)
    assert all("c" in map(name_of, chain.view(gate, "leaders", s)) for s in range(EPOCH * 3, EPOCH * 3 + 3))
    below = chain.transact(KEYS["claimant"], gate, "join", value=ETHER // 2, gas_limit=GAS)
    assert not below.status and "at least" in below.error


def test_a_silent_leader_is_skipped_after_the_timeout():
    chain, _, gate, portal = world({"a": 2 * ETHER, "b": ETHER, "c": ETHER})
    ranks = at_slot(chain, gate, 2)
    leader, backup, last = ranks
    early = post(chain, gate, backup, [], GENESIS_PREFIX)
    assert not early.status and "turn" in early.error
    at_slot(chain, gate, 2, BACKUP)
    assert not post(chain, gate, last, [], GENESIS_PREFIX).status  # rank 2 waits two timeouts
    assert post(chain, gate, backup, [], GENESIS_PREFIX).status
    assert [(s, name_of(who)) for _, log in chain.logs(gate, "Skipped") for s, who in [log.args]] == [(2, leader)]
    assert chain.view(portal, "batch_count") == 1


def test_without_backups_only_the_first_ever_posts():
    chain, _, gate, _ = world({"a": ETHER, "b": ETHER}, backup=0)
    leader, backup = at_slot(chain, gate, 1, SLOT - 13)
    assert not post(chain, gate, backup, [], GENESIS_PREFIX).status
    assert post(chain, gate, leader, [], GENESIS_PREFIX).status


def honest_stream(n: int, deadline: int = 10**9) -> tuple[list[bytes], list[ArrivalReceipt]]:
    hashes = [keccak256(b"tx%d" % i) for i in range(n)]
    prefixes = chain_over(GENESIS_PREFIX, hashes)
    return hashes, [ArrivalReceipt("", i, h, p, 0, deadline) for i, (h, p) in enumerate(zip(hashes, prefixes))]


def dispute(chain: Chain, gate: str, batch: int, receipt: ArrivalReceipt, signer: str, leaves: list[bytes]):
    receipt = receipt._replace(gate=gate)
    return chain.transact(KEYS["claimant"], gate, "dispute", batch, receipt.seq, receipt.tx_hash, receipt.prefix,
                          receipt.bid, receipt.deadline, list(receipt.sign(KEYS[signer])), leaves, gas_limit=GAS)


def solo(policy: str = "fcfs") -> tuple[Chain, str, str, str]:
    chain, ledger, gate, portal = world({"a": 2 * ETHER}, backup=0, policy=policy)
    at_slot(chain, gate, 1)
    return chain, ledger, gate, portal


def test_an_honest_stream_cannot_be_disputed():
    chain, _, gate, _ = solo()
    hashes, receipts = honest_stream(5)
    assert post(chain, gate, "a", hashes[:3], chain_over(GENESIS_PREFIX, hashes)[2]).status
    assert post(chain, gate, "a", hashes[3:], chain_over(GENESIS_PREFIX, hashes)[4]).status
    assert chain.view(gate, "record", 1).first_seq == 3
    for r in receipts:
        batch = 0 if r.seq < 3 else 1
        result = dispute(chain, gate, batch, r, "a", hashes[:3] if batch == 0 else hashes[3:])
        assert not result.status and "keeps the receipt's promise" in result.error


def test_a_reorder_slashes_and_jails_the_poster():
    chain, ledger, gate, _ = solo()
    hashes, receipts = honest_stream(3)
    front_run = [keccak256(b"own"), *hashes]
    assert post(chain, gate, "a", front_run, chain_over(GENESIS_PREFIX, front_run)[-1]).status
    # a forged batch content, and a receipt someone else signed, prove nothing
    assert "not the batch's transactions" in dispute(chain, gate, 0, receipts[1], "a", hashes + [bytes(32)]).error
    assert "not the poster's" in dispute(chain, gate, 0, receipts[1], "b", front_run).error
    result = dispute(chain, gate, 0, receipts[1], "a", front_run)
    assert result.status and result.return_value == "reordered"
    assert chain.view(gate, "jailed", KEYS["a"].address)
    slashes = [(e.party, e.amount) for e in history(chain, ledger) if e.action == "slash"]
    assert slashes == [(KEYS["claimant"].address, ETHER), (BURN, ETHER)]
    assert bonds(chain, ledger)[0].held == 0 and conserved(chain, ledger)
    assert "slashed already" in dispute(chain, gate, 0, receipts[2], "a", front_run).error
    assert chain.view(gate, "leaders", 5) == []


def test_censorship_past_the_deadline_is_slashed():
    chain, _, gate, _ = solo()
    hashes, receipts = honest_stream(3, deadline=chain.time + 100)
    assert post(chain, gate, "a", hashes[:2], chain_over(GENESIS_PREFIX, hashes)[1]).status
    assert "keeps" in dispute(chain, gate, 0, receipts[2], "a", hashes[:2]).error  # not due yet
    chain.advance_time(SLOT * 2)
    assert post(chain, gate, "a", [], chain_over(GENESIS_PREFIX, hashes)[1]).status
    result = dispute(chain, gate, 1, receipts[2], "a", [])
    assert result.status and result.return_value == "censored"


@pytest.mark.parametrize("honest", [True, False])
def test_auction_pair_dispute(honest):
    chain, _, gate, _ = solo("priority-auction")
    hashes = [keccak256(b"low"), keccak256(b"high")]
    low, high = (ArrivalReceipt(gate, i, h, bytes(32), bid, 10**9) for i, (h, bid) in enumerate(zip(hashes, [1, 9])))
    order = [hashes[1], hashes[0]] if honest else hashes
    assert post(chain, gate, "a", order, bytes(32)).status

    def sig(r):
        return list(r.sign(KEYS["a"]))
    result = chain.transact(KEYS["claimant"], gate, "dispute_pair", 0, [low.seq, low.bid, low.deadline],
                            [low.tx_hash, low.prefix], sig(low), [high.seq, high.bid, high.deadline],
                            [high.tx_hash, high.prefix], sig(high), order, gas_limit=GAS)
    assert result.status is not honest
    assert chain.view(gate, "jailed", KEYS["a"].address) is not honest


def test_forced_transactions_go_in_through_whoever_leads():
    """Forced inclusion is the inbox's: the leader includes a forced transaction through the set
    (its stream does not move); after the sequencing window anyone does, at the inbox."""
    chain, _, gate, portal = world({"a": ETHER, "b": ETHER})
    user = Key.from_seed(b"forcing user")
    raw = L2Tx(0, user.address, 0).sign(user).encode()
    assert chain.transact(KEYS["claimant"], portal, "force_transaction", raw, gas_limit=GAS).status
    leader, backup = at_slot(chain, gate, 1)
    assert not chain.transact(KEYS[backup], gate, "post_forced_batch", pack_batch([raw]), gas_limit=GAS).status
    assert chain.transact(KEYS[leader], gate, "post_forced_batch", pack_batch([raw]), gas_limit=GAS).status
    assert chain.view(gate, "stream", KEYS[leader].address) == (0, GENESIS_PREFIX)
    assert chain.view(portal, "forced_status") == (1, 1)


def test_a_member_leaves_from_the_next_epoch_and_withdraws_after_unbonding():
    chain, ledger, gate, _ = world({"a": ETHER, "b": 2 * ETHER})
    a = KEYS["a"].address
    assert chain.transact(KEYS["a"], gate, "leave", gas_limit=GAS).status
    assert a in chain.view(gate, "leaders", 1)  # this epoch's schedule stands
    at_slot(chain, gate, EPOCH + 1)
    assert a not in chain.view(gate, "leaders", EPOCH + 1)
    early = chain.transact(KEYS["a"], gate, "withdraw_stake", gas_limit=GAS)
    assert not early.status and "unbonding" in early.error
    chain.advance_time(2 * EPOCH * SLOT)
    assert chain.transact(KEYS["a"], gate, "withdraw_stake", gas_limit=GAS).return_value == ETHER
    assert [(e.action, e.reason) for e in history(chain, ledger) if e.bond_id == 1][-1] == \
        ("release", "left the sequencer set")
    assert not chain.transact(KEYS["a"], gate, "withdraw_stake", gas_limit=GAS).status
    assert not chain.transact(KEYS["b"], gate, "withdraw_stake", gas_limit=GAS).status  # never left
    assert conserved(chain, ledger)


def test_a_skip_is_recorded_once_per_slot():
    chain, _, gate, _ = world({"a": ETHER, "b": ETHER})
    _, backup = at_slot(chain, gate, 3, BACKUP)
    for _ in range(2):
        assert post(chain, gate, backup, [], GENESIS_PREFIX).status
    assert len(chain.logs(gate, "Skipped")) == 1


def test_a_member_cannot_choose_its_slot():
    """Until the epoch's seed block exists nobody can compute its rankings; a key that joins
    once the seed block is known (say, ground to lead a slot) is not in that epoch's draw; a
    member leaving after the seed block does not redraw the others; and the same members,
    joined alike, rank differently when the seed block differs (the seed is not just the set,
    the epoch and the slot)."""
    chain, _, gate, _ = world({"a": ETHER, "b": ETHER})
    slot = EPOCH + 2
    chain.advance_time(GENESIS[gate] + EPOCH * SLOT - chain.time)
    assert chain.view(gate, "seed_of", 1) == b"" and not chain.view(gate, "may_post", KEYS["a"].address, chain.time)
    assert not chain.transact(KEYS["deployer"], gate, "leaders", slot, gas_limit=GAS).status  # not computable yet
    assert chain.transact(KEYS["deployer"], gate, "draw_seed", gas_limit=GAS).status
    assert chain.view(gate, "seed_of", 1) == b""  # its block is the next one
    chain.mine()
    assert chain.view(gate, "seed_of", 1) != b""
    ranks = [name_of(m) for m in chain.view(gate, "leaders", slot)]
    assert chain.transact(KEYS["c"], gate, "join", value=5 * ETHER, gas_limit=GAS).status  # the seed is known now
    assert [name_of(m) for m in chain.view(gate, "leaders", slot)] == ranks  # c waits for a later draw
    assert chain.transact(KEYS[ranks[0]], gate, "leave", gas_limit=GAS).status
    assert [name_of(m) for m in chain.view(gate, "leaders", slot)] == ranks  # out from the next epoch only
    orders = set()
    for extra in range(8):  # other L1 traffic in the seed block: another hash, another draw
        chain, _, gate, _ = world({"a": ETHER, "b": ETHER})
        chain.advance_time(GENESIS[gate] + EPOCH * SLOT - chain.time)
        chain.transact(KEYS["deployer"], gate, "draw_seed", gas_limit=GAS)
        chain.transact(KEYS["claimant"], KEYS["claimant"].address, value=extra, gas_limit=GAS)  # mines the seed block
        orders.add(tuple(name_of(chain.view(gate, "leaders", s)[0]) for s in range(EPOCH, 2 * EPOCH)))
    assert len(orders) > 1
