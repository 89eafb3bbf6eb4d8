"""Cross-layer atomic swaps: an L1 token against value on a sidechain, hash- and time-locked
on both layers with one secret.

The initiator (who chose the secret) locks on L1 first with the later deadline
(:class:`~prozchain.rollup.crosslayer.contracts.HashLock`, L1 seconds); the counterparty then
locks on the sidechain with :data:`HTLC_CODE` (a VM contract in the sidechain's genesis, its
timeout a block height: the VM sees heights, not clocks). The initiator claims on the
sidechain, which reveals the secret there; the counterparty reads it and claims on L1. The
party who reveals last is the counterparty, so its own lock must expire first, early enough
that it can still claim on L1 after the secret shows: :meth:`SwapTerms.check` refuses other
terms. Then either both legs complete or both refund, whoever vanishes.

The height timeout turns into L1 time through the slowest block pace the counterparty plans
for (``block_s_max``); a sidechain that stalls longer delays its refund (liveness is part of
the sidechain's security assumption).

**HTLC** (slot 0: count; maps 1..6 by id from 0: locker, recipient, lock, timeout, amount,
preimage): ``1 lock(lock, recipient, timeout)`` with value returns the id; ``2 claim(id,
preimage)`` pays the recipient while the height is below the timeout if ``HASH(preimage, 0)``
is the lock, and records the preimage; ``3 refund(id)`` (anyone) pays the locker from the
timeout on. Each lock pays out once.

>>> from prozchain.rollup.l1.crypto import keccak256
>>> secret = 12345
>>> hashlock(secret) == int.from_bytes(keccak256(secret.to_bytes(32, "big") + bytes(32)), "big")
True
>>> SwapTerms(l1_now=0, l1_deadline=600, height_now=10, timeout=200, block_s_max=2, margin_s=120).check()
>>> SwapTerms(l1_now=0, l1_deadline=600, height_now=10, timeout=900, block_s_max=2, margin_s=120).check()
Traceback (most recent call last):
...
prozchain.rollup.crosslayer.errors.CrossLayerError: the sidechain lock may outlive the L1 lock: it ends by L1 time 1780, and its claim needs until 1900, after the L1 deadline 600
"""

from __future__ import annotations

from dataclasses import dataclass

from prozchain.rollup.crosslayer.errors import CrossLayerError
from prozchain.rollup.l1.crypto import to_address
from prozchain.rollup.vm import assemble
from prozchain.rollup.vm.examples import NEW_ID, pay_once
from prozchain.rollup.vm.state import mapping_slot

LOCK, CLAIM, REFUND = 1, 2, 3
LOCKER, RECIPIENT, HASHLOCK, TIMEOUT, AMOUNT, PREIMAGE = 1, 2, 3, 4, 5, 6
HTLC_AT = to_address(0x4200000000000000000000000000000000000B7C)

HTLC_SOURCE = f"""
    SET r7, {LOCK}
    EQ r6, r0, r7
    JUMPI r6, lock
    SET r7, {CLAIM}
    EQ r6, r0, r7
    JUMPI r6, claim
    SET r7, {REFUND}
    EQ r6, r0, r7
    JUMPI r6, refund
    REVERT
lock:                     # r1 = lock, r2 = recipient, r3 = timeout height; the value is the amount
    ENV r5, 1
    ISZERO r6, r5
    JUMPI r6, fail
    ENV r6, 4
    LT r6, r6, r3
    ISZERO r6, r6
    JUMPI r6, fail        # a timeout already reached
    MOV r0, r3            # keep the timeout: the id comes in r3
{NEW_ID}    ENV r4, 0
    HASH r7, r3, r6       # locker[id]
    SSTORE r7, r4
    SET r6, {RECIPIENT}
    HASH r7, r3, r6
    SSTORE r7, r2
    SET r6, {HASHLOCK}
    HASH r7, r3, r6
    SSTORE r7, r1
    SET r6, {TIMEOUT}
    HASH r7, r3, r6
    SSTORE r7, r0
    SET r6, {AMOUNT}
    HASH r7, r3, r6
    SSTORE r7, r5
    RET r3
claim:                    # r1 = id, r2 = preimage; strictly before the timeout
    SET r6, {TIMEOUT}
    HASH r7, r1, r6
    SLOAD r3, r7
    ENV r4, 4
    LT r5, r4, r3
    ISZERO r5, r5
    JUMPI r5, fail
    SET r6, 0
    HASH r4, r2, r6       # HASH(preimage, 0)
    SET r6, {HASHLOCK}
    HASH r7, r1, r6
    SLOAD r3, r7
    EQ r5, r4, r3
    ISZERO r5, r5
    JUMPI r5, fail
    SET r6, {PREIMAGE}
    HASH r7, r1, r6
    SSTORE r7, r2
    SET r6, {RECIPIENT}
    JUMP pay
refund:                   # r1 = id; anyone, from the timeout on
    SET r6, {TIMEOUT}
    HASH r7, r1, r6
    SLOAD r3, r7
    ENV r4, 4
    LT r5, r4, r3
    JUMPI r5, fail
    SET r6, {LOCKER}
{pay_once(AMOUNT)}"""
HTLC_CODE = assemble(HTLC_SOURCE)


def hashlock(preimage: int) -> int:
    """The lock of ``preimage`` on both layers: ``keccak(preimage || 0)``."""
    return mapping_slot(preimage, 0)


def htlc_slot(lid: int, field: int) -> int:
    """The HTLC's storage slot of ``field`` (LOCKER ... PREIMAGE) of lock ``lid``."""
    return mapping_slot(lid, field)


@dataclass(frozen=True)
class SwapTerms:
    """What the counterparty checks before it locks: its sidechain lock (``timeout``, a
    height) must end, at the slowest block pace it plans for, ``margin_s`` before the
    initiator's L1 ``l1_deadline``: the time to see the secret and get its L1 claim in."""

    l1_now: int
    l1_deadline: int
    height_now: int
    timeout: int
    block_s_max: float
    margin_s: int

    @property
    def l2_ends_by(self) -> int:
        """The L1 time by which the sidechain lock has expired at the slowest planned pace."""
        return self.l1_now + int((self.timeout - self.height_now) * self.block_s_max)

    def check(self) -> None:
        """:class:`CrossLayerError` unless the counterparty's lock ends first, by the margin."""
        if self.l2_ends_by + self.margin_s > self.l1_deadline:
            raise CrossLayerError(f"the sidechain lock may outlive the L1 lock: it ends by L1 time {self.l2_ends_by}, "
                                  f"and its claim needs until {self.l2_ends_by + self.margin_s}, after the L1 "
                                  f"deadline {self.l1_deadline}")
