"""Off-chain agents of the optimistic rollup on the simulation harness.

Each agent derives the L2 from L1 on its own (an :class:`L2Node`, rebuilt after a restart)
and acts on L1 with its key, at most one L1 transaction in flight at a time:

- :class:`Sequencer` takes user transactions from the network, refuses (``"rejected"``, with
  the shortfall) one whose signed gas price does not cover its fee model's quote, writes each
  other to SQLite *before* acknowledging it, and posts batches (calldata or blob) with every acknowledged transaction
  that L1 does not hold yet, and the forced transactions L1 recorded; it can be told to censor
  the transactions a predicate picks (dropping them, and the forced batches);
- :class:`Proposer` posts each batch's output with a bond and defends it in disputes; it can be
  told to lie (a root that pays it the portal's funds, which it may also offer as a fast exit)
  or to fall silent;
- :class:`Challenger` checks every proposal against its own replay, disputes wrong ones and
  plays the games to the one-step proof, times out silent opponents and finalizes outputs;
  it can be told to grief (dispute correct roots) or to fall silent;
- :class:`Wallet` relays its users' L2 transactions (resending until acknowledged) and claims
  their withdrawals once the output holding them is final; with ``force_after_ms`` it forces a
  transaction left out that long through L1, and includes it itself once the sequencing window
  has passed;
- :class:`LiquidityProvider` pays fast exits at once, claims the withdrawals it bought once
  final, and challenges an exit whose output was deleted, taking its bond.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from prozchain.rollup.economics import FeeModel, FeeTooLow, L1Prices
from prozchain.rollup.l1 import InvalidTransaction, Key, to_address
from prozchain.rollup.optimistic.node import L2Node
from prozchain.rollup.optimistic.contracts.outputs import (ACTIVE, CHALLENGER, DEFENDER, DELETED, FINALIZED,
                                                          Game, split_points)
from prozchain.rollup.optimistic.contracts.portal import PROVIDED, REQUESTED
from prozchain.rollup.optimistic.system import System
from prozchain.rollup.sim.agent import Agent
from prozchain.rollup.vm.codec import pack_batch
from prozchain.rollup.vm.executor import inbox_roots
from prozchain.rollup.vm.merkle import keccak
from prozchain.rollup.vm.state import (WITHDRAWAL_COUNT_KEY, addr_int, state_root, withdrawal_commitment,
                             withdrawal_key)
from prozchain.rollup.vm.tx import L2Tx, in_nonce_turn

L1_GAS = 3_000_000


class RollupAgent(Agent):
    """Polls L1 every ``poll_ms`` with a fresh-from-L1 node."""

    def __init__(self, name: str, sim: Any, system: System, key: Key, poll_ms: int = 6_000,
                 durable: bool = True, silent_after_moves: Optional[int] = None) -> None:
        super().__init__(name, sim, durable)
        self.system, self.key, self.poll_ms = system, key, poll_ms
        self.silent_after_moves = silent_after_moves
        self.chain = system.chain
        self.address = key.address  # derived from the key once: it costs a curve multiplication

    def on_start(self) -> None:
        self.node = L2Node(self.chain, self.system.portal, self.system.genesis, self.system.config.scheme)
        self._events: dict[str, list[tuple]] = {}
        self._scanned = 0
        self.timer(self.poll_ms, "poll", self._poll)

    def _poll(self) -> None:
        self.node.sync()
        for _, log in self.chain.logs(self.system.outputs, from_block=self._scanned):
            self._events.setdefault(log.name, []).append(log.args)
        self._scanned = len(self.chain.blocks)
        if not self.busy():
            self.tick()
        self.timer(self.poll_ms, "poll", self._poll)

    def tick(self) -> None:
        """Act on what L1 shows now (at most one transaction)."""

    def busy(self) -> bool:
        return self.chain.pending_nonce(self.address) > self.chain.state.nonce(self.address)

    def submit(self, to: str, method: str, *args: Any, value: int = 0, **fields: Any) -> None:
        fields.setdefault("gas_limit", L1_GAS)
        self.chain.submit(self.chain.build(self.key, to, method, *args, value=value, **fields))
        self.log(f"L1 {method}{tuple(a if isinstance(a, int) else '…' for a in args)}")

    def outputs(self, method: str, *args: Any) -> Any:
        return self.chain.view(self.system.outputs, method, *args)

    def events(self, name: str) -> list[tuple]:
        """The output oracle's events called ``name`` up to the last poll."""
        return self._events.get(name, [])

    def over(self, *names: str) -> set[int]:
        """Ids (first event argument) of the proposals or games some event has ended."""
        return {args[0] for name in names for args in self.events(name)}

    def final_pid(self, batch: int) -> Optional[int]:
        """The finalized proposal of ``batch``, if any."""
        return next((pid for pid, b in self.events("Finalized") if b == batch), None)

    def silent(self) -> bool:
        """Whether this agent has stopped making dispute moves."""
        return self.silent_after_moves is not None and self.store.get("moves", 0) >= self.silent_after_moves

    def move(self, method: str, *args: Any) -> None:
        """A dispute move (counted for ``silent_after_moves``)."""
        self.store.put("moves", self.store.get("moves", 0) + 1)
        self.submit(self.system.outputs, method, *args)

    def defend(self) -> bool:
        """Answer the games against this agent's own proposals: time out a challenger whose
        clock ran out, or bisect with the true roots (only a lying claim's end is false); a
        one-step range on its turn (proven-segment deployments) it re-executes."""
        mine = {pid for pid, _, _, who, _ in self.events("Proposed") if who == self.address}
        games = {gid for gid, pid, _ in self.events("Challenged") if pid in mine}
        if _timeout_due(self, games):
            return True
        for gid in sorted(games - self.over("GameOver")):
            game = self.outputs("game", gid)
            if game.status != ACTIVE or game.turn != DEFENDER:
                continue
            ending = self.segment_move(gid, game)
            if ending is not None:
                if ending:
                    return True
                continue
            batch = self.outputs("proposal", game.pid).batch
            if game.hi - game.lo == 1:
                self.move("prove", gid, self.node.ex.witness(self.node.batches[batch].trace.context(game.lo)).encode())
                return True
            points = split_points(game.lo, game.hi, self.system.config.arity)
            self.move("bisect", gid, [self.claimed_root(batch, p) for p in points[1:-1]])
            return True
        return False

    def claimed_root(self, batch: int, point: int) -> bytes:
        """The root this agent claims after ``point`` steps of ``batch`` (the true one)."""
        return self.node.batches[batch].trace.root(point)

    def segment_move(self, gid: int, game: Game) -> Optional[bool]:
        """How this agent ends game ``gid`` at a range a segment proof can end: None when it
        bisects on (the default, and every one-step deployment's way), else whether it sent a
        transaction (:class:`prozchain.rollup.optimistic.zk_agents.ProvesSegments` proves)."""
        return None

    def honest_output(self, batch: int) -> Optional[bytes]:
        if batch >= len(self.node.batches):
            return None
        trace = self.node.batches[batch].trace
        return trace.root(len(trace))  # cached: a Poseidon root costs a tenth of a second

    def _propose(self, batch: int, ctx, trace_len: int) -> None:
        self.submit(self.system.outputs, "propose", batch, ctx.encode(), max(trace_len, 1),
                    value=self.system.config.proposer_bond)


class Sequencer(RollupAgent):
    """Orders transactions into batches; its mempool lives in its store. ``fees``: refuse a
    transaction whose gas price does not cover this model's quote at the next L1 block's prices
    (:meth:`~prozchain.rollup.economics.FeeModel.admit`); None takes any price."""

    def __init__(self, *args: Any, max_txs: int = 32, blobs: bool = False, batch_ms: int = 30_000,
                 censors: Optional[Callable[[L2Tx], bool]] = None, fees: Optional[FeeModel] = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_txs, self.blobs, self.batch_ms, self.censors = max_txs, blobs, batch_ms, censors
        self.fees = fees
        self.posts_through = self.system.portal  # or a contract that posts for it (a sequencer set)

    def on_message(self, src: str, message: Any) -> None:
        kind, raw_hex = message
        try:
            tx = L2Tx.decode(bytes.fromhex(raw_hex))
            tx.sender
        except (ValueError, InvalidTransaction):
            self.log(f"rejected a malformed transaction from {src}")
            return
        if self.censors is not None and self.censors(tx):
            return  # dropped, unanswered
        if self.refused(src, tx, raw_hex):
            return
        key = f"tx/{keccak(bytes.fromhex(raw_hex)).hex()}"
        if self.store.get(key) is None:
            with self.store.batch():  # durable before the acknowledgement leaves
                seq = self.store.get("seq", 0)
                self.store.put(key, [seq, raw_hex])
                self.store.put("seq", seq + 1)
        self.send(src, ("ack", raw_hex))

    def refused(self, src: str, tx: L2Tx, raw_hex: str) -> bool:
        """Answer ``("rejected", raw, reason)`` and return True if ``tx`` underpays."""
        if self.fees is None:
            return False
        try:
            self.fees.admit(bytes.fromhex(raw_hex), tx.gas_limit, tx.gas_price, L1Prices.of(self.chain))
        except FeeTooLow as exc:
            self.log(f"refused a transaction from {src}: {exc}")
            self.send(src, ("rejected", raw_hex, str(exc)))
            return True
        return False

    def on_start(self) -> None:
        super().on_start()
        self.last_post = -self.batch_ms

    def tick(self) -> None:
        if self.censors is None and self._include_forced():
            return
        if self.sim.scheduler.now - self.last_post < self.batch_ms:
            return
        txs = self._executable()
        if not txs and not self._deposits_waiting():
            return
        self.post(txs)
        self.last_post = self.sim.scheduler.now

    def post(self, txs: list[bytes], *extra: Any) -> None:
        """Post ``txs`` as the next batch through ``posts_through`` (with the ``extra``
        arguments a sequencer set takes)."""
        root = inbox_roots([], txs)[1]
        payload = pack_batch(txs)
        if self.blobs:
            self.submit(self.posts_through, "post_blob_batch", root, len(txs), *extra, blobs=(payload,))
        else:
            self.submit(self.posts_through, "post_batch", payload, root, len(txs), *extra)
        self.log(f"posted batch of {len(txs)} txs ({len(payload)} bytes compressed)")

    def _executable(self) -> list[bytes]:
        """Stored transactions not on L1 yet, in arrival order, each only once its sender's
        nonce is due (so a transaction that overtook its predecessor on the network waits)."""
        included = self.node.included()
        world = self.node.batches[-1].trace.final.world if self.node.batches else self.node.genesis_world
        pending = [L2Tx.decode(bytes.fromhex(h)) for _, h in sorted(self.store.get(k) for k in self.store.keys("tx/"))]
        pending = [tx for tx in pending if tx.encode() not in included]
        return [tx.encode() for tx in in_nonce_turn(pending, lambda sender: self.node.ex.nonce(world, sender),
                                                    self.max_txs)]

    def _include_forced(self) -> bool:
        """Post the forced transactions L1 holds and no batch has included yet, if any."""
        waiting = forced_waiting(self.chain, self.system.portal)
        if waiting:
            self.submit(self.posts_through, "post_forced_batch", pack_batch(waiting))
            self.log(f"included {len(waiting)} forced transactions")
        return bool(waiting)

    def _deposits_waiting(self) -> bool:
        logs = self.chain.logs(self.system.portal, "Deposited")
        return len(logs) > sum(len(b.deposits) for b in self.node.batches)


def forced_waiting(chain: Any, portal: str) -> list[bytes]:
    """The forced transactions L1 recorded that no batch has included yet, in queue order."""
    recorded, included = chain.view(portal, "forced_status")
    return [log.args[2] for _, log in chain.logs(portal, "TransactionForced")][included:recorded]


class Proposer(RollupAgent):
    """Proposes every batch's output and defends it. With ``lie_from`` set it lies once: the
    output of the first batch from there on gets a world with one more withdrawal record,
    paying the proposer the portal's whole balance, which it claims once that output is final
    (``lie_min_steps``: only a batch whose trace is at least that long, for a longer dispute).
    ``defend=False``: it makes no dispute moves at all. ``fast_exit=True``: once the false output
    is proposed, it offers the stolen withdrawal as a fast exit, to be paid before any dispute."""

    def __init__(self, *args: Any, lie_from: Optional[int] = None, lie_min_steps: int = 0,
                 defend: bool = True, fast_exit: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lie_from, self.lie_min_steps, self.defending = lie_from, lie_min_steps, defend
        self.fast_exit = fast_exit

    def tick(self) -> None:
        if (self.defending and not self.silent() and self.defend()) or self._claim_theft() or _finalize_due(self) \
                or self._exit_theft():
            return
        batch = self.outputs("length")
        if batch >= len(self.node.batches):
            return
        trace = self.node.batches[batch].trace
        ctx = trace.final
        if self.lie_from is not None and batch >= self.lie_from and len(trace) >= self.lie_min_steps \
                and self.store.get("lie") is None:
            fake, count, amount = self._fake_world(ctx.world)
            self.store.put("lie", {"batch": batch, "world": fake.hex(), "index": count, "amount": amount})
            ctx = ctx.with_(world=fake)
            self.log(f"proposing a FALSE output for batch {batch}")
        self._propose(batch, ctx, len(trace))

    def _fake_world(self, world: bytes) -> tuple[bytes, int, int]:
        db, amount = self.node.ex.db, self.chain.state.balance(self.system.portal)
        count = db.get(world, WITHDRAWAL_COUNT_KEY)
        fake = db.write(world, withdrawal_key(count), withdrawal_commitment(addr_int(self.address), amount))
        return db.write(fake, WITHDRAWAL_COUNT_KEY, count + 1), count, amount

    def _exit_theft(self) -> bool:
        lie = self.store.get("lie")
        if not self.fast_exit or lie is None or self.store.get("exit_requested"):
            return False
        pid = next((pid for pid, batch, _, who, _ in self.events("Proposed")
                    if batch == lie["batch"] and who == self.address), None)
        if pid is None:
            return False
        proof = self.node.ex.db.prove(bytes.fromhex(lie["world"]), withdrawal_key(lie["index"]))
        self.store.put("exit_requested", True)
        bond = lie["amount"] * self.system.config.exit_bond_bps // 10_000
        self.submit(self.system.portal, "request_fast_exit", pid, lie["index"], lie["amount"], list(proof.siblings),
                    value=bond)
        return True

    def _claim_theft(self) -> bool:
        lie = self.store.get("lie")
        if lie is None or self.store.get("theft_claimed"):
            return False
        pid = self.final_pid(lie["batch"])
        if pid is None or self.outputs("proposal", pid).output != state_root(self.node.batches[lie["batch"]].trace.final.with_(world=bytes.fromhex(lie["world"]))):
            return False
        proof = self.node.ex.db.prove(bytes.fromhex(lie["world"]), withdrawal_key(lie["index"]))
        self.store.put("theft_claimed", True)
        self.submit(self.system.portal, "withdraw", pid, lie["index"], self.address, lie["amount"],
                    list(proof.siblings))
        return True

def _timeout_due(agent: RollupAgent, gids: set[int]) -> bool:
    """Call ``timeout`` on the first of ``gids`` whose side to move has run out of clock."""
    over = {args[0] for args in agent.events("GameOver")}
    for gid in sorted(gids - over):
        game = agent.outputs("game", gid)
        if game.status == ACTIVE and agent.chain.time > game.deadline:
            agent.submit(agent.system.outputs, "timeout", gid)
            return True
    return False


def _finalize_due(agent: RollupAgent) -> bool:
    """Finalize the first output that is due (anyone may; it is what frees withdrawals)."""
    window = agent.system.config.window
    over = agent.over("Deleted", "Finalized")
    for pid, batch, _, _, time in agent.events("Proposed"):
        if pid in over or agent.chain.time < time + window:
            continue
        if batch and agent.final_pid(batch - 1) is None:
            continue
        if agent.outputs("proposal", pid).open_games:
            continue
        agent.submit(agent.system.outputs, "finalize", pid)
        return True
    return False


class Challenger(RollupAgent):
    """The verifier. ``mode="honest"`` disputes wrong outputs; ``mode="griefer"`` disputes
    every output and then chooses parts at random, never able to prove. An honest challenger
    also proposes a batch's output itself when nobody has for ``propose_after_ms`` (and then
    defends it)."""

    def __init__(self, *args: Any, mode: str = "honest", propose_after_ms: int = 120_000,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mode, self.propose_after_ms = mode, propose_after_ms

    def on_start(self) -> None:
        super().on_start()
        self.rng = self.sim.scheduler.rng(f"{self.name}/moves")
        self.idle_since: dict[int, int] = {}

    def tick(self) -> None:
        if not self.silent() and (self._play() or self.defend()):
            return
        if self._challenge() or self.mode != "honest":
            return
        if _finalize_due(self):
            return
        self._propose_if_idle()

    def _play(self) -> bool:
        over = self.over("GameOver")
        for gid, pid, who in self.events("Challenged"):
            if who != self.address or gid in over:
                continue
            game = self.outputs("game", gid)
            if game.status != ACTIVE:
                continue
            if game.turn == DEFENDER and self.chain.time > game.deadline:
                self.submit(self.system.outputs, "timeout", gid)
                return True
            ending = self.segment_move(gid, game)
            if ending is not None:
                if ending:
                    return True
                continue
            if game.turn != CHALLENGER:
                continue
            if game.hi - game.lo > 1:
                self.move("choose", gid, self._part(gid, pid, game.lo, game.hi))
                return True
            if self.mode == "honest":
                batch = self.outputs("proposal", pid).batch
                witness = self.node.ex.witness(self.node.batches[batch].trace.context(game.lo))
                self.move("prove", gid, witness.encode())
                return True
        return False

    def _part(self, gid: int, pid: int, lo: int, hi: int) -> int:
        points, roots = next((pts, rts) for g, pts, rts in reversed(self.events("Bisected"))
                             if g == gid and pts[0] == lo and pts[-1] == hi)
        if self.mode != "honest":
            return self.rng.randrange(len(points) - 1)
        trace = self.node.batches[self.outputs("proposal", pid).batch].trace
        # The first part whose end root is wrong; its start root is right (the previous end).
        return next(i for i in range(len(points) - 1) if roots[i + 1] != trace.root(points[i + 1]))

    def _challenge(self) -> bool:
        disputed = {pid for _, pid, who in self.events("Challenged") if who == self.address}
        over = self.over("Deleted", "Finalized")
        for pid, batch, output, _, time in self.events("Proposed"):
            if pid in disputed or pid in over or self.chain.time >= time + self.system.config.window:
                continue
            honest = self.honest_output(batch)
            if self.mode == "honest":
                parent_ok = batch == 0 or self.outputs("proposal", self.outputs("slot", batch - 1)).output \
                    == self.honest_output(batch - 1)
                if honest is None or output == honest or not parent_ok:
                    continue
            self.submit(self.system.outputs, "challenge", pid, value=self.system.config.challenger_bond)
            return True
        return False

    def _propose_if_idle(self) -> None:
        batch = self.outputs("length")
        if batch >= len(self.node.batches):
            return
        since = self.idle_since.setdefault(batch, self.sim.scheduler.now)
        if self.sim.scheduler.now - since >= self.propose_after_ms:
            trace = self.node.batches[batch].trace
            self._propose(batch, trace.final, len(trace))


class Wallet(RollupAgent):
    """Sends its users' L2 transactions to the sequencer until acknowledged, and claims their
    withdrawals (to the bridge) once final."""

    def __init__(self, *args: Any, sequencer: str = "sequencer", resend_ms: int = 2_000,
                 force_after_ms: Optional[int] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sequencer, self.resend_ms, self.force_after_ms = sequencer, resend_ms, force_after_ms

    def send_l2(self, raw: bytes, withdrawal: Optional[tuple[str, int]] = None) -> None:
        """Send a signed L2 transaction; ``withdrawal=(recipient, amount)`` if it withdraws."""
        self.store.put(f"sent/{raw.hex()}", {"acked": False, "withdrawal": withdrawal,
                                             "at": self.sim.scheduler.now, "forced": False})
        self._resend(raw)

    def _resend(self, raw: bytes) -> None:
        entry = self.store.get(f"sent/{raw.hex()}")
        if entry["acked"] or entry.get("rejected"):
            return
        self.send(self.sequencer, ("tx", raw.hex()))
        self.timer(self.resend_ms, "resend", lambda: self._resend(raw))

    def on_message(self, src: str, message: Any) -> None:
        if self.note_rejection(message):
            return
        kind, raw_hex = message
        entry = self.store.get(f"sent/{raw_hex}")
        if entry is not None and not entry["acked"]:
            entry["acked"] = True
            self.store.put(f"sent/{raw_hex}", entry)

    def note_rejection(self, message: Any) -> bool:
        """Keep a sequencer's refusal (the transaction's ``rejected`` reason; it is not resent)."""
        if message[0] != "rejected":
            return False
        _, raw_hex, reason = message
        entry = self.store.get(f"sent/{raw_hex}")
        if entry is not None:
            entry["rejected"] = reason
            self.store.put(f"sent/{raw_hex}", entry)
        return True

    def acked(self) -> list[bytes]:
        return [bytes.fromhex(k[5:]) for k in self.store.keys("sent/") if self.store.get(k)["acked"]]

    def tick(self) -> None:
        if self.force_after_ms is not None and (self._force() or self._include_forced()):
            return
        claimed = set(self.store.get("claimed", []))
        for key in self.store.keys("sent/"):
            entry = self.store.get(key)
            if not entry["withdrawal"] or self.store.get(f"claim/{key[5:]}") is not None:
                continue
            batch = self._applied_in(bytes.fromhex(key[5:]))
            if batch is None:
                continue
            pid = self.final_pid(batch)
            if pid is None:
                continue
            recipient, amount = entry["withdrawal"]
            index = self.node.withdrawal_index(batch, recipient, amount, claimed)
            if index < 0:
                continue
            proof = self.node.withdrawal_proof(batch, index)
            self.store.put("claimed", sorted(claimed | {index}))
            self.store.put(f"claim/{key[5:]}", index)
            self.submit(self.system.portal, "withdraw", pid, index, recipient, amount, list(proof.siblings))
            return

    def _force(self) -> bool:
        """Force through L1 the transactions left out ``force_after_ms`` after they were sent
        (each sender's in nonce order, so none arrives before its predecessor)."""
        included, now = self.node.included(), self.sim.scheduler.now
        late = []
        for key in self.store.keys("sent/"):
            entry, raw = self.store.get(key), bytes.fromhex(key[5:])
            if not entry["forced"] and raw not in included and now >= entry["at"] + self.force_after_ms:
                late.append((L2Tx.decode(raw), key))
        if not late:
            return False
        tx, key = min(late, key=lambda item: (item[0].sender, item[0].nonce))
        self.store.put(key, {**self.store.get(key), "forced": True})
        self.submit(self.system.portal, "force_transaction", tx.encode())
        return True

    def _include_forced(self) -> bool:
        """Once the oldest waiting forced transaction is past the sequencing window, include
        the waiting ones: L1 then lets anyone post them."""
        waiting = forced_waiting(self.chain, self.system.portal)
        if not waiting:
            return False
        included = self.chain.view(self.system.portal, "forced_status")[1]
        since = next(log.args[3] for _, log in self.chain.logs(self.system.portal, "TransactionForced")
                     if log.args[0] == included)
        if self.chain.time <= since + self.system.config.sequencing_window:
            return False
        self.submit(self.system.portal, "post_forced_batch", pack_batch(waiting))
        self.log(f"the sequencing window passed: included {len(waiting)} forced transactions")
        return True

    def _applied_in(self, raw: bytes) -> Optional[int]:
        for batch in self.node.batches:
            if any(batch.txs[i] == raw for i in batch.applied):
                return batch.number
        return None


class LiquidityProvider(RollupAgent):
    """Pays every fast exit offered on a pending output at once (it relies on the exit's bond,
    not on its own replay), claims each withdrawal it bought once its output is final (then
    returns the recipient's bond), and challenges an exit whose output was deleted."""

    def tick(self) -> None:
        portal = self.system.portal
        for _, log in self.chain.logs(portal, "FastExitRequested"):
            exit_id = log.args[0]
            fast = self.chain.view(portal, "fast_exit", exit_id)
            proposal = self.outputs("proposal", fast.proposal)
            if fast.status == REQUESTED and proposal.status not in (DELETED, FINALIZED):
                self.submit(portal, "provide_exit", exit_id, value=fast.amount)
                return
            if fast.status != PROVIDED or to_address(fast.provider) != to_address(self.address):
                continue
            if proposal.status == DELETED:
                self.submit(portal, "challenge_exit", exit_id)
                return
            if proposal.status == FINALIZED and not self.store.get(f"claimed/{exit_id}"):
                self.store.put(f"claimed/{exit_id}", True)
                proof = self.node.withdrawal_proof(proposal.batch, fast.index)
                self.submit(portal, "withdraw", fast.proposal, fast.index, fast.recipient, fast.amount,
                            list(proof.siblings))
                return
            if proposal.status == FINALIZED:
                self.submit(portal, "settle_exit", exit_id)
                return
