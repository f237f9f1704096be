"""What the endpoints a plan creates will cost, per month.

Interface endpoints are billed per endpoint, per AZ, per hour (plus per GB
processed); gateway endpoints are free. The table holds the hourly price per
AZ where it has been checked; elsewhere :data:`DEFAULT_HOURLY` applies and the
estimate says so. Figures are estimates for people, not a bill.

>>> from remediation.actions import CreateInterfaceEndpoint
>>> a = CreateInterfaceEndpoint(vpc_id="vpc-1", reason="r", service_name="s",
...                             subnet_ids=("subnet-a", "subnet-b", "subnet-c"))
>>> estimate([a], "us-east-1").monthly_usd
21.9
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from remediation.actions import Action, CreateInterfaceEndpoint, ModifyEndpoint

HOURS_PER_MONTH = 730
#: USD per interface endpoint per AZ per hour, only where checked against AWS's price list
#: (us-east-1: "about $0.01 per hour per AZ"). Other regions use DEFAULT_HOURLY and the
#: estimate says so; add a region here once its price is checked.
HOURLY_BY_REGION: dict[str, float] = {
    "us-east-1": 0.01,
}
DEFAULT_HOURLY = 0.01
#: USD per GB processed by an interface endpoint (first PB in a region).
ENDPOINT_PER_GB = 0.01
#: USD per GB processed by a NAT gateway (us-east-1): what endpoint traffic no longer pays.
NAT_PER_GB = 0.045


@dataclass(frozen=True)
class CostEstimate:
    """The monthly cost of the interface endpoint AZs a plan adds."""

    region: str
    new_endpoint_azs: int  # interface endpoint-AZs the plan adds
    hourly_per_az: float
    price_known: bool

    @property
    def monthly_usd(self) -> float:
        return round(self.new_endpoint_azs * self.hourly_per_az * HOURS_PER_MONTH, 2)

    @property
    def saving_per_gb(self) -> float:
        """NAT data processing avoided, less the endpoint's own per-GB charge."""
        return round(NAT_PER_GB - ENDPOINT_PER_GB, 3)

    def describe(self) -> str:
        if not self.new_endpoint_azs:
            return (
                "no new interface endpoint-AZs: no added hourly cost (gateway endpoints are free)"
            )
        basis = "" if self.price_known else f" (default price: {self.region} not in the table)"
        return (
            f"about ${self.monthly_usd:.2f}/month for {self.new_endpoint_azs} interface "
            f"endpoint-AZ(s) at ${self.hourly_per_az}/hour each{basis}, plus "
            f"${ENDPOINT_PER_GB}/GB processed; saves about ${self.saving_per_gb}/GB of NAT "
            "data processing"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "new_interface_endpoint_azs": self.new_endpoint_azs,
            "hourly_usd_per_az": self.hourly_per_az,
            "monthly_usd": self.monthly_usd,
            "per_gb_usd": ENDPOINT_PER_GB,
            "nat_saving_per_gb_usd": self.saving_per_gb,
            "price_known": self.price_known,
        }


def estimate(actions: Iterable[Action], region: str) -> CostEstimate:
    azs = 0
    for action in actions:
        if isinstance(action, CreateInterfaceEndpoint):
            azs += len(action.subnet_ids)
        elif isinstance(action, ModifyEndpoint):
            azs += len(action.add_subnet_ids)
    known = region in HOURLY_BY_REGION
    return CostEstimate(region, azs, HOURLY_BY_REGION.get(region, DEFAULT_HOURLY), known)
