"""The reference L1: blocks, time, a mempool, transaction processing with EIP-1559 and
EIP-4844 fees, receipts, and a value-conservation ledger.

Time advances only through :meth:`Chain.advance_time`; :meth:`Chain.mine` seals the pending
transactions (in arrival order, nonce by nonce) into one block with the current timestamp.
Base fees (execution and blob) are burnt and counted in ``burnt``, so
``sum(balances) + burnt == minted`` always holds.

>>> from prozchain.rollup.l1.crypto import Key
>>> alice, bob = Key.from_seed(b"alice"), Key.from_seed(b"bob")
>>> chain = Chain({alice.address: 10**18})
>>> chain.transact(alice, bob.address, value=5).gas_used
21000
>>> chain.state.balance(bob.address), chain.conserved()
(5, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from prozchain.native.backend import Backend
from prozchain.rollup.common.units import GWEI
from prozchain.rollup.l1 import abi
from prozchain.rollup.l1 import blobs as B
from prozchain.rollup.l1 import gas as G
from prozchain.rollup.l1.contract import Contract
from prozchain.rollup.l1.crypto import Address, Key, contract_address, keccak256, rlp_encode, to_address
from prozchain.rollup.l1.errors import ABIError, ChainUsageError, ExceptionalHalt, InvalidTransaction, Revert
from prozchain.rollup.l1.execution import Execution
from prozchain.rollup.l1.state import Log, State
from prozchain.rollup.l1.tx import Transaction

BLOCK_GAS_LIMIT = 30_000_000
ELASTICITY = 2
BASE_FEE_CHANGE_DENOMINATOR = 8
COINBASE = to_address(b"\xc0" + bytes(19))


@dataclass
class Receipt:
    """The outcome of an included transaction."""

    tx_hash: bytes
    block_number: int
    status: bool
    gas_used: int
    effective_gas_price: int
    logs: list[Log]
    return_value: Any = None
    error: Optional[str] = None
    contract_address: Optional[Address] = None
    blob_gas_used: int = 0
    blob_gas_price: int = 0

    @property
    def fee(self) -> int:
        """What the sender paid in total (execution and blob gas)."""
        return self.gas_used * self.effective_gas_price + self.blob_gas_used * self.blob_gas_price


class _BlockHashes(Sequence[bytes]):
    """The hashes of a chain's blocks, computed when BLOCKHASH asks (not per transaction)."""

    def __init__(self, blocks: list["Block"]) -> None:
        self.blocks = blocks

    def __len__(self) -> int:
        return len(self.blocks)

    def __getitem__(self, number):  # type: ignore[override]
        return self.blocks[number].hash


@dataclass
class Block:
    number: int
    timestamp: int
    base_fee_per_gas: int
    excess_blob_gas: int
    parent_hash: bytes
    gas_used: int = 0
    blob_gas_used: int = 0
    transactions: list[Transaction] = field(default_factory=list)
    receipts: list[Receipt] = field(default_factory=list)

    @property
    def hash(self) -> bytes:
        return keccak256(rlp_encode([self.parent_hash, self.number, self.timestamp,
                                     self.base_fee_per_gas, self.gas_used, self.excess_blob_gas,
                                     self.blob_gas_used, [tx.hash for tx in self.transactions]]))


def next_base_fee(parent: Block, gas_limit: int) -> int:
    """EIP-1559: the base fee moves by up to 1/8 toward keeping blocks half full."""
    target = gas_limit // ELASTICITY
    base = parent.base_fee_per_gas
    if parent.gas_used == target:
        return base
    delta = base * abs(parent.gas_used - target) // target // BASE_FEE_CHANGE_DENOMINATOR
    return base + max(delta, 1) if parent.gas_used > target else base - delta


class Chain:
    """A single-producer deterministic L1. ``backend`` serves the BN254 precompiles
    (default: :func:`prozchain.native.get_backend`, resolved on first use)."""

    def __init__(self, genesis: Mapping[str, int], chain_id: int = 1337, timestamp: int = 0,
                 base_fee: int = GWEI, gas_limit: int = BLOCK_GAS_LIMIT,
                 backend: Optional[Backend] = None) -> None:
        self.chain_id = chain_id
        self.gas_limit = gas_limit
        self.time = timestamp
        self.state = State({to_address(a): v for a, v in genesis.items()})
        self.minted = sum(genesis.values())
        self.burnt = 0
        self.blocks = [Block(0, timestamp, base_fee, 0, bytes(32))]
        self.mempool: list[Transaction] = []
        self.receipts: dict[bytes, Receipt] = {}
        self.dropped: dict[bytes, str] = {}
        self.blobs: dict[bytes, bytes] = {}
        self._backend = backend
        self._execution: Optional[Execution] = None

    # -- queries ----------------------------------------------------------------------------
    @property
    def head(self) -> Block:
        return self.blocks[-1]

    @property
    def backend(self) -> Backend:
        if self._backend is None:
            from prozchain.native import get_backend  # resolved late: only precompile users need it
            self._backend = get_backend()
        return self._backend

    def conserved(self) -> bool:
        """Whether every wei minted in the genesis is in a balance or was burnt."""
        return sum(self.state.balances.values()) + self.burnt == self.minted

    def contract(self, address: str) -> Contract:
        return self.state.code[to_address(address)]

    def logs(self, address: Optional[str] = None, name: Optional[str] = None,
             from_block: int = 0) -> list[tuple[int, Log]]:
        """Logs of included transactions as ``(block_number, log)``, optionally filtered."""
        return [(block.number, log)
                for block in self.blocks[from_block:] for receipt in block.receipts
                for log in receipt.logs
                if (address is None or log.address == to_address(address))
                and (name is None or log.name == name)]

    def pending_nonce(self, address: str) -> int:
        queued = [tx.nonce + 1 for tx in self.mempool if tx.sender == address]
        return max([self.state.nonce(address)] + queued)

    def blob_base_fee(self) -> int:
        return B.blob_base_fee(self._next_excess_blob_gas())

    def next_base_fee(self) -> int:
        return next_base_fee(self.head, self.gas_limit) if self.head.number else self.head.base_fee_per_gas

    def _next_excess_blob_gas(self) -> int:
        return B.next_excess_blob_gas(self.head.excess_blob_gas, self.head.blob_gas_used)

    # -- building and sending ---------------------------------------------------------------
    def calldata(self, to: str, method: str, args: tuple) -> bytes:
        """Selector and ABI arguments for calling ``method`` of the contract at ``to``."""
        spec = self.contract(to).methods[method]
        return spec.selector + abi.encode(spec.types, args)

    def build(self, key: Key, to: Optional[str], method: Optional[str] = None, *args: Any,
              **fields: Any) -> Transaction:
        """A signed transaction from ``key`` with the next free nonce; ``fields`` override
        :class:`Transaction` defaults (value, gas_limit, fees, blobs, data)."""
        if method is not None:
            fields["data"] = self.calldata(to, method, args)
        if fields.get("blobs") and "max_fee_per_blob_gas" not in fields:
            fields["max_fee_per_blob_gas"] = 2 * self.blob_base_fee()
        tx = Transaction(chain_id=self.chain_id, nonce=self.pending_nonce(key.address),
                         to=to_address(to) if to is not None else None, **fields)
        return tx.sign(key)

    def submit(self, tx: Transaction) -> bytes:
        """Queue a signed transaction; checks what does not depend on the state."""
        if tx.chain_id != self.chain_id:
            raise InvalidTransaction(f"chain id {tx.chain_id}, this chain is {self.chain_id}")
        tx.sender  # recovers, or raises InvalidTransaction
        if tx.gas_limit < G.intrinsic_gas(tx.data, tx.to is None):
            raise InvalidTransaction(f"gas limit {tx.gas_limit} below intrinsic "
                                     f"{G.intrinsic_gas(tx.data, tx.to is None)}")
        if tx.blobs and (tx.to is None or tx.blob_gas > B.MAX_BLOB_GAS_PER_BLOCK
                         or any(len(b) > B.BYTES_PER_BLOB for b in tx.blobs)):
            raise InvalidTransaction("a blob transaction needs a recipient and at most 6 blobs "
                                     f"of at most {B.BYTES_PER_BLOB} bytes")
        if tx.gas_limit > self.gas_limit:
            raise InvalidTransaction(f"gas limit {tx.gas_limit} above the block gas limit {self.gas_limit}")
        if tx.max_priority_fee_per_gas > tx.max_fee_per_gas:
            raise InvalidTransaction("priority fee above max fee")
        self.mempool.append(tx)
        return tx.hash

    def transact(self, key: Key, to: Optional[str], method: Optional[str] = None, *args: Any,
                 **fields: Any) -> Receipt:
        """Build, sign, submit and mine one transaction; return its receipt."""
        tx_hash = self.submit(self.build(key, to, method, *args, **fields))
        self.mine()
        if tx_hash not in self.receipts:
            raise InvalidTransaction(self.dropped.get(tx_hash, "transaction was not included"))
        return self.receipts[tx_hash]

    def deploy(self, key: Key, cls: type[Contract], *args: Any, **fields: Any) -> tuple[Address, Receipt]:
        """Create a ``cls`` contract; its constructor gets ``args``. Returns (address, receipt)."""
        data = cls.code_id + abi.encode(cls.constructor_types, args)
        fields.setdefault("gas_limit", 500_000)
        receipt = self.transact(key, None, data=data, **fields)
        if not receipt.status:
            raise Revert(f"deployment of {cls.__name__} failed: {receipt.error}")
        return receipt.contract_address, receipt

    def view(self, to: str, method: str, *args: Any) -> Any:
        """Call a method without a transaction; every change is thrown away."""
        execution = self._new_execution(G.GasMeter(BLOCK_GAS_LIMIT), to_address(b"\x00" * 20), ())
        mark = self.state.snapshot()
        try:
            return execution.enter(execution.origin, to_address(to), 0, method, args)
        finally:
            self.state.revert(mark)
            self._execution = None

    # -- time and blocks --------------------------------------------------------------------
    def advance_time(self, seconds: int) -> None:
        if seconds < 0:
            raise ChainUsageError("time does not go backwards")
        self.time += seconds

    def mine(self) -> Block:
        """Seal the pending transactions that are valid now into a new block."""
        parent = self.head
        block = Block(parent.number + 1, self.time, self.next_base_fee(),
                      self._next_excess_blob_gas(), parent.hash)
        blob_fee = B.blob_base_fee(block.excess_blob_gas)
        # Arrival order; a transaction whose nonce is not due yet waits for another pass.
        pending, progress = self.mempool, True
        while progress:
            progress, waiting = False, []
            for tx in pending:
                outcome = self._try_include(block, blob_fee, tx)
                if outcome == "wait":
                    waiting.append(tx)
                progress |= outcome == "included"
            pending = waiting
        self.mempool = pending
        self.blocks.append(block)
        return block

    def _try_include(self, block: Block, blob_fee: int, tx: Transaction) -> str:
        nonce = self.state.nonce(tx.sender)
        if tx.nonce > nonce or block.gas_used + tx.gas_limit > self.gas_limit or \
                block.blob_gas_used + tx.blob_gas > B.MAX_BLOB_GAS_PER_BLOCK:
            return "wait"
        try:
            if tx.nonce < nonce:
                raise InvalidTransaction(f"nonce {tx.nonce} already used (account is at {nonce})")
            receipt = self._apply(block, blob_fee, tx)
        except InvalidTransaction as exc:
            self.dropped[tx.hash] = str(exc)
            return "dropped"
        block.transactions.append(tx)
        block.receipts.append(receipt)
        block.gas_used += receipt.gas_used
        block.blob_gas_used += tx.blob_gas
        self.receipts[tx.hash] = receipt
        for blob in tx.blobs:
            self.blobs[B.versioned_hash(blob)] = blob
        return "included"

    # -- processing -------------------------------------------------------------------------
    def _new_execution(self, meter: G.GasMeter, origin: Address, blob_hashes) -> Execution:
        self.state.begin_transaction()
        self._execution = Execution(self.state, meter, lambda: self.backend, self.head.number + 1,
                                    self.time, origin, blob_hashes, _BlockHashes(self.blocks))
        return self._execution

    def _current_execution(self) -> Execution:
        if self._execution is None:
            raise ChainUsageError("contract code ran outside a transaction")
        return self._execution

    def _apply(self, block: Block, blob_fee: int, tx: Transaction) -> Receipt:
        sender, state = tx.sender, self.state
        if tx.max_fee_per_gas < block.base_fee_per_gas:
            raise InvalidTransaction(f"max fee {tx.max_fee_per_gas} below base fee {block.base_fee_per_gas}")
        if tx.blobs and tx.max_fee_per_blob_gas < blob_fee:
            raise InvalidTransaction(f"max blob fee {tx.max_fee_per_blob_gas} below {blob_fee}")
        worst_case = tx.gas_limit * tx.max_fee_per_gas + tx.value + tx.blob_gas * tx.max_fee_per_blob_gas
        if state.balance(sender) < worst_case:
            raise InvalidTransaction(f"{sender} has {state.balance(sender)}, needs up to {worst_case}")
        price = min(tx.max_fee_per_gas, block.base_fee_per_gas + tx.max_priority_fee_per_gas)
        meter = G.GasMeter(tx.gas_limit)
        execution = self._new_execution(meter, sender, tx.blob_versioned_hashes)
        state.touch_account(COINBASE)  # EIP-3651: the coinbase starts warm
        try:
            # Fees bought up front and the nonce bump survive a failed execution.
            state.add_balance(sender, -(tx.gas_limit * price + tx.blob_gas * blob_fee))
            created = contract_address(sender, state.nonce(sender)) if tx.to is None else None
            state.increment_nonce(sender)
            receipt = Receipt(tx.hash, block.number, True, 0, price, [], contract_address=created,
                              blob_gas_used=tx.blob_gas, blob_gas_price=blob_fee if tx.blobs else 0)
            mark = state.snapshot()
            try:
                meter.charge(G.intrinsic_gas(tx.data, created is not None), "intrinsic gas")
                if created is not None:
                    self._create(execution, sender, created, tx)
                else:
                    state.touch_account(tx.to)
                    receipt.return_value = execution.enter_with_calldata(sender, tx.to, tx.value, tx.data)
                gas_used = meter.final_gas_used(state.refund)
                receipt.logs = list(state.logs)
            except (Revert, ExceptionalHalt) as exc:
                state.revert(mark)
                gas_used = meter.used if isinstance(exc, Revert) else tx.gas_limit
                receipt.status, receipt.error, receipt.contract_address = False, f"{type(exc).__name__}: {exc}", None
            receipt.gas_used = gas_used
            state.add_balance(sender, (tx.gas_limit - gas_used) * price)
            state.add_balance(COINBASE, gas_used * (price - block.base_fee_per_gas))
            self.burnt += gas_used * block.base_fee_per_gas + tx.blob_gas * blob_fee
            return receipt
        finally:
            self._execution = None

    def _create(self, execution: Execution, sender: Address, address: Address, tx: Transaction) -> None:
        cls = Contract.registry.get(tx.data[:4])
        if cls is None:
            raise Revert(f"no contract class with code id {tx.data[:4].hex()}")
        try:
            args = abi.decode(cls.constructor_types, tx.data[4:])
        except ABIError as exc:
            raise Revert(f"bad constructor arguments for {cls.__name__}: {exc}") from exc
        execution.create(sender, address, cls(self._current_execution, address), tx.value, args)
