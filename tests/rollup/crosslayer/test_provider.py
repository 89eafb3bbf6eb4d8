"""L2-to-L2 intents filled by a liquidity provider (``l2-to-l2-provider-fraud``): a disputed
source output delays the provider's repayment and costs it nothing; a double-spent intent is
never filled; without its rule (fill on the signed intent) the provider loses."""

from __future__ import annotations

import pytest

from prozchain.rollup.crosslayer.scenarios import INTENT, PROVIDER_FEE
from prozchain.rollup.sim import registry


@pytest.mark.parametrize("seed", [4, 77])
def test_the_provider_is_repaid_after_the_dispute_and_loses_nothing(seed):
    result = registry.run("l2-to-l2-provider-fraud", seed)
    assert result.ok and result.honest_loss == 0 and result.attack_attempted, result.summary
    assert result.accounts["provider"] == {"paid out": INTENT - PROVIDER_FEE, "repaid": INTENT}


def test_filling_on_the_signed_intent_alone_loses_the_double_spent_amount():
    result = registry.run("l2-to-l2-provider-fraud", 6, {"defense": "off"})
    assert not result.ok and result.honest_loss == 2 * (INTENT - PROVIDER_FEE) - INTENT, result.summary  # less the fee earned
