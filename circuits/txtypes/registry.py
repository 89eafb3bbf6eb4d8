"""Transaction types of the ZK rollup, registered by name: their data layout and state update.

A type is a :class:`TxType`: its fields (each a byte width: how it is posted as data), which
fields name the accounts it touches (``a``, then ``b``, then any number more, ``c``, ``d``, ...,
given in ``more``), how many of them sign (the first ``signers``), and an update function per
account, ``update_a(checks, fields, account) -> account``, the same for ``b``, and ``more``'s.
The update functions are written once and run twice: out of circuit on ints (the sequencer
validates with them, a failed check raises :class:`TxRejected` with the reason) and in circuit
on variables (the batch circuit constrains with them). ``checks`` offers ``range``, ``equal``
and ``nonzero``; plain ``+ - *`` on the values works in both worlds.

The rules are enforced, not left to each author:

- **The nonce is the framework's** (replay protection): :meth:`TxType.update`, which the
  sequencer and the batch circuit both call, sets a signer's nonce to its old nonce + 1 and
  keeps every other account's; whatever an update function returns as the nonce is dropped. A
  signed transaction therefore applies once, whatever its type's updates do.
- **An update must accept all-zero inputs**: every slot of a batch runs every type's update on
  inputs multiplied by "this slot has my type" (0 or 1). ``range`` and ``equal`` hold on zeros
  by nature, and ``nonzero`` is switched off for the other types' slots; :func:`register` runs
  each update on all-zero inputs and refuses one that fails there.
- :func:`register` refuses, with a :class:`RegistryError` naming the rule, a type id that is
  not a byte or is taken (0-3 are noop, deposit, transfer, withdraw, 4 full_exit), field widths other than
  1..31 or 32, accounts that are not 4-byte fields, signers that are not the first accounts,
  and an L1 effect without its fields.

**Slots.** One slot of the batch circuit holds ``SLOT_ACCOUNTS`` = 2 accounts and posts
``SLOT_ELEMENTS`` = 4 data elements. A type with more accounts or more data elements occupies
:attr:`TxType.n_slots` consecutive slots, ``max(ceil(accounts / 2), ceil(elements / 4))``: its
part ``p`` updates accounts ``2p`` and ``2p + 1`` (a, b in part 0; c, d in part 1, ...) and
posts elements ``4p .. 4p + 3``. Its data is posted once, as any type's; only the batch's slot
count grows. Nothing else changes for the author.

>>> t = get("transfer")
>>> t.type_id, [name for name, _ in t.fields], t.signers
(2, ['from', 'to', 'amount', 'fee'], 1)
>>> sender = Account(5, 6, balance=100, nonce=3)
>>> t.update("a", PyChecks(t), {"from": 1, "to": 2, "amount": 30, "fee": 1}, sender)
Account(ax=5, ay=6, balance=69, nonce=4)
>>> t.update("a", PyChecks(t), {"from": 1, "to": 2, "amount": 300, "fee": 1}, sender)
Traceback (most recent call last):
...
prozchain.circuits.txtypes.registry.TxRejected: transfer: the sender's balance does not cover amount + fee
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Generic, Mapping, Optional, TypeVar

from prozchain.native.curve import R

from prozchain.circuits.api import assert_equal, assert_nonzero
from prozchain.circuits.errors import CircuitError
from prozchain.circuits.gadgets.bits import range_check

BALANCE_BITS = 64
ELEMENT_BYTES = 31  # bytes packed into one field element of the batch data
FULL = 32  # a field of this width is a whole field element (below R), not packed
SLOT_ELEMENTS = 4  # data elements one slot of the batch circuit posts (hashes)
SLOT_ACCOUNTS = 2  # accounts one slot of the batch circuit updates
ROLES = "abcdefghijklmnopqrstuvwxyz"  # the accounts' names, in the order they are updated
INDEX_BYTES = 4  # an account index field
BUILTIN_IDS = {0: "noop", 1: "deposit", 2: "transfer", 3: "withdraw", 4: "full_exit"}
L1_FIELDS = {"": (), "deposit": ("to", "amount", "ax", "ay"), "withdraw": ("to", "amount"),
             "full_exit": ("account", "amount", "request")}  # what the contract reads
V = TypeVar("V")


class TxRejected(CircuitError, ValueError):
    """A transaction that cannot apply to the state: the message says which check failed."""


class NonceAhead(TxRejected):
    """A transaction validly signed for a later nonce of its account: not yet, rather than never."""


class RegistryError(CircuitError, ValueError):
    """A transaction type that breaks a rule or clashes with a registered one, or a set of
    types a batch circuit cannot take; the message names the rule."""


@dataclass(frozen=True)
class Account(Generic[V]):
    """An account leaf's content: Baby Jubjub public key, balance, nonce (ints or variables)."""

    ax: V
    ay: V
    balance: V
    nonce: V

    def values(self) -> list[V]:
        return [self.ax, self.ay, self.balance, self.nonce]

    def replace(self, **changes: Any) -> "Account[V]":
        return replace(self, **changes)


EMPTY = Account(0, 0, 0, 0)
Update = Callable[[Any, Mapping[str, Any], Account], Account]


def unchanged(checks: Any, fields: Mapping[str, Any], account: Account) -> Account:
    """The update of an account a type does not touch."""
    return account


@dataclass(frozen=True)
class TxType:
    """A transaction type; see the module doc. ``more`` holds the accounts after ``a`` and ``b``
    (``c``, ``d``, ...) as ``(field, update)`` pairs; ``signers`` counts the accounts that sign,
    from the first. ``l1`` names an effect the rollup contract applies on L1 ("deposit": consume
    the deposit queue's head, whose fields are ``to``, ``amount``, ``ax``, ``ay``; "withdraw":
    credit ``amount`` to the L1 address ``to``; "full_exit": serve forced withdrawal request
    ``request`` of account ``account`` by paying ``amount`` to the account's L1 owner), and
    ``fee`` the field paid to the aggregator on L1.

    A payment split between two payees, three accounts, hence two slots:

    >>> credit = lambda name: lambda c, f, acc: acc.replace(balance=acc.balance + f[name])
    >>> split = TxType("split-doc", 202, (("from", 4), ("to1", 4), ("to2", 4), ("x", 8), ("y", 8)), a="from",
    ...                b="to1", signers=1, update_a=lambda c, f, acc: acc.replace(balance=acc.balance - f["x"] - f["y"]),
    ...                update_b=credit("x"), more=(("to2", credit("y")),))
    >>> split.accounts, split.roles, split.n_slots
    (('from', 'to1', 'to2'), 'abc', 2)
    >>> split.update("c", PyChecks(split), {"from": 1, "to1": 2, "to2": 3, "x": 5, "y": 7}, Account(1, 2, 10, 0))
    Account(ax=1, ay=2, balance=17, nonce=0)
    """

    name: str
    type_id: int
    fields: tuple[tuple[str, int], ...] = ()
    a: Optional[str] = None
    b: Optional[str] = None
    signers: int = 0
    update_a: Update = unchanged
    update_b: Update = unchanged
    l1: str = ""
    fee: Optional[str] = None
    more: tuple[tuple[str, Update], ...] = ()

    @property
    def accounts(self) -> tuple[Optional[str], ...]:
        """The fields naming the accounts, in update order (a, b, c, ...): None for an unused a or b."""
        accounts = (self.a, self.b) + tuple(name for name, _ in self.more)
        return accounts if self.more or self.b else accounts[:1] if self.a else ()

    @property
    def roles(self) -> str:
        """The accounts' names, ``"ab"`` for two accounts, ``"abc"`` for three."""
        return ROLES[:len(self.accounts)]

    @property
    def n_slots(self) -> int:
        """The consecutive slots of the batch circuit a transaction of this type occupies (see
        the module doc): 1 for up to 2 accounts and 4 data elements."""
        return max(1, -(-len(self.accounts) // SLOT_ACCOUNTS), -(-len(self.layout()) // SLOT_ELEMENTS))

    def signs(self, role: str) -> bool:
        """Whether account ``role`` ("a", "b", ...) signs: the first ``signers`` accounts do."""
        return ROLES.index(role) < self.signers

    def update_of(self, role: str) -> Update:
        """The update function of account ``role`` (:func:`unchanged` beyond the type's accounts)."""
        k = ROLES.index(role)
        updates = (self.update_a, self.update_b) + tuple(update for _, update in self.more)
        return updates[k] if k < len(updates) else unchanged

    def update(self, role: str, checks: Any, fields: Mapping[str, Any], account: Account) -> Account:
        """Account ``role`` ("a", "b", ...) after this transaction: the type's update of it, with
        the nonce set by the framework (old + 1 for a signer, else the old one), on ints or on
        circuit variables alike."""
        new = self.update_of(role)(checks, fields, account)
        if not isinstance(new, Account):
            raise RegistryError(f"{self.name}: update_{role} returned {type(new).__name__}, not an Account")
        return new.replace(nonce=account.nonce + 1 if self.signs(role) else account.nonce)

    def field_names(self) -> list[str]:
        return [name for name, _ in self.fields]

    def layout(self) -> list[list[tuple[str, int]]]:
        """The data elements: chunks of at most 31 bytes packing the type byte and the small
        fields in order (a field never straddles two), then one element per full field."""
        chunks: list[list[tuple[str, int]]] = [[("", 1)]]
        for name, width in self.fields:
            if width == FULL:
                continue
            if sum(w for _, w in chunks[-1]) + width > ELEMENT_BYTES:
                chunks.append([])
            chunks[-1].append((name, width))
        return chunks + [[(name, FULL)] for name, width in self.fields if width == FULL]

    def part_elements(self, values: Mapping[str, Any], part: int, type_value: Any = None) -> list[Any]:
        """The data elements slot ``part`` of a transaction posts: ``elements`` 4p .. 4p + 3."""
        return self.elements(values, type_value)[SLOT_ELEMENTS * part:SLOT_ELEMENTS * (part + 1)]

    def elements(self, values: Mapping[str, Any], type_value: Any = None) -> list[Any]:
        """The data elements of a transaction (ints, or variables in circuit: it is linear;
        there ``type_value`` is the type id times the 0/1 "this slot has my type")."""
        type_value = self.type_id if type_value is None else type_value
        out = []
        for chunk in self.layout():
            total, shift = 0, 8 * sum(w for _, w in chunk)
            for name, width in chunk:
                shift -= 8 * width
                total = total + (values[name] if name else type_value) * (1 << shift)
            out.append(total)
        return out

    def encode(self, values: Mapping[str, int]) -> bytes:
        """The type byte, then each field big-endian in its width: what is posted on L1."""
        out = bytearray([self.type_id])
        for name, width in self.fields:
            value = values[name]
            if not 0 <= value < (R if width == FULL else 1 << (8 * width)):
                raise TxRejected(f"{self.name}: field {name} = {value} does not fit its {width} bytes")
            out += value.to_bytes(width, "big")
        return bytes(out)

    def decode(self, data: bytes, at: int) -> tuple[dict[str, int], int]:
        """The fields starting after the type byte at ``at``, and the offset after them."""
        values, pos = {}, at + 1
        for name, width in self.fields:
            if pos + width > len(data):
                raise TxRejected(f"{self.name}: data ends inside field {name} at byte {pos}")
            values[name] = int.from_bytes(data[pos:pos + width], "big")
            if width == FULL and values[name] >= R:
                raise TxRejected(f"{self.name}: field {name} at byte {pos} is not below R")
            pos += width
        return values, pos


class PyChecks:
    """Out-of-circuit checks: a failed one raises :class:`TxRejected` naming the type and reason."""

    def __init__(self, tx_type: TxType):
        self.tx_type = tx_type

    def _fail(self, ok: bool, reason: str) -> None:
        if not ok:
            raise TxRejected(f"{self.tx_type.name}: {reason}")

    def range(self, x: int, bits: int, reason: str) -> None:
        self._fail(0 <= x < 1 << bits, reason)

    def equal(self, x: int, y: int, reason: str) -> None:
        self._fail((x - y) % R == 0, reason)

    def nonzero(self, x: int, reason: str) -> None:
        self._fail(x % R != 0, reason)


class OtherSlotChecks(PyChecks):
    """The checks as the batch circuit makes them in another type's slot, where this type's
    inputs are gated to zero: ``nonzero(x)`` holds unless ``x + 1`` is zero (see
    :class:`CircuitChecks`). :func:`register` runs updates under them on all-zero inputs."""

    def nonzero(self, x: int, reason: str) -> None:
        self._fail((x + 1) % R != 0, reason)


class CircuitChecks:
    """In-circuit checks for the type selected by the 0/1 variable ``selected``."""

    def __init__(self, selected: Any):
        self.selected = selected

    def range(self, x: Any, bits: int, reason: str) -> None:
        range_check(x, bits)

    def equal(self, x: Any, y: Any, reason: str) -> None:
        assert_equal(x, y)

    def nonzero(self, x: Any, reason: str) -> None:
        assert_nonzero(x + 1 - self.selected)  # x is 0 in the other types' slots: then check 1


REGISTRY: dict[str, TxType] = {}


def _definition(tx_type: TxType) -> tuple:
    """What makes two types the same: their data, and their updates' code, not the function
    objects (a module imported again, by a notebook or a test runner, makes new ones)."""
    def code(update: Update) -> tuple:
        c = getattr(update, "__code__", None)
        return (getattr(update, "__qualname__", repr(update)),) + ((c.co_code, c.co_consts, c.co_names) if c else ())

    return (tx_type.name, tx_type.type_id, tx_type.fields, tx_type.accounts, tx_type.signers, tx_type.l1,
            tx_type.fee) + tuple(code(tx_type.update_of(role)) for role in tx_type.roles)


def register(tx_type: TxType) -> TxType:
    """Add a type after checking the rules (see the module doc; a :class:`RegistryError` names
    the rule broken); registering the same definition again (a module imported twice) keeps
    the newest and is otherwise harmless. Returns it."""
    known = REGISTRY.get(tx_type.name)
    if known is not None:
        if _definition(known) != _definition(tx_type):
            raise RegistryError(f"a different transaction type {tx_type.name!r} is already registered")
        REGISTRY[tx_type.name] = tx_type
        return tx_type
    _check_rules(tx_type)
    REGISTRY[tx_type.name] = tx_type
    return tx_type


def _check_rules(t: TxType) -> None:
    def refuse(what: str, rule: str) -> None:
        raise RegistryError(f"{what} (rule: {rule})")

    owner = BUILTIN_IDS.get(t.type_id) or next((k.name for k in REGISTRY.values() if k.type_id == t.type_id), t.name)
    if owner != t.name:
        refuse(f"type id {t.type_id} of {t.name!r} is taken by {owner!r}",
               "type ids are unique; 0-3 are noop, deposit, transfer, withdraw, 4 is full_exit")
    if not 0 <= t.type_id < 256:
        refuse(f"type id {t.type_id} of {t.name!r} is not a byte", "a type id is 0..255, the first byte of its data")
    names = t.field_names()
    if len(set(names)) != len(names) or "" in names:
        refuse(f"{t.name!r} has duplicate or empty field names: {names}", "field names are unique and not empty")
    for name, width in t.fields:
        if not (1 <= width <= ELEMENT_BYTES or width == FULL):
            refuse(f"{t.name!r} field {name!r}: width {width} is not 1..31 or 32",
                   "a field is 1..31 bytes, or 32 for a whole field element")
    widths = dict(t.fields)
    if len(t.more) > len(ROLES) - 2:
        refuse(f"{t.name!r} has {len(t.more) + 2} accounts", f"a type touches at most {len(ROLES)} accounts")
    if t.more and None in (t.a, t.b):
        refuse(f"{t.name!r} has accounts in more but not both a and b", "more holds the accounts after a and b")
    for role in t.accounts + (t.fee,):
        if role is not None and role not in names:
            refuse(f"{t.name!r} names field {role!r}, which it does not have",
                   "a, b and fee name fields of the type, as do the accounts in more")
    for role in t.accounts:
        if role is not None and widths[role] != INDEX_BYTES:
            refuse(f"{t.name!r} account field {role!r} is {widths[role]} bytes",
                   f"accounts a and b are {INDEX_BYTES}-byte account indices, as are those in more")
    if not 0 <= t.signers <= len(t.accounts) or None in t.accounts[:t.signers]:
        refuse(f"{t.name!r}: signers {t.signers} need accounts {', '.join(ROLES[:max(t.signers, 0)])} to sign",
               "signers is 0, 1 (account a signs) or 2 (a and b sign), or more: the first accounts sign")
    if t.l1 not in L1_FIELDS:
        refuse(f"{t.name!r}: unknown L1 effect {t.l1!r}", "the L1 effects are '', 'deposit', 'withdraw' and 'full_exit'")
    missing = [name for name in L1_FIELDS[t.l1] if name not in names]
    if missing:
        refuse(f"{t.name!r}: L1 effect {t.l1!r} without fields {missing}",
               f"the contract reads {', '.join(L1_FIELDS[t.l1])} of a {t.l1!r} transaction")
    zeros = {name: 0 for name in names}
    for role in t.roles:
        try:
            t.update(role, OtherSlotChecks(t), zeros, EMPTY)
        except Exception as exc:  # any failure: the batch circuit could not run the update gated to zero
            refuse(f"{t.name!r}: update_{role} fails on all-zero inputs: {exc}",
                   "an update must accept all-zero inputs (it runs gated to zero in other types' slots)")


def get(name: str) -> TxType:
    if name not in REGISTRY:
        raise RegistryError(f"no transaction type {name!r}; registered: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name]


def by_id(type_id: int) -> TxType:
    for t in REGISTRY.values():
        if t.type_id == type_id:
            return t
    raise TxRejected(f"no transaction type has id {type_id}")

