"""A day of fee-paying traffic on each layer, accounted to the wei: the ``fee-accounting``
scenario's engine and ``prozchain measure fees``.

Each layer runs on its own reference L1 whose prices move with L1 traffic (:func:`weather`):

- **optimistic**: users' transfers and withdrawals, priced by the
  :class:`~prozchain.rollup.economics.FeeModel` (a gas price covering the quote), one batch an
  hour posted by the sequencer (``post_batch`` calldata, or a blob) and derived by a node that
  runs the VM, whose fees land in ``FEE_VAULT``; the proposer posts the batch's output. L1 cost:
  both transactions. The vault's program (:func:`~prozchain.rollup.vm.examples.fee_vault_genesis`)
  pays the ledger's recipients every ``settle_every`` hours; they hold withdrawable L2 value.
  At hour ``dispute_at`` (the middle of the day by default) a rogue proposer posts a wrong output
  for the hour's batch instead; a challenger disputes it on L1, the rogue does not answer and
  loses on its clock (:data:`DISPUTE_CLOCK`), and the challengers' pool pays the winner what it
  holds, through the vault, before the day ends; the honest proposer posts the batch again.
- **zk**: deposits, then transfers and withdrawals whose fee field covers the quote; the
  operator's :class:`~prozchain.rollup.zk.agents.Pipeline` refuses underpaid ones, seals, proves
  and submits a batch every ``zk_every`` hours. L1 cost: the submission (data and proof
  verification). The contract credits the fees to the operator; it claims them, burns the
  burned part on L1 and keeps its roles' shares.
- **sidechain**: one block an hour by the stake-weighted proposer (or, when it misses, the next
  round's), VM transactions as on the optimistic rollup, a checkpoint signed by the validators
  every ``checkpoint_every`` blocks. L1 cost: the checkpoint (headers and signatures). The
  validators' share is paid per staking epoch through ``Staking.reward_epoch``, by stake and less
  the blocks each missed, counted on L1 from the epoch's checkpoint (paid once a later epoch's
  checkpoint shows the epoch is whole); the distributor fronts it on L1 and the vault repays it
  on L2.

After every step the ledger balances (paid = distributed + burned) and the layer's fee pot holds
exactly what the ledger has not paid out yet. :class:`Day` keeps the per-batch L1 costs
(:class:`~prozchain.rollup.economics.BatchCost`) and what each transfer paid.

>>> day = run_day("optimistic", seed=1, hours=3)
>>> day.ledger.balanced(), all(day.pot_ok), len(day.pricer.batches)
(True, True, 3)
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from typing import Callable, Optional, Sequence

from prozchain.circuits.gadgets.eddsa import public_key
from prozchain.cli import UsageError
from prozchain.circuits.txtypes import Tx, sign_tx
from prozchain.rollup.common.units import ETHER, GWEI, readable
from prozchain.rollup.economics import (BATCHER, BURN, CHALLENGERS, PROPOSER, PROVER, ROLLUP_SPLIT, SEQUENCER,
                                        SIDECHAIN_SPLIT, VALIDATORS, ZK_SPLIT, BaseFeeRule, Charge, FeeLedger,
                                        FeeModel, FeeTooLow, L1Prices, L1Pricer, Quote, epoch_rewards)
from prozchain.rollup.economics.fees import CALLDATA, PPM, estimated_size_scaled
from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.l1.chain import Receipt
from prozchain.rollup.optimistic.node import Genesis as RollupGenesis
from prozchain.rollup.optimistic.node import L2Node
from prozchain.rollup.optimistic.contracts.outputs import CHALLENGER_WON
from prozchain.rollup.optimistic.system import Config as RollupConfig
from prozchain.rollup.optimistic.system import deploy as deploy_optimistic
from prozchain.rollup.sidechain.contracts.staking import block_counts
from prozchain.rollup.sidechain.node.chain import ChainState, ValidatorSet
from prozchain.rollup.sidechain.node.chain import Genesis as SideGenesis
from prozchain.rollup.sidechain.node.checkpoint import Checkpoint
from prozchain.rollup.sidechain.system import Config as SideConfig
from prozchain.rollup.sidechain.system import build as build_sidechain
from prozchain.rollup.vm import BRIDGE, INTRINSIC_GAS, Executor, L2Tx, inbox_roots
from prozchain.rollup.vm.codec import pack_batch
from prozchain.rollup.vm.examples import FEE_VAULT_ADDRESS, fee_vault_genesis
from prozchain.rollup.zk.agents import SLOT_GAS, WITHDRAW_L1_GAS, Pipeline
from prozchain.rollup.zk.system import UNIT, circuit_and_key
from prozchain.rollup.zk.system import deploy as deploy_zk

HOUR = 3_600
LAYERS = ("optimistic", "zk", "sidechain")
USERS = 4
ZK_EQUILIBRATION = 200  # units: about one batch's
ZK_WITHDRAW_RATE = 0.25
ZK_USERS = 2  # their deposits fill one batch of the 2-slot circuit before the day starts
TOLERANCE_BPS = 1_000  # the pricer has converged when the day's surplus is within 10% of its L1 cost
PRIORITY_FEES = (0, 0, GWEI // 1_000, GWEI // 200)  # wei per gas users add
L1_GAS_LIMIT = 3_000_000  # a small L1 block, so other users' traffic is cheap to simulate
L1_TIP = GWEI // 100
DISPUTE_CLOCK = HOUR // 2  # each side's clock in the day's disputes: a silent defender loses within the hour
INERTIA = 3  # Arbitrum damps by 10; a day of a few dozen batches needs a quicker response  # the priority fee every L1 transaction of the day offers


@lru_cache(maxsize=None)
def vault_call_gas() -> int:
    """The gas a vault payout uses (a fixed path through its program), measured once on a
    scratch machine: sent with exactly this limit, a payout is charged its whole limit, so its
    charge is known before it runs."""
    payer = Key.from_seed(b"fees-gas-probe")
    code, storage = fee_vault_genesis(payer.address)
    ex = Executor()
    world = ex.genesis({payer.address: ETHER, FEE_VAULT_ADDRESS: 1}, code, storage)
    raw = L2Tx(0, FEE_VAULT_ADDRESS, 0, args=(1, int(payer.address, 16), 1), gas_limit=100_000, gas_price=1).sign(payer)
    after = ex.run(ex.start(world, 0, [], [raw.encode()])).final.world
    return ETHER + 1 - ex.balance(after, payer.address)


def send(chain: Chain, key: Key, to: str, method: Optional[str] = None, *args, **fields) -> Receipt:
    """An L1 transaction with room for any base fee the day reaches."""
    fields.setdefault("gas_limit", 1_000_000)
    return chain.transact(key, to, method, *args, max_fee_per_gas=1_000 * GWEI, max_priority_fee_per_gas=L1_TIP,
                          **fields)


def weather(chain: Chain, spammer: Key, rng: random.Random, level: list[int]) -> None:
    """An hour of other L1 users: the demand ``level`` (a base fee, wei) takes a random walk,
    and a few blocks, full when the base fee is below it and nearly empty when above, pull the
    base fee toward it; then the hour passes."""
    level[0] = min(max(int(level[0] * rng.lognormvariate(0, 0.1)), GWEI // 4), 4 * GWEI)
    target = chain.gas_limit // 2
    for _ in range(rng.randint(2, 4)):
        gas = int(target * (rng.uniform(1.5, 1.95) if chain.next_base_fee() < level[0] else rng.uniform(0.1, 0.5)))
        send(chain, spammer, "0x" + "77" * 20, data=b"\x01" * ((gas - 21_000) // 16), gas_limit=gas + 1_000)
    chain.advance_time(HOUR)


def priced(model: FeeModel, sign: Callable[[int], bytes], gas: int, l1: L1Prices, priority_fee: int,
           granularity: int, l1_gas: int = 0) -> tuple[bytes, Quote, int]:
    """Sign a transaction whose fee (``sign``'s argument, in units of ``granularity`` wei: a gas
    price, or the ZK fee field) covers the quote of its own signed bytes: ``(raw, quote, charge)``,
    the charge being within one unit above the quote."""
    units = 0
    for _ in range(4):  # the fee's own digits change the bytes a little: settle in a step or two
        raw = sign(units)
        quote = model.quote(raw, gas, l1, priority_fee, l1_gas)
        if units * granularity >= quote.total:
            return raw, quote, units * granularity
        units = -(-quote.total // granularity)
    raise FeeTooLow(f"no fee settles for a transaction quoted at {quote.total} wei")


@dataclass
class Day:
    """One layer's day: its fee model, pricer and ledger, and what was checked after each step."""

    layer: str
    model: FeeModel
    pricer: L1Pricer
    ledger: FeeLedger
    quotes: list[tuple[int, int, int]] = field(default_factory=list)  # (quote, charge, granularity) of each tx
    transfers: list[Charge] = field(default_factory=list)  # each transfer's split
    pot_ok: list[bool] = field(default_factory=list)
    balanced: list[bool] = field(default_factory=list)
    refused: int = 0  # underpaid transactions the sequencer refused
    refused_ok: bool = True  # ... and every underpaid one was refused
    l1_ok: bool = True  # every operator transaction on L1 succeeded and every admitted one applied
    burn_executed: int = 0  # burned value that has left the pot
    rewards: list[tuple[int, dict[str, int], int]] = field(default_factory=list)  # (epoch, rewards, withheld)
    checks: dict[str, bool] = field(default_factory=dict)  # the layer's own end-of-day checks
    chain: Optional[Chain] = None  # the layer's L1

    def checked(self, pot: int) -> None:
        """After a step: the ledger balances and the pot holds what it has not paid out."""
        self.balanced.append(self.ledger.balanced())
        self.pot_ok.append(pot == self.ledger.paid - sum(self.ledger.settled.values()) - self.burn_executed)

    def posted(self, batch: int, units: int, posted_bytes: int, collected: int, cost: int, l1: L1Prices) -> None:
        """Record a batch's L1 cost and move the data-fee scalar."""
        self.pricer.record(batch, len(self.quotes), units, posted_bytes, collected, cost, l1)
        self.model.scalar = self.pricer.scalar

    @property
    def quote_bound_ok(self) -> bool:
        """Every charge is its quote rounded up to the layer's granularity."""
        return all(0 <= charge - quote < granularity for quote, charge, granularity in self.quotes)

    @property
    def deficit(self) -> int:
        """The operator's unrecovered L1 cost beyond the pricer's tolerance (wei; 0 if none)."""
        return max(0, -self.pricer.surplus - self.pricer.cost * TOLERANCE_BPS // 10_000)


# -- the VM layers: optimistic rollup and sidechain ---------------------------------------------------
@dataclass
class VmTraffic:
    """Users and a distributor on a VM layer: signing priced transactions, paying out the vault."""

    day: Day
    users: list[Key]
    distributor: Key
    rng: random.Random
    nonces: dict[str, int] = field(default_factory=dict)
    pending: dict[str, int] = field(default_factory=dict)  # payouts sent, not yet seen applied
    chain_id: Optional[int] = None

    def _tx(self, key: Key, to: str, value: int, gas: int, args: tuple = (), priority_fee: int = 0,
            l1: Optional[L1Prices] = None, underpay: bool = False) -> tuple[bytes, Quote, int]:
        nonce = self.nonces.get(key.address, 0)
        extra = {} if self.chain_id is None else {"chain_id": self.chain_id}

        def sign(price: int) -> bytes:
            return L2Tx(nonce, to, value, args=args, gas_limit=gas, gas_price=price, **extra).sign(key).encode()
        if underpay:
            raw = sign(1)
            return raw, self.day.model.quote(raw, gas, l1, priority_fee), gas
        raw, quote, _ = priced(self.day.model, sign, gas, l1, priority_fee, gas)
        return raw, quote, gas * L2Tx.decode(raw).gas_price

    def hour(self, l1: L1Prices) -> list[tuple[bytes, Quote, int, bool]]:
        """This hour's transactions: transfers, a withdrawal now and then, one underpaid
        transaction the sequencer must refuse; ``(raw, quote, charge, is_transfer)`` of the
        admitted ones."""
        out = []
        for _ in range(self.rng.randint(2, 7)):
            sender, receiver = self.rng.sample(self.users, 2)
            withdraw = self.rng.random() < 0.15
            to = f"0x{BRIDGE:040x}" if withdraw else receiver.address
            raw, quote, charge = self._tx(sender, to, self.rng.randint(1, 1_000) * GWEI, INTRINSIC_GAS,
                                          priority_fee=self.rng.choice(PRIORITY_FEES), l1=l1)
            out.append((raw, quote, charge, not withdraw))
            self.nonces[sender.address] = self.nonces.get(sender.address, 0) + 1
        cheat = self.rng.choice(self.users)
        raw, quote, charge = self._tx(cheat, self.users[0].address, 1, INTRINSIC_GAS, l1=l1, underpay=True)
        try:
            self.day.model.split(charge, INTRINSIC_GAS, raw, l1)
            self.day.refused_ok = False  # an underpaid transaction got through
        except FeeTooLow:
            self.day.refused += 1
        return out

    def vault_call(self, to: str, amount: int, l1: L1Prices) -> tuple[bytes, Quote, int, bool]:
        """The distributor's call making the vault pay ``amount`` to ``to``."""
        raw, quote, charge = self._tx(self.distributor, FEE_VAULT_ADDRESS, 0, vault_call_gas(),
                                      args=(1, int(to, 16), amount), l1=l1)
        self.nonces[self.distributor.address] = self.nonces.get(self.distributor.address, 0) + 1
        return raw, quote, charge, False

    def payouts(self, l1: L1Prices, pools: Sequence[str]) -> list[tuple[bytes, Quote, int, bool]]:
        """The vault calls paying every recipient but the ``pools`` (and the burn) what the ledger owes."""
        owed = {who: amount for who, amount in self.day.ledger.owed.items() if amount and who not in pools}
        burn = self.day.ledger.burned - self.day.burn_executed
        out = []
        for who, amount in sorted(owed.items()) + ([(BURN, burn)] if burn else []):
            out.append(self.vault_call(who, amount, l1))
            self.pending[who] = amount
        return out

    def settle(self, balance_delta: Callable[[str], int]) -> None:
        """Mark the payouts the layer applied (each recipient's L2 balance grew by at least it)."""
        for who, amount in list(self.pending.items()):
            if balance_delta(who) >= amount:
                if who == BURN:
                    self.day.burn_executed += amount
                else:
                    self.day.ledger.settle(who, amount)
                del self.pending[who]


def _charge_all(day: Day, admitted: Sequence[tuple[bytes, Quote, int, bool]], gas_of: Callable[[bytes], int],
                l1: L1Prices, reason: str, holders: Optional[dict] = None) -> tuple[int, int]:
    """Split and collect the charges of a block's transactions: (L1 data fees, estimated units)."""
    collected = units = 0
    for raw, quote, charge, transfer in admitted:
        split = day.model.split(charge, gas_of(raw), raw, l1)
        day.ledger.collect(split, reason, holders)
        day.quotes.append((quote.total, charge, gas_of(raw)))
        if transfer:
            day.transfers.append(split)
        collected += split.l1_data
        units += estimated_size_scaled(raw) // PPM
    return collected, units


def _new_day(layer: str, split, recipients: dict, gas_target: int, feedback: bool, lane: str,
             equilibration_units: int, scalar: int) -> Day:
    model = FeeModel(BaseFeeRule(gas_target), l2_base_fee=GWEI // 100, lane=lane, scalar=scalar)
    pricer = L1Pricer(lane, scalar, equilibration_units=equilibration_units, inertia=INERTIA, feedback=feedback)
    return Day(layer, model, pricer, FeeLedger(split, recipients))


@dataclass
class Dispute:
    """The optimistic day's dispute: a rogue proposer's wrong output and the challenger who
    wins against it (the game's id once it is open, ``award`` once the pool paid)."""

    at: int  # the hour (and batch) whose output the rogue proposes
    rogue: Key
    challenger: Key
    game: int = 0
    award: Optional[int] = None

    def open(self, chain: Chain, system, trace) -> bool:
        """The rogue proposes batch ``at``'s output with a wrong world; the challenger disputes it."""
        wrong = replace(trace.final, world=bytes(32 - len(b"rogue")) + b"rogue")
        proposed = send(chain, self.rogue, system.outputs, "propose", self.at, wrong.encode(), max(len(trace), 1),
                        value=system.config.proposer_bond)
        challenged = send(chain, self.challenger, system.outputs, "challenge", proposed.return_value,
                          value=system.config.challenger_bond) if proposed.status else proposed
        self.game = challenged.return_value if challenged.status else 0
        return challenged.status

    def close(self, chain: Chain, system, ledger: FeeLedger, pool: str) -> bool:
        """The rogue's clock has run out: the challenger ends the game and the pool pays it all it holds."""
        ended = send(chain, self.challenger, system.outputs, "timeout", self.game)
        if not ended.status or chain.view(system.outputs, "game", self.game).status != CHALLENGER_WON:
            return False
        self.award = ledger.owed.get(pool, 0)
        ledger.pay(pool, self.challenger.address, CHALLENGERS, self.award,
                   f"won game {self.game} against the wrong output of batch {self.at}")
        return True


def optimistic_day(seed: int, hours: int, feedback: bool = True, lane: str = CALLDATA,
                   settle_every: int = 6, dispute_at: Optional[int] = None) -> Day:
    """The optimistic rollup's day (see the module doc); ``dispute_at`` defaults to ``hours // 2``."""
    rng = random.Random(f"fees-optimistic-{seed}")
    users = [Key.from_seed(f"fees-user-{i}".encode()) for i in range(USERS)]
    seq, proposer, dist, spam, rogue, challenger = (Key.from_seed(f"fees-{n}".encode()) for n in (
        "sequencer", "proposer", "distributor", "spam", "rogue", "challenger"))
    chain = Chain({k.address: 1_000 * ETHER for k in (seq, proposer, dist, spam, rogue, challenger)},
                  gas_limit=L1_GAS_LIMIT)
    code, storage = fee_vault_genesis(dist.address)
    genesis = RollupGenesis({**{u.address: 10 * ETHER for u in users}, dist.address: ETHER, FEE_VAULT_ADDRESS: 0},
                            code, storage)
    system = deploy_optimistic(chain, seq, seq.address, genesis, RollupConfig(clock=DISPUTE_CLOCK))
    dispute = Dispute(hours // 2 if dispute_at is None else dispute_at, rogue, challenger)
    node = L2Node(chain, system.portal, genesis)
    challengers = "0x" + "c1" * 20  # the pool that pays the challenger who wins a dispute
    day = _new_day("optimistic", ROLLUP_SPLIT, {SEQUENCER: seq.address, BATCHER: seq.address,
                                                CHALLENGERS: challengers},
                   gas_target=4 * INTRINSIC_GAS, feedback=feedback, lane=lane, equilibration_units=4_000,
                   scalar=PPM)
    traffic = VmTraffic(day, users, dist, rng)
    world, level = node.genesis_world, [GWEI]
    for hour in range(hours):
        weather(chain, spam, rng, level)
        if dispute.game and dispute.award is None and not dispute.close(chain, system, day.ledger, challengers):
            day.l1_ok = False
        l1 = L1Prices.of(chain)
        admitted = traffic.hour(l1)
        if hour % settle_every == settle_every - 1 or hour == hours - 1 or dispute.award and hour == dispute.at + 1:
            admitted += traffic.payouts(l1, [challengers])  # the winner is paid at once
        raws = [a[0] for a in admitted]
        payload, root = pack_batch(raws), inbox_roots([], raws)[1]
        if lane == CALLDATA:
            posted = send(chain, seq, system.portal, "post_batch", payload, root, len(raws))
        else:
            posted = send(chain, seq, system.portal, "post_blob_batch", root, len(raws), blobs=(payload,))
        node.sync()
        batch = node.batches[-1]
        trace = batch.trace
        cost, proposals_ok = posted.fee, True
        if hour == dispute.at:
            proposals_ok = dispute.open(chain, system, trace)
        else:  # the hour's output, after any the dispute deleted
            for number in range(chain.view(system.outputs, "length"), hour + 1):
                done = node.batches[number].trace
                proposed = send(chain, proposer, system.outputs, "propose", number, done.final.encode(),
                                max(len(done), 1), value=system.config.proposer_bond)
                cost, proposals_ok = cost + proposed.fee, proposals_ok and proposed.status
        if len(batch.applied) != len(raws) or not posted.status or not proposals_ok:
            day.l1_ok = False  # an admitted transaction did not apply: the accounting would be off
        collected, units = _charge_all(day, admitted, lambda raw: L2Tx.decode(raw).gas_limit, l1, f"batch {hour}")
        new = trace.final.world
        traffic.settle(lambda who: node.ex.balance(new, who) - node.ex.balance(world, who))
        world = new
        day.model.end_block(len(raws) * INTRINSIC_GAS)
        day.posted(hour, units, len(payload), collected, cost, L1Prices.of(chain))
        day.checked(node.ex.balance(world, FEE_VAULT_ADDRESS))
    earned = node.ex.balance(world, seq.address)
    day.checks["the sequencer holds its paid-out fees on L2, withdrawable"] = \
        0 < earned == day.ledger.settled.get(seq.address, 0)
    if dispute.at < hours - 1:  # a dispute opened in the last hour ends after the day
        day.checks["the challenger who won the dispute was paid the challengers' pool within the day"] = \
            dispute.award is not None and 0 < dispute.award == day.ledger.settled.get(challenger.address, 0)
    day.chain = chain
    return day


def sidechain_day(seed: int, hours: int, feedback: bool = True, checkpoint_every: int = 2,
                  miss_rate: float = 0.2) -> Day:
    """The sidechain's day (see the module doc): a block an hour, a checkpoint and an epoch's
    rewards every ``checkpoint_every`` blocks."""
    rng = random.Random(f"fees-sidechain-{seed}")
    users = [Key.from_seed(f"fees-user-{i}".encode()) for i in range(USERS)]
    dist, spam = Key.from_seed(b"fees-distributor"), Key.from_seed(b"fees-spam")
    code, storage = fee_vault_genesis(dist.address)
    genesis = SideGenesis({**{u.address: 10 * ETHER for u in users}, dist.address: ETHER, FEE_VAULT_ADDRESS: 0},
                          code, storage)
    config = SideConfig(validators=4, checkpoint_every=checkpoint_every)
    system = build_sidechain(seed, config, genesis, users=[dist, spam])
    chain, relayer, keeper = system.chain, system.keys["relayer"], system.keys["keeper"]
    chain.gas_limit = L1_GAS_LIMIT  # the same L1 block size as the other layers' days
    state = ChainState(system.genesis)
    members = chain.view(system.staking, "validators", 1)
    vset_members = list(zip(members.addresses, members.powers))
    vset = ValidatorSet(vset_members)
    pool = "0x" + "5e" * 20  # the validators' reward pool, held in the vault until an epoch pays it
    day = _new_day("sidechain", SIDECHAIN_SPLIT, {PROPOSER: relayer.address, VALIDATORS: pool, BATCHER: relayer.address},
                   gas_target=4 * INTRINSIC_GAS, feedback=feedback, lane=CALLDATA, equilibration_units=2_000,
                   scalar=PPM)
    traffic = VmTraffic(day, users, dist, rng)
    checkpoints: list[tuple[int, int, list]] = []  # (number, epoch, headers) of the epochs not yet rewarded
    collected = units = 0
    level = [GWEI]
    for hour in range(hours):
        weather(chain, spam, rng, level)
        l1 = L1Prices.of(chain)
        admitted = traffic.hour(l1)
        height = state.height + 1
        proposer = vset.proposer(height, 0 if rng.random() >= miss_rate else 1)  # round 1: the due one missed
        if len(checkpoints) > 1:  # a later epoch's checkpoint is on L1: the earlier epoch is proven whole
            repay = _reward_epoch(day, chain, system, dist, checkpoints.pop(0), pool)
            admitted += [traffic.vault_call(dist.address, repay, l1)] if repay else []
            admitted += traffic.payouts(l1, [pool])
        raws = [a[0] for a in admitted]
        before = state.world
        epoch = chain.view(system.staking, "current_epoch")
        state.commit(state.build(proposer, time=chain.time, txs=raws, epoch=epoch))
        c, u = _charge_all(day, admitted, lambda raw: L2Tx.decode(raw).gas_limit, l1, f"block {height}",
                           {PROPOSER: proposer})
        collected, units = collected + c, units + u
        traffic.settle(lambda who: state.ex.balance(state.world, who) - state.ex.balance(before, who))
        day.model.end_block(len(raws) * INTRINSIC_GAS)
        if height % checkpoint_every == 0:
            number = height // checkpoint_every
            headers = state.headers[height - checkpoint_every + 1:height + 1]
            cp = Checkpoint.cover(number, headers, epoch)
            receipt = send(chain, relayer, system.bridge, "submit_checkpoint", *cp.args(),
                                     [h.encode() for h in headers], [cp.sign(k) for k in system.validator_keys],
                                     system.client, gas_limit=3_000_000)
            day.l1_ok &= receipt.status
            checkpoints.append((number, epoch, headers))
            day.posted(number, units, sum(len(h.encode()) for h in headers), collected, receipt.fee,
                       L1Prices.of(chain))
            collected = units = 0
            chain.advance_time(system.config.epoch_length)
            send(chain, keeper, system.staking, "advance_epoch", gas_limit=3_000_000)
        day.checked(state.ex.balance(state.world, FEE_VAULT_ADDRESS))
    claimed = {k.address: send(chain, k, system.staking, "claim_reward").return_value or 0 for k in system.validator_keys}
    earned = {a: sum(paid.get(a, 0) for _, paid, _ in day.rewards) for a in claimed}
    day.checks["validators claim on L1 the epoch rewards the ledger paid them"] = claimed == earned and any(claimed.values())
    day.chain = chain
    return day


def _reward_epoch(day: Day, chain: Chain, system, dist: Key, checkpoint: tuple[int, int, list], pool: str) -> int:
    """Pay the validator pool to the epoch of ``checkpoint`` (its number, epoch and headers)
    through the staking contract, which counts the blocks from the checkpoint on L1; the
    distributor fronts it there: what the vault owes the distributor back."""
    pot = day.ledger.owed.get(pool, 0)
    number, epoch, headers = checkpoint
    addresses, powers = chain.view(system.staking, "validators", epoch)
    rewards, withheld = epoch_rewards(pot, powers, *block_counts(addresses, powers, headers))
    receipt = send(chain, dist, system.staking, "reward_epoch", epoch, [number], [h.encode() for h in headers],
                   value=pot, gas_limit=3_000_000)
    if not receipt.status:
        day.l1_ok = False
        return 0
    for who, amount in zip(addresses, rewards):
        if amount:
            day.ledger.pay(pool, who, VALIDATORS, amount, f"epoch {epoch} reward")
            day.ledger.settle(who, amount)
    if withheld:
        day.ledger.burn(pool, withheld, f"epoch {epoch}: missed blocks")
        day.burn_executed += withheld
    day.rewards.append((epoch, dict(zip(addresses, rewards)), withheld))
    return pot


# -- the ZK rollup ----------------------------------------------------------------------------------
def zk_day(seed: int, hours: int, feedback: bool = True, zk_every: int = 4, settle_every: int = 2) -> Day:
    """The ZK rollup's day (see the module doc): the users' deposits are served before it starts;
    a batch every ``zk_every`` hours, the operator claiming its fees every ``settle_every`` batches."""
    rng = random.Random(f"fees-zk-{seed}")
    users = [Key.from_seed(f"fees-user-{i}".encode()) for i in range(ZK_USERS)]
    l2_keys = [f"fees-zk-l2-{i}".encode().ljust(32, b".") for i in range(ZK_USERS)]
    operator, spam = Key.from_seed(b"fees-zk-operator"), Key.from_seed(b"fees-spam")
    chain = Chain({k.address: 1_000 * ETHER for k in users + [operator, spam]}, gas_limit=L1_GAS_LIMIT)
    spec, compiled, zkey = circuit_and_key()
    system = deploy_zk(chain, operator, operator, spec, zkey.verification_key())
    day = _new_day("zk", ZK_SPLIT, {SEQUENCER: operator.address, PROVER: operator.address},
                   gas_target=SLOT_GAS, feedback=feedback, lane=CALLDATA, equilibration_units=ZK_EQUILIBRATION, scalar=PPM)
    pipeline = Pipeline(system, compiled, zkey, blinding=random.Random(seed), fees=day.model)
    for user, l2_key in zip(users, l2_keys):
        send(chain, user, system.rollup, "deposit", *public_key(l2_key), value=ETHER, gas_limit=300_000)
    while pipeline.queued_deposits():
        pipeline.run_batch()
    index = {log.args[5]: log.args[1] for _, log in chain.logs(system.rollup, "Deposited")}
    nonces = [0] * ZK_USERS
    level, batches, claimed = [GWEI], 0, 0
    for hour in range(hours):
        weather(chain, spam, rng, level)
        if hour % zk_every != zk_every - 1:
            continue
        l1 = L1Prices.of(chain)
        for _ in range(spec.slots):
            sender, receiver = rng.sample(range(ZK_USERS), 2)
            withdraw = rng.random() < ZK_WITHDRAW_RATE
            make = _zk_signer(sender, receiver, withdraw, rng.randint(1, 1_000), nonces[sender], index, users, l2_keys)
            raw, quote, charge = priced(day.model, lambda fee: make(fee).encode(), SLOT_GAS, l1,
                                        rng.choice(PRIORITY_FEES), UNIT, WITHDRAW_L1_GAS if withdraw else 0)
            tx = make(charge // UNIT)
            if pipeline.accept(tx) is None:
                nonces[sender] += 1
                day.quotes.append((quote.total, charge, UNIT))
        cheat = rng.randrange(ZK_USERS)
        if pipeline.accept(_zk_signer(cheat, (cheat + 1) % ZK_USERS, False, 1, nonces[cheat], index, users, l2_keys)(0)):
            day.refused += 1
        else:
            day.refused_ok = False
        batch = pipeline.seal()
        words, _ = pipeline.prove(batch)
        receipt = pipeline.submit(batch, words)
        day.l1_ok &= receipt.status
        paying = [tx for tx in batch.txs if tx.tx_type.fee and tx.fields[tx.tx_type.fee]]
        for tx, charge in zip(paying, batch.charges):
            day.ledger.collect(charge, f"batch {batch.number}")
            if tx.type == "transfer":
                day.transfers.append(charge)
        day.posted(batches, sum(estimated_size_scaled(tx.encode()) // PPM for tx in paying), len(batch.data),
                   sum(c.l1_data for c in batch.charges), receipt.fee, L1Prices.of(chain))
        pipeline.reprice(day.pricer.scalar)  # kept in the operator's store
        batches += 1
        if batches % settle_every == 0 or hour + zk_every >= hours:
            claimed = _claim_fees(day, chain, system, operator, claimed)
        credited = sum(log.args[2] for _, log in chain.logs(system.rollup, "Credited") if log.args[1] == operator.address)
        day.checked(credited * UNIT - claimed)
    day.checks["the operator claimed its fees on L1"] = claimed == day.ledger.paid > 0
    day.chain = chain
    return day


def _zk_signer(sender: int, receiver: int, withdraw: bool, amount: int, nonce: int, index: dict,
               users: list[Key], l2_keys: list[bytes]) -> Callable[[int], Tx]:
    """A user's transfer (or withdrawal to its L1 address) signed with a given fee field."""
    me = index[users[sender].address]

    def make(fee: int) -> Tx:
        if withdraw:
            fields = {"from": me, "amount": amount, "fee": fee, "to": int(users[sender].address, 16)}
        else:
            fields = {"from": me, "to": index[users[receiver].address], "amount": amount, "fee": fee}
        return sign_tx(Tx("withdraw" if withdraw else "transfer", fields), [l2_keys[sender]], [nonce])
    return make


def _claim_fees(day: Day, chain: Chain, system, operator: Key, claimed: int) -> int:
    """The operator claims its fee entries on L1, burns what the ledger burned and keeps its
    roles' shares: what it has claimed so far (wei)."""
    done = {log.args[0] for _, log in chain.logs(system.rollup, "Claimed")}
    for _, log in chain.logs(system.rollup, "Credited"):
        entry, to, amount = log.args
        if to == operator.address and entry not in done:
            if send(chain, operator, system.rollup, "claim", entry).status:
                claimed += amount * UNIT
    burn = day.ledger.burned - day.burn_executed
    if burn and send(chain, operator, BURN, value=burn, gas_limit=21_000).status:
        day.burn_executed += burn
    owed = day.ledger.owed.get(operator.address, 0)
    if owed:
        day.ledger.settle(operator.address, owed)
    return claimed


DAYS: dict[str, Callable[..., Day]] = {"optimistic": optimistic_day, "zk": zk_day, "sidechain": sidechain_day}


def run_day(layer: str, seed: int, hours: int = 24, feedback: bool = True) -> Day:
    """A day of ``layer`` (one of :data:`LAYERS`) with the pricer's feedback on or off."""
    if layer not in DAYS:
        raise ValueError(f"no layer {layer!r}; known: {', '.join(DAYS)}")
    return DAYS[layer](seed, hours, feedback=feedback)


# -- prozchain measure fees ---------------------------------------------------------------------------
@dataclass(frozen=True)
class FeeRow:
    """One layer's day in numbers (wei): a transfer's mean fee split, and the operator's margin."""

    layer: str
    transfers: int
    execution: int  # burned
    l1_data: int
    priority: int
    total: int
    l1_cost: int  # what L1 charged the operator over the day
    l1_data_fees: int  # the L1 data fees it collected
    margin_bps: int  # (fees collected - cost) / cost
    scalar: float  # the data-fee scalar the pricer ended at


def fee_rows(seed: int = 1, hours: int = 24, layers: Sequence[str] = LAYERS, feedback: bool = True) -> list[FeeRow]:
    """:class:`FeeRow` of each layer's day."""
    rows = []
    for layer in layers:
        day = run_day(layer, seed, hours, feedback)
        n = max(len(day.transfers), 1)
        parts = [sum(getattr(c, part) for c in day.transfers) // n for part in ("burned", "l1_data", "priority")]
        cost = day.pricer.cost
        rows.append(FeeRow(layer, len(day.transfers), *parts, sum(parts), cost, day.pricer.collected,
                           day.pricer.surplus * 10_000 // cost if cost else 0, day.pricer.scalar / PPM))
    return rows


def fee_table(rows: Sequence[FeeRow]) -> list[str]:
    """The rows as a Markdown table, amounts in gwei."""
    def gwei(wei: int) -> str:
        return f"{wei / GWEI:,.1f}"
    lines = ["| layer | transfers | execution (burned) | L1 data | priority | fee per transfer | L1 cost (day) "
             "| L1 data fees (day) | operator margin | data-fee scalar |", "|---|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r.layer} | {r.transfers} | {gwei(r.execution)} | {gwei(r.l1_data)} | {gwei(r.priority)} "
              f"| {gwei(r.total)} | {gwei(r.l1_cost)} | {gwei(r.l1_data_fees)} | {r.margin_bps / 100:+.2f}% "
              f"| {r.scalar:.2f} |" for r in rows]
    return lines


def register(subparsers: argparse._SubParsersAction) -> None:
    """``prozchain measure fees`` (listed in :data:`prozchain.cli.MEASUREMENTS`)."""
    parser = subparsers.add_parser("fees", help="fee per transfer (execution, L1 data, priority) and the operator's "
                                   "margin on each layer, over a day of traffic", description=__doc__.split("\n\n")[0])
    parser.add_argument("--layers", default=",".join(LAYERS), help=f"comma-separated, of {', '.join(LAYERS)}")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hours", type=int, default=24, help="length of the day (hours, one batch an hour)")
    parser.add_argument("--no-feedback", action="store_true", help="keep the data-fee scalar where it starts")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON (amounts in wei)")
    parser.set_defaults(func=_measure)


def _measure(args: argparse.Namespace) -> int:
    layers = [name for name in args.layers.split(",") if name]
    unknown = sorted(set(layers) - set(LAYERS))
    if unknown or not layers:
        raise UsageError(f"--layers: no layer {', '.join(unknown) or '(none given)'}; known: {', '.join(LAYERS)}")
    if args.hours < 4:
        raise UsageError("--hours: a day of at least 4 hours (the ZK rollup batches every 4)")
    rows = fee_rows(args.seed, args.hours, layers, feedback=not args.no_feedback)
    print(json.dumps([asdict(r) for r in rows], indent=2) if args.json else "\n".join(fee_table(rows)))
    return 0
