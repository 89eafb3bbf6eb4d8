"""The ZK rollup's state contract on the reference L1: bridge escrow, deposit queue, batches
verified by a Groth16 verifier contract, withdrawal ledger, exodus mode.

- ``deposit(ax, ay)`` (payable) escrows the value (a multiple of ``unit`` wei) for the L2
  account of the Baby Jubjub key ``(ax, ay)``: the contract gives each new key the next account
  index and remembers the depositor as the index's L1 owner. The request joins a queue that
  batches must consume in order.
- Tokens: a rollup deployed with a ``bank`` (:mod:`prozchain.rollup.l1.token`) carries that
  bank's one asset instead of ether. Its L2 balances count that asset, so the circuit, the
  account leaf and the keys are unchanged: one rollup instance per asset (the design choice of
  docs/crosslayer.md). The bank escrows the tokens and queues them with
  ``deposit_for(ax, ay, amount, owner)``; every payment out goes through ``bank.release``.
- ``submit_batch(version, old_root, new_root, data, proof)`` (the operator): ``version`` must
  be usable now (:mod:`~prozchain.rollup.zk.contracts.registry`: versions are added and retired
  by governance behind a time lock); ``old_root`` must be the current root; the calldata
  ``data`` is decoded (every registered transaction type; the version must take each) and
  hashed as the circuit does (Poseidon, priced as poseidon-solidity's), each deposit in it must
  be the queue's next request, and the proof must verify for ``(old_root, new_root,
  data_hash)`` under the version's verifier. Then the root advances, withdrawals and the fees
  enter the ledger, and the keccak of ``data`` is kept (``batch_data_hash``) for L1 contracts
  that open the batch's transactions, such as the messenger of :mod:`prozchain.rollup.messages`.
- ``claim(id)`` pays a ledger entry once. ``freeze()``: anyone, once the queue's head has waited
  longer than ``deadline`` seconds; then ``exit(...)`` pays each account's balance under the last
  verified root to its owner once (Merkle proof checked on L1), ``refund(i)`` each unserved deposit.
- Forced withdrawals: ``request_withdrawal(index)`` by an account's L1 owner asks the operator, on
  L1 and dated, to move that account's balance out. The request authorises a ``full_exit``
  transaction (no L2 signature: the L1 owner's call is the authority) naming the request and
  the account; the circuit holds its ``amount`` to the account's whole balance, and the
  contract pays it to the account's L1 owner after checking that the request exists, is for
  that account and was not served before. A signed withdrawal from the account in a batch
  verified after the request serves it too (the one its key signed and the operator left
  out). A request unserved past ``deadline`` makes the rollup ``overdue`` like an unserved
  deposit: anyone may freeze it, and the user exits from the last verified state. An operator
  whose circuit takes ``full_exit`` can always serve a request, so an owner cannot force an
  exodus by never signing.
- The operator's bond: ``post_bond()`` (the operator, payable) locks it in the
  :class:`~prozchain.rollup.economics.bonds.BondLedger` given at deployment; ``freeze()`` slashes
  it, half to whoever froze the rollup (the watcher's reward), half burnt.
- The operator's ordering policy (:mod:`~prozchain.rollup.economics.ordering`):
  ``state_policy(name)`` (the operator, once) binds it; from then on every batch goes through
  ``submit_ordered_batch(..., head)``, which records the operator's arrival stream over the
  batch's transactions from the mempool (deposits and noops are no arrivals), and
  ``dispute_order(batch, receipt..., signature, data)`` with an
  :class:`~prozchain.rollup.economics.ordering.ArrivalReceipt` the operator signed that the
  batch's posted ``data`` contradicts (reordered, front-run, censored past its deadline)
  slashes the whole operator bond, half to the claimant, half burnt, with the reason
  (:class:`~prozchain.rollup.economics.sequencing.ArrivalStreams` judges it).

``checks_proofs=False`` deploys a deliberately broken contract that skips verification: the
``defense=off`` side of the ``zk-invalid-batch`` scenario.

>>> POSEIDON_GAS[4], merkle_proof_gas(8)
(54326, 223318)
"""

from __future__ import annotations

from typing import NamedTuple

from prozchain.native.curve import R
from prozchain.circuits.gadgets.merkle import merkle_root_of
from prozchain.circuits.txtypes import Account, TxRejected, TxType, data_hash, decode_batch, leaf_hash
from prozchain.circuits.txtypes.registry import BALANCE_BITS, SLOT_ELEMENTS
from prozchain.rollup.common.words import addr, b32, word
from prozchain.rollup.economics.bonds import BURN
from prozchain.rollup.economics.ordering import ArrivalReceipt
from prozchain.rollup.economics.sequencing import ArrivalStreams
from prozchain.rollup.l1 import Address, Bytes32, external, keccak256
from prozchain.rollup.l1.token import incoming, pay_out
from prozchain.rollup.l1.gas import POSEIDON_GAS
from prozchain.rollup.zk.contracts.registry import VerifierRegistry


def merkle_proof_gas(depth: int) -> int:
    """An account leaf (Poseidon of 4) and ``depth`` Poseidon(2) nodes."""
    return POSEIDON_GAS[4] + depth * POSEIDON_GAS[2]


def posted_transactions(data: bytes, slots: int, n_elements: int) -> list[tuple[TxType, dict[str, int]]]:
    """The transactions of a batch's posted ``data`` as :meth:`ZkRollup.submit_batch` judges
    them (the same code): :class:`TxRejected` with the contract's reason when the data does not
    decode, its transactions do not fill exactly ``slots`` slots (a type with more than 2
    accounts or 4 data elements fills several, ``TxType.n_slots``), or a type posts more than
    ``n_elements`` elements per slot."""
    try:
        decoded = decode_batch(data)
    except TxRejected as exc:
        raise TxRejected(f"batch data does not decode: {exc}") from exc
    used = sum(t.n_slots for t, _ in decoded)
    if used != slots:
        filling = f" filling {used} slots" if used != len(decoded) else ""
        raise TxRejected(f"batch data holds {len(decoded)} transactions{filling}, a batch has {slots}")
    if not all(min(len(t.layout()), SLOT_ELEMENTS) <= n_elements for t, _ in decoded):
        raise TxRejected("batch data holds a transaction type this rollup's circuit does not take")
    return decoded


class RollupState(NamedTuple):
    """What :meth:`ZkRollup.state` returns."""

    root: int  # the last verified state root
    batches: int  # batches verified
    served: int  # deposit requests the batches have consumed
    queued: int  # deposit requests ever made
    entries: int  # withdrawal ledger entries
    frozen: int  # 1 once exodus mode is on


def arrivals(decoded: list[tuple[TxType, dict[str, int]]]) -> list[bytes]:
    """The keccak of each posted transaction that came from the mempool (not a deposit from the
    L1 queue, not padding): the leaves of a batch's stretch of its operator's arrival stream."""
    return [keccak256(t.encode(values)) for t, values in decoded if t.l1 != "deposit" and t.name != "noop"]


class ZkRollup(VerifierRegistry, ArrivalStreams):
    def constructor(self, verifier: Address, operator: Address, genesis_root: int, depth: int, slots: int,
                    n_elements: int, types: int, unit: int, deadline: int, checks_proofs: bool,
                    governance: Address, upgrade_delay: int, bank: Address, ledger: Address) -> None:
        """Version 1 is ``verifier`` for batches of ``slots`` x ``n_elements`` of ``types`` (a
        :func:`~prozchain.rollup.zk.contracts.registry.types_mask`); ``governance`` changes
        versions with ``upgrade_delay`` seconds' notice; ``bank`` keeps the value (zero: ether,
        here); ``ledger`` holds the operator's bond."""
        for name, value in (("operator", int(operator, 16)), ("root", genesis_root), ("depth", depth),
                            ("unit", unit), ("deadline", deadline), ("checks_proofs", int(checks_proofs)),
                            ("next_index", 1), ("bank", int(bank, 16)), ("ledger", int(ledger, 16))):
            self.store(name, value=value)
        self._init_registry(governance, upgrade_delay, verifier, slots, n_elements, types)

    # -- deposits ------------------------------------------------------------------------------
    @external(payable=True)
    def deposit(self, ax: int, ay: int) -> int:
        """Queue a deposit of ``msg.value`` to the account of key (ax, ay); returns its queue position."""
        return self._queue(ax, ay, incoming(self, self.value), self.sender)

    @external(payable=True)
    def deposit_for(self, ax: int, ay: int, amount: int, owner: Address) -> int:
        """The bank queues ``amount`` (already escrowed) for key (ax, ay), owned on L1 by ``owner``."""
        return self._queue(ax, ay, incoming(self, amount), owner)

    def _queue(self, ax: int, ay: int, value: int, owner: str) -> int:
        self.require(not self.load("frozen"), "the rollup is frozen (exodus mode)")
        unit = self.load("unit")
        amount = value // unit
        self.require(value % unit == 0 and 0 < amount < 2**BALANCE_BITS,
                     f"a deposit is a positive multiple of {unit} wei below 2^64 units")
        self.require(0 < ax < R and 0 <= ay < R, "the key's coordinates must be field elements, x nonzero")
        key = self.keccak(ax.to_bytes(32, "big") + ay.to_bytes(32, "big"))
        index = self.load("index_of", key)
        if index == 0:
            index = self.load("next_index")
            self.require(index < 1 << self.load("depth"), "the account tree is full")
            self.store("next_index", value=index + 1)
            self.store("index_of", key, value=index)
            self.store("owner", index, value=int(owner, 16))
        position = self.load("queued")
        self.store("request", position, value=self._request_word(index, amount, ax, ay))
        self.store("request_time", position, value=self.timestamp)
        self.store("request_from", position, value=int(owner, 16))
        self.store("request_amount", position, value=amount)
        self.store("queued", value=position + 1)
        self.emit("Deposited", position, index, args=(position, index, amount, ax, ay, owner))
        return position

    def _request_word(self, index: int, amount: int, ax: int, ay: int) -> int:
        data = b"".join(v.to_bytes(32, "big") for v in (index, amount, ax, ay))
        return int.from_bytes(self.keccak(data), "big")

    # -- batches -------------------------------------------------------------------------------
    @external
    def submit_batch(self, version: int, old_root: int, new_root: int, data: bytes, proof: list[int]) -> int:
        """Verify and apply a batch of circuit ``version``; see the module doc. Returns the batch number."""
        self.require(not self.load("policy"), "the operator stated an ordering policy: submit_ordered_batch")
        return self._submit(version, old_root, new_root, data, proof)[0]

    @external
    def submit_ordered_batch(self, version: int, old_root: int, new_root: int, data: bytes, proof: list[int],
                             head: Bytes32) -> int:
        """:meth:`submit_batch` under the stated policy: ``head`` is the operator's arrival chain
        after the batch's mempool transactions."""
        self.require(self.load("policy"), "no ordering policy is stated: submit_batch")
        batch, decoded = self._submit(version, old_root, new_root, data, proof)
        return self._record(batch, len(arrivals(decoded)), head)

    @external
    def state_policy(self, policy: str) -> None:
        """The operator binds itself to ordering ``policy`` (once)."""
        self.require(self.sender == addr(self.load("operator")), "only the operator states its ordering policy")
        self._state_policy(policy)

    @external
    def dispute_order(self, batch: int, seq: int, tx_hash: Bytes32, prefix: Bytes32, bid: int, deadline: int,
                      signature: list[int], data: bytes) -> str:
        """Slash the operator's bond with a receipt it signed that verified batch ``batch``,
        whose posted ``data`` this is, contradicts. Returns what was wrong."""
        self.require(self.keccak(data) == self.batch_data_hash(batch), f"that is not batch {batch}'s data")
        posted = self._posted(batch, arrivals(decode_batch(data)))
        problem = self._convict(ArrivalReceipt(self.address, seq, tx_hash, prefix, bid, deadline), signature, posted)
        bond = self.load("bond")
        self.require(bond and not self.load("order_slashed"), "the operator has no bond left to slash")
        self.store("order_slashed", value=1)
        reason = f"{problem} transaction {tx_hash.hex()[:16]} against its receipt in batch {batch}"
        ledger = addr(self.load("ledger"))
        held = self.call(ledger, "bond", bond).held
        self.call(ledger, "slash", bond, held // 2, self.sender, reason)
        self.call(ledger, "slash", bond, held - held // 2, BURN, reason)
        self.emit("Slashed", posted.poster, self.sender, args=(posted.poster, self.sender, held, reason))
        return problem

    def _submit(self, version: int, old_root: int, new_root: int, data: bytes,
                proof: list[int]) -> tuple[int, list[tuple[TxType, dict[str, int]]]]:
        self.require(not self.load("frozen"), "the rollup is frozen (exodus mode)")
        self.require(self.sender == addr(self.load("operator")), "only the operator submits batches")
        self.require(old_root == self.load("root"), "old root is not the current root")
        self.require(0 <= new_root < R, "new root is not a field element")
        circuit = self._usable_version(version)
        slots, n_elements = circuit.slots, circuit.n_elements
        try:
            decoded = posted_transactions(data, slots, n_elements)
        except TxRejected as exc:
            self.require(False, str(exc))
        for t, _ in decoded:
            self.require(circuit.takes(t), f"batch data holds {t.name!r} transactions, version {version} does not take them")
        self.env.meter.charge(slots * POSEIDON_GAS[n_elements + 1], "Poseidon data hash")
        h = data_hash(decoded, n_elements)
        served = self.load("served")
        for t, values in decoded:
            if t.l1 == "deposit":
                self.require(served < self.load("queued"), "batch serves a deposit nobody queued")
                expected = self._request_word(values["to"], values["amount"], values["ax"], values["ay"])
                self.require(self.load("request", served) == expected, f"batch deposit does not match queued request {served}")
                served += 1
        if self.load("checks_proofs"):
            self.require(self.call(circuit.verifier, "verify", [old_root, new_root, h], proof), "invalid proof")
        self.store("served", value=served)
        self.store("root", value=new_root)
        fees, batch = 0, self.load("batches")
        forced = self.load("forced")
        for t, values in decoded:
            if t.l1 == "withdraw":
                self._credit(values["to"], values["amount"])
                self.store("withdrew_in", values["from"], value=batch + 1)
            if t.l1 == "full_exit":
                self._full_exit(values["request"], values["account"], values["amount"], forced)
            fees += values[t.fee] if t.fee else 0
        if fees:
            self._credit(self.load("operator"), fees)
        # A request is served by its full exit, or by a withdrawal from its account in any batch
        # verified after it was made, whatever the order the operator served the queue in.
        forced_served = self.load("forced_served")
        while forced_served < forced and (self.load("exit_served", forced_served) or self.load(
                "withdrew_in", self.load("forced_index", forced_served)) > self.load("forced_after", forced_served)):
            forced_served += 1
        self.store("forced_served", value=forced_served)
        self.store("batches", value=batch + 1)
        # What L1 contracts open a verified batch's transactions against (messages to L1).
        self.store("data_keccak", batch, value=word(self.keccak(data)))
        self.emit("BatchVerified", batch, version, data=data, args=(batch, old_root, new_root, data, served, version))
        return batch, decoded

    def _full_exit(self, request: int, index: int, amount: int, forced: int) -> None:
        """Serve forced request ``request`` with a full exit of ``amount`` from account ``index``:
        only a request its L1 owner made authorises it, once, and the owner is paid."""
        self.require(request < forced, f"batch serves forced request {request}, nobody made it")
        self.require(self.load("forced_index", request) == index,
                     f"batch's full exit is from account {index}, forced request {request} is for another")
        self.require(not self.load("exit_served", request), f"forced request {request} was already served")
        self.store("exit_served", request, value=1)
        if amount:
            self._credit(self.load("owner", index), amount)

    def _credit(self, to: int, amount: int) -> None:
        entry = self.load("entries")
        self.store("entry_to", entry, value=to)
        self.store("entry_amount", entry, value=amount)
        self.store("entries", value=entry + 1)
        self.emit("Credited", entry, addr(to), args=(entry, addr(to), amount))

    @external
    def claim(self, entry: int) -> None:
        """Pay ledger entry ``entry`` (a withdrawal or the operator's fees) to its recipient, once."""
        self.require(entry < self.load("entries"), f"no ledger entry {entry}")
        self.require(not self.load("claimed", entry), f"ledger entry {entry} already claimed")
        self.store("claimed", entry, value=1)
        self.emit("Claimed", entry, args=(entry,))
        pay_out(self, addr(self.load("entry_to", entry)), self.load("entry_amount", entry) * self.load("unit"))

    # -- forced exit -----------------------------------------------------------------------------
    @external
    def request_withdrawal(self, index: int) -> int:
        """The L1 owner of account ``index`` demands that a withdrawal from it be included
        within the deadline; returns the request's position in the forced queue."""
        self.require(not self.load("frozen"), "the rollup is frozen (exodus mode)")
        self.require(index and self.load("owner", index) == int(self.sender, 16),
                     f"only the L1 owner of account {index} forces its withdrawal")
        position = self.load("forced")
        self.store("forced_index", position, value=index)
        self.store("forced_time", position, value=self.timestamp)
        self.store("forced_after", position, value=self.load("batches"))
        self.store("forced", value=position + 1)
        self.emit("WithdrawalForced", position, index, args=(position, index, self.sender, self.timestamp))
        return position

    @external(payable=True)
    def post_bond(self) -> int:
        """The operator locks ``msg.value`` as its bond (once); returns the bond's ledger id."""
        self.require(self.sender == addr(self.load("operator")), "only the operator posts the operator bond")
        self.require(not self.load("bond"), "the operator bond is already posted")
        bond = self.call(addr(self.load("ledger")), "lock", self.sender, self.value, "operator",
                         "ZK rollup operator: serves deposits and forced withdrawals within the deadline",
                         value=self.value)
        self.store("bond", value=bond)
        return bond

    @external
    def freeze(self) -> None:
        """Enter exodus mode: allowed once the queue's oldest unserved request (a deposit or a
        forced withdrawal) is past the deadline. The operator's bond is slashed."""
        served = self.load("served")
        self.require(self.overdue(), f"no queued request is overdue (request {served} is next)")
        self.store("frozen", value=1)
        self.emit("Frozen", served, args=(served, self.load("root")))
        bond = self.load("bond")
        ledger = addr(self.load("ledger"))
        held = self.call(ledger, "bond", bond).held if bond else 0
        if held:  # none left once an ordering dispute took it
            self.call(ledger, "slash", bond, held // 2, self.sender, "froze the rollup: a request went unserved")
            self.call(ledger, "slash", bond, held - held // 2, BURN, "operator missed a request's deadline")

    @external
    def exit(self, index: int, ax: int, ay: int, balance: int, nonce: int, siblings: list[int]) -> None:
        """In exodus mode, pay account ``index``'s balance under the last verified root to its owner, once."""
        self.require(self.load("frozen"), "exits open only in exodus mode")
        depth = self.load("depth")
        self.require(0 < index < 1 << depth and len(siblings) == depth, "bad account index or proof length")
        self.require(not self.load("exited", index), f"account {index} already exited")
        owner = self.load("owner", index)
        self.require(owner != 0, f"account {index} has no L1 owner")
        self.env.meter.charge(merkle_proof_gas(depth), "Poseidon Merkle proof")
        leaf = leaf_hash(Account(ax, ay, balance, nonce))
        bits = [(index >> level) & 1 for level in range(depth)]
        self.require(merkle_root_of(leaf, siblings, bits) == self.load("root"),
                     f"account {index} with balance {balance} is not under the last verified root")
        self.store("exited", index, value=1)
        self.emit("Exited", index, args=(index, balance))
        pay_out(self, addr(owner), balance * self.load("unit"))

    @external
    def refund(self, position: int) -> None:
        """In exodus mode, return queued deposit ``position`` that no batch served, once."""
        self.require(self.load("frozen"), "refunds open only in exodus mode")
        self.require(self.load("served") <= position < self.load("queued"), f"request {position} is not unserved")
        self.require(not self.load("refunded", position), f"request {position} already refunded")
        self.store("refunded", position, value=1)
        pay_out(self, addr(self.load("request_from", position)),
                self.load("request_amount", position) * self.load("unit"))

    # -- views -----------------------------------------------------------------------------------
    @external
    def overdue(self) -> bool:
        """Whether the oldest unserved deposit or forced withdrawal has waited past the deadline."""
        served, forced_served, deadline = self.load("served"), self.load("forced_served"), self.load("deadline")
        return (served < self.load("queued") and self.timestamp > self.load("request_time", served) + deadline) \
            or (forced_served < self.load("forced")
                and self.timestamp > self.load("forced_time", forced_served) + deadline)

    @external
    def batch_data_hash(self, batch: int) -> bytes:
        """The keccak of verified batch ``batch``'s posted data."""
        self.require(batch < self.load("batches"), f"no verified batch {batch}")
        return b32(self.load("data_keccak", batch))

    @external
    def depth(self) -> int:
        """The account tree's depth (what a node replaying the batches needs)."""
        return self.load("depth")

    @external
    def claimed(self, entry: int) -> bool:
        return bool(self.load("claimed", entry))

    @external
    def exited(self, index: int) -> bool:
        return bool(self.load("exited", index))

    @external
    def refunded(self, position: int) -> bool:
        return bool(self.load("refunded", position))

    @external
    def forced_withdrawals(self) -> tuple[int, int]:
        """``(forced withdrawals ever requested, served by batches)``."""
        return self.load("forced"), self.load("forced_served")

    @external
    def forced_request(self, position: int) -> tuple[int, bool]:
        """Forced request ``position``: ``(account index, served by a full exit)``."""
        self.require(position < self.load("forced"), f"no forced request {position}")
        return self.load("forced_index", position), bool(self.load("exit_served", position))

    @external
    def state(self) -> RollupState:
        return RollupState(*(self.load(n) for n in RollupState._fields))
