"""The simulation harness: a seeded scheduler, a faulty network, crashing agents with SQLite
state, and the registry of adversarial scenarios that ``prozchain scenario`` runs.

>>> from prozchain.rollup.sim import Simulation
>>> with Simulation(seed=0) as sim:
...     sim.run(until=10)
0
"""

from prozchain.rollup.sim.agent import Agent
from prozchain.rollup.sim.network import Network, NetworkConfig
from prozchain.rollup.sim.registry import ScenarioError, ScenarioResult, scenario
from prozchain.rollup.sim.scheduler import Scheduler
from prozchain.rollup.sim.world import Simulation

__all__ = ["Agent", "Network", "NetworkConfig", "ScenarioError", "ScenarioResult", "Scheduler",
           "Simulation", "scenario"]
