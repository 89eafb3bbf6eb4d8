"""The L1 end of L2-to-L1 messages: prove, execute once, in order, replay if failed.

A message is recorded on L2 by the VM (a contract's ``CALL`` to
:data:`~prozchain.rollup.vm.state.MESSENGER`) under ``message_key(sender, nonce)`` in the world
tree, so it is committed wherever that world is: an optimistic output root, a sidechain
checkpoint. ``relay`` proves it against the world its source vouches for:

- route ``OPTIMISTIC`` (source: the output oracle): ``ref`` is a proposal; its output root must
  be ``keccak(world || rest)`` and the proposal must be finalized (past its window, never
  deleted);
- route ``SIDECHAIN`` (source: the sidechain bridge): ``ref`` is a checkpoint; its world must be
  ``acceptable`` under the bridge's security model.

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
['relay', 'replay', 'status', 'xsender']
"""

from __future__ import annotations

from prozchain.rollup.common.words import addr
from prozchain.rollup.l1 import Address, Bytes32, Contract, external
from prozchain.rollup.messages.message import Message
from prozchain.rollup.optimistic.contracts.outputs import FINALIZED as OUTPUT_FINAL
from prozchain.rollup.optimistic.contracts.outputs import PENDING as OUTPUT_PENDING
from prozchain.rollup.sidechain.contracts.modes import FINAL as CHECKPOINT_FINAL
from prozchain.rollup.sidechain.contracts.modes import PENDING as CHECKPOINT_PENDING
from prozchain.rollup.vm.merkle import NODE_HASH_GAS, holds
from prozchain.rollup.vm.state import MESSAGE_WORDS

OPTIMISTIC, SIDECHAIN = 1, 2
CHECK_FINALITY, CHECK_DELIVERY = 1, 2
ALL_CHECKS = CHECK_FINALITY | CHECK_DELIVERY
UNKNOWN, DELIVERED, FAILED = 0, 1, 2


class Messenger(Contract):
    def constructor(self, route: int, source: Address, checks: int) -> None:
        self.require(route in (OPTIMISTIC, SIDECHAIN), f"unknown route {route}")
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
        self.env.meter.charge(NODE_HASH_GAS * (len(siblings) + 1), "message proof")
        self.require(holds(world, message.key, message.commitment, siblings),
                     f"message {nonce} of {sender} is not in the world of claim {ref}")
        checks, h = self.load("checks"), message.hash
        status = self.load("status", h)
        self.require(not checks & CHECK_DELIVERY or status != DELIVERED, f"message {nonce} of {sender} was delivered")
        self.require(status != FAILED, f"message {nonce} of {sender} failed once: replay it")
        due = self.load("next_nonce", sender)
        self.require(nonce <= due, f"message {nonce} of {sender} comes before {due} is relayed (in order)")
        if checks & CHECK_DELIVERY:
            self.require(nonce == due, f"message {nonce} of {sender} was relayed")
        self.require(call_gas >= gas, f"the message asks for {gas} gas, the relay gives {call_gas}")
        if nonce == due:
            self.store("next_nonce", sender, value=due + 1)
        return self._execute(message, call_gas)

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
        message = Message(self.load("route"), addr(self.load("source")), sender, nonce, target, tuple(data), gas)
        self.keccak(message.encode())  # what computing the hash costs on L1
        return message

    def _check_world(self, ref: int, world: bytes, rest: bytes) -> None:
        source, final_only = addr(self.load("source")), self.load("checks") & CHECK_FINALITY
        if self.load("route") == OPTIMISTIC:
            proposal = self.call(source, "proposal", ref)
            live = (OUTPUT_FINAL,) if final_only else (OUTPUT_FINAL, OUTPUT_PENDING)
            self.require(proposal.status in live, f"output {ref} is not final")
            self.require(self.keccak(world + rest) == proposal.output,
                         f"world and context do not make output {ref}")
        else:
            checkpoint = self.call(source, "checkpoint", ref)
            self.require(checkpoint.status in (CHECKPOINT_FINAL, CHECKPOINT_PENDING) and checkpoint.world == world,
                         f"checkpoint {ref} is not live or has another world")
            self.require(not final_only or self.call(source, "acceptable", world),
                         f"checkpoint {ref} is not acceptable yet under the bridge's security model")

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
