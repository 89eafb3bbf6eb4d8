"""The economy shared by every protocol room: what L2 transactions pay and where it goes, bonds,
and the order transactions are sequenced in.

- :mod:`~prozchain.rollup.economics.fees`: the fee model (execution with an EIP-1559 L2 base
  fee, priority, and an L1 data fee from the compressed bytes a batch posts, OP Fjord's formula),
  quotes and charges;
- :mod:`~prozchain.rollup.economics.pricer`: per-batch L1 cost against the data fees collected,
  and the feedback on the data-fee scalar (Arbitrum's L1 pricer);
- :mod:`~prozchain.rollup.economics.distribution`: the fee ledger (paid = distributed + burned,
  to the wei), the splits to sequencers, batchers, provers, validators and challengers, and
  staking rewards per epoch;
- :mod:`~prozchain.rollup.economics.bonds`: the one L1 ledger of every bond (lock, add, release,
  slash, each with a reason; totals conserved);
- :mod:`~prozchain.rollup.economics.inclusion`: how long a forced transaction or withdrawal
  took to be honoured, in L1 blocks and seconds, the same on every layer;
- :mod:`~prozchain.rollup.economics.ordering`: ordering policies (first come first served, a
  priority auction whose proceeds go back to the batch's users), signed arrival receipts and
  their audit against batches on L1;
- :mod:`~prozchain.rollup.economics.sequencing`: a staked sequencer set that rotates by stake
  on an L1 schedule, skips silent leaders and slashes one a receipt convicts.

It sits below the protocol rooms (they import it) and imports only ``rollup.l1`` and
``rollup.common``.

>>> from prozchain.rollup.economics import BondLedger
>>> sorted(BondLedger.methods)
['add', 'bond', 'lock', 'release', 'release_to', 'slash', 'totals']
"""

from prozchain.rollup.economics.bonds import BURN, Bond, BondLedger, Totals, bonds, conserved, history
from prozchain.rollup.economics.distribution import (AUCTION, AUCTION_SPLIT, BATCHER, BURNED, CHALLENGERS, PROPOSER,
                                                     PROVER, REBATE, ROLLUP_SPLIT, SEQUENCER, SIDECHAIN_SPLIT,
                                                     VALIDATORS, ZK_SPLIT, FeeLedger, Payout, Split, epoch_rewards)
from prozchain.rollup.economics.errors import EconomicsError, FeeTooLow, Unbalanced
from prozchain.rollup.economics.fees import (BLOB, CALLDATA, BaseFeeRule, Charge, FeeModel, L1Prices, Quote,
                                             Scalars, compressed_size, l1_data_fee)
from prozchain.rollup.economics.pricer import BatchCost, L1Pricer

__all__ = ["AUCTION", "AUCTION_SPLIT", "BATCHER", "BLOB", "BURN", "BURNED", "CALLDATA", "CHALLENGERS", "PROPOSER", "PROVER", "REBATE", "ROLLUP_SPLIT",
           "SEQUENCER", "SIDECHAIN_SPLIT", "VALIDATORS", "ZK_SPLIT", "BaseFeeRule", "BatchCost", "Bond", "BondLedger",
           "Charge", "EconomicsError", "FeeLedger", "FeeModel", "FeeTooLow", "L1Prices", "L1Pricer", "Payout", "Quote",
           "Scalars", "Split", "Totals", "Unbalanced", "bonds", "compressed_size", "conserved", "epoch_rewards",
           "history", "l1_data_fee"]
