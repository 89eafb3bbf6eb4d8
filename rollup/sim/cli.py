"""``prozchain scenario list`` and ``prozchain scenario run NAME [--seed N] [--param k=v ...]
[--json FILE]``, a group of the ``prozchain`` command (listed in :data:`prozchain.cli.GROUPS`).

Exit codes of ``run`` (through :func:`prozchain.cli.run`): 0 every invariant held and no honest
party lost value, 1 otherwise, 2 for a usage error (unknown scenario or parameter). The run's event trace is printed only when
asked for (``--trace``, or ``--trace-file FILE``); a failed run prints the command that replays it.

>>> from prozchain.cli import main
>>> main(["scenario", "run", "l1-crash-restart", "--seed", "3"])  # doctest: +ELLIPSIS
l1-crash-restart seed 3: OK
...
0
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from prozchain.rollup.sim import registry


def register(parser: argparse.ArgumentParser) -> None:
    """The ``scenario`` command group (listed in :data:`prozchain.cli.GROUPS`)."""
    commands = parser.add_subparsers(dest="scenario_command", required=True)
    commands.add_parser("list", help="every scenario with a one-line description").set_defaults(func=list_command)
    run = commands.add_parser("run", help="run one scenario; exit 0 only if it held")
    run.add_argument("name", help="the scenario (prozchain scenario list names them all)")
    run.add_argument("--seed", type=int, default=0,
                     help="seed of the simulation: the same seed gives the same run (default 0)")
    run.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                     help="override a scenario parameter (repeatable), e.g. defense=off")
    run.add_argument("--json", metavar="FILE", help="write the result as JSON to FILE")
    run.add_argument("--trace", action="store_true", help="print the run's event trace")
    run.add_argument("--trace-file", metavar="FILE", help="write the run's event trace to FILE")
    run.set_defaults(func=run_command)


def list_command(args: argparse.Namespace) -> int:
    scenarios = registry.all_scenarios()
    width = max((len(name) for name in scenarios), default=0)
    systems: dict[str, list[str]] = {}
    for name, scn in scenarios.items():  # by the room that defines it: rollup.zk.scenarios -> zk
        room = scn.runner.__module__.split(".")[-2]
        systems.setdefault("l1" if room == "sim" else room, []).append(name)
    for system, names in systems.items():
        print(f"[{system}]")
        for name in names:
            scn = scenarios[name]
            params = " ".join(f"{k}={v}" for k, v in scn.defaults.items())
            print(f"{name:<{width}}  {scn.description}\n{'':<{width}}  params: {params}")
    return 0


def run_command(args: argparse.Namespace) -> int:
    result = registry.run(args.name, args.seed, dict(_split(p) for p in args.param))
    print("\n".join(result.report()))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(result.to_json(), out, indent=2, sort_keys=True)
    if args.trace_file:
        Path(args.trace_file).write_text("\n".join(result.trace) + "\n")
    if args.trace:
        print(f"event trace ({len(result.trace)} events):\n" + "\n".join(result.trace))
    if not result.ok:
        print(f"\nFAILED with seed {result.seed}; replay: prozchain scenario run {result.scenario} "
              f"--seed {result.seed} " + " ".join(f"--param {k}={v}" for k, v in result.params.items())
              + ("" if args.trace else f" --trace  (prints its {len(result.trace)} events)"), file=sys.stderr)
    return 0 if result.ok else 1


def _split(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise registry.ScenarioError(f"--param takes KEY=VALUE, got {text!r}")
    return key, value
