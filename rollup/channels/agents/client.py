"""The off-chain client: one party's view of one channel, kept in a :class:`Store`.

An update is a three-message exchange: the proposer signs version n+1 (:meth:`propose`), the
responder checks and countersigns it (:meth:`accept`), the proposer stores the countersignature
(:meth:`complete`). The rules that keep a party safe:

- it signs version n+1 only while its latest co-signed state is version n (so a co-signed state
  two versions newer proves an older one was revoked: see :mod:`prozchain.rollup.channels.contracts.adjudicator`);
- *write before sign*: the state about to be signed is committed to the store before the
  signature is computed and released, so after a crash the client still knows what it signed
  and never signs a second, different state for that version (:class:`ConflictingState`);
- a state offered again is :class:`ReplayedState`, an older one :class:`StaleState`, a signature
  that is not the peer's :class:`BadSignature`, a malformed one :class:`InvalidState`; none of
  them changes the store.

``write_before_sign=False`` is the unsafe variant the ``channel-crash-restart`` scenario runs
with its defence off: the signature is released first and the store written by :meth:`flush`.

>>> from prozchain.rollup.l1 import Key
>>> from prozchain.rollup.sim.store import MemoryStore
>>> a, b = Key.from_seed(b"alice"), Key.from_seed(b"bob")
>>> genesis = State("0x" + "ad" * 20, 1337, 1, 0, 70, 30)
>>> alice = ChannelClient.create(a, MemoryStore(), genesis, a.address, b.address)
>>> bob = ChannelClient.create(b, MemoryStore(), genesis, a.address, b.address)
>>> update(alice, bob, alice.latest.pay(0, 5)).balance_b
35
>>> bob.latest == alice.latest and len(bob.latest_sigs) == 130
True
"""

from __future__ import annotations

from typing import Callable, Optional

from prozchain.rollup.l1.crypto import Address, Key, to_address
from prozchain.rollup.sim.store import Store
from prozchain.rollup.channels.errors import BadSignature, ConflictingState, InvalidState, ReplayedState, StaleState
from prozchain.rollup.channels.state import A, State

Listener = Callable[[State, bytes], None]


class ChannelClient:
    """Create, sign, verify and store the states of channel ``channel`` for the party ``key``."""

    def __init__(self, key: Key, store: Store, channel: int, write_before_sign: bool = True) -> None:
        self.key, self.store, self.channel = key, store, channel
        self.write_before_sign = write_before_sign
        self.prefix = f"ch/{channel}/"
        params = store.get(self.prefix + "params")
        if params is None:
            raise InvalidState(f"no channel {channel} in this store")
        self.parties = (to_address(params["a"]), to_address(params["b"]))
        self.total = params["total"]
        if key.address not in self.parties:
            raise InvalidState(f"{key.address} is not a party of channel {channel}")
        self.party = self.parties.index(key.address)
        self.unsaved: list[tuple[str, object]] = []
        self.listeners: list[Listener] = []

    @classmethod
    def create(cls, key: Key, store: Store, genesis: State, a: Address, b: Address,
               write_before_sign: bool = True) -> "ChannelClient":
        """Store a new channel whose opening state (version 0, no signatures) is ``genesis``."""
        if genesis.version != 0 or genesis.htlcs or genesis.final:
            raise InvalidState("the opening state is version 0 with no HTLCs and not final")
        prefix = f"ch/{genesis.channel}/"
        if store.get(prefix + "params") is not None:
            raise InvalidState(f"channel {genesis.channel} is already in this store")
        with store.batch():
            store.put(prefix + "params", {"a": a, "b": b, "total": genesis.total})
            store.put(prefix + "cosigned", [genesis.encode().hex(), ""])
        return cls(key, store, genesis.channel, write_before_sign)

    # -- what the client holds ----------------------------------------------------------------
    @property
    def peer(self) -> Address:
        return self.parties[1 - self.party]

    @property
    def latest(self) -> State:
        """The newest state both parties signed (or the opening state)."""
        return State.decode(bytes.fromhex(self._get(self.prefix + "cosigned")[0]))

    @property
    def latest_sigs(self) -> bytes:
        """A's then B's signature on :attr:`latest` (empty for the opening state)."""
        return bytes.fromhex(self._get(self.prefix + "cosigned")[1])

    @property
    def signed(self) -> Optional[State]:
        """The newest state this party signed, co-signed or not."""
        mark = self._get(self.prefix + "signed")
        return State.decode(bytes.fromhex(mark)) if mark else None

    @property
    def pending(self) -> Optional[State]:
        """A state this party signed whose countersignature it has not stored yet."""
        signed = self.signed
        return signed if signed is not None and signed.version > self.latest.version else None

    # -- the update exchange ------------------------------------------------------------------
    def propose(self, state: State) -> bytes:
        """Sign ``state`` as the next version; the same state again gives the same signature."""
        self._check_next(state)
        pending = self.pending
        if pending is not None:
            if pending.digest != state.digest:
                raise ConflictingState(f"channel {self.channel}: already signed a different "
                                       f"version {state.version}")
            return state.sign(self.key)
        self._write([(self.prefix + "signed", state.encode().hex())])
        return state.sign(self.key)

    def accept(self, state: State, their_sig: bytes) -> bytes:
        """Check the peer's proposal and countersign it; the co-signed state is stored first."""
        self._check_next(state)
        self._verify(state, their_sig, 1 - self.party)
        pending = self.pending
        if pending is not None and pending.digest != state.digest:
            raise ConflictingState(f"channel {self.channel}: already signed a different "
                                   f"version {state.version}")
        mine = state.sign(self.key)
        sigs = self.ordered(mine, their_sig)
        self._write([(self.prefix + "signed", state.encode().hex()),
                     (self.prefix + "cosigned", [state.encode().hex(), sigs.hex()])])
        self._notify(state, sigs)
        return mine

    def complete(self, state: State, their_sig: bytes) -> State:
        """Store the peer's countersignature on the state this party proposed."""
        if state.digest == self.latest.digest:
            raise ReplayedState(f"channel {self.channel} v{state.version} is already co-signed")
        pending = self.pending
        if pending is None or pending.digest != state.digest:
            raise StaleState(f"channel {self.channel}: v{state.version} is not the state this party proposed")
        self._verify(state, their_sig, 1 - self.party)
        sigs = self.ordered(state.sign(self.key), their_sig)
        self._write([(self.prefix + "cosigned", [state.encode().hex(), sigs.hex()])])
        self._notify(state, sigs)
        return state

    def flush(self) -> None:
        """Write what the unsafe (sign-first) variant still holds only in memory."""
        if self.unsaved:
            with self.store.batch():
                for key, value in self.unsaved:
                    self.store.put(key, value)
            self.unsaved = []

    # -- checks ----------------------------------------------------------------------------------
    def check_state(self, state: State) -> None:
        """:class:`InvalidState` unless ``state`` belongs to this channel and conserves value."""
        latest = self.latest
        if (state.adjudicator, state.chain_id, state.channel) != (latest.adjudicator, latest.chain_id, self.channel):
            raise InvalidState(f"state for channel {state.channel} at {state.adjudicator} "
                               f"(chain {state.chain_id}) offered to channel {self.channel}")
        state.check(self.total)

    def _check_next(self, state: State) -> None:
        self.check_state(state)
        latest = self.latest
        if state.version <= latest.version:
            if state.digest == latest.digest:
                raise ReplayedState(f"channel {self.channel} v{state.version} is already co-signed")
            raise StaleState(f"channel {self.channel}: v{state.version} is not newer than "
                             f"the co-signed v{latest.version}")
        if latest.final:
            raise InvalidState(f"channel {self.channel} is final at v{latest.version}: no more updates")
        if state.version != latest.version + 1:
            raise StaleState(f"channel {self.channel}: v{state.version} skips ahead of "
                             f"v{latest.version} + 1")

    def _verify(self, state: State, signature: bytes, party: int) -> None:
        signer = state.signer(signature)
        if signer != self.parties[party]:
            raise BadSignature(f"channel {self.channel} v{state.version}: signed by {signer}, "
                               f"not by {'AB'[party]} ({self.parties[party]})")

    def ordered(self, mine: bytes, theirs: bytes) -> bytes:
        """This party's and the peer's signatures in the order L1 wants them (A's, then B's)."""
        return mine + theirs if self.party == A else theirs + mine

    # -- persistence ------------------------------------------------------------------------------
    def _get(self, key: str) -> object:
        for k, value in reversed(self.unsaved):
            if k == key:
                return value
        return self.store.get(key)

    def _write(self, puts: list[tuple[str, object]]) -> None:
        if not self.write_before_sign:
            self.unsaved.extend(puts)
            return
        with self.store.batch():
            for key, value in puts:
                self.store.put(key, value)

    def _notify(self, state: State, sigs: bytes) -> None:
        for listener in self.listeners:
            listener(state, sigs)


def update(proposer: ChannelClient, responder: ChannelClient, state: State) -> State:
    """Run the whole exchange between two clients in one process; returns the co-signed state."""
    return proposer.complete(state, responder.accept(state, proposer.propose(state)))

