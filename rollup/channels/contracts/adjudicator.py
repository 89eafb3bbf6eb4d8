"""The adjudicator: the L1 contract that holds channel deposits and judges disputes.

Design (Nitro-style turn numbers with a Lightning-style penalty):

- ``open(b, period, expected_b)`` locks A's deposit. ``expected_b == 0`` opens a single-funded
  channel at once; otherwise the channel waits for ``fund`` by B with exactly ``expected_b``
  (dual-funded) and A may ``abort`` until then.
- Reserves: an ether adjudicator keeps no ether itself. Each channel's deposits are one entry
  (kind "channel") of the :class:`~prozchain.rollup.economics.bonds.BondLedger` it was deployed
  with: locked at ``open`` (or at ``fund`` when A deposits nothing), topped up by ``fund``, and
  ended only by this contract: ``abort`` releases it to A, ``close`` and ``settle`` release it
  to both parties as the final split (``release_to``), and a proven revoked state slashes all of
  it to the victim, each with its reason.
- Tokens: an adjudicator deployed with a ``bank`` (:mod:`prozchain.rollup.l1.token`) holds the
  bank's one asset instead of ether, and no ledger (the ledger holds ether only): the bank opens
  single-funded channels with ``open_for(a, b, period, amount)`` and every payment goes out
  through ``bank.release``.
- ``close(cid, state, sigs)``: a co-signed *final* state pays both parties at once.
- ``force_close(cid, state, sigs)``: a party publishes its latest co-signed state; a challenge
  period of ``period`` seconds starts. Only the state's keccak is stored. The opening state
  (version 0, balances equal to the deposits) needs no signatures, so funds are never stuck
  behind a counterparty that never signs.
- ``challenge(cid, state, sigs)`` (anyone, e.g. a watchtower) with a newer co-signed state.
  A client signs version n+1 only when it holds the co-signed version n, so a co-signed state
  two or more versions above the published one proves that *both* parties had moved past it:
  the publisher knowingly used a revoked state and forfeits the whole channel to the other side.
  A state exactly one version newer only replaces the published one (its publisher may not have
  received the last countersignature).
- ``settle(cid, state)`` after the period pays the stored state. Each HTLC goes to its payee if
  its preimage was revealed through ``reveal`` strictly before its expiry, to its payer once the
  expiry has passed; while neither holds, settling reverts (the funds wait in the contract).
- ``reveal(preimage)`` is a global preimage registry (like Raiden's): one reveal resolves that
  hash in every channel, so every hop of a route is paid or refunded alike.
- Virtual channels (Nitro-style, see :mod:`prozchain.rollup.channels.agents.virtual`) have no deposit and no L1
  transaction while they live: ledger channels lock *guarantees* for them. If anyone goes silent,
  a party of the virtual channel (A, B or the intermediary) calls ``publish_virtual`` with a
  state co-signed by A and B; a newer one replaces it during the virtual channel's challenge
  period, a final one concludes it at once, and ``conclude_virtual`` concludes it after the
  period. Beyond the pre-fund version a state counts only with the intermediary's signature
  that both guarantees exist (so nobody can make the intermediary pay out of one ledger what
  the other never locked). ``settle`` of a ledger channel pays each guarantee as its concluded
  virtual channel says and waits (reverts) until then. Newest state wins; there is no penalty
  on a virtual channel.

Signatures are checked with the L1's ecrecover precompile (address 1), called like any other
precompile: 3,000 gas plus the warm call's 100, metered by the L1.

>>> from prozchain.rollup.l1 import Chain, Key
>>> from prozchain.rollup.economics.bonds import BondLedger, history
>>> a, b = Key.from_seed(b"alice"), Key.from_seed(b"bob")
>>> chain = Chain({a.address: 10**18, b.address: 10**18})
>>> ledger, _ = chain.deploy(a, BondLedger)
>>> adj, _ = chain.deploy(a, Adjudicator, chain.chain_id, NO_BANK, ledger)
>>> chain.transact(a, adj, "open", b.address, 60, 0, value=1000, gas_limit=400_000).return_value
1
>>> STATUS_NAMES[chain.view(adj, "channel", 1).status]
'open'
>>> [(e.action, e.amount, e.reason) for e in history(chain, ledger)]
[('lock', 1000, 'channel 1 opened by A')]
"""

from __future__ import annotations

from typing import NamedTuple, Optional

from prozchain.rollup.common.words import addr
from prozchain.rollup.l1 import Address, Bytes32, Contract, external
from prozchain.rollup.l1.crypto import to_address
from prozchain.rollup.l1.token import NO_BANK, incoming, pay_out
from prozchain.rollup.channels.errors import ChannelError
from prozchain.rollup.channels.state import PREFUND, SIGNATURE_BYTES, State, VirtualParams

ECRECOVER = 1  # the precompile's address
NONE, PENDING, OPEN, CLOSING, CLOSED = range(5)
STATUS_NAMES = ("none", "pending", "open", "closing", "closed")


def ecrecover(contract: Contract, digest: bytes, signature: bytes) -> Optional[Address]:
    """The signer of an ``r || s || v`` signature, as ``contract`` learns it through the ecrecover
    precompile (shared by the adjudicator and :mod:`~prozchain.rollup.channels.contracts.app`)."""
    r, s, v = signature[:32], signature[32:64], signature[64]
    out = contract.precompile(ECRECOVER, digest + (27 + v).to_bytes(32, "big") + r + s)
    return to_address(out[12:]) if out else None


class ChannelInfo(NamedTuple):
    """What :meth:`Adjudicator.channel` reports about one ledger channel."""

    a: Address
    b: Address
    deposit_a: int
    deposit_b: int
    status: int  # NONE, PENDING, OPEN, CLOSING or CLOSED
    period: int  # the challenge period, seconds
    deadline: int  # end of the running challenge period (0 unless closing)
    version: int  # version of the published state


class VirtualInfo(NamedTuple):
    """What :meth:`Adjudicator.virtual` reports about one virtual channel."""

    status: int  # NONE, CLOSING or CLOSED
    deadline: int
    version: int  # version of the published state
    paid_a: int  # what the concluded outcome pays A


class Adjudicator(Contract):
    def constructor(self, chain_id: int, bank: Address, ledger: Address) -> None:
        """``chain_id`` is bound into every state (the L1 has no CHAINID opcode here). Exactly one
        of ``bank`` (token channels) and ``ledger`` (ether channels) is set; the other is zero."""
        self.require((int(bank, 16) == 0) != (int(ledger, 16) == 0),
                     "an adjudicator holds either a bank's asset or ether in a bond ledger")
        self.store("chain_id", value=chain_id)
        self.store("bank", value=int(bank, 16))
        self.store("ledger", value=int(ledger, 16))

    @external
    def bond_ledger(self) -> Address:
        """The ledger holding the channels' ether (zero for a token adjudicator)."""
        return addr(self.load("ledger"))

    # -- opening ------------------------------------------------------------------------------
    @external(payable=True)
    def open(self, b: Address, period: int, expected_b: int) -> int:
        """Lock ``msg.value`` as A's deposit in a new channel with ``b``; returns its id."""
        return self._open(self.sender, b, period, incoming(self, self.value), expected_b)

    @external(payable=True)
    def open_for(self, a: Address, b: Address, period: int, amount: int) -> int:
        """The bank opens a single-funded channel of A with ``amount`` (already escrowed)."""
        return self._open(a, b, period, incoming(self, amount), 0)

    def _open(self, a: str, b: str, period: int, deposit_a: int, expected_b: int) -> int:
        self.require(to_address(b) != to_address(a), "a channel needs two different parties")
        self.require(0 < period < 2**32, f"challenge period {period} out of range")
        self.require(deposit_a + expected_b > 0, "a channel needs a deposit")
        cid = self.load("channels") + 1
        self.store("channels", value=cid)
        self.store("a", cid, value=int(a, 16))
        self.store("b", cid, value=int(b, 16))
        self.store("deposit_a", cid, value=deposit_a)
        if expected_b:
            self.store("deposit_b", cid, value=expected_b)
        self._set_meta(cid, PENDING if expected_b else OPEN, period,
                       bond=self._reserve(cid, a, deposit_a, 0, f"channel {cid} opened by A"))
        self.emit("Opened", cid, a, b, args=(cid, to_address(a), to_address(b), deposit_a, expected_b))
        return cid

    @external(payable=True)
    def fund(self, cid: int) -> None:
        """B's side of a dual-funded channel: exactly the expected deposit."""
        status, period, _ = self._meta(cid)
        self.require(status == PENDING, f"channel {cid} is {STATUS_NAMES[status]}, not pending")
        self.require(self.sender == self._party(cid, "b"), "only B funds its side")
        self.require(incoming(self, self.value) == self.load("deposit_b", cid),
                     f"B must deposit exactly {self.load('deposit_b', cid)}")
        self._set_meta(cid, OPEN, period, bond=self._reserve(cid, self.sender, self.value, self._bond(cid),
                                                             f"channel {cid} funded by B"))
        self.emit("Funded", cid, args=(cid, self.value))

    @external
    def abort(self, cid: int) -> None:
        """A takes its deposit back from a channel B never funded."""
        status, period, _ = self._meta(cid)
        self.require(status == PENDING, f"channel {cid} is {STATUS_NAMES[status]}, not pending")
        self.require(self.sender == self._party(cid, "a"), "only A aborts")
        self._set_meta(cid, CLOSED, period)
        self._pay(cid, self.load("deposit_a", cid), 0, f"channel {cid} aborted: B never funded")

    # -- closing -------------------------------------------------------------------------------
    @external
    def close(self, cid: int, state: bytes, sigs: bytes) -> None:
        """Cooperative close with a co-signed final state."""
        status, period, _ = self._meta(cid)
        self.require(status in (OPEN, CLOSING), f"channel {cid} is {STATUS_NAMES[status]}")
        s = self._verified(cid, state, sigs)
        self.require(s.final, "a cooperative close needs a final state")
        self._set_meta(cid, CLOSED, period)
        self._pay(cid, s.balance_a, s.balance_b, f"channel {cid} closed cooperatively at version {s.version}")

    @external
    def force_close(self, cid: int, state: bytes, sigs: bytes) -> None:
        """Publish a co-signed state and start the challenge period."""
        status, period, _ = self._meta(cid)
        self.require(status == OPEN, f"channel {cid} is {STATUS_NAMES[status]}, not open")
        closer = 1 if self.sender == self._party(cid, "b") else 0
        self.require(closer or self.sender == self._party(cid, "a"), "only a party closes unilaterally")
        s = self._verified(cid, state, sigs)
        self._record(cid, s, state)
        self.store("closer", cid, value=closer)
        self._set_meta(cid, CLOSING, period, self.timestamp + period)
        self.emit("ForceClosed", cid, data=self.keccak(state),
                  args=(cid, s.version, self.keccak(state), self.sender))

    @external
    def challenge(self, cid: int, state: bytes, sigs: bytes) -> None:
        """Answer a unilateral close with a newer co-signed state (anyone may call)."""
        status, period, deadline = self._meta(cid)
        self.require(status == CLOSING, f"channel {cid} is {STATUS_NAMES[status]}, not closing")
        self.require(self.timestamp < deadline, f"challenge period ended at {deadline}")
        s = self._verified(cid, state, sigs)
        published = self.load("version", cid)
        self.require(s.version > published, f"version {s.version} is not newer than {published}")
        if s.version >= published + 2:
            victim = 1 - self.load("closer", cid)
            total = self.load("deposit_a", cid) + self.load("deposit_b", cid)
            self._set_meta(cid, CLOSED, period)
            self.emit("Penalized", cid, args=(cid, published, s.version, victim, total))
            self._penalize(cid, victim, total, f"channel {cid} penalty: {'AB'[1 - victim]} published revoked "
                                               f"version {published}, version {s.version} was co-signed")
            return
        self._record(cid, s, state)
        self.emit("Challenged", cid, args=(cid, s.version))

    @external
    def settle(self, cid: int, state: bytes) -> None:
        """Pay out the published state once the challenge period is over."""
        status, period, deadline = self._meta(cid)
        self.require(status == CLOSING, f"channel {cid} is {STATUS_NAMES[status]}, not closing")
        self.require(self.timestamp >= deadline, f"challenge period runs until {deadline}")
        self.require(int.from_bytes(self.keccak(state), "big") == self.load("state", cid),
                     "this is not the published state")
        s = State.decode(state)
        shares = [s.balance_a, s.balance_b]
        for g in s.guarantees:
            vstatus, _ = self._vmeta(g.vid)
            self.require(vstatus == CLOSED, f"virtual channel {g.vid:#x} is not concluded yet")
            for side, amount in enumerate(g.split(self.load("vout", g.vid))):
                shares[side] += amount
        for h in s.htlcs:
            revealed = self.load("revealed", h.hashlock)
            if revealed and revealed < h.expiry:
                shares[h.payee] += h.amount
            else:
                self.require(self.timestamp >= h.expiry,
                             f"HTLC {h.hid} unresolved until {h.expiry} (no preimage revealed)")
                shares[h.payer] += h.amount
        self._set_meta(cid, CLOSED, period)
        self._pay(cid, *shares, f"channel {cid} settled at version {s.version} after the challenge period")

    # -- virtual channels --------------------------------------------------------------------------
    @external
    def publish_virtual(self, params: bytes, state: bytes, sigs: bytes) -> None:
        """Publish (or, while it is closing, replace with a newer) a virtual channel state:
        ``sigs`` is A's and B's signatures, then above the pre-fund version the intermediary's
        signature of the funded digest. A final state concludes the channel at once."""
        try:
            v = VirtualParams.decode(params)
            s = State.decode(state)
        except ChannelError as exc:
            self.require(False, str(exc))
        vid = int.from_bytes(self.keccak(v.encode()), "big")
        self.require(self.sender in (v.a, v.b, v.intermediary), "only a party or the intermediary publishes")
        self.require(0 < v.period < 2**32, f"challenge period {v.period} out of range")
        self.require(s.adjudicator == self.address and s.chain_id == self.load("chain_id") and s.channel == vid,
                     "the state belongs to another channel, contract or chain")
        self.require(not s.htlcs and not s.guarantees, "a virtual channel state holds balances only")
        funded = s.version > PREFUND
        self.require(len(sigs) == (3 if funded else 2) * SIGNATURE_BYTES,
                     f"v{s.version} needs A's, B's{' and the funded signature' if funded else ''} (65 bytes each)")
        digest = self.keccak(state)
        self._check_signer(digest, sigs[:SIGNATURE_BYTES], v.a, "A")
        self._check_signer(digest, sigs[SIGNATURE_BYTES:2 * SIGNATURE_BYTES], v.b, "B")
        if funded:
            self._check_signer(self.keccak(v.funded_message(self.address, self.load("chain_id"))),
                               sigs[2 * SIGNATURE_BYTES:], v.intermediary, "the intermediary")
        status, deadline = self._vmeta(vid)
        self.require(status != CLOSED, f"virtual channel {vid:#x} is concluded")
        if status == CLOSING:
            self.require(self.timestamp < deadline, f"challenge period ended at {deadline}")
            self.require(s.version > self.load("vversion", vid),
                         f"version {s.version} is not newer than {self.load('vversion', vid)}")
        else:
            deadline = self.timestamp + v.period
        self.store("vversion", vid, value=s.version)
        if s.final:
            self._conclude(vid, s)
            return
        self.store("vstate", vid, value=int.from_bytes(digest, "big"))
        self.store("vmeta", vid, value=CLOSING | deadline << 8)
        self.emit("VirtualPublished", vid, args=(vid, s.version, deadline))

    @external
    def conclude_virtual(self, vid: int, state: bytes) -> None:
        """After the challenge period, the published state is the virtual channel's outcome."""
        status, deadline = self._vmeta(vid)
        self.require(status == CLOSING, f"virtual channel {vid:#x} is {STATUS_NAMES[status]}, not closing")
        self.require(self.timestamp >= deadline, f"challenge period runs until {deadline}")
        self.require(int.from_bytes(self.keccak(state), "big") == self.load("vstate", vid),
                     "this is not the published state")
        self._conclude(vid, State.decode(state))

    @external
    def virtual(self, vid: int) -> VirtualInfo:
        """The L1 record of virtual channel ``vid``."""
        status, deadline = self._vmeta(vid)
        return VirtualInfo(status, deadline, self.load("vversion", vid), self.load("vout", vid))

    # -- the preimage registry ------------------------------------------------------------------
    @external
    def reveal(self, preimage: Bytes32) -> None:
        """Record when the preimage of ``keccak(preimage)`` was first shown on L1."""
        lock = self.keccak(preimage)
        if not self.load("revealed", lock):
            self.store("revealed", lock, value=self.timestamp)
            self.emit("Revealed", lock, data=preimage, args=(lock, preimage, self.timestamp))

    @external
    def revealed_at(self, lock: Bytes32) -> int:
        return self.load("revealed", lock)

    @external
    def channel(self, cid: int) -> ChannelInfo:
        """The L1 record of channel ``cid``."""
        status, period, deadline = self._meta(cid)
        return ChannelInfo(self._party(cid, "a"), self._party(cid, "b"), self.load("deposit_a", cid),
                           self.load("deposit_b", cid), status, period, deadline, self.load("version", cid))

    # -- internals -------------------------------------------------------------------------------
    # One word per channel: status (8 bits), period (32), deadline (88) and, above bit 128, the id
    # of its ledger entry (sharing the word saves the entry's id a new slot of its own at open).
    def _meta(self, cid: int) -> tuple[int, int, int]:
        word = self.load("meta", cid)
        return word & 0xFF, (word >> 8) & 0xFFFFFFFF, (word >> 40) & ((1 << 88) - 1)

    def _bond(self, cid: int) -> int:
        return self.load("meta", cid) >> 128

    def _set_meta(self, cid: int, status: int, period: int, deadline: int = 0, bond: Optional[int] = None) -> None:
        bond = self._bond(cid) if bond is None else bond
        self.store("meta", cid, value=status | period << 8 | deadline << 40 | bond << 128)

    def _party(self, cid: int, which: str) -> Address:
        return to_address(self.load(which, cid))

    def _verified(self, cid: int, state: bytes, sigs: bytes) -> State:
        """Decode ``state``, check it belongs here and that A then B signed it."""
        try:
            s = State.decode(state)
        except ChannelError as exc:
            self.require(False, str(exc))
        self.require(s.adjudicator == self.address and s.chain_id == self.load("chain_id") and s.channel == cid,
                     "the state belongs to another channel, contract or chain")
        total = self.load("deposit_a", cid) + self.load("deposit_b", cid)
        self.require(s.total == total, f"the state holds {s.total}, the deposit is {total}")
        if s.version == 0 and not sigs and not s.htlcs and not s.guarantees and not s.final \
                and (s.balance_a, s.balance_b) == (self.load("deposit_a", cid), self.load("deposit_b", cid)):
            return s  # the opening state is what the deposits say; nobody needs to sign it
        self.require(len(sigs) == 2 * SIGNATURE_BYTES, "sigs must be A's then B's 65-byte signature")
        digest = self.keccak(state)
        for i, who in enumerate(("a", "b")):
            self._check_signer(digest, sigs[i * SIGNATURE_BYTES:(i + 1) * SIGNATURE_BYTES], self._party(cid, who),
                               who.upper())
        return s

    def _check_signer(self, digest: bytes, signature: bytes, expected: Address, who: str) -> None:
        self.require(ecrecover(self, digest, signature) == expected, f"the signature is not {who}'s")

    def _vmeta(self, vid: int) -> tuple[int, int]:
        word = self.load("vmeta", vid)
        return word & 0xFF, word >> 8

    def _conclude(self, vid: int, s: State) -> None:
        self.store("vout", vid, value=s.balance_a)
        self.store("vmeta", vid, value=CLOSED)
        self.emit("VirtualConcluded", vid, args=(vid, s.version, s.balance_a, s.balance_b))

    def _record(self, cid: int, s: State, state: bytes) -> None:
        self.store("version", cid, value=s.version)
        self.store("state", cid, value=int.from_bytes(self.keccak(state), "big"))

    def _reserve(self, cid: int, owner: str, amount: int, bond: int, reason: str) -> int:
        """Put an ether deposit into the channel's ledger entry ``bond`` (the first deposit locks
        it); returns the entry's id (0 while there is none, and always for a token adjudicator)."""
        ledger = addr(self.load("ledger"))
        if ledger == NO_BANK or not amount:
            return bond
        if bond:
            self.call(ledger, "add", bond, reason, value=amount)
            return bond
        return self.call(ledger, "lock", owner, amount, "channel", reason, value=amount)

    def _pay(self, cid: int, to_a: int, to_b: int, reason: str) -> None:
        """Pay the final split: the ledger entry released to both parties, or through the bank."""
        self.emit("Closed", cid, args=(cid, to_a, to_b))
        parties = [self._party(cid, "a"), self._party(cid, "b")]
        if addr(self.load("ledger")) == NO_BANK:
            for to, amount in zip(parties, (to_a, to_b)):
                if amount:
                    pay_out(self, to, amount)
        elif self._bond(cid):
            self.call(addr(self.load("ledger")), "release_to", self._bond(cid), parties, [to_a, to_b], reason)

    def _penalize(self, cid: int, victim: int, total: int, reason: str) -> None:
        """The publisher of a revoked state forfeits the whole channel: a slash of its entry."""
        self.emit("Closed", cid, args=(cid, 0 if victim else total, total if victim else 0))
        to = self._party(cid, "b" if victim else "a")
        if addr(self.load("ledger")) == NO_BANK:
            pay_out(self, to, total)
        else:
            self.call(addr(self.load("ledger")), "slash", self._bond(cid), total, to, reason)
