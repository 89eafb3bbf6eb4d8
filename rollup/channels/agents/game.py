"""One player of an app channel (:mod:`~prozchain.rollup.channels.contracts.app`) playing Nim
(:mod:`~prozchain.rollup.channels.agents.nim`) off chain.

A move travels as an :class:`Update`: the new state (its opponent must know it to play on), the
Groth16 proof that it follows from the current one, and the mover's signature of the new
version's :func:`~prozchain.rollup.channels.contracts.app.update_digest`. The opponent accepts
it only when the proof verifies for the current state's commitment and the signature is the
mover's, and answers with its own signature: the version is then co-signed, which is what
either party can register on L1 in a dispute. On L1 the same proofs travel without the state.

>>> from prozchain.rollup.l1 import Key
>>> from prozchain.rollup.channels.agents.nim import NimProver, NimState
>>> a, b = Key.from_seed(b"a"), Key.from_seed(b"b")
>>> opening, prover = NimState((1, 2, 0), 0, 99), NimProver()
>>> players = [GamePlayer(k, side, (a.address, b.address), "0x" + "ad" * 20, 1337, 1, opening, prover)
...            for side, k in enumerate((a, b))]
>>> update = players[0].propose((1, 1))
>>> players[0].complete(update, players[1].accept(update))
>>> players[0].version, players[1].state.heaps, len(players[1].sigs)
(1, (1, 1, 0), 130)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from prozchain.rollup.l1 import Address, Key
from prozchain.rollup.channels.agents.nim import NimProver, NimState, public_of
from prozchain.rollup.channels.contracts.app import update_digest
from prozchain.rollup.channels.errors import BadSignature, InvalidState, StaleState
from prozchain.rollup.channels.state import recover_signer


@dataclass(frozen=True)
class Update:
    """A proposed move: version, new state, its proof (8 words) and the mover's signature."""

    version: int
    state: NimState
    proof: tuple[int, ...]
    signature: bytes


class GamePlayer:
    """One side (0: A, 1: B) of an app channel: the states it holds and the versions both signed."""

    def __init__(self, key: Key, side: int, parties: tuple[Address, Address], adjudicator: Address,
                 chain_id: int, cid: int, opening: NimState, prover: NimProver) -> None:
        self.key, self.side, self.parties = key, side, parties
        self.adjudicator, self.chain_id, self.cid = adjudicator, chain_id, cid
        self.prover = prover
        self.version, self.state, self.sigs = 0, opening, b""  # the newest co-signed version
        self.proposed: Optional[Update] = None

    def my_move(self) -> bool:
        return self.state.turn == self.side and not self.state.finished and self.proposed is None

    def digest(self, version: int, state: NimState) -> bytes:
        return update_digest(self.adjudicator, self.chain_id, self.cid, version, state.commitment)

    def sign(self, version: int, state: NimState) -> bytes:
        v, r, s = self.key.sign(self.digest(version, state))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])

    def propose(self, move: tuple[int, int]) -> Update:
        """Play ``move`` (heap, take): the new state, proven and signed."""
        if not self.my_move():
            raise InvalidState(f"it is not {'AB'[self.side]}'s move at version {self.version}")
        new = self.state.play(*move)
        self.proposed = Update(self.version + 1, new, tuple(self.prover.prove(self.state, new)),
                               self.sign(self.version + 1, new))
        return self.proposed

    def accept(self, update: Update) -> bytes:
        """Check the opponent's move (its proof, not the rules: the proof is the rules) and sign it."""
        if update.version != self.version + 1:
            raise StaleState(f"version {update.version} does not follow {self.version}")
        if not self.prover.check(public_of(self.state.commitment, update.state, 1 - self.side), update.proof):
            raise InvalidState(f"the proof of version {update.version} does not show a legal move")
        if recover_signer(self.digest(update.version, update.state), update.signature) != self.parties[1 - self.side]:
            raise BadSignature(f"version {update.version} is not signed by {'AB'[1 - self.side]}")
        mine = self.sign(update.version, update.state)
        self._hold(update, mine)
        return mine

    def complete(self, update: Update, signature: bytes) -> None:
        """The opponent's signature of our proposed move: the version is co-signed."""
        if update is not self.proposed or \
                recover_signer(self.digest(update.version, update.state), signature) != self.parties[1 - self.side]:
            raise BadSignature(f"that is not {'AB'[1 - self.side]}'s signature of version {update.version}")
        self._hold(update, signature)

    def moved_on_l1(self, version: int, commitment: int) -> None:
        """Follow a move made on L1, from its commitment alone; :class:`InvalidState` when no
        legal move leads there (the adjudicator accepted an illegal one)."""
        state = self.state.successor(commitment)
        if version != self.version + 1 or state is None:
            raise InvalidState(f"no legal move from version {self.version} is committed as {commitment:#x}")
        self.version, self.state, self.sigs, self.proposed = version, state, b"", None

    def _hold(self, update: Update, responder: bytes) -> None:
        """Keep ``update`` as the newest co-signed version (signatures in A, B order)."""
        pair = (update.signature, responder) if update.state.turn == 1 else (responder, update.signature)
        self.version, self.state, self.sigs, self.proposed = update.version, update.state, b"".join(pair), None
