"""The only module that reads AWS for evaluation.

One call per resource type, filtered by VPC (or region-wide for a sweep),
paginated, then grouped by VPC: evaluating one VPC costs the same handful of
calls whatever its number of subnets, route tables or endpoints, and a sweep
of N VPCs costs ``2·N`` attribute reads plus a constant. The clients it is
given are wrapped so that it *cannot* write (:mod:`remediation.aws.read_only`). An event's ids
are resolved to VPCs by :mod:`remediation.aws.resolution`.

Reads per evaluation
--------------------
``DescribeVpcs``, ``DescribeVpcAttribute`` twice per VPC, ``DescribeSubnets``,
``DescribeRouteTables``, ``DescribeVpcEndpoints``, ``DescribeSecurityGroups``,
``DescribeNetworkInterfaces`` (what else lives in the subnets: transit gateway attachments,
Gateway Load Balancer and firewall endpoints); ``DescribeDhcpOptions`` for DHCP options
sets not seen before in this execution environment (they are immutable, so cached);
the services' offers (:mod:`remediation.aws.region_facts`, cached with a TTL). Named VPCs (an
event) read the groups and the offers last, and only for the VPCs whose judgement needs them
(:func:`remediation.topology.endpoints.local_endpoints_matter`: not a VPC a hub serves with no
interface endpoint of its own); a sweep reads both region-wide with the rest. Only for
VPCs that lack a local endpoint, the hosted zones that serve them
(:mod:`remediation.aws.hosted_zones`: ``ListHostedZonesByVPC`` per VPC, for a sweep first
``ListHostedZones`` plus ``GetHostedZone`` per zone named like a service; Route 53
Profiles when the zones do not settle it); where the names really resolve
(:mod:`remediation.aws.dns_paths`: hub zones' records, remote endpoints, Resolver rules); the
region's VPC Block Public Access exclusions only when a subnet with an internet gateway route
reports bidirectional BPA (:mod:`remediation.aws.block_public_access`, cached with a TTL); and,
once per run and region, the subnets the account shares out (:mod:`remediation.aws.sharing`:
``ram:ListResources``, and ``ram:ListPrincipals`` once more only when a VPC of the run is
shared out). A VPC shared with the account (another ``OwnerId``) is read like any other but
never looked up in Route 53, Resolver or RAM: the engine skips it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from botocore.exceptions import ClientError

from remediation.aws.block_public_access import block_public_access
from remediation.aws.block_public_access import reset as reset_block_public_access
from remediation.aws.dhcp_options import dns_servers
from remediation.aws.dhcp_options import reset as reset_dhcp_options
from remediation.aws.dns_paths import DnsPaths
from remediation.aws.dns_paths import reset as reset_hub_records
from remediation.aws.errors import error_code
from remediation.aws.hosted_zones import HostedZones, ZoneKnowledge
from remediation.aws.hosted_zones import reset as reset_profile_resources
from remediation.aws.paging import Pacer, pages, vpc_filters
from remediation.aws.parsing import (
    parse_endpoint,
    parse_groups,
    parse_network_interface,
    parse_route_table,
    parse_subnet,
    parse_tags,
    served_locally,
)
from remediation.aws.peers import Peers
from remediation.aws.read_only import ReadOnlyClient
from remediation.aws.region_facts import region_facts
from remediation.aws.region_facts import reset as reset_region_facts
from remediation.aws.resolution import Resolution, resolve
from remediation.aws.sharing import Shares
from remediation.aws.survey import Survey
from remediation.config import Settings
from remediation.events.triggers import Trigger
from remediation.model import Endpoint, VpcSnapshot
from remediation.surroundings import RegionFacts, Sharing
from remediation.topology.endpoints import local_endpoints_matter
from remediation.topology.routes import needs_block_public_access

log = logging.getLogger(__name__)


class Inventory:
    """Reads VPCs into snapshots. Give it clients; it wraps them read-only."""

    def __init__(
        self,
        ec2: Any,
        *,
        region: str,
        account_id: str,
        route53: Any | None = None,
        route53profiles: Any | None = None,
        route53resolver: Any | None = None,
        pacer: Pacer | None = None,
        cloudwatch: Any | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        ram: Any | None = None,
        peers: Peers | None = None,
        thorough: bool = False,
    ) -> None:
        self.ec2 = ReadOnlyClient(ec2)
        #: CloudWatch, for the traffic of sweeps and scans (``None``: an event reads none).
        self.cloudwatch = ReadOnlyClient(cloudwatch) if cloudwatch is not None else None
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.route53 = ReadOnlyClient(route53) if route53 is not None else None
        self.route53profiles = (
            ReadOnlyClient(route53profiles) if route53profiles is not None else None
        )
        self.region = region
        self.account_id = account_id
        #: The region's shared-out subnets, read once for this inventory (one run).
        self.shares = Shares(ReadOnlyClient(ram) if ram is not None else None, account_id)
        self.hosted_zones = HostedZones(
            self.route53, self.route53profiles, region=region, account_id=account_id, pacer=pacer
        )
        resolver = ReadOnlyClient(route53resolver) if route53resolver is not None else None
        #: Other accounts' hub zones and endpoints, through their member roles (organisation
        #: mode): :mod:`remediation.aws.peers`.
        self.dns_paths = DnsPaths(
            self.ec2,
            self.route53,
            resolver,
            region=region,
            account_id=account_id,
            peers=peers,
            hub_records=thorough,
        )
        #: A scan, not an event (the CLI): it reads what an event spares for its read budget,
        #: hub zones' records and the groups and offers of VPCs a hub serves.
        self.thorough = thorough
        #: This run's event names security groups (a rule changed): their VPCs' groups are read.
        self._groups_named = False

    # ------------------------------------------------------------------ resolution

    def resolve(self, trigger: Trigger) -> Resolution:
        """The VPCs the event concerns (:func:`remediation.aws.resolution.resolve`). An event
        about security groups has its VPCs' groups read whatever serves them."""
        self._groups_named = self._groups_named or bool(trigger.group_ids)
        return resolve(self.ec2, trigger)

    # ------------------------------------------------------------------ snapshots

    def snapshots(self, vpc_ids: Sequence[str] | None, settings: Settings) -> list[VpcSnapshot]:
        """Snapshots of the given VPCs (``None``: every VPC of the region).

        A VPC that does not exist is simply absent from the result.
        """
        survey = self.survey(vpc_ids, settings)
        return survey.snapshots(survey.vpc_ids)

    def survey(self, vpc_ids: Sequence[str] | None, settings: Settings) -> Survey:
        """What is read for all the VPCs at once (``None``: every VPC of the region); the
        per-VPC reads are left to :meth:`Survey.snapshots`, which a sweep calls slice by slice
        against its deadline (hosted-zone listings are made once per run)."""
        vpcs = [
            v for f in vpc_filters(vpc_ids) for v in pages(self.ec2, "describe_vpcs", "Vpcs", **f)
        ]
        if not vpcs:
            return Survey({}, vpc_ids is None, self._build, settings)
        ids = [v["VpcId"] for v in vpcs]
        scope: list[str] | None = None if vpc_ids is None else ids
        # A sweep (or a scan) reads the groups and the services' offers with the rest; an event's
        # named VPCs read them in _build, for the VPCs whose judgement needs them.
        sweep = scope is None
        eager = sweep or self.thorough
        return Survey(
            {str(v["VpcId"]): v for v in vpcs},
            sweep,
            self._build,
            settings,
            scope,
            subnets=self._grouped(scope, "describe_subnets", "Subnets"),
            tables=self._grouped(scope, "describe_route_tables", "RouteTables"),
            endpoints=self._grouped(scope, "describe_vpc_endpoints", "VpcEndpoints"),
            groups=self._grouped(scope, "describe_security_groups", "SecurityGroups")
            if eager
            else None,
            interfaces=self._grouped(scope, "describe_network_interfaces", "NetworkInterfaces"),
            facts=self._region_facts(settings) if eager else None,
            dns_servers=dns_servers(self.ec2, vpcs, account_id=self.account_id, region=self.region)
            if eager
            else None,
        )

    def _build(self, survey: Survey, vpc_ids: Sequence[str]) -> list[VpcSnapshot]:
        """The per-VPC reads (DNS attributes, hosted zones, DNS paths) and the snapshots."""
        settings = survey.settings
        if settings is None or not vpc_ids:
            return []
        scope = survey.scope
        vpcs = [survey.vpcs[v] for v in vpc_ids]
        subnets, tables, endpoints = survey.subnets, survey.tables, survey.endpoints
        groups, interfaces = survey.groups or {}, survey.interfaces
        facts = survey.facts
        # Companions (ENDPOINT_PROFILE) do not send a VPC to the zone lookups: ECR's services do.
        services = [
            s.service_name(self.region) for s in settings.interface_services if not s.companion
        ]
        owned = [
            v["VpcId"] for v in vpcs if str(v.get("OwnerId") or self.account_id) == self.account_id
        ]
        needing = [v for v in owned if not served_locally(endpoints.get(v, []), services)]
        zones = self._private_zones(settings, scope, needing)
        # What answers a VPC's ECR names (a local endpoint of every service, a hub zone, a
        # Profile): an event reads the DNS servers and Resolver rules of those VPCs only. A VPC
        # still missing an endpoint that no hub stands in for is non-compliant whatever they
        # say, and its evaluation once served reads them.
        answered = {v for v in vpc_ids if v not in needing or zones.answers(v)}
        paths = self.dns_paths.facts(
            zones,
            endpoints,
            vpc_ids=owned,
            answered=answered,
            sweep=scope is None,
            served=lambda items: served_locally(items, services),
        )
        servers = survey.dns_servers
        if servers is None:
            servers = dns_servers(
                self.ec2,
                [v for v in vpcs if v["VpcId"] in answered],
                account_id=self.account_id,
                region=self.region,
            )
        sharing = {
            vpc_id: self.shares.of_vpc(
                [str(s.get("SubnetId", "")) for s in subnets.get(vpc_id, [])]
            )
            for vpc_id in owned
        }
        result = []
        for vpc in vpcs:
            vpc_id = vpc["VpcId"]
            attrs = self._dns_attributes(vpc_id)
            if attrs is None:
                continue  # deleted between the two reads
            cidrs = tuple(
                a["CidrBlock"]
                for a in vpc.get("CidrBlockAssociationSet", [])
                if a.get("CidrBlockState", {}).get("State", "associated") == "associated"
            ) or ((vpc["CidrBlock"],) if vpc.get("CidrBlock") else ())
            ipv6 = tuple(
                a["Ipv6CidrBlock"]
                for a in vpc.get("Ipv6CidrBlockAssociationSet", [])
                if a.get("Ipv6CidrBlockState", {}).get("State", "associated") == "associated"
                and a.get("Ipv6CidrBlock")
            )
            result.append(
                VpcSnapshot(
                    vpc_id=vpc_id,
                    region=self.region,
                    account_id=self.account_id,
                    cidr_blocks=cidrs,
                    ipv6_cidr_blocks=ipv6,
                    dns_support=attrs[0],
                    dns_hostnames=attrs[1],
                    tags=parse_tags(vpc.get("Tags")),
                    subnets=tuple(parse_subnet(s, vpc_id) for s in subnets.get(vpc_id, [])),
                    route_tables=tuple(parse_route_table(t) for t in tables.get(vpc_id, [])),
                    endpoints=tuple(parse_endpoint(e) for e in endpoints.get(vpc_id, [])),
                    security_groups=parse_groups(vpc_id, groups.get(vpc_id, [])),
                    private_zones=tuple(sorted(zones.zones.get(vpc_id, ()))),
                    network_interfaces=tuple(
                        parse_network_interface(i) for i in interfaces.get(vpc_id, [])
                    ),
                    owner_id=str(vpc.get("OwnerId") or self.account_id),
                    region_facts=facts,
                    dns_servers=servers.get(str(vpc.get("DhcpOptionsId") or ""), ()),
                    profile_zones=tuple(sorted(zones.profile_zones.get(vpc_id, ()))),
                    zones_unknown=zones.unknown.get(vpc_id, ""),
                    primary_cidr_block=str(vpc.get("CidrBlock") or ""),
                    **paths.get(vpc_id, {}),
                    sharing=sharing.get(vpc_id, Sharing()),
                )
            )
        if survey.groups is None:
            result = self._with_local_reads(result, settings)
        return self._with_traffic(self._with_block_public_access(result), settings)

    def _with_local_reads(
        self, snapshots: list[VpcSnapshot], settings: Settings
    ) -> list[VpcSnapshot]:
        """Named VPCs' security groups and the services' offers, read (one call each) only when
        a VPC's judgement needs them
        (:func:`remediation.topology.endpoints.local_endpoints_matter`): a VPC a hub serves,
        with no interface endpoint of its own, needs neither."""
        wanted = [s.vpc_id for s in snapshots if local_endpoints_matter(s, settings)]
        with_groups = [s.vpc_id for s in snapshots] if self._groups_named else wanted
        groups = (
            self._grouped(with_groups, "describe_security_groups", "SecurityGroups")
            if with_groups
            else {}
        )
        facts = self._region_facts(settings) if wanted else None
        return [
            dataclasses.replace(
                s,
                security_groups=parse_groups(s.vpc_id, groups.get(s.vpc_id, [])),
                region_facts=facts if s.vpc_id in wanted else None,
            )
            if s.vpc_id in with_groups
            else dataclasses.replace(s, security_groups_read=False)
            for s in snapshots
        ]

    def _with_traffic(self, snapshots: list[VpcSnapshot], settings: Settings) -> list[VpcSnapshot]:
        """The snapshots with what CloudWatch measured (one batched read), when it is read."""
        if self.cloudwatch is None or not snapshots:
            return snapshots
        from remediation.aws.metrics import read_traffic  # noqa: PLC0415 - sweeps and scans only

        services = [s.service_name(self.region) for s in settings.interface_services]
        traffic = read_traffic(self.cloudwatch, snapshots, services, self.clock())
        return [dataclasses.replace(s, traffic=traffic.get(s.vpc_id)) for s in snapshots]

    def endpoints_of(self, vpc_id: str, service_name: str) -> list[Endpoint]:
        """A fresh read of one service's endpoints in one VPC (the executor's conflict check)."""
        filters = [
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "service-name", "Values": [service_name]},
        ]
        items = pages(self.ec2, "describe_vpc_endpoints", "VpcEndpoints", Filters=filters)
        return [parse_endpoint(e) for e in items]

    def _grouped(
        self, vpc_ids: Sequence[str] | None, operation: str, key: str
    ) -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for kwargs in vpc_filters(vpc_ids):
            for item in pages(self.ec2, operation, key, **kwargs):
                grouped[str(item.get("VpcId", ""))].append(item)
        return grouped

    def _dns_attributes(self, vpc_id: str) -> tuple[bool, bool] | None:
        values = []
        for attribute, key in (
            ("enableDnsSupport", "EnableDnsSupport"),
            ("enableDnsHostnames", "EnableDnsHostnames"),
        ):
            try:
                response = self.ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)
            except ClientError as exc:
                if error_code(exc) == "InvalidVpcID.NotFound":
                    return None
                raise
            values.append(bool(response.get(key, {}).get("Value")))
        return values[0], values[1]

    def zones_of(self, vpc_id: str) -> set[str]:
        """Every account-owned private hosted zone associated with one VPC, any account's.

        ``ListHostedZonesByVPC`` also sees a hub's zones owned by a network account,
        which the account's own ``ListHostedZones`` does not list (the executor's
        second look after EC2's DNS-conflict refusal).
        """
        return self.hosted_zones.zones_of(vpc_id) if self.route53 is not None else set()

    def _private_zones(
        self, settings: Settings, scope: Sequence[str] | None, needing: Sequence[str]
    ) -> ZoneKnowledge:
        """Hub zones, Profile zones and unknowns for the VPCs that lack a local endpoint."""
        wanted = {z for s in settings.interface_services for z in s.private_dns_zones(self.region)}
        return self.hosted_zones.knowledge(
            wanted, needing, sweep=scope is None, profiles=settings.route53_profiles
        )

    def _region_facts(self, settings: Settings) -> RegionFacts:
        services = [s.service_name(self.region) for s in settings.interface_services]
        if not services:
            return RegionFacts()
        return region_facts(
            self.ec2, account_id=self.account_id, region=self.region, services=services
        )

    def _with_block_public_access(self, snapshots: list[VpcSnapshot]) -> list[VpcSnapshot]:
        """BPA exclusions on every snapshot, read only when a subnet reports bidirectional BPA."""
        if not any(needs_block_public_access(s) for s in snapshots):
            return snapshots
        facts = block_public_access(self.ec2, account_id=self.account_id, region=self.region)
        return [dataclasses.replace(s, block_public_access=facts) for s in snapshots]


def reset_caches() -> None:
    """Forget what the execution environment cached (tests: each moto account is new)."""
    reset_dhcp_options()
    reset_region_facts()
    reset_block_public_access()
    reset_hub_records()
    reset_profile_resources()
