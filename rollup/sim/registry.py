"""The scenario registry: every adversarial case of every protocol, runnable by name.

A protocol room adds scenarios by defining ``rollup/<room>/scenarios.py`` and decorating
functions with :func:`scenario`; :func:`all_scenarios` imports every such module, so the harness
and the CLI never change when a room adds one. Each scenario declares its parameters with their
defaults (the CLI converts ``--param key=value`` to the default's type) and must declare
``defense`` ("on"/"off"): with the defence off the attack has to succeed. A scenario that mounts
an attack (or injects a fault) reports ``attack_attempted``: a run in which it could not be
mounted tested nothing, so it is not ``ok``.

>>> @scenario("demo-noop", "does nothing, proves nothing", defense="on")
... def _demo(seed: int, params: dict) -> ScenarioResult:
...     return ScenarioResult.from_checks("demo-noop", seed, params, {"fine": True}, 0, 0, 0)
>>> run("demo-noop", seed=1).ok
True
>>> del REGISTRY["demo-noop"]
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional

from prozchain.native.errors import ProzError
from prozchain.rollup.common.units import WEI, Unit, readable

WALL_CLOCK_FIELDS = ("wall_time_s",)


class ScenarioError(ProzError):
    """An unknown scenario or parameter, or a scenario that breaks the registry's rules."""


@dataclass
class ScenarioResult:
    """What a run reports; :meth:`to_json` is the ``--json`` document, :meth:`report` the text.

    ``honest_loss`` is in wei and gas figures in gas, in every room; the amounts in ``accounts``
    are in ``account_unit`` (wei unless the room's balances are counted in L2 units). The JSON
    names them all in ``units``, and the text writes each amount with its unit:

    >>> result = ScenarioResult("demo", 1, False, {"paid": False}, 15 * 10**17, 21_000, 4,
    ...                         accounts={"alice": {"owed": 10**18, "paid": 0}})
    >>> result.to_json()["units"]
    {'honest_loss': 'wei', 'l1_gas': 'gas', 'l1_gas_by_contract': 'gas', 'accounts': 'wei'}
    >>> print("\\n".join(result.report()))
    demo seed 1: FAILED
      alice: owed 1 ether (1000000000000000000 wei), paid 0 wei
      invariant paid: BROKEN
      honest loss: 1.5 ether (1500000000000000000 wei)   L1 gas: 21000   steps: 4
    """

    scenario: str
    seed: int
    ok: bool
    invariants: dict[str, bool]
    honest_loss: int
    l1_gas: int
    steps: int
    params: dict[str, Any] = field(default_factory=dict)
    l1_gas_by_contract: dict[str, int] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)
    accounts: dict[str, dict[str, int]] = field(default_factory=dict)
    trace: list[str] = field(default_factory=list)
    attack_attempted: Optional[bool] = None  # None: the scenario mounts no attack
    account_unit: Unit = WEI
    wall_time_s: float = 0.0

    @classmethod
    def from_checks(cls, scenario: str, seed: int, params: Mapping[str, Any],
                    invariants: Mapping[str, bool], honest_loss: int, l1_gas: int, steps: int,
                    **extra: Any) -> "ScenarioResult":
        """``ok`` is derived here, once for every scenario: all invariants, no honest loss, and
        the attack mounted if the scenario has one."""
        ok = all(invariants.values()) and honest_loss == 0 and extra.get("attack_attempted") is not False
        return cls(scenario, seed, ok, dict(invariants), honest_loss, l1_gas, steps, dict(params), **extra)

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario, "seed": self.seed, "ok": self.ok,
            "invariants": self.invariants, "attack_attempted": self.attack_attempted,
            "honest_loss": self.honest_loss,
            "l1_gas": self.l1_gas, "l1_gas_by_contract": self.l1_gas_by_contract, "steps": self.steps, "params": self.params,
            "summary": self.summary, "accounts": self.accounts,
            "trace_events": len(self.trace),
            "trace_sha256": hashlib.sha256("\n".join(self.trace).encode()).hexdigest(),
            "units": {"honest_loss": WEI.symbol, "l1_gas": "gas", "l1_gas_by_contract": "gas",
                      "accounts": self.account_unit.symbol},
            "wall_time_s": self.wall_time_s,
        }

    def report(self) -> list[str]:
        """The text ``prozchain scenario run`` prints: the verdict, the room's summary, the
        accounts, the invariants and the figures, every amount with its unit."""
        lines = [f"{self.scenario} seed {self.seed}: {'OK' if self.ok else 'FAILED'}",
                 *(f"  {line}" for line in self.summary),
                 *(f"  {account}: " + ", ".join(f"{k} {readable(v, self.account_unit)}" for k, v in figures.items())
                   for account, figures in self.accounts.items()),
                 *(f"  invariant {name}: {'held' if held else 'BROKEN'}" for name, held in self.invariants.items())]
        if self.attack_attempted is not None:
            lines.append(f"  attack attempted: {'yes' if self.attack_attempted else 'NO (the run tested nothing)'}")
        lines.append(f"  honest loss: {readable(self.honest_loss)}   L1 gas: {self.l1_gas}   steps: {self.steps}")
        if self.params.get("defense") == "off" and not self.ok:
            lines.append("  defense=off: the attack succeeded, as it should without its defence")
        return lines


Runner = Callable[[int, dict], ScenarioResult]


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    defaults: dict[str, Any]
    runner: Runner


REGISTRY: dict[str, Scenario] = {}


def scenario(name: str, description: str, **defaults: Any) -> Callable[[Runner], Runner]:
    """Register ``fn(seed, params) -> ScenarioResult`` under ``name``."""
    if defaults.get("defense") != "on":
        raise ScenarioError(f"scenario {name!r} must declare defense='on' as a parameter")

    def register(fn: Runner) -> Runner:
        if name in REGISTRY and REGISTRY[name].runner is not fn:
            raise ScenarioError(f"scenario {name!r} is registered twice")
        REGISTRY[name] = Scenario(name, description, dict(defaults), fn)
        return fn
    return register


def all_scenarios() -> dict[str, Scenario]:
    """Every scenario of every room, importing each ``rollup.<room>.scenarios`` module once."""
    from prozchain import rollup

    for room in pkgutil.iter_modules(rollup.__path__):
        module_name = f"prozchain.rollup.{room.name}.scenarios"
        try:
            importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:  # a broken import inside a room must be loud
                raise
    return dict(sorted(REGISTRY.items()))


def parse_params(scn: Scenario, overrides: Mapping[str, str]) -> dict[str, Any]:
    """The defaults with ``overrides`` applied, each converted to its default's type."""
    params = dict(scn.defaults)
    for key, text in overrides.items():
        if key not in params:
            raise ScenarioError(f"{scn.name} has no parameter {key!r}; it takes {', '.join(params)}")
        params[key] = _convert(key, text, params[key])
    if params["defense"] not in ("on", "off"):
        raise ScenarioError(f"defense must be 'on' or 'off', not {params['defense']!r}")
    return params


def _convert(key: str, text: str, default: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        if isinstance(default, bool):
            if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(text)
            return text.lower() in ("true", "1", "yes")
        return type(default)(text)
    except ValueError as exc:
        raise ScenarioError(f"parameter {key}={text!r} is not a {type(default).__name__}") from exc


def run(name: str, seed: int = 0, overrides: Optional[Mapping[str, str]] = None) -> ScenarioResult:
    """Run scenario ``name`` with ``seed`` and parameter ``overrides`` (strings or values)."""
    scenarios = all_scenarios()
    if name not in scenarios:
        raise ScenarioError(f"no scenario {name!r}; known: {', '.join(scenarios) or 'none'}")
    scn = scenarios[name]
    params = parse_params(scn, overrides or {})
    started = time.perf_counter()
    result = scn.runner(seed, params)
    result.wall_time_s = round(time.perf_counter() - started, 3)
    return result
