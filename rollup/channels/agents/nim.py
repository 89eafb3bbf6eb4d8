"""Nim, the example app of a channel with proven transitions (:mod:`~prozchain.rollup.channels.contracts.app`).

Three heaps of at most 7 tokens; a move takes at least one token from exactly one heap; whoever
takes the last token wins (normal play). A state's L1 footprint is its :meth:`NimState.commitment`,
the circomlib-compatible ``Poseidon(h0, h1, h2, turn, salt)``. The opening salt is random and
shared by the two players only; each move's salt is ``Poseidon(salt)`` of the one before. So
anyone who sees only commitments (the adjudicator, the L1) learns nothing of the heaps, while
the opponent of a move made on L1 finds the new state among the few legal moves
(:meth:`NimState.successor`): a mover cannot win by withholding the state it moved to.

:class:`NimMove` is the transition circuit. Its public inputs, in order, are ``old`` and ``new``
(the two commitments), ``mover`` (0 for A, 1 for B; the adjudicator derives it from the version's
parity) and ``finished`` (1 when the move took the last token, so the mover wins). It opens both
commitments (the turn inside the old one must be ``mover``, inside the new one the other party),
derives the new salt from the old, range-checks the new heaps to :data:`HEAP_BITS` bits, and
checks that one selected heap lost at least one token and the others none. Constraints: 2 x 322
for the commitments (Poseidon of 5 and the tie to the public input), 213 for the salt, 3 x 4 for the
heaps' range, 4 for the selector, 3 + 3 for "the others unchanged" and the amount taken, 4 for
"at least one", 2 + 1 for ``finished``, 1 for the mover: 887.

>>> start = NimState((1, 2, 0), turn=0, salt=5)
>>> after = start.play(1, 2)
>>> after.heaps, after.turn, after.finished, sorted(after.moves())
((1, 0, 0), 1, False, [(0, 1)])
>>> start.successor(after.commitment) == after
True
>>> c = circuit()
>>> c.check(c.solve(move_inputs(start, after)))
>>> c.public_values(c.solve(move_inputs(start, after))) == [start.commitment, after.commitment, 0, 0]
True
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping, Optional, Sequence

from prozchain.circuits import Circuit, assert_bool, assert_equal, assert_mul, linear_sum, scope
from prozchain.circuits.circuit import CompiledCircuit
from prozchain.circuits.gadgets.bits import range_check
from prozchain.circuits.gadgets.comparators import is_zero
from prozchain.circuits.gadgets.poseidon import poseidon, poseidon_hash
from prozchain.native import get_backend
from prozchain.native.curve import R
from prozchain.native.errors import ProzError
from prozchain.native.kernels import ints_to_array
from prozchain.prover.formats.zkey import ZKey
from prozchain.prover.groth16.prover import prove
from prozchain.prover.groth16.verifier import verify
from prozchain.prover.solidity import proof_from_words, proof_words
from prozchain.rollup.common.keys import proving_key
from prozchain.rollup.channels.errors import InvalidState

HEAPS = 3
HEAP_BITS = 3  # at most 7 tokens a heap


@dataclass(frozen=True)
class NimState:
    """A Nim position: the heaps, whose turn it is (0: A, 1: B) and the commitment's salt."""

    heaps: tuple[int, ...]
    turn: int
    salt: int

    @property
    def commitment(self) -> int:
        """``Poseidon(*heaps, turn, salt)``: all the L1 ever sees of this state."""
        return poseidon_hash([*self.heaps, self.turn, self.salt])

    @property
    def finished(self) -> bool:
        """No token left: the player who moved last won."""
        return not any(self.heaps)

    def moves(self) -> list[tuple[int, int]]:
        """Every legal ``(heap, take)``."""
        return [(i, take) for i, h in enumerate(self.heaps) for take in range(1, h + 1)]

    def play(self, heap: int, take: int) -> "NimState":
        """The state after the player to move takes ``take`` from ``heap``; :class:`InvalidState`
        for an illegal move."""
        if (heap, take) not in self.moves():
            raise InvalidState(f"taking {take} from heap {heap} of {list(self.heaps)} is not a legal move")
        heaps = tuple(h - take if i == heap else h for i, h in enumerate(self.heaps))
        return NimState(heaps, 1 - self.turn, poseidon_hash([self.salt]))

    def successor(self, commitment: int) -> Optional["NimState"]:
        """The state one legal move away committed as ``commitment`` (None: no legal move leads there)."""
        return next((s for s in (self.play(*m) for m in self.moves()) if s.commitment == commitment), None)

    def best_move(self, rng: random.Random) -> tuple[int, int]:
        """A move to a position of nim-sum 0 when there is one (the winning strategy), else a
        random legal move."""
        total = 0
        for h in self.heaps:
            total ^= h
        winning = [(i, h - (h ^ total)) for i, h in enumerate(self.heaps) if total and h ^ total < h]
        return winning[0] if winning else rng.choice(self.moves())


def fresh_salt(rng: random.Random) -> int:
    return rng.randrange(R)


class NimMove(Circuit):
    """One legal Nim move between two committed states (see the module docstring)."""

    def define(self) -> None:
        old, new = self.public_input("old"), self.public_input("new")
        mover, finished = self.public_input("mover"), self.public_input("finished")
        before, after = self.private_input("old_heaps", HEAPS), self.private_input("new_heaps", HEAPS)
        old_salt = self.private_input("old_salt")
        pick = self.private_input("pick", HEAPS)
        with scope("mover is a party"):
            assert_bool(mover)
        with scope("old commitment"):
            assert_equal(poseidon([*before, mover, old_salt]), old)
        with scope("next salt"):
            new_salt = poseidon([old_salt])
        with scope("new commitment"):
            assert_equal(poseidon([*after, 1 - mover, new_salt]), new)
        with scope("heap range"):
            for h in after:
                range_check(h, HEAP_BITS)
        with scope("one heap"):
            for p in pick:
                assert_bool(p)
            assert_equal(linear_sum(pick, [1] * HEAPS), 1)
        with scope("other heaps unchanged"):
            for p, b, a in zip(pick, before, after):
                assert_mul(b - a, 1 - p, 0)
        with scope("takes at least one"):
            taken = linear_sum([p * (b - a) for p, b, a in zip(pick, before, after)], [1] * HEAPS)
            range_check(taken - 1, HEAP_BITS)
        with scope("finished"):
            assert_equal(is_zero(linear_sum(after, [1] * HEAPS)), finished)


@lru_cache(maxsize=None)
def circuit() -> CompiledCircuit:
    return NimMove().compile()


def move_inputs(old: NimState, new: NimState, pick: Optional[int] = None) -> dict[str, object]:
    """The circuit's inputs for the move ``old`` -> ``new``: the selected heap is ``pick``, by
    default the first one that changed (inputs of an illegal move solve but do not check)."""
    if pick is None:
        pick = next((i for i, (b, a) in enumerate(zip(old.heaps, new.heaps)) if b != a), 0)
    return {"old": old.commitment, "new": new.commitment, "mover": old.turn, "finished": int(new.finished),
            "old_heaps": list(old.heaps), "new_heaps": list(new.heaps), "old_salt": old.salt, "pick": [int(i == pick) for i in range(HEAPS)]}


def public_of(old_commitment: int, new: NimState, mover: int) -> list[int]:
    """The public inputs of a move to ``new`` by ``mover`` from the state committed as ``old_commitment``."""
    return [old_commitment, new.commitment, mover, int(new.finished)]


class NimProver:
    """Proves and checks Nim moves under the development key of :class:`NimMove`
    (:func:`~prozchain.rollup.common.keys.proving_key`, one setup per circuit)."""

    def __init__(self, seed: int = 0) -> None:
        self.zkey: ZKey = proving_key(circuit())
        self.rng = random.Random(seed)

    def prove(self, old: NimState, new: NimState) -> list[int]:
        """The proof, as 8 L1 words, that ``new`` follows from ``old`` by one legal move (the
        solver refuses an illegal one)."""
        return self.prove_inputs(move_inputs(old, new))

    def prove_inputs(self, inputs: Mapping[str, object]) -> list[int]:
        witness = circuit().solve(inputs)
        proof, _ = prove(self.zkey, ints_to_array(witness), backend=get_backend("c"), rng=self.rng)
        return proof_words(proof)

    def check(self, public: Sequence[int], words: Sequence[int]) -> bool:
        """What the adjudicator would answer, off chain: does ``words`` prove ``public``?"""
        try:
            return verify(self.zkey.verification_key(), list(public), proof_from_words(words))
        except ProzError:  # a malformed proof from a peer is just a false one
            return False
