"""Scenarios of the state channel network (``prozchain scenario run channel-...``/``htlc-...``).

Every run builds a :class:`World`: nodes on the simulation harness with clients in SQLite, an
L1 with 12-second blocks and the adjudicator (challenge period 600 s). Amounts are wei.

>>> from prozchain.rollup.sim.registry import run
>>> result = run("channel-happy-path", seed=1, overrides={"updates": 30})
>>> result.ok, result.honest_loss
(True, 0)
"""

from __future__ import annotations

from typing import Callable, Optional

from prozchain.rollup.l1 import keccak256
from prozchain.rollup.sim.network import NetworkConfig
from prozchain.rollup.sim.registry import ScenarioError, ScenarioResult, scenario
from prozchain.rollup.channels.htlc import Policy
from prozchain.rollup.channels.adjudicator import CLOSED, OPEN
from prozchain.rollup.channels.onchain import close, settle
from prozchain.rollup.channels.routing import ChannelGraph
from prozchain.rollup.channels.watchtower import Watchtower, justice_feed
from prozchain.rollup.channels.world import PERIOD, World
from prozchain.rollup.common.units import BLOCK_MS

DEPOSIT = 10**9
POLICY = Policy(100, 1_000, 600)
FINAL_DELTA = 1_200


def _result(name: str, world: World, params: dict, invariants: dict, loss: int, summary: list[str],
            accounts: dict, attack_attempted: Optional[bool] = None) -> ScenarioResult:
    invariants = {**invariants, "l1_value_conserved": world.chain.conserved()}
    return ScenarioResult.from_checks(name, world.sim.scheduler.seed, params, invariants, loss, world.l1_gas(),
                                      world.sim.scheduler.steps, summary=summary, accounts=accounts,
                                      trace=list(world.sim.scheduler.trace), attack_attempted=attack_attempted)


def _down_at(world: World, name: str, at: int) -> list[bool]:
    """Filled with whether ``name`` is down just after ``at``: whether a scheduled crash, the
    fault a scenario injects, really hit."""
    seen: list[bool] = []
    world.sim.scheduler.at(at + 1, f"{name} down?", lambda: seen.append(not world.nodes[name].up))
    return seen


def _random_payments(world: World, cid: int, count: int, start_ms: int, rng) -> int:
    """``count`` payments in both directions, a few per millisecond; returns when they end."""
    a, b = world.ends(cid)
    t = start_ms
    for i in range(count):
        t += rng.randint(0, 2)
        payer = rng.randint(0, 1)
        amount = rng.randint(1, DEPOSIT // 1_000)

        def pay(payer=payer, amount=amount) -> None:
            if not (world.reachable(a) and world.reachable(b)):
                return
            latest = world.latest(cid)
            if latest.balance(payer) >= amount:
                world.update(cid, (a, b)[payer], latest.pay(payer, amount))
        world.sim.scheduler.at(t, f"payment {i}", pay)
    return t


@scenario("channel-happy-path",
          "open a dual-funded channel, thousands of off-chain payments exchanged over a network that "
          "loses and duplicates messages (turn-taking, retransmission, replay checks), cooperative "
          "close (no attack; defense=off runs the clients sign-first, harmless without a crash)",
          defense="on", updates=2_000, loss=0.05, duplicate=0.05)
def happy_path(seed: int, params: dict) -> ScenarioResult:
    world = World(seed, ["alice", "bob"], write_before_sign=params["defense"] == "on",
                  network=NetworkConfig(loss=params["loss"], duplicate=params["duplicate"]))
    with world.sim:
        sim, rng = world.sim, world.sim.scheduler.rng("payments")
        cid = world.open("alice", "bob", DEPOSIT, DEPOSIT)
        asked, t = [], 1_000
        for i in range(params["updates"]):
            t += rng.randint(0, 200)
            payer, amount = rng.choice(["alice", "bob"]), rng.randint(1, DEPOSIT // 1_000)
            sim.scheduler.at(t, f"payment {i}", lambda payer=payer, amount=amount: asked.append(
                (payer, world.nodes[payer].link(cid).pay(amount), amount)))
        links = [world.nodes[n].link for n in ("alice", "bob")]
        _run_while(world, t, lambda: any(link(cid).queue or link(cid).client.pending for link in links))
        links[0](cid).close()
        _run_while(world, sim.scheduler.now, lambda: not all(link(cid).client.latest.final for link in links))
        for node in world.nodes.values():
            node.clients[cid].flush()
        expected = world.latest(cid)
        applied = {n: [tuple(world.nodes[n].store.get(k)) for k in world.nodes[n].store.keys(f"link/{cid}/")]
                   for n in ("alice", "bob")}
        receipt = close(world.chain, world.client("alice", cid), world.adjudicator)
        paid = world.chain.logs(world.adjudicator, "Closed")[-1][1].args[1:]
        owed = (expected.balance_a, expected.balance_b)
        loss = sum(max(0, o - p) for o, p in zip(owed, paid))
        moved = sum(a for _, a in applied["alice"]) - sum(a for _, a in applied["bob"])
        requested = {(n, pid): amount for n, pid, amount in asked}
        invariants = {"closed_cooperatively": receipt.status and expected.final,
                      "payout_matches_latest_state": tuple(paid) == owed,
                      "escrow_empty": world.chain.state.balance(world.adjudicator) == 0,
                      "every_payment_applied_once": sorted((n, pid) for n in applied for pid, _ in applied[n])
                      == sorted(requested),
                      "balances_match_the_payments": owed == (DEPOSIT - moved, DEPOSIT + moved),
                      "thousands_of_updates": expected.version >= params["updates"]}
        net = world.sim.network.stats
        summary = [f"{expected.version} co-signed versions for {len(asked)} payments, final balances {owed}",
                   f"network: {net['sent']} messages sent, {net['lost']} lost, {net['duplicated']} duplicated",
                   f"L1 gas: open {world.open_gas}, cooperative close {receipt.gas_used}"]
        return _result("channel-happy-path", world, params, invariants, loss, summary,
                       {"alice": {"owed": owed[0], "paid": paid[0]}, "bob": {"owed": owed[1], "paid": paid[1]}})


def _run_while(world: World, start: int, busy: Callable[[], bool]) -> None:
    """Run the simulation from ``start`` while ``busy()`` holds, up to an hour of simulated time."""
    world.sim.run(until=start)
    while busy() and world.sim.scheduler.now < start + 3_600_000:
        world.sim.run(until=world.sim.scheduler.now + 5_000)


@scenario("channel-stale-state",
          "while bob is offline, alice force-closes with a revoked state; bob's watchtower "
          "punishes it and bob gets everything (defense=off: no watchtower, the theft stands)",
          defense="on", updates=300)
def stale_state(seed: int, params: dict) -> ScenarioResult:
    world = World(seed, ["alice", "bob"])
    with world.sim:
        sim, rng = world.sim, world.sim.scheduler.rng("payments")
        cid = world.open("alice", "bob", DEPOSIT, DEPOSIT)
        if params["defense"] == "on":
            tower = sim.add(Watchtower("tower", sim, world.keys["tower"], world.adjudicator, BLOCK_MS))
            sim.run(until=0)
            justice_feed(world.client("bob", cid), tower)
        history = []
        world.client("alice", cid).listeners.append(lambda s, sigs: history.append((s, sigs)))
        end = _random_payments(world, cid, params["updates"], 1_000, rng)
        sim.run(until=end + 1)
        for amount in (DEPOSIT // 2, 1):  # alice buys something big from bob, then a trifle
            world.update(cid, "alice", world.latest(cid).pay(0, amount))
        owed = world.latest(cid).balance_b
        # the revoked state that pays alice most, at least two versions old
        stale, sigs = max(history[:-2], key=lambda x: x[0].balance_a)
        at = end + rng.randint(1_000, 20_000)
        sim.crash("bob", at, downtime=10**9)  # bob is offline from here on
        sim.scheduler.at(at + 1_000, "alice: publish a revoked state", lambda: world.close(cid, "alice", stale, sigs))
        world.nodes["alice"].onchain = False  # she would not challenge her own theft
        sim.run(until=at + 1_000 * (PERIOD + 10 * BLOCK_MS // 1_000) + 60_000)
        if world.chain.view(world.adjudicator, "channel", cid)[4] != CLOSED:  # alice settles her theft
            settle(world.chain, world.keys["alice"], world.adjudicator, stale)
        paid = world.worth("bob")
        loss = max(0, owed - paid)
        penalized = bool(world.chain.logs(world.adjudicator, "Penalized"))
        invariants = {"breach_punished": penalized, "victim_made_whole": paid >= owed}
        summary = [f"alice published v{stale.version} (revoked; latest v{world.latest(cid).version}), "
                   f"paying her {stale.balance_a} of {2 * DEPOSIT}",
                   f"bob owed {owed}, received {paid}; penalty {'applied' if penalized else 'not applied'}"]
        return _result("channel-stale-state", world, params, invariants, loss, summary,
                       {"bob": {"owed": owed, "paid": paid, "lost": loss}},
                       attack_attempted=world.published.get(cid) is stale)


def _line(world: World, names: list[str]) -> tuple[ChannelGraph, list[int]]:
    graph, cids = ChannelGraph(), []
    for u, v in zip(names, names[1:]):
        cid = world.open(u, v, DEPOSIT, DEPOSIT, POLICY)
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
    world = World(seed, names)
    with world.sim:
        sim, rng = world.sim, world.sim.scheduler.rng("chaos")
        for node in world.nodes.values():
            node.onchain = params["defense"] == "on"
        graph, _ = _line(world, names)
        before = {n: world.worth(n) for n in names}
        route = graph.find_route("n0", "n4", params["amount"], world.chain.time, DEPOSIT // 100, 10_000, FINAL_DELTA)
        preimage = keccak256(f"{seed}/invoice".encode())
        sim.scheduler.at(1_000, "n0: pay n4", lambda: world.pay(route.nodes, route.channels, route.terms, preimage, 1))
        # n2 drops after every hop is locked, before the preimage comes back to it
        crash_at = 1_000 + 4 * 500 + rng.randint(1, 400)
        locked: list[bool] = []
        sim.scheduler.at(crash_at, "n2 holds HTLCs?",
                         lambda: locked.append(all(world.latest(c).htlcs for c in route.channels[1:3])))
        sim.crash("n2", crash_at, downtime=10**9)
        down = _down_at(world, "n2", crash_at)
        sim.run(until=1_000 * (route.terms[0][1] - world.chain.time + 2 * PERIOD) + 120_000)
        done = world.nodes["n0"].preimage(keccak256(preimage)) is not None
        fees = [route.terms[i][0] - route.terms[i + 1][0] for i in range(len(route.terms) - 1)]
        change = {"n0": -route.terms[0][0], "n4": params["amount"],
                  **{names[i + 1]: fees[i] for i in range(len(fees))}} if done else {}
        accounts = {n: {"before": before[n], "after": world.worth(n), "owed": before[n] + change.get(n, 0)}
                    for n in names}
        loss = sum(max(0, a["owed"] - a["after"]) for a in accounts.values())
        invariants = {"all_or_nothing": len({world.htlc_owner(h) for c in route.channels
                                             for h in world.latest(c).htlcs}) <= 1,
                      "nobody_ends_with_less": loss == 0}
        summary = [f"route {route.nodes}, terms {route.terms}", f"payment {'completed' if done else 'refunded'}",
                   *(f"{n}: {a['before']} -> {a['after']} (owed {a['owed']})" for n, a in accounts.items())]
        return _result("htlc-multihop-offline", world, params, invariants, loss, summary, accounts,
                       attack_attempted=locked == [True] and down == [True])


@scenario("htlc-griefing",
          "mallory, the cheapest router, locks incoming HTLCs and never answers; the sender recovers "
          "them on L1 at the timeouts and routes around mallory afterwards (defense=off: it waits "
          "for mallory and keeps routing through it)",
          defense="on", payments=4)
def griefing(seed: int, params: dict) -> ScenarioResult:
    names = ["sender", "mallory", "honest", "receiver"]
    world = World(seed, names)
    with world.sim:
        sim, rng = world.sim, world.sim.scheduler.rng("payments")
        defended = params["defense"] == "on"
        world.nodes["sender"].onchain = defended
        graph = ChannelGraph()
        for u, v, policy in [("sender", "mallory", Policy(0, 1, 600)), ("mallory", "receiver", Policy(0, 1, 600)),
                             ("sender", "honest", Policy(500, 2_000, 600)), ("honest", "receiver", Policy(500, 2_000, 600))]:
            graph.add_channel(u, v, 2 * DEPOSIT, policy, channel=world.open(u, v, DEPOSIT, DEPOSIT, policy))
        world.nodes["mallory"].griefer = True
        world.nodes["mallory"].onchain = False
        before = {n: world.worth(n) for n in names}
        delivered, through_mallory, t = [], [], 1_000
        for k in range(params["payments"]):
            amount = rng.randint(1, 10) * 100_000

            def attempt(k=k, amount=amount, tries=[0]) -> None:
                now = world.chain.time
                route = graph.find_route("sender", "receiver", amount, now, DEPOSIT // 100, 10_000, FINAL_DELTA)
                through_mallory.append("mallory" in route.nodes)
                preimage = keccak256(f"{seed}/{k}".encode())
                world.pay(route.nodes, route.channels, route.terms, preimage, hid=100 * k + len(through_mallory))

                def check() -> None:
                    if world.nodes["sender"].preimage(keccak256(preimage)):
                        delivered.append(amount)
                    elif defended:  # no answer: penalise the silent node and try again
                        graph.node_failed(route.nodes[1], world.chain.time)
                        attempt(k, amount)
                sim.scheduler.after(60_000, f"payment {k}: check", check)
            sim.scheduler.at(t, f"payment {k}", attempt)
            t += 240_000
        sim.run(until=t + 1_000 * (FINAL_DELTA + 600 + PERIOD) + 240_000)
        after = {n: world.worth(n, usable=True) for n in names}
        locked = sum(world.worth(n) - after[n] for n in names if n != "mallory")
        fees_paid = before["sender"] - sum(delivered) - after["sender"]
        loss = locked
        invariants = {"griefed_liquidity_recovered": locked == 0,
                      "routed_around_after_failure": not any(through_mallory[1:]) if defended else False,
                      "every_payment_delivered": len(delivered) == params["payments"],
                      "sender_paid_only_fees": 0 <= fees_paid <= params["payments"] * DEPOSIT // 100}
        summary = [f"{len(delivered)} of {params['payments']} payments delivered; routes through mallory: {through_mallory}",
                   f"honest liquidity still locked at mallory: {locked}; sender spent {fees_paid} beyond deliveries (fees plus anything stuck)"]
        accounts = {n: {"before": before[n], "after": after[n]} for n in names}
        return _result("htlc-griefing", world, params, invariants, loss, summary, accounts,
                       attack_attempted=bool(through_mallory) and through_mallory[0])


@scenario("channel-crash-restart",
          "alice crashes between signing a payment and storing it, restarts and pays again; her "
          "opportunistic peer closes with the best state it holds (defense=off: sign before "
          "writing, so alice signs two states for one version and loses the difference)",
          defense="on", updates=200)
def crash_restart(seed: int, params: dict) -> ScenarioResult:
    world = World(seed, ["alice", "mallory"], write_before_sign=params["defense"] == "on")
    with world.sim:
        sim, rng = world.sim, world.sim.scheduler.rng("payments")
        cid = world.open("alice", "mallory", DEPOSIT, DEPOSIT)
        held = []  # every state mallory has co-signed
        world.client("mallory", cid).listeners.append(lambda s, sigs: held.append((s, sigs)))
        end = _random_payments(world, cid, params["updates"], 1_000, rng)
        sim.run(until=end + 1)
        alice = world.nodes["alice"]
        alice.clients[cid].flush()
        big, small = rng.randint(10, 20) * DEPOSIT // 100, rng.randint(1, 5) * DEPOSIT // 100
        crash_at = end + 1_000

        def sign_big() -> None:  # signs and hands the state over; storing is the next step
            client = alice.clients[cid]
            state = client.latest.pay(0, big)
            world.client("mallory", cid).accept(state, client.propose(state))
            alice.timer(5, "store what she signed", client.flush)
        sim.scheduler.at(crash_at, "alice: pay the big invoice", sign_big)
        sim.crash("alice", crash_at + 2, downtime=30_000)
        down = _down_at(world, "alice", crash_at + 2)

        def resume() -> None:
            client = alice.clients[cid]
            if client.pending is not None:  # she knows what she signed: finish it first
                state = client.pending
                client.complete(state, state.sign(world.keys["mallory"]))
            nxt = client.latest.pay(0, small)
            mine = client.propose(nxt)
            theirs = nxt.sign(world.keys["mallory"])  # mallory countersigns whatever helps her
            held.append((nxt, mine + theirs))
            client.complete(nxt, theirs)
            client.flush()
        sim.scheduler.at(crash_at + 40_000, "alice: pay a small invoice", resume)
        sim.run(until=crash_at + 41_000)
        top = max(s.version for s, _ in held)
        best, sigs = max(((s, g) for s, g in held if s.version == top), key=lambda x: x[0].balance_b)
        versions = [s.version for s, _ in held]
        double = len(versions) != len(set(versions))
        owed = world.client("alice", cid).latest.balance_a
        sim.scheduler.at(sim.scheduler.now + 1, "mallory: close", lambda: world.close(cid, "mallory", best, sigs))
        sim.run(until=sim.scheduler.now + 1_000 * (PERIOD + 5 * BLOCK_MS // 1_000) + 60_000)
        paid = world.worth("alice")
        loss = max(0, owed - paid)
        invariants = {"never_two_states_per_version": not double, "alice_gets_what_she_signed_for": paid >= owed}
        summary = [f"mallory holds {len(held)} co-signed states, {'a double sign at v' + str(top) if double else 'one per version'}",
                   f"alice owed {owed}, received {paid}"]
        return _result("channel-crash-restart", world, params, invariants, loss, summary,
                       {"alice": {"owed": owed, "paid": paid, "lost": loss}}, attack_attempted=down == [True])


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
    world = World(seed, names)
    with world.sim:
        sim, rng = world.sim, world.sim.scheduler.rng("payments")
        for node in world.nodes.values():
            node.virtual_onchain = params["defense"] == "on"
        left, right = world.open("alice", "ingrid", DEPOSIT, DEPOSIT), world.open("ingrid", "bob", DEPOSIT, DEPOSIT)
        amounts = rng.randint(5, 50) * DEPOSIT // 100, rng.randint(5, 50) * DEPOSIT // 100
        txs_before, opened = len(world.chain.receipts), []
        sim.scheduler.at(1_000, "open the virtual channel",
                         lambda: opened.append(world.open_virtual("alice", "ingrid", "bob", *amounts, nonce=seed % 2**32)))
        sim.run(until=1_001)
        vid = opened[0]
        end = _random_payments(world, vid, params["updates"], 2_000, rng)
        virtual_txs = len(world.chain.receipts) - txs_before
        down = None
        if params["silent"] != "none":
            at = end + 1_001 if params["when"] == "closing" else rng.randint(1_002, end)
            sim.crash(params["silent"], at, downtime=10**9)
            down = _down_at(world, params["silent"], at)
        closed = []
        sim.scheduler.at(end + 1_000, "close the virtual channel", lambda: closed.append(world.close_virtual(vid)))
        sim.run(until=end + 1_001)
        v, ledgers = world.latest(vid), {cid: world.latest(cid) for cid in (left, right)}
        share = {cid: v if any(g.vid == vid for g in s.guarantees) else None for cid, s in ledgers.items()}
        owed = {"alice": ledgers[left].balance_a + (share[left].balance_a if share[left] else 0),
                "ingrid": ledgers[left].balance_b + ledgers[right].balance_a
                + (share[left].balance_b if share[left] else 0) + (share[right].balance_a if share[right] else 0),
                "bob": ledgers[right].balance_b + (share[right].balance_b if share[right] else 0)}
        sim.run(until=end + 1_000 * (2 * PERIOD + 10 * BLOCK_MS // 1_000) + 120_000)
        paid = {log.args[0]: log.args[1:] for _, log in world.chain.logs(world.adjudicator, "Closed")}
        usable = {n: 0 for n in names}
        for cid in (left, right):
            state, status = world.latest(cid), world.chain.view(world.adjudicator, "channel", cid)[4]
            for side, n in enumerate(world.channels[cid]):
                if cid in paid:
                    usable[n] += paid[cid][side]
                elif status == OPEN and not state.guarantees:  # usable off-chain as it is
                    usable[n] += state.balance(side)
        accounts = {n: {"owed": owed[n], "recovered": usable[n]} for n in names}
        loss = sum(max(0, owed[n] - usable[n]) for n in names)
        in_escrow = sum(world.latest(cid).total for cid in (left, right) if cid not in paid)
        concluded = world.virtual_status(vid)[0] == CLOSED
        later_txs = len(world.chain.receipts) - txs_before
        invariants = {"no_l1_transaction_for_the_virtual_channel": virtual_txs == 0,
                      "everyone_recovers_what_it_is_owed": loss == 0,
                      "escrow_holds_exactly_the_open_ledgers": world.chain.state.balance(world.adjudicator) == in_escrow,
                      ("closed_off_chain" if params["silent"] == "none" else "virtual_concluded_on_l1"):
                          closed[0] is not None and later_txs == 0 if params["silent"] == "none" else concluded}
        summary = [f"virtual channel {amounts} through ingrid, {v.version} versions, latest {(v.balance_a, v.balance_b)}"
                   f"{' (final)' if v.final else ''}; silent: {params['silent']}",
                   f"L1 transactions to open it: {virtual_txs}, in all after the ledgers opened: {later_txs}; "
                   f"concluded on L1: {concluded}",
                   *(f"{n}: owed {owed[n]}, recovered {usable[n]}" for n in names)]
        return _result("virtual-channel-intermediary-offline", world, params, invariants, loss, summary, accounts,
                       attack_attempted=None if down is None else down == [True])
