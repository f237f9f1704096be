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
from typing import Any, NamedTuple

from remediation.actions import Action, CreateInterfaceEndpoint, ModifyEndpoint

HOURS_PER_MONTH = 730
#: USD per interface endpoint per AZ per hour, only where checked against AWS's price list
#: (us-east-1: "about $0.01 per hour per AZ"). Other regions use DEFAULT_HOURLY and the
#: estimate says so; add a region here once its price is checked.
HOURLY_BY_REGION: dict[str, float] = {
    "us-east-1": 0.01,  # the same figure as PRICE_TABLE below
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


# --------------------------------------------------------------------------- money per VPC

#: Where the price table comes from, and when it was written down.
PRICE_SOURCE = (
    "AWS PrivateLink pricing (interface endpoint: per AZ-hour, per GB processed) and Amazon "
    "VPC pricing (NAT gateway: per GB processed) pages, us-east-1, as quoted by third-party "
    "copies of those pages; the official pages confirm what is billed"
)
PRICES_AS_OF = "2026-12-06"
#: Bytes in a GB as these estimates count them (decimal; see docs/cost.md).
BYTES_PER_GB = 1_000_000_000


class Prices(NamedTuple):
    """The prices one region's figures use (USD); ``known`` False: another region's figures.

    A named tuple, not a dataclass: the handler imports this module, and creating a frozen
    dataclass costs its cold start about eight times as much (docs/performance.md).
    """

    region: str
    endpoint_hourly_per_az: float
    endpoint_per_gb: float
    nat_per_gb: float
    known: bool
    #: The table's region whose figures stand in when ``region`` is not in the table.
    basis: str = ""


#: region -> (interface endpoint per AZ-hour, interface endpoint per GB, NAT gateway per GB).
PRICE_TABLE: dict[str, tuple[float, float, float]] = {
    "us-east-1": (0.01, 0.01, 0.045),
}
#: The region whose figures are used, and said to be used, for a region not in the table.
FALLBACK_REGION = "us-east-1"


def prices(region: str) -> Prices:
    """The region's prices, or the fallback region's with ``known=False``.

    >>> prices("us-east-1").nat_per_gb, prices("xx-test-1").known
    (0.045, False)
    """
    if region in PRICE_TABLE:
        return Prices(region, *PRICE_TABLE[region], known=True, basis=region)
    return Prices(region, *PRICE_TABLE[FALLBACK_REGION], known=False, basis=FALLBACK_REGION)


class Money(NamedTuple):
    """A VPC's endpoints against the NAT processing they avoid, per month (USD estimates).

    ``basis``: ``measured`` (the VPC has endpoints: the bytes they carried would otherwise have
    crossed a NAT gateway), ``upper-bound`` (no endpoint yet: every byte of the NAT gateways on
    its private route tables, of which ECR's share is unknown), ``not-measured`` (no metrics:
    the hourly cost only).
    """

    prices: Prices
    basis: str
    endpoint_azs: int
    #: GB per month: through the endpoints (measured) or through the NAT gateways (upper bound).
    gb_per_month: float = 0.0
    days: int = 14

    @property
    def endpoints_hourly_usd(self) -> float:
        return round(self.endpoint_azs * self.prices.endpoint_hourly_per_az * HOURS_PER_MONTH, 2)

    @property
    def endpoints_data_usd(self) -> float:
        return round(self.gb_per_month * self.prices.endpoint_per_gb, 2)

    @property
    def endpoints_monthly_usd(self) -> float:
        return round(self.endpoints_hourly_usd + self.endpoints_data_usd, 2)

    @property
    def nat_avoided_usd(self) -> float | None:
        if self.basis == "not-measured":
            return None
        return round(self.gb_per_month * self.prices.nat_per_gb, 2)

    @property
    def net_usd(self) -> float | None:
        """NAT processing avoided less the endpoints' cost: positive when they pay off."""
        avoided = self.nat_avoided_usd
        return None if avoided is None else round(avoided - self.endpoints_monthly_usd, 2)

    def describe(self) -> str:
        where = (
            ""
            if self.prices.known
            else (f" ({self.prices.region} not in the price table: {self.prices.basis} prices)")
        )
        cost = (
            f"endpoints about ${self.endpoints_monthly_usd:,.2f}/month "
            f"({self.endpoint_azs} endpoint-AZ(s))"
        )
        if self.basis == "not-measured":
            return f"{cost}; NAT processing avoided not measured{where}"
        avoided = self.nat_avoided_usd or 0.0
        net = self.net_usd or 0.0
        kind = "measured" if self.basis == "measured" else "at most (upper bound from NAT bytes)"
        verdict = "they pay for themselves" if net >= 0 else "they cost more than they save"
        return (
            f"{cost}; NAT processing avoided {kind} ${avoided:,.2f}/month "
            f"({self.gb_per_month:,.1f} GB/month); net {usd(net)}/month: {verdict}{where}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "basis": self.basis,
            "region": self.prices.region,
            "price_known": self.prices.known,
            "price_region": self.prices.basis,
            "endpoint_azs": self.endpoint_azs,
            "gb_per_month": round(self.gb_per_month, 3),
            "endpoints_hourly_usd": self.endpoints_hourly_usd,
            "endpoints_data_usd": self.endpoints_data_usd,
            "endpoints_monthly_usd": self.endpoints_monthly_usd,
            "nat_avoided_monthly_usd": self.nat_avoided_usd,
            "net_monthly_usd": self.net_usd,
            "summary": self.describe(),
            "price_source": PRICE_SOURCE,
            "prices_as_of": PRICES_AS_OF,
        }


def per_month(total_bytes: float, days: int) -> float:
    """GB per month from bytes measured over ``days`` days (a month: 730 hours).

    >>> round(per_month(14e9, 14), 4)
    30.4167
    """
    return total_bytes / BYTES_PER_GB * HOURS_PER_MONTH / (days * 24) if days else 0.0


def money(
    region: str,
    *,
    endpoint_azs: int,
    basis: str,
    measured_bytes: float = 0.0,
    days: int = 14,
) -> Money:
    """The money of one VPC from its endpoint-AZs and the bytes behind ``basis``."""
    gb = per_month(measured_bytes, days) if basis != "not-measured" else 0.0
    return Money(prices(region), basis, endpoint_azs, gb_per_month=gb, days=days)


def bytes_text(value: float) -> str:
    """Bytes for people (decimal units).

    >>> bytes_text(0), bytes_text(1_500_000), bytes_text(2.5e9)
    ('0 bytes', '1.5 MB', '2.5 GB')
    """
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if value >= scale:
            return f"{value / scale:,.1f} {unit}"
    return f"{value:,.0f} bytes"


def usd(value: float) -> str:
    """Dollars for people, the sign first.

    >>> usd(-42.734), usd(1234.5)
    ('-$42.73', '$1,234.50')
    """
    return f"{'-' if value < 0 else ''}${abs(value):,.2f}"
