"""The money of one VPC (the result's ``money``): its endpoints' AZs and measured bytes, priced by
:mod:`remediation.cost` (formulas and prices: docs/cost.md).

Pure: the snapshot, the settings, the findings and the planned repairs in, a
:class:`~remediation.cost.Money` out.
"""

from __future__ import annotations

from collections.abc import Iterable

from remediation.actions import Action
from remediation.baseline.interface_endpoints import NOT_NEEDED
from remediation.config import Settings
from remediation.cost import Money, estimate, money
from remediation.findings import Finding
from remediation.model import VpcSnapshot
from remediation.topology.endpoints import target_azs
from remediation.vocabulary import EndpointType


def vpc_money(
    snapshot: VpcSnapshot,
    settings: Settings,
    findings: Iterable[Finding],
    actions: Iterable[Action],
) -> Money:
    """Endpoints' monthly cost against the NAT processing they avoid, for one VPC.

    Endpoint-AZs: those of the VPC's usable interface endpoints of the checked services, plus
    what the plan adds; for a VPC that ``ENDPOINT_NEED`` exempts, the AZs its endpoints would
    cover (what creating them would cost). Bytes: through the endpoints when there are any
    (``measured``), else through the NAT gateways of its private route tables (``upper-bound``).
    """
    services = {s.service_name(snapshot.region) for s in settings.interface_services}
    existing = [
        e
        for e in snapshot.endpoints
        if e.endpoint_type is EndpointType.INTERFACE and e.usable and e.service_name in services
    ]
    azs = (
        sum(len(e.subnet_ids) for e in existing)
        + estimate(actions, snapshot.region).new_endpoint_azs
    )
    if any(f.code == NOT_NEEDED for f in findings):
        have = {e.service_name for e in existing}
        azs += sum(
            len(
                target_azs(snapshot, settings.max_azs_per_endpoint, s.service_name(snapshot.region))
            )
            for s in settings.interface_services
            if s.service_name(snapshot.region) not in have
        )
    traffic = snapshot.traffic
    if traffic is None or traffic.error:
        return money(snapshot.region, endpoint_azs=azs, basis="not-measured")
    if existing:
        measured = sum(traffic.endpoint_bytes.get(e.endpoint_id, 0.0) for e in existing)
        return money(
            snapshot.region,
            endpoint_azs=azs,
            basis="measured",
            measured_bytes=measured,
            days=traffic.days,
        )
    return money(
        snapshot.region,
        endpoint_azs=azs,
        basis="upper-bound",
        measured_bytes=traffic.nat_total,
        days=traffic.days,
    )
