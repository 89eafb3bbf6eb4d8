"""The recorder: runs a scenario and writes what its simulations do into the explorer's index as
it happens.

It watches every simulation the scenario creates (:func:`~prozchain.rollup.sim.world.observe`)
and, after the scheduler's events (:attr:`~prozchain.rollup.sim.scheduler.Scheduler.on_event`,
outside the trace, so the run is the same run), indexes the L1 blocks mined since it last looked
and re-reads the agents' SQLite stores through read-only connections: ZK batches, sidechain
blocks, optimistic sequencer transactions, channel payments. ``pace`` seconds of sleep after
each look let a person watch a run that would otherwise be over in seconds.
:meth:`Recorder.recording` does the same for an SDK platform a program drives, and indexes the
stage records of the transactions its clients send.

>>> import os, tempfile
>>> index = Index(os.path.join(tempfile.mkdtemp(), "explorer.sqlite"))
>>> result = Recorder(index).record("l1-crash-restart", seed=1)
>>> result.ok, index.meta()["done"], index.counts()["l1"]["blocks"] > 0
(True, True, True)
"""

from __future__ import annotations

import time
import typing
from contextlib import contextmanager
from typing import Any, Iterator, Mapping, Optional

from prozchain.rollup.channels.state import State as ChannelState
from prozchain.rollup.explorer.index import Block, Event, Index, Tx
from prozchain.rollup.l1 import abi
from prozchain.rollup.l1.chain import Chain
from prozchain.rollup.l1.crypto import keccak256
from prozchain.rollup.sdk.client import Platform
from prozchain.rollup.sdk.stages import StageStore, TxStatus
from prozchain.rollup.sdk.stores import zk_tx_hash
from prozchain.rollup.sidechain.node.chain import Block as SidechainBlock
from prozchain.rollup.sim import registry
from prozchain.rollup.sim.registry import ScenarioResult
from prozchain.rollup.sim.store import read_rows
from prozchain.rollup.sim.world import Simulation, observe
from prozchain.rollup.vm import L2Tx

PERIOD_MS = 2_000  # how much simulated time passes between two looks


class Recorder:
    """Writes the runs of scenarios into ``index``; see the module doc."""

    def __init__(self, index: Index, pace: float = 0.0, period_ms: int = PERIOD_MS) -> None:
        self.index, self.pace, self.period_ms = index, pace, period_ms
        self.sims: list[Simulation] = []
        self._seen: list[int] = []  # L1 blocks indexed, per simulation
        self._last: list[int] = []
        self._rows: dict[tuple[int, str], dict[str, Any]] = {}  # the store rows indexed, per agent
        self.runs: list[str] = []
        self._stages: dict[int, StageStore] = {}  # the SDK platform's stage store, per simulation

    def record(self, name: str, seed: int = 0, overrides: Optional[Mapping[str, str]] = None) -> ScenarioResult:
        """Run scenario ``name`` (as ``prozchain scenario run`` does) while indexing it."""
        self.runs.append(f"{name} seed {seed}")
        self.index.put_meta(scenario=name, seed=seed, params=dict(overrides or {}), runs=self.runs, done=False, ok=None)
        try:
            with observe(self.watch):
                result = registry.run(name, seed, overrides)
        except Exception as exc:  # the page says the run broke instead of "running" for ever
            self.index.put_meta(done=True, ok=False, summary=[f"{name} seed {seed} raised {type(exc).__name__}: {exc}"])
            raise
        for k in range(len(self.sims)):
            self.look(k)
        self.index.put_meta(done=True, ok=result.ok, summary=result.report())
        return result

    @contextmanager
    def recording(self, platform: Platform, name: str = "SDK platform") -> Iterator[Platform]:
        """Index ``platform`` while the ``with`` block uses it: its simulation as :meth:`record`
        indexes a scenario's, and the stage records of the transactions its SDK clients send,
        which the stages page and the search show (no ``--stages`` file needed). Enters and
        leaves the platform's own block too."""
        self.runs.append(name)
        self.index.put_meta(scenario=name, seed=None, params={}, runs=self.runs, done=False, ok=None)
        self.watch(platform.world.sim)
        k = len(self.sims) - 1
        self._stages[k] = platform.stages
        try:
            with platform:
                yield platform
        finally:
            self.look(k)
            self.index.put_meta(done=True, ok=True, summary=[f"{name}: {len(platform.stages.all())} SDK transactions"])

    def watch(self, sim: Simulation) -> None:
        """Start indexing ``sim`` (the callback :func:`observe` calls)."""
        k = len(self.sims)
        self.sims.append(sim)
        self._seen.append(0)
        self._last.append(-self.period_ms)
        sim.scheduler.on_event = lambda: self._tick(k)

    def _tick(self, k: int) -> None:
        now = self.sims[k].scheduler.now
        if now - self._last[k] >= self.period_ms:
            self._last[k] = now
            self.look(k)
            if self.pace:
                time.sleep(self.pace)

    def look(self, k: int) -> None:
        """Index what simulation ``k`` did since the last look."""
        sim = self.sims[k]
        if sim.chain is not None:
            self._index_l1(k, sim.chain)
        for name, agent in list(sim.agents.items()):
            if agent.durable:
                self._index_store(k, name, read_rows(sim.store_path(name)))
        if k in self._stages:
            self._index_stages(k, self._stages[k].all())
        self.index.put_meta(sims=len(self.sims), sim_time_ms=sim.scheduler.now, steps=sim.scheduler.steps,
                            updated=time.time())

    def _index_l1(self, k: int, chain: Chain) -> None:
        names = {address: type(code).__name__ for address, code in chain.state.code.items()}
        blocks, txs, events = [], [], []
        for block in chain.blocks[self._seen[k]:]:
            blocks.append(Block("l1", k, block.number, "0x" + block.hash.hex(), block.timestamp,
                                len(block.transactions), block.gas_used,
                                {"base_fee": block.base_fee_per_gas, "blob_gas": block.blob_gas_used}))
            for tx, receipt in zip(block.transactions, block.receipts):
                h = "0x" + tx.hash.hex()
                method, args = _decode_call(chain, tx.to, tx.data)
                detail = {"args": args, "error": receipt.error, "fee": str(receipt.fee), "nonce": tx.nonce,
                          "blobs": len(tx.blobs), "created": receipt.contract_address,
                          "contract": names.get(tx.to or "", "")}
                txs.append(Tx(h, "l1", k, block.number, tx.sender, tx.to or "", method, str(tx.value),
                              "0x" + tx.data.hex(), "ok" if receipt.status else "reverted", receipt.gas_used, detail))
                events += [Event(k, block.number, h, i, log.address, names.get(log.address, ""), log.name,
                                 list(log.args)) for i, log in enumerate(receipt.logs)]
        self._seen[k] = len(chain.blocks)
        self.index.put_blocks(blocks)
        self.index.put_txs(txs)
        self.index.put_events(events)

    def _index_stages(self, k: int, records: list[TxStatus]) -> None:
        known = self._rows.setdefault((k, "sdk stages"), {})
        changed = [r for r in records if known.get(r.tx) != r.to_json()]
        known.update((r.tx, r.to_json()) for r in changed)
        self.index.put_stages(changed)

    def _index_store(self, k: int, agent: str, rows: dict[str, Any]) -> None:
        blocks, txs = [], []
        known = self._rows.setdefault((k, agent), {})
        for key, value in rows.items():
            if known.get(key) == value:
                continue
            known[key] = value
            kind = key.split("/", 1)[0]
            if kind == "batch" and isinstance(value, dict) and "txs" in value:
                _zk_batch(k, value, blocks, txs)
            elif kind == "block" and isinstance(value, dict) and "header" in value:
                _sidechain_block(k, value, blocks, txs)
            elif kind == "tx" and isinstance(value, list) and len(value) == 2:
                txs.append(_l2_tx(k, "optimistic", None, bytes.fromhex(value[1]), {"sequenced": value[0]}))
            elif kind == "ch" and key.endswith("/cosigned") and isinstance(value, list):
                _channel_state(k, bytes.fromhex(value[0]), rows.get(key[:-len("cosigned")] + "params") or {},
                               blocks, txs)
            elif kind == "link" and key.count("/") == 2 and isinstance(value, list):
                _, cid, version = key.split("/")
                txs.append(Tx(_hash(f"{agent}/{key}".encode()), "channel", k, int(version), agent, f"channel {cid}",
                              "payment", "", "", "signed", 0, {"payment": value, "channel": cid}))
        self.index.put_blocks(blocks)
        self.index.put_txs(txs)


def _hash(data: bytes) -> str:
    return "0x" + keccak256(data).hex()


def _decode_call(chain: Chain, to: Optional[str], data: bytes) -> tuple[str, dict[str, Any]]:
    """The method a call names and its arguments by parameter name ("" for a plain transfer)."""
    if to is None:
        return "(create)", {}
    code = chain.state.code.get(to)
    if code is None or len(data) < 4:
        return "", {}
    for name, spec in type(code).methods.items():
        if spec.selector == data[:4]:
            try:
                values = abi.decode(spec.types, data[4:])
            except Exception:  # calldata the contract rejected is shown raw
                return name, {}
            hints = [p for p in typing.get_type_hints(getattr(type(code), name)) if p != "return"]
            return name, dict(zip(hints, values))
    return data[:4].hex(), {}


def _channel_state(k: int, raw: bytes, params: dict, blocks: list[Block], txs: list[Tx]) -> None:
    """A co-signed channel state: the channel is the "block", each version a "transaction";
    its HTLCs' hashlocks tie the hops of one routed payment together."""
    state = ChannelState.decode(raw)
    blocks.append(Block("channel", k, state.channel, _hash(f"channel/{state.channel}".encode()), 0, state.version,
                        0, {"a": params.get("a"), "b": params.get("b"), "total": params.get("total"),
                            "version": state.version, "final": state.final}))
    htlcs = [{"payer": "AB"[h.payer], "amount": h.amount, "hashlock": "0x" + h.hashlock.hex(), "expiry": h.expiry}
             for h in state.htlcs]
    txs.append(Tx(_hash(raw), "channel", k, state.channel, params.get("a", ""), params.get("b", ""),
                  f"state v{state.version}", f"{state.balance_a}/{state.balance_b}", "0x" + raw.hex(),
                  "final" if state.final else "co-signed", 0, {"htlcs": htlcs}))


def _zk_batch(k: int, batch: dict, blocks: list[Block], txs: list[Tx]) -> None:
    number = batch["number"]
    real = [t for t in batch["txs"] if t.get("type") != "noop"]
    blocks.append(Block("zk", k, number, _hash(repr(batch).encode()), 0, len(real), 0,
                        {"old_root": batch["old_root"], "new_root": batch["new_root"], "version": batch.get("version")}))
    for t in real:
        fields = t.get("fields", {})
        txs.append(Tx(zk_tx_hash(t), "zk", k, number, str(fields.get("from", fields.get("ax", ""))),
                      str(fields.get("to", "")), t["type"], str(fields.get("amount", "")), "", "in a batch", 0,
                      {"fields": fields}))


def _sidechain_block(k: int, data: dict, blocks: list[Block], txs: list[Tx]) -> None:
    block = SidechainBlock.from_json(data)
    header = block.header
    blocks.append(Block("sidechain", k, header.height, "0x" + keccak256(header.encode()).hex(), header.time,
                        len(block.txs), 0, {"proposer": header.proposer, "epoch": header.epoch,
                                            "deposits": len(block.deposits), "world": header.world}))
    txs += [_l2_tx(k, "sidechain", header.height, raw, {}) for raw in block.txs]


def _l2_tx(k: int, layer: str, block: Optional[int], raw: bytes, detail: dict) -> Tx:
    tx = L2Tx.decode(raw)
    try:
        sender = tx.sender
    except Exception:  # an unsigned or malformed transaction still has a page
        sender = ""
    return Tx(_hash(raw), layer, k, block, sender, tx.to, "call" if tx.args else "transfer", str(tx.value),
              "0x" + raw.hex(), "sequenced" if block is None else "in a block", 0,
              {**detail, "nonce": tx.nonce, "args": list(tx.args)})
