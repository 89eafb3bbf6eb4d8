"""``prozchain explorer [--host H] [--port N] [--db PATH] [--scenario NAME --seed N]``: the
cross-layer explorer on localhost (a group of the ``prozchain`` command, in
:data:`prozchain.cli.GROUPS`).

With ``--scenario`` it runs that scenario in a background thread, indexing it into ``--db`` (a
new temporary file when not given) while the pages follow; without, it serves the index an
earlier run left at ``--db``. ``--screenshots DIR`` takes PNGs of the main pages (after the run
ends) and exits. Exit 2 for an unknown scenario or parameter, or a ``--db`` that is no index.

>>> from prozchain.cli import main
>>> main(["explorer", "--db", "no-such-index.sqlite"])
2
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading

from prozchain.cli import UsageError
from prozchain.rollup.explorer.app import Server, create_app
from prozchain.rollup.explorer.browser import screenshots
from prozchain.rollup.explorer.index import Index
from prozchain.rollup.explorer.record import Recorder
from prozchain.rollup.sim import registry
from prozchain.rollup.sim.cli import _split


def register(parser: argparse.ArgumentParser) -> None:
    """The ``explorer`` command (listed in :data:`prozchain.cli.GROUPS`)."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    parser.add_argument("--db", metavar="PATH", help="the explorer's index: written by --scenario, else read")
    parser.add_argument("--scenario", metavar="NAME", action="append",
                        help="run this scenario live (prozchain scenario list); repeated, one after another")
    parser.add_argument("--seed", type=int, default=0, help="the scenario's seed (default 0)")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                        help="override a scenario parameter (repeatable)")
    parser.add_argument("--pace", type=float, default=0.05,
                        help="seconds to pause per 2 s of simulated time, so the run can be watched (default 0.05)")
    parser.add_argument("--stages", metavar="PATH",
                        help="an SDK stage store (as prozchain tx status --db reads) to show on the stages page")
    parser.add_argument("--screenshots", metavar="DIR", help="save PNGs of the main pages to DIR and exit")
    parser.set_defaults(func=explorer_command)


def explorer_command(args: argparse.Namespace) -> int:
    if args.stages is not None and not os.path.isfile(args.stages):
        raise UsageError(f"{args.stages}: no such stage store")
    if args.scenario is None:
        if args.db is None:
            raise UsageError("give --scenario NAME to run one live, or --db PATH of an earlier run's index")
        if not os.path.isfile(args.db):
            raise UsageError(f"{args.db}: no such index file")
        Index(args.db, read_only=True)
        return _serve(args, None)
    scenarios = registry.all_scenarios()
    runs = []
    for name in args.scenario:
        if name not in scenarios:
            raise UsageError(f"no scenario {name!r}; prozchain scenario list names them")
        runs.append((name, registry.parse_params(scenarios[name], dict(_split(p) for p in args.param))))
    args.db = args.db or os.path.join(tempfile.mkdtemp(prefix="prozchain-explorer-"), "explorer.sqlite")
    recorder = Recorder(Index(args.db), 0.0 if args.screenshots else args.pace)

    def record_all() -> None:
        for name, params in runs:
            recorder.record(name, args.seed, params)
    recording = threading.Thread(target=record_all, name="explorer-recorder", daemon=True)
    recording.start()
    return _serve(args, recording)


def _serve(args: argparse.Namespace, recording: threading.Thread | None) -> int:
    with Server(create_app(args.db, args.stages), args.host, args.port) as server:
        if args.screenshots:
            if recording is not None:
                recording.join()
            for path in screenshots(server.url, args.screenshots):
                print(path)
            return 0
        print(f"explorer on {server.url} (Ctrl-C stops it)", flush=True)
        try:
            server.wait()
        except KeyboardInterrupt:
            pass
    return 0
