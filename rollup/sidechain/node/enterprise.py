"""The enterprise sidechain's node: transactions sealed to the members, and an allow-list every
validator applies in its mempool and to every block it checks.

A member seals a signed VM transaction to the epoch's roster (every address the L1
:class:`~prozchain.rollup.sidechain.contracts.permissions.Permissions` contract allows, with
its published encryption key): a fresh content key encrypts the transaction with
ChaCha20-Poly1305, and the content key is wrapped to each member by ECDH on secp256k1 with a
fresh ephemeral key (pycryptodome and coincurve, both already dependencies). Blocks carry
these envelopes; a member opens them to execute, so headers, world roots and checkpoints stay
what they are, and nobody without a member's key reads a payload.

:class:`Policy` is what a member's :class:`~prozchain.rollup.sidechain.node.chain.ChainState`
applies: open each envelope (a plaintext transaction is refused unless it is the minter's, whose
mints come from L1 in the open) and refuse a block whose sender is not allowed in the block's
epoch. :class:`EnterpriseValidator` is a validator with that policy and a mempool that keeps the
envelopes.

>>> import random
>>> from prozchain.rollup.l1 import Key
>>> alice, bob, eve = (Key.from_seed(s) for s in (b"alice", b"bob", b"eve"))
>>> box = seal(b"pay bob 5", [enc_public(alice), enc_public(bob)], random.Random(1))
>>> open_envelope(box, bob), open_envelope(box, eve)
(b'pay bob 5', None)
"""

from __future__ import annotations

import random
from typing import Callable, Optional, Sequence

import coincurve
from Crypto.Cipher import ChaCha20_Poly1305

from prozchain.rollup.l1 import Key
from prozchain.rollup.l1.errors import InvalidTransaction
from prozchain.rollup.sidechain.errors import InvalidBlock, InvalidMessage
from prozchain.rollup.sidechain.node.assets import MINTER
from prozchain.rollup.sidechain.node.chain import ChainState, Mempool
from prozchain.rollup.sidechain.node.consensus import Validator
from prozchain.rollup.vm import L2Tx
from prozchain.rollup.vm.errors import DecodeError
from prozchain.rollup.vm.merkle import keccak

MAGIC = b"\xe5PZ1"
_WRAPPED = 32 + 16  # a content key and its tag
_ZERO_NONCE = bytes(12)  # each wrapping key is used once: it depends on the envelope's fresh ephemeral key


def enc_secret(key: Key) -> bytes:
    """The encryption key a member derives from its L1 key (kept apart from its signing use)."""
    return keccak(b"prozchain-sidechain-enc" + key.secret)


def enc_public(key: Key) -> bytes:
    """The 33-byte compressed public key a member publishes through governance."""
    return coincurve.PrivateKey(enc_secret(key)).public_key.format()


def _wrapping_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return keccak(b"prozchain-envelope" + shared + ephemeral + recipient)


def seal(payload: bytes, recipients: Sequence[bytes], rng: random.Random) -> bytes:
    """``payload`` encrypted to each of ``recipients`` (compressed public keys); ``rng`` draws
    the ephemeral key, content key and nonce (seeded in simulations, so runs replay)."""
    if not 0 < len(recipients) < 256:
        raise InvalidMessage(f"an envelope names 1 to 255 recipients, not {len(recipients)}")
    ephemeral = coincurve.PrivateKey(rng.randbytes(32))
    eph_pub, content_key, nonce = ephemeral.public_key.format(), rng.randbytes(32), rng.randbytes(12)
    wrapped = b""
    for pub in recipients:
        kek = _wrapping_key(ephemeral.ecdh(pub), eph_pub, pub)
        wrapped += b"".join(ChaCha20_Poly1305.new(key=kek, nonce=_ZERO_NONCE).encrypt_and_digest(content_key))
    body, tag = ChaCha20_Poly1305.new(key=content_key, nonce=nonce).encrypt_and_digest(payload)
    return MAGIC + eph_pub + bytes([len(recipients)]) + wrapped + nonce + body + tag


def is_sealed(raw: bytes) -> bool:
    return raw.startswith(MAGIC)


def open_envelope(raw: bytes, key: Key) -> Optional[bytes]:
    """The payload of envelope ``raw`` if ``key`` is among its recipients, else None."""
    head = len(MAGIC) + 33 + 1
    if not is_sealed(raw) or len(raw) < head:
        return None
    eph_pub, count = raw[len(MAGIC):head - 1], raw[head - 1]
    nonce_at = head + count * _WRAPPED
    if len(raw) < nonce_at + 12 + 16:
        return None
    mine = coincurve.PrivateKey(enc_secret(key))
    try:
        kek = _wrapping_key(mine.ecdh(eph_pub), eph_pub, mine.public_key.format())
    except ValueError:
        return None
    for i in range(count):
        slot = raw[head + i * _WRAPPED:head + (i + 1) * _WRAPPED]
        try:
            content_key = ChaCha20_Poly1305.new(key=kek, nonce=_ZERO_NONCE).decrypt_and_verify(slot[:32], slot[32:])
            nonce, body = raw[nonce_at:nonce_at + 12], raw[nonce_at + 12:]
            return ChaCha20_Poly1305.new(key=content_key, nonce=nonce).decrypt_and_verify(body[:-16], body[-16:])
        except ValueError:
            continue
    return None


class Policy:
    """A member's view of the enterprise chain: opens envelopes with ``key`` and asks
    ``allowed(sender, epoch)`` (the L1 transaction allow-list) of every sender. ``private``
    False accepts plaintext transactions; ``allowed`` None admits anyone (the scenarios'
    ``defense=off``)."""

    def __init__(self, key: Key, allowed: Optional[Callable[[str, int], bool]], private: bool = True) -> None:
        self.key, self.allowed, self.private = key, allowed, private

    def open(self, raw: bytes, epoch: int) -> tuple[bytes, L2Tx]:
        """The plaintext of ``raw`` and its transaction, checked against the allow-list of ``epoch``;
        :class:`InvalidMessage` if it cannot be read or its sender is not allowed."""
        plain = open_envelope(raw, self.key) if is_sealed(raw) else raw
        if plain is None:
            raise InvalidMessage("an envelope this member cannot open")
        try:
            tx = L2Tx.decode(plain)
            sender = tx.sender
        except (DecodeError, InvalidTransaction) as exc:
            raise InvalidMessage(f"not a transaction: {exc}") from exc
        if sender == MINTER:  # mints repeat L1 deposits, public there already, and stay open to the mint check
            if is_sealed(raw):
                raise InvalidMessage("a sealed transaction of the minter")
            return plain, tx
        if self.private and not is_sealed(raw):
            raise InvalidMessage(f"a plaintext transaction of {sender} on a private chain")
        if self.allowed is not None and not self.allowed(sender, epoch):
            raise InvalidMessage(f"{sender} is not on the transaction allow-list of epoch {epoch}")
        return plain, tx

    def opener(self, raw: bytes, epoch: int) -> bytes:
        """:meth:`open` for :class:`ChainState`: the plaintext, or :class:`InvalidBlock`."""
        try:
            return self.open(raw, epoch)[0]
        except InvalidMessage as exc:
            raise InvalidBlock(str(exc)) from exc


class SealedMempool(Mempool):
    """A mempool that admits only what :class:`Policy` opens (at the latest epoch) and hands
    out the envelopes, so blocks carry ciphertexts."""

    def __init__(self, policy: Policy, epoch: Callable[[], int], reserved: Sequence[str] = ()) -> None:
        super().__init__(reserved)
        self.policy, self.epoch = policy, epoch
        self.sealed: dict[bytes, bytes] = {}

    def add(self, raw: bytes) -> bool:
        plain, tx = self.policy.open(raw, self.epoch())
        if super().add(plain):
            self.sealed[tx.hash] = raw
            return True
        return False

    def select(self, nonce_of: Callable[[str], int], limit: int) -> list[bytes]:
        return [self.sealed.get(keccak(plain), plain) for plain in super().select(nonce_of, limit)]


class EnterpriseValidator(Validator):
    """A validator of the enterprise chain: :class:`Policy` on its chain and mempool.
    ``policy_of(key)`` makes the policy for its key."""

    def __init__(self, *args, policy_of: Callable[[Key], Policy], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy_of(self.key)

    def _ledger(self) -> tuple[ChainState, Mempool]:
        return (ChainState(self.genesis, self.store, self.config.max_txs, opener=self.policy.opener),
                SealedMempool(self.policy, self.l1.latest_epoch, reserved=(MINTER,)))
