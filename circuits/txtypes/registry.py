"""Transaction types of the ZK rollup, registered by name: their data layout and state update.

A type is a :class:`TxType`: its fields (each a byte width: how it is posted as data), which
fields name the two accounts it touches (``a``, then ``b``), how many of them sign, and two
update functions, ``update_a(checks, fields, account) -> account`` and the same for ``b``.
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
  not a byte or is taken (0-3 are noop, deposit, transfer, withdraw), field widths other than
  1..31 or 32, more than 4 data elements, accounts ``a``/``b`` that are not 4-byte fields,
  signers other than 0, 1 (``a``) or 2 (``a`` and ``b``), and an L1 effect without its fields.

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
MAX_ELEMENTS = 4  # data elements per transaction; a signature signs them and the nonce
INDEX_BYTES = 4  # an account index field
BUILTIN_IDS = {0: "noop", 1: "deposit", 2: "transfer", 3: "withdraw"}
L1_FIELDS = {"": (), "deposit": ("to", "amount", "ax", "ay"), "withdraw": ("to", "amount")}  # what the contract reads
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
    """A transaction type; see the module doc. ``l1`` names an effect the rollup contract
    applies on L1 ("deposit": consume the deposit queue's head, whose fields are ``to``,
    ``amount``, ``ax``, ``ay``; "withdraw": credit ``amount`` to the L1 address ``to``), and
    ``fee`` the field paid to the aggregator on L1."""

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

    def signs(self, role: str) -> bool:
        """Whether account ``role`` ("a" or "b") signs: a if ``signers`` >= 1, b if 2."""
        return self.signers > ("a", "b").index(role)

    def update(self, role: str, checks: Any, fields: Mapping[str, Any], account: Account) -> Account:
        """Account ``role`` ("a" or "b") after this transaction: the type's ``update_a`` or
        ``update_b``, with the nonce set by the framework (old + 1 for a signer, else the old
        one), on ints or on circuit variables alike."""
        new = (self.update_a if role == "a" else self.update_b)(checks, fields, account)
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

    return (tx_type.name, tx_type.type_id, tx_type.fields, tx_type.a, tx_type.b, tx_type.signers, tx_type.l1,
            tx_type.fee, code(tx_type.update_a), code(tx_type.update_b))


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
               "type ids are unique; 0-3 are noop, deposit, transfer, withdraw")
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
    for role in (t.a, t.b, t.fee):
        if role is not None and role not in names:
            refuse(f"{t.name!r} names field {role!r}, which it does not have", "a, b and fee name fields of the type")
    for role in (t.a, t.b):
        if role is not None and widths[role] != INDEX_BYTES:
            refuse(f"{t.name!r} account field {role!r} is {widths[role]} bytes",
                   f"accounts a and b are {INDEX_BYTES}-byte account indices")
    if t.signers not in (0, 1, 2) or (t.signers == 2 and t.b is None) or (t.signers >= 1 and t.a is None):
        refuse(f"{t.name!r}: signers {t.signers} need accounts a (and b) to sign",
               "signers is 0, 1 (account a signs) or 2 (a and b sign)")
    if len(t.layout()) > MAX_ELEMENTS:
        refuse(f"{t.name!r} needs {len(t.layout())} data elements, at most {MAX_ELEMENTS}",
               f"a type's data packs into at most {MAX_ELEMENTS} field elements")
    if t.l1 not in L1_FIELDS:
        refuse(f"{t.name!r}: unknown L1 effect {t.l1!r}", "the L1 effects are '', 'deposit' and 'withdraw'")
    missing = [name for name in L1_FIELDS[t.l1] if name not in names]
    if missing:
        refuse(f"{t.name!r}: L1 effect {t.l1!r} without fields {missing}",
               f"the contract reads {', '.join(L1_FIELDS[t.l1])} of a {t.l1!r} transaction")
    zeros = {name: 0 for name in names}
    for role in ("a", "b"):
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

