"""The fee every L2 transaction pays, on every layer: execution, L1 data and priority.

- **Execution**: ``gas * l2_base_fee``. The L2 base fee follows EIP-1559 on the L2's own blocks
  (:class:`BaseFeeRule`): it moves by at most 1/8 per block toward keeping blocks at the gas
  target. It is burned.
- **Priority**: ``gas * priority_fee``, what the sender adds to be ordered earlier; it goes to
  whoever orders the block.
- **L1 data**: the sender's share of what posting the batch costs on L1, priced as OP's Fjord
  upgrade does, from the transaction's compressed size and the L1's current prices::

      fee_scaled     = base_fee_scalar * l1_base_fee * 16 + blob_fee_scalar * l1_blob_base_fee
      size_scaled    = max(MIN_TX_SIZE * 1e6, INTERCEPT + SIZE_COEF * compressed_size)
      l1_data_fee    = size_scaled * fee_scaled / 1e12

  ``compressed_size`` is the zlib size of the transaction's bytes (the batches posted are zlib
  data: :func:`compressed_size`), ``INTERCEPT`` and ``SIZE_COEF`` are Fjord's regression of a
  transaction's marginal contribution to a compressed batch on its own compressed size. The
  scalars (parts per million) are what :class:`~prozchain.rollup.economics.pricer.L1Pricer`
  adjusts by feedback: a batch's fixed costs (the L1 transaction, storing its commitment,
  verifying a proof, a blob posted whole) are not in the per-transaction estimate, and the
  pricer learns them. On the calldata lane only ``base_fee_scalar`` counts, on the blob lane
  only ``blob_fee_scalar`` (:meth:`Scalars.for_lane`).

:meth:`FeeModel.quote` prices a transaction for the next block. The sender signs a price that
covers the quote (a gas price on the VM layers, a fee field in L2 units on the ZK rollup), and
that signed amount is exactly what is charged, so **the charge equals the quote rounded up to
the layer's granularity**: ``0 <= charge - quote.total < granularity`` (a gas price is whole wei
per gas: granularity ``gas``; the ZK fee field counts L2 units: granularity one unit). A
sequencer takes a transaction only if what it signed covers the block's requirement
(:meth:`FeeModel.split` raises otherwise); whatever it pays above that is priority.

>>> model = FeeModel(BaseFeeRule(gas_target=10_000), l2_base_fee=GWEI)
>>> prices = L1Prices(base_fee=2 * GWEI, blob_base_fee=1)
>>> quote = model.quote(bytes(range(200)), gas=2_000, l1=prices, priority_fee=10)
>>> quote.execution, quote.priority, quote.l1_data
(2000000000000, 20000, 4285308800000)
>>> charge = model.split(quote.total, gas=2_000, tx_bytes=bytes(range(200)), l1=prices)
>>> charge.burned + charge.priority + charge.l1_data == quote.total
True
>>> BaseFeeRule(gas_target=10_000).next(GWEI, gas_used=20_000)   # a full block: up 1/8
1125000000
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace

from prozchain.rollup.common.units import GWEI
from prozchain.rollup.economics.errors import FeeTooLow
from prozchain.rollup.l1 import Chain

CALLDATA, BLOB = "calldata", "blob"
LANES = (CALLDATA, BLOB)
PPM = 1_000_000
MIN_TX_SIZE = 100  # bytes: Fjord's floor on a transaction's estimated size
INTERCEPT = -42_585_600  # Fjord's regression intercept, scaled by 1e6
SIZE_COEF = 836_500  # Fjord's regression coefficient on the compressed size, scaled by 1e6
CALLDATA_GAS_PER_BYTE = 16
ELASTICITY = 2  # a block may use up to twice the gas target
BASE_FEE_CHANGE_DENOMINATOR = 8  # the base fee moves by at most 1/8 per block


def compressed_size(data: bytes) -> int:
    """The zlib size of ``data`` (what a batch posts is zlib data)."""
    return len(zlib.compress(data, 9))


def estimated_size_scaled(tx_bytes: bytes) -> int:
    """Fjord's estimate of ``tx_bytes``' contribution to a compressed batch, in bytes times 1e6."""
    return max(MIN_TX_SIZE * PPM, INTERCEPT + SIZE_COEF * compressed_size(tx_bytes))


@dataclass(frozen=True)
class BaseFeeRule:
    """EIP-1559 on L2 blocks: ``next`` moves the base fee toward blocks using ``gas_target``."""

    gas_target: int
    min_base_fee: int = 1

    def next(self, base_fee: int, gas_used: int) -> int:
        """The next block's base fee after a block at ``base_fee`` used ``gas_used``."""
        delta = base_fee * (gas_used - self.gas_target) // self.gas_target // BASE_FEE_CHANGE_DENOMINATOR
        if gas_used > self.gas_target:
            delta = max(delta, 1)
        return max(self.min_base_fee, base_fee + delta)

    @property
    def gas_limit(self) -> int:
        return ELASTICITY * self.gas_target


@dataclass(frozen=True)
class L1Prices:
    """The L1 prices a block's data fees use (its L1 origin's, as on OP): wei per gas and per blob gas."""

    base_fee: int
    blob_base_fee: int

    @classmethod
    def of(cls, chain: Chain) -> "L1Prices":
        """The prices the next L1 block charges."""
        return cls(chain.next_base_fee(), chain.blob_base_fee())


@dataclass(frozen=True)
class Scalars:
    """Fjord's two data-fee scalars, parts per million."""

    base_fee_scalar: int
    blob_fee_scalar: int

    @classmethod
    def for_lane(cls, lane: str, scalar: int) -> "Scalars":
        """``scalar`` on the price of ``lane``, zero on the other."""
        if lane not in LANES:
            raise ValueError(f"lane {lane!r} is not one of {LANES}")
        return cls(scalar, 0) if lane == CALLDATA else cls(0, scalar)


def l1_data_fee(tx_bytes: bytes, l1: L1Prices, scalars: Scalars) -> int:
    """The Fjord L1 data fee of ``tx_bytes`` in wei."""
    fee_scaled = scalars.base_fee_scalar * l1.base_fee * CALLDATA_GAS_PER_BYTE + scalars.blob_fee_scalar * l1.blob_base_fee
    return estimated_size_scaled(tx_bytes) * fee_scaled // PPM**2


def lane_unit_price(lane: str, l1: L1Prices) -> int:
    """Wei per estimated byte at scalar 1.0 on ``lane``: 16 calldata gas, or one blob gas."""
    return l1.base_fee * CALLDATA_GAS_PER_BYTE if lane == CALLDATA else l1.blob_base_fee


@dataclass(frozen=True)
class Quote:
    """What a transaction of ``gas`` and these bytes pays if included in the next block."""

    gas: int
    execution: int  # gas * L2 base fee: burned
    priority: int  # gas * priority fee: to whoever orders the block
    l1_data: int  # its share of posting the batch to L1

    @property
    def total(self) -> int:
        return self.execution + self.priority + self.l1_data

    def gas_price(self) -> int:
        """The whole-wei gas price whose ``gas`` times covers the quote (a VM transaction's)."""
        return -(-self.total // self.gas)


@dataclass(frozen=True)
class Charge:
    """A charged fee split to the wei: ``burned + priority + l1_data`` is what the sender paid."""

    burned: int
    priority: int
    l1_data: int

    @property
    def total(self) -> int:
        return self.burned + self.priority + self.l1_data


@dataclass
class FeeModel:
    """One layer's fee schedule: the L2 base fee (moved per block by ``rule``), the data-fee
    ``scalar`` on ``lane`` (set by the pricer), the whole-block state a quote uses."""

    rule: BaseFeeRule
    l2_base_fee: int = GWEI // 100
    lane: str = CALLDATA
    scalar: int = PPM

    @property
    def scalars(self) -> Scalars:
        return Scalars.for_lane(self.lane, self.scalar)

    def quote(self, tx_bytes: bytes, gas: int, l1: L1Prices, priority_fee: int = 0, l1_gas: int = 0) -> Quote:
        """The fee of a transaction of ``gas`` L2 gas whose posted bytes are ``tx_bytes``, if it
        is included in the next block and the L1 prices there are ``l1``. ``l1_gas``: L1
        execution gas the transaction makes the operator pay besides its bytes (a withdrawal's
        ledger entry on L1), at the L1 base fee: its own cost, which the scalar does not scale."""
        data = l1_data_fee(tx_bytes, l1, self.scalars) + l1_gas * l1.base_fee
        return Quote(gas, gas * self.l2_base_fee, gas * priority_fee, data)

    def split(self, paid: int, gas: int, tx_bytes: bytes, l1: L1Prices, l1_gas: int = 0) -> Charge:
        """Split ``paid`` (what the sender signed for, charged in full) into the burned execution
        fee, the L1 data fee and priority (the rest); :class:`FeeTooLow` if it does not cover
        the first two now."""
        need = self.quote(tx_bytes, gas, l1, l1_gas=l1_gas)
        if paid < need.total:
            raise FeeTooLow(f"fee {paid} wei is below the {need.total} wei this block requires "
                            f"({need.execution} execution + {need.l1_data} L1 data): {need.total - paid} wei short")
        return Charge(need.execution, paid - need.total, need.l1_data)

    def admit(self, tx_bytes: bytes, gas_limit: int, gas_price: int, l1: L1Prices) -> Charge:
        """The split of a VM transaction that signed ``gas_price`` per gas up to ``gas_limit``,
        priced at its whole limit (what it pays when it uses it all, as a transfer does);
        :class:`FeeTooLow` naming the shortfall if it does not cover the quote: what a
        sequencer or a mempool checks before it accepts the transaction.

        >>> model = FeeModel(BaseFeeRule(gas_target=10_000), l2_base_fee=GWEI)
        >>> model.admit(bytes(100), 2_000, 1, L1Prices(GWEI, 1))
        Traceback (most recent call last):
        ...
        prozchain.rollup.economics.errors.FeeTooLow: fee 2000 wei is below the 3600000000000 wei this block requires (2000000000000 execution + 1600000000000 L1 data): 3599999998000 wei short
        """
        return self.split(gas_limit * gas_price, gas_limit, tx_bytes, l1)

    def end_block(self, gas_used: int) -> int:
        """Close a block that used ``gas_used``: the next block's base fee."""
        self.l2_base_fee = self.rule.next(self.l2_base_fee, gas_used)
        return self.l2_base_fee

    def copy(self) -> "FeeModel":
        return replace(self)
