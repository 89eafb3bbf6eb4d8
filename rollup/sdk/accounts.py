"""Smart accounts on the optimistic rollup's VM (:mod:`prozchain.rollup.vm`): an account that
batches calls and pays its fees in a token through a paymaster.

The ZK rollup runs only its registered transaction types and a channel or the sidechain's
bridge carries no account code of the user's, so accounts live on the layer whose VM runs
contracts: the optimistic rollup, either its VM run here as its sequencer runs it, one batch
per bundle (:class:`Ledger`), or the live rollup of an SDK platform (:class:`LiveState`, the
state derived from L1; the accounts and the fee token are in its genesis, :func:`predeploys`,
and :meth:`~prozchain.rollup.sdk.client.Client.user_op` sends operations to its sequencer).

- The **account** (:data:`ACCOUNT_CODE`) keeps its owner, its nonce and its entry point.
  ``execute(nonce, calls...)`` from the entry point only, at the account's nonce only (then
  bumped: a replayed operation reverts), runs up to :data:`MAX_CALLS` calls in order; a call
  that fails reverts the whole transaction, so a batch is all or nothing.
- A **user operation** (:class:`UserOp`) is what the owner signs with the same key as on every
  other layer: the account, its nonce and the calls. The VM has no signature-recovery
  instruction, so the entry point (:class:`Bundler`) checks the owner's signature and the nonce
  before it submits; the account checks the nonce again and who called.
- The **paymaster** (:class:`Paymaster`) pays the L2 gas (in the L2's native currency) of the
  operations whose first call pays it, in its token, at least its price for the gas; it refuses
  any other (:class:`~prozchain.rollup.sdk.errors.UserOpRejected`).

>>> from prozchain.rollup.l1 import Key
>>> owner, shop = Key.from_seed(b"doc-owner"), "0x" + "5b" * 20
>>> bundler, ledger = Bundler.demo(owner, tokens=1_000)
>>> pay = [Call(ledger.token, 1, addr_int(shop), 30), Call(ledger.token, 1, addr_int(shop), 20)]
>>> op = bundler.account.op(pay, paymaster=bundler.paymaster)
>>> bundler.submit(op.sign(owner))
'ok'
>>> ledger.token_balance(bundler.account.address), ledger.token_balance(shop), ledger.token_balance(bundler.paymaster.address)
(940, 50, 10)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from typing import Mapping, Optional, Sequence

from prozchain.rollup.crosslayer.agents import OptimisticBridge
from prozchain.rollup.l1 import Key
from prozchain.rollup.l1.crypto import keccak256, recover_address, to_address
from prozchain.rollup.messages.index import index_batch
from prozchain.rollup.sdk.errors import UserOpRejected
from prozchain.rollup.vm import Executor, L2Tx
from prozchain.rollup.vm.examples import TOKEN, token_storage
from prozchain.rollup.vm.isa import assemble
from prozchain.rollup.vm.state import addr_int, mapping_slot

OWNER_SLOT, NONCE_SLOT, ENTRY_SLOT = 0, 1, 2
MAX_CALLS = 3
ARG2_BITS = 88  # a call's first word: target (160 bits) | method (8) | second argument (88)
TRANSFER = 1  # the example token's transfer(to, amount)
RATE_UNIT = 10_000  # a paymaster's rate is in tokens per this much native fee
TOKEN_AT = "0x" + "70" * 20  # the fee token's address on the L2
PAYMASTER_SEED = b"sdk-paymaster"

ACCOUNT_SOURCE = f"""
execute:                  # its one method: r1 = nonce, r2..r7 = up to three calls of two words each
    SET r0, 2
    MSTORE r0, r2
    SET r0, 3
    MSTORE r0, r3
    SET r0, 4
    MSTORE r0, r4
    SET r0, 5
    MSTORE r0, r5
    SET r0, 6
    MSTORE r0, r6
    SET r0, 7
    MSTORE r0, r7
    ENV r6, 0             # only the entry point calls
    SET r7, {ENTRY_SLOT}
    SLOAD r7, r7
    EQ r6, r6, r7
    JUMPI r6, authorized
    REVERT
authorized:               # only at the account's nonce, then bumped
    SET r7, {NONCE_SLOT}
    SLOAD r6, r7
    EQ r5, r6, r1
    JUMPI r5, fresh
    REVERT
fresh:
    SET r5, 1
    ADD r6, r6, r5
    SSTORE r7, r6
    SET r4, 2             # the memory index of the next call
next:
    SET r5, 8
    LT r5, r4, r5
    JUMPI r5, more
done:
    SET r0, 1
    RET r0
more:
    MLOAD r3, r4          # word A: target | method | second argument
    ISZERO r5, r3
    JUMPI r5, done        # an empty call ends the batch
    SET r5, 1
    ADD r5, r4, r5
    MLOAD r1, r5          # word B: the first argument
    SET r5, {(1 << ARG2_BITS) - 1}
    AND r2, r3, r5
    SET r5, {ARG2_BITS}
    SHR r6, r3, r5
    SET r5, 255
    AND r0, r6, r5
    SET r5, 8
    SHR r7, r6, r5
    SET r5, 0
    CALL r7, r5, r3       # a callee that reverts reverts the whole batch
    ISZERO r5, r3
    JUMPI r5, fail
    SET r5, 2
    ADD r4, r4, r5
    JUMP next
fail:
    REVERT
"""
ACCOUNT_CODE = assemble(ACCOUNT_SOURCE)


@dataclass(frozen=True)
class Call:
    """A call of a batch: ``target``'s method number ``method`` with two argument words (the
    second below 2**88)."""

    target: str
    method: int
    arg1: int = 0
    arg2: int = 0

    def words(self) -> tuple[int, int]:
        if not 0 < self.method < 256 or not 0 <= self.arg2 < 2**ARG2_BITS:
            raise UserOpRejected(f"a call's method is 1..255 and its second argument below 2**{ARG2_BITS}")
        return (addr_int(self.target) << 8 | self.method) << ARG2_BITS | self.arg2, self.arg1


@dataclass(frozen=True)
class UserOp:
    """What the owner of ``account`` signs: its ``nonce`` and up to :data:`MAX_CALLS` calls."""

    account: str
    nonce: int
    calls: tuple[Call, ...]
    signature: Optional[tuple[int, int, int]] = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not 0 < len(self.calls) <= MAX_CALLS:
            raise UserOpRejected(f"a user operation holds 1 to {MAX_CALLS} calls, not {len(self.calls)}")

    def signing_hash(self) -> bytes:
        words = [addr_int(self.account), self.nonce] + [w for c in self.calls for w in c.words()]
        return keccak256(b"user-op" + b"".join(w.to_bytes(32, "big") for w in words))

    def sign(self, key: Key) -> "UserOp":
        return replace(self, signature=key.sign(self.signing_hash()))

    def args(self) -> tuple[int, ...]:
        """The account's ``execute`` arguments."""
        return (1, self.nonce) + tuple(w for c in self.calls for w in c.words())


class State(ABC):
    """The L2 state an account and a paymaster read: contract storage, and the fee ``token``."""

    token: str

    @abstractmethod
    def slot(self, address: str, slot: int) -> int:
        """Storage ``slot`` of contract ``address``."""

    def token_balance(self, owner: str) -> int:
        return self.slot(self.token, mapping_slot(addr_int(owner), 0))


class Ledger(State):
    """The optimistic rollup's VM with a fee token (:data:`~prozchain.rollup.vm.examples.TOKEN`)
    deployed, run as its sequencer runs it: each :meth:`apply` is one batch."""

    def __init__(self, balances: Mapping[str, int], code: Mapping[str, Sequence[int]],
                 storage: Mapping[tuple[str, int], int], token: str) -> None:
        self.ex, self.token, self.batch = Executor(), token, 0
        self.world = self.ex.genesis(balances, code, storage)

    def apply(self, raw: bytes) -> str:
        """Run one transaction in a batch of its own; its receipt's status (``ok``,
        ``reverted``, ``skipped``)."""
        trace = self.ex.run(self.ex.start(self.world, self.batch, [], [raw]))
        self.world, self.batch = trace.final.world, self.batch + 1
        return index_batch(self.ex, trace).receipts[0].status

    def slot(self, address: str, slot: int) -> int:
        return self.ex.storage(self.world, address, slot)


class LiveState(State):
    """The state of a running optimistic rollup as derived from L1 by ``bridge``'s node (what
    the bundler checks operations against: an operation counts once its batch is on L1)."""

    def __init__(self, bridge: OptimisticBridge, token: str = TOKEN_AT) -> None:
        self.bridge, self.token = bridge, token

    def slot(self, address: str, slot: int) -> int:
        return self.bridge.node.ex.storage(self.bridge._world(), address, slot)


@dataclass(frozen=True)
class Account:
    """A smart account on the ledger: its address and its owner."""

    address: str
    owner: str
    ledger: State

    @property
    def nonce(self) -> int:
        return self.ledger.slot(self.address, NONCE_SLOT)

    def op(self, calls: Sequence[Call], fee: Optional[int] = None, paymaster: Optional["Paymaster"] = None) -> UserOp:
        """An unsigned operation at the account's nonce; with a ``paymaster``, its fee call
        (``fee`` tokens, default the paymaster's price) comes first."""
        if paymaster is not None:
            pay = paymaster.price() if fee is None else fee
            calls = [Call(self.ledger.token, TRANSFER, addr_int(paymaster.address), pay), *calls]
        return UserOp(self.address, self.nonce, tuple(calls))


class Paymaster:
    """Pays the L2 gas of operations that pay it first, in its token: ``rate`` tokens per
    :data:`RATE_UNIT` of native fee (``gas_limit`` at ``gas_price``), rounded up."""

    def __init__(self, key: Key, ledger: State, rate: int = 1, gas_limit: int = 100_000, gas_price: int = 1) -> None:
        self.key, self.ledger, self.rate, self.gas_limit, self.gas_price = key, ledger, rate, gas_limit, gas_price
        self.nonce = 0

    @property
    def address(self) -> str:
        return self.key.address

    def price(self) -> int:
        """The tokens an operation pays for its gas."""
        return -(-self.gas_limit * self.gas_price * self.rate // RATE_UNIT)

    def approve(self, op: UserOp) -> None:
        """:class:`UserOpRejected` unless the first call pays this paymaster its price in its
        token, out of a balance that covers it."""
        first = op.calls[0]
        pays = first.target == to_address(self.ledger.token) and first.method == TRANSFER and \
            first.arg1 == addr_int(self.address)
        if not pays:
            raise UserOpRejected(f"paymaster {self.address}: the operation's first call does not pay it in its token")
        if first.arg2 < self.price():
            raise UserOpRejected(f"paymaster {self.address}: a fee of {first.arg2} tokens is below its price "
                                 f"{self.price()}")
        if self.ledger.token_balance(op.account) < first.arg2:
            raise UserOpRejected(f"paymaster {self.address}: account {op.account} holds "
                                 f"{self.ledger.token_balance(op.account)} tokens, below the fee {first.arg2}")

    def sponsor(self, op: UserOp) -> bytes:
        """The L2 transaction carrying ``op``, signed and paid for by the paymaster."""
        tx = L2Tx(self.nonce, op.account, 0, op.args(), gas_limit=self.gas_limit, gas_price=self.gas_price)
        self.nonce += 1
        return tx.sign(self.key).encode()


@dataclass
class Bundler:
    """The entry point of ``account``: checks an operation (the owner's signature, the nonce, the
    paymaster's approval) and submits it through the paymaster."""

    account: Account
    paymaster: Paymaster
    seen: set[bytes] = field(default_factory=set)

    def check(self, op: UserOp) -> None:
        """:class:`UserOpRejected` for a bad signature, a used or future nonce, or a paymaster's no."""
        if op.account != self.account.address or op.signature is None or \
                recover_address(op.signing_hash(), op.signature) != self.account.owner:
            raise UserOpRejected(f"the operation is not signed by the owner of {op.account}")
        if op.signing_hash() in self.seen or op.nonce != self.account.nonce:
            raise UserOpRejected(f"nonce {op.nonce} of {op.account} is not its next ({self.account.nonce}): "
                                 "a replayed or out-of-order operation")
        self.paymaster.approve(op)

    def prepare(self, op: UserOp, checked: bool = True) -> bytes:
        """Check ``op`` (unless ``checked`` is False: what a careless entry point would do; the
        account still refuses a replay) and return the L2 transaction carrying it, for the
        sequencer."""
        if checked:
            self.check(op)
        self.seen.add(op.signing_hash())
        return self.paymaster.sponsor(op)

    def submit(self, op: UserOp, checked: bool = True) -> str:
        """:meth:`prepare` ``op`` and run it on the account's :class:`Ledger`; its receipt's status."""
        ledger = self.account.ledger
        if not isinstance(ledger, Ledger):
            raise UserOpRejected("a live account's operations go to its sequencer: see Client.user_op")
        return ledger.apply(self.prepare(op, checked))

    @classmethod
    def demo(cls, owner: Key, tokens: int, rate: int = 1) -> tuple["Bundler", Ledger]:
        """A ledger with a token, a smart account of ``owner`` holding ``tokens`` of it, and a
        paymaster at ``rate`` (10 tokens an operation at rate 1) funded with native currency."""
        paymaster = Key.from_seed(PAYMASTER_SEED)
        account = account_address(owner.address)
        code, storage = predeploys({owner.address: tokens}, paymaster.address)
        ledger = Ledger({paymaster.address: 10**18}, code, storage, TOKEN_AT)
        return cls(Account(account, owner.address, ledger), Paymaster(paymaster, ledger, rate)), ledger


def account_address(owner: str) -> str:
    """The smart account of ``owner``'s key (one per key, at the same address on every deployment)."""
    return to_address(keccak256(b"smart-account:" + bytes.fromhex(owner[2:]))[:20])


def predeploys(tokens: Mapping[str, int], entry_point: str) -> tuple[dict[str, Sequence[int]], dict[tuple[str, int], int]]:
    """The genesis code and storage of the fee token (at :data:`TOKEN_AT`) and of a smart account
    per owner of ``tokens`` (each holding that many), all entered through ``entry_point`` (the
    paymaster's key, which sends the operations)."""
    accounts = {account_address(owner): owner for owner in tokens}
    storage = dict(token_storage(TOKEN_AT, {account_address(o): n for o, n in tokens.items()}))
    for account, owner in accounts.items():
        storage[(account, OWNER_SLOT)], storage[(account, ENTRY_SLOT)] = addr_int(owner), addr_int(entry_point)
    return {TOKEN_AT: TOKEN, **{a: ACCOUNT_CODE for a in accounts}}, storage
