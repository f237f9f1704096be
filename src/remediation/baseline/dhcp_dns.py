"""DNS servers: endpoint private DNS names resolve only through Amazon-provided DNS.

The private hosted zone behind an endpoint's private DNS (and a hub's zones) is answered
by the Route 53 Resolver (``AmazonProvidedDNS``: the primary IPv4 block's base address plus two,
``169.254.169.253`` or ``fd00:ec2::253``). A VPC whose DHCP options hand out other
``domain-name-servers`` reaches ECR's private endpoints only if those servers forward the
ECR names to the Resolver (for example through a Resolver inbound endpoint). The tool
cannot see that forwarding, so it says so (``info``) and changes nothing: DHCP options are
the network team's, and replacing them would change every instance's resolver.
"""

from __future__ import annotations

from remediation.config import Settings
from remediation.findings import Finding, Severity
from remediation.model import VpcSnapshot

CUSTOM_DNS_SERVERS = "dhcp-custom-dns-servers"
AMAZON_DNS = frozenset({"amazonprovideddns", "169.254.169.253", "fd00:ec2::253"})


def _resolver_addresses(snapshot: VpcSnapshot) -> set[str]:
    """The Amazon DNS server's VPC address: the **primary** IPv4 block's base plus two.

    "For VPCs with multiple IPv4 CIDR blocks, the DNS server IP address is located in the
    primary CIDR block" (VPC User Guide, "Amazon DNS server"): the ``.2`` of a secondary
    block is an ordinary address, possibly a custom server's.
    """
    import ipaddress  # noqa: PLC0415 - only VPCs with custom DNS servers need it (cold start)

    primary = snapshot.primary_cidr_block or next(iter(snapshot.cidr_blocks), "")
    try:
        return {str(ipaddress.ip_network(primary, strict=False).network_address + 2)}
    except ValueError:
        return set()


def check(snapshot: VpcSnapshot, settings: Settings) -> list[Finding]:
    others = [s for s in snapshot.dns_servers if s.strip().lower() not in AMAZON_DNS]
    resolver = _resolver_addresses(snapshot) if others else set()
    custom = [s for s in others if s.strip() not in resolver]
    if not custom:
        return []
    names = ", ".join(s.private_dns_zone(snapshot.region) for s in settings.interface_services)
    return [
        Finding(
            code=CUSTOM_DNS_SERVERS,
            severity=Severity.INFO,
            resource_id=snapshot.vpc_id,
            message=(
                f"the VPC's DHCP options use DNS servers {', '.join(custom)}: ECR's endpoint "
                "names resolve to the endpoints only if those servers forward "
                f"{names or 'the endpoint names'} "
                "to the Route 53 Resolver (AmazonProvidedDNS, or a Resolver inbound endpoint); "
                "check that they do, or pulls leave through the public endpoints"
            ),
        )
    ]
