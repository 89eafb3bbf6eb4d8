"""One client for every layer: ``transfer``, ``call``, ``deposit``, ``withdraw``, ``bridge``,
``subscribe`` and ``status``, the same on L1 (``"l1"``), the ZK rollup (``"zk"``), the optimistic
rollup (``"optimistic"``), a channel (``"channel"``) and a sidechain (``"sidechain"``).

A :class:`Platform` is one cross-layer world
(:func:`~prozchain.rollup.crosslayer.system.build`: one L1, the asset registry, every layer
for one token, their honest operators on one simulation) and one :class:`~.stages.StageStore`.
A :class:`Client` is one user's key on it: the same secp256k1 key signs on L1, the optimistic
rollup, the sidechain and the channel, and derives the user's ZK rollup key; one address names
the user everywhere. Amounts are token base units.

The platform's simulation runs inside one ``with platform:`` block: leaving it stops the
layers' agents. Every call returns the transaction's id; :meth:`Client.status` reads its stages (the layer is
asked what it has reached, the answer recorded in the store with the simulation's time), and
:meth:`Client.wait` runs the simulation until a stage is reached. On the optimistic rollup each
user also has a smart account in the L2's genesis (:attr:`Client.account`), whose operations
:meth:`Client.user_op` sends through the bundler and the paymaster (:mod:`.accounts`).

>>> platform = Platform.build(3, layers=("channel", "sidechain"))
>>> alice = platform.client(0)
>>> with platform:
...     d = alice.deposit(5_000, "sidechain")
...     alice.wait(d).final
...     tx = alice.transfer(platform.client(1).address, 1_000, "sidechain")
...     alice.wait(tx).current
True
'final'
>>> alice.balance("sidechain"), platform.client(1).balance("sidechain")
(4000, 1000)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

from prozchain.rollup.channels.contracts.adjudicator import OPEN
from prozchain.rollup.common.units import ETHER
from prozchain.rollup.crosslayer.agents import USERS, ChannelBridge, OptimisticBridge, SidechainBridge, ZkBridge
from prozchain.rollup.crosslayer.measure import L1_FINALITY_S
from prozchain.rollup.crosslayer.protocol import FINAL as BRIDGE_FINAL
from prozchain.rollup.crosslayer.protocol import FINALIZED, PROVEN, BridgeProtocol, Withdrawal
from prozchain.rollup.crosslayer.system import (LAYER_IDS, WAIT_MS, World, build, prove_when_ready, run_until,
                                                user_key)
from prozchain.rollup.l1 import Key
from prozchain.rollup.l1.crypto import keccak256
from prozchain.rollup.messages.index import index_batch
from prozchain.rollup.messages.events import L1Events, OptimisticEvents, SidechainEvents, Subscription, ZkEvents
from prozchain.rollup.optimistic.contracts.outputs import FINALIZED as OUTPUT_FINALIZED
from prozchain.rollup.optimistic.node import Genesis
from prozchain.rollup.sdk.accounts import (PAYMASTER_SEED, Account, Bundler, Call, LiveState, Paymaster, UserOp,
                                           account_address, predeploys)
from prozchain.rollup.sdk.errors import SdkError
from prozchain.rollup.sidechain.node.assets import ASSETS_AT, TRANSFER, asset_id
from prozchain.rollup.sdk.stages import (EXECUTED, FINAL, IN_BATCH, POSTED, STAGES, VERIFIED,
                                         StageStore, TxStatus)
from prozchain.rollup.vm import L2Tx
from prozchain.rollup.vm.state import addr_int
from prozchain.rollup.zk.node import tx_id

L1 = "l1"
LAYERS = (L1,) + tuple(LAYER_IDS)
Probe = Callable[[], list[tuple[str, str]]]  # the stages a layer says a transaction reached, with notes
ACCOUNT_TOKENS = 10**6  # the fee token each user's smart account holds at genesis
PAYMASTER_FUNDS = 10**7  # bridged onto the optimistic rollup for the paymaster's gas
REFUSED = "refused"  # what a probe reports, with why, for a transaction its layer will not apply


@dataclass
class Platform:
    """A cross-layer world and the store the clients record their transactions' stages in."""

    world: World
    stages: StageStore
    _paymaster: Optional[Paymaster] = field(default=None, init=False, repr=False)

    @classmethod
    def build(cls, seed: int, layers: Sequence[str] = tuple(LAYER_IDS), db: Optional[str] = None,
              users: int = 2) -> "Platform":
        """A world with ``layers`` (names of :data:`~prozchain.rollup.crosslayer.system.LAYER_IDS`;
        L1 is always there) and ``users`` funded users; stages in SQLite at ``db`` (None: memory)."""
        unknown = sorted(set(layers) - set(LAYER_IDS))
        if unknown:
            raise SdkError(f"no layer {', '.join(unknown)}; known: {', '.join(LAYERS)}")
        owners = [user_key(i).address for i in range(users)]
        code, storage = predeploys({o: ACCOUNT_TOKENS for o in owners}, Key.from_seed(PAYMASTER_SEED).address)
        world = build(seed, users=users, layers=tuple(layers), optimistic_genesis=Genesis(code=code, storage=storage))
        return cls(world, StageStore(db))

    def client(self, user: int) -> "Client":
        """The client of the world's ``user``-th funded user."""
        return Client(self.world.users[user], self)

    def paymaster(self) -> Paymaster:
        """The paymaster of the users' smart accounts on the optimistic rollup (their entry
        point). The first call funds it as any user is: tokens and gas money on L1 from the
        deployer, deposited onto the rollup (so its native balance is bridged token, counted in
        the layer's supply); run inside the ``with platform:`` block."""
        if self._paymaster is None:
            bridge, key, chain = self.world.bridges.get("optimistic"), Key.from_seed(PAYMASTER_SEED), self.world.chain
            if not isinstance(bridge, OptimisticBridge):
                raise SdkError("smart accounts live on the optimistic rollup: this platform has none")
            chain.transact(self.world.deployer, key.address, value=ETHER)
            chain.transact(self.world.deployer, self.world.fabric.token, "transfer", key.address, PAYMASTER_FUNDS)
            bridge.holders = [*bridge.holders, key.address]
            bridge.deposit(key, PAYMASTER_FUNDS)
            if not run_until(self.world.sim, lambda: bridge.balance(key.address) >= PAYMASTER_FUNDS, WAIT_MS):
                raise SdkError("the paymaster's deposit was not credited on the optimistic rollup")
            self._paymaster = Paymaster(key, LiveState(bridge))
        return self._paymaster

    @property
    def now(self) -> float:
        """The simulation's clock, in seconds."""
        return self.world.sim.scheduler.now / 1_000

    def __enter__(self) -> "Platform":
        self.world.sim.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.world.sim.__exit__(*exc)


class Client:
    """One user (``key``) on every layer of ``platform`` (see the module doc)."""

    def __init__(self, key: Key, platform: Platform) -> None:
        self.key, self.platform = key, platform
        self.world, self.store = platform.world, platform.stages
        self.probes: dict[str, Probe] = {}
        self._bundler: Optional[Bundler] = None

    @property
    def address(self) -> str:
        return self.key.address

    @property
    def account(self) -> Bundler:
        """The entry point of the user's smart account on the optimistic rollup (in its genesis,
        holding :data:`ACCOUNT_TOKENS` of the fee token at
        :data:`~prozchain.rollup.sdk.accounts.TOKEN_AT`), through the platform's paymaster."""
        if self._bundler is None:
            paymaster = self.platform.paymaster()
            self._bundler = Bundler(Account(account_address(self.address), self.address, paymaster.ledger), paymaster)
        return self._bundler

    def user_op(self, calls: Sequence[Call], fee: Optional[int] = None) -> str:
        """Sign a user operation of the user's smart account (``calls`` after the paymaster's
        fee, ``fee`` tokens, default its price) and submit it through the bundler to the
        optimistic rollup's sequencer; its id, stages as any transaction's (a batch whose call
        failed reverts whole and is recorded as refused). :class:`UserOpRejected` if the bundler
        refuses it (a bad signature, a replay, the paymaster's no)."""
        bundler = self.account
        op = bundler.account.op(calls, fee=fee, paymaster=bundler.paymaster).sign(self.key)
        return self.submit_op(op)

    def submit_op(self, op: UserOp, checked: bool = True) -> str:
        """Submit a signed user operation through the bundler (see :meth:`user_op`; ``checked``
        as in :meth:`~prozchain.rollup.sdk.accounts.Bundler.prepare`)."""
        bridge, raw = self.layer("optimistic"), self.account.prepare(op, checked)
        self.world.sim.network.send(USERS, bridge.sequencer, ("tx", raw.hex()))
        return self._track("user op", "optimistic", self._l2_probe(bridge, raw), self._begin("user op", "optimistic", raw))

    def layer(self, name: str) -> BridgeProtocol:
        """The bridge of layer ``name``; :class:`SdkError` if the platform has none."""
        if name not in self.world.bridges:
            raise SdkError(f"no layer {name!r} on this platform; it has {', '.join((L1, *self.world.bridges))}")
        return self.world.bridges[name]

    def balance(self, layer: str = L1) -> int:
        """The user's token balance on ``layer``."""
        if layer == L1:
            return self.world.chain.view(self.world.fabric.token, "balance_of", self.address)
        return self.layer(layer).balance(self.address)

    # -- the calls ----------------------------------------------------------------------------
    def transfer(self, to: str, amount: int, layer: str = L1) -> str:
        """Pay ``amount`` of the token to ``to`` on ``layer`` (on a channel, ``to`` is the
        channel's other party, the hub); returns the transaction's id."""
        if layer == L1:
            return self._l1("transfer", self.world.fabric.token, "transfer", to, amount)
        bridge = self.layer(layer)
        if isinstance(bridge, ChannelBridge):
            return self._channel_payment(bridge, to, amount)
        if isinstance(bridge, ZkBridge):
            tx = bridge.send(self.key, "transfer", {"to": bridge.index(to), "amount": amount // bridge.unit,
                                                    "fee": bridge.fee})
            return self._track("transfer", layer, self._zk_probe(bridge, tx))
        if isinstance(bridge, SidechainBridge):  # the token is an asset of the sidechain's asset contract
            raw = self._l2_send(bridge, ASSETS_AT, 0, (TRANSFER, asset_id(bridge.fabric.token), addr_int(to), amount))
        else:  # the optimistic rollup's native balance is the asset
            raw = self._l2_send(bridge, to, amount, ())
        return self._track("transfer", layer, self._l2_probe(bridge, raw), self._begin("transfer", layer, raw))

    def call(self, to: str, method: Any, *args: Any, layer: str = L1, value: int = 0) -> str:
        """Call contract ``to``: on L1 ``method`` is the method's name; on the optimistic rollup
        and the sidechain, whose VM takes argument words, ``method`` is its number (``r0``) and
        ``args`` its words. The ZK rollup and channels run no contracts (:class:`SdkError`)."""
        if layer == L1:
            return self._l1("call", to, method, *args, value=value)
        bridge = self.layer(layer)
        if isinstance(bridge, (ZkBridge, ChannelBridge)):
            raise SdkError(f"the {bridge.name} runs no contracts: its transactions are its own types")
        raw = self._l2_send(bridge, to, value, (int(method), *map(int, args)))
        return self._track("call", layer, self._l2_probe(bridge, raw), self._begin("call", layer, raw))

    def deposit(self, amount: int, layer: str) -> str:
        """Move ``amount`` from L1 onto ``layer`` through the asset registry (on a channel: open
        one with the hub); final once the layer credits it."""
        bridge = self.layer(layer)
        tx = self._begin("deposit", layer)
        before = bridge.balance(self.address)
        receipt = bridge.deposit(self.key, amount)
        block = receipt.block_number
        self.store.mark(tx, EXECUTED, self.platform.now, f"L1 block {block}")

        def probe() -> list[tuple[str, str]]:
            if bridge.balance(self.address) >= before + amount:
                return [(FINAL, f"credited on the {bridge.name} from L1 block {block}")]
            return []
        return self._track("deposit", layer, probe, tx)

    def withdraw(self, amount: int, layer: str) -> str:
        """Start moving ``amount`` from ``layer`` to L1; :meth:`wait` takes the user's proving step
        and finalization on L1 when the layer's rule allows (``final`` once paid on L1)."""
        bridge = self.layer(layer)
        w = bridge.withdraw(self.key, amount)
        return self._track("withdraw", layer, self._withdrawal_probe(bridge, w))

    def bridge(self, amount: int, src: str, dst: str) -> str:
        """Move ``amount`` from layer ``src`` to layer ``dst`` through L1 (withdraw, finalize,
        deposit); its stages are the withdrawal's, ``final`` once ``dst`` credits it."""
        tx = self._begin("bridge", f"{src} -> {dst}")
        self.wait(self.withdraw(amount, src))
        self.store.mark(tx, VERIFIED, self.platform.now, f"paid on L1 from the {self.layer(src).name}")
        self.wait(self.deposit(amount, dst))
        self.store.mark(tx, FINAL, self.platform.now, f"credited on the {self.layer(dst).name}")
        return tx

    def subscribe(self, layer: str, address: Optional[str] = None, names: Sequence[str] = ()) -> Subscription:
        """Events of ``layer`` (of contract ``address``, named ``names``), each with the finality
        it reached (:mod:`prozchain.rollup.messages.events`); ``poll()`` it as the world runs."""
        if layer == L1:
            return Subscription(L1Events(self.world.chain, address), names=names)
        bridge = self.layer(layer)
        if isinstance(bridge, ZkBridge):
            source = ZkEvents(self.world.chain, bridge.system.rollup,
                              operator=self.world.sim.agents[bridge.operator].pipeline)
        elif isinstance(bridge, OptimisticBridge):
            source = OptimisticEvents(bridge.system, bridge.node)
        elif isinstance(bridge, SidechainBridge):
            source = SidechainEvents(self.world.chain, bridge.system.bridge, bridge.state)
        else:
            raise SdkError("a channel emits no events: its two parties hold its states")
        return Subscription(source, address=address, names=names)

    def status(self, tx: str) -> TxStatus:
        """Where ``tx`` stands now: the layer is asked, the new stages recorded."""
        probe = self.probes.get(tx)
        if probe is not None:
            for stage, note in probe():
                if stage == REFUSED:
                    self.store.fail(tx, note)
                else:
                    self.store.mark(tx, stage, self.platform.now, note)
            record = self.store.get(tx)
            if record.final or record.failed:
                del self.probes[tx]
        return self.store.get(tx)

    def wait(self, tx: str, stage: str = FINAL, limit_ms: int = WAIT_MS) -> TxStatus:
        """Run the simulation until ``tx`` reaches ``stage``; :class:`SdkError` if it does not
        within ``limit_ms``."""
        want = STAGES.index(stage)
        def reached() -> bool:
            status = self.status(tx)
            if status.failed:
                raise SdkError(f"{tx}: the {status.layer} refused it: {status.failed}")
            return STAGES.index(status.current) >= want
        if not run_until(self.world.sim, reached, limit_ms):
            raise SdkError(f"{tx} did not reach {stage!r} within {limit_ms // 1000} simulated seconds "
                           f"(it is {self.status(tx).current!r})")
        return self.status(tx)

    # -- per layer ----------------------------------------------------------------------------
    def _begin(self, kind: str, layer: str, signed: Optional[bytes] = None) -> str:
        """Record a new transaction; its id is the hash of what was ``signed`` (the L1 or L2
        transaction, the channel state), else of the request (a deposit, a withdrawal)."""
        what = signed if signed is not None else f"{self.address}:{kind}:{layer}:{len(self.store.all())}".encode()
        tx = "0x" + keccak256(what).hex()
        self.store.begin(tx, layer, kind, self.platform.now)
        return tx

    def _track(self, kind: str, layer: str, probe: Probe, tx: Optional[str] = None) -> str:
        if tx is None:
            tx = self._begin(kind, layer)
        self.probes[tx] = probe
        self.status(tx)
        return tx

    def _l1(self, kind: str, to: str, method: str, *args: Any, value: int = 0) -> str:
        chain = self.world.chain
        receipt = chain.transact(self.key, to, method, *args, value=value, gas_limit=500_000)
        tx = "0x" + receipt.tx_hash.hex()
        self.store.begin(tx, L1, kind, self.platform.now)
        if not receipt.status:
            self.store.fail(tx, receipt.error or "reverted")
            return tx
        block = chain.blocks[receipt.block_number]
        self.store.mark(tx, IN_BATCH, self.platform.now, f"L1 block {block.number}")
        self.store.mark(tx, VERIFIED, self.platform.now, "an L1 transaction is its own block: no proof, no window")

        def probe() -> list[tuple[str, str]]:
            if chain.time >= block.timestamp + L1_FINALITY_S:
                return [(FINAL, "two epochs deep (Ethereum's rule)")]
            return []
        self.probes[tx] = probe
        return tx

    def channel_to(self, to: str) -> Optional[int]:
        """The user's open channel whose other party is ``to``, if any."""
        bridge = self.world.bridges.get("channel")
        if not isinstance(bridge, ChannelBridge) or to.lower() != bridge.hub.address.lower():
            return None
        cid = bridge.channel_of(self.address)
        open_ = cid is not None and self.world.chain.view(bridge.adjudicator, "channel", cid).status == OPEN
        return cid if open_ else None

    def _channel_payment(self, bridge: ChannelBridge, to: str, amount: int) -> str:
        cid = self.channel_to(to)
        if cid is None:
            raise SdkError(f"{self.address} has no open channel to {to} (channels here run to the hub "
                           f"{bridge.hub.address}): deposit on the channel first")
        bridge.transfer(self.key, bridge.hub.address, amount)
        state = bridge.clients[cid][0].latest
        tx = self._begin("transfer", "channel", state.encode())
        self.store.mark(tx, FINAL, self.platform.now,
                        f"co-signed version {state.version} of channel {cid}: final for both parties; L1 sees the "
                        "channel only when it closes")
        return tx

    def _l2_send(self, bridge: BridgeProtocol, to: str, value: int, args: tuple[int, ...]) -> bytes:
        """Sign an L2 transaction of the optimistic rollup or the sidechain (one VM, one key) and
        send it to the sequencer or to every validator."""
        nonce = max(bridge.nonces.get(self.address, 0), self._l2_nonce(bridge))
        bridge.nonces[self.address] = nonce + 1
        raw = L2Tx(nonce, to, value, args, gas_limit=100_000).sign(self.key).encode()
        if isinstance(bridge, OptimisticBridge):
            self.world.sim.network.send(USERS, bridge.sequencer, ("tx", raw.hex()))
        else:
            for v in bridge.system.validators:
                self.world.sim.network.send(USERS, v.name, raw)
        return raw

    def _l2_nonce(self, bridge: BridgeProtocol) -> int:
        if isinstance(bridge, OptimisticBridge):
            return bridge.node.ex.nonce(bridge._world(), self.address)
        return bridge.state.nonce(self.address)

    def _zk_probe(self, bridge: ZkBridge, tx: Any) -> Probe:
        pipeline, ident = self.world.sim.agents[bridge.operator].pipeline, tx_id(tx)

        def probe() -> list[tuple[str, str]]:
            bridge.node.sync()
            batch = bridge.node.included.get(ident)
            if batch is not None:
                return [(FINAL, f"batch {batch}: its Groth16 proof verified on L1 (posted and verified in one "
                                "L1 transaction)")]
            sealed = next((b.number for b in pipeline.sealed if any(tx_id(t) == ident for t in b.txs)), None)
            if sealed is not None:
                return [(IN_BATCH, f"sealed in batch {sealed}, being proven")]
            if any(tx_id(t) == ident for _, t in pipeline.mempool):
                return [(EXECUTED, "validated by the operator, in its mempool")]
            return []
        return probe

    def _l2_probe(self, bridge: BridgeProtocol, raw: bytes) -> Probe:
        if isinstance(bridge, OptimisticBridge):
            return self._optimistic_probe(bridge, raw)
        return self._sidechain_probe(bridge, raw)

    def _optimistic_probe(self, bridge: OptimisticBridge, raw: bytes) -> Probe:
        sequencer, key = self.world.sim.agents[bridge.sequencer], f"tx/{keccak256(raw).hex()}"
        chain, outputs, window = self.world.chain, bridge.system.outputs, bridge.system.config.window

        def probe() -> list[tuple[str, str]]:
            bridge._world()
            batch = next((b for b in bridge.node.batches if raw in b.txs), None)
            if batch is None:
                held = sequencer.store.get(key) is not None
                return [(EXECUTED, "accepted by the sequencer (stored before its acknowledgement)")] if held else []
            item = batch.txs.index(raw)
            if item not in batch.applied:
                return [(REFUSED, f"batch {batch.number} skipped it as invalid")]
            out = [(POSTED, f"batch {batch.number} posted to L1 and derived from it")]
            receipt = index_batch(bridge.node.ex, batch.trace).receipts[batch.trace.contexts[0].n_dep + item]
            if receipt.status == "reverted":
                return out + [(REFUSED, f"reverted in batch {batch.number}: none of its effects kept, its gas paid")]
            for _, log in chain.logs(outputs, "Proposed"):
                if log.args[1] == batch.number:
                    proposal = chain.view(outputs, "proposal", log.args[0])
                    if proposal.status == OUTPUT_FINALIZED:
                        out.append((FINAL, f"output {log.args[0]} finalized, its {window} s window passed"))
            return out
        return probe

    def _sidechain_probe(self, bridge: SidechainBridge, raw: bytes) -> Probe:
        chain, contract = self.world.chain, bridge.system.bridge

        def probe() -> list[tuple[str, str]]:
            state = bridge.state
            height = next((h for h in range(1, state.height + 1) if raw in state.blocks[h].txs), None)
            if height is None:
                return []
            out = [(IN_BATCH, f"sidechain block {height}")]
            for n in range(1, chain.view(contract, "count") + 1):
                cp = chain.view(contract, "checkpoint", n)
                if cp.first <= height <= cp.last:
                    out.append((POSTED, f"checkpoint {n} on L1"))
                    if chain.view(contract, "acceptable", cp.world):
                        out.append((FINAL, f"checkpoint {n} acceptable: {bridge.rule}"))
                    break
            return out
        return probe

    def _withdrawal_probe(self, bridge: BridgeProtocol, w: Withdrawal) -> Probe:
        def probe() -> list[tuple[str, str]]:
            status = bridge.status(w)
            if status.stage == PROVEN:
                return [(POSTED, "its evidence is on L1")]
            if status.stage == BRIDGE_FINAL:
                if not w.finalized:
                    bridge.finalize(w)  # the user's own step, as soon as the rule allows it
                return [(VERIFIED, status.rule), (FINAL, "paid on L1")]
            if status.stage == FINALIZED:
                return [(FINAL, "paid on L1")]
            prove_when_ready(bridge, w)
            return []
        return probe
