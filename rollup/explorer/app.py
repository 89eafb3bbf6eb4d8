"""The explorer's web application (Flask): pages over the index, and ``/api/status`` for the
live page to poll.

>>> import os, tempfile
>>> from prozchain.rollup.explorer.index import Index
>>> path = os.path.join(tempfile.mkdtemp(), "explorer.sqlite")
>>> Index(path).put_meta(scenario="demo", seed=1, done=True)
>>> client = create_app(path).test_client()
>>> client.get("/").status_code, client.get("/api/status").get_json()["scenario"]
(200, 'demo')
"""

from __future__ import annotations

import threading
from typing import Any, Optional

from flask import Flask, abort, jsonify, render_template, request
from jinja2 import DictLoader
from werkzeug.serving import WSGIRequestHandler, make_server

from prozchain.rollup.explorer.index import (BATCH_EVENTS, BOND_EVENTS, CHANNEL_CONTRACTS, LAYERS, MESSAGE_EVENTS,
                                             TRANSFER_EVENTS, Event, Index, stage_records)
from prozchain.rollup.explorer.templates import TEMPLATES
from prozchain.rollup.optimistic.contracts.outputs import CHALLENGER_WON, DEFENDER_WON, VOID
from prozchain.rollup.sdk.stages import STAGES, TxStatus
from prozchain.rollup.sdk.stores import keep_furthest

OUTCOMES = {CHALLENGER_WON: "challenger won", DEFENDER_WON: "defender won", VOID: "void"}


def outcome(events: list[Event]) -> str:
    """How a dispute game ended, or that it is still open."""
    ends = [e for e in events if e.name == "GameOver"]
    return OUTCOMES.get(ends[-1].args[2], "ended") if ends else "open"


def create_app(index_path: str, stages_path: Optional[str] = None) -> Flask:
    """The application over the index at ``index_path`` (which a recorder may be writing) and,
    given ``stages_path``, the SDK's stage store there (which a client may be writing)."""
    app = Flask(__name__)
    app.jinja_loader = DictLoader(TEMPLATES)
    index = Index(index_path, read_only=True)

    @app.context_processor
    def common() -> dict[str, Any]:
        return {"layers": LAYERS, "q": request.args.get("q", "")}

    @app.get("/")
    def overview() -> str:
        return render_template("overview.html", meta=index.meta(), counts=index.counts(),
                               latest=index.blocks("l1", limit=15))

    @app.get("/api/status")
    def status() -> Any:
        meta = index.meta()
        return jsonify({"scenario": meta.get("scenario"), "seed": meta.get("seed"), "done": meta.get("done", False),
                        "ok": meta.get("ok"), "sim_time_ms": meta.get("sim_time_ms", 0),
                        "steps": meta.get("steps", 0), "counts": index.counts()})

    @app.get("/layer/<layer>")
    def layer(layer: str) -> str:
        if layer not in LAYERS:
            abort(404)
        return render_template("layer.html", layer=layer, blocks=index.blocks(layer), txs=index.txs(layer))

    @app.get("/block/<layer>/<int:sim>/<int:number>")
    def block(layer: str, sim: int, number: int) -> str:
        found = index.block(layer, sim, number)
        if found is None:
            abort(404)
        return render_template("block.html", block=found, txs=index.txs(layer, sim, number))

    @app.get("/tx/<layer>/<int:sim>/<tx_hash>")
    def tx(layer: str, sim: int, tx_hash: str) -> str:
        found = index.tx(layer, sim, tx_hash)
        if found is None:
            abort(404)
        events = index.events(tx=tx_hash) if layer == "l1" else []
        return render_template("tx.html", tx=found, events=events)

    @app.get("/batches")
    def batches() -> str:
        return render_template("batches.html", batches=index.batches(), kinds=BATCH_EVENTS)

    @app.get("/batch/<int:sim>/<tx_hash>")
    def batch(sim: int, tx_hash: str) -> str:
        found = [(e, t) for e, t in index.batches() if e.sim == sim and e.tx == tx_hash]
        if not found:
            abort(404)
        event, carrier = found[0]
        args = carrier.detail.get("args", {}) if carrier else {}
        roots = {k: v for k, v in args.items() if "root" in k}
        return render_template("batch.html", event=event, tx=carrier, kind=BATCH_EVENTS[(event.contract_name, event.name)],
                               proof=args.get("proof"), roots=roots)

    @app.get("/disputes")
    def disputes() -> str:
        return render_template("disputes.html", disputes=index.disputes(), outcome=outcome)

    @app.get("/dispute/<int:sim>/<int:gid>")
    def dispute(sim: int, gid: int) -> str:
        events = index.disputes().get((sim, gid))
        if events is None:
            abort(404)
        return render_template("dispute.html", gid=gid, events=events, outcome=outcome)

    @app.get("/channels")
    def channels() -> str:
        return render_template("events.html", heading="Channels and routes",
                               note="the adjudicators' events on L1; below, the payments the channel nodes signed "
                                    "off chain (each hop of a route is one)",
                               events=index.events(contracts=CHANNEL_CONTRACTS), txs=index.txs("channel"),
                               routes=index.routes())

    @app.get("/transfers")
    def transfers() -> str:
        return render_template("events.html", heading="Bridge transfers and messages",
                               note="deposits, withdrawals, locks and claims on every bridge, with the stage each "
                                    "event puts its transfer in",
                               events=index.events(names=TRANSFER_EVENTS | MESSAGE_EVENTS), txs=[])

    @app.get("/bonds")
    def bonds() -> str:
        # The economics room's bond ledger (rollup/economics) joins this page once it is on main.
        return render_template("events.html", heading="Bonds",
                               note="stakes bonded, unbonded and slashed, and the proposers' output bonds",
                               events=index.events(names=BOND_EVENTS), txs=[])

    def sdk_records(prefix: str = "") -> list[TxStatus]:
        """The SDK's stage records the recorder indexed and those of the ``--stages`` store, the
        furthest of each transaction."""
        found: dict[str, TxStatus] = {}
        for record in index.stages(prefix) + stage_records(stages_path, prefix):
            keep_furthest(found, record)
        return [found[tx] for tx in sorted(found)]

    @app.get("/stages")
    def stages() -> str:
        return render_template("stages.html", records=sdk_records(), stages=STAGES, store=stages_path)

    @app.get("/search")
    def search() -> str:
        q = request.args.get("q", "")
        return render_template("search.html", txs=index.search(q), events=index.search_events(q),
                               records=sdk_records(q) if len(q.strip()) >= 4 else [], stages=STAGES)

    return app


class _QuietHandler(WSGIRequestHandler):
    """No line per request: the live page polls every second."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class Server:
    """The application served on ``host:port`` from a background thread (port 0: any free one).

    >>> import os, tempfile, urllib.request
    >>> from prozchain.rollup.explorer.index import Index
    >>> path = os.path.join(tempfile.mkdtemp(), "explorer.sqlite")
    >>> Index(path).put_meta(scenario="demo")
    >>> with Server(create_app(path)) as server:
    ...     urllib.request.urlopen(server.url + "/api/status").status
    200
    """

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="explorer-server", daemon=True)

    def __enter__(self) -> "Server":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._server.shutdown()
        self._thread.join()

    def wait(self) -> None:
        """Serve until the thread ends (Ctrl-C in the command)."""
        while self._thread.is_alive():
            self._thread.join(0.5)
