"""The scenario kit: the pieces every room's scenarios are built from.

A room's run (its world, its users' plan, its agents) subclasses :class:`Run`, and every
scenario ends with :func:`finish` (or :meth:`Run.finish`), which fills the result the same way
for every room: seed, steps and trace from the scheduler, the ``l1_value_conserved``
invariant, and the L1 gas of *every* receipt, split by the contract each transaction called
(:func:`l1_gas`). The room supplies only what is its own: its invariants, the honest loss (in
wei), a summary (amounts written with :func:`~prozchain.rollup.common.units.readable`) and the
accounts, in wei unless the room declares another unit (``account_unit``, e.g. the ZK rollup's
L2 units).

>>> from prozchain.rollup.l1 import Chain, Key
>>> key = Key.from_seed(b"kit")
>>> chain = Chain({key.address: 10**18})
>>> with Simulation(seed=5) as sim:
...     run = Run(sim=sim, params={"defense": "on"}, chain=chain)
...     _ = chain.transact(key, "0x" + "11" * 20, value=1)
...     result = run.finish("demo", {"paid": True}, honest_loss=0)
>>> result.ok, result.seed, result.l1_gas, result.l1_gas_by_contract
(True, 5, 21000, {'(transfers)': 21000})
>>> result.invariants
{'paid': True, 'l1_value_conserved': True}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

from prozchain.rollup.common.units import WEI, Unit
from prozchain.rollup.l1 import Chain
from prozchain.rollup.sim.registry import ScenarioResult
from prozchain.rollup.sim.world import Simulation

DEPLOYMENTS = "(deployments)"
TRANSFERS = "(transfers)"


@dataclass(kw_only=True)
class Run:
    """Base of every room's run: the simulation, the scenario's parameters, the L1 it settles
    on, the agents by name and the unit of its accounts' amounts. Rooms add their own fields
    (keyword-only, like these)."""

    sim: Simulation
    params: dict[str, Any]
    chain: Chain
    agents: dict[str, Any] = field(default_factory=dict)
    account_unit: Unit = WEI

    def finish(self, name: str, invariants: Mapping[str, bool], honest_loss: int, *,
               summary: Sequence[str] = (), accounts: Optional[dict[str, dict[str, int]]] = None,
               attack_attempted: Optional[bool] = None) -> ScenarioResult:
        """:func:`finish` for this run."""
        return finish(name, self.params, self.sim, self.chain, invariants, honest_loss, summary=summary,
                      accounts=accounts, attack_attempted=attack_attempted, account_unit=self.account_unit)


def l1_gas(chain: Chain) -> tuple[int, dict[str, int]]:
    """The gas of every included transaction, and its split by the contract each one called
    (named by class; :data:`DEPLOYMENTS` for creations, :data:`TRANSFERS` for calls to
    accounts without code). Two contracts of one class are told apart by address."""
    labels = _labels(chain)
    by_contract: dict[str, int] = {}
    for block in chain.blocks:
        for tx, receipt in zip(block.transactions, block.receipts):
            label = DEPLOYMENTS if tx.to is None else labels.get(tx.to, TRANSFERS)
            by_contract[label] = by_contract.get(label, 0) + receipt.gas_used
    return sum(by_contract.values()), dict(sorted(by_contract.items()))


def _labels(chain: Chain) -> dict[str, str]:
    names = {address: type(code).__name__ for address, code in chain.state.code.items()}
    shared = {n for n in names.values() if list(names.values()).count(n) > 1}
    return {a: f"{n}@{a[:10]}" if n in shared else n for a, n in names.items()}


def finish(name: str, params: Mapping[str, Any], sim: Simulation, chain: Chain,
           invariants: Mapping[str, bool], honest_loss: int, *, summary: Sequence[str] = (),
           accounts: Optional[dict[str, dict[str, int]]] = None,
           attack_attempted: Optional[bool] = None, account_unit: Unit = WEI) -> ScenarioResult:
    """The result of a scenario that ran ``sim`` against ``chain``: the room's ``invariants``
    plus ``l1_value_conserved``, the ``honest_loss`` (wei), the ``accounts`` (in
    ``account_unit``), and the seed, steps, trace and L1 gas (:func:`l1_gas`) taken from the run
    itself."""
    total, by_contract = l1_gas(chain)
    return ScenarioResult.from_checks(name, sim.scheduler.seed, params,
                                      {**invariants, "l1_value_conserved": chain.conserved()}, honest_loss,
                                      total, sim.scheduler.steps, l1_gas_by_contract=by_contract,
                                      summary=list(summary), accounts=dict(accounts or {}),
                                      trace=list(sim.scheduler.trace), attack_attempted=attack_attempted,
                                      account_unit=account_unit)
