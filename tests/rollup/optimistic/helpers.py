"""A rollup on a bare L1, driven by hand (no simulation): post, propose, dispute, withdraw."""

from __future__ import annotations

from dataclasses import dataclass, field

from prozchain.rollup.common.units import ETHER
from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.optimistic.node import Genesis, L2Node
from prozchain.rollup.optimistic.contracts.outputs import split_points
from prozchain.rollup.optimistic.system import Config, System, deploy
from prozchain.rollup.vm import L2Tx
from prozchain.rollup.vm.codec import pack_batch
from prozchain.rollup.vm.examples import TOKEN, token_storage
from prozchain.rollup.vm.executor import inbox_roots
from prozchain.rollup.vm.state import BRIDGE, addr_int

TOKEN_AT = "0x" + "70" * 20
BRIDGE_AT = "0x" + BRIDGE.to_bytes(20, "big").hex()
NAMES = ("deployer", "sequencer", "proposer", "challenger", "other", "alice", "bob")
CONFIG = Config(window=1_000, clock=100, proposer_bond=ETHER, challenger_bond=ETHER // 2, arity=4)


@dataclass
class Rig:
    chain: Chain
    system: System
    keys: dict[str, Key]
    node: L2Node
    nonces: dict[str, int] = field(default_factory=dict)

    # -- L1 calls ------------------------------------------------------------------------------
    def tx(self, who: str, to: str, method: str, *args, value: int = 0):
        return self.chain.transact(self.keys[who], to, method, *args, value=value, gas_limit=5_000_000)

    def outputs(self, who: str, method: str, *args, value: int = 0):
        return self.tx(who, self.system.outputs, method, *args, value=value)

    def view(self, method: str, *args):
        return self.chain.view(self.system.outputs, method, *args)

    def wait(self, seconds: int) -> None:
        self.chain.advance_time(seconds)
        self.chain.mine()

    # -- L2 ------------------------------------------------------------------------------------
    def l2(self, who: str, to: str, *args: int, value: int = 0) -> bytes:
        key = self.keys[who]
        nonce = self.nonces.get(who, 0)
        self.nonces[who] = nonce + 1
        return L2Tx(nonce, to, value, args, gas_limit=100_000).sign(key).encode()

    def post(self, txs: list[bytes]) -> int:
        receipt = self.tx("sequencer", self.system.portal, "post_batch", pack_batch(txs),
                          inbox_roots([], txs)[1], len(txs))
        assert receipt.status, receipt.error
        self.node.sync()
        return receipt.return_value

    def propose(self, batch: int, who: str = "proposer", world: bytes | None = None):
        trace = self.node.batches[batch].trace
        ctx = trace.final if world is None else trace.final.with_(world=world)
        return self.outputs(who, "propose", batch, ctx.encode(), max(len(trace), 1),
                            value=self.system.config.proposer_bond)

    def transfers(self, count: int) -> list[bytes]:
        """``count`` token transfers from alice to bob (about 21 VM steps each)."""
        return [self.l2("alice", TOKEN_AT, 1, addr_int(self.keys["bob"].address), 1) for _ in range(count)]

    # -- playing a game ---------------------------------------------------------------------------
    def bisect(self, gid: int, batch: int):
        game = self.view("game", gid)
        trace = self.node.batches[batch].trace
        points = split_points(game.lo, game.hi, self.system.config.arity)
        return self.outputs("proposer", "bisect", gid, [trace.root(p) for p in points[1:-1]])

    def choose_honestly(self, gid: int, batch: int):
        points, roots = next((p, r) for _, log in reversed(self.chain.logs(self.system.outputs, "Bisected"))
                             for g, p, r in [log.args] if g == gid)
        trace = self.node.batches[batch].trace
        part = next(i for i in range(len(points) - 1) if roots[i + 1] != trace.root(points[i + 1]))
        return self.outputs("challenger", "choose", gid, part)

    def prove(self, gid: int, batch: int, who: str = "challenger"):
        lo = self.view("game", gid).lo
        witness = self.node.ex.witness(self.node.batches[batch].trace.context(lo))
        return self.outputs(who, "prove", gid, witness.encode())

    def play_out(self, gid: int, batch: int) -> tuple[int, int, bool]:
        """An honest challenger against a defender of true inner roots, to the end.
        Returns (bisection rounds, dispute L1 gas, whether the challenger won)."""
        rounds, gas = 0, 0
        while True:
            game = self.view("game", gid)
            if game.hi - game.lo == 1:
                receipt = self.prove(gid, batch)
                assert receipt.status, receipt.error
                return rounds, gas + receipt.gas_used, receipt.return_value
            for receipt in (self.bisect(gid, batch), self.choose_honestly(gid, batch)):
                assert receipt.status, receipt.error
                gas += receipt.gas_used
            rounds += 1


def rig(config: Config = CONFIG, vk=None, code: dict | None = None, balances: dict | None = None,
        start_vks=None) -> Rig:
    """The rollup of ``config`` with the token contract (and ``code`` and L2 ``balances`` at genesis)."""
    keys = {n: Key.from_seed(n.encode()) for n in NAMES}
    chain = Chain({k.address: 1_000 * ETHER for k in keys.values()})
    storage = token_storage(TOKEN_AT, {keys["alice"].address: 10**6}, config.scheme)
    genesis = Genesis(balances=balances or {}, code={TOKEN_AT: TOKEN, **(code or {})}, storage=storage)
    system = deploy(chain, keys["deployer"], keys["sequencer"].address, genesis, config, vk, start_vks=start_vks)
    return Rig(chain, system, keys, L2Node(chain, system.portal, genesis, config.scheme))


def fake_world(r: Rig, batch: int) -> bytes:
    """The batch's world with one byte of a balance changed: a wrong output."""
    from prozchain.rollup.vm.state import balance_key
    world = r.node.world(batch)
    key = balance_key(addr_int(r.keys["proposer"].address))
    return r.node.ex.db.write(world, key, r.node.ex.db.get(world, key) + 10**18)
