"""Bridged L1 tokens on the sidechain: one canonical asset id per L1 token, balances in one
VM contract, mints that only L1 deposits authorise, and burns that L1 can prove.

- :func:`asset_id` of an L1 token address is ``keccak(tag || chain id || token)``: one id per
  token, never zero (native ether is not an asset of this contract: it stays VM value).
- :data:`ASSETS` is a VM contract in every genesis (:data:`ASSETS_CODE`): ``1 mint(asset, to,
  amount)`` (the minter only), ``2 transfer(asset, to, amount)``, ``3 burn(asset, amount)``.
  Balances live at ``HASH(HASH(asset, owner), 0)``; burn ``n`` stores
  :func:`burn_commitment` at ``HASH(n, 1)`` (:func:`burn_slot`), slot 2 counts them.
- A mint is a *system transaction*: signed by :data:`MINTER`, whose key is public (anyone
  can sign with it, so the signature authorises nothing), with nonce ``n`` minting exactly
  L1 token deposit ``n`` (:func:`mint_tx`). What authorises it is L1's record of that
  deposit (:func:`deposit_record`), which every validator checks against the fields of the
  mint (:func:`mint_fields`); mempools refuse the minter's transactions.
- A withdrawal of a token is proven on L1 against burn record ``n`` in a checkpoint's world:
  the commitment holds the asset id, so a burn of X can release nothing but X.

>>> from prozchain.rollup.sidechain.node.chain import ChainState, Genesis
>>> from prozchain.rollup.l1 import Key
>>> alice, token = Key.from_seed(b"alice"), "0x" + "ab" * 20
>>> state = ChainState(Genesis(code={ASSETS_AT: ASSETS_CODE}))
>>> state.commit(state.build(alice.address, 1, [mint_tx(0, asset_id(token), alice.address, 50)]))
>>> state.commit(state.build(alice.address, 2, [L2Tx(0, ASSETS_AT, 0, (BURN, asset_id(token), 20)).sign(alice).encode()]))
>>> balance(state, token, alice.address), state.ex.storage(state.world, ASSETS_AT, burn_slot(0)) == burn_commitment(token, alice.address, 20)
(30, True)
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

from prozchain.rollup.l1.crypto import Key, address_bytes, to_address
from prozchain.rollup.l1.errors import InvalidTransaction
from prozchain.rollup.sidechain.node.chain import SIDECHAIN_ID
from prozchain.rollup.vm import L2Tx, assemble
from prozchain.rollup.vm.codec import rlp_encode
from prozchain.rollup.vm.errors import DecodeError
from prozchain.rollup.vm.merkle import keccak
from prozchain.rollup.vm.state import addr_int, mapping_slot, slot_key

ASSETS = 0x4200000000000000000000000000000000000A55
ASSETS_AT = to_address(ASSETS)
MINTER_KEY = Key.from_seed(b"prozchain-sidechain-minter (public)")
MINTER = MINTER_KEY.address
MINT, TRANSFER, BURN = 1, 2, 3
ASSET_TAG = b"prozchain-sidechain-asset"

ASSETS_SOURCE = f"""
    SET r7, {MINT}
    EQ r6, r0, r7
    JUMPI r6, mint
    SET r7, {TRANSFER}
    EQ r6, r0, r7
    JUMPI r6, transfer
    SET r7, {BURN}
    EQ r6, r0, r7
    JUMPI r6, burn
    REVERT
mint:                     # r1 = asset, r2 = to, r3 = amount; the minter only
    ENV r4, 0
    SET r7, {int(MINTER, 16)}
    EQ r6, r4, r7
    ISZERO r6, r6
    JUMPI r6, fail
    JUMP credit
transfer:                 # r1 = asset, r2 = to, r3 = amount
    ENV r4, 0
    HASH r5, r1, r4
    SET r7, 0
    HASH r5, r5, r7       # balances[asset, caller]
    SLOAD r6, r5
    LT r7, r6, r3
    JUMPI r7, fail
    SUB r6, r6, r3
    SSTORE r5, r6
credit:                   # balances[asset, r2] += r3
    HASH r5, r1, r2
    SET r7, 0
    HASH r5, r5, r7
    SLOAD r6, r5
    ADD r6, r6, r3
    SSTORE r5, r6
    RET r3
burn:                     # r1 = asset, r2 = amount; burns[n] = HASH(HASH(asset, caller), amount)
    ENV r4, 0
    HASH r5, r1, r4
    SET r7, 0
    HASH r0, r5, r7       # balances[asset, caller]
    SLOAD r6, r0
    LT r7, r6, r2
    JUMPI r7, fail
    SUB r6, r6, r2
    SSTORE r0, r6
    HASH r5, r5, r2       # the commitment
    SET r7, 2
    SLOAD r6, r7          # n = count
    SET r3, 1
    ADD r4, r6, r3
    SSTORE r7, r4
    HASH r4, r6, r3       # burns[n]
    SSTORE r4, r5
    RET r6
fail:
    REVERT
"""
ASSETS_CODE = assemble(ASSETS_SOURCE)
BURN_COUNT_SLOT = 2


def asset_id(token: str) -> int:
    """The canonical sidechain asset id of the L1 token at ``token``."""
    return int.from_bytes(keccak(ASSET_TAG + SIDECHAIN_ID.to_bytes(32, "big") + address_bytes(to_address(token))),
                          "big")


def _hash(a: int, b: int) -> int:
    return mapping_slot(a, b)  # the VM's HASH


def balance_slot(token: str, owner: str) -> int:
    return _hash(_hash(asset_id(token), addr_int(owner)), 0)


def burn_slot(index: int) -> int:
    return _hash(index, 1)


def burn_key(index: int) -> bytes:
    """The world key of burn record ``index`` (what L1 opens to release a token)."""
    return slot_key(ASSETS, burn_slot(index))


def burn_commitment(token: str, recipient: str, amount: int) -> int:
    return _hash(_hash(asset_id(token), addr_int(recipient)), amount)


def balance(state, token: str, owner: str) -> int:
    """``owner``'s balance of ``token`` in ``state`` (a :class:`~prozchain.rollup.sidechain.node.chain.ChainState`)."""
    return state.ex.storage(state.world, ASSETS_AT, balance_slot(token, owner))


def deposit_record(index: int, asset: int, recipient: str, amount: int) -> bytes:
    """What the L1 bridge stores for token deposit ``index`` of ``asset`` (a hash)."""
    return keccak(rlp_encode([index, asset, address_bytes(to_address(recipient)), amount]))


def mint_tx(index: int, asset: int, recipient: str, amount: int) -> bytes:
    """The system transaction that mints token deposit ``index``."""
    return L2Tx(index, ASSETS_AT, 0, (MINT, asset, addr_int(recipient), amount)).sign(MINTER_KEY).encode()


def mint_fields(tx: L2Tx) -> Optional[tuple[int, int, str, int]]:
    """``(index, asset, recipient, amount)`` if ``tx`` is a well-formed mint, else None."""
    if len(tx.args) != 4 or tx.args[0] != MINT or tx.args[2] >= 2**160:
        return None
    index, (_, asset, recipient, amount) = tx.nonce, tx.args
    expected = L2Tx(index, ASSETS_AT, 0, (MINT, asset, recipient, amount))
    return (index, asset, to_address(recipient), amount) if tx == expected and tx.sender == MINTER else None


def forged_mint(txs: Sequence[bytes], recorded: Callable[[int, int, str, int], bool]) -> Optional[int]:
    """The position in ``txs`` of the first transaction of the minter that is not the mint of
    the L1 token deposit its nonce names (``recorded(index, asset, recipient, amount)``: L1
    holds that deposit), or None; transactions that do not decode are skipped, as the VM does."""
    for position, raw in enumerate(txs):
        try:
            tx = L2Tx.decode(raw)
            if tx.sender != MINTER:
                continue
        except (DecodeError, InvalidTransaction):
            continue
        fields = mint_fields(tx)
        if fields is None or not recorded(*fields):
            return position
    return None
