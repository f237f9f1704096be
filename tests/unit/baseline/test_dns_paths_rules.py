"""Pure tests of the DNS-path rules: Resolver rule coverage and precedence, hub zone records."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from remediation.baseline import hub_dns
from remediation.baseline.dns_forwarding import check, covers, overridden
from remediation.config import load_settings
from remediation.model import Route, RouteTable, Subnet, VpcSnapshot
from remediation.surroundings import DnsRule, HubZone, RemoteEndpoint

REGION = "eu-west-1"
DKR = f"dkr.ecr.{REGION}.amazonaws.com"
SETTINGS = load_settings({})


def snapshot(**fields: object) -> VpcSnapshot:
    base: dict[str, object] = {
        "vpc_id": "vpc-1",
        "region": REGION,
        "account_id": "123456789012",
        "cidr_blocks": ("10.0.0.0/16",),
        "dns_support": True,
        "dns_hostnames": True,
        "subnets": (Subnet("subnet-1", "vpc-1", f"{REGION}a", "10.0.1.0/24", 9, "euw1-az1"),),
        "route_tables": (RouteTable("rtb-1", "vpc-1", is_main=True),),
    }
    return VpcSnapshot(**{**base, **fields})  # type: ignore[arg-type]


def forward(domain: str, **fields: object) -> DnsRule:
    return DnsRule(f"rslvr-rr-{domain or 'root'}", domain, "FORWARD", **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("domain", "reported"),
    [
        ("", True),
        ("com", True),
        ("amazonaws.com", True),
        (f"{REGION}.amazonaws.com", True),
        (f"ecr.{REGION}.amazonaws.com", True),
        (DKR, True),
        (f"123456789012.{DKR}", True),  # one registry's names
        (f"s3.{REGION}.amazonaws.com", True),
        ("example.com", False),
        ("us-east-1.amazonaws.com", False),  # another region's names
    ],
)
def test_which_forwarding_rules_are_reported(domain: str, reported: bool) -> None:
    found = check(snapshot(dns_rules=(forward(domain),)), SETTINGS)
    assert bool([f for f in found if f.code == "dns-forwarded"]) is reported


def test_a_more_specific_system_rule_wins_a_broader_or_partial_one_does_not() -> None:
    broad = forward("amazonaws.com")
    system = DnsRule("rslvr-rr-s", f"{REGION}.amazonaws.com", "SYSTEM")
    registry = DnsRule("rslvr-rr-r", f"123456789012.{DKR}", "SYSTEM")
    assert overridden(broad, DKR, (broad, system))
    assert not overridden(broad, DKR, (broad, registry))  # other registries still forwarded
    assert not overridden(forward(DKR), DKR, (DnsRule("x", "amazonaws.com", "SYSTEM"),))
    assert covers("", "anything.example") and not covers("a.example", "b.example")


def test_forwarding_to_a_served_inbound_endpoint_is_info_and_rules_not_read_say_nothing() -> None:
    rule = forward(
        "amazonaws.com", target_ips=("10.9.0.2",), inbound_vpc="vpc-dns", inbound_served=True
    )
    (found,) = check(snapshot(dns_rules=(rule,)), SETTINGS)
    assert found.compliant and "vpc-dns" in found.message
    assert check(snapshot(), SETTINGS) == []  # dns_rules None: not read
    (unread,) = check(snapshot(dns_rules=(), dns_rules_unread="refused"), SETTINGS)
    assert unread.code == "dns-rules-unread" and unread.compliant


def _hub(records: dict[str, str], **endpoint: object) -> VpcSnapshot:
    target = RemoteEndpoint(
        "vpce-0aaa",
        **{  # type: ignore[arg-type]
            "service_name": f"com.amazonaws.{REGION}.ecr.dkr",
            "state": "available",
            "vpc_id": "vpc-hub",
            **endpoint,
        },
    )
    tgw = (RouteTable("rtb-1", "vpc-1", is_main=True, routes=(Route("10.200.0.0/16", "tgw-1"),)),)
    return snapshot(
        private_zones=(DKR,),
        hub_zones=(HubZone(DKR, "Z1", MappingProxyType(records), checked=True),),
        remote_endpoints=(target,),
        route_tables=tgw,
    )


def test_a_hub_zone_serves_only_with_both_records_to_a_usable_reachable_endpoint() -> None:
    spec = SETTINGS.interface_services[1]
    assert spec.name == "ecr.dkr"
    both = {DKR: "vpce-0aaa", f"*.{DKR}": "vpce-0aaa"}
    (ok,) = hub_dns.served(_hub(both), spec) or []
    assert ok.code == "endpoint-centralised"
    (missing,) = hub_dns.served(_hub({DKR: "vpce-0aaa"}), spec) or []
    assert missing.code == "hub-zone-broken" and f"no record *.{DKR}" in missing.message
    (gone,) = hub_dns.served(_hub(both, state="deleted"), spec) or []
    assert "deleted" in gone.message
    unreachable = _hub(both)
    unrouted = VpcSnapshot(
        **{**unreachable.__dict__, "route_tables": (RouteTable("rtb-1", "vpc-1", is_main=True),)}
    )
    (cut,) = hub_dns.served(unrouted, spec) or []
    assert cut.code == "hub-zone-broken" and "no route" in cut.message


def test_a_hub_zone_not_read_is_judged_by_name_one_unreadable_is_unverified() -> None:
    spec = SETTINGS.interface_services[1]
    (by_name,) = hub_dns.served(snapshot(private_zones=(DKR,)), spec) or []
    assert by_name.code == "endpoint-centralised"
    foreign = snapshot(
        private_zones=(DKR,), hub_zones=(HubZone(DKR, "Z1", unverified="owned by x"),)
    )
    (unverified,) = hub_dns.served(foreign, spec) or []
    assert unverified.code == "endpoint-centralised-unverified" and unverified.compliant


def test_a_hub_served_vpc_without_interface_endpoints_needs_neither_groups_nor_offers() -> None:
    """What an event spares reading: only where every service is answered by a hub and the VPC
    holds no interface endpoint of its own (``topology.endpoints.local_endpoints_matter``)."""
    from remediation.model import Endpoint
    from remediation.topology.endpoints import hub_answers, local_endpoints_matter
    from remediation.vocabulary import EndpointType

    api, dkr = (f"com.amazonaws.{REGION}.ecr.{s}" for s in ("api", "dkr"))
    carried = tuple(
        RemoteEndpoint(f"vpce-{n}", s, "available", "vpc-hub", profile_id="rp-1")
        for n, s in (("a", api), ("d", dkr))
    )
    assert not local_endpoints_matter(snapshot(remote_endpoints=carried), SETTINGS)
    # One service answered only: the other's endpoint is placed, so both reads are needed.
    assert local_endpoints_matter(snapshot(remote_endpoints=carried[:1]), SETTINGS)
    # An endpoint the tool cannot read answers every service (judged "served, unverified").
    unread = (RemoteEndpoint("vpce-x", owner_id="111122223333", profile_id="rp-1"),)
    assert not local_endpoints_matter(snapshot(remote_endpoints=unread), SETTINGS)
    # Zones named like the services, associated or through a Profile, answer them too.
    zones = (f"api.ecr.{REGION}.amazonaws.com", DKR)
    assert not local_endpoints_matter(
        snapshot(private_zones=zones[:1], profile_zones=zones[1:]), SETTINGS
    )
    # An interface endpoint of its own: its group and placement are judged.
    own = Endpoint(
        "vpce-own", "vpc-1", "com.amazonaws.eu-west-1.ssm", EndpointType.INTERFACE, "available"
    )
    assert local_endpoints_matter(snapshot(remote_endpoints=carried, endpoints=(own,)), SETTINGS)
    # Local endpoints required: the hub does not count.
    required = load_settings({"REQUIRE_LOCAL_ENDPOINTS": "true"})
    assert local_endpoints_matter(snapshot(remote_endpoints=carried), required)
    # A VPC no hub answers: the rule places endpoints.
    assert local_endpoints_matter(snapshot(), SETTINGS)
    assert hub_answers(snapshot(remote_endpoints=carried), SETTINGS.interface_services[0])
