"""Scenarios of the state channel network (``prozchain scenario run channel-...``/``htlc-...``,
and ``app-channel-illegal-move`` for an app channel with proven transitions).

Every run builds a :class:`System`: nodes on the simulation harness with clients in SQLite, an
L1 with 12-second blocks and the adjudicator (challenge period 600 s). Every off-chain exchange
goes over the simulated network: lossless unless a scenario says otherwise (``channel-happy-path``
loses and duplicates messages). Amounts are wei.

>>> from prozchain.rollup.sim.registry import run
>>> result = run("channel-happy-path", seed=1, overrides={"updates": 30})
>>> result.ok, result.honest_loss
(True, 0)
"""

from __future__ import annotations

from typing import Callable, Optional

from prozchain.rollup.common.units import BLOCK_MS, readable
from prozchain.rollup.l1 import keccak256

from prozchain.rollup.economics.bonds import conserved, history as bond_history
from prozchain.rollup.sim.network import NetworkConfig
from prozchain.rollup.sim.kit import finish
from prozchain.rollup.sim.registry import ScenarioError, ScenarioResult, scenario
from prozchain.rollup.channels.agents.htlc import Policy
from prozchain.rollup.channels.agents.link import Change
from prozchain.rollup.channels.agents.payments import pay
from prozchain.rollup.channels.agents.routing import ChannelGraph
from prozchain.rollup.channels.agents.watchtower import Watchtower, justice_feed
from prozchain.rollup.channels.agents.nim import HEAPS, NimState
from prozchain.rollup.channels.contracts.adjudicator import CLOSED, OPEN
from prozchain.rollup.channels.contracts.app import CLOSED as APP_CLOSED
from prozchain.rollup.channels.contracts.onchain import close, escrow, settle
from prozchain.rollup.channels.node import ChannelNode, GameNode
from prozchain.rollup.channels.state import State
from prozchain.rollup.channels.system import PERIOD, AppSystem, System

DEPOSIT = 10**9
POLICY = Policy(100, 1_000, 600)
FINAL_DELTA = 1_200


def _down_at(system: System, name: str, at: int) -> list[bool]:
    """Filled with whether ``name`` is down just after ``at``: whether a scheduled crash, the
    fault a scenario injects, really hit."""
    seen: list[bool] = []
    system.sim.scheduler.at(at + 1, f"{name} down?", lambda: seen.append(not system.nodes[name].up))
    return seen


def _random_payments(system: System, cid: int, count: int, start_ms: int, rng) -> int:
    """``count`` payments in both directions, a few per millisecond, each asked of the payer's
    node (one that is down asks nothing); returns when the asking ends."""
    ends = system.ends(cid)
    t = start_ms
    for i in range(count):
        t += rng.randint(0, 2)
        payer = rng.randint(0, 1)
        amount = rng.randint(1, DEPOSIT // 1_000)

        def ask(node=system.nodes[ends[payer]], amount=amount) -> None:
            if node.up:
                node.link(cid).pay(amount)
        system.sim.scheduler.at(t, f"payment {i}", ask)
    return t


def _drained(system: System, cid: int, after: int) -> int:
    """Run until ``after`` and then until both ends of ``cid`` are up with nothing queued or
    pending (or one is down); returns the time."""
    ends = [system.nodes[n] for n in system.ends(cid)]
    _run_while(system, after, lambda: all(n.up for n in ends) and any(n.link(cid).busy for n in ends), step_ms=100)
    return system.sim.scheduler.now


@scenario("channel-happy-path",
          "open a dual-funded channel, thousands of off-chain payments exchanged over a network "
          "that loses and duplicates messages (turn-taking, retransmission, replay checks), "
          "cooperative close (no attack; defense=off runs the clients sign-first, harmless "
          "without a crash)", defense="on", updates=2_000, loss=0.05, duplicate=0.05)
def happy_path(seed: int, params: dict) -> ScenarioResult:
    system = System(seed, ["alice", "bob"], write_before_sign=params["defense"] == "on",
                  network=NetworkConfig(loss=params["loss"], duplicate=params["duplicate"]))
    with system.sim:
        sim, rng = system.sim, system.sim.scheduler.rng("payments")
        cid = system.open("alice", "bob", DEPOSIT, DEPOSIT)
        asked, t = [], 1_000
        for i in range(params["updates"]):
            t += rng.randint(0, 200)
            payer, amount = rng.choice(["alice", "bob"]), rng.randint(1, DEPOSIT // 1_000)
            sim.scheduler.at(t, f"payment {i}", lambda payer=payer, amount=amount: asked.append(
                (payer, system.nodes[payer].link(cid).pay(amount), amount)))
        links = [system.nodes[n].link for n in ("alice", "bob")]
        _run_while(system, t, lambda: any(link(cid).queue or link(cid).client.pending for link in links))
        links[0](cid).close()
        _run_while(system, sim.scheduler.now, lambda: not all(link(cid).client.latest.final for link in links))
        for node in system.nodes.values():
            node.clients[cid].flush()
        expected = system.latest(cid)
        applied = {n: [tuple(system.nodes[n].store.get(k)) for k in system.nodes[n].store.keys(f"link/{cid}/")]
                   for n in ("alice", "bob")}
        receipt = close(system.chain, system.client("alice", cid), system.adjudicator)
        paid = system.chain.logs(system.adjudicator, "Closed")[-1][1].args[1:]
        owed = (expected.balance_a, expected.balance_b)
        loss = sum(max(0, o - p) for o, p in zip(owed, paid))
        moved = sum(a for _, a in applied["alice"]) - sum(a for _, a in applied["bob"])
        requested = {(n, pid): amount for n, pid, amount in asked}
        invariants = {"closed_cooperatively": receipt.status and expected.final,
                      "payout_matches_latest_state": tuple(paid) == owed,
                      "escrow_empty": escrow(system.chain, system.adjudicator) == 0,
                      "every_payment_applied_once": sorted((n, pid) for n in applied for pid, _ in applied[n])
                      == sorted(requested),
                      "balances_match_the_payments": owed == (DEPOSIT - moved, DEPOSIT + moved),
                      "thousands_of_updates": expected.version >= params["updates"]}
        net = system.sim.network.stats
        summary = [f"{expected.version} co-signed versions for {len(asked)} payments, "
                   f"final balances {readable(owed[0])} and {readable(owed[1])}",
                   f"network: {net['sent']} messages sent, {net['lost']} lost, {net['duplicated']} duplicated",
                   f"L1 gas: open {system.open_gas}, cooperative close {receipt.gas_used}"]
        return finish("channel-happy-path", params, system.sim, system.chain, invariants, loss, summary=summary,
                      accounts={"alice": {"owed": owed[0], "paid": paid[0]}, "bob": {"owed": owed[1], "paid": paid[1]}})


def _run_while(system: System, start: int, busy: Callable[[], bool], step_ms: int = 5_000,
               limit_ms: int = 3_600_000) -> None:
    """Run the simulation from ``start`` while ``busy()`` holds (looked at every ``step_ms``),
    up to ``limit_ms`` of simulated time."""
    system.sim.run(until=start)
    while busy() and system.sim.scheduler.now < start + limit_ms:
        system.sim.run(until=system.sim.scheduler.now + step_ms)


@scenario("channel-stale-state",
          "while bob is offline, alice force-closes with a revoked state; bob's watchtower "
          "punishes it and bob gets everything (defense=off: no watchtower, the theft stands)",
          defense="on", updates=300)
def stale_state(seed: int, params: dict) -> ScenarioResult:
    system = System(seed, ["alice", "bob"])
    with system.sim:
        sim, rng = system.sim, system.sim.scheduler.rng("payments")
        cid = system.open("alice", "bob", DEPOSIT, DEPOSIT)
        if params["defense"] == "on":
            sim.add(Watchtower("tower", sim, system.keys["tower"], system.adjudicator, BLOCK_MS))
            sim.run(until=0)
            justice_feed(system.client("bob", cid), lambda message: system.nodes["bob"].send("tower", message))
        history = []
        system.client("alice", cid).listeners.append(lambda s, sigs: history.append((s, sigs)))
        end = _drained(system, cid, _random_payments(system, cid, params["updates"], 1_000, rng) + 1)
        for amount in (DEPOSIT // 2, 1):  # alice buys something big from bob, then a trifle
            system.nodes["alice"].link(cid).pay(amount)
        end = _drained(system, cid, end)
        owed = system.latest(cid).balance_b
        # the revoked state that pays alice most, at least two versions old
        stale, sigs = max(history[:-2], key=lambda x: x[0].balance_a)
        at = end + rng.randint(1_000, 20_000)
        sim.crash("bob", at, downtime=10**9)  # bob is offline from here on
        sim.scheduler.at(at + 1_000, "alice: publish a revoked state", lambda: system.force_close(cid, "alice", stale, sigs))
        system.nodes["alice"].onchain = False  # she would not challenge her own theft
        sim.run(until=at + 1_000 * (PERIOD + 10 * BLOCK_MS // 1_000) + 60_000)
        if not system.closed(cid):  # alice settles her theft
            settle(system.chain, system.keys["alice"], system.adjudicator, stale)
        paid = system.worth("bob")
        loss = max(0, owed - paid)
        penalized = bool(system.chain.logs(system.adjudicator, "Penalized"))
        ledger = system.chain.view(system.adjudicator, "bond_ledger")
        slashed = [e for e in bond_history(system.chain, ledger) if e.action == "slash" and "penalty" in e.reason]
        invariants = {"breach_punished": penalized, "victim_made_whole": paid >= owed,
                      "penalty_recorded_as_a_slash": penalized == bool(slashed),
                      "bond_ledger_conserved": conserved(system.chain, ledger)}
        summary = [f"alice published v{stale.version} (revoked; latest v{system.latest(cid).version}), "
                   f"paying her {readable(stale.balance_a)} of {readable(2 * DEPOSIT)}",
                   f"bob owed {readable(owed)}, received {readable(paid)}; "
                   f"penalty {'applied' if penalized else 'not applied'}"]
        return finish("channel-stale-state", params, system.sim, system.chain, invariants, loss, summary=summary,
                      accounts={"bob": {"owed": owed, "paid": paid, "lost": loss}},
                      attack_attempted=system.published.get(cid) is stale)


def _line(system: System, names: list[str]) -> tuple[ChannelGraph, list[int]]:
    graph, cids = ChannelGraph(), []
    for u, v in zip(names, names[1:]):
        cid = system.open(u, v, DEPOSIT, DEPOSIT, POLICY)
        graph.add_channel(u, v, 2 * DEPOSIT, POLICY, channel=cid)
        cids.append(cid)
    return graph, cids


@scenario("htlc-multihop-offline",
          "a 4-hop payment; the middle intermediary goes offline after locking; its neighbours "
          "resolve the HTLCs on L1 before they expire and nobody honest ends with less "
          "(defense=off: nobody goes to L1, the forwarder that paid downstream loses)",
          defense="on", amount=5_000_000)
def multihop_offline(seed: int, params: dict) -> ScenarioResult:
    names = ["n0", "n1", "n2", "n3", "n4"]
    system = System(seed, names)
    with system.sim:
        sim, rng = system.sim, system.sim.scheduler.rng("chaos")
        for node in system.nodes.values():
            node.onchain = params["defense"] == "on"
        graph, _ = _line(system, names)
        before = {n: system.worth(n) for n in names}
        route = graph.find_route("n0", "n4", params["amount"], system.chain.time, DEPOSIT // 100, 10_000, FINAL_DELTA)
        preimage = keccak256(f"{seed}/invoice".encode())
        sim.scheduler.at(1_000, "n0: pay n4", lambda: pay(system.nodes, route.nodes, route.channels, route.terms,
                                                          preimage, 1))
        # n2 drops after every hop is locked, once n3 claimed the last hop and before n3 claims from n2
        _run_while(system, 1_000, lambda: system.nodes["n3"].preimage(keccak256(preimage)) is None, step_ms=1,
                   limit_ms=60_000)
        crash_at = sim.scheduler.now + rng.randint(1, 400)
        locked: list[bool] = []
        sim.scheduler.at(crash_at, "n2 holds HTLCs?",
                         lambda: locked.append(all(system.latest(c).htlcs for c in route.channels[1:3])))
        sim.crash("n2", crash_at, downtime=10**9)
        down = _down_at(system, "n2", crash_at)
        sim.run(until=1_000 * (route.terms[0][1] - system.chain.time + 2 * PERIOD) + 120_000)
        done = system.nodes["n0"].preimage(keccak256(preimage)) is not None
        fees = [route.terms[i][0] - route.terms[i + 1][0] for i in range(len(route.terms) - 1)]
        change = {"n0": -route.terms[0][0], "n4": params["amount"],
                  **{names[i + 1]: fees[i] for i in range(len(fees))}} if done else {}
        accounts = {n: {"before": before[n], "after": system.worth(n), "owed": before[n] + change.get(n, 0)}
                    for n in names}
        loss = sum(max(0, a["owed"] - a["after"]) for a in accounts.values())
        invariants = {"all_or_nothing": len({system.htlc_owner(h) for c in route.channels
                                             for h in system.latest(c).htlcs}) <= 1,
                      "nobody_ends_with_less": loss == 0}
        summary = [f"route {' -> '.join(route.nodes)}: {route.nodes[0]} locks {readable(route.terms[0][0])} to deliver "
                   f"{readable(params['amount'])}; locked per hop (wei, L1 expiry s): {route.terms}",
                   f"payment {'completed' if done else 'refunded'}"]
        return finish("htlc-multihop-offline", params, system.sim, system.chain, invariants, loss, summary=summary,
                      accounts=accounts, attack_attempted=locked == [True] and down == [True])


@scenario("htlc-griefing",
          "mallory, the cheapest router, locks incoming HTLCs and never answers; the sender recovers "
          "them on L1 at the timeouts and routes around mallory afterwards (defense=off: it waits "
          "for mallory and keeps routing through it)",
          defense="on", payments=4)
def griefing(seed: int, params: dict) -> ScenarioResult:
    names = ["sender", "mallory", "honest", "receiver"]
    system = System(seed, names)
    with system.sim:
        sim, rng = system.sim, system.sim.scheduler.rng("payments")
        defended = params["defense"] == "on"
        system.nodes["sender"].onchain = defended
        graph = ChannelGraph()
        for u, v, policy in [("sender", "mallory", Policy(0, 1, 600)), ("mallory", "receiver", Policy(0, 1, 600)),
                             ("sender", "honest", Policy(500, 2_000, 600)), ("honest", "receiver", Policy(500, 2_000, 600))]:
            graph.add_channel(u, v, 2 * DEPOSIT, policy, channel=system.open(u, v, DEPOSIT, DEPOSIT, policy))
        system.nodes["mallory"].griefer = True
        system.nodes["mallory"].onchain = False
        before = {n: system.worth(n) for n in names}
        delivered, through_mallory, t = [], [], 1_000
        for k in range(params["payments"]):
            amount = rng.randint(1, 10) * 100_000

            def attempt(k=k, amount=amount, tries=[0]) -> None:
                now = system.chain.time
                route = graph.find_route("sender", "receiver", amount, now, DEPOSIT // 100, 10_000, FINAL_DELTA)
                through_mallory.append("mallory" in route.nodes)
                preimage = keccak256(f"{seed}/{k}".encode())
                pay(system.nodes, route.nodes, route.channels, route.terms, preimage, hid=100 * k + len(through_mallory))

                def check() -> None:
                    if system.nodes["sender"].preimage(keccak256(preimage)):
                        delivered.append(amount)
                    elif defended:  # no answer: penalise the silent node and try again
                        graph.node_failed(route.nodes[1], system.chain.time)
                        attempt(k, amount)
                sim.scheduler.after(60_000, f"payment {k}: check", check)
            sim.scheduler.at(t, f"payment {k}", attempt)
            t += 240_000
        sim.run(until=t + 1_000 * (FINAL_DELTA + 600 + PERIOD) + 240_000)
        after = {n: system.worth(n, usable=True) for n in names}
        locked = sum(system.worth(n) - after[n] for n in names if n != "mallory")
        fees_paid = before["sender"] - sum(delivered) - after["sender"]
        loss = locked
        invariants = {"griefed_liquidity_recovered": locked == 0,
                      "routed_around_after_failure": not any(through_mallory[1:]) if defended else False,
                      "every_payment_delivered": len(delivered) == params["payments"],
                      "sender_paid_only_fees": 0 <= fees_paid <= params["payments"] * DEPOSIT // 100}
        summary = [f"{len(delivered)} of {params['payments']} payments delivered; routes through mallory: {through_mallory}",
                   f"honest liquidity still locked at mallory: {readable(locked)}; "
                   f"sender spent {readable(fees_paid)} beyond deliveries (fees plus anything stuck)"]
        accounts = {n: {"before": before[n], "after": after[n]} for n in names}
        return finish("htlc-griefing", params, system.sim, system.chain, invariants, loss, summary=summary,
                      accounts=accounts, attack_attempted=bool(through_mallory) and through_mallory[0])


class Opportunist(ChannelNode):
    """A peer that countersigns a second state its peer signed for the version it co-signed
    last, and keeps every co-signed state to close with the best."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.held: list[tuple[State, bytes]] = []  # the attack's record; this node never crashes

    def keep(self, state: State, sigs: bytes) -> None:
        if all(state.digest != s.digest for s, _ in self.held):
            self.held.append((state, sigs))

    def refused(self, cid: int, state: State, sig: bytes) -> None:
        client = self.clients[cid]
        latest = client.latest
        if state.version != latest.version or state.digest == latest.digest or state.signer(sig) != client.peer:
            return  # only a second state for the version she co-signed last is worth signing
        mine = state.sign(self.key)
        self.keep(state, client.ordered(mine, sig))
        self.link(cid).send("accept", state, mine)


@scenario("channel-crash-restart",
          "alice crashes between signing a payment and storing it, restarts and pays again; her "
          "opportunistic peer closes with the best state it holds (defense=off: sign before "
          "writing, so alice signs two states for one version and loses the difference)",
          defense="on", updates=200)
def crash_restart(seed: int, params: dict) -> ScenarioResult:
    system = System(seed, ["alice", "mallory"], write_before_sign=params["defense"] == "on",
                    node_types={"mallory": Opportunist})
    with system.sim:
        sim, rng = system.sim, system.sim.scheduler.rng("payments")
        cid = system.open("alice", "mallory", DEPOSIT, DEPOSIT)
        mallory = system.nodes["mallory"]
        system.client("mallory", cid).listeners.append(mallory.keep)
        end = _drained(system, cid, _random_payments(system, cid, params["updates"], 1_000, rng) + 1)
        alice = system.nodes["alice"]
        big, small = rng.randint(10, 20) * DEPOSIT // 100, rng.randint(1, 5) * DEPOSIT // 100
        downs: list[list[bool]] = []

        def sign_big() -> None:  # signs and sends the state; storing is the next step
            link, theirs = alice.link(cid), mallory.link(cid)
            now = sim.scheduler.now
            quiet = not (link.busy or theirs.busy) and now - max(link.heard, theirs.heard) > 700  # nothing in flight
            if quiet and not link.my_turn():
                theirs.submit(Change(State.checkpoint, "pass the turn"))  # so her proposal leaves at once
            if not (quiet and link.my_turn()):
                sim.scheduler.after(100, "alice: pay the big invoice", sign_big)
                return
            alice.clients[cid].flush()  # all she signed before is stored
            link.pay(big)
            alice.timer(5, "store what she signed", alice.clients[cid].flush)
            sim.crash("alice", now + 2, downtime=30_000)
            downs.append(_down_at(system, "alice", now + 2))
            # restarted, she finishes what she knows she signed, then pays a small invoice
            sim.scheduler.after(40_000, "alice: pay a small invoice", lambda: alice.link(cid).pay(small))
        sim.scheduler.at(end + 1_000, "alice: pay the big invoice", sign_big)
        _run_while(system, end + 1_000, lambda: not downs, step_ms=100)
        _drained(system, cid, sim.scheduler.now + 41_000)
        alice.clients[cid].flush()
        down = downs[0] if downs else []
        held = mallory.held
        top = max(s.version for s, _ in held)
        best, sigs = max(((s, g) for s, g in held if s.version == top), key=lambda x: x[0].balance_b)
        versions = [s.version for s, _ in held]
        double = len(versions) != len(set(versions))
        owed = system.client("alice", cid).latest.balance_a
        sim.scheduler.at(sim.scheduler.now + 1, "mallory: close", lambda: system.force_close(cid, "mallory", best, sigs))
        sim.run(until=sim.scheduler.now + 1_000 * (PERIOD + 5 * BLOCK_MS // 1_000) + 60_000)
        paid = system.worth("alice")
        loss = max(0, owed - paid)
        invariants = {"never_two_states_per_version": not double, "alice_gets_what_she_signed_for": paid >= owed}
        summary = [f"mallory holds {len(held)} co-signed states, {'a double sign at v' + str(top) if double else 'one per version'}",
                   f"alice owed {readable(owed)}, received {readable(paid)}"]
        return finish("channel-crash-restart", params, system.sim, system.chain, invariants, loss, summary=summary,
                      accounts={"alice": {"owed": owed, "paid": paid, "lost": loss}}, attack_attempted=down == [True])


@scenario("virtual-channel-intermediary-offline",
          "alice and bob open a virtual channel through ingrid with no L1 transaction (guarantees locked "
          "in their ledger channels with her) and pay each other in it; ingrid disappears after funding "
          "and both ends recover everything on L1 (silent=alice|bob: an end disappears instead; "
          "silent=none: cooperative off-chain close; when=closing: the silent one drops right after "
          "the final state is signed, before the ledgers are rebalanced). defense=off: no L1 path for "
          "the virtual channel, so the guarantees and the ledgers holding them stay locked",
          defense="on", silent="ingrid", when="payments", updates=200)
def virtual_offline(seed: int, params: dict) -> ScenarioResult:
    names = ["alice", "ingrid", "bob"]
    if params["silent"] not in names + ["none"] or params["when"] not in ("payments", "closing"):
        raise ScenarioError(f"silent must be one of {names + ['none']} and when payments or closing, "
                            f"got {params['silent']!r} and {params['when']!r}")
    system = System(seed, names)
    with system.sim:
        sim, rng = system.sim, system.sim.scheduler.rng("payments")
        for node in system.nodes.values():
            node.virtual_onchain = params["defense"] == "on"
        left, right = system.open("alice", "ingrid", DEPOSIT, DEPOSIT), system.open("ingrid", "bob", DEPOSIT, DEPOSIT)
        amounts = rng.randint(5, 50) * DEPOSIT // 100, rng.randint(5, 50) * DEPOSIT // 100
        txs_before, opened = len(system.chain.receipts), []
        sim.scheduler.at(1_000, "open the virtual channel",
                         lambda: opened.append(system.open_virtual("alice", "ingrid", "bob", *amounts, nonce=seed % 2**32)))
        sim.run(until=1_001)
        vid = opened[0]
        _run_while(system, 1_001, lambda: not system.funded(vid), step_ms=10, limit_ms=60_000)
        funded_at = sim.scheduler.now
        end = _random_payments(system, vid, params["updates"], funded_at + 1_000, rng)
        virtual_txs = len(system.chain.receipts) - txs_before
        down = None
        if params["silent"] != "none" and params["when"] == "payments":
            at = rng.randint(funded_at + 2, end)
            sim.crash(params["silent"], at, downtime=10**9)
            down = _down_at(system, params["silent"], at)
        _drained(system, vid, end + 1)
        # close just after an L1 block, so the watches (once per block) act only after the
        # final state went round; when=closing: the silent one drops as soon as it has
        close_at = -(-sim.scheduler.now // BLOCK_MS) * BLOCK_MS + 1_000
        sim.scheduler.at(close_at, "close the virtual channel", lambda: system.close_virtual(vid))
        ends = [system.nodes[n] for n in ("alice", "bob")]

        def closing() -> bool:
            """Everyone up and the final state not yet with both ends and the intermediary."""
            return all(n.up for n in system.nodes.values()) and (
                not all(n.clients[vid].latest.final for n in ends)
                or "final" not in system.nodes["ingrid"].store.get(f"virtual/{vid}"))
        _run_while(system, close_at, closing, step_ms=1, limit_ms=60_000)
        if params["silent"] != "none" and params["when"] == "closing":
            at = sim.scheduler.now + 1
            sim.crash(params["silent"], at, downtime=10**9)
            down = _down_at(system, params["silent"], at)
        _run_while(system, sim.scheduler.now, lambda: sim.scheduler.now < close_at + 15_000 and
                   not all(n.clients[vid].latest.final for n in ends if n.up), step_ms=1_000)
        end = sim.scheduler.now
        v, ledgers = system.latest(vid), {cid: system.latest(cid) for cid in (left, right)}
        share = {cid: v if any(g.vid == vid for g in s.guarantees) else None for cid, s in ledgers.items()}
        owed = {"alice": ledgers[left].balance_a + (share[left].balance_a if share[left] else 0),
                "ingrid": ledgers[left].balance_b + ledgers[right].balance_a
                + (share[left].balance_b if share[left] else 0) + (share[right].balance_a if share[right] else 0),
                "bob": ledgers[right].balance_b + (share[right].balance_b if share[right] else 0)}
        sim.run(until=end + 1_000 * (2 * PERIOD + 10 * BLOCK_MS // 1_000) + 120_000)
        paid = {log.args[0]: log.args[1:] for _, log in system.chain.logs(system.adjudicator, "Closed")}
        usable = {n: 0 for n in names}
        for cid in (left, right):
            state, status = system.latest(cid), system.chain.view(system.adjudicator, "channel", cid).status
            for side, n in enumerate(system.channels[cid]):
                if cid in paid:
                    usable[n] += paid[cid][side]
                elif status == OPEN and not state.guarantees:  # usable off-chain as it is
                    usable[n] += state.balance(side)
        accounts = {n: {"owed": owed[n], "recovered": usable[n]} for n in names}
        loss = sum(max(0, owed[n] - usable[n]) for n in names)
        in_escrow = sum(system.latest(cid).total for cid in (left, right) if cid not in paid)
        concluded = system.virtual_status(vid).status == CLOSED
        later_txs = len(system.chain.receipts) - txs_before
        invariants = {"no_l1_transaction_for_the_virtual_channel": virtual_txs == 0,
                      "everyone_recovers_what_it_is_owed": loss == 0,
                      "escrow_holds_exactly_the_open_ledgers": escrow(system.chain, system.adjudicator) == in_escrow,
                      ("closed_off_chain" if params["silent"] == "none" else "virtual_concluded_on_l1"):
                          v.final and later_txs == 0 if params["silent"] == "none" else concluded}
        summary = [f"virtual channel of {readable(amounts[0])} and {readable(amounts[1])} through ingrid, "
                   f"{v.version} versions, latest {readable(v.balance_a)} and {readable(v.balance_b)}"
                   f"{' (final)' if v.final else ''}; silent: {params['silent']}",
                   f"L1 transactions to open it: {virtual_txs}, in all after the ledgers opened: {later_txs}; "
                   f"concluded on L1: {concluded}"]
        return finish("virtual-channel-intermediary-offline", params, system.sim, system.chain, invariants, loss,
                      summary=summary, accounts=accounts,
                      attack_attempted=None if down is None else down == [True])


class Cheater(GameNode):
    """Plays fair off chain until its move at version ``cheat_at`` or later, then stalls; in the
    dispute that follows it forces an illegal move on L1 (every token at once, claiming the win)
    with the proof of a legal move. Refused, it plays on fairly on L1."""

    cheat_at = 3
    illegal: Optional[NimState] = None  # the state it tried to force

    def play(self) -> None:
        if self.player.version < self.cheat_at:
            super().play()

    def force_move(self) -> None:
        if self.illegal is not None:
            super().force_move()
            return
        old = self.player.state
        legal = old.play(*self.choose())
        self.illegal = NimState((0,) * HEAPS, legal.turn, legal.salt)
        self.log(f"forces an illegal move on L1: {list(old.heaps)} -> {list(self.illegal.heaps)}")
        self.system.submit(self.name, "force_move", self.player.cid, self.illegal.commitment, 1,
                           self.player.prover.prove(old, legal))
        self.answered -= 1  # refused, it answers again at the next block


@scenario("app-channel-illegal-move",
          "alice and mallory play Nim in an app channel (state off chain, a Poseidon commitment on L1, "
          "every move proven); mallory, losing, stalls, and in alice's dispute forces an illegal move "
          "on L1 (all tokens at once, claiming the win): the adjudicator verifies the move's proof and "
          "refuses it, the game goes on on L1 and alice wins (defense=off: the proof is not verified, "
          "the illegal move stands and mallory takes both stakes)",
          defense="on", stake=DEPOSIT, cheat_at=3)
def app_illegal_move(seed: int, params: dict) -> ScenarioResult:
    heaps = (3, 4, 5)  # nim-sum 2: the first player, alice, wins with the winning strategy
    system = AppSystem(seed, ["alice", "mallory"], check_proofs=params["defense"] == "on",
                       node_types={"mallory": Cheater})
    with system.sim:
        mallory = system.nodes["mallory"]
        mallory.cheat_at = params["cheat_at"]
        cid = system.open_game("alice", "mallory", params["stake"], heaps)
        done = lambda: system.chain.view(system.adjudicator, "channel", cid).status == APP_CLOSED
        _run_while(system, 0, lambda: not done(), limit_ms=40 * 1_000 * PERIOD)
        owed, paid = 2 * params["stake"], system.paid_to("alice")
        loss = max(0, owed - paid)
        moves = [log.args for _, log in system.chain.logs(system.adjudicator, "Moved")]
        disputes = [log.args for _, log in system.chain.logs(system.adjudicator, "Disputed")]
        stood = mallory.illegal is not None and any(m[2] == mallory.illegal.commitment for m in moves)
        summary = [f"Nim from {list(heaps)}: {disputes[0][1] if disputes else 'no'} co-signed versions before "
                   f"the dispute, {len(moves)} moves accepted on L1",
                   f"mallory's illegal move {'stood' if stood else 'was refused' if mallory.illegal else 'never came'}; "
                   f"alice owed {readable(owed)}, paid {readable(paid)}"]
        invariants = {"illegal_move_refused": not stood, "honest_player_wins": paid == owed}
        return finish("app-channel-illegal-move", params, system.sim, system.chain, invariants, loss, summary=summary,
                      accounts={"alice": {"owed": owed, "paid": paid, "lost": loss}},
                      attack_attempted=mallory.illegal is not None)
