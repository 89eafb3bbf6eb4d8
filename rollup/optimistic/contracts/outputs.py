"""The state commitment chain and its dispute games, on L1.

**Proposals.** ``propose(batch, ctx, trace_len)`` with the proposer bond claims that running
batch ``batch`` from the parent output's world halts, after ``trace_len`` steps, in the machine
context ``ctx`` (encoded; L1 checks it is halted and has the batch's inbox). Its output root is
``state_root(ctx)``, its start root ``state_root(batch_start(parent world, inbox))``. One live
proposal per batch, in order; a proposal finalizes once its window (default 7 days) has passed
with no open game and its parent is final.

**Games.** ``challenge(id)`` with the challenger bond, inside the window, opens a game on the
step range ``[0, trace_len]``: both sides agree on the start root, the challenger disputes the
end root. The proposer (defender) answers ``bisect(game, roots)`` with the roots at the
``arity - 1`` inner points of the range; the challenger ``choose``\\ s the part whose end root
it disputes, and so on until the range is one step long; then ``prove(game, witness)`` makes
L1 run :func:`prozchain.rollup.vm.step` from the agreed root: a result other than the defender's root
means the challenger wins. Each side has a chess clock (``clock`` seconds in all); whoever lets
it run out loses through ``timeout``. So every game can be ended within ``2 * clock`` of its
start, and ``window + 2 * clock`` after a proposal was made (:meth:`Outputs.finality_bound`)
anyone can end its games and finalize it (once its parent is final), however many games were
opened against it: they run in parallel, and none can be opened after the window.

**Proven segments.** A deployment may end its games at a segment of ``segment`` steps
instead of one: once a game's range is that short, either side may ``prove_segment(game,
post_root, proof)``, a Groth16 proof (checked by pairing in the ``verifier`` contract, the
ZK rollup's pattern, :mod:`prozchain.rollup.l1.groth16`) of
:class:`prozchain.rollup.vm.circuit.Segment` running the range from the agreed root to
``post_root``: the challenger wins if that is not the defender's root. From ``segment`` steps
down the defender keeps the move until the game ends: it proves the segment, or, if the range
holds a step the circuit does not cover, bisects on (the challenger choosing as before) and at
one step re-executes it with ``prove`` itself; a defender that does neither loses on its clock.
So a lying defender cannot bisect a provable range down to a step the *challenger* must pay to
re-execute: an honest challenger's gas is bounded by its choices, at most one proof and a
``timeout``. With ``segment = 1`` the challenger re-executes the one step, as before. The
proof needs the state hashed for circuits: such a deployment uses the Poseidon ``commitment``
(:data:`prozchain.rollup.vm.merkle.POSEIDON`), whose one-step re-execution L1 prices at
poseidon-solidity's gas.

**Proven starts of inbox items.** A deployment with start verifiers (the keys of
:class:`prozchain.rollup.vm.circuit.TxStart` and
:class:`~prozchain.rollup.vm.circuit.DepositStart`) also ends a one-step range that begins a
transaction, or a deposit (an L1 message), with a proof: ``prove_txstart(game, post_root, raw,
index, path, proof)``, ``prove_deposit_start`` alike. L1 does what a circuit cannot afford and
the prover must not be trusted with: it opens ``raw`` as item ``index`` of the batch's
transaction (deposit) inbox (the keccak list ``path``), decodes it, and for a transaction
recovers its signer with the ``ecrecover`` precompile, paying for each; from these and the
game's roots it computes every public input itself
(:func:`prozchain.rollup.vm.circuit.txstart_public`, :func:`~prozchain.rollup.vm.circuit.deposit_public`),
so a proof made for another sender, other fields, another item or another index fails the
pairing check. The prover sends only the proof, the item and its path.

**Bonds.** Every bond is an entry of the :class:`~prozchain.rollup.economics.bonds.BondLedger`
given at deployment (locked, released or slashed there, with a reason). The loser's bond is
split: half to the winner, half burnt (sent to ``BURN``), so a proposer that challenges its own
wrong root still loses. A proposal that loses is deleted with every later one (those get their
bonds back, they were built on it); games on a deleted proposal end with the challenger's bond
returned. ``world_of(pid)`` shows a pending proposal's claimed world, which fast exits rest on.

>>> sorted(Outputs.methods)[:4]
['bisect', 'challenge', 'choose', 'finality_bound']
"""

from __future__ import annotations

from typing import NamedTuple

from prozchain.rollup.common.words import addr, b32, word
from prozchain.rollup.l1.crypto import SECP256K1_N
from prozchain.rollup.economics.bonds import BURN
from prozchain.rollup.l1 import Address, Bytes32, Contract, external
from prozchain.rollup.l1 import gas as G
from prozchain.rollup.vm.circuit import TX_WORDS, deposit_fields, deposit_public, tx_fields, txstart_public
from prozchain.rollup.vm.errors import DecodeError, InvalidWitness
from prozchain.rollup.vm.machine import Witness, step
from prozchain.rollup.vm.merkle import COMMITMENTS, KECCAK, NODE_HASH_GAS, Commitment, hash_counter, keccak, list_verify
from prozchain.rollup.vm.state import Context, batch_start, state_root
from prozchain.rollup.vm.tx import MAX_ARGS, Deposit, L2Tx

PENDING, FINALIZED, DELETED = 1, 2, 3
ACTIVE, CHALLENGER_WON, DEFENDER_WON, VOID = 1, 2, 3, 4
DEFENDER, CHALLENGER = 0, 1
MAX_TRACE = 2**40
RLP_ITEM_GAS = 250
"""Gas to read one RLP item in Solidity (an estimate for a reader such as Solidity-RLP: walking
the list, its length prefix and a word's bytes). L1 charges an item's decoding as if it held
every field: a transaction's :data:`prozchain.rollup.vm.circuit.TX_WORDS` and the signature's
three, a deposit's five and eight arguments."""


class Proposal(NamedTuple):
    """What :meth:`Outputs.proposal` returns."""

    batch: int
    proposer: str
    output: bytes  # the claimed output root
    start: bytes  # the root the batch's execution starts from
    trace_len: int
    time: int  # when it was proposed
    status: int  # PENDING, FINALIZED or DELETED
    open_games: int


class Game(NamedTuple):
    """What :meth:`Outputs.game` returns."""

    pid: int  # the disputed proposal
    challenger: str
    lo: int  # the disputed step range
    hi: int
    turn: int  # DEFENDER or CHALLENGER
    status: int  # ACTIVE, CHALLENGER_WON, DEFENDER_WON or VOID
    deadline: int  # when the clock of the side to move runs out


def split_points(lo: int, hi: int, arity: int) -> list[int]:
    """The ends of the parts of ``[lo, hi]``: ``lo``, the inner points, ``hi``.

    >>> split_points(0, 10, 4)
    [0, 2, 5, 7, 10]
    >>> split_points(3, 5, 4)
    [3, 4, 5]
    """
    parts = min(arity, hi - lo)
    return [lo + (hi - lo) * i // parts for i in range(parts + 1)]


class Outputs(Contract):
    """The output oracle hashing states with the keccak commitment;
    :func:`prozchain.rollup.optimistic.contracts.portal.contracts_of` gives the one of another
    commitment (part of the code, as a Solidity immutable would be)."""

    SCHEME: Commitment = KECCAK

    def constructor(self, portal: Address, genesis_world: Bytes32, window: int, clock: int,
                    proposer_bond: int, challenger_bond: int, arity: int, segment: int, verifier: Address,
                    start_verifiers: list[Address], ledger: Address) -> None:
        self.require(arity >= 2 and window > 0 and clock > 0 and segment >= 1, "bad dispute parameters")
        self.require(segment == 1 or int(verifier, 16), "a proven segment needs a verifier")
        self.require(segment > 1 or not start_verifiers, "a proven start needs proven segments")
        self.require(len(start_verifiers) in (0, 2), "the verifiers of TxStart and DepositStart, or none")
        tx_verifier, dep_verifier = (int(a, 16) for a in start_verifiers) if start_verifiers else (0, 0)
        for name, value in (("portal", int(portal, 16)), ("genesis", word(genesis_world)),
                            ("window", window), ("clock", clock), ("proposer_bond", proposer_bond),
                            ("challenger_bond", challenger_bond), ("arity", arity), ("segment", segment),
                            ("verifier", int(verifier, 16)), ("tx_verifier", tx_verifier),
                            ("dep_verifier", dep_verifier), ("ledger", int(ledger, 16))):
            self.store(name, value=value)

    # -- proposals ----------------------------------------------------------------------------
    @external(payable=True)
    def propose(self, batch: int, ctx: bytes, trace_len: int) -> int:
        self.require(self.value == self.load("proposer_bond"), "the proposer bond is required")
        self.require(batch == self.load("length"), f"the next output to propose is for batch {self.load('length')}")
        self.require(0 < trace_len <= MAX_TRACE, "trace length out of range")
        portal = addr(self.load("portal"))
        dep_root, n_dep, txs_root, n_txs = self.call(portal, "inbox", batch)
        try:
            claim = Context.decode(ctx)
        except DecodeError as exc:
            self.require(False, f"bad output context: {exc}")
        self.require(claim.halted and claim.batch == batch and claim.dep_root == dep_root
                     and claim.n_dep == n_dep and claim.txs_root == txs_root and claim.n_txs == n_txs,
                     "the output context is not the halted machine of this batch")
        parent_world = b32(self.load("genesis")) if batch == 0 else \
            b32(self.load("world", self.load("slot", batch - 1)))
        start = batch_start(parent_world, batch, dep_root, n_dep, txs_root, n_txs)
        scheme = self.SCHEME
        with hash_counter() as hashes:
            output, start_root = state_root(claim, scheme), state_root(start, scheme)
        self.env.meter.charge(4 * G.keccak_gas(len(ctx)) + hashes[1], "output and start roots")
        pid = self.load("proposals") + 1
        for name, value in (("batch", batch), ("proposer", int(self.sender, 16)),
                            ("output", word(output)), ("world", word(claim.world)),
                            ("start", word(start_root)), ("trace_len", trace_len),
                            ("time", self.timestamp), ("status", PENDING)):
            self.store(name, pid, value=value)
        self.store("bond", pid, value=self._lock("proposer", f"output of batch {batch} (proposal {pid})"))
        self.store("proposals", value=pid)
        self.store("slot", batch, value=pid)
        self.store("length", value=batch + 1)
        self.emit("Proposed", pid, batch, data=output, args=(pid, batch, output, self.sender, self.timestamp))
        return pid

    @external
    def finalize(self, pid: int) -> None:
        self.require(self.load("status", pid) == PENDING, f"proposal {pid} is not pending")
        self.require(self.timestamp >= self.load("time", pid) + self.load("window"), "challenge window still open")
        self.require(self.load("open_games", pid) == 0, "a dispute is still open")
        batch = self.load("batch", pid)
        self.require(batch == 0 or self.load("status", self.load("slot", batch - 1)) == FINALIZED,
                     "the parent output is not final")
        self.store("status", pid, value=FINALIZED)
        self.emit("Finalized", pid, batch, args=(pid, batch))
        self._ledger("release", self.load("bond", pid), "output finalized")

    @external
    def world_of(self, pid: int) -> bytes:
        """The world proposal ``pid`` claims (final or not: only final ones pay withdrawals)."""
        self.require(0 < pid <= self.load("proposals"), f"no proposal {pid}")
        return b32(self.load("world", pid))

    @external
    def finalized_world(self, pid: int) -> bytes:
        self.require(self.load("status", pid) == FINALIZED, f"proposal {pid} is not final")
        return b32(self.load("world", pid))

    @external
    def proposal(self, pid: int) -> Proposal:
        return Proposal(self.load("batch", pid), addr(self.load("proposer", pid)), b32(self.load("output", pid)),
                        b32(self.load("start", pid)), self.load("trace_len", pid), self.load("time", pid),
                        self.load("status", pid), self.load("open_games", pid))

    @external
    def length(self) -> int:
        return self.load("length")

    @external
    def slot(self, batch: int) -> int:
        return self.load("slot", batch)

    @external
    def finality_bound(self, pid: int) -> int:
        """When every game on ``pid`` can be ended and ``pid`` finalized, whatever its
        challengers do (given a final parent)."""
        return self.load("time", pid) + self.load("window") + 2 * self.load("clock")

    # -- games --------------------------------------------------------------------------------
    @external(payable=True)
    def challenge(self, pid: int) -> int:
        self.require(self.value == self.load("challenger_bond"), "the challenger bond is required")
        self.require(self.load("status", pid) == PENDING, f"proposal {pid} is not pending")
        self.require(self.timestamp < self.load("time", pid) + self.load("window"), "challenge window closed")
        gid = self.load("games") + 1
        clock = self.load("clock")
        trace_len = self.load("trace_len", pid)
        for name, value in (("g_pid", pid), ("challenger", int(self.sender, 16)), ("lo", 0),
                            ("hi", trace_len), ("root_lo", self.load("start", pid)),
                            ("root_hi", self.load("output", pid)), ("turn", self._mover(trace_len)),
                            ("last", self.timestamp), ("g_status", ACTIVE)):
            self.store(name, gid, value=value)
        for side in (DEFENDER, CHALLENGER):
            self.store("left", gid, side, value=clock)
        self.store("g_bond", gid, value=self._lock("challenger", f"dispute of proposal {pid} (game {gid})"))
        self.store("games", value=gid)
        self.store("open_games", pid, value=self.load("open_games", pid) + 1)
        self.emit("Challenged", gid, pid, args=(gid, pid, self.sender))
        return gid

    @external
    def bisect(self, gid: int, roots: list[Bytes32]) -> None:
        if self._void_if_moot(gid):
            return
        self._move(gid, DEFENDER, addr(self.load("proposer", self.load("g_pid", gid))))
        lo, hi = self.load("lo", gid), self.load("hi", gid)
        self.require(hi - lo > 1, "the range is one step: prove it")
        points = split_points(lo, hi, self.load("arity"))
        self.require(len(roots) == len(points) - 2, f"{len(points) - 2} inner roots expected")
        for i, root in enumerate(roots):
            self.store("mid", gid, i, value=word(root))
        self.store("turn", gid, value=CHALLENGER)
        self.emit("Bisected", gid, args=(gid, points, [b32(self.load("root_lo", gid)), *roots,
                                                       b32(self.load("root_hi", gid))]))

    @external
    def choose(self, gid: int, part: int) -> None:
        """The challenger agrees with the root at the start of ``part``, not at its end."""
        if self._void_if_moot(gid):
            return
        self._move(gid, CHALLENGER, addr(self.load("challenger", gid)))
        lo, hi = self.load("lo", gid), self.load("hi", gid)
        self.require(hi - lo > 1, "the range is one step: prove it")
        points = split_points(lo, hi, self.load("arity"))
        self.require(part < len(points) - 1, f"no part {part}")
        roots = [self.load("root_lo", gid)] + [self.load("mid", gid, i) for i in range(len(points) - 2)] \
            + [self.load("root_hi", gid)]
        for name, value in (("lo", points[part]), ("hi", points[part + 1]),
                            ("root_lo", roots[part]), ("root_hi", roots[part + 1])):
            self.store(name, gid, value=value)
        self.store("turn", gid, value=self._mover(points[part + 1] - points[part]))
        self.emit("Chosen", gid, args=(gid, points[part], points[part + 1]))

    @external
    def prove(self, gid: int, witness: bytes) -> bool:
        """Run the disputed step on L1; True if the challenger won."""
        if self._void_if_moot(gid):
            return False
        self.require(self.load("g_status", gid) == ACTIVE, f"game {gid} is over")
        self.require(self.load("hi", gid) - self.load("lo", gid) == 1, "the range is not one step yet")
        scheme = self.SCHEME
        try:
            w = Witness.decode(witness)
            with hash_counter() as opened:  # keccak prices this in ctx_words below, Poseidon does not
                pre = state_root(w.ctx, scheme)
            self.require(word(pre) == self.load("root_lo", gid), "the witness does not start from the agreed root")
            with hash_counter() as hashes:
                post = step(w, scheme)
        except (DecodeError, InvalidWitness) as exc:
            self.require(False, f"bad witness: {exc}")
        ctx_words = G.keccak_gas(len(w.ctx.encode()))
        # the step checks the transaction's signature in Python: priced as the ecrecover precompile
        signature = G.ECRECOVER + G.WARM_ACCESS if w.item is not None and w.ctx.next_item >= w.ctx.n_dep else 0
        self.env.meter.charge(4 * ctx_words + hashes[0] * NODE_HASH_GAS + hashes[1] + opened[1] + signature,
                              "one-step proof")
        challenger_won = word(post) != self.load("root_hi", gid)
        self._resolve(gid, challenger_won)
        return challenger_won

    @external
    def prove_segment(self, gid: int, post_root: Bytes32, proof: list[int]) -> bool:
        """End a game whose range is a segment with a proof that it runs from the agreed root to
        ``post_root``; True if the challenger won (``post_root`` is not the defender's)."""
        if self._void_if_moot(gid):
            return False
        self.require(self.load("g_status", gid) == ACTIVE, f"game {gid} is over")
        steps = self.load("hi", gid) - self.load("lo", gid)
        self.require(self.load("segment") > 1 and steps <= self.load("segment"),
                     "the range is not a provable segment")
        inputs = [self.load("root_lo", gid), word(post_root), steps]
        self.require(self.call(addr(self.load("verifier")), "verify", inputs, proof), "the segment proof is invalid")
        challenger_won = word(post_root) != self.load("root_hi", gid)
        self._resolve(gid, challenger_won)
        return challenger_won

    @external
    def prove_txstart(self, gid: int, post_root: Bytes32, raw: bytes, index: int, path: list[Bytes32],
                      proof: list[int]) -> bool:
        """End a game whose range is the one step beginning transaction ``index`` of the batch
        (``raw``, opened in the inbox by ``path``) with a proof of
        :class:`~prozchain.rollup.vm.circuit.TxStart` from the agreed root to ``post_root``; True
        if the challenger won. L1 derives every public input itself (see the module)."""
        return self._prove_start(gid, post_root, raw, index, path, proof, deposit=False)

    @external
    def prove_deposit_start(self, gid: int, post_root: Bytes32, raw: bytes, index: int, path: list[Bytes32],
                            proof: list[int]) -> bool:
        """:meth:`prove_txstart` for the step beginning deposit (or L1 message) ``index`` of the
        batch, proven by :class:`~prozchain.rollup.vm.circuit.DepositStart`: L1 decodes it (no
        signature: the portal recorded its sender)."""
        return self._prove_start(gid, post_root, raw, index, path, proof, deposit=True)

    def _prove_start(self, gid: int, post_root: Bytes32, raw: bytes, index: int, path: list[Bytes32],
                     proof: list[int], deposit: bool) -> bool:
        if self._void_if_moot(gid):
            return False
        self.require(self.load("g_status", gid) == ACTIVE, f"game {gid} is over")
        verifier = self.load("dep_verifier" if deposit else "tx_verifier")
        self.require(verifier and self.load("hi", gid) - self.load("lo", gid) == 1, "the range is not a provable start")
        dep_root, n_dep, txs_root, n_txs = self.call(addr(self.load("portal")), "inbox",
                                                      self.load("batch", self.load("g_pid", gid)))
        root, count = (dep_root, n_dep) if deposit else (txs_root, n_txs)
        with hash_counter() as opened:
            try:
                list_verify(root, count, index, keccak(raw), tuple(path))
            except InvalidWitness as exc:
                self.require(False, f"not the batch's item: {exc}")
        self.env.meter.charge(G.keccak_gas(len(raw)) + (opened[0] - 1) * G.keccak_gas(64), "open the inbox item")
        pre, post = self.load("root_lo", gid), word(post_root)
        if deposit:
            inputs = deposit_public(pre, post, index, n_dep, word(dep_root), deposit_fields(self._decode_deposit(raw)))
        else:
            valid, sender, tx = self._recover(raw)
            inputs = txstart_public(pre, post, valid, sender, index, n_txs, word(txs_root), tx_fields(tx))
        self.require(self.call(addr(verifier), "verify", inputs, proof), "the start proof is invalid")
        challenger_won = post != self.load("root_hi", gid)
        self._resolve(gid, challenger_won)
        return challenger_won

    def _decode_deposit(self, raw: bytes) -> Deposit | None:
        self.env.meter.charge(RLP_ITEM_GAS * (5 + MAX_ARGS), "decode the deposit")
        try:
            return Deposit.decode(raw)
        except DecodeError:
            return None

    def _recover(self, raw: bytes) -> tuple[int, int, L2Tx | None]:
        """``(valid, sender, tx)`` of an inbox item as the machine sees it: ``(0, 0, None)`` unless
        it decodes and its signature (low ``s``, as EIP-2) recovers a signer by ``ecrecover``."""
        self.env.meter.charge(RLP_ITEM_GAS * (len(TX_WORDS) + 3), "decode the transaction")
        try:
            tx = L2Tx.decode(raw)
        except DecodeError:
            return 0, 0, None
        parity, r, s = tx.signature
        if parity not in (0, 1) or not 0 < r < SECP256K1_N or not 0 < s <= SECP256K1_N // 2:
            return 0, 0, None
        self.env.meter.charge(G.keccak_gas(len(raw)), "the signing hash")  # its preimage is shorter than the item
        signer = self.precompile(1, tx.signing_hash() + b"".join(x.to_bytes(32, "big") for x in (27 + parity, r, s)))
        return (1, int.from_bytes(signer, "big"), tx) if signer else (0, 0, None)

    @external
    def timeout(self, gid: int) -> None:
        """End a game whose side to move has run out of clock."""
        if self._void_if_moot(gid):
            return
        self.require(self.load("g_status", gid) == ACTIVE, f"game {gid} is over")
        turn = self.load("turn", gid)
        self.require(self._used(gid) > self.load("left", gid, turn), "the clock has not run out")
        self._resolve(gid, challenger_won=turn == DEFENDER)

    @external
    def game(self, gid: int) -> Game:
        turn = self.load("turn", gid)
        return Game(self.load("g_pid", gid), addr(self.load("challenger", gid)), self.load("lo", gid),
                    self.load("hi", gid), turn, self.load("g_status", gid),
                    self.load("last", gid) + self.load("left", gid, turn))

    def _mover(self, steps: int) -> int:
        """Whose turn a range of ``steps`` steps is. With one-step re-execution the challenger
        proves a one-step range (a claim of one step is not bisected) and the defender bisects
        any longer one. With proven segments the defender keeps the move from ``segment`` steps
        down: it proves its segment, or bisects on (a range holding a step the circuit does not
        cover), and re-executes the last step itself; otherwise it loses on its clock. So a lying
        defender cannot bisect a provable range down to a step the challenger must re-execute
        (about 3M gas with Poseidon): the challenger's L1 gas is its choices and a timeout."""
        return CHALLENGER if steps == 1 and self.load("segment") == 1 else DEFENDER

    def _used(self, gid: int) -> int:
        return self.timestamp - self.load("last", gid)

    def _move(self, gid: int, side: int, player: str) -> None:
        self.require(self.load("g_status", gid) == ACTIVE, f"game {gid} is over")
        self.require(self.load("turn", gid) == side, "not this side's turn")
        self.require(self.sender == player, "only the player of this side moves")
        left = self.load("left", gid, side) - self._used(gid)
        self.require(left >= 0, "this side's clock has run out")
        self.store("left", gid, side, value=left)
        self.store("last", gid, value=self.timestamp)

    def _void_if_moot(self, gid: int) -> bool:
        """A game on a proposal deleted by another game ends; its challenger is refunded."""
        pid = self.load("g_pid", gid)
        if self.load("g_status", gid) != ACTIVE or self.load("status", pid) != DELETED:
            return False
        self.store("g_status", gid, value=VOID)
        self.emit("GameOver", gid, pid, args=(gid, pid, VOID))
        self._ledger("release", self.load("g_bond", gid), "the disputed proposal was deleted by another game")
        return True

    def _resolve(self, gid: int, challenger_won: bool) -> None:
        pid = self.load("g_pid", gid)
        self.store("g_status", gid, value=CHALLENGER_WON if challenger_won else DEFENDER_WON)
        self.store("open_games", pid, value=self.load("open_games", pid) - 1)
        challenger = addr(self.load("challenger", gid))
        proposer = addr(self.load("proposer", pid))
        self.emit("GameOver", gid, pid, args=(gid, pid, CHALLENGER_WON if challenger_won else DEFENDER_WON))
        if challenger_won:
            self._delete_from(self.load("batch", pid))
            self._ledger("release", self.load("g_bond", gid), "won the dispute")
            loser, winner, amount = self.load("bond", pid), challenger, self.load("proposer_bond")
        else:
            loser, winner, amount = self.load("g_bond", gid), proposer, self.load("challenger_bond")
        self._ledger("slash", loser, amount // 2, winner, f"lost game {gid}: half to the winner")
        self._ledger("slash", loser, amount - amount // 2, BURN, f"lost game {gid}: half burnt")

    def _delete_from(self, batch: int) -> None:
        length = self.load("length")
        for b in range(batch, length):
            pid = self.load("slot", b)
            self.store("status", pid, value=DELETED)
            self.emit("Deleted", pid, b, args=(pid, b))
            if b != batch:  # built on the wrong output, not proven wrong themselves
                self._ledger("release", self.load("bond", pid), "built on a deleted output")
        self.store("length", value=batch)

    def _lock(self, kind: str, reason: str) -> int:
        """Lock ``msg.value`` in the ledger as the sender's bond; its id."""
        return self._ledger("lock", self.sender, self.value, kind, reason, value=self.value)

    def _ledger(self, method: str, *args, value: int = 0):
        return self.call(addr(self.load("ledger")), method, *args, value=value)


class PoseidonOutputs(Outputs):
    """The output oracle of a deployment whose states are hashed for circuits."""

    SCHEME = COMMITMENTS["poseidon"]

