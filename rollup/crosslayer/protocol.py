"""One bridge protocol for every layer: deposit, withdraw, prove, finalize, status.

Each layer keeps its own finality rule and says, through :meth:`BridgeProtocol.status`, where a
withdrawal stands and when it expects it final (L1 seconds):

- ZK rollup: final once the batch holding the withdrawal has its proof verified on L1;
- optimistic rollup: once the output holding it is finalized, its challenge window passed;
- sidechain: once the checkpoint holding the burn is acceptable under the bridge's security
  model (its window, for the staking and optimistic models);
- channel: once the close has settled on L1 (a cooperative close settles at once).

The checks every layer shares run here, before anything moves: an unknown asset, a route
without a canonical representation, an amount above what the user holds on the layer (and so
above the route's escrow), a finalization before finality or a second one each raise their
:mod:`~prozchain.rollup.crosslayer.errors` error. The contracts refuse the same requests again.

>>> [stage for stage in STAGES]
['pending', 'proven', 'final', 'finalized']
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Optional

from prozchain.rollup.crosslayer.contracts import KIND_NAMES
from prozchain.rollup.crosslayer.errors import AboveEscrow, AlreadyFinalized, NotFinal, UnknownAsset, WrongRoute
from prozchain.rollup.l1 import Chain, Key, Receipt
from prozchain.rollup.l1.token import NO_BANK

PENDING, PROVEN, FINAL, FINALIZED = "pending", "proven", "final", "finalized"
STAGES = (PENDING, PROVEN, FINAL, FINALIZED)
GAS = 3_000_000


@dataclass(frozen=True)
class Status:
    """Where a withdrawal stands: its ``stage`` (:data:`STAGES`), the layer's finality ``rule``
    and ``final_at``, the L1 time (seconds) it is final at, or is expected to be."""

    layer: str
    stage: str
    rule: str
    final_at: int

    @property
    def final(self) -> bool:
        return self.stage in (FINAL, FINALIZED)


@dataclass
class Withdrawal:
    """A withdrawal started on a layer: who (the L1 key that is paid and signs the user's
    steps), how much, when (L1 seconds), and the layer's own references to it (``ref``)."""

    layer: str
    user: Key
    amount: int
    started: int
    ref: dict[str, Any] = field(default_factory=dict)
    finalized: bool = False


@dataclass
class Fabric:
    """What every bridge shares: the L1, its asset registry and the token travelling."""

    chain: Chain
    registry: str
    token: str


class BridgeProtocol(ABC):
    """A layer's bridge for one asset. Subclasses implement the ``_`` methods; the public ones
    check the request first (see the module doc)."""

    name: str = ""
    rule: str = ""  # the finality rule, in words
    security: str = ""  # what a user must trust
    unit: int = 1  # base units of the token per layer unit
    withdrawal_fee: int = 0  # what the layer charges a withdrawal on top of its amount (base units)

    def __init__(self, fabric: Fabric, layer: int) -> None:
        self.fabric, self.layer = fabric, layer
        self.chain = fabric.chain

    # -- the protocol -----------------------------------------------------------------------
    def deposit(self, user: Key, amount: int, token: Optional[str] = None) -> Receipt:
        """Escrow ``amount`` of ``token`` (default: the fabric's) on L1 for ``user`` on this layer."""
        token = token or self.fabric.token
        self.check_route(token)
        if amount <= 0 or amount % self.unit:
            raise AboveEscrow(f"{self.name}: a deposit is a positive multiple of {self.unit} base units, not {amount}")
        self.chain.transact(user, token, "approve", self.fabric.registry, amount)
        receipt = self.chain.transact(user, self.fabric.registry, "deposit", token, self.layer, amount,
                                      self._recipient(user), gas_limit=GAS)
        if not receipt.status:
            raise WrongRoute(f"{self.name}: the registry refused the deposit: {receipt.error}")
        return receipt

    def withdraw(self, user: Key, amount: int) -> Withdrawal:
        """Start a withdrawal of ``amount`` on this layer (the user's balance there must cover it)."""
        held = self.balance(user.address)
        if not 0 < amount <= held:
            raise AboveEscrow(f"{self.name}: {user.address} holds {held} here, cannot withdraw {amount}")
        return self._withdraw(user, amount)

    def prove(self, w: Withdrawal) -> Optional[Receipt]:
        """The user's own step that puts the withdrawal's evidence on L1, where the layer has one
        (None where the layer's operators do it); :class:`NotFinal` while it cannot be taken yet."""
        if w.finalized:
            raise AlreadyFinalized(f"{self.name}: withdrawal of {w.amount} to {w.user.address} is finalized already")
        return self._prove(w)

    def finalize(self, w: Withdrawal) -> Receipt:
        """Pay the withdrawal on L1: refused before finality and a second time."""
        if w.finalized:
            raise AlreadyFinalized(f"{self.name}: withdrawal of {w.amount} to {w.user.address} is finalized already")
        status = self.status(w)
        if not status.final:
            raise NotFinal(f"{self.name}: withdrawal of {w.amount} is {status.stage}; {self.rule} "
                           f"(expected at L1 time {status.final_at}, now {self.chain.time})")
        receipt = self._finalize(w)
        if not receipt.status:
            raise NotFinal(f"{self.name}: L1 refused the finalization: {receipt.error}")
        w.finalized = True
        return receipt

    def status(self, w: Withdrawal) -> Status:
        if w.finalized:
            return Status(self.name, FINALIZED, self.rule, w.ref.get("final_at", self.chain.time))
        stage, final_at = self._stage(w)
        if stage == FINAL:
            w.ref.setdefault("final_at", final_at)
        return Status(self.name, stage, self.rule, final_at)

    def check_route(self, token: str) -> None:
        """:class:`UnknownAsset` or :class:`WrongRoute` unless ``token`` has a canonical
        representation on this layer."""
        chain, registry = self.chain, self.fabric.registry
        if chain.view(registry, "canonical", token, self.layer) != NO_BANK:
            return
        kind = KIND_NAMES.get(chain.view(registry, "kind", self.layer), "unknown")
        if not chain.view(registry, "routes", token):
            raise UnknownAsset(f"{token} is not an asset of the registry")
        raise WrongRoute(f"{token} has no canonical representation on layer {self.layer} ({kind})")

    @abstractmethod
    def transfer(self, user: Key, to: str, amount: int) -> int:
        """Pay ``amount`` to ``to`` on this layer (sent to its operators); returns the L2 fee
        charged, in base units."""

    # -- what the invariant reads -------------------------------------------------------------
    @abstractmethod
    def balance(self, owner: str) -> int:
        """``owner``'s balance of the asset on this layer, in base units."""

    @abstractmethod
    def supply(self) -> int:
        """The asset on this layer: balances plus deposits escrowed but not credited yet."""

    @abstractmethod
    def in_flight(self) -> int:
        """Withdrawals debited on the layer and not yet paid on L1."""

    def escrow(self) -> int:
        return self.chain.view(self.fabric.registry, "escrow", self.fabric.token, self.layer)

    def conserved(self) -> bool:
        """The invariant for this route: L1 escrow = supply on the layer + withdrawals in flight."""
        return self.escrow() == self.supply() + self.in_flight()

    # -- per layer ---------------------------------------------------------------------------
    @abstractmethod
    def _recipient(self, user: Key) -> list[int]: ...

    @abstractmethod
    def _withdraw(self, user: Key, amount: int) -> Withdrawal: ...

    def _prove(self, w: Withdrawal) -> Optional[Receipt]:
        return None

    @abstractmethod
    def _stage(self, w: Withdrawal) -> tuple[str, int]: ...

    @abstractmethod
    def _finalize(self, w: Withdrawal) -> Receipt: ...
