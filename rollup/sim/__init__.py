"""The simulation harness: a seeded scheduler, a faulty network, crashing agents with SQLite
state, and the registry of adversarial scenarios that ``prozchain scenario`` runs.

>>> from rollup.sim import Simulation
>>> with Simulation(seed=0) as sim:
...     sim.run(until=10)
0
"""

from rollup.sim.agent import Agent
from rollup.sim.network import Network, NetworkConfig
from rollup.sim.registry import ScenarioError, ScenarioResult, scenario
from rollup.sim.scheduler import Scheduler
from rollup.sim.world import Simulation

__all__ = ["Agent", "Network", "NetworkConfig", "ScenarioError", "ScenarioResult", "Scheduler",
           "Simulation", "scenario"]
