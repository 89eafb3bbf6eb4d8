"""The app adjudicator: a channel whose application state lives off chain, judged by proofs.

An app channel (a two-player game here, :mod:`~prozchain.rollup.channels.agents.nim`) keeps only
a Poseidon *commitment* of its state on L1, salted so the L1 learns nothing of the state, and a
version; in version v it is party ``v % 2``'s move (A moves first). The adjudicator never runs
the app: every move it accepts carries a Groth16 proof, checked by pairing through the app's
verifier contract (:mod:`prozchain.rollup.l1.groth16`), of the statement
``(old, new, mover, finished)``: the state committed as ``new`` follows from the one committed
as ``old`` by one legal move of ``mover``, and ``finished`` says whether the mover won by it.

- ``open(b, period, commitment)`` locks A's stake with the opening state's commitment; B checks
  that opening off chain and ``join`` s with an equal stake.
- Off chain, every move is proven by the mover and co-signed by both over
  :func:`update_digest` (the adjudicator, chain, channel, version and commitment).
- ``challenge(cid, version, commitment, sigs)``: a party registers a co-signed state (the
  opening one needs no signatures) and starts a dispute: the party to move must answer within
  ``period`` seconds. A newer co-signed state replaces a registered one while the dispute runs.
- ``force_move(cid, new, finished, proof)``: the party to move answers with a proven move; the
  version advances and the other party's clock starts. A finishing move pays the mover both
  stakes.
- ``timeout(cid)``: once the period has run out, the party that failed to move forfeits both
  stakes to the other.

``check_proofs`` (a constructor argument) exists for the ``defense=off`` run of the scenario
``app-channel-illegal-move`` only: without it a force-move's proof is not verified.

>>> from prozchain.rollup.l1 import Chain, Key
>>> from prozchain.prover.groth16.simulate import toy_key_and_proof
>>> from prozchain.rollup.l1.groth16 import verifier_contract
>>> a, b = Key.from_seed(b"alice"), Key.from_seed(b"bob")
>>> chain = Chain({a.address: 10**18, b.address: 10**18})
>>> verifier, _ = chain.deploy(a, verifier_contract(toy_key_and_proof()[0]))
>>> adj, _ = chain.deploy(a, AppAdjudicator, chain.chain_id, verifier, True)
>>> cid = chain.transact(a, adj, "open", b.address, 60, 12345, value=1000, gas_limit=300_000).return_value
>>> _ = chain.transact(b, adj, "join", cid, value=1000, gas_limit=300_000)
>>> info = chain.view(adj, "channel", cid)
>>> STATUS_NAMES[info.status], info.commitment, info.version
('open', 12345, 0)
"""

from __future__ import annotations

from typing import NamedTuple

from prozchain.rollup.l1 import Address, Contract, external
from prozchain.rollup.l1.crypto import keccak256, to_address
from prozchain.rollup.l1.precompiles import WORD
from prozchain.rollup.channels.contracts.adjudicator import ecrecover
from prozchain.rollup.channels.state import SIGNATURE_BYTES

NONE, PENDING, OPEN, DISPUTE, CLOSED = range(5)
STATUS_NAMES = ("none", "pending", "open", "dispute", "closed")


class AppChannelInfo(NamedTuple):
    """What :meth:`AppAdjudicator.channel` reports about one app channel."""

    a: Address
    b: Address
    stake: int  # each party's
    status: int  # NONE, PENDING, OPEN, DISPUTE or CLOSED
    period: int  # seconds the party to move has to answer in a dispute
    deadline: int  # when the running dispute's clock runs out (0 unless in dispute)
    version: int  # of the registered state; party version % 2 is to move
    commitment: int  # of the registered state


def update_message(adjudicator: Address, chain_id: int, cid: int, version: int, commitment: int) -> bytes:
    """What both parties sign for version ``version`` of channel ``cid`` (its keccak is the digest)."""
    return b"".join(x.to_bytes(WORD, "big") for x in (int(adjudicator, 16), chain_id, cid, version, commitment))


def update_digest(adjudicator: Address, chain_id: int, cid: int, version: int, commitment: int) -> bytes:
    """The keccak of :func:`update_message`, as the parties sign it off chain."""
    return keccak256(update_message(adjudicator, chain_id, cid, version, commitment))


class AppAdjudicator(Contract):
    def constructor(self, chain_id: int, verifier: Address, check_proofs: bool) -> None:
        """``verifier``: the app's Groth16 verifier contract (one key, one app)."""
        self.store("chain_id", value=chain_id)
        self.store("verifier", value=int(verifier, 16))
        self.store("check_proofs", value=int(check_proofs))

    @external(payable=True)
    def open(self, b: Address, period: int, commitment: int) -> int:
        """Stake ``msg.value`` in a new app channel with ``b`` from the state committed as
        ``commitment``; returns its id."""
        self.require(to_address(b) != self.sender, "a channel needs two different parties")
        self.require(0 < period < 2**32, f"challenge period {period} out of range")
        self.require(self.value > 0, "a channel needs a stake")
        cid = self.load("channels") + 1
        self.store("channels", value=cid)
        self.store("a", cid, value=int(self.sender, 16))
        self.store("b", cid, value=int(b, 16))
        self.store("stake", cid, value=self.value)
        self.store("commitment", cid, value=commitment)
        self._set_meta(cid, PENDING, period)
        self.emit("AppOpened", cid, args=(cid, self.sender, to_address(b), self.value, commitment))
        return cid

    @external(payable=True)
    def join(self, cid: int) -> None:
        """B's equal stake: the game starts from the opening commitment."""
        status, period, _ = self._meta(cid)
        self.require(status == PENDING, f"channel {cid} is {STATUS_NAMES[status]}, not pending")
        self.require(self.sender == self._party(cid, 1), "only B joins")
        self.require(self.value == self.load("stake", cid), f"B must stake exactly {self.load('stake', cid)}")
        self._set_meta(cid, OPEN, period)

    @external
    def challenge(self, cid: int, version: int, commitment: int, sigs: bytes) -> None:
        """Register a co-signed state (the opening state: no signatures) and start, or carry on,
        a dispute: the party to move in it must move on L1 within the period."""
        status, period, deadline = self._meta(cid)
        self.require(status in (OPEN, DISPUTE), f"channel {cid} is {STATUS_NAMES[status]}")
        self.require(self.sender in (self._party(cid, 0), self._party(cid, 1)), "only a party disputes")
        if status == DISPUTE:
            self.require(self.timestamp < deadline, f"the dispute's clock ran out at {deadline}")
            self.require(version > self.load("version", cid),
                         f"version {version} is not newer than {self.load('version', cid)}")
        if version or sigs:
            self.require(len(sigs) == 2 * SIGNATURE_BYTES, "sigs must be A's then B's 65-byte signature")
            digest = self.keccak(update_message(self.address, self.load("chain_id"), cid, version, commitment))
            for side in (0, 1):
                self.require(ecrecover(self, digest, sigs[side * SIGNATURE_BYTES:(side + 1) * SIGNATURE_BYTES])
                             == self._party(cid, side), f"the signature is not {'AB'[side]}'s")
        else:
            self.require(commitment == self.load("commitment", cid), "that is not the opening state")
        self._register(cid, version, commitment, period)
        self.emit("Disputed", cid, args=(cid, version, commitment, self.timestamp + period))

    @external
    def force_move(self, cid: int, new: int, finished: int, proof: list[int]) -> None:
        """The party to move answers a dispute with a move, proven to follow the app's rules
        from the registered state."""
        status, period, deadline = self._meta(cid)
        self.require(status == DISPUTE, f"channel {cid} is {STATUS_NAMES[status]}, not in dispute")
        self.require(self.timestamp < deadline, f"the dispute's clock ran out at {deadline}")
        version = self.load("version", cid)
        mover = version % 2
        self.require(self.sender == self._party(cid, mover), f"it is {'AB'[mover]}'s move")
        self.require(finished in (0, 1), "finished is 0 or 1")
        if self.load("check_proofs"):
            inputs = [self.load("commitment", cid), new, mover, finished]
            self.require(self.call(to_address(self.load("verifier")), "verify", inputs, proof),
                         "the proof does not show a legal move")
        self.emit("Moved", cid, args=(cid, version + 1, new, finished))
        if finished:
            self._set_meta(cid, CLOSED, period)
            self._pay(cid, mover)
            return
        self._register(cid, version + 1, new, period)

    @external
    def timeout(self, cid: int) -> None:
        """The party to move let the dispute's clock run out: the other one takes both stakes."""
        status, period, deadline = self._meta(cid)
        self.require(status == DISPUTE, f"channel {cid} is {STATUS_NAMES[status]}, not in dispute")
        self.require(self.timestamp >= deadline, f"the clock runs until {deadline}")
        self._set_meta(cid, CLOSED, period)
        self._pay(cid, 1 - self.load("version", cid) % 2)

    @external
    def channel(self, cid: int) -> AppChannelInfo:
        """The L1 record of app channel ``cid``."""
        status, period, deadline = self._meta(cid)
        return AppChannelInfo(self._party(cid, 0), self._party(cid, 1), self.load("stake", cid), status, period,
                              deadline, self.load("version", cid), self.load("commitment", cid))

    # -- internals -------------------------------------------------------------------------------
    def _meta(self, cid: int) -> tuple[int, int, int]:
        word = self.load("meta", cid)
        return word & 0xFF, (word >> 8) & 0xFFFFFFFF, word >> 40

    def _set_meta(self, cid: int, status: int, period: int, deadline: int = 0) -> None:
        self.store("meta", cid, value=status | period << 8 | deadline << 40)

    def _party(self, cid: int, side: int) -> Address:
        return to_address(self.load("ab"[side], cid))

    def _register(self, cid: int, version: int, commitment: int, period: int) -> None:
        self.store("version", cid, value=version)
        self.store("commitment", cid, value=commitment)
        self._set_meta(cid, DISPUTE, period, self.timestamp + period)

    def _pay(self, cid: int, winner: int) -> None:
        pot = 2 * self.load("stake", cid)
        self.emit("AppClosed", cid, args=(cid, winner, pot))
        self.transfer(self._party(cid, winner), pot)
