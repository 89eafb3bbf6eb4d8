"""The bridge protocol's adapters, one per kind of layer: the users' side of each bridge, on
the simulation harness (users' L2 transactions travel over the simulated network to the
layer's operators; L1 calls are the users' own transactions).

Each adapter reads the layer's own node for what the invariant needs (``supply`` and
``in_flight``), never the adapter's memory of what it asked: a layer that loses or mints
value breaks the invariant.
"""

from __future__ import annotations

from typing import Optional

from prozchain.circuits.gadgets.eddsa import public_key
from prozchain.circuits.txtypes import Tx, sign_tx
from prozchain.rollup.channels.agents.client import ChannelClient, update
from prozchain.rollup.channels.contracts.adjudicator import CLOSING, OPEN
from prozchain.rollup.channels.contracts.onchain import genesis
from prozchain.rollup.crosslayer.errors import AboveEscrow, NotFinal
from prozchain.rollup.crosslayer.protocol import (FINAL, GAS, PENDING, PROVEN, BridgeProtocol, Fabric,
                                                  Withdrawal)
from prozchain.rollup.l1 import Key, Receipt
from prozchain.rollup.l1.crypto import keccak256
from prozchain.rollup.optimistic.contracts.outputs import FINALIZED
from prozchain.rollup.optimistic.node import L2Node
from prozchain.rollup.optimistic.system import System as OptimisticSystem
from prozchain.rollup.sidechain.contracts.modes import OPTIMISTIC as OPTIMISTIC_MODEL
from prozchain.rollup.sidechain.contracts.modes import STAKING, THRESHOLD
from prozchain.rollup.sidechain.node.assets import (ASSETS_AT, BURN, BURN_COUNT_SLOT, MINTER, TRANSFER, asset_id,
                                                    balance, burn_commitment, burn_key, burn_slot)
from prozchain.rollup.sidechain.system import MODES
from prozchain.rollup.sidechain.system import System as SidechainSystem
from prozchain.rollup.sim.store import MemoryStore
from prozchain.rollup.sim.world import Simulation
from prozchain.rollup.vm import BRIDGE, L2Tx
from prozchain.rollup.vm.state import FEE_VAULT, addr_int
from prozchain.rollup.l1.crypto import to_address
from prozchain.rollup.zk.node import ZkNode, tx_id
from prozchain.rollup.zk.system import System as ZkSystem

USERS = "users"  # the network endpoint users send their L2 transactions from
BRIDGE_AT, FEE_VAULT_AT = to_address(BRIDGE), to_address(FEE_VAULT)


def attach_users(sim: Simulation) -> None:
    """Give the users an endpoint (operators' answers to it are ignored: the bridges read the
    layers' nodes instead)."""
    sim.network.attach(USERS, lambda src, message: None, lambda: True)


def _block_time(chain, number: int) -> int:
    return chain.blocks[number].timestamp


class ZkBridge(BridgeProtocol):
    """The ZK rollup instance of the asset (deployed with the registry as its bank)."""

    name = "zk rollup"
    rule = "final once the batch holding it has its Groth16 proof verified on L1"
    security = "validity proofs; data on L1; exodus if the operator censors"

    def __init__(self, fabric: Fabric, layer: int, system: ZkSystem, sim: Simulation, operator: str,
                 unit: int, fee: int = 1, expected_s: int = 24) -> None:
        super().__init__(fabric, layer)
        self.system, self.sim, self.operator, self.fee, self.expected_s = system, sim, operator, fee, expected_s
        self.unit, self.withdrawal_fee = unit, fee * unit
        self.node = ZkNode(self.chain, system.rollup, system.depth)
        self.taken: set[int] = set()

    @staticmethod
    def l2_key(address: str) -> bytes:
        """The user's L2 signing seed (derived from the L1 address for the demo; a wallet keeps its own)."""
        return keccak256(b"crosslayer-l2:" + bytes.fromhex(address[2:]))

    def _recipient(self, user: Key) -> list[int]:
        return list(public_key(self.l2_key(user.address)))

    def index(self, owner: str) -> Optional[int]:
        return next((log.args[1] for _, log in self.chain.logs(self.system.rollup, "Deposited")
                     if log.args[5] == owner), None)

    def balance(self, owner: str) -> int:
        self.node.sync()
        index = self.index(owner)
        return 0 if index is None else self.node.tree.get(index).balance * self.unit

    def send(self, user: Key, kind: str, fields: dict[str, int]) -> Tx:
        self.node.sync()
        me = self.index(user.address)
        tx = sign_tx(Tx(kind, {"from": me, **fields}), [self.l2_key(user.address)],
                     [self.node.tree.get(me).nonce])
        self.sim.network.send(USERS, self.operator, {"tx": tx.to_json()})
        return tx

    def transfer(self, user: Key, to: str, amount: int) -> int:
        """Pay ``amount`` to ``to``'s account; returns the L2 fee (base units)."""
        self.send(user, "transfer", {"to": self.index(to), "amount": amount // self.unit, "fee": self.fee})
        return self.fee * self.unit

    def _withdraw(self, user: Key, amount: int) -> Withdrawal:
        if amount + self.fee * self.unit > self.balance(user.address):
            raise AboveEscrow(f"{self.name}: {amount} plus the fee {self.fee * self.unit} is above the balance")
        tx = self.send(user, "withdraw", {"amount": amount // self.unit, "fee": self.fee,
                                          "to": int(user.address, 16)})
        return Withdrawal(self.name, user, amount, self.chain.time, {"id": tx_id(tx), "fee": self.fee * self.unit})

    def _stage(self, w: Withdrawal) -> tuple[str, int]:
        self.node.sync()
        batch = self.node.included.get(w.ref["id"])
        if batch is None:
            return PENDING, self.chain.time + self.expected_s
        if "entry" not in w.ref:
            number, _ = next((n, log) for n, log in self.chain.logs(self.system.rollup, "BatchVerified")
                             if log.args[0] == batch)
            w.ref["entry"] = next(log.args[0] for n, log in self.chain.logs(self.system.rollup, "Credited")
                                  if n == number and log.args[1] == w.user.address and log.args[2] * self.unit == w.amount
                                  and log.args[0] not in self.taken)
            self.taken.add(w.ref["entry"])
            w.ref["verified_at"] = _block_time(self.chain, number)
        return FINAL, w.ref["verified_at"]

    def _finalize(self, w: Withdrawal) -> Receipt:
        return self.chain.transact(w.user, self.system.rollup, "claim", w.ref["entry"], gas_limit=GAS)

    def supply(self) -> int:
        self.node.sync()
        state = self.chain.view(self.system.rollup, "state")
        queued = sum(log.args[2] for _, log in self.chain.logs(self.system.rollup, "Deposited")
                     if log.args[0] >= state.served)
        return (sum(a.balance for a in self.node.tree.accounts.values()) + queued) * self.unit

    def in_flight(self) -> int:
        claimed = {log.args[0] for _, log in self.chain.logs(self.system.rollup, "Claimed")}
        return sum(log.args[2] for _, log in self.chain.logs(self.system.rollup, "Credited")
                   if log.args[0] not in claimed) * self.unit


class OptimisticBridge(BridgeProtocol):
    """The optimistic rollup instance of the asset: its L2's native balance is the asset."""

    name = "optimistic rollup"
    rule = "final once the output holding it is finalized: its challenge window passed with no open game"
    security = "one honest challenger within the window; data on L1"

    def __init__(self, fabric: Fabric, layer: int, system: OptimisticSystem, sim: Simulation, sequencer: str,
                 holders: list[str], batch_s: int = 30) -> None:
        super().__init__(fabric, layer)
        self.system, self.sim, self.sequencer, self.batch_s = system, sim, sequencer, batch_s
        self.holders = holders  # the accounts whose balances make the supply (and the fee vault)
        self.node = L2Node(self.chain, system.portal, system.genesis)
        self.nonces: dict[str, int] = {}
        self.taken: set[int] = set()

    def _world(self) -> bytes:
        self.node.sync()
        return self.node.batches[-1].trace.final.world if self.node.batches else self.node.genesis_world

    def _recipient(self, user: Key) -> list[int]:
        return [int(user.address, 16)]

    def balance(self, owner: str) -> int:
        return self.node.ex.balance(self._world(), owner)

    def _signed(self, user: Key, to: str, value: int) -> L2Tx:
        """``user``'s next L2 transaction (nonces count the ones sent but not yet included)."""
        nonce = max(self.nonces.get(user.address, 0), self.node.ex.nonce(self._world(), user.address))
        self.nonces[user.address] = nonce + 1
        return L2Tx(nonce, to, value, gas_limit=100_000).sign(user)

    def send(self, user: Key, to: str, value: int) -> L2Tx:
        tx = self._signed(user, to, value)
        self.sim.network.send(USERS, self.sequencer, ("tx", tx.encode().hex()))
        return tx

    def force(self, user: Key, to: str, value: int) -> Receipt:
        """Send ``user``'s transaction through L1 (``Portal.force_transaction``) instead of to the
        sequencer: it must be included within the sequencing window."""
        return self.chain.transact(user, self.system.portal, "force_transaction",
                                   self._signed(user, to, value).encode(), gas_limit=GAS)

    def transfer(self, user: Key, to: str, amount: int) -> int:
        self.send(user, to, amount)
        return 0  # the sequencer charges no gas price here

    def _withdraw(self, user: Key, amount: int) -> Withdrawal:
        tx = self.send(user, BRIDGE_AT, amount)
        return Withdrawal(self.name, user, amount, self.chain.time, {"raw": tx.encode()})

    def _stage(self, w: Withdrawal) -> tuple[str, int]:
        self._world()
        batch = next((b.number for b in self.node.batches if any(b.txs[i] == w.ref["raw"] for i in b.applied)), None)
        window = self.system.config.window
        if batch is None:
            return PENDING, self.chain.time + self.batch_s + window
        proposals = [(n, log.args) for n, log in self.chain.logs(self.system.outputs, "Proposed") if log.args[1] == batch]
        for _, (pid, *_rest) in proposals:
            proposal = self.chain.view(self.system.outputs, "proposal", pid)
            if proposal.status == FINALIZED:
                w.ref.update(batch=batch, pid=pid)
                return FINAL, proposal.time + window
        if proposals:
            return PROVEN, self.chain.view(self.system.outputs, "proposal", proposals[-1][1][0]).time + window
        return PENDING, self.chain.time + window

    def _finalize(self, w: Withdrawal) -> Receipt:
        index = self.node.withdrawal_index(w.ref["batch"], w.user.address, w.amount, self.taken)
        if index < 0:
            raise NotFinal(f"{self.name}: no withdrawal record of {w.amount} for {w.user.address} in batch {w.ref['batch']}")
        proof = self.node.withdrawal_proof(w.ref["batch"], index)
        receipt = self.chain.transact(w.user, self.system.portal, "withdraw", w.ref["pid"], index, w.user.address,
                                      w.amount, list(proof.siblings), gas_limit=GAS)
        if receipt.status:
            self.taken.add(index)
        return receipt

    def supply(self) -> int:
        world = self._world()
        derived = sum(len(b.deposits) for b in self.node.batches)
        queued = sum(log.args[2] for _, log in self.chain.logs(self.system.portal, "Deposited") if log.args[0] >= derived)
        return sum(self.node.ex.balance(world, a) for a in self.holders + [FEE_VAULT_AT]) + queued

    def in_flight(self) -> int:
        paid = sum(log.args[2] for _, log in self.chain.logs(self.system.portal, "Withdrawn"))
        return self.node.ex.balance(self._world(), BRIDGE_AT) - paid


class SidechainBridge(BridgeProtocol):
    """A sidechain's bridge: the token is minted as its canonical asset id in the sidechain's
    asset contract; a burn is proven against a checkpoint and released once its root is
    acceptable under the bridge's security model."""

    RULES = {THRESHOLD: "final once a checkpoint holding the burn carries m-of-n validator signatures",
             STAKING: "final once the checkpoint holding the burn is signed by the bonded quorum and past its window",
             OPTIMISTIC_MODEL: "final once the checkpoint holding the burn is past its fraud-proof window"}
    SECURITY = {THRESHOLD: "m of the n known signers honest",
                STAKING: "2/3 of the bonded stake honest (slashed on fraud proofs)",
                OPTIMISTIC_MODEL: "one honest watcher within the window"}

    def __init__(self, fabric: Fabric, layer: int, system: SidechainSystem, holders: list[str]) -> None:
        super().__init__(fabric, layer)
        self.system, self.holders = system, holders
        mode = system.config.mode
        self.name = f"sidechain ({next(n for n, m in MODES.items() if m == mode)})"
        self.rule, self.security = self.RULES[mode], self.SECURITY[mode]
        self.nonces: dict[str, int] = {}
        self.known: dict[int, int] = {}  # burn commitment -> amount, for what this bridge burnt

    @property
    def state(self):
        return self.system.validators[0].chain

    def _recipient(self, user: Key) -> list[int]:
        return [int(user.address, 16)]

    def balance(self, owner: str) -> int:
        return balance(self.state, self.fabric.token, owner)

    def send(self, user: Key, args: tuple[int, ...]) -> L2Tx:
        nonce = max(self.nonces.get(user.address, 0), self.state.nonce(user.address))
        self.nonces[user.address] = nonce + 1
        tx = L2Tx(nonce, ASSETS_AT, 0, args, gas_limit=100_000).sign(user)
        for v in self.system.validators:
            self.system.sim.network.send(USERS, v.name, tx.encode())
        return tx

    def transfer(self, user: Key, to: str, amount: int) -> int:
        self.send(user, (TRANSFER, asset_id(self.fabric.token), addr_int(to), amount))
        return 0

    def _withdraw(self, user: Key, amount: int) -> Withdrawal:
        commitment = burn_commitment(self.fabric.token, user.address, amount)
        self.known[commitment] = amount
        self.send(user, (BURN, asset_id(self.fabric.token), amount))
        return Withdrawal(self.name, user, amount, self.chain.time, {"commitment": commitment})

    def _burns(self, state_ex, world: bytes) -> list[int]:
        count = state_ex.storage(world, ASSETS_AT, BURN_COUNT_SLOT)
        return [state_ex.storage(world, ASSETS_AT, burn_slot(i)) for i in range(count)]

    def _checkpointed(self, w: Withdrawal) -> Optional[tuple[int, int, bytes]]:
        """The latest live checkpoint whose world holds the burn: (number, burn index, world)."""
        node, bridge = self.system.relayers[0].node, self.system.bridge
        number = self.chain.view(bridge, "count")
        if not number:
            return None
        world = self.chain.view(bridge, "checkpoint", number).world
        burns = self._burns(node.ex, world)
        taken = w.ref.get("index")
        index = next((i for i, c in enumerate(burns) if c == w.ref["commitment"] and (taken is None or i == taken)),
                     None)
        return None if index is None else (number, index, world)

    def _stage(self, w: Withdrawal) -> tuple[str, int]:
        window = self.system.config.window
        if "world" in w.ref:
            record = self.chain.view(self.system.bridge, "checkpoint", w.ref["number"])
            at = record.confirm_at or self.chain.time + window
            return (FINAL if self.chain.view(self.system.bridge, "acceptable", w.ref["world"]) else PROVEN), at
        found = self._checkpointed(w)
        every = self.system.config.checkpoint_every
        if found is None:
            return PENDING, self.chain.time + every + window
        return PENDING, self.chain.view(self.system.bridge, "checkpoint", found[0]).confirm_at or self.chain.time + window

    def _prove(self, w: Withdrawal) -> Receipt:
        found = self._checkpointed(w)
        if found is None:
            raise NotFinal(f"{self.name}: no checkpoint on L1 holds the burn of {w.amount} yet")
        number, index, world = found
        siblings = list(self.system.relayers[0].node.ex.db.prove(world, burn_key(index)).siblings)
        receipt = self.chain.transact(w.user, self.system.bridge, "prove_token_withdrawal", number, index,
                                      self.fabric.token, w.user.address, w.amount, siblings, gas_limit=GAS)
        if not receipt.status:
            raise NotFinal(f"{self.name}: L1 refused the burn proof: {receipt.error}")
        w.ref.update(number=number, index=index, world=world)
        return receipt

    def _finalize(self, w: Withdrawal) -> Receipt:
        return self.chain.transact(w.user, self.system.bridge, "process_token_withdrawal", w.ref["index"],
                                   self.fabric.token, w.user.address, w.amount, gas_limit=GAS)

    def supply(self) -> int:
        token, state = self.fabric.token, self.state
        minted = state.nonce(MINTER)
        queued = sum(log.args[4] for _, log in self.chain.logs(self.system.bridge, "TokenDeposited")
                     if log.args[1] == token and log.args[0] >= minted)
        return sum(balance(state, token, h) for h in self.holders) + queued

    def in_flight(self) -> int:
        burnt = sum(self.known.get(c, 0) for c in self._burns(self.state.ex, self.state.world))
        paid = sum(log.args[3] for _, log in self.chain.logs(self.system.bridge, "TokenWithdrawn")
                   if log.args[1] == self.fabric.token)
        return burnt - paid


class ChannelBridge(BridgeProtocol):
    """Channels of the asset's adjudicator instance, each opened by the registry for a user
    with one counterparty (the hub); a withdrawal is a cooperative close of the whole channel."""

    name = "channel"
    rule = "final once the close has settled on L1 (a cooperative close at once)"
    security = "each party watches L1 during the challenge period (or hires a watchtower)"

    def __init__(self, fabric: Fabric, layer: int, adjudicator: str, hub: Key, period: int = 3_600) -> None:
        super().__init__(fabric, layer)
        self.adjudicator, self.hub, self.period = adjudicator, hub, period
        self.clients: dict[int, tuple[ChannelClient, ChannelClient]] = {}  # cid -> (user's, hub's)

    def _recipient(self, user: Key) -> list[int]:
        return [int(self.hub.address, 16), self.period]

    def deposit(self, user: Key, amount: int, token: Optional[str] = None) -> Receipt:
        receipt = super().deposit(user, amount, token)
        cid = receipt.return_value
        start = genesis(self.chain, self.adjudicator, cid)
        self.clients[cid] = tuple(ChannelClient.create(k, MemoryStore(), start, user.address, self.hub.address)
                                  for k in (user, self.hub))
        return receipt

    def channel_of(self, owner: str) -> Optional[int]:
        return next((cid for cid, (mine, _) in self.clients.items() if mine.key.address == owner and
                     self.chain.view(self.adjudicator, "channel", cid).status in (OPEN, CLOSING)), None)

    def balance(self, owner: str) -> int:
        cid = self.channel_of(owner)
        return 0 if cid is None else self.clients[cid][0].latest.balance_a

    def transfer(self, user: Key, to: str, amount: int) -> int:
        """Pay the hub ``amount`` off-chain (``to`` is the hub; routing further is the hub's)."""
        cid = self.channel_of(user.address)
        mine, hub = self.clients[cid]
        update(mine, hub, mine.latest.pay(0, amount))
        return 0

    def _withdraw(self, user: Key, amount: int) -> Withdrawal:
        cid = self.channel_of(user.address)
        mine, hub = self.clients[cid]
        if amount != mine.latest.balance_a:
            raise AboveEscrow(f"{self.name}: a channel withdraws by closing, all of {mine.latest.balance_a}, not {amount}")
        update(mine, hub, mine.latest.finalize())
        return Withdrawal(self.name, user, amount, self.chain.time, {"cid": cid})

    def _stage(self, w: Withdrawal) -> tuple[str, int]:
        return FINAL, w.started  # both parties hold the co-signed final state: a close settles at once

    def _finalize(self, w: Withdrawal) -> Receipt:
        mine, _ = self.clients[w.ref["cid"]]
        return self.chain.transact(w.user, self.adjudicator, "close", w.ref["cid"], mine.latest.encode(),
                                   mine.latest_sigs, gas_limit=GAS)

    def supply(self) -> int:
        infos = [self.chain.view(self.adjudicator, "channel", cid) for cid in self.clients]
        return sum(i.deposit_a + i.deposit_b for i in infos if i.status in (OPEN, CLOSING))

    def in_flight(self) -> int:
        return 0  # a close pays both parties in the transaction that settles it
