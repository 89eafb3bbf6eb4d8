"""The L1 end of L2-to-L1 messages: prove, execute once, in order, replay if failed.

A message is recorded on L2 by the VM (a contract's ``CALL`` to
:data:`~prozchain.rollup.vm.state.MESSENGER`) under ``message_key(sender, nonce)`` in the world
tree, so it is committed wherever that world is: an optimistic output root, a sidechain
checkpoint. ``relay`` proves it against the world its source vouches for:

- route ``OPTIMISTIC`` (source: the output oracle): ``ref`` is a proposal; its output root must
  be ``keccak(world || rest)`` and the proposal must be finalized (past its window, never
  deleted); a rollup committing to its states with Poseidon has a :class:`PoseidonMessenger`
  (chosen by :func:`messenger_of`), which opens the output root and the message's record with
  Poseidon, each call charged at poseidon-solidity's published gas, as the rollup's portal does;
- route ``SIDECHAIN`` (source: the sidechain bridge): ``ref`` is a checkpoint; its world must be
  ``acceptable`` under the bridge's security model;
- route ``ZK`` (source: the ZK rollup contract): ``relay_zk`` opens a ``message`` transaction
  (:mod:`prozchain.rollup.messages.zk`) in the posted data of a verified batch, whose keccak the
  rollup keeps; a verified batch is final, its proof having been checked.

Then, as Optimism's ``CrossDomainMessenger`` does with its successful and failed sets: the
first attempt of message ``nonce`` of ``sender`` must come after every earlier nonce of that
sender (in order per sender) and give the callee at least the gas the sender asked for; the
callee's ``on_message(words)`` runs with :meth:`Messenger.xsender` = the L2 sender; the outcome
is recorded by the message's hash. A delivered message is refused forever; a failed one can be
``replay``\\ ed by anyone, with any gas, without the proof again, until it succeeds.

``checks`` turns the two defences off for the scenarios' controls: without ``CHECK_FINALITY`` a
pending (not yet final) output is enough; without ``CHECK_DELIVERY`` no outcome is recorded,
so a relayer can execute a delivered message again.

>>> sorted(Messenger.methods)
['relay', 'relay_zk', 'replay', 'status', 'xsender']
>>> messenger_of(POSEIDON).__name__
'PoseidonMessenger'
"""

from __future__ import annotations

from prozchain.rollup.common.words import addr
from prozchain.rollup.l1 import Address, Bytes32, Contract, external
from prozchain.circuits.txtypes import decode_batch
from prozchain.rollup.messages.message import Message
from prozchain.rollup.messages.zk import payload, zk_sender
from prozchain.rollup.optimistic.contracts.outputs import FINALIZED as OUTPUT_FINAL
from prozchain.rollup.optimistic.contracts.outputs import PENDING as OUTPUT_PENDING
from prozchain.rollup.sidechain.contracts.modes import FINAL as CHECKPOINT_FINAL
from prozchain.rollup.sidechain.contracts.modes import PENDING as CHECKPOINT_PENDING
from prozchain.rollup.vm.merkle import KECCAK, NODE_HASH_GAS, POSEIDON, Commitment, hash_counter, holds
from prozchain.rollup.vm.state import MESSAGE_WORDS, output_root

OPTIMISTIC, SIDECHAIN, ZK = 1, 2, 3
CHECK_FINALITY, CHECK_DELIVERY = 1, 2
ALL_CHECKS = CHECK_FINALITY | CHECK_DELIVERY
UNKNOWN, DELIVERED, FAILED = 0, 1, 2


class Messenger(Contract):
    """The messenger of sources whose worlds hash with keccak (see the module)."""

    SCHEME: Commitment = KECCAK

    def constructor(self, route: int, source: Address, checks: int) -> None:
        self.require(route in (OPTIMISTIC, SIDECHAIN, ZK), f"unknown route {route}")
        self.store("route", value=route)
        self.store("source", value=int(source, 16))
        self.store("checks", value=checks)

    @external
    def relay(self, ref: int, world: Bytes32, rest: Bytes32, sender: Address, nonce: int, target: Address,
              data: list[int], gas: int, siblings: list[Bytes32], call_gas: int) -> bool:
        """Prove message ``nonce`` of L2 ``sender`` in the world of claim ``ref`` and execute
        it for the first time with ``call_gas``; returns whether the call succeeded."""
        self.require(len(data) == MESSAGE_WORDS, f"a message carries {MESSAGE_WORDS} data words")
        message = self._message(sender, nonce, target, data, gas)
        self._check_world(ref, world, rest)
        self.require(self._holds(world, message, siblings),
                     f"message {nonce} of {sender} is not in the world of claim {ref}")
        return self._first_attempt(message, call_gas)

    @external
    def relay_zk(self, batch: int, data: bytes, index: int, target: Address, data_words: list[int], gas: int,
                 call_gas: int) -> bool:
        """Open message transaction ``index`` of verified ZK batch ``batch`` (``data`` is its posted
        data) and execute it for the first time with ``call_gas``."""
        self.require(self.load("route") == ZK, "this messenger does not serve a ZK rollup")
        hashed = self.call(addr(self.load("source")), "batch_data_hash", batch)
        self.require(self.keccak(data) == hashed, f"that is not the data of verified batch {batch}")
        decoded = decode_batch(data)
        self.require(index < len(decoded) and decoded[index][0].name == "message",
                     f"transaction {index} of batch {batch} is not a message")
        fields = decoded[index][1]
        self.keccak(bytes(32 * (len(data_words) + 1)))  # what recomputing the payload costs
        self.require(fields["target"] == int(target, 16) and fields["payload"] == payload(tuple(data_words), gas),
                     f"message {index} of batch {batch} has another target or payload")
        message = self._message(zk_sender(fields["from"]), fields["seq"], target, data_words, gas)
        return self._first_attempt(message, call_gas)

    @external
    def replay(self, sender: Address, nonce: int, target: Address, data: list[int], gas: int,
               call_gas: int) -> bool:
        """Execute a failed message again, with any ``call_gas``; anyone may."""
        message = self._message(sender, nonce, target, data, gas)
        self.require(self.load("status", message.hash) == FAILED, f"message {nonce} of {sender} is not a failed one")
        return self._execute(message, call_gas)

    @external
    def xsender(self) -> Address:
        """The L2 sender of the message being executed (what a callee checks)."""
        sender = self.load("xsender")
        self.require(sender != 0, "no message is being executed")
        return addr(sender)

    @external
    def status(self, message_hash: Bytes32) -> int:
        """UNKNOWN, DELIVERED or FAILED."""
        return self.load("status", bytes(message_hash))

    # -- internals ---------------------------------------------------------------------------
    def _message(self, sender: str, nonce: int, target: str, data: list[int], gas: int) -> Message:
        self.require(len(data) == MESSAGE_WORDS, f"a message carries {MESSAGE_WORDS} data words")
        message = Message(self.load("route"), addr(self.load("source")), sender, nonce, target, tuple(data), gas,
                          self.SCHEME)
        self.keccak(message.encode())  # what computing the hash costs on L1
        return message

    def _check_world(self, ref: int, world: bytes, rest: bytes) -> None:
        source, final_only = addr(self.load("source")), self.load("checks") & CHECK_FINALITY
        if self.load("route") == OPTIMISTIC:
            proposal = self.call(source, "proposal", ref)
            live = (OUTPUT_FINAL,) if final_only else (OUTPUT_FINAL, OUTPUT_PENDING)
            self.require(proposal.status in live, f"output {ref} is not final")
            self.require(self._output_root(world, rest) == proposal.output,
                         f"world and context do not make output {ref}")
        else:
            self.require(self.load("route") == SIDECHAIN, "a ZK rollup's messages are relayed with relay_zk")
            checkpoint = self.call(source, "checkpoint", ref)
            self.require(checkpoint.status in (CHECKPOINT_FINAL, CHECKPOINT_PENDING) and checkpoint.world == world,
                         f"checkpoint {ref} is not live or has another world")
            self.require(not final_only or self.call(source, "acceptable", world),
                         f"checkpoint {ref} is not acceptable yet under the bridge's security model")

    def _output_root(self, world: bytes, rest: bytes) -> bytes:
        return self.keccak(world + rest)

    def _holds(self, world: bytes, message: Message, siblings: list[bytes]) -> bool:
        """Whether ``world`` records ``message``: its leaf and path charged as 65-byte KECCAK256s."""
        self.env.meter.charge(NODE_HASH_GAS * (len(siblings) + 1), "message proof")
        return holds(world, message.key, message.commitment, siblings)

    def _first_attempt(self, message: Message, call_gas: int) -> bool:
        """The first execution of a proven message: not delivered nor failed before, its
        sender's earlier nonces attempted, at least the gas it asks for."""
        checks, status = self.load("checks"), self.load("status", message.hash)
        sender, nonce = message.sender, message.nonce
        self.require(not checks & CHECK_DELIVERY or status != DELIVERED, f"message {nonce} of {sender} was delivered")
        self.require(status != FAILED, f"message {nonce} of {sender} failed once: replay it")
        due = self.load("next_nonce", sender)
        self.require(nonce <= due, f"message {nonce} of {sender} comes before {due} is relayed (in order)")
        if checks & CHECK_DELIVERY:
            self.require(nonce == due, f"message {nonce} of {sender} was relayed")
        self.require(call_gas >= message.gas, f"the message asks for {message.gas} gas, the relay gives {call_gas}")
        if nonce == due:
            self.store("next_nonce", sender, value=due + 1)
        return self._execute(message, call_gas)

    def _execute(self, message: Message, call_gas: int) -> bool:
        h = message.hash
        outer = self.load("xsender")
        self.store("xsender", value=int(message.sender, 16))
        ok, result = self.try_call(message.target, "on_message", list(message.data), gas=call_gas)
        self.store("xsender", value=outer)
        if self.load("checks") & CHECK_DELIVERY:
            self.store("status", h, value=DELIVERED if ok else FAILED)
        self.emit("Relayed", h, message.sender, args=(h, message.sender, message.nonce, ok,
                                                      "" if ok else str(result)))
        return ok


class PoseidonMessenger(Messenger):
    """The messenger of an optimistic rollup committing to its states with Poseidon: every hash
    of the output root and of the message's key, commitment and path charged as L1 computes it."""

    SCHEME = POSEIDON

    def _output_root(self, world: bytes, rest: bytes) -> bytes:
        with hash_counter() as hashes:
            root = output_root(world, rest, POSEIDON)
        self.env.meter.charge(hashes[1], "output root")
        return root

    def _holds(self, world: bytes, message: Message, siblings: list[bytes]) -> bool:
        with hash_counter() as hashes:
            found = holds(world, message.key, message.commitment, siblings, POSEIDON)
        self.env.meter.charge(hashes[1], "message proof")
        return found


def messenger_of(scheme: Commitment) -> type[Messenger]:
    """The messenger for a source whose worlds hash with ``scheme``."""
    return PoseidonMessenger if scheme is POSEIDON else Messenger
