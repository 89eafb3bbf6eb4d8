"""The numbers of docs/messages.md: the L1 gas of relaying a message on each route, of a failed
first attempt and its replay, of a message from L1 to L2, and the L2 gas of sending one.

Run ``prozchain measure messages``. Every figure is deterministic (fixed keys and seeds).

>>> hand = ByHand()
>>> pid = hand.batch([hand.lock(0, 10**17, 80_000)])
>>> hand.finalize(pid)
>>> receipt = hand.relay(0, pid, hand.sent(0)[0], 80_000)
>>> receipt.status, receipt.return_value
(True, True)
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from prozchain.rollup.common.units import ETHER
from prozchain.rollup.l1 import Chain, Key, Receipt
from prozchain.rollup.messages.contracts.messenger import ALL_CHECKS, OPTIMISTIC, SIDECHAIN
from prozchain.rollup.messages.index import SentMessage, index_batch, index_block
from prozchain.rollup.messages.l2 import BRIDGE_CODE, L2_BRIDGE
from prozchain.rollup.messages.system import Route, deploy_route, l2_genesis, relay_args
from prozchain.rollup.optimistic import system as optimistic
from prozchain.rollup.optimistic.node import L2Node
from prozchain.rollup.sidechain.node.chain import Genesis as SidechainGenesis
from prozchain.rollup.sidechain.system import MODES, Config, System as SidechainSystem, build
from prozchain.rollup.vm.codec import pack_batch
from prozchain.rollup.vm.executor import inbox_roots
from prozchain.rollup.vm.state import Context, addr_int
from prozchain.rollup.vm.tx import L2Tx

WINDOW = 600


class ByHand:
    """An optimistic rollup with a messenger, driven by hand: ``users`` funded on both layers,
    batches posted and proposed honestly by the deployer, outputs finalized by advancing time;
    the rollup's states committed to with ``commitment`` (a :data:`~prozchain.rollup.vm.merkle.COMMITMENTS` name)."""

    def __init__(self, users: int = 3, checks: int = ALL_CHECKS, commitment: str = "keccak") -> None:
        self.deployer = Key.from_seed(b"deployer")
        self.users = [Key.from_seed(f"user-{i}".encode()) for i in range(users)]
        self.chain = Chain({k.address: 100 * ETHER for k in [self.deployer, *self.users]})
        config = optimistic.Config(window=WINDOW, clock=120, commitment=commitment)
        self.rollup = optimistic.deploy(self.chain, self.deployer, self.deployer.address,
                                        l2_genesis({u.address: ETHER for u in self.users}), config)
        self.route = deploy_route(self.chain, self.deployer, OPTIMISTIC, self.rollup.outputs, users * ETHER,
                                  portal=self.rollup.portal, checks=checks, scheme=config.scheme)
        self.node = L2Node(self.chain, self.rollup.portal, self.rollup.genesis, config.scheme)
        self.nonces = {u.address: 0 for u in self.users}

    def l2(self, user: int, to: str, value: int, args: tuple) -> bytes:
        """User ``user``'s next L2 transaction, signed and encoded."""
        key = self.users[user]
        tx = L2Tx(self.nonces[key.address], to, value, args, gas_limit=200_000).sign(key)
        self.nonces[key.address] += 1
        return tx.encode()

    def lock(self, user: int, amount: int, l1_gas: int) -> bytes:
        """Lock ``amount`` in the L2 bridge contract: a message to the vault paying it back to ``user`` on L1."""
        return self.l2(user, L2_BRIDGE, amount, (1, addr_int(self.route.vault), addr_int(self.users[user].address),
                                                 l1_gas))

    def batch(self, txs: list[bytes]) -> int:
        """Post ``txs`` as the next batch, derive it, propose its output; returns the proposal id."""
        _, txs_root = inbox_roots([], txs)
        self.chain.transact(self.deployer, self.rollup.portal, "post_batch", pack_batch(txs), txs_root, len(txs),
                            gas_limit=3_000_000)
        self.node.sync()
        b = len(self.node.batches) - 1
        trace = self.node.batches[b].trace
        return self.chain.transact(self.deployer, self.rollup.outputs, "propose", b, trace.final.encode(),
                                   len(trace), value=ETHER, gas_limit=3_000_000).return_value

    def finalize(self, pid: int) -> None:
        self.chain.advance_time(WINDOW + 1)
        self.chain.transact(self.deployer, self.rollup.outputs, "finalize", pid)

    def sent(self, batch: int) -> list[SentMessage]:
        return index_batch(self.node.ex, self.node.batches[batch].trace).messages

    def relay(self, user: int, pid: int, sent: SentMessage, call_gas: int) -> Receipt:
        """User ``user`` relays ``sent`` proven in proposal ``pid``'s world."""
        batch = self.chain.view(self.rollup.outputs, "proposal", pid).batch
        args = relay_args(self.route, self.node.ex, pid, self.node.batches[batch].trace.final,
                          self.route.message(sent), call_gas)
        return self.chain.transact(self.users[user], self.route.messenger, "relay", *args, gas_limit=2_000_000)

    def replay(self, user: int, sent: SentMessage, call_gas: int) -> Receipt:
        m = self.route.message(sent)
        return self.chain.transact(self.users[user], self.route.messenger, "replay", m.sender, m.nonce, m.target,
                                   list(m.data), m.gas, call_gas, gas_limit=2_000_000)


@dataclass
class SidechainMessage:
    """A message locked on a sidechain, its checkpoint posted on L1 (not yet acceptable)."""

    system: SidechainSystem
    route: Route
    user: Key
    checkpoint: int
    relay_args: tuple


def sidechain_message(mode: str = "staking", amount: int = ETHER // 4, seed: int = 3) -> SidechainMessage:
    """Run a sidechain (model ``mode``, 120 s window) until a lock in its L2 bridge contract is
    in a checkpoint on L1; the relay arguments prove it there."""
    user = Key.from_seed(b"sidechain-messenger-user")
    genesis = SidechainGenesis(balances={user.address: ETHER}, code={L2_BRIDGE: BRIDGE_CODE})
    system = build(seed, Config(mode=MODES[mode], window=120), genesis=genesis, users=[user])
    chain = system.chain
    route = deploy_route(chain, system.keys["deployer"], SIDECHAIN, system.bridge, ETHER)
    raw = L2Tx(0, L2_BRIDGE, amount, (1, addr_int(route.vault), addr_int(user.address), 80_000),
               gas_limit=200_000).sign(user).encode()
    with system.sim:
        system.sim.scheduler.at(3_000, "user: lock", lambda: [system.sim.network.send("user", v.name, raw)
                                                              for v in system.validators])
        sent, until = [], 3_000
        while not sent:
            until += system.config.l1_block_ms
            system.sim.run(until=until)
            state = system.validators[0].chain
            sent = [(h, m) for h in range(1, state.height + 1) for m in index_block(state, h).messages]
        ((height, message),) = sent
        number = (height - 1) // system.config.checkpoint_every + 1
        while chain.view(system.bridge, "count") < number:
            until += system.config.l1_block_ms
            system.sim.run(until=until)
    world = chain.view(system.bridge, "checkpoint", number).world
    args = relay_args(route, state.ex, number, Context(world=world), route.message(message), 80_000)
    return SidechainMessage(system, route, user, number, args)


def gas_numbers() -> dict[str, int]:
    """L1 gas (and the L2 gas of a lock sending a message) of each step, in one run per route."""
    hand = ByHand()
    lock = hand.lock(0, ETHER // 10, 80_000)
    pid = hand.batch([lock, hand.lock(1, ETHER // 10, 3_000)])
    hand.finalize(pid)
    first, second = hand.sent(0)
    trace = hand.node.batches[0].trace
    numbers = {"L2 gas of a lock that sends a message": index_batch(hand.node.ex, trace).receipts[0].gas_used,
               "optimistic: relay (proof + execution)": hand.relay(2, pid, first, 80_000).gas_used,
               "optimistic: relay whose execution fails (too little gas asked)": hand.relay(2, pid, second, 3_000).gas_used,
               "optimistic: replay of the failed one": hand.replay(2, second, 80_000).gas_used,
               "optimistic: refused second relay": hand.relay(2, pid, first, 80_000).gas_used}
    ping = hand.chain.transact(hand.users[0], hand.rollup.portal, "send_message", L2_BRIDGE, [7], 50_000,
                               gas_limit=500_000)
    numbers["L1 to L2: portal.send_message"] = ping.gas_used
    side = sidechain_message()
    chain = side.system.chain
    chain.advance_time(side.system.config.window + 1)
    chain.mine()
    numbers["sidechain (staking): relay"] = chain.transact(side.user, side.route.messenger, "relay", *side.relay_args,
                                                           gas_limit=2_000_000).gas_used
    return numbers


def register(subparsers: argparse._SubParsersAction) -> None:
    """``prozchain measure messages`` (listed in :data:`prozchain.cli.MEASUREMENTS`)."""
    parser = subparsers.add_parser("messages", help="L1 gas of relaying a message on each route",
                                   description=__doc__.split("\n\n")[0])
    parser.set_defaults(func=measure_command)


def measure_command(args: argparse.Namespace) -> int:
    """The page's table (docs/messages.md), in Markdown."""
    print("| step | gas |\n|---|---|")
    for step, gas in gas_numbers().items():
        print(f"| {step} | {gas:,} |")
    return 0
