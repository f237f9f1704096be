"""Interface endpoints: tight security groups on the endpoint kept.

A group that is too wide is swapped for the tool's group (the group itself is left unchanged),
never one that admits consumers outside the VPC or sources only a person can judge; groups that
do not admit TCP 443 from the VPC get the tool's group added. Part of
:mod:`remediation.baseline.interface_endpoints`. Pure.
"""

from __future__ import annotations

from remediation.actions import TOOL_GROUP
from remediation.baseline.interface_keeper import keeper_repair
from remediation.baseline.security_groups import (
    described,
    outside_rules,
    person_rules,
    uncovered_cidrs,
    wide_rules,
)
from remediation.config.services import ServiceSpec
from remediation.findings import Finding, Severity
from remediation.model import Endpoint, VpcSnapshot
from remediation.topology.endpoints import tool_group

GROUP_TOO_WIDE = "endpoint-group-too-wide"
GROUP_INSUFFICIENT = "endpoint-group-insufficient"
GROUP_PRIVATE_CONSUMERS = "endpoint-group-admits-outside-consumers"
GROUP_TOO_WIDE_KEPT = "endpoint-group-too-wide-kept"
GROUP_UNVERIFIED = "endpoint-group-unverified-outside-sources"


def endpoint_groups(snapshot: VpcSnapshot, spec: ServiceSpec, keeper: Endpoint) -> list[Finding]:
    """Swap off a group that is too wide; never one that admits consumers outside the VPC."""
    groups = [g for g in map(snapshot.group, keeper.group_ids) if g is not None]
    owned = tool_group(snapshot)
    attached = owned is not None and owned.group_id in keeper.group_ids
    add = () if attached else ((owned.group_id if owned else TOOL_GROUP),)
    findings: list[Finding] = []
    detached: list[str] = []
    for group in (g for g in groups if not g.owned):
        wide, outside = wide_rules(group, snapshot), outside_rules(group, snapshot)
        person = person_rules(group, snapshot)
        if person:
            findings.append(
                Finding(
                    code=GROUP_UNVERIFIED,
                    severity=Severity.MANUAL,
                    service=spec.name,
                    resource_id=group.group_id,
                    message=(
                        f"{keeper.endpoint_id} carries {group.group_id}, which admits "
                        f"{described(person, snapshot)}: a consumer outside the VPC may rely on "
                        "it, which the tool cannot tell; a person decides (the group is never "
                        "detached for it)"
                    ),
                )
            )
        if outside:
            findings.append(
                Finding(
                    code=GROUP_PRIVATE_CONSUMERS,
                    severity=Severity.INFO,
                    service=spec.name,
                    resource_id=group.group_id,
                    message=(
                        f"{keeper.endpoint_id} carries {group.group_id}, which admits "
                        + "; ".join(r.describe() for r in outside)
                        + ": consumers outside the VPC (private networks, or sources the tool "
                        "cannot resolve); the group is never detached"
                    ),
                )
            )
        if wide and (outside or person):
            findings.append(
                Finding(
                    code=GROUP_TOO_WIDE_KEPT,
                    severity=Severity.MANUAL,
                    service=spec.name,
                    resource_id=group.group_id,
                    message=(
                        f"{group.group_id} on {keeper.endpoint_id} allows "
                        + "; ".join(r.describe() for r in wide)
                        + ", but detaching it would cut off its consumers outside the VPC: "
                        "remove those rules by hand"
                    ),
                )
            )
        elif wide:
            detached.append(group.group_id)
            findings.append(
                Finding(
                    code=GROUP_TOO_WIDE,
                    service=spec.name,
                    resource_id=group.group_id,
                    message=(
                        f"{keeper.endpoint_id} carries {group.group_id}, which allows "
                        + "; ".join(r.describe() for r in wide)
                        + ": swap it for the tool's group (the group itself is left unchanged)"
                    ),
                    repairs=(
                        keeper_repair(
                            snapshot,
                            keeper,
                            GROUP_TOO_WIDE,
                            add_group_ids=add,
                            remove_group_ids=(group.group_id,),
                        ),
                    ),
                )
            )
    ipv6 = keeper.ip_address_type.lower() in ("dualstack", "ipv6")
    kept = [g for g in groups if g.group_id not in detached]
    uncovered = () if attached else uncovered_cidrs(kept, snapshot, ipv6=ipv6)
    if uncovered and not detached:
        findings.append(
            Finding(
                code=GROUP_INSUFFICIENT,
                service=spec.name,
                resource_id=keeper.endpoint_id,
                message=(
                    f"the groups of {keeper.endpoint_id} do not admit TCP 443 from "
                    f"{', '.join(uncovered)}"
                ),
                repairs=(keeper_repair(snapshot, keeper, GROUP_INSUFFICIENT, add_group_ids=add),),
            )
        )
    return findings
