"""Relayers of L2-to-L1 messages on the harness, and a proposer that forges one.

A :class:`Relayer` follows the rollup like every optimistic agent (a node rebuilt from L1) and
indexes the messages each batch sent (:func:`~prozchain.rollup.messages.index.index_batch`).
``mode="honest"`` relays them, sender by sender in nonce order, from the latest finalized
output it agrees with, and replays failed ones with ``replay_gas``. ``mode="chaos"`` is the
relayer of the ``message-replay`` scenario: for ``actions`` turns it relays the message due next
and then relays that one again, and after that relays a random message (often out of order),
relays or replays one already delivered, or does nothing (the messages it never picks are
dropped); what it attempts the messenger must refuse or execute exactly once. Relayers learn
outcomes from the messenger's ``Relayed`` events, which exist whatever the messenger records.

:class:`ForgingProposer` lies once, like the optimistic room's lying proposer, but its false
world holds a forged message from the L2 bridge contract telling the vault to pay it the whole
escrow, and it relays that message (after the bridge's earlier ones) as soon as its output is
posted, before any window has passed.
"""

from __future__ import annotations

from typing import Any, Optional

from prozchain.rollup.messages.contracts.messenger import FAILED, UNKNOWN
from prozchain.rollup.messages.index import SentMessage, index_batch
from prozchain.rollup.messages.l2 import L2_BRIDGE
from prozchain.rollup.messages.message import Message
from prozchain.rollup.messages.system import Route, relay_args
from prozchain.rollup.optimistic.agents import Proposer, RollupAgent
from prozchain.rollup.optimistic.contracts.outputs import FINALIZED
from prozchain.rollup.vm.state import MESSAGE_WORDS, addr_int, message_nonce_key, state_root

RELAY_GAS = 1_000_000


class _MessageAgent(RollupAgent):
    def __init__(self, *args: Any, route: Route, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.route = route

    def on_start(self) -> None:
        super().on_start()
        self.sent: list[SentMessage] = []
        self._indexed = 0

    def _index(self) -> None:
        for batch in self.node.batches[self._indexed:]:
            self.sent += index_batch(self.node.ex, batch.trace).messages
        self._indexed = len(self.node.batches)

    def status(self, message: Message) -> int:
        return self.chain.view(self.route.messenger, "status", message.hash)

    def relay(self, pid: int, batch: int, message: Message, call_gas: int, world: Optional[bytes] = None) -> None:
        ctx = self.node.batches[batch].trace.final
        ctx = ctx if world is None else ctx.with_(world=world)
        self.submit(self.route.messenger, "relay", *relay_args(self.route, self.node.ex, pid, ctx, message, call_gas),
                    gas_limit=RELAY_GAS)

    def replay(self, message: Message, call_gas: int) -> None:
        self.submit(self.route.messenger, "replay", message.sender, message.nonce, message.target,
                    list(message.data), message.gas, call_gas, gas_limit=RELAY_GAS)


class Relayer(_MessageAgent):
    def __init__(self, *args: Any, mode: str = "honest", start_ms: int = 0, actions: int = 0,
                 replay_gas: int = 300_000, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mode, self.start_ms, self.actions, self.replay_gas = mode, start_ms, actions, replay_gas

    def on_start(self) -> None:
        super().on_start()
        self.rng = self.sim.scheduler.rng(f"{self.name}/relays")

    def final_output(self) -> Optional[tuple[int, int]]:
        """``(pid, batch)`` of the latest finalized output this relayer's node agrees with."""
        for pid, batch in sorted(self.events("Finalized"), key=lambda e: -e[1]):
            if batch < len(self.node.batches) and self.outputs("proposal", pid).status == FINALIZED \
                    and self.outputs("proposal", pid).output == self.honest_output(batch):
                return pid, batch
        return None

    def tick(self) -> None:
        self._index()
        final = self.final_output()
        if self.sim.scheduler.now < self.start_ms or final is None:
            return
        pid, batch = final
        provable = [m for m in self.sent if m.batch <= batch]
        if self.mode == "honest":
            self._honest(pid, batch, provable)
        elif self.store.get("actions", 0) < self.actions and provable:
            self.store.put("actions", self.store.get("actions", 0) + 1)
            self._chaos(pid, batch, provable)

    def outcomes(self) -> dict[bytes, bool]:
        """Each executed message's hash and whether some execution succeeded (from L1 events,
        which every relayer can read whatever the messenger records)."""
        seen: dict[bytes, bool] = {}
        for _, log in self.chain.logs(self.route.messenger, "Relayed"):
            seen[log.args[0]] = seen.get(log.args[0], False) or log.args[3]
        return seen

    def _honest(self, pid: int, batch: int, provable: list[SentMessage]) -> None:
        outcomes = self.outcomes()
        for sent in sorted(provable, key=lambda m: (m.sender, m.nonce)):
            message = self.route.message(sent)
            if message.hash not in outcomes:
                self.relay(pid, batch, message, message.gas)
                return
            if not outcomes[message.hash]:
                if self.status(message) == FAILED:
                    self.replay(message, max(self.replay_gas, message.gas))
                else:  # a messenger that keeps no failed set takes the proof again
                    self.relay(pid, batch, message, max(self.replay_gas, message.gas))
                return

    def _chaos(self, pid: int, batch: int, provable: list[SentMessage]) -> None:
        """First the message due next, with enough gas, then that message again; then at random:
        a delivered message again (relayed or replayed), any message (often out of order), or
        nothing."""
        outcomes, turn = self.outcomes(), self.store.get("actions", 0)
        delivered = [m for m in provable if outcomes.get(self.route.message(m).hash)]
        waiting = sorted((m for m in provable if self.route.message(m).hash not in outcomes),
                         key=lambda m: (m.sender, m.nonce))
        roll = self.rng.random()
        if delivered and (turn == 2 or roll < 0.3):
            message = self.route.message(self.rng.choice(delivered))
            if turn != 2 and self.rng.random() < 0.5:
                self.replay(message, self.replay_gas)
            else:
                self.relay(pid, batch, message, max(message.gas, self.replay_gas))
        elif waiting and (turn == 1 or roll < 0.8):
            message = self.route.message(waiting[0] if turn == 1 else self.rng.choice(waiting))
            self.relay(pid, batch, message, max(message.gas, self.replay_gas))


class ForgingProposer(Proposer, _MessageAgent):
    def _fake_world(self, world: bytes) -> tuple[bytes, int, int]:
        db, bridge = self.node.ex.db, addr_int(L2_BRIDGE)
        nonce = db.get(world, message_nonce_key(bridge))
        self._index()
        # All the vault holds once the bridge's true messages before the forged one are paid.
        amount = self.chain.state.balance(self.route.vault) - sum(
            m.data[1] for m in self.sent if m.sender == L2_BRIDGE.lower() and m.nonce < nonce
            and self.status(self.route.message(m)) == UNKNOWN)
        forged = Message(self.route.route, self.route.source, L2_BRIDGE, nonce, self.route.vault,
                         (addr_int(self.address), amount) + (0,) * (MESSAGE_WORDS - 2), 100_000)
        fake = db.write(db.write(world, forged.key, forged.commitment), message_nonce_key(bridge), nonce + 1)
        self.store.put("forged", {"nonce": nonce, "amount": amount})
        return fake, -1, amount

    def tick(self) -> None:
        if not self.busy() and self._relay_forged():
            return
        super().tick()

    def _relay_forged(self) -> bool:
        """Relay the bridge's messages up to the forged one from the false output, in order,
        each once; True if it sent a transaction."""
        lie, forged = self.store.get("lie"), self.store.get("forged")
        if lie is None or forged is None:
            return False
        world, batch = bytes.fromhex(lie["world"]), lie["batch"]
        fake_output = state_root(self.node.batches[batch].trace.final.with_(world=world))
        pid = next((p for p, b, output, who, _ in self.events("Proposed")
                    if b == batch and output == fake_output and who == self.address), None)
        done = self.store.get("forged_relayed", 0)
        if pid is None or done > forged["nonce"]:
            return False
        self._index()
        if done == forged["nonce"]:
            message = Message(self.route.route, self.route.source, L2_BRIDGE, done, self.route.vault,
                              (addr_int(self.address), forged["amount"]) + (0,) * (MESSAGE_WORDS - 2), 100_000)
        else:
            message = self.route.message(next(m for m in self.sent if m.sender == L2_BRIDGE.lower() and m.nonce == done))
        self.store.put("forged_relayed", done + 1)
        self.store.put("attempted", True)
        if self.status(message) == UNKNOWN:
            self.relay(pid, batch, message, max(message.gas, 100_000), world=world)
        return True
