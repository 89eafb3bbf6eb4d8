"""The L1 pricer: what each batch really cost the operator on L1 against the L1 data fees its
transactions paid, and a feedback rule on the data-fee scalar that drives the difference to zero.

Anchor: Arbitrum's L1 pricing. The pricer keeps the running surplus (data fees collected minus
the L1 cost of posting and verifying, in wei; negative: the operator is bleeding). After each
batch it moves the price per data unit (here an estimated byte,
:func:`~prozchain.rollup.economics.fees.estimated_size_scaled`) so that the surplus would reach
zero over ``equilibration_units`` more units, damped by ``inertia``::

    desired   = -surplus / equilibration_units          (wei per unit, per unit)
    actual    = (surplus - last_surplus) / units         (how the surplus moved over this batch)
    change    = (desired - actual) * units / (equilibration_units / inertia + units)

and turns the new price back into the scalar at the current L1 price of its lane, so L1 price
moves pass straight through and the scalar carries only what the estimate misses (the batch's
fixed L1 cost, compression better or worse than estimated, a blob posted whole).

>>> from prozchain.rollup.economics.fees import CALLDATA
>>> pricer = L1Pricer(CALLDATA, equilibration_units=1_000, inertia=2)
>>> prices = L1Prices(base_fee=10, blob_base_fee=1)
>>> record = pricer.record(batch=0, txs=5, units=500, posted_bytes=400, collected=80_000, cost=120_000, l1=prices)
>>> record.surplus, record.scalar > PPM          # a deficit: the scalar goes up
(-40000, True)
>>> L1Pricer(CALLDATA, feedback=False).record(0, 5, 500, 400, 80_000, 120_000, prices).scalar == PPM
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prozchain.rollup.common.units import readable
from prozchain.rollup.economics.fees import PPM, L1Prices, lane_unit_price


@dataclass(frozen=True)
class BatchCost:
    """One batch: its L1 data fees against what L1 charged the operator for it, in wei."""

    batch: int
    txs: int
    units: int  # estimated bytes its transactions were charged for
    posted_bytes: int  # bytes the batch actually posted (compressed)
    collected: int  # L1 data fees its transactions paid
    cost: int  # gas and blob gas L1 charged for posting (and verifying) it
    surplus: int  # running collected - cost after it
    scalar: int  # the data-fee scalar for the next batch (ppm)


@dataclass
class L1Pricer:
    """Per-batch L1 cost tracking and the data-fee scalar's feedback; ``feedback=False`` keeps
    the scalar where it started (the operator then absorbs what the estimate misses)."""

    lane: str
    scalar: int = PPM
    equilibration_units: int = 16_000
    inertia: int = 10
    feedback: bool = True
    max_scalar: int = 1_000 * PPM
    batches: list[BatchCost] = field(default_factory=list)

    @property
    def surplus(self) -> int:
        """Data fees collected minus L1 cost, over every batch so far (wei)."""
        return self.batches[-1].surplus if self.batches else 0

    @property
    def collected(self) -> int:
        return sum(b.collected for b in self.batches)

    @property
    def cost(self) -> int:
        return sum(b.cost for b in self.batches)

    def record(self, batch: int, txs: int, units: int, posted_bytes: int, collected: int, cost: int,
               l1: L1Prices) -> BatchCost:
        """Account batch ``batch`` and, with feedback on, move the scalar (see the module doc);
        ``l1`` are the L1 prices the next batch will be charged at."""
        last = self.surplus
        surplus = last + collected - cost
        unit_price = lane_unit_price(self.lane, l1)
        if self.feedback and units and unit_price:
            price = unit_price * self.scalar // PPM
            inertia_units = max(self.equilibration_units // self.inertia, 1)
            change = (-surplus * units // self.equilibration_units - (surplus - last)) // (inertia_units + units)
            self.scalar = min(self.max_scalar, max(0, (price + change) * PPM // unit_price))
        record = BatchCost(batch, txs, units, posted_bytes, collected, cost, surplus, self.scalar)
        self.batches.append(record)
        return record

    def report(self) -> list[str]:
        """The surplus or deficit over the batches so far, for people."""
        margin = f"{self.surplus * 100 / self.cost:+.2f}% of cost" if self.cost else "no cost yet"
        return [f"{len(self.batches)} batches: collected {readable(self.collected)}, L1 cost {readable(self.cost)}, "
                f"{'surplus' if self.surplus >= 0 else 'deficit'} {readable(abs(self.surplus))} ({margin}); "
                f"scalar {self.scalar / PPM:.3f}"]
