"""The monthly cost of a plan: added subnets counted, gateways free, the price table."""

from __future__ import annotations

import pytest

from remediation.actions import CreateInterfaceEndpoint, ModifyEndpoint
from remediation.cost import DEFAULT_HOURLY, HOURLY_BY_REGION, estimate


@pytest.mark.parametrize(
    ("region", "azs", "monthly", "known"),
    [
        ("us-east-1", 3, 21.9, True),
        ("us-east-1", 6, 43.8, True),
        ("ap-southeast-7", 2, round(2 * DEFAULT_HOURLY * 730, 2), False),
    ],
)
def test_cost_table(region: str, azs: int, monthly: float, known: bool) -> None:
    subnets = tuple(f"subnet-{n}" for n in range(azs))
    cost = estimate([CreateInterfaceEndpoint(vpc_id="v", reason="r", subnet_ids=subnets)], region)
    assert cost.monthly_usd == pytest.approx(monthly)
    assert cost.price_known is known
    assert ("default price" in cost.describe()) is not known
    assert cost.saving_per_gb == pytest.approx(0.035)
    assert (region in HOURLY_BY_REGION) is known


def test_cost_counts_added_subnets_and_ignores_gateways() -> None:
    actions = [ModifyEndpoint(vpc_id="v", reason="r", add_subnet_ids=("a", "b"))]
    assert estimate(actions, "us-east-1").new_endpoint_azs == 2
    assert estimate([], "us-east-1").monthly_usd == 0
