"""Interface endpoints: which of a service's endpoints is kept, and a repair of it in place.

Several usable endpoints of one service: the tool keeps and repairs one (:func:`keeper_order`)
and reports the others for a person (it deletes nothing). Private DNS, AZ coverage and security
groups (:mod:`remediation.baseline.interface_private_dns`,
:mod:`remediation.baseline.interface_coverage`, :mod:`remediation.baseline.interface_groups`)
repair the endpoint kept with :func:`keeper_repair`. Pure.
"""

from __future__ import annotations

from remediation.actions import ModifyEndpoint
from remediation.model import Endpoint, VpcSnapshot


def keeper_order(endpoint: Endpoint) -> tuple[bool, int, str]:
    """Which of several endpoints to keep and repair: private DNS on, most subnets, lowest id."""
    return (not endpoint.private_dns_enabled, -len(endpoint.subnet_ids), endpoint.endpoint_id)


def keeper_repair(
    snapshot: VpcSnapshot,
    keeper: Endpoint,
    reason: str,
    *,
    enable_private_dns: bool = False,
    add_subnet_ids: tuple[str, ...] = (),
    add_group_ids: tuple[str, ...] = (),
    remove_group_ids: tuple[str, ...] = (),
) -> ModifyEndpoint:
    """The change of the endpoint kept that a finding of ``reason`` asks for."""
    return ModifyEndpoint(
        vpc_id=snapshot.vpc_id,
        reason=reason,
        endpoint_id=keeper.endpoint_id,
        service_name=keeper.service_name,
        enable_private_dns=enable_private_dns,
        add_subnet_ids=add_subnet_ids,
        add_group_ids=add_group_ids,
        remove_group_ids=remove_group_ids,
    )
