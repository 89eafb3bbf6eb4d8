"""Watchtowers: encrypted justice data per revoked state, opened only when that state hits L1.

When a client holds co-signed version n, version n-2 is revoked (see :mod:`..contracts.adjudicator`). It
hands its tower ``(hint, blob)`` for that revoked state: ``hint`` is the first 16 bytes of
``keccak("hint" || d)`` and ``blob`` is the challenge (state n and both signatures) sealed with
AES-256-GCM under ``keccak("key" || d)``, where ``d`` is the revoked state's digest. The tower
sees neither states, balances nor channel ids: it only learns ``d`` when a ``ForceClosed`` event
publishes it, and then it can find and open exactly that blob and submit the challenge.

>>> from prozchain.rollup.l1 import keccak256
>>> digest = keccak256(b"revoked state")
>>> hint, blob = seal(digest, b"challenge calldata")
>>> open_blob(digest, blob), len(hint)
(b'challenge calldata', 16)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from Crypto.Cipher import AES

from prozchain.rollup.l1 import Key, keccak256
from prozchain.rollup.sim.agent import Agent
from prozchain.rollup.channels.errors import ChannelError
from prozchain.rollup.channels.contracts.onchain import submit
from prozchain.rollup.channels.state import SIGNATURE_BYTES, State

if TYPE_CHECKING:
    from prozchain.rollup.channels.agents.client import ChannelClient
    from prozchain.rollup.sim.world import Simulation

NONCE = bytes(12)  # every key seals exactly one blob


def hint_of(digest: bytes) -> bytes:
    return keccak256(b"hint" + digest)[:16]


def seal(digest: bytes, payload: bytes) -> tuple[bytes, bytes]:
    """``(hint, ciphertext || tag)`` of ``payload`` for the revoked state with ``digest``."""
    cipher = AES.new(keccak256(b"key" + digest), AES.MODE_GCM, nonce=NONCE)
    body, tag = cipher.encrypt_and_digest(payload)
    return hint_of(digest), body + tag


def open_blob(digest: bytes, blob: bytes) -> bytes:
    """Decrypt a blob with the digest that L1 revealed; :class:`ChannelError` if it does not fit."""
    cipher = AES.new(keccak256(b"key" + digest), AES.MODE_GCM, nonce=NONCE)
    try:
        return cipher.decrypt_and_verify(blob[:-16], blob[-16:])
    except ValueError as exc:
        raise ChannelError(f"justice blob does not open with digest {digest.hex()[:16]}…: {exc}") from exc


def justice_feed(client: "ChannelClient", send: Callable[[dict], None]) -> None:
    """After every co-signed state n, ``send`` the tower (a message over the network) the blob
    that punishes version n-2."""
    recent: list[bytes] = []

    def on_cosigned(state: State, sigs: bytes) -> None:
        recent.append(state.digest)
        if len(recent) > 2:
            hint, blob = seal(recent.pop(0), state.encode() + sigs)
            send({"kind": "justice", "hint": hint.hex(), "blob": blob.hex()})
    client.listeners.append(on_cosigned)


class Watchtower(Agent):
    """Keeps blobs in its store; every ``poll_ms`` reads new ``ForceClosed`` events and
    challenges the ones it holds a blob for."""

    def __init__(self, name: str, sim: "Simulation", key: Key, adjudicator: str, poll_ms: int) -> None:
        super().__init__(name, sim)
        self.key, self.adjudicator, self.poll_ms = key, adjudicator, poll_ms
        self.punished: list[int] = []

    def on_start(self) -> None:
        self.timer(self.poll_ms, "scan L1", self.scan)

    def on_message(self, src: str, message: dict) -> None:
        """Store one justice blob a client sent (a tower that is down misses it)."""
        if message.get("kind") == "justice":
            self.store.put("blob/" + message["hint"], message["blob"])

    def scan(self) -> None:
        self.timer(self.poll_ms, "scan L1", self.scan)
        chain = self.sim.chain
        cursor = self.store.get("cursor", 0)
        for _, log in chain.logs(self.adjudicator, "ForceClosed", from_block=cursor):
            cid, _, digest, _ = log.args
            blob = self.store.get("blob/" + hint_of(digest).hex())
            if blob is not None:
                self._punish(cid, digest, bytes.fromhex(blob))
        self.store.put("cursor", len(chain.blocks))

    def _punish(self, cid: int, digest: bytes, blob: bytes) -> None:
        payload = open_blob(digest, blob)
        state, sigs = payload[:-2 * SIGNATURE_BYTES], payload[-2 * SIGNATURE_BYTES:]
        submit(self.sim.chain, self.key, self.adjudicator, "challenge", cid, state, sigs, mine=False)
        self.punished.append(cid)
        self.log(f"breach on channel {cid}: revoked state {digest.hex()[:12]}… published, challenge sent")
