"""Ways out that bypass, or block, the endpoints: IPv6 gateways and VPC Block Public Access.

* **Dual-stack names.** ECR's dual-stack names (``<registry>.dkr-ecr.<region>.on.aws``,
  ``ecr.<region>.api.aws``) are not carried by PrivateLink: "Amazon ECR does not support
  AWS PrivateLink traffic over dual-stack endpoints" (ECR User Guide, "Making requests
  using IPv4, IPv6 or dual-stack"). A private subnet with an IPv6 block whose route table
  sends ``::/0`` to an egress-only or internet gateway lets a client configured for those
  names pull around the endpoints: ``info`` :data:`DUAL_STACK_BYPASS`.
* **IPv6-only subnets** (``Ipv6Native``) reach an ECR endpoint only over IPv6: through a
  dual-stack (or IPv6) endpoint whose DNS records include IPv6, or through DNS64 with a
  ``64:ff9b::/96`` route to a NAT gateway (NAT64 to the endpoint's IPv4 addresses). Without
  either, they have no private path to ECR: a ``warning`` with no repair,
  :data:`IPV6_ONLY_NO_PATH` (the tool does not change an endpoint's IP address type).
* **Block Public Access.** A subnet whose internet gateway BPA blocks counts as private
  (:func:`remediation.topology.routes.egress_blocked`): ``info`` :data:`BPA_PRIVATE` says which,
  since the S3 route and the endpoints then go where the route table alone would say
  "public". A blocked subnet whose route table an excluded subnet shares gets no S3 route
  (it would move the excluded subnet's S3 traffic too): ``manual`` :data:`BPA_SHARED_TABLE`.
  When the exclusions could not be read, BPA is judged off: ``info`` :data:`BPA_UNKNOWN`,
  naming the permission.
"""

from __future__ import annotations

from remediation.baseline.endpoint_policies import ECR_SERVICES
from remediation.config import Settings
from remediation.findings import Finding, Severity
from remediation.model import Endpoint, Subnet, VpcSnapshot
from remediation.topology.endpoints import serving_interface
from remediation.topology.routes import (
    egress_blocked,
    is_private,
    is_public_route_table,
    needs_block_public_access,
    private_route_tables,
    private_subnets,
    route_table_for,
)

DUAL_STACK_BYPASS = "dual-stack-names-bypass"
IPV6_ONLY_NO_PATH = "ipv6-only-subnets-no-private-path"
BPA_PRIVATE = "block-public-access-private-subnets"
BPA_UNKNOWN = "block-public-access-unknown"
BPA_SHARED_TABLE = "block-public-access-shared-route-table"

IPV6_GATEWAYS = ("eigw-", "igw-")
NAT64_PREFIX = "64:ff9b::/96"


def check(snapshot: VpcSnapshot, settings: Settings) -> list[Finding]:
    return [
        *_block_public_access(snapshot),
        *_dual_stack(snapshot),
        *_ipv6_only(snapshot, settings),
    ]


def _dual_stack(snapshot: VpcSnapshot) -> list[Finding]:
    leaks: dict[str, str] = {}  # route table -> gateway
    for subnet in private_subnets(snapshot):
        table = route_table_for(snapshot, subnet.subnet_id)
        if table is None or not subnet.ipv6_cidr_blocks or egress_blocked(snapshot, subnet):
            continue
        gateways = [
            r.target
            for r in table.routes
            if r.destination == "::/0" and r.target.startswith(IPV6_GATEWAYS)
        ]
        if gateways:
            leaks[table.route_table_id] = gateways[0]
    if not leaks:
        return []
    where = ", ".join(f"{t} (::/0 to {g})" for t, g in sorted(leaks.items()))
    return [
        Finding(
            code=DUAL_STACK_BYPASS,
            severity=Severity.INFO,
            resource_id=",".join(sorted(leaks)),
            message=(
                f"private route tables {where} send IPv6 out through a gateway: clients using "
                "the dual-stack ECR names (<registry>.dkr-ecr.<region>.on.aws, "
                "ecr.<region>.api.aws) leave through the gateway, since PrivateLink does not "
                "carry them; keep to the IPv4 names (<registry>.dkr.ecr.<region>.amazonaws.com)"
            ),
        )
    ]


def _reaches_over_ipv6(endpoint: Endpoint) -> bool:
    """A dual-stack or IPv6 endpoint whose private DNS answers with IPv6 addresses too."""
    return endpoint.ip_address_type.lower() in ("dualstack", "ipv6") and (
        endpoint.dns_record_ip_type.lower() != "ipv4"
    )


def _nat64(snapshot: VpcSnapshot, subnet: Subnet) -> bool:
    """DNS64 on, and a ``64:ff9b::/96`` route to a NAT gateway: IPv4 endpoints reachable."""
    table = route_table_for(snapshot, subnet.subnet_id)
    return (
        subnet.dns64
        and table is not None
        and any(r.destination == NAT64_PREFIX and r.target.startswith("nat-") for r in table.routes)
    )


def _ipv6_only(snapshot: VpcSnapshot, settings: Settings) -> list[Finding]:
    stranded = [s for s in private_subnets(snapshot) if s.ipv6_native and not _nat64(snapshot, s)]
    if not stranded:
        return []
    zones = {*snapshot.private_zones, *snapshot.profile_zones}
    lacking: list[str] = []
    for spec in settings.interface_services:
        if spec.name not in ECR_SERVICES:
            continue
        name = spec.service_name(snapshot.region)
        local = [e for e in snapshot.endpoints if e.service_name == name and e.answers_vpc_names]
        if any(_reaches_over_ipv6(e) for e in local):
            continue
        if not local and zones & set(spec.private_dns_zones(snapshot.region)):
            continue  # a hub's endpoint: its address types cannot be seen from here
        lacking.append(spec.name)
    ids = sorted(s.subnet_id for s in stranded)
    return [
        Finding(
            code=IPV6_ONLY_NO_PATH,
            severity=Severity.WARNING,
            service=service,
            resource_id=",".join(ids),
            message=(
                f"IPv6-only subnets {', '.join(ids)} have no private path to {service}: no "
                f"{service} endpoint of the VPC answers them over IPv6 and they have no DNS64 "
                "with a 64:ff9b::/96 route to a NAT gateway, so their pulls leave through an "
                "IPv6 gateway or fail. Make the endpoint dual-stack (IpAddressType dualstack, "
                "with IPv6 DNS records) or give the subnets DNS64 and NAT64"
            ),
        )
        for service in lacking
    ]


def _block_public_access(snapshot: VpcSnapshot) -> list[Finding]:
    bpa = snapshot.block_public_access
    if bpa is not None and bpa.unknown and needs_block_public_access(snapshot):
        reported = sorted(
            s.subnet_id for s in snapshot.subnets if s.block_public_access == "block-bidirectional"
        )
        return [
            Finding(
                code=BPA_UNKNOWN,
                severity=Severity.INFO,
                resource_id=snapshot.vpc_id,
                message=(
                    f"subnets {', '.join(reported)} report VPC Block Public Access "
                    "block-bidirectional, but its exclusions could not be read "
                    f"({bpa.unknown}; grant ec2:DescribeVpcBlockPublicAccessExclusions): judged "
                    "as off, so subnets routed to an internet gateway count as public"
                ),
            )
        ]
    blocked = [
        s
        for s in snapshot.subnets
        if (table := route_table_for(snapshot, s.subnet_id)) is not None
        and is_public_route_table(table)
        and is_private(snapshot, s)
    ]
    if not blocked:
        return []
    ids = sorted(s.subnet_id for s in blocked)
    findings = [
        Finding(
            code=BPA_PRIVATE,
            severity=Severity.INFO,
            resource_id=",".join(ids),
            message=(
                f"VPC Block Public Access (block-bidirectional, no exclusion) blocks the internet "
                f"gateway of subnets {', '.join(ids)}: they count as private, so their layer "
                "downloads need the S3 gateway route and the ECR endpoints serve them"
            ),
        )
    ]
    tables = {t.route_table_id for t in private_route_tables(snapshot)}
    s3 = f"com.amazonaws.{snapshot.region}.s3"
    stuck = sorted(
        s.subnet_id
        for s in blocked
        if (table := route_table_for(snapshot, s.subnet_id)) is not None
        and table.route_table_id not in tables
    )
    if stuck and serving_interface(snapshot, s3) is None:
        findings.append(
            Finding(
                code=BPA_SHARED_TABLE,
                severity=Severity.MANUAL,
                service="s3",
                resource_id=",".join(stuck),
                message=(
                    f"subnets {', '.join(stuck)} are cut off from the internet by VPC Block "
                    "Public Access, but share their route table with a subnet an exclusion lets "
                    "out: the tool adds no S3 gateway route there (it would move that subnet's "
                    "S3 traffic too), so their image layers have no way to S3. Give them a route "
                    "table of their own"
                ),
            )
        )
    return findings
