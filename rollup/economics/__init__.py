"""The economics room: what L2 transactions pay and where it goes, shared by every layer.

- :mod:`~prozchain.rollup.economics.fees`: the fee model (execution with an EIP-1559 L2 base
  fee, priority, and an L1 data fee from the compressed bytes a batch posts, OP Fjord's formula),
  quotes and charges;
- :mod:`~prozchain.rollup.economics.pricer`: per-batch L1 cost against the data fees collected,
  and the feedback on the data-fee scalar (Arbitrum's L1 pricer);
- :mod:`~prozchain.rollup.economics.distribution`: the fee ledger (paid = distributed + burned,
  to the wei), the splits to sequencers, batchers, provers, validators and challengers, and
  staking rewards per epoch.

It sits below the protocol rooms (they import it) and imports only ``rollup.l1`` and
``rollup.common``.
"""

from prozchain.rollup.economics.distribution import (BATCHER, BURN, CHALLENGERS, PROPOSER, PROVER, ROLLUP_SPLIT,
                                                     SEQUENCER, SIDECHAIN_SPLIT, VALIDATORS, ZK_SPLIT, FeeLedger,
                                                     Payout, Split, epoch_rewards)
from prozchain.rollup.economics.errors import EconomicsError, FeeTooLow, Unbalanced
from prozchain.rollup.economics.fees import (BLOB, CALLDATA, BaseFeeRule, Charge, FeeModel, L1Prices, Quote,
                                             Scalars, compressed_size, l1_data_fee)
from prozchain.rollup.economics.pricer import BatchCost, L1Pricer

__all__ = ["BATCHER", "BLOB", "BURN", "CALLDATA", "CHALLENGERS", "PROPOSER", "PROVER", "ROLLUP_SPLIT", "SEQUENCER",
           "SIDECHAIN_SPLIT", "VALIDATORS", "ZK_SPLIT", "BaseFeeRule", "BatchCost", "Charge", "EconomicsError",
           "FeeLedger", "FeeModel", "FeeTooLow", "L1Prices", "L1Pricer", "Payout", "Quote", "Scalars", "Split",
           "Unbalanced", "compressed_size", "epoch_rewards", "l1_data_fee"]
