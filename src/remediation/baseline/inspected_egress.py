"""Inspected egress is never bypassed (``egress-inspected``).

A private route table is *inspected* when its default route (``0.0.0.0/0`` or ``::/0``)
leads to a transit gateway, a Gateway Load Balancer endpoint (Network Firewall's endpoints
are such endpoints), an appliance's network interface or instance, or a Cloud WAN core
network (:func:`remediation.topology.inspection.inspected_route_tables`), a blackhole route
included (its target unavailable now, such as an appliance being replaced: EC2 API reference,
``Route``, ``state``; the path is inspected again once it is back). There, what the tool would
add takes traffic off the inspected path:

* an S3 gateway endpoint's route is a prefix list, more specific than ``0.0.0.0/0``
  (longest prefix match: VPC user guide, "Gateway endpoints", Routing), so every same-region
  S3 request of those subnets would skip the firewall, to every bucket the policy admits;
* an interface endpoint's private DNS answers the service's name with addresses inside the
  VPC, so the VPC's ECR traffic would stop going through the firewall.

``INSPECTED_EGRESS=report`` (the default) adds neither: the finding (a warning, no repair)
says what the network team decides and why. ``INSPECTED_EGRESS=repair`` lets the tool
create them there with the perimeter policy (:mod:`remediation.baseline.policy_documents`),
never full access: the finding is then ``info``. Not in a VPC shared out to participants RAM
marks ``external`` (outside the owner's organisation): the perimeter policy admits the
organisation's principals and resources only, so through the endpoints' private DNS and the S3
route it would cut off those participants' image pulls and S3 use. There the tool adds
nothing, as with ``report``, and the finding (a warning) names them: a person decides.
"""

from __future__ import annotations

from remediation.config import Settings
from remediation.findings import Finding, Severity
from remediation.model import VpcSnapshot
from remediation.topology.inspection import inspected_egress
from remediation.vocabulary import EndpointType

EGRESS_INSPECTED = "egress-inspected"


def repair_allowed(snapshot: VpcSnapshot, settings: Settings) -> bool:
    """``INSPECTED_EGRESS=repair``, and no participant outside the organisation (RAM's
    ``external``) whose pulls and S3 use the perimeter policy would block."""
    return settings.inspected_egress == "repair" and not snapshot.sharing.external


def held_by_outsiders(snapshot: VpcSnapshot, settings: Settings) -> bool:
    """``INSPECTED_EGRESS=repair`` is asked, the VPC's egress is inspected, and participants
    outside the organisation hold the repair back (:func:`repair_allowed`): the tool changes
    no policy of its endpoints there either, since the perimeter policy they may carry is what
    keeps ECR traffic off the inspected path narrow (a person decides)."""
    return (
        settings.inspected_egress == "repair"
        and not repair_allowed(snapshot, settings)
        and bool(inspected_egress(snapshot))
    )


def withheld(snapshot: VpcSnapshot, settings: Settings) -> bool:
    """True when the tool adds no endpoint or route in this VPC: its egress is inspected and
    the tool may not repair there (:func:`repair_allowed`)."""
    return bool(inspected_egress(snapshot)) and not repair_allowed(snapshot, settings)


def check(snapshot: VpcSnapshot, settings: Settings) -> list[Finding]:
    tables = inspected_egress(snapshot)
    if not tables:
        return []
    where = "; ".join(t.why for t in tables)
    ids = ",".join(t.route_table_id for t in tables)
    routed = {
        t: e.endpoint_id
        for e in snapshot.endpoints
        if e.endpoint_type is EndpointType.GATEWAY and e.usable
        for t in e.route_table_ids
    }
    bypass = [
        f"{t.route_table_id} through {routed[t.route_table_id]}"
        for t in tables
        if t.route_table_id in routed
    ]
    already = (
        f". Already routed to S3 by a gateway endpoint: {', '.join(bypass)}; that S3 traffic "
        "skips the inspection now (the tool changes no route a person added)"
        if bypass
        else ""
    )
    if repair_allowed(snapshot, settings):
        return [
            Finding(
                code=EGRESS_INSPECTED,
                severity=Severity.INFO,
                resource_id=ids,
                message=(
                    f"egress of private route tables {where} is inspected; INSPECTED_EGRESS="
                    "repair: the endpoints and S3 routes the tool creates for them carry the "
                    "perimeter policy (the organisation's principals and resources only)" + already
                ),
            )
        ]
    if settings.inspected_egress == "repair":
        outside = ", ".join(sorted(snapshot.sharing.external))
        return [
            Finding(
                code=EGRESS_INSPECTED,
                resource_id=ids,
                message=(
                    f"egress of private route tables {where} is inspected, and INSPECTED_EGRESS="
                    f"repair is not applied in this VPC: its subnets are shared with accounts "
                    f"outside the organisation ({outside}), whose image pulls and S3 use the "
                    "perimeter policy would block. The tool adds no S3 gateway route there and "
                    "creates no interface endpoint in the VPC; a network team decides (endpoints "
                    "added by hand with a policy that admits those accounts, or ECR and S3 kept "
                    "on the inspected path)" + already
                ),
            )
        ]
    return [
        Finding(
            code=EGRESS_INSPECTED,
            resource_id=ids,
            message=(
                f"egress of private route tables {where} is inspected: the tool adds no S3 "
                "gateway route there and creates no interface endpoint in the VPC. An S3 "
                "gateway route is more specific than the default route, so every same-region S3 "
                "request of those subnets would skip the firewall; an ECR endpoint's private DNS "
                "would take the VPC's image pulls off the inspected path. A network team "
                "decides: keep ECR and S3 on the inspected path (and allow them in the "
                "firewall), add the endpoints by hand with a perimeter policy, or set "
                "INSPECTED_EGRESS=repair (with ORGANIZATION_ID) to let the tool create them "
                "with the perimeter policy" + already
            ),
        )
    ]
