"""The sidechain's block pipeline: mempool, stake-weighted proposers, blocks of VM
transactions, and a state database in SQLite holding every block with the VM's state roots.

A block is one run of the L2 VM (:mod:`prozchain.rollup.vm`): its inbox is the bridge deposits it
credits (in L1 order, from ``dep_start``) and its transactions; its header records the world
root before and after and the machine's output root (:func:`prozchain.rollup.vm.state_root` of the
halted context). Each header also names the L1 staking epoch whose validator set decides the
*next* height, so the set and its weights change only at block boundaries everyone agrees on.

>>> from prozchain.rollup.l1 import Key
>>> from prozchain.rollup.vm import L2Tx
>>> alice, bob = Key.from_seed(b"alice"), Key.from_seed(b"bob")
>>> state = ChainState(Genesis({alice.address: 100}))
>>> block = state.build(proposer=alice.address, time=1, txs=[L2Tx(0, bob.address, 30).sign(alice).encode()])
>>> state.commit(block)
>>> state.height, state.ex.balance(state.world, bob.address)
(1, 30)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Mapping, Optional, Sequence

from prozchain.rollup.economics import FeeModel, FeeTooLow, L1Prices
from prozchain.rollup.l1.crypto import Address, address_bytes, to_address
from prozchain.rollup.l1.errors import InvalidTransaction
from prozchain.rollup.sidechain.errors import InvalidBlock, InvalidMessage
from prozchain.rollup.sim.store import MemoryStore, Store
from prozchain.rollup.vm import Deposit, Executor, L2Tx, inbox_roots, state_root
from prozchain.rollup.vm.tx import in_nonce_turn
from prozchain.rollup.vm.codec import decode_rlp, rlp_encode, to_int
from prozchain.rollup.vm.errors import DecodeError
from prozchain.rollup.vm.merkle import EMPTY, keccak

SIDECHAIN_ID = 7001
MAX_TXS = 64


@dataclass(frozen=True)
class Header:
    """What validators vote on and checkpoints commit to."""

    height: int
    parent: bytes
    epoch: int
    proposer: str
    time: int
    dep_start: int
    n_dep: int
    dep_root: bytes
    txs_root: bytes
    n_txs: int
    prev_world: bytes
    world: bytes
    output: bytes
    chain_id: int = SIDECHAIN_ID

    def encode(self) -> bytes:
        return rlp_encode([self.chain_id, self.height, self.parent, self.epoch,
                           address_bytes(to_address(self.proposer)), self.time, self.dep_start,
                           self.n_dep, self.dep_root, self.txs_root, self.n_txs, self.prev_world,
                           self.world, self.output])

    @cached_property
    def hash(self) -> bytes:
        return keccak(self.encode())

    @classmethod
    def decode(cls, data: bytes) -> "Header":
        """The header in ``data``; :class:`InvalidMessage` if it is not one."""
        try:
            (chain_id, height, parent, epoch, proposer, time, dep_start, n_dep, dep_root, txs_root,
             n_txs, prev_world, world, output) = decode_rlp(data)
            roots = (parent, dep_root, txs_root, prev_world, world, output)
            if any(not isinstance(r, bytes) or len(r) != 32 for r in roots):
                raise DecodeError("a header root is not 32 bytes")
            return cls(to_int(height), parent, to_int(epoch), to_address(proposer), to_int(time),
                       to_int(dep_start), to_int(n_dep), dep_root, txs_root, to_int(n_txs),
                       prev_world, world, output, to_int(chain_id))
        except (ValueError, TypeError) as exc:
            raise InvalidMessage(f"not a sidechain header: {exc}") from exc


@dataclass(frozen=True)
class Block:
    header: Header
    deposits: tuple[Deposit, ...] = ()
    txs: tuple[bytes, ...] = ()

    @property
    def hash(self) -> bytes:
        return self.header.hash

    @property
    def height(self) -> int:
        return self.header.height

    def to_json(self) -> dict:
        return {"header": self.header.encode().hex(), "deposits": [d.encode().hex() for d in self.deposits],
                "txs": [t.hex() for t in self.txs]}

    @classmethod
    def from_json(cls, data: dict) -> "Block":
        try:
            return cls(Header.decode(bytes.fromhex(data["header"])),
                       tuple(Deposit.decode(bytes.fromhex(d)) for d in data["deposits"]),
                       tuple(bytes.fromhex(t) for t in data["txs"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidMessage(f"not a sidechain block: {exc}") from exc


@dataclass(frozen=True)
class Genesis:
    """Balances, contract code and storage of the sidechain's first state, and the staking
    epoch whose set decides height 1."""

    balances: Mapping[str, int] = field(default_factory=dict)
    code: Mapping[str, Sequence[int]] = field(default_factory=dict)
    storage: Mapping[tuple[str, int], int] = field(default_factory=dict)
    epoch: int = 0

    def header(self, ex: Executor) -> Header:
        world = ex.genesis(self.balances, self.code, self.storage)
        return Header(0, EMPTY, self.epoch, to_address(0), 0, 0, 0, EMPTY, EMPTY, 0, world, world, EMPTY)


# -- proposers ---------------------------------------------------------------------------------
class ValidatorSet:
    """Validators and their voting power (their bonded stake). Decisions need more than
    two thirds of the power; ``faulty`` is the most power that may misbehave under it.

    >>> vs = ValidatorSet([("0x" + "01" * 20, 3), ("0x" + "02" * 20, 1)])
    >>> vs.quorum, [vs.proposer(0, r)[-2:] for r in range(4)]
    (3, ['01', '02', '01', '01'])
    """

    def __init__(self, members: Sequence[tuple[str, int]]) -> None:
        self.members = tuple((to_address(a), int(p)) for a, p in members)
        if not self.members or any(p <= 0 for _, p in self.members) or \
                len({a for a, _ in self.members}) != len(self.members):
            raise InvalidBlock("a validator set needs distinct members with positive power")
        self._powers = dict(self.members)
        self._priorities = {a: 0 for a, _ in self.members}
        self._sequence: list[str] = []

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ValidatorSet) and other.members == self.members

    def __hash__(self) -> int:
        return hash(self.members)

    def __len__(self) -> int:
        return len(self.members)

    @property
    def addresses(self) -> list[str]:
        return [a for a, _ in self.members]

    @property
    def total(self) -> int:
        return sum(self._powers.values())

    @property
    def quorum(self) -> int:
        """The least power that is more than two thirds of the total."""
        return self.total * 2 // 3 + 1

    @property
    def faulty(self) -> int:
        """The most power that may be Byzantine while the quorum still holds an honest majority."""
        return (self.total - 1) // 3

    def power(self, address: str) -> int:
        return self._powers.get(address, 0)

    def weight(self, voters) -> int:
        """The power of the distinct ``voters`` that are members."""
        return sum(self._powers.get(v, 0) for v in set(voters))

    def proposer(self, height: int, round_: int) -> str:
        """Tendermint's weighted round robin: every slot each validator gains its power in
        priority, the highest proposes and pays the total back; slot = height + round."""
        slot = height + round_
        total = self.total
        while len(self._sequence) <= slot:
            for address, power in self.members:
                self._priorities[address] += power
            best = max(self.members, key=lambda m: (self._priorities[m[0]], m[0]))[0]
            self._priorities[best] -= total
            self._sequence.append(best)
        return self._sequence[slot]


# -- mempool -----------------------------------------------------------------------------------
class Mempool:
    """Pending VM transactions by hash, handed out in arrival order, each in its sender's nonce
    turn (:func:`~prozchain.rollup.vm.tx.in_nonce_turn`). Given a fee
    model (``fees``) and the L1 prices its quotes use (``prices``), it refuses a transaction
    whose signed gas price does not cover the quote
    (:meth:`~prozchain.rollup.economics.FeeModel.admit`), naming the shortfall.

    >>> from prozchain.rollup.l1 import Key
    >>> k = Key.from_seed(b"m")
    >>> pool = Mempool()
    >>> raws = [L2Tx(n, k.address, 1).sign(k).encode() for n in (1, 0)]
    >>> [pool.add(r) for r in raws] == [True, True]
    True
    >>> [L2Tx.decode(r).nonce for r in pool.select(lambda a: 0, 10)]
    [0, 1]
    >>> from prozchain.rollup.economics import BaseFeeRule, FeeModel, L1Prices
    >>> priced = Mempool(fees=FeeModel(BaseFeeRule(10_000), l2_base_fee=10), prices=lambda: L1Prices(0, 0))
    >>> priced.add(L2Tx(0, k.address, 1, gas_price=9).sign(k).encode())
    Traceback (most recent call last):
    ...
    prozchain.rollup.sidechain.errors.InvalidMessage: mempool refuses the transaction: fee 450000 wei is below the 500000 wei this block requires (500000 execution + 0 L1 data): 50000 wei short
    """

    def __init__(self, reserved: Sequence[str] = (), fees: Optional[FeeModel] = None,
                 prices: Optional[Callable[[], L1Prices]] = None) -> None:
        if (fees is None) != (prices is None):
            raise ValueError("a mempool's fee model needs the L1 prices it quotes at, and only it does")
        self.txs: dict[bytes, L2Tx] = {}
        self.reserved = frozenset(reserved)
        self.fees, self.prices = fees, prices

    def add(self, raw: bytes) -> bool:
        """Admit a signed VM transaction of this chain; False if already known. Senders in
        ``reserved`` (system accounts, whose transactions come from L1) are refused."""
        try:
            tx = L2Tx.decode(raw)
            tx.sender
        except (DecodeError, InvalidTransaction) as exc:
            raise InvalidMessage(f"mempool refuses the transaction: {exc}") from exc
        if tx.sender in self.reserved:
            raise InvalidMessage(f"mempool refuses the transaction: {tx.sender} is a system account")
        if self.fees is not None:
            try:
                self.fees.admit(raw, tx.gas_limit, tx.gas_price, self.prices())
            except FeeTooLow as exc:
                raise InvalidMessage(f"mempool refuses the transaction: {exc}") from exc
        if tx.hash in self.txs:
            return False
        self.txs[tx.hash] = tx
        return True

    def select(self, nonce_of: Callable[[str], int], limit: int) -> list[bytes]:
        """Up to ``limit`` transactions in arrival order (first come first served: the
        sidechain's ordering policy), each once its sender's nonce follows its account nonce."""
        return [tx.encode() for tx in in_nonce_turn(list(self.txs.values()), nonce_of, limit)]

    def remove(self, raws: Sequence[bytes], nonce_of: Callable[[str], int]) -> None:
        """Drop what a committed block included and whatever its nonces made stale."""
        for raw in raws:
            self.txs.pop(keccak(raw), None)
        for h, tx in list(self.txs.items()):
            if tx.nonce < nonce_of(tx.sender):
                del self.txs[h]


# -- state database --------------------------------------------------------------------------
class ChainState:
    """The committed chain on top of the VM. ``store`` (the agent's SQLite store) keeps every
    block with its commit certificate; a new instance replays them, checking each state root.
    Blocks hold at most ``max_txs`` transactions (a chain parameter: presets differ in it).
    ``opener(raw, epoch)`` turns what a block carries into the transaction the VM runs (the
    enterprise chain's envelopes, :mod:`~prozchain.rollup.sidechain.node.enterprise`), raising
    :class:`InvalidBlock` for one it refuses; by default blocks carry the transactions themselves."""

    def __init__(self, genesis: Genesis, store: Optional[Store] = None, max_txs: int = MAX_TXS,
                 opener: Optional[Callable[[bytes, int], bytes]] = None) -> None:
        self.ex, self.max_txs, self.opener = Executor(), max_txs, opener
        self.store = store if store is not None else MemoryStore()
        self.headers: list[Header] = [genesis.header(self.ex)]
        self.blocks: list[Optional[Block]] = [None]
        self._checked: set[bytes] = set()
        for height in range(1, self.store.get("head", 0) + 1):
            block = Block.from_json(self.store.get(f"block/{height:012d}"))
            self._apply(block)

    @property
    def height(self) -> int:
        return len(self.headers) - 1

    @property
    def head(self) -> Header:
        return self.headers[-1]

    @property
    def world(self) -> bytes:
        return self.head.world

    @property
    def dep_next(self) -> int:
        """The index of the first L1 deposit no block has credited yet."""
        return self.head.dep_start + self.head.n_dep

    def nonce(self, address: str) -> int:
        return self.ex.nonce(self.world, address)

    def build(self, proposer: str, time: int, txs: Sequence[bytes] = (),
              deposits: Sequence[Deposit] = (), epoch: Optional[int] = None) -> Block:
        """The next block with these contents, executed on the VM."""
        parent = self.head
        epoch = parent.epoch if epoch is None else epoch
        run = self.plain(txs, epoch)
        trace = self.ex.run(self.ex.start(parent.world, parent.height + 1, deposits, run))
        dep_root, txs_root = inbox_roots(deposits, run)
        header = Header(parent.height + 1, parent.hash, epoch,
                        to_address(proposer), time, self.dep_next, len(deposits), dep_root, txs_root,
                        len(txs), parent.world, trace.final.world, state_root(trace.final))
        return Block(header, tuple(deposits), tuple(txs))

    def plain(self, txs: Sequence[bytes], epoch: int) -> list[bytes]:
        """The transactions the VM runs for what a block of ``epoch`` carries (see ``opener``)."""
        return list(txs) if self.opener is None else [self.opener(raw, epoch) for raw in txs]

    def check(self, block: Block) -> None:
        """:class:`InvalidBlock` unless ``block`` follows the head and its roots are what the
        VM computes (deposit order and epoch are the caller's to judge against L1)."""
        h, parent = block.header, self.head
        if h.height != parent.height + 1 or h.parent != parent.hash:
            raise InvalidBlock(f"block {h.height} does not extend head {parent.height}")
        if h.dep_start != self.dep_next or h.epoch < parent.epoch or h.time <= parent.time:
            raise InvalidBlock(f"block {h.height}: deposit start, epoch or time goes backwards")
        if len(block.txs) > self.max_txs:
            raise InvalidBlock(f"block {h.height} has {len(block.txs)} txs, at most {self.max_txs}")
        if block.hash in self._checked:
            return
        expected = self.build(h.proposer, h.time, block.txs, block.deposits, h.epoch).header
        if expected != h:
            raise InvalidBlock(f"block {h.height}: header roots differ from re-execution")
        self._checked.add(block.hash)

    def commit(self, block: Block, certificate: Sequence = ()) -> None:
        """Check ``block``, write it (with its certificate) to the store, then apply it."""
        self.check(block)
        with self.store.batch():
            self.store.put(f"block/{block.height:012d}", block.to_json())
            self.store.put(f"cert/{block.height:012d}", list(certificate))
            self.store.put("head", block.height)
        self._apply(block)

    def _apply(self, block: Block) -> None:
        if block.hash not in self._checked:  # a stored block: replay it (its nodes are in memory only)
            trace = self.ex.run(self.ex.start(self.world, block.height, block.deposits,
                                              self.plain(block.txs, block.header.epoch)))
            if trace.final.world != block.header.world:
                raise InvalidBlock(f"stored block {block.height} replays to another world root")
        self._checked.clear()
        self.headers.append(block.header)
        self.blocks.append(block)

    def certificate(self, height: int) -> list:
        return self.store.get(f"cert/{height:012d}", [])
